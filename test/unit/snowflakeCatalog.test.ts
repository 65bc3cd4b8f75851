// Catalog sync on Snowflake through the unmodified snowflake-sdk against the loopback emulator:
// columns streamed from one INFORMATION_SCHEMA.COLUMNS statement, table fingerprints from
// LAST_ALTERED, a full sync in a constant number of statements, an incremental refresh that
// re-reads only changed tables, Stop mid-stream, and the per-schema fallback for error 090030.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { syncCatalog } from '../../src/core/catalog/catalogSync';
import { QueryCancelledError, type ColumnRecord } from '../../src/core/connectors/connector';
import { SnowflakeConnector, type SnowflakeConnectionOptions } from '../../src/core/connectors/snowflake';
import { SnowflakeEmulator, type EmulatedQuery } from '../support/snowflakeEmulator';
import { makeTempDir, removeDir } from '../support/tempDirs';

process.env.NO_PROXY = ['127.0.0.1', 'localhost', process.env.NO_PROXY].filter(Boolean).join(',');
process.env.no_proxy = process.env.NO_PROXY;

const PASSWORD = 'catalog-Secret-7';
const LAKE_TABLES = 200;
const LAKE_COLUMNS = 25;
const lakeName = (i: number) => `T${String(i).padStart(3, '0')}`;
const lakeTable = (i: number) =>
  `CREATE TABLE ANALYTICS.LAKE.${lakeName(i)} (${Array.from({ length: LAKE_COLUMNS }, (_, c) => `C${String(c).padStart(2, '0')} ${['INTEGER', 'VARCHAR', 'DECIMAL(12,2)', 'TIMESTAMP', 'BOOLEAN'][c % 5]}`).join(', ')})`;

