// The cost gate on DuckDB goes by the rows the plan's scans read, not by what its top node
// returns: `SELECT sum(k) FROM big` returns one row but reads all of them. Through the real
// policy gate (authorize) and the real DuckDB connector, on a file with a 200k-row table.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBConnector, loadDuckDB } from '../../src/core/connectors/duckdb';
import type { ApprovalRequest, ConnectionSummary } from '../../src/core/observability/events';
import type { ApprovalAnswer, ApprovalGateway } from '../../src/core/policy/approvals';
import { authorize, DEFAULT_POLICY, PolicySession, type GateContext } from '../../src/core/policy/gate';
import { runSqlTool } from '../../src/core/tools/warehouseTools';
import { makeTempDir, removeDir } from '../support/tempDirs';

const BIG_ROWS = 200_000;
const LIMIT = 100_000;

/** The user's side of an approval: says yes once and keeps what was asked. */
class RecordingUser implements ApprovalGateway {
  readonly requests: ApprovalRequest[] = [];
  async request(request: ApprovalRequest): Promise<ApprovalAnswer> {
    this.requests.push(request);
    return { decision: 'once' };
  }
}

describe('DuckDB cost gate: the rows the scans read', () => {
  let dir: string;
  let db: DuckDBConnector;
  const connection: ConnectionSummary = { id: 'cost', label: 'cost', dialect: 'duckdb', environment: 'dev' };

  before(async () => {
    dir = makeTempDir('duckdb-cost');
    const path = join(dir, 'cost.duckdb');
    const duck = await loadDuckDB();
    const writer = await duck.DuckDBInstance.create(path);
    const c = await writer.connect();
    await c.run(`CREATE TABLE big AS SELECT range AS id, range % 7 AS k FROM range(${BIG_ROWS})`);
    await c.run('CREATE TABLE small AS SELECT range AS id FROM range(10)');
    c.closeSync();
    writer.closeSync();
    db = await DuckDBConnector.open({ id: 'cost', path });
  });

  after(async () => {
    await db?.close();
    removeDir(dir);
  });

  async function gate(sql: string) {
    const user = new RecordingUser();
    const ctx: GateContext = {
      connector: db,
      connection,
      gateway: user,
      session: new PolicySession(),
      settings: { ...DEFAULT_POLICY, maxEstimatedRows: LIMIT },
      grants: new Set(['read']),
      signal: new AbortController().signal,
    };
    return { result: await authorize(runSqlTool, { sql }, ctx), user };
  }

  test('explain reports the rows the scans read', async () => {
    const plan = await db.explain('SELECT sum(k) FROM big');
    assert.equal(plan.scannedRows, BIG_ROWS, plan.plan);
    assert.equal(plan.scannedBytes, null);
    // Two scans are summed.
    const join = await db.explain('SELECT count(*) FROM big JOIN small USING (id)');
    assert.equal(join.scannedRows, BIG_ROWS + 10);
  });

  for (const sql of [
    'SELECT sum(k) FROM big',
    'SELECT k, count(*) FROM big GROUP BY k',
    'SELECT count(DISTINCT id) FROM big',
    'SELECT count(*) FROM big JOIN small USING (id)',
    'SELECT * FROM small WHERE id IN (SELECT k FROM big)',
    'SELECT count(*) FROM generate_series(1, 10000000000)',
    'SELECT sum(range) FROM range(1000000000000)',
    'SELECT count(*) FROM small, range(200000) r',
  ]) {
    test(`asks before a large read: ${sql}`, async () => {
      const { result, user } = await gate(sql);
      assert.equal(result.decision, 'approve', result.reasons.join(' / '));
      assert.equal(user.requests.length, 1);
      assert.equal(user.requests[0].title, 'Large read');
      assert.match(user.requests[0].reasons.join(' '), /expects to read [\d,]+ rows, above the limit of 100,000/);
    });
  }

  // DuckDB answers count(*) of a stored table from its row count: the plan reads no rows
  // (COLUMN_DATA_SCAN of one precomputed row), so there is nothing to ask about.
  for (const sql of ['SELECT * FROM small', 'SELECT count(*) FROM small', 'SELECT * FROM range(10)', 'SELECT 1', 'SELECT count(*) FROM big']) {
    test(`a small read runs without asking: ${sql}`, async () => {
      const { result, user } = await gate(sql);
      assert.equal(result.decision, 'allow', result.reasons.join(' / '));
      assert.equal(user.requests.length, 0);
    });
  }

  // A recursive CTE runs its recursive part once per iteration, and the plan estimates one: no
  // row count bounds it, so every recursive read asks, whatever its scans are estimated at.
  for (const sql of [
    'WITH RECURSIVE r(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT count(*) FROM r',
    'WITH RECURSIVE r(n) USING KEY (n) AS (SELECT 1 UNION SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r',
    'WITH RECURSIVE r(n) AS MATERIALIZED (SELECT id FROM small UNION SELECT s.id FROM r JOIN small s ON s.id = r.n + 1) SELECT count(*) FROM r',
    'SELECT * FROM small WHERE id IN (WITH RECURSIVE r(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r)',
  ]) {
    test(`a recursive query asks, its size unknown: ${sql}`, async () => {
      const { result, user } = await gate(sql);
      assert.equal(result.decision, 'approve', result.reasons.join(' / '));
      assert.equal(user.requests[0]?.title, 'Large read');
      assert.match(user.requests[0].reasons.join(' '), /a recursive query: its size cannot be estimated/i);
    });
  }

  // UNNEST and in-out table functions (range over a column) make as many rows as their lists or
  // arguments say; DuckDB estimates them as their input, or not at all.
  for (const sql of [
    'SELECT count(*) FROM unnest(range(300000))',
    'SELECT count(*) FROM (SELECT unnest(range(300000)) AS v) s',
    'SELECT count(*) FROM (SELECT unnest(generate_series(1, id)) FROM small) s',
    'SELECT count(*) FROM small, LATERAL range(small.id * 100000) r',
    'SELECT count(*) FROM range((SELECT max(id) FROM small) * 100000)',
  ]) {
    test(`rows made by unnest or an in-out function ask: ${sql}`, async () => {
      const { result, user } = await gate(sql);
      assert.equal(result.decision, 'approve', result.reasons.join(' / '));
      assert.match(user.requests[0]?.reasons.join(' ') ?? '', /unnest or a table function over computed arguments/);
    });
  }

  test('a plan that takes longer than the explain timeout is reported as unknown, and the connector still works', async () => {
    // DuckDB builds the constant list while planning: seconds for 30 million elements.
    const plan = await db.explain('SELECT count(*) FROM unnest(range(30000000::BIGINT))', { timeoutMs: 20 });
    assert.deepEqual([plan.scannedRows, plan.estimatedRows], [null, null]);
    assert.match(plan.unboundedReason ?? '', /could not be estimated in time/);
    assert.equal((await db.explain('SELECT sum(k) FROM big')).scannedRows, BIG_ROWS);
    // A stop is still a stop, not a timeout.
    const stop = new AbortController();
    stop.abort();
    await assert.rejects(db.explain('SELECT count(*) FROM unnest(range(30000000::BIGINT))', { signal: stop.signal, timeoutMs: 60_000 }), /cancel/i);
  });
});
