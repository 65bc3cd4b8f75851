// The cost gate on a real PostgreSQL: what a read costs is what its scans read (explain's
// scannedRows), so `SELECT count(*)` over a big table or a huge generate_series asks first,
// while a small read runs. Through the real gate (authorize) and the real run_sql tool.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PostgresConnector } from '../../src/core/connectors/postgres';
import type { ConnectionSummary } from '../../src/core/observability/events';
import type { ApprovalGateway, ApprovalRequest } from '../../src/core/policy/approvals';
import { authorize, DEFAULT_POLICY, PolicySession } from '../../src/core/policy/gate';
import { runSqlTool } from '../../src/core/tools/warehouseTools';
import { startPostgres, type TestPostgres } from '../support/postgresServer';

const BIG_ROWS = 600_000;
const GROUPS = 1_000;

describe('the cost gate on PostgreSQL counts the rows the scans read', () => {
  let server: TestPostgres;
  let connector: PostgresConnector;
  const connection: ConnectionSummary = { id: 'pg-cost', label: 'cost test', dialect: 'postgres', environment: 'dev' };
  /** The user, answering every card with "no", and remembering what was asked. */
  const asked: ApprovalRequest[] = [];
  const user: ApprovalGateway = { request: async (request) => (asked.push(request), { decision: 'reject' }) };

  /** The gate's answer and the card the user was shown (none: it ran without asking). */
  const gate = async (sql: string, maxEstimatedRows = 100_000) => {
    asked.length = 0;
    const result = await authorize(runSqlTool, { sql }, {
      connector, connection, gateway: user, session: new PolicySession(), settings: { ...DEFAULT_POLICY, maxEstimatedRows }, grants: new Set(['read']), signal: new AbortController().signal,
    });
    assert.ok(asked.length <= 1);
    return { result, card: asked[0] };
  };
  const askedFirst = async (sql: string, maxEstimatedRows?: number) => {
    const { result, card } = await gate(sql, maxEstimatedRows);
    assert.equal(card?.level, 'approve', `${sql} should ask first`);
    assert.equal(card.title, 'Large read');
    assert.deepEqual([result.allowed, result.approval], [false, 'reject'], 'the user said no, so it did not run');
    return card;
  };

  before(async () => {
    server = await startPostgres();
    await server.sql('DROP SCHEMA IF EXISTS cost CASCADE');
    await server.sql('CREATE SCHEMA cost');
    await server.sql(`CREATE TABLE cost.events (id int PRIMARY KEY, grp int NOT NULL, note text NOT NULL)`);
    await server.sql(`INSERT INTO cost.events SELECT g, g % ${GROUPS}, repeat('x', 40) FROM generate_series(1, ${BIG_ROWS}) g`);
    await server.sql(`CREATE INDEX events_grp ON cost.events (grp)`);
    await server.sql(`CREATE TABLE cost.groups (id int PRIMARY KEY)`);
    await server.sql(`INSERT INTO cost.groups SELECT g FROM generate_series(0, ${GROUPS - 1}) g`);
    await server.sql('ANALYZE cost.events');
    await server.sql('ANALYZE cost.groups');
    // Immutable with constant (no) arguments: the planner runs it while planning, to fold it.
    await server.sql(`CREATE FUNCTION cost.slow_constant() RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(30); RETURN 1; END $$`);
    await server.sql(`GRANT USAGE ON SCHEMA cost TO ${server.reader.user}`);
    await server.sql(`GRANT SELECT ON ALL TABLES IN SCHEMA cost TO ${server.reader.user}`);
    connector = await PostgresConnector.open({ id: 'pg-cost', host: server.host, port: server.port, database: server.database, user: server.reader.user, password: server.reader.password });
  });

  after(async () => {
    await connector?.close();
    await server?.stop();
  });

  test('SELECT count(*) over a table above the limit asks first, though it returns one row', async () => {
    const plan = await connector.explain('SELECT count(*) FROM cost.events');
    assert.equal(plan.estimatedRows, 1);
    // Parallel or not, the scans together read the whole table (the planner's per-worker estimates scaled back).
    assert.ok(Math.abs((plan.scannedRows ?? 0) - BIG_ROWS) / BIG_ROWS < 0.05, `scannedRows ${plan.scannedRows} for ${BIG_ROWS} rows; plan ${plan.plan}`);
    const card = await askedFirst('SELECT count(*) FROM cost.events');
    assert.match(card.estimate?.note ?? '', /rows the plan reads/);
    assert.ok((card.estimate?.rows ?? 0) > 100_000);
  });

  test('count(*) over generate_series(1, 1e10) asks first at the default limit', async () => {
    const plan = await connector.explain('SELECT count(*) FROM generate_series(1, 1e10)');
    assert.equal(plan.scannedRows, 1e10);
    await askedFirst('SELECT count(*) FROM generate_series(1, 1e10)', DEFAULT_POLICY.maxEstimatedRows);
    // The same rows made by a set-returning function in a select list (a ProjectSet node).
    await askedFirst('SELECT count(*) FROM (SELECT generate_series(1, 1e10) AS n) s', DEFAULT_POLICY.maxEstimatedRows);
  });

  test('the inner side of a nested loop reads its rows once per outer row', async () => {
    // LIMIT keeps the lateral subquery from being flattened: a Nested Loop over an index scan per group.
    const sql = 'SELECT count(*) FROM cost.groups g, LATERAL (SELECT e.id FROM cost.events e WHERE e.grp = g.id LIMIT 100000) x';
    const plan = await connector.explain(sql);
    assert.match(plan.plan, /"Nested Loop"/, plan.plan);
    assert.ok((plan.scannedRows ?? 0) >= BIG_ROWS * 0.9, `scannedRows ${plan.scannedRows}; plan ${plan.plan}`);
    await askedFirst(sql);
  });

  // Plan Rows is what a scan returns after its filter; a Seq Scan reads the whole table anyway.
  test('a filtered scan that returns almost nothing still reads the table, and a correlated subquery reads it per row', async () => {
    const filtered = await connector.explain(`SELECT id FROM cost.events WHERE note = 'no such note'`);
    assert.ok((filtered.estimatedRows ?? 0) < 10, `estimatedRows ${filtered.estimatedRows}`);
    assert.ok((filtered.scannedRows ?? 0) >= BIG_ROWS * 0.95, `scannedRows ${filtered.scannedRows}`);
    // Bytes are the table's pages, not the width of the one column it returns.
    const pages = Number((await server.sql(`SELECT pg_relation_size('cost.events') AS b`)).rows[0].b);
    assert.ok((filtered.scannedBytes ?? 0) >= pages * 0.95, `scannedBytes ${filtered.scannedBytes} for a ${pages}-byte table`);
    await askedFirst(`SELECT id FROM cost.events WHERE note = 'no such note'`);
    // Each of 100 outer rows runs the subquery, whose Seq Scan reads the table each time.
    const correlated = 'SELECT (SELECT count(*) FROM cost.events e WHERE e.note = g::text) FROM generate_series(1, 100) g';
    const plan = await connector.explain(correlated);
    assert.ok((plan.scannedRows ?? 0) >= 100 * BIG_ROWS * 0.95, `scannedRows ${plan.scannedRows}; plan ${plan.plan}`);
    await askedFirst(correlated, 10_000_000);
  });

  test('a subquery or CTE over the big table counts its scan; a small read is allowed', async () => {
    await askedFirst('WITH e AS MATERIALIZED (SELECT grp FROM cost.events) SELECT count(*) FROM e');
    await askedFirst('SELECT max(n) FROM (SELECT grp AS n FROM cost.events) s');
    for (const sql of ['SELECT id, grp FROM cost.events WHERE id = 42', 'SELECT count(*) FROM cost.groups']) {
      const { result, card } = await gate(sql);
      assert.deepEqual([result.decision, result.allowed, card], ['allow', true, undefined], sql);
    }
    const plan = await connector.explain('SELECT id, grp FROM cost.events WHERE id = 42');
    assert.ok((plan.scannedRows ?? 0) >= 1 && (plan.scannedRows ?? 0) < 10, `scannedRows ${plan.scannedRows}`);
    assert.ok((plan.scannedBytes ?? 0) > 0);
  });

  test('a recursive query asks whatever its estimates: its recursive term runs once per iteration', async () => {
    for (const sql of [
      'WITH RECURSIVE r(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT count(*) FROM r',
      'WITH RECURSIVE r(n) AS (SELECT id FROM cost.groups WHERE id = 0 UNION SELECT g.id FROM r JOIN cost.groups g ON g.id = r.n + 1) SELECT count(*) FROM r',
      'SELECT * FROM cost.groups WHERE id IN (WITH RECURSIVE r(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r)',
    ]) {
      const plan = await connector.explain(sql);
      assert.ok((plan.scannedRows ?? 0) < 100_000, `its estimates alone would pass: ${plan.scannedRows}`);
      const card = await askedFirst(sql);
      assert.match(card.reasons.join(' '), /a recursive query: its size cannot be estimated/i);
    }
  });

  test('a plan that takes longer than the explain timeout is reported as unknown, and the connector still works', async () => {
    const plan = await connector.explain('SELECT cost.slow_constant()', { timeoutMs: 200 });
    assert.deepEqual([plan.scannedRows, plan.estimatedRows], [null, null]);
    assert.match(plan.unboundedReason ?? '', /could not be estimated in time/);
    assert.equal((await connector.explain('SELECT count(*) FROM cost.groups')).estimatedRows, 1);
  });
});
