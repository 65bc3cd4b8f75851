// The agent on a real PostgreSQL through the built CLI: the same tools and event stream as on the
// sample warehouse, with the caller's own credentials taken from PGPASSWORD.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RunEventSchema, type RunEvent } from '../../src/core/observability/events';
import { lastToolOutput, startScriptedModel, type ScriptedModel } from '../support/scriptedModelServer';
import { seedCrm, startPostgres, type TestPostgres } from '../support/postgresServer';
import { makeTempDir, removeDir } from '../support/tempDirs';
import { ROOT, runCli } from '../support/runCli';

describe('the agent on PostgreSQL through the CLI', () => {
  let server: TestPostgres;
  let model: ScriptedModel;
  let home: string;

  before(async () => {
    if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run "node scripts/build.mjs" (npm test does).');
    server = await startPostgres();
    await seedCrm(server);
    // A "model" that explores, queries, then tries a destructive statement before answering.
    model = await startScriptedModel((request) => {
      const turns = request.body.messages.filter((m) => m.role === 'tool').length;
      if (turns === 0) return { toolCalls: [{ name: 'list_tables', arguments: { schema: 'crm' } }] };
      if (turns === 1) return { toolCalls: [{ name: 'run_sql', arguments: { sql: 'SELECT region, sum(arr) AS arr FROM crm.accounts GROUP BY region ORDER BY arr DESC' } }] };
      if (turns === 2) return { toolCalls: [{ name: 'run_sql', arguments: { sql: 'DROP TABLE crm.accounts' } }] };
      const rows = (lastToolOutput({ ...request, body: { ...request.body, messages: request.body.messages.slice(0, -1) } }) as { rows: [string, string][] }).rows;
      return { text: `Top region: ${rows[0][0]} with ${rows[0][1]}.` };
    });
    home = makeTempDir('pg-agent');
  });

  after(async () => {
    await model?.close();
    await server?.stop();
    if (home) removeDir(home);
  });

  // The same event stream as on DuckDB, answered from real PostgreSQL rows; DROP is refused.
  test('ask --json on a postgres:// connection', async () => {
    const url = `postgres://${server.reader.user}@${server.host}:${server.port}/${server.database}`;
    const result = await runCli(['ask', 'which region has the most ARR?', '--connection', url, '--environment', 'prod', '--json'], {
      ...process.env,
      OPENAI_BASE_URL: model.baseUrl,
      OPENAI_API_KEY: 'test-key',
      PIPEWRIGHT_MODEL: 'scripted',
      PIPEWRIGHT_HOME: home,
      PGPASSWORD: server.reader.password,
    });
    assert.equal(result.code, 0, result.stderr);
    const events = result.stdout.trim().split('\n').map((line) => RunEventSchema.parse(JSON.parse(line)) as RunEvent);
    const started = events[0];
    assert.ok(started.type === 'run.started');
    assert.deepEqual({ dialect: started.connection.dialect, environment: started.connection.environment }, { dialect: 'postgres', environment: 'prod' });
    assert.equal(started.connection.label, `${server.reader.user}@${server.host}:${server.port}/${server.database}`);
    const finished = events.filter((e) => e.type === 'tool.finished');
    assert.deepEqual(finished.map((e) => e.type === 'tool.finished' && [e.tool, e.ok]), [['list_tables', true], ['run_sql', true], ['run_sql', false]]);
    const expected = (await server.sql('SELECT region, sum(arr) AS arr FROM crm.accounts GROUP BY region ORDER BY arr DESC LIMIT 1')).rows[0];
    const answer = events.find((e) => e.type === 'answer');
    assert.ok(answer?.type === 'answer');
    // numeric reaches the model as the server's exact decimal text.
    assert.equal(answer.text, `Top region: ${expected.region} with ${expected.arr}.`);
    assert.equal(Number((await server.sql('SELECT count(*) AS n FROM crm.accounts')).rows[0].n), 30);
    // The default sslmode=prefer, on a test server without TLS: the CLI says what it used.
    assert.match(result.stderr, /^pipewright: connection: no TLS: the server does not offer it \(sslmode=prefer\)$/m);
    assert.ok(!result.stdout.includes(server.reader.password) && !result.stderr.includes(server.reader.password), 'the password never appears');
  });
});
