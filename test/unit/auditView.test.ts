// The editor's audit log view shows every statement whole: a long statement is not cut, so the
// exact SQL that ran can be read there (the compact rendering still cuts it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { AuditLog, renderAuditMarkdown } from '../../src/core/observability/auditLog';
import { withTempDir } from '../support/tempDirs';

test('renderAuditMarkdown with fullSql keeps a long statement whole', async () => {
  await withTempDir('auditview', async (dir) => {
    const path = join(dir, 'audit.jsonl');
    const log = await AuditLog.open(path);
    const columns = Array.from({ length: 60 }, (_, i) => `column_number_${i}`).join(', ');
    const sql = `SELECT ${columns} FROM wide_table WHERE last_condition = 'the end'`;
    assert.ok(sql.length > 1000);
    await log.append('tool.authorized', { tool: 'run_sql', sql });
    await log.close();
    const text = readFileSync(path, 'utf8');
    const full = renderAuditMarkdown(text, { fullSql: true });
    assert.ok(full.includes("WHERE last_condition = 'the end'"), 'the end of the statement is shown');
    assert.ok(!renderAuditMarkdown(text).includes("'the end'"), 'the compact view still cuts it');
  });
});
