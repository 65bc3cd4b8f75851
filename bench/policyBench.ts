// Policy + audit overhead per tool call, and the SQL classifier's throughput per dialect.
// The gate is timed on a real DuckDB connection: for a read it includes the SQL guardrail, the
// rate limit and the cost gate's EXPLAIN; the audit append is the hash-chained line on disk.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBConnector, loadDuckDB } from '../src/core/connectors/duckdb';
import { AuditLog } from '../src/core/observability/auditLog';
import { rejectAll } from '../src/core/policy/approvals';
import { authorize, DEFAULT_POLICY, PolicySession } from '../src/core/policy/gate';
import { checkSql, type SqlDialect } from '../src/core/sql/guardrail';
import { describeTableTool, runSqlTool } from '../src/core/tools/warehouseTools';
import { percentile } from './stats';

type Report = (what: string, value: string, note?: string) => void;

const STATEMENTS: Record<SqlDialect, string[]> = {
  postgres: [
    'SELECT region, sum(arr) FROM crm.accounts WHERE arr > 100 GROUP BY region ORDER BY 2 DESC LIMIT 10',
    'WITH recent AS (SELECT * FROM orders WHERE order_date > now() - interval \'30 days\') SELECT customer_id, count(*) FROM recent GROUP BY 1',
    "UPDATE crm.accounts SET region = 'emea' WHERE id = 7",
    'DROP TABLE crm.accounts',
    'SELECT 1; COMMIT; DROP TABLE crm.accounts',
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity',
  ],
  snowflake: [
    'SELECT region, SUM(arr) FROM analytics.public.accounts WHERE arr > 100 GROUP BY region ORDER BY 2 DESC LIMIT 10',
    'WITH recent AS (SELECT * FROM orders WHERE order_date > DATEADD(day, -30, CURRENT_DATE)) SELECT customer_id, COUNT(*) FROM recent GROUP BY 1',
    "UPDATE accounts SET region = 'emea' WHERE id = 7",
    'DROP TABLE accounts',
    'USE ROLE ACCOUNTADMIN',
    "PUT file:///etc/passwd @~",
  ],
  duckdb: [
    'SELECT region, sum(arr) FROM accounts WHERE arr > 100 GROUP BY ALL ORDER BY 2 DESC LIMIT 10',
    'FROM orders SELECT customer_id, count(*) GROUP BY ALL',
    "UPDATE accounts SET region = 'emea' WHERE id = 7",
    'DROP TABLE accounts',
    "SELECT * FROM read_csv('/etc/passwd')",
    'INSTALL httpfs',
  ],
};

export async function benchPolicy(report: Report): Promise<void> {
  // Classifier throughput: statements per second, parsers warm.
  for (const dialect of Object.keys(STATEMENTS) as SqlDialect[]) {
    for (const sql of STATEMENTS[dialect]) await checkSql(dialect, sql);
    const n = 3000;
    const start = performance.now();
    for (let i = 0; i < n; i++) await checkSql(dialect, STATEMENTS[dialect][i % STATEMENTS[dialect].length]);
    const ms = performance.now() - start;
    report(`SQL classifier, ${dialect}`, `${Math.round((n / ms) * 1000).toLocaleString('en-US')} statements/s`, `${((ms / n) * 1000).toFixed(0)} µs each, mixed reads/writes/attacks`);
  }

  const dir = mkdtempSync(join(tmpdir(), 'pw-policy-bench-'));
  try {
    const path = join(dir, 'shop.duckdb');
    const duck = await loadDuckDB();
    const seed = await duck.DuckDBInstance.create(path);
    const c = await seed.connect();
    await c.run('CREATE TABLE accounts AS SELECT i AS id, i % 3 AS region, i * 10 AS arr FROM range(100000) t(i)');
    c.disconnectSync();
    seed.closeSync();
    const connector = await DuckDBConnector.open({ id: 'bench', path });
    const audit = await AuditLog.open(join(dir, 'audit.jsonl'));
    const connection = { id: 'bench', label: 'bench', dialect: 'duckdb' as const, environment: 'dev' as const };
    const ctx = { connector, connection, gateway: rejectAll, session: new PolicySession(), settings: DEFAULT_POLICY, grants: new Set(['read'] as const), signal: new AbortController().signal };
    const sql = 'SELECT region, sum(arr) AS arr FROM accounts GROUP BY region ORDER BY arr DESC';
    const calls = 500;
    const gate: number[] = [];
    const gateNoSql: number[] = [];
    const append: number[] = [];
    const explain: number[] = [];
    for (let i = 0; i < calls; i++) {
      // A fresh session each time: the rate limit is not what is measured.
      const session = new PolicySession();
      let t = performance.now();
      const result = await authorize(runSqlTool, { sql }, { ...ctx, session });
      gate.push(performance.now() - t);
      t = performance.now();
      await connector.explain(sql);
      explain.push(performance.now() - t);
      t = performance.now();
      await authorize(describeTableTool, { table: 'accounts' }, { ...ctx, session });
      gateNoSql.push(performance.now() - t);
      t = performance.now();
      await audit.append('tool.authorized', { tool: 'run_sql', args: { sql }, sql, decision: result.decision, allowed: result.allowed, argsHash: result.argsHash, reasons: result.reasons });
      append.push(performance.now() - t);
    }
    await audit.close();
    await connector.close();
    const fmt = (v: number) => `${v.toFixed(3)} ms`;
    report('policy gate, run_sql (parse + classify + cost-gate EXPLAIN)', `${fmt(percentile(gate, 50))} median`, `p95 ${fmt(percentile(gate, 95))}; target <= 1 ms with audit`);
    report('policy gate, describe_table (no SQL)', `${fmt(percentile(gateNoSql, 50))} median`, `p95 ${fmt(percentile(gateNoSql, 95))}`);
    report('audit append (hash-chained line on disk)', `${fmt(percentile(append, 50))} median`, `p95 ${fmt(percentile(append, 95))}`);
    report('  of which the planner\'s EXPLAIN (a database round trip)', `${fmt(percentile(explain, 50))} median`);
    report('policy + audit per tool call, run_sql, without the EXPLAIN', `${fmt(percentile(gate, 50) - percentile(explain, 50) + percentile(append, 50))} median`, 'target <= 1 ms');
    report('policy + audit per tool call, no SQL (describe_table)', `${fmt(percentile(gateNoSql, 50) + percentile(append, 50))} median`, 'target <= 1 ms');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
