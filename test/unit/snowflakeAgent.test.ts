// The agent on Snowflake through the BUILT CLI (so the on-demand driver bundle is exercised): the
// unmodified snowflake-sdk against the loopback emulator, credentials from SNOWFLAKE_PASSWORD.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RunEventSchema, type RunEvent } from '../../src/core/observability/events';
import { lastToolOutput, startScriptedModel, type ScriptedModel } from '../support/scriptedModelServer';
import { SnowflakeEmulator } from '../support/snowflakeEmulator';
import { makeTempDir, removeDir } from '../support/tempDirs';
import { ROOT, runCli } from '../support/runCli';

const PASSWORD = 'sf-Secret-pass-42';

describe('the agent on Snowflake through the CLI', () => {
  let emulator: SnowflakeEmulator;
  let model: ScriptedModel;
  let home: string;

  before(async () => {
    if (!existsSync(join(ROOT, 'dist', 'snowflake-sdk.js'))) throw new Error('dist/ is not built: run "node scripts/build.mjs" (npm test does).');
    emulator = await SnowflakeEmulator.start({
      account: 'acct',
      databases: ['SALES'],
      users: [{ name: 'ANALYST', password: PASSWORD }],
      setup: [
        `CREATE TABLE SALES.PUBLIC.ORDERS (ORDER_ID INTEGER, REGION VARCHAR, AMOUNT DECIMAL(10,2))`,
        `INSERT INTO SALES.PUBLIC.ORDERS SELECT range, CASE range % 2 WHEN 0 THEN 'EU' ELSE 'US' END, range * 2 FROM range(1, 101)`,
      ],
    });
    model = await startScriptedModel((request) => {
      const turns = request.body.messages.filter((m) => m.role === 'tool').length;
      if (turns === 0) return { toolCalls: [{ name: 'run_sql', arguments: { sql: 'SELECT REGION, SUM(AMOUNT) AS TOTAL FROM ORDERS GROUP BY REGION ORDER BY TOTAL DESC' } }] };
      const rows = (lastToolOutput(request) as { rows: [string, unknown][] }).rows;
      return { text: `${rows[0][0]} leads with ${rows[0][1]}.` };
    });
    home = makeTempDir('sf-agent');
  });

  after(async () => {
    await model?.close();
    await emulator?.close();
    if (home) removeDir(home);
  });

  // The same event stream as on the other warehouses; the statement carried Pipewright's QUERY_TAG.
  test('ask --json on a snowflake:// connection', async () => {
    const url = `snowflake://ANALYST@acct/SALES/PUBLIC?warehouse=WH&accessUrl=${encodeURIComponent(emulator.url)}`;
    const result = await runCli(['ask', 'which region sells most?', '--connection', url, '--json'],
      { ...process.env, OPENAI_BASE_URL: model.baseUrl, OPENAI_API_KEY: 'k', PIPEWRIGHT_MODEL: 'scripted', PIPEWRIGHT_HOME: home, SNOWFLAKE_PASSWORD: PASSWORD }, home);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const events = result.stdout.trim().split('\n').map((line) => RunEventSchema.parse(JSON.parse(line)) as RunEvent);
    const started = events[0];
    assert.ok(started.type === 'run.started' && started.connection.dialect === 'snowflake');
    const answer = events.find((e) => e.type === 'answer');
    assert.ok(answer?.type === 'answer');
    assert.match(answer.text, /^EU leads with 5100(\.00)?\.$/); // EU: 2+4+...+200 = 5100
    const [query] = emulator.queriesMatching(/SUM\(AMOUNT\)/);
    assert.ok(query, 'the emulator ran the query');
    assert.match(String(query.parameters.QUERY_TAG), /^pipewright/);
    assert.ok(!existsSync(join(home, 'snowflake.log')), 'no snowflake.log in the working folder');
    assert.ok(!(result.stdout + result.stderr).includes(PASSWORD), 'the password never appears');
  });
});
