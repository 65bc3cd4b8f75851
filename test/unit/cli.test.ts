// The built CLI (bin/pipewright.js -> dist/cli.js) as a child process, talking to the scripted
// model server in this process and to a real sample warehouse under a temp PIPEWRIGHT_HOME.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { readAll } from '../../src/core/connectors/connector';
import { DuckDBConnector } from '../../src/core/connectors/duckdb';
import { RunEventSchema, type RunEvent } from '../../src/core/observability/events';
import { ensureSampleWarehouse, SAMPLE_FILE } from '../../src/core/sample/sampleWarehouse';
import { sampleWarehouseScript, SLOW_SQL, TOP_CUSTOMERS_SQL } from '../support/sampleScript';
import { startScriptedModel, type ScriptedModel } from '../support/scriptedModelServer';
import { makeTempDir, removeDir } from '../support/tempDirs';

const ROOT = join(__dirname, '..', '..');
const QUESTION = 'top 5 customers by revenue last quarter';
const API_KEY = `sk-cli-${randomBytes(12).toString('hex')}`;
/** A safety net so a hung child fails the test instead of hanging the suite; not a speed bound. */
const CHILD_LIMIT_MS = 60_000;

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

describe('the pipewright CLI', () => {
  let model: ScriptedModel;
  let fixtureDir: string;
  let warehouse: string;
  let topCustomer: string;

  /** The parent's environment minus any model or Pipewright settings, plus `overrides`. */
  function cliEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    for (const name of Object.keys(env)) if (/^(OPENAI_|PIPEWRIGHT_)/.test(name)) delete env[name];
    return { ...env, ...overrides };
  }

  /** Runs the CLI with a fresh PIPEWRIGHT_HOME holding a copy of the sample warehouse. */
  async function cli(
    args: string[],
    options: { env?: Record<string, string>; omit?: string[]; onLine?: (line: string, child: ChildProcess) => void } = {},
  ): Promise<CliRun> {
    const home = makeTempDir('cli-home');
    try {
      copyFileSync(warehouse, join(home, SAMPLE_FILE));
      const env = cliEnv({
        OPENAI_BASE_URL: model.baseUrl,
        OPENAI_API_KEY: API_KEY,
        PIPEWRIGHT_MODEL: 'scripted',
        PIPEWRIGHT_HOME: home,
        ...options.env,
      });
      for (const name of options.omit ?? []) delete env[name];
      return await new Promise<CliRun>((resolve, reject) => {
        const child = spawn(process.execPath, [join(ROOT, 'bin', 'pipewright.js'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        let pending = '';
        const limit = setTimeout(() => child.kill('SIGKILL'), CHILD_LIMIT_MS);
        child.stdout.setEncoding('utf8').on('data', (text: string) => {
          stdout += text;
          pending += text;
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) options.onLine?.(line, child);
        });
        child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
        child.on('error', reject);
        child.on('close', (code, signal) => {
          clearTimeout(limit);
          resolve({ code, signal, stdout, stderr });
        });
      });
    } finally {
      removeDir(home);
    }
  }

  function jsonEvents(stdout: string): RunEvent[] {
    const lines = stdout.split('\n').filter((line) => line !== '');
    assert.ok(lines.length > 0, 'expected JSON lines on stdout');
    return lines.map((line) => RunEventSchema.parse(JSON.parse(line)));
  }

  before(async () => {
    if (!existsSync(join(ROOT, 'dist', 'cli.js'))) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
    fixtureDir = makeTempDir('cli-fixture');
    warehouse = await ensureSampleWarehouse(fixtureDir);
    const db = await DuckDBConnector.open({ id: 'fixture', path: warehouse });
    try {
      const { rows } = await readAll(await db.query(TOP_CUSTOMERS_SQL));
      topCustomer = String(rows[0][1]);
    } finally {
      await db.close();
    }
    model = await startScriptedModel(sampleWarehouseScript);
  });

  after(async () => {
    await model?.close();
    removeDir(fixtureDir);
  });

  // --json prints one valid run event per line: the tools in order, ending in a completed run.
  test('ask --json streams valid run events and exits 0', async () => {
    const run = await cli(['ask', QUESTION, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const events = jsonEvents(run.stdout);
    assert.equal(events[0].type, 'run.started');
    assert.deepEqual(
      events.filter((e) => e.type === 'tool.started').map((e) => e.tool),
      ['list_tables', 'describe_table', 'run_sql'],
    );
    const answer = events.find((e) => e.type === 'answer');
    assert.ok(answer?.type === 'answer' && answer.sql === TOP_CUSTOMERS_SQL);
    assert.equal(answer.result?.rows[0][1], topCustomer);
    const last = events.at(-1);
    assert.ok(last?.type === 'run.finished', JSON.stringify(last));
    assert.equal(last.status, 'completed');
  });

  // Without --json a human gets the answer, the SQL and a result table naming the top customer.
  test('ask prints the answer, the SQL and the result table', async () => {
    const run = await cli(['ask', QUESTION]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Answer$/m);
    // The streamed answer is printed once, under its heading, not again as streamed text.
    assert.equal(run.stdout.split('Top 5 customers by revenue in 2025-Q4').length - 1, 1, run.stdout);
    assert.match(run.stdout, /^SQL$/m);
    for (const line of TOP_CUSTOMERS_SQL.split('\n')) assert.ok(run.stdout.includes(`  ${line}`), `SQL line missing: ${line}`);
    const header = run.stdout.split('\n').find((line) => /^\s+customer_id\s+full_name\s+revenue\s*$/.test(line));
    assert.ok(header, 'a result table header');
    const tableStart = run.stdout.indexOf(header);
    assert.ok(run.stdout.slice(tableStart).includes(topCustomer), `table should contain ${topCustomer}`);
    assert.ok(!run.stdout.includes('\u001b['), 'no colour codes when stdout is not a terminal');
  });

  // A missing API key is a configuration error (exit 2) that names the variable to set.
  test('missing OPENAI_API_KEY exits 2 and names it', async () => {
    const before = model.requests.length;
    const run = await cli(['ask', QUESTION, '--json'], { omit: ['OPENAI_API_KEY'] });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /No model configured: set OPENAI_API_KEY\./);
    assert.equal(run.stdout, '');
    assert.equal(model.requests.length, before, 'the model is never called');
  });

  // An unknown connection is a configuration error (exit 2) with the connector's hint.
  test('an unknown connection exits 2', async () => {
    const run = await cli(['ask', QUESTION, '--connection', 'nope']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /Unknown connection "nope"/);
    assert.match(run.stderr, /duckdb:<path/);
  });

  // Ctrl-C during the endless query stops it: exit 130 and a final run.finished stopped.
  test('SIGINT during an endless query exits 130 with run.finished stopped', async () => {
    let signalled = false;
    // --approve reads: the cost gate asks before this 10^12-row read, and the flag approves reads.
    const run = await cli(['ask', 'a slow question', '--json', '--approve', 'reads'], {
      onLine: (line, child) => {
        if (!signalled && line.includes('"tool.started"')) {
          signalled = true;
          setTimeout(() => child.kill('SIGINT'), 300);
        }
      },
    });
    assert.ok(signalled, 'the run reached the query');
    assert.equal(run.code, 130, `code ${run.code} signal ${run.signal}: ${run.stderr}`);
    const events = jsonEvents(run.stdout);
    const started = events.find((e) => e.type === 'tool.started');
    assert.ok(started?.type === 'tool.started' && started.sql === SLOW_SQL);
    const last = events.at(-1);
    assert.ok(last?.type === 'run.finished', JSON.stringify(last));
    assert.equal(last.status, 'stopped');
  });

  // The API key reaches the server but never the terminal, in success or in an auth failure.
  test('the API key never appears in stdout or stderr', async () => {
    const rejecting = await startScriptedModel(() => ({ status: 401, text: `invalid key ${API_KEY}` }));
    try {
      const runs = [
        await cli(['ask', QUESTION, '--json']),
        await cli(['ask', QUESTION]),
        await cli(['ask', QUESTION], { env: { OPENAI_BASE_URL: rejecting.baseUrl } }),
      ];
      assert.deepEqual(runs.map((r) => r.code), [0, 0, 1]);
      assert.match(runs[2].stdout, /rejected the API key \(401\)/);
      assert.equal(rejecting.requests[0]?.headers.authorization, `Bearer ${API_KEY}`, 'the key was really in use');
      for (const run of runs) {
        assert.ok(!run.stdout.includes(API_KEY), 'key in stdout');
        assert.ok(!run.stderr.includes(API_KEY), 'key in stderr');
      }
    } finally {
      await rejecting.close();
    }
  });
});