describe('Snowflake catalog sync against the emulator', () => {
  let emulator: SnowflakeEmulator;
  let db: SnowflakeConnector;
  let workDir: string;
  let originalCwd: string;
  const opened: SnowflakeConnector[] = [];

  const options = (url: string): SnowflakeConnectionOptions => ({
    account: 'TESTACCT',
    username: 'analyst',
    authentication: { kind: 'password', password: PASSWORD },
    accessUrl: url,
    database: 'ANALYTICS',
    schema: 'PUBLIC',
    maxLoginRetries: 0,
  });

  /** A connector of its own, and the statements its session sent. */
  async function open(writable = false): Promise<{ connector: SnowflakeConnector; statements: () => EmulatedQuery[] }> {
    const connector = await SnowflakeConnector.open({ ...options(emulator.url), id: `snowflake-catalog-${opened.length}`, writable });
    opened.push(connector);
    const session = emulator.sessions.at(-1)!;
    return { connector, statements: () => emulator.queries.filter((q) => q.sessionId === session.id) };
  }

  async function collect(iterable: AsyncIterable<ColumnRecord[]>): Promise<{ columns: ColumnRecord[]; batches: number }> {
    const columns: ColumnRecord[] = [];
    let batches = 0;
    for await (const batch of iterable) {
      columns.push(...batch);
      batches++;
    }
    return { columns, batches };
  }

  before(async () => {
    originalCwd = process.cwd();
    workDir = makeTempDir('snowflake-catalog');
    process.chdir(workDir); // the driver must not leave a log file anywhere, least of all here
    emulator = await SnowflakeEmulator.start({
      account: 'TESTACCT',
      databases: ['ANALYTICS'],
      users: [{ name: 'ANALYST', password: PASSWORD }],
      chunkRows: 100,
      setup: [
        `CREATE SCHEMA ANALYTICS.CORE`,
        `CREATE TABLE ANALYTICS.CORE.CUSTOMERS (CUSTOMER_ID INTEGER NOT NULL, NAME VARCHAR NOT NULL, SIGNUP_DATE DATE, BALANCE DECIMAL(10,2), PROFILE JSON, SEEN_AT TIMESTAMP)`,
        `COMMENT ON TABLE ANALYTICS.CORE.CUSTOMERS IS 'One row per customer'`,
        `COMMENT ON COLUMN ANALYTICS.CORE.CUSTOMERS.NAME IS 'Full name'`,
        `COMMENT ON COLUMN ANALYTICS.CORE.CUSTOMERS.BALANCE IS 'In euros'`,
        `CREATE TABLE ANALYTICS.CORE.ORDERS (ORDER_ID BIGINT NOT NULL, CUSTOMER_ID INTEGER, AMOUNT DECIMAL(12,2), WEIGHT DOUBLE)`,
        // A name no string-building would survive: the filter must bind it.
        `CREATE TABLE ANALYTICS.CORE."odd'name"" x" (ID INTEGER)`,
        `CREATE VIEW ANALYTICS.CORE.V_ORDERS AS SELECT ORDER_ID, AMOUNT FROM ANALYTICS.CORE.ORDERS`,
        `CREATE SCHEMA ANALYTICS.LAKE`,
        ...Array.from({ length: LAKE_TABLES }, (_, i) => lakeTable(i + 1)),
      ],
    });
    db = (await open()).connector;
  });

  after(async () => {
    for (const connector of opened) await connector.close().catch(() => undefined);
    await emulator?.close();
    process.chdir(originalCwd);
    removeDir(workDir);
  });

  test('streamColumns returns every column with types, nullability and comments, in order, from one statement', async () => {
    const before = emulator.queries.length;
    const { columns, batches } = await collect(db.streamColumns());
    const sent = emulator.queries.slice(before).filter((q) => /INFORMATION_SCHEMA\.COLUMNS/.test(q.sqlText));
    assert.equal(sent.length, 1, 'one COLUMNS statement');
    assert.ok(batches > 1, 'delivered in several batches');
    assert.ok(sent[0].chunkDownloads > 10, 'downloaded chunk by chunk');
    // Every statement keeps the connector's guardrails.
    assert.equal(sent[0].statementParameters.MULTI_STATEMENT_COUNT, 1);
    assert.equal(sent[0].statementParameters.QUERY_TAG, 'pipewright');

    const expected = (await emulator.duck(
      `SELECT schema_name, table_name, column_name FROM duckdb_columns() WHERE database_name = 'ANALYTICS' ORDER BY schema_name, table_name, column_index`,
    )) as string[][];
    assert.equal(columns.length, 6 + 4 + 1 + 2 + LAKE_TABLES * LAKE_COLUMNS);
    assert.deepEqual(columns.map((c) => [c.schema, c.table, c.name]), expected);
    assert.ok(columns.every((c) => c.schema !== 'INFORMATION_SCHEMA'));

    const customers = columns.filter((c) => c.schema === 'CORE' && c.table === 'CUSTOMERS').map((c) => [c.name, c.type, c.nullable, c.comment]);
    assert.deepEqual(customers, [
      ['CUSTOMER_ID', 'NUMBER(38,0)', false, null],
      ['NAME', 'VARCHAR', false, 'Full name'],
      ['SIGNUP_DATE', 'DATE', true, null],
      ['BALANCE', 'NUMBER(10,2)', true, 'In euros'],
      ['PROFILE', 'VARIANT', true, null],
      ['SEEN_AT', 'TIMESTAMP_NTZ', true, null],
    ]);
    // The same types as the one-table describe path gives.
    const described = await db.describeTable({ schema: 'CORE', name: 'ORDERS' });
    assert.deepEqual(
      columns.filter((c) => c.table === 'ORDERS').map((c) => [c.name, c.type, c.nullable, c.comment]),
      described.columns.map((c) => [c.name, c.type, c.nullable, c.comment]),
    );
    assert.deepEqual(columns.filter((c) => c.table === 'V_ORDERS').map((c) => c.name), ['ORDER_ID', 'AMOUNT']);
  });

  test('streamColumns with tables reads only those, with the names bound', async () => {
    const before = emulator.queries.length;
    const wanted = [
      { schema: 'LAKE', name: lakeName(7) },
      { schema: 'CORE', name: `odd'name" x` },
      { schema: 'LAKE', name: lakeName(3) },
      { schema: 'CORE', name: 'ORDERS' },
      { schema: 'LAKE', name: lakeName(7) }, // twice: read once
      { schema: 'LAKE', name: 'NO_SUCH_TABLE' },
    ];
    const { columns } = await collect(db.streamColumns({ tables: wanted }));
    const tables = [...new Set(columns.map((c) => `${c.schema}.${c.table}`))];
    assert.deepEqual(tables, [`CORE.ORDERS`, `CORE.odd'name" x`, `LAKE.${lakeName(3)}`, `LAKE.${lakeName(7)}`]);
    assert.equal(columns.length, 4 + 1 + 2 * LAKE_COLUMNS);
    const sent = emulator.queries.slice(before);
    assert.equal(sent.length, 1);
    assert.doesNotMatch(sent[0].sqlText, /odd|T00|ORDERS/, 'no name is spliced into the text');
    assert.deepEqual(
      Object.values(sent[0].bindings ?? {}).map((b) => b.value),
      ['CORE', 'ORDERS', `odd'name" x`, 'LAKE', 'NO_SUCH_TABLE', lakeName(3), lakeName(7)],
    );
  });

  test('tableVersions changes for altered tables only, whatever the session timestamp format', async () => {
    const versions = await db.tableVersions();
    const listed = (await db.listTables({ pageSize: 5000 })).items.map((t) => `${t.schema}.${t.name}`);
    assert.deepEqual([...versions.keys()].sort(), [...listed].sort(), 'same keys as listTables');
    assert.ok([...versions.values()].every((v) => /^\d+:/.test(v)), 'every table has a LAST_ALTERED');
    const again = await db.tableVersions();
    assert.deepEqual(again, versions, 'stable while nothing changes');

    await emulator.duck(`ALTER TABLE ANALYTICS.LAKE.${lakeName(5)} ADD COLUMN EXTRA VARCHAR`);
    await emulator.duck(`COMMENT ON COLUMN ANALYTICS.LAKE.${lakeName(6)}.C01 IS 'documented'`);
    await emulator.duck(`CREATE TABLE ANALYTICS.LAKE.NEW_ONE (K INTEGER)`);
    const after = await db.tableVersions();
    const changed = [...after.keys()].filter((k) => after.get(k) !== versions.get(k)).sort();
    assert.deepEqual(changed, ['LAKE.NEW_ONE', `LAKE.${lakeName(5)}`, `LAKE.${lakeName(6)}`]);

    // As in Snowflake, DML moves LAST_ALTERED too: the table is re-read, which is harmless.
    // (Reads run only queries: the DML and ALTER SESSION go through execute on a writable connection.)
    const other = (await open(true)).connector;
    await other.execute(`INSERT INTO LAKE.${lakeName(8)} (C00) VALUES (1)`);
    const afterInsert = await db.tableVersions();
    assert.deepEqual([...afterInsert.keys()].filter((k) => afterInsert.get(k) !== after.get(k)), [`LAKE.${lakeName(8)}`]);
    await emulator.duck(`DELETE FROM ANALYTICS.LAKE.${lakeName(8)}`);

    // A user's TIMESTAMP_LTZ_OUTPUT_FORMAT of whole days must not blur the fingerprint.
    await other.execute(`ALTER SESSION SET TIMESTAMP_LTZ_OUTPUT_FORMAT = 'YYYY-MM-DD'`);
    const current = await db.tableVersions();
    assert.deepEqual(await other.tableVersions(), current);
    await emulator.duck(`DROP TABLE ANALYTICS.LAKE.NEW_ONE`);
  });

  test('a full sync takes a constant number of statements; an incremental one re-reads only the 2 changed tables', async () => {
    const { connector, statements } = await open();
    const full = await syncCatalog(connector);
    const fullStatements = statements();
    assert.equal(full.mode, 'full');
    assert.equal(full.snapshot.tables.length, 4 + LAKE_TABLES);
    assert.equal(full.columns, 6 + 4 + 1 + 2 + LAKE_TABLES * LAKE_COLUMNS + 1, 'with the column added above');
    // Namespace lookup, versions, one page of tables, one COLUMNS statement: never one per table.
    assert.equal(fullStatements.length, 4, fullStatements.map((q) => q.sqlText.split('\n')[0]).join(' | '));
    assert.ok(!fullStatements.some((q) => /SHOW|TABLE_NAME = \?/.test(q.sqlText)));
    assert.deepEqual(
      full.snapshot.tables.find((t) => t.name === 'CUSTOMERS')?.columns.slice(0, 2),
      [['CUSTOMER_ID', 'NUMBER(38,0)', false, null], ['NAME', 'VARCHAR', false, 'Full name']],
    );
    assert.ok(full.snapshot.tables.every((t) => t.version), 'every table has a version');

    // Twice as many tables, the same number of statements.
    for (let i = LAKE_TABLES + 1; i <= 2 * LAKE_TABLES; i++) await emulator.duck(lakeTable(i));
    const count = statements().length;
    const bigger = await syncCatalog(connector);
    assert.equal(bigger.snapshot.tables.length, 4 + 2 * LAKE_TABLES);
    assert.equal(statements().length - count, 3, 'versions, tables, columns (the namespace is cached)');
    for (let i = LAKE_TABLES + 1; i <= 2 * LAKE_TABLES; i++) await emulator.duck(`DROP TABLE ANALYTICS.LAKE.${lakeName(i)}`);

    const base = (await syncCatalog(connector)).snapshot;
    const unchanged = await syncCatalog(connector, { previous: base });
    assert.equal(unchanged.mode, 'incremental');
    assert.equal(unchanged.fetchedTables, 0);
    assert.deepEqual(unchanged.snapshot.tables, base.tables);

    await emulator.duck(`ALTER TABLE ANALYTICS.LAKE.${lakeName(10)} ADD COLUMN REGION VARCHAR`);
    await emulator.duck(`COMMENT ON COLUMN ANALYTICS.LAKE.${lakeName(11)}.C00 IS 'the key'`);
    const start = statements().length;
    const refreshed = await syncCatalog(connector, { previous: base });
    const sent = statements().slice(start);
    assert.equal(refreshed.mode, 'incremental');
    assert.equal(refreshed.fetchedTables, 2);
    assert.equal(sent.length, 3, 'versions, tables, one filtered COLUMNS statement');
    const columnsStatement = sent.find((q) => /INFORMATION_SCHEMA\.COLUMNS/.test(q.sqlText))!;
    assert.deepEqual(Object.values(columnsStatement.bindings ?? {}).map((b) => b.value), ['LAKE', lakeName(10), lakeName(11)]);
    const table = (name: string) => refreshed.snapshot.tables.find((t) => t.schema === 'LAKE' && t.name === name)!;
    assert.deepEqual(table(lakeName(10)).columns.at(-1), ['REGION', 'VARCHAR', true, null]);
    assert.deepEqual(table(lakeName(11)).columns[0], ['C00', 'NUMBER(38,0)', true, 'the key']);
    assert.deepEqual(table(lakeName(12)), base.tables.find((t) => t.schema === 'LAKE' && t.name === lakeName(12)));
  });

  test('Stop mid-stream ends the read with QueryCancelledError and no further downloads', async () => {
    const controller = new AbortController();
    const before = emulator.queries.length;
    let batches = 0;
    await assert.rejects(
      (async () => {
        for await (const batch of db.streamColumns({ signal: controller.signal })) {
          assert.ok(batch.length > 0);
          batches++;
          controller.abort();
        }
      })(),
      QueryCancelledError,
    );
    assert.equal(batches, 1);
    const [sent] = emulator.queries.slice(before);
    assert.ok(sent.chunkCount > 40);
    assert.ok(sent.chunkDownloads < sent.chunkCount, `${sent.chunkDownloads} of ${sent.chunkCount} chunks downloaded`);

    // A sync stopped while reading columns; and a Stop before anything starts sends nothing.
    const sync = new AbortController();
    await assert.rejects(syncCatalog(db, { signal: sync.signal, onProgress: (p) => p.phase === 'columns' && sync.abort() }), QueryCancelledError);
    const count = emulator.queries.length;
    await assert.rejects(collect(db.streamColumns({ signal: AbortSignal.abort() })), QueryCancelledError);
    assert.equal(emulator.queries.length, count);
  });

  test('a database too large for one information-schema statement (090030) is read schema by schema', async () => {
    const big = await SnowflakeEmulator.start({
      account: 'TESTACCT',
      databases: ['ANALYTICS'],
      users: [{ name: 'ANALYST', password: PASSWORD }],
      informationSchemaRowLimit: 60,
      setup: ['A', 'B', 'C'].flatMap((s) => [`CREATE SCHEMA ANALYTICS.${s}`, ...[1, 2].map((t) => `CREATE TABLE ANALYTICS.${s}.T${t} (${Array.from({ length: 20 }, (_, c) => `C${c} INTEGER`).join(', ')})`)]),
    });
    try {
      const connector = await SnowflakeConnector.open(options(big.url));
      try {
        const { columns } = await collect(connector.streamColumns());
        assert.equal(columns.length, 3 * 2 * 20);
        assert.deepEqual([...new Set(columns.map((c) => `${c.schema}.${c.table}`))], ['A.T1', 'A.T2', 'B.T1', 'B.T2', 'C.T1', 'C.T2']);
        assert.equal(big.queries.find((q) => /INFORMATION_SCHEMA\.COLUMNS/.test(q.sqlText))?.errorCode, '090030');
        const perSchema = big.queries.filter((q) => /INFORMATION_SCHEMA\.COLUMNS/.test(q.sqlText) && q.state === 'succeeded');
        assert.deepEqual(perSchema.map((q) => q.bindings?.['1']?.value), ['A', 'B', 'C', 'PUBLIC']);
      } finally {
        await connector.close();
      }
    } finally {
      await big.close();
    }
  });
});
