// Every statement that reaches the database is audited first: an ask through the real pipeline
// (the openai client against the scripted model, real DuckDB, a real audit file), with a
// recording pass-through between Pipewright and DuckDB (it delegates every call; not a mock) that
// notes what reached the database, in order with the audit records.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAsk } from '../../src/core/agents/askAgent';
import { catalogCachePath, linkSchema } from '../../src/core/catalog/schemaContext';
import { stopLinkWorker } from '../../src/core/catalog/linkWorker';
import { type Connector } from '../../src/core/connectors/connector';
import { DuckDBConnector } from '../../src/core/connectors/duckdb';
import { SAMPLE_CONNECTION } from '../../src/core/connectors/open';
import { OpenAICompatibleProvider } from '../../src/core/llm/openaiProvider';
import { AuditLog, verifyAuditLog, type AuditRecord } from '../../src/core/observability/auditLog';
import { auditedConnector, SQL_SENT } from '../../src/core/observability/auditedConnector';
import { ensureSampleWarehouse, SAMPLE_FILE } from '../../src/core/sample/sampleWarehouse';
import { sampleWarehouseScript, TOP_CUSTOMERS_SQL } from '../support/sampleScript';
import { startScriptedModel } from '../support/scriptedModelServer';
import { ROOT, runCli } from '../support/runCli';
import { makeTempDir, removeDir, withTempDir } from '../support/tempDirs';

type Entry = { kind: 'audit' | 'db'; purpose: string; sql?: string };

const PURPOSE: Record<string, string> = {
  query: 'query', explain: 'explain', describeStatement: 'describe', listTables: 'listTables', describeTable: 'describeTable',
  listColumns: 'listColumns', streamColumns: 'streamColumns', tableVersions: 'tableVersions', execute: 'execute', estimateAffectedRows: 'estimate',
};

/** `inner` with every call noted in `timeline` as it reaches it, then passed on unchanged. */
function recording(inner: Connector, timeline: Entry[]): Connector {
  return new Proxy(inner, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof name !== 'string' || !(name in PURPOSE) || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const sql = typeof args[0] === 'string' ? args[0] : undefined;
        if (name !== 'streamColumns') {
          timeline.push({ kind: 'db', purpose: PURPOSE[name], sql });
          return value.apply(target, args);
        }
        const stream = value.apply(target, args) as AsyncIterable<unknown>;
        return { async *[Symbol.asyncIterator]() { timeline.push({ kind: 'db', purpose: 'streamColumns' }); yield* stream; } };
      };
    },
  });
}

/** Each database call must follow an audit record of the same purpose and SQL, written (awaited) before it. */
function assertAuditedFirst(timeline: Entry[]): void {
  const unmatched = timeline.map(() => true);
  timeline.forEach((entry, i) => {
    if (entry.kind !== 'db') return;
    const j = timeline.findIndex((a, k) => k < i && unmatched[k] && a.kind === 'audit' && a.purpose === entry.purpose && a.sql === entry.sql);
    assert.ok(j !== -1, `reached the database unaudited: ${JSON.stringify(entry)} (timeline ${JSON.stringify(timeline.slice(0, i + 1))})`);
    unmatched[j] = false;
  });
}

