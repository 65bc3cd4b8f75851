// Red team (issue #8, after the merge): holes found in the guards by inputs no test names. Each
// test asserts the SAFE behaviour, so it FAILS on the code as merged; a fix at the mechanism
// makes it pass. Every attack is first shown to do what it means on the real engine (DuckDB,
// PostgreSQL) or the real tool path (policy gate + read_file/write_file in a real git repo), so the
// failure is the guard's, not the example's.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as duck from '@duckdb/node-api';
import { DuckDBConnector } from '../../src/core/connectors/duckdb';
import type { ApprovalRequest, ConnectionSummary } from '../../src/core/observability/events';
import { authorize, DEFAULT_POLICY, PolicySession, type GateResult } from '../../src/core/policy/gate';
import { checkSql, type SqlDialect } from '../../src/core/sql/guardrail';
import { readFileTool, writeFileTool } from '../../src/core/tools/fileTools';
import { renderForModel, ToolError } from '../../src/core/tools/tool';
import { startPostgres, type TestPostgres } from '../support/postgresServer';
import { makeTempDir, removeDir } from '../support/tempDirs';

// ---------------------------------------------------------------------------------------------
// 1. SQL guardrail: a DELETE whose WHERE can never be false (for any row with a value) must need
//    typed confirmation. Each statement below removes every row of `t` on the real engine, yet the
//    guardrail rates it `approve` (one click) because the analysis takes it as bounded.
// ---------------------------------------------------------------------------------------------

/** Rows left in a fresh `t` (ids 1..5, no NULLs) after running `sql` on a real in-memory DuckDB. */
async function duckdbRowsLeft(sql: string): Promise<number> {
  const instance = await duck.DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  try {
    await c.run(`CREATE TABLE t AS SELECT range::INTEGER AS id, 'v' || range AS x FROM range(1, 6)`);
    await c.run(sql);
    const reader = await c.runAndReadAll('SELECT count(*)::INTEGER FROM t');
    return Number(reader.getRows()[0][0]);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

async function assertNeedsConfirm(dialect: SqlDialect, sql: string): Promise<void> {
  const verdict = await checkSql(dialect, sql);
  assert.equal(verdict.decision, 'confirm', `[${dialect}] ${sql} removes every row, so it must need typed confirmation; got ${verdict.decision}: ${verdict.reasons.join(' | ')}`);
}

describe('red team: DELETE whose WHERE is true for every row, in other clothes', () => {
  test('WHERE id IN (SELECT id FROM <the same table>) removes every row but is rated approve', async () => {
    const sql = 'DELETE FROM t WHERE id IN (SELECT id FROM t)';
    assert.equal(await duckdbRowsLeft(sql), 0, 'on real DuckDB it removes every row');
    for (const dialect of ['postgres', 'duckdb', 'snowflake'] as const) await assertNeedsConfirm(dialect, sql);
    // The same with = ANY over the same table.
    const any = 'DELETE FROM t WHERE id = ANY (SELECT id FROM t)';
    assert.equal(await duckdbRowsLeft(any), 0);
    for (const dialect of ['postgres', 'duckdb', 'snowflake'] as const) await assertNeedsConfirm(dialect, any);
  });

  test('WHERE t.id = (a subquery that returns the row\'s own id) removes every row but is rated approve', async () => {
    const sql = 'DELETE FROM t WHERE t.id = (SELECT t2.id FROM t AS t2 WHERE t2.id = t.id)';
    assert.equal(await duckdbRowsLeft(sql), 0, 'on real DuckDB it removes every row');
    for (const dialect of ['postgres', 'duckdb', 'snowflake'] as const) await assertNeedsConfirm(dialect, sql);
  });

  test('WHERE id - id = 0 (a column minus itself compared with a constant) removes every row but is rated approve', async () => {
    const sql = 'DELETE FROM t WHERE id - id = 0';
    assert.equal(await duckdbRowsLeft(sql), 0, 'on real DuckDB it removes every row');
    for (const dialect of ['postgres', 'duckdb', 'snowflake'] as const) await assertNeedsConfirm(dialect, sql);
  });

  test("WHERE x LIKE '%' || '' (a match-everything pattern that is not a bare literal) is rated approve", async () => {
    const sql = "DELETE FROM t WHERE x LIKE '%' || ''";
    assert.equal(await duckdbRowsLeft(sql), 0, 'on real DuckDB it removes every row');
    for (const dialect of ['postgres', 'duckdb', 'snowflake'] as const) await assertNeedsConfirm(dialect, sql);
  });
});

describe('red team: PostgreSQL pattern tautologies', () => {
  let server: TestPostgres;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  /** Rows left in a fresh red_t (5 non-NULL strings) after `sql`, on the real PostgreSQL. */
  async function postgresRowsLeft(sql: string): Promise<number> {
    await server.sql('DROP TABLE IF EXISTS t');
    await server.sql(`CREATE TABLE t AS SELECT g AS id, 'v' || g AS x FROM generate_series(1, 5) g`);
    await server.sql(sql);
    return Number((await server.sql('SELECT count(*) AS n FROM t')).rows[0].n);
  }

  test("x SIMILAR TO '(%)', '%|a', '_*%' or '%' ESCAPE '#' match every string (like '%') but are rated approve", async () => {
    // SIMILAR TO is a regular expression with % for .*: only a pattern of bare %s is recognised.
    for (const sql of ["DELETE FROM t WHERE x SIMILAR TO '(%)'", "DELETE FROM t WHERE x SIMILAR TO '%|a'", "DELETE FROM t WHERE x SIMILAR TO '_*%'", "DELETE FROM t WHERE x SIMILAR TO '%' ESCAPE '#'"]) {
      assert.equal(await postgresRowsLeft(sql), 0, `${sql} removes every row on real PostgreSQL`);
      await assertNeedsConfirm('postgres', sql);
    }
  });

  test("x LIKE '%%' ESCAPE '\\' matches every string but is rated approve (ESCAPE hides the pattern)", async () => {
    const sql = "DELETE FROM t WHERE x LIKE '%%' ESCAPE '\\'";
    assert.equal(await postgresRowsLeft(sql), 0, 'removes every row on real PostgreSQL');
    await assertNeedsConfirm('postgres', sql);
  });
});
