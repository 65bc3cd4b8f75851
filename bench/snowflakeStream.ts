// Snowflake through the unmodified snowflake-sdk against the loopback emulator (HTTP on 127.0.0.1,
// SQL in DuckDB): streaming N rows through the raw driver against SnowflakeConnector.query(), and a
// full catalog sync of a generated 2,000-table / 40,000-column database. The emulator's own cost
// (DuckDB, JSON encoding, HTTP) is in both stream figures alike, so the ratio shows our overhead.
// `node --import tsx bench/snowflakeStream.ts [runs] [rows]` prints the figures; bench/run.ts calls benchSnowflakeStream().
import { syncCatalog } from '../src/core/catalog/catalogSync';
import { loadSnowflake, SnowflakeConnector, type SnowflakeConnectionOptions } from '../src/core/connectors/snowflake';
import { SnowflakeEmulator } from '../test/support/snowflakeEmulator';
import { median } from './stats';

const PASSWORD = 'bench-password';
const CATALOG_SCHEMAS = 4;
const CATALOG_TABLES = 2000;
const CATALOG_COLUMNS = 20;
const COLUMN_TYPES = ['INTEGER', 'VARCHAR', 'DECIMAL(12,2)', 'TIMESTAMP', 'BOOLEAN', 'DATE', 'DOUBLE', 'JSON'];

export async function benchSnowflakeStream(
  runs: number,
  rows = 200_000,
): Promise<{ rows: number; rawMs: number; connectorMs: number; ratio: number; catalogSyncMs: number; catalogTables: number; catalogColumns: number; catalogStatements: number }> {
  // The driver honours proxy variables; the emulator is on this machine.
  process.env.NO_PROXY = ['127.0.0.1', 'localhost', process.env.NO_PROXY].filter(Boolean).join(',');
  process.env.no_proxy = process.env.NO_PROXY;
  const perSchema = CATALOG_TABLES / CATALOG_SCHEMAS;
  const columns = Array.from({ length: CATALOG_COLUMNS }, (_, c) => `C${c} ${COLUMN_TYPES[c % COLUMN_TYPES.length]}`).join(', ');
  const emulator = await SnowflakeEmulator.start({
    account: 'BENCH',
    databases: ['STREAM', 'CATALOG'],
    users: [{ name: 'BENCH', password: PASSWORD }],
    // Snowflake serves results in chunks of a few MB; 10,000 rows of these columns is about that.
    chunkRows: 10_000,
    setup: [
      `CREATE TABLE STREAM.PUBLIC.ROWS AS SELECT range AS ID, (range * 1.25)::DECIMAL(12,2) AS AMOUNT, 'row ' || range AS LABEL,
         TIMESTAMP '2024-01-01' + range * INTERVAL 1 SECOND AS CREATED_AT, range % 2 = 0 AS FLAG, range / 7.0 AS RATIO FROM range(${rows})`,
      ...Array.from({ length: CATALOG_SCHEMAS }, (_, s) => `CREATE SCHEMA CATALOG.S${s}`),
      ...Array.from({ length: CATALOG_TABLES }, (_, i) => `CREATE TABLE CATALOG.S${Math.floor(i / perSchema)}.T${i} (${columns})`),
    ],
  });
  const options = (database: string): SnowflakeConnectionOptions => ({
    account: 'BENCH',
    username: 'bench',
    authentication: { kind: 'password', password: PASSWORD },
    accessUrl: emulator.url,
    database,
    schema: 'PUBLIC',
    maxLoginRetries: 0,
  });
  const sql = 'SELECT ID, AMOUNT, LABEL, CREATED_AT, FLAG, RATIO FROM ROWS';

  // The raw driver as an application would use it: streamResult, rows as arrays, its own conversions.
  const sdk = await loadSnowflake(); // the product's loader: no cloud probes, no snowflake.log
  const raw = sdk.createConnection({ account: 'BENCH', username: 'bench', password: PASSWORD, accessUrl: emulator.url, database: 'STREAM', schema: 'PUBLIC', sfRetryMaxLoginRetries: 0 } as Parameters<typeof sdk.createConnection>[0]);
  await new Promise<void>((resolve, reject) => raw.connect((error) => (error ? reject(error) : resolve())));
  const viaDriver = () =>
    new Promise<number>((resolve, reject) => {
      const start = performance.now();
      raw.execute({
        sqlText: sql,
        streamResult: true,
        rowMode: 'array',
        complete: (error, statement) => {
          if (error) return reject(error);
          let count = 0;
          statement
            .streamRows()
            .on('data', () => count++)
            .on('error', reject)
            .on('end', () => (count === rows ? resolve(performance.now() - start) : reject(new Error(`raw driver read ${count} rows`))));
        },
      });
    });

  const connector = await SnowflakeConnector.open(options('STREAM'));
  const viaConnector = async () => {
    const start = performance.now();
    let count = 0;
    for await (const batch of (await connector.query(sql)).batches()) count += batch.length;
    if (count !== rows) throw new Error(`connector read ${count} rows`);
    return performance.now() - start;
  };

  const catalog = await SnowflakeConnector.open(options('CATALOG'));
  try {
    // One untimed round of each first (connection warm-up, JIT); then interleaved timed runs.
    await viaDriver();
    await viaConnector();
    const rawTimes: number[] = [];
    const connectorTimes: number[] = [];
    for (let i = 0; i < runs; i++) {
      rawTimes.push(await viaDriver());
      connectorTimes.push(await viaConnector());
    }

    const session = emulator.sessions.at(-1)!;
    const syncTimes: number[] = [];
    let last: Awaited<ReturnType<typeof syncCatalog>> | undefined;
    let statements = 0;
    for (let i = 0; i < runs; i++) {
      const before = emulator.queries.filter((q) => q.sessionId === session.id).length;
      const start = performance.now();
      last = await syncCatalog(catalog);
      syncTimes.push(performance.now() - start);
      statements = emulator.queries.filter((q) => q.sessionId === session.id).length - before;
    }
    if (last?.snapshot.tables.length !== CATALOG_TABLES) throw new Error(`catalog sync saw ${last?.snapshot.tables.length} tables`);

    const rawMs = median(rawTimes);
    const connectorMs = median(connectorTimes);
    return {
      rows,
      rawMs,
      connectorMs,
      ratio: connectorMs / rawMs,
      catalogSyncMs: median(syncTimes),
      catalogTables: last.snapshot.tables.length,
      catalogColumns: last.columns,
      catalogStatements: statements,
    };
  } finally {
    await connector.close();
    await catalog.close();
    await new Promise<void>((resolve) => raw.destroy(() => resolve()));
    await emulator.close();
  }
}

if (require.main === module) {
  const [runs = '5', rows = '200000'] = process.argv.slice(2);
  benchSnowflakeStream(Number(runs), Number(rows)).then(
    (r) => {
      console.log(`Snowflake (emulator), median of ${runs} runs`);
      console.log(`  stream ${r.rows} rows, raw snowflake-sdk: ${r.rawMs.toFixed(0)} ms (${(r.rows / r.rawMs / 1000).toFixed(2)} M rows/s)`);
      console.log(`  stream ${r.rows} rows, connector:         ${r.connectorMs.toFixed(0)} ms (${(r.rows / r.connectorMs / 1000).toFixed(2)} M rows/s)`);
      console.log(`  connector / raw driver time: ${r.ratio.toFixed(2)}x`);
      console.log(`  catalog full sync, ${r.catalogTables} tables / ${r.catalogColumns} columns: ${r.catalogSyncMs.toFixed(0)} ms in ${r.catalogStatements} statements`);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
