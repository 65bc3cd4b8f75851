// Running the user's own SQL from the editor: statements found by the dialect's real lexer (never
// by ";"), and each one through the same policy gate as a model's call, against real DuckDB.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runUserSql } from '../../src/core/agents/userSqlRun';
import { DuckDBConnector } from '../../src/core/connectors/duckdb';
import { SAMPLE_CONNECTION } from '../../src/core/connectors/open';
import { AuditLog } from '../../src/core/observability/auditLog';
import type { ApprovalRequest, ConnectionSummary, RunEvent } from '../../src/core/observability/events';
import type { ApprovalAnswer, ApprovalGateway } from '../../src/core/policy/approvals';
import { PolicySession } from '../../src/core/policy/gate';
import { statementAt, statementRanges, StatementSplitError } from '../../src/core/sql/statementRanges';
import { ensureSampleWarehouse } from '../../src/core/sample/sampleWarehouse';
import { makeTempDir, removeDir } from '../support/tempDirs';

describe('statement ranges', () => {
  const texts = (ranges: { text: string }[]) => ranges.map((r) => r.text);

  for (const dialect of ['postgres', 'duckdb'] as const) {
    test(`${dialect}: semicolons in strings, dollar quotes and comments are not boundaries`, async () => {
      const doc = "-- first; not a boundary\nSELECT 'a;b' AS x;\n/* c; */ INSERT INTO t VALUES ($$;$$);\n\nSELECT E'\\';' ; ;\nSELECT 'é' AS accent";
      const ranges = await statementRanges(dialect, doc);
      assert.deepEqual(texts(ranges), ["SELECT 'a;b' AS x", 'INSERT INTO t VALUES ($$;$$)', "SELECT E'\\';'", "SELECT 'é' AS accent"]);
      for (const r of ranges) assert.equal(doc.slice(r.start, r.end), r.text);
    });
  }

  test('snowflake: its own lexical rules (backslash escapes, // comments, $$ bodies)', async () => {
    const doc = "SELECT 'it\\'s; fine' AS a; // note; here\nSELECT $$x;y$$ AS b;\nSELECT 3";
    assert.deepEqual(texts(await statementRanges('snowflake', doc)), ["SELECT 'it\\'s; fine' AS a", '// note; here\nSELECT $$x;y$$ AS b', 'SELECT 3']);
  });

  test('an unclosed string is a clear error, not a guess', async () => {
    await assert.rejects(statementRanges('postgres', "SELECT 'open; SELECT 2"), (e: Error) => e instanceof StatementSplitError && /not closed/.test(e.message));
    await assert.rejects(statementRanges('snowflake', 'SELEC 1; SELECT 2'), (e: Error) => e instanceof StatementSplitError && /select the statement/.test(e.message));
  });

  test('the statement under the cursor, including just after its semicolon', async () => {
    const doc = 'SELECT 1;\nSELECT 2;';
    const ranges = await statementRanges('duckdb', doc);
    assert.equal(statementAt(ranges, 3)?.text, 'SELECT 1');
    assert.equal(statementAt(ranges, doc.indexOf('2') + 2)?.text, 'SELECT 2');
  });
});