describe('every statement sent is audited before it runs', () => {
  let dir: string;
  let db: DuckDBConnector;

  before(async () => {
    dir = makeTempDir('audited');
    db = await DuckDBConnector.open({ id: 'sample', path: await ensureSampleWarehouse(dir) });
  });
  after(async () => {
    await stopLinkWorker();
    await db?.close();
    removeDir(dir);
  });

  test('an ask on DuckDB: tools, the gate\'s EXPLAIN and schema linking', async () => {
    const timeline: Entry[] = [];
    const path = join(dir, 'ask-audit.jsonl');
    const log = await AuditLog.open(path);
    // The sink the run gets: the real log, noting each record once it is on disk.
    const sink = {
      append: async (type: string, data: Record<string, unknown>) => {
        const record = await log.append(type, data);
        if (type === SQL_SENT) timeline.push({ kind: 'audit', purpose: String(data.purpose), sql: typeof data.sql === 'string' ? data.sql : undefined });
        return record;
      },
    };
    const raw = recording(db, timeline);
    const model = await startScriptedModel(sampleWarehouseScript);
    try {
      const result = await runAsk({
        question: 'top 5 customers by revenue last quarter',
        connector: raw,
        connection: SAMPLE_CONNECTION,
        llm: new OpenAICompatibleProvider({ baseUrl: model.baseUrl, apiKey: 'test-key', model: 'scripted' }),
        onEvent: () => undefined,
        audit: sink,
        // As the CLI and the editor do: schema linking reads the catalog through an audited connector.
        linkSchema: (q, signal) => linkSchema(auditedConnector(raw, sink), catalogCachePath(dir, 'sample'), q, signal),
      });
      assert.equal(result.status, 'completed', result.error);
    } finally {
      await model.close();
      await log.close();
    }
    const reached = timeline.filter((e) => e.kind === 'db');
    assert.ok(reached.some((e) => e.purpose === 'query' && e.sql === TOP_CUSTOMERS_SQL), 'the final query reached DuckDB');
    assert.ok(reached.some((e) => e.purpose === 'explain' && e.sql === TOP_CUSTOMERS_SQL), 'the gate\'s EXPLAIN reached DuckDB');
    assert.ok(reached.some((e) => e.purpose === 'listTables') && reached.some((e) => e.purpose === 'describeTable'));
    assert.ok(reached.some((e) => e.purpose === 'streamColumns' || e.purpose === 'listColumns'), 'catalog sync reached DuckDB');
    assertAuditedFirst(timeline);
    assert.equal(timeline.filter((e) => e.kind === 'audit').length, reached.length, 'one record per call');

    // On disk: the run's statements carry its run id, in one chain that verifies.
    const records = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditRecord);
    const runId = records.find((r) => r.type === 'run.started')!.data.runId;
    const query = records.find((r) => r.type === SQL_SENT && r.data.purpose === 'query' && r.data.sql === TOP_CUSTOMERS_SQL)!;
    assert.equal(query.data.runId, runId);
    assert.equal(query.data.connection, 'sample');
    const finished = records.filter((r) => r.type === 'tool.finished' && r.data.tool === 'run_sql').at(-1)!;
    assert.ok(query.seq < finished.seq);
    assert.equal((await verifyAuditLog(path)).ok, true);
  });

  test('when the record cannot be written, the call fails and nothing is sent', async () => {
    const timeline: Entry[] = [];
    const failing = { append: async () => { throw new Error('disk full'); } };
    const wrapped = auditedConnector(recording(db, timeline), failing);
    await assert.rejects(wrapped.query('SELECT 1'), /disk full/);
    await assert.rejects(wrapped.explain('SELECT 1'), /disk full/);
    await assert.rejects(wrapped.listTables(), /disk full/);
    await assert.rejects(wrapped.describeTable({ schema: 'main', name: 'orders' }), /disk full/);
    await assert.rejects(wrapped.listColumns!({}), /disk full/);
    assert.deepEqual(timeline, []);
  });

  test('wrapping an audited connector again writes one record per call, not two', async () => {
    const records: Record<string, unknown>[] = [];
    const sink = { append: async (_type: string, data: Record<string, unknown>) => records.push(data) };
    const twice = auditedConnector(auditedConnector(db, sink, { from: 'outer' }), sink, { runId: 'r1' });
    await (await twice.query('SELECT 42')).batches()[Symbol.asyncIterator]().return?.();
    assert.equal(records.length, 1);
    assert.equal(records[0].runId, 'r1');
    assert.equal(twice.execute === undefined, db.execute === undefined, 'optional methods stay as the connector has them');
  });
});

describe('the built CLI audits every statement and anchors its log', () => {
  before(() => {
    if (!existsSync(join(ROOT, 'dist', 'cli.js'))) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  });

  test('ask writes sql.sent before each result, and the sidecar anchor matches the log', () => withTempDir('audited-cli', async (home) => {
    const fixture = makeTempDir('audited-cli-fixture');
    const model = await startScriptedModel(sampleWarehouseScript);
    try {
      const { copyFileSync } = await import('node:fs');
      copyFileSync(await ensureSampleWarehouse(fixture), join(home, SAMPLE_FILE));
      const audit = join(home, 'logs', 'audit.jsonl');
      const state = join(home, 'state');
      const env: NodeJS.ProcessEnv = { ...process.env, OPENAI_BASE_URL: model.baseUrl, OPENAI_API_KEY: 'test-key', PIPEWRIGHT_MODEL: 'scripted', PIPEWRIGHT_HOME: home, XDG_STATE_HOME: state };
      delete env.PIPEWRIGHT_AUDIT_KEY;
      const run = await runCli(['ask', 'top 5 customers by revenue', '--json', '--audit', audit], env);
      assert.equal(run.code, 0, run.stderr);
      const records = readFileSync(audit, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditRecord);
      const sent = records.filter((r) => r.type === SQL_SENT);
      const purposes = new Set(sent.map((r) => r.data.purpose));
      for (const purpose of ['listTables', 'describeTable', 'explain', 'query', 'listColumns']) assert.ok(purposes.has(purpose), `${purpose} audited: ${[...purposes].join(', ')}`);
      const query = sent.find((r) => r.data.purpose === 'query' && r.data.sql === TOP_CUSTOMERS_SQL)!;
      const result = records.find((r) => r.type === 'tool.finished' && r.data.tool === 'run_sql')!;
      assert.ok(query && query.seq < result.seq);
      assert.equal(readdirSync(join(state, 'pipewright', 'audit-anchors')).length, 1);
      const verify = await runCli(['audit', 'verify', audit], env);
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
      assert.match(verify.stdout, new RegExp(`matching its anchor \\(${records.length} lines\\)`));
    } finally {
      await model.close();
      removeDir(fixture);
    }
  }));
});
