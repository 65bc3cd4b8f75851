// The policy contracts through the BUILT CLI: `sql check` for each dialect, and an `ask` whose
// model proposes a DELETE on a connection opened for writing with `--approve never`: the row
// stays, and `audit verify` confirms the chain, then names the line someone edited.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadDuckDB } from '../../src/core/connectors/duckdb';
import { startScriptedModel, type ScriptedModel } from '../support/scriptedModelServer';
import { makeTempDir, removeDir } from '../support/tempDirs';
import { createServer } from 'node:net';
import { ROOT, runCli } from '../support/runCli';
import { SLOW_SQL } from '../support/sampleScript';

describe('policy through the pipewright CLI', () => {
  let dir: string;
  let model: ScriptedModel;
  const env = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...extra });

  before(async () => {
    if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run "node scripts/build.mjs" (npm test does).');
    dir = makeTempDir('cli-policy');
    const duck = await loadDuckDB();
    const instance = await duck.DuckDBInstance.create(join(dir, 'shop.duckdb'));
    const c = await instance.connect();
    await c.run('CREATE TABLE customers AS SELECT range AS id FROM range(10)');
    c.disconnectSync();
    instance.closeSync();
    model = await startScriptedModel((request) => {
      const turns = request.body.messages.filter((m) => m.role === 'tool').length;
      return turns === 0 ? { toolCalls: [{ name: 'execute_sql', arguments: { sql: 'DELETE FROM customers WHERE id < 5' } }] } : { text: 'Deleted.' };
    });
  });

  after(async () => {
    await model?.close();
    removeDir(dir);
  });

  test('sql check prints one JSON decision per dialect and exits 0; no dialect exits 2', async () => {
    const cases: [string, string, string, number][] = [
      ['postgres', 'SELECT 1; COMMIT; DROP TABLE users', 'deny', 3],
      ['postgres', "SELECT 'a\\'; DROP TABLE users; --'", 'deny', 2],
      ['snowflake', 'USE ROLE ACCOUNTADMIN', 'deny', 1],
      ['snowflake', 'SELECT region, SUM(amount) FROM orders GROUP BY region', 'allow', 1],
      ['duckdb', "DELETE FROM orders WHERE order_id = 7", 'approve', 1],
      ['duckdb', 'DROP TABLE orders', 'confirm', 1],
    ];
    for (const [dialect, sql, decision, statements] of cases) {
      const run = await runCli(['sql', 'check', '--dialect', dialect], env(), undefined, sql);
      assert.equal(run.code, 0, run.stderr);
      const lines = run.stdout.trim().split('\n');
      assert.equal(lines.length, 1);
      const parsed = JSON.parse(lines[0]) as { decision: string; reasons: string[]; statements: number };
      assert.deepEqual([parsed.decision, parsed.statements], [decision, statements], `${dialect}: ${sql}`);
      if (decision !== 'allow') assert.ok(parsed.reasons.length > 0);
    }
    const missing = await runCli(['sql', 'check'], env(), undefined, 'SELECT 1');
    assert.equal(missing.code, 2);
  });

  test('ask --allow-writes --approve never: the DELETE is refused, the rows stay, the audit chain verifies and catches an edit', async () => {
    const audit = join(dir, 'audit.jsonl');
    const run = await runCli(['ask', 'clean up customers', '--connection', `duckdb:${join(dir, 'shop.duckdb')}`, '--allow-writes', '--approve', 'never', '--audit', audit, '--json'],
      env({ OPENAI_BASE_URL: model.baseUrl, OPENAI_API_KEY: 'sk-cli-policy-canary', PIPEWRIGHT_MODEL: 'scripted', PIPEWRIGHT_HOME: join(dir, 'home') }), dir);
    assert.equal(run.code, 0, run.stderr);
    const events = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; allowed?: boolean; request?: { level: string } });
    assert.equal(events.find((e) => e.type === 'approval.requested')?.request?.level, 'approve');
    assert.equal(events.find((e) => e.type === 'tool.decision')?.allowed, false);
    const duck = await loadDuckDB();
    const instance = await duck.DuckDBInstance.create(join(dir, 'shop.duckdb'), { access_mode: 'READ_ONLY' });
    const c = await instance.connect();
    assert.deepEqual((await c.runAndReadAll('SELECT count(*)::INTEGER FROM customers')).getRows(), [[10]]);
    c.disconnectSync();
    instance.closeSync();

    const ok = await runCli(['audit', 'verify', audit, '--json'], env());
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.equal(JSON.parse(ok.stdout).ok, true);
    const text = readFileSync(audit, 'utf8');
    assert.ok(!text.includes('sk-cli-policy-canary'));
    assert.match(text, /"type":"tool.authorized".*"approval":"reject"/);
    // Someone rewrites the refused decision as allowed: verify names that line.
    const lines = text.split('\n');
    const index = lines.findIndex((l) => l.includes('"type":"tool.authorized"'));
    lines[index] = lines[index].replace('"allowed":false', '"allowed":true');
    writeFileSync(audit, lines.join('\n'));
    const broken = await runCli(['audit', 'verify', audit, '--json'], env());
    assert.equal(broken.code, 1);
    assert.equal(JSON.parse(broken.stdout).firstBroken.line, index + 1);
  });

  test('sql check --fail-on: confirm fails on confirm and deny, deny only on deny (exit 3), the JSON is printed all the same', async () => {
    const cases: [string, string, Record<string, number>][] = [
      ['SELECT 1', 'allow', { confirm: 0, deny: 0 }],
      ['DELETE FROM orders WHERE order_id = 7', 'approve', { confirm: 0, deny: 0 }],
      ['DROP TABLE orders', 'confirm', { confirm: 3, deny: 0 }],
      ['SELECT 1; DROP TABLE orders', 'deny', { confirm: 3, deny: 3 }],
    ];
    for (const [sql, decision, codes] of cases) {
      for (const [level, code] of Object.entries(codes)) {
        const run = await runCli(['sql', 'check', '--dialect', 'duckdb', '--fail-on', level], env(), undefined, sql);
        assert.equal(run.code, code, `--fail-on ${level}: ${sql}\n${run.stderr}`);
        assert.equal((JSON.parse(run.stdout) as { decision: string }).decision, decision);
      }
    }
    const bad = await runCli(['sql', 'check', '--dialect', 'duckdb', '--fail-on', 'approve'], env(), undefined, 'SELECT 1');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--fail-on must be confirm or deny/);
    assert.equal(bad.stdout, '');
  });

  test('without a terminal a read the cost gate holds is refused as needing approval, naming --approve reads|prompt, not as rejected by the user', async () => {
    const reader = await startScriptedModel((request) => {
      const turns = request.body.messages.filter((m) => m.role === 'tool').length;
      if (turns === 0) return { toolCalls: [{ name: 'run_sql', arguments: { sql: SLOW_SQL } }] };
      if (turns === 1) return { toolCalls: [{ name: 'execute_sql', arguments: { sql: 'DELETE FROM customers WHERE id < 5' } }] };
      return { text: 'Could not run it.' };
    });
    try {
      const events = async (approve: string[]) => {
        // stdin is not a terminal here (runCli gives none), so the default is --approve never.
        const run = await runCli(['ask', 'count everything', '--connection', `duckdb:${join(dir, 'shop.duckdb')}`, '--allow-writes', ...approve, '--audit', join(dir, 'reads-audit.jsonl'), '--json'],
          env({ OPENAI_BASE_URL: reader.baseUrl, OPENAI_API_KEY: 'sk-cli-policy-reads', PIPEWRIGHT_MODEL: 'scripted', PIPEWRIGHT_HOME: join(dir, 'home') }), dir);
        assert.equal(run.code, 0, run.stderr);
        return run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; tool?: string; allowed?: boolean; reasons?: string[] });
      };
      const decisions = (list: Awaited<ReturnType<typeof events>>) => list.filter((e) => e.type === 'tool.decision');

      const [read, write] = decisions(await events([]));
      assert.equal(read.allowed, false);
      assert.doesNotMatch(read.reasons!.join(' '), /user rejected/i);
      assert.match(read.reasons!.join(' '), /needs approval and no one was asked/);
      assert.match(read.reasons!.join(' '), /--approve reads/);
      assert.match(read.reasons!.join(' '), /--approve prompt/);
      assert.equal(write.allowed, false);
      assert.doesNotMatch(write.reasons!.join(' '), /user rejected|--approve reads/i);
      assert.match(write.reasons!.join(' '), /--approve prompt/);

      // --approve reads approves the read; the write it does not approve says how to allow it.
      const [, writeUnderReads] = decisions(await events(['--approve', 'reads']));
      assert.equal(writeUnderReads.allowed, false);
      assert.match(writeUnderReads.reasons!.join(' '), /--approve reads approves only large reads.*--approve prompt/);
    } finally {
      await reader.close();
    }
  });

  test('snowflake:// without any SNOWFLAKE_* credential is a configuration error: exit 2, message and hint, no stack unless PIPEWRIGHT_DEBUG=1', async () => {
    // A loopback port nothing listens on, so no request leaves this machine.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const url = `snowflake://analyst@myorg-acct/DB/PUBLIC?warehouse=WH&accessUrl=http://127.0.0.1:${port}`;
    const modelEnv = { OPENAI_BASE_URL: model.baseUrl, OPENAI_API_KEY: 'sk-cli-policy-sf', PIPEWRIGHT_MODEL: 'scripted', PIPEWRIGHT_HOME: join(dir, 'home') };
    const run = await runCli(['ask', 'how many orders?', '--connection', url], env(modelEnv), dir);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^pipewright: .*Snowflake/m, 'says what went wrong');
    assert.ok(run.stderr.trim().split('\n').length >= 2, `a hint line follows the message:\n${run.stderr}`);
    assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace');
    assert.doesNotMatch(run.stderr, /snowflake-sdk\.js|node_modules/, 'no driver source paths');

    const debug = await runCli(['ask', 'how many orders?', '--connection', url], env({ ...modelEnv, PIPEWRIGHT_DEBUG: '1' }), dir);
    assert.equal(debug.code, 2);
    assert.match(debug.stderr, /^\s+at /m, 'PIPEWRIGHT_DEBUG=1 shows the stack');
  });
});