describe('runUserSql through the policy gate', () => {
  let dir: string;
  let sample: DuckDBConnector;
  let scratch: DuckDBConnector;
  const SCRATCH: ConnectionSummary = { id: 'scratch', label: 'Scratch', dialect: 'duckdb', environment: 'staging', writable: true };

  before(async () => {
    dir = makeTempDir('usersql');
    sample = await DuckDBConnector.open({ id: 'sample', path: await ensureSampleWarehouse(dir) });
    const path = join(dir, 'scratch.duckdb');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const seed = await DuckDBInstance.create(path);
    const c = await seed.connect();
    await c.run('CREATE TABLE scratch (n INTEGER)');
    c.disconnectSync();
    seed.closeSync();
    scratch = await DuckDBConnector.open({ id: 'scratch', path, writable: true });
  });
  after(async () => {
    await sample?.close();
    await scratch?.close();
    removeDir(dir);
  });

  function gateway(answer: (r: ApprovalRequest) => ApprovalAnswer): { gateway: ApprovalGateway; asked: ApprovalRequest[] } {
    const asked: ApprovalRequest[] = [];
    return { asked, gateway: { request: async (r) => (asked.push(r), answer(r)) } };
  }

  async function run(statements: string[], connector: DuckDBConnector, connection: ConnectionSummary, answer: (r: ApprovalRequest) => ApprovalAnswer, audit?: AuditLog) {
    const events: RunEvent[] = [];
    const g = gateway(answer);
    const result = await runUserSql({ title: 'Run SQL from test.sql', statements, connector, connection, policy: { gateway: g.gateway, session: new PolicySession() }, onEvent: (e) => events.push(e), audit });
    return { result, events, asked: g.asked };
  }

  test('a read runs without asking and ends with its result grid; the run is audited as the user\'s', async () => {
    const auditPath = join(dir, 'audit.jsonl');
    const audit = await AuditLog.open(auditPath);
    const { result, events, asked } = await run(['SELECT count(*) AS n FROM orders'], sample, SAMPLE_CONNECTION, () => ({ decision: 'reject' }), audit);
    await audit.close();
    assert.equal(result.status, 'completed');
    assert.equal(asked.length, 0);
    const answer = events.find((e) => e.type === 'answer');
    assert.equal(answer?.type === 'answer' && answer.result?.columns[0].name, 'n');
    const lines = readFileSync(auditPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> });
    assert.deepEqual(lines.map((l) => l.type), ['run.started', 'tool.authorized', 'tool.finished', 'run.finished']);
    assert.ok(lines.every((l) => l.data.origin === 'user'));
    assert.equal(lines[1].data.sql, 'SELECT count(*) AS n FROM orders');
  });

  test('a write on a read-only connection is refused with the reason, and nothing is asked', async () => {
    const { result, asked } = await run(['DELETE FROM orders'], sample, SAMPLE_CONNECTION, () => ({ decision: 'once' }));
    assert.equal(result.status, 'failed');
    assert.equal(asked.length, 0);
    assert.match(result.error ?? '', /read-only/);
    assert.doesNotMatch(result.error ?? '', /execute_sql|run_sql/);
  });

  test('a denied statement is refused with the parser\'s reason', async () => {
    const { result, asked } = await run(["COPY orders TO '/tmp/x.csv'"], sample, SAMPLE_CONNECTION, () => ({ decision: 'once' }));
    assert.equal(result.status, 'failed');
    assert.equal(asked.length, 0);
    assert.match(result.error ?? '', /^Refused by Pipewright's policy/);
  });

  test('an INSERT asks with an approval card; a DROP asks for the table name, and a wrong name leaves the table', async () => {
    const { result, asked, events } = await run(['INSERT INTO scratch VALUES (1)', 'DROP TABLE scratch'], scratch, SCRATCH, (r) => (r.level === 'confirm' ? { decision: 'once', typed: 'scratc' } : { decision: 'once' }));
    assert.deepEqual(asked.map((r) => [r.level, r.sql]), [['approve', 'INSERT INTO scratch VALUES (1)'], ['confirm', 'DROP TABLE scratch']]);
    assert.equal(asked[1].confirmText, 'scratch');
    assert.equal(events.filter((e) => e.type === 'approval.requested').length, 2);
    assert.equal(result.status, 'failed');
    assert.match(result.error ?? '', /typed confirmation did not match/);
    const rows = await scratch.query('SELECT count(*) AS n FROM scratch', {});
    const { readAll } = await import('../../src/core/connectors/connector');
    assert.equal(Number((await readAll(rows)).rows[0][0]), 1);
  });

  test('two statements in one piece are refused, never split and run', async () => {
    const { result, asked } = await run(['SELECT 1; DROP TABLE scratch'], scratch, SCRATCH, () => ({ decision: 'once', typed: 'scratch' }));
    assert.equal(result.status, 'failed');
    assert.equal(asked.length, 0);
    assert.match(result.error ?? '', /2 statements/);
  });
});
