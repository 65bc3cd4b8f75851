// The BUILT Snowflake driver bundle (dist/snowflake-sdk.js), which leaves out the driver's file
// transfer agent and the cloud storage clients it uses: it still signs in and queries the loopback
// emulator, its statement-type reader (the read wall) works on the bundled driver, a PUT that
// reaches the driver fails with a clear error and sends nothing, and through the built CLI a PUT
// is still refused while a SELECT runs.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type * as SnowflakeSdk from 'snowflake-sdk';
import { lastToolOutput, startScriptedModel, type ScriptedModel } from '../support/scriptedModelServer';
import { SnowflakeEmulator } from '../support/snowflakeEmulator';
import { makeTempDir, removeDir } from '../support/tempDirs';
import { ROOT, runCli } from '../support/runCli';

process.env.NO_PROXY = ['127.0.0.1', 'localhost', process.env.NO_PROXY].filter(Boolean).join(',');
process.env.no_proxy = process.env.NO_PROXY;

const PASSWORD = 'bundle-test-password';
const BUNDLE = join(ROOT, 'dist', 'snowflake-sdk.js');

interface BundledDriver {
  sdk: typeof SnowflakeSdk;
  statementTypeIdOf(statement: { getColumns(): unknown }): number | undefined;
}

describe('the built Snowflake driver bundle', () => {
  let emulator: SnowflakeEmulator;
  let driver: BundledDriver;
  let connection: SnowflakeSdk.Connection;
  let model: ScriptedModel;
  let home: string;
  let stage: string;

  before(async () => {
    stage = makeTempDir('sf-stage');
    if (!existsSync(BUNDLE)) throw new Error('dist/ is not built: run "node scripts/build.mjs" (npm test does).');
    emulator = await SnowflakeEmulator.start({
      account: 'acct',
      databases: ['SALES'],
      users: [{ name: 'ANALYST', password: PASSWORD }],
      localStageDir: stage,
      setup: [`CREATE TABLE SALES.PUBLIC.ORDERS (ORDER_ID INTEGER, AMOUNT DECIMAL(10,2))`, `INSERT INTO SALES.PUBLIC.ORDERS VALUES (1, 2.50), (2, 4.00)`],
    });
    process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION = 'true';
    driver = createRequire(__filename)(BUNDLE) as BundledDriver;
    driver.sdk.configure({ logLevel: 'OFF' });
    connection = driver.sdk.createConnection({ accessUrl: emulator.url, account: 'acct', username: 'ANALYST', password: PASSWORD, database: 'SALES', schema: 'PUBLIC', sfRetryMaxLoginRetries: 0 } as SnowflakeSdk.ConnectionOptions);
    await new Promise<void>((resolve, reject) => connection.connect((error) => (error ? reject(error) : resolve())));
    home = makeTempDir('sf-bundle');
  });

  after(async () => {
    await new Promise<void>((resolve) => connection?.destroy(() => resolve()));
    await model?.close();
    await emulator?.close();
    if (home) removeDir(home);
    if (stage) removeDir(stage);
  });

  function execute(sqlText: string, describeOnly = false): Promise<{ statement: SnowflakeSdk.RowStatement; rows: unknown[] }> {
    return new Promise((resolve, reject) => {
      connection.execute({ sqlText, describeOnly, complete: (error, statement, rows) => (error ? reject(error) : resolve({ statement: statement as SnowflakeSdk.RowStatement, rows: rows ?? [] })) });
    });
  }

  test('carries neither the file transfer agent nor the S3 and Azure Blob clients', () => {
    const text = readFileSync(BUNDLE, 'utf8');
    assert.ok(text.includes('PUT and GET (file transfer to and from a stage) are not available in Pipewright'), 'the stub is in');
    for (const gone of ['S3Client', 'BlobServiceClient', 'SnowflakeFileEncryptionMaterial']) assert.ok(!text.includes(gone), `${gone} is left out`);
  });

  test('signs in, queries, and reports statement types from the bundled driver', async () => {
    const { statement, rows } = await execute('SELECT ORDER_ID, AMOUNT FROM ORDERS ORDER BY ORDER_ID');
    assert.deepEqual(rows, [{ ORDER_ID: 1, AMOUNT: 2.5 }, { ORDER_ID: 2, AMOUNT: 4 }]);
    assert.equal(driver.statementTypeIdOf(statement), 0x1000);
    const compiled = await execute(`INSERT INTO ORDERS VALUES (3, 1.00)`, true);
    assert.equal(driver.statementTypeIdOf(compiled.statement), 0x3100);
  });

  // The server answers a PUT with upload instructions (here: a local stage folder); the driver's
  // own file transfer agent would then read the local file and copy it. The bundled stub refuses.
  test('a PUT that reaches the bundled driver fails clearly and copies no file', async () => {
    const source = join(home, 'secret.txt');
    writeFileSync(source, 'local data\n');
    await assert.rejects(execute(`PUT file://${source} @~/staged`), /not available in Pipewright/);
    assert.deepEqual(readdirSync(stage), [], 'nothing was copied to the stage');
  });

  test('through the built CLI a PUT is refused and a SELECT runs', async () => {
    model = await startScriptedModel((request) => {
      const turns = request.body.messages.filter((m) => m.role === 'tool').length;
      if (turns === 0) return { toolCalls: [{ name: 'run_sql', arguments: { sql: 'PUT file:///etc/hostname @~/staged' } }] };
      if (turns === 1) return { toolCalls: [{ name: 'run_sql', arguments: { sql: 'SELECT SUM(AMOUNT) AS TOTAL FROM ORDERS' } }] };
      return { text: `Total ${JSON.stringify((lastToolOutput(request) as { rows: unknown[][] }).rows[0][0])}.` };
    });
    const url = `snowflake://ANALYST@acct/SALES/PUBLIC?warehouse=WH&accessUrl=${encodeURIComponent(emulator.url)}`;
    const before = emulator.queries.length;
    const result = await runCli(['ask', 'total?', '--connection', url, '--json'],
      { ...process.env, OPENAI_BASE_URL: model.baseUrl, OPENAI_API_KEY: 'k', PIPEWRIGHT_MODEL: 'scripted', PIPEWRIGHT_HOME: home, SNOWFLAKE_PASSWORD: PASSWORD }, home);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /Total \\?"?6\.50?\\?"?\./);
    assert.ok(!emulator.queries.slice(before).some((q) => /^\s*PUT/i.test(q.sqlText)), 'no PUT reached the server');
    assert.deepEqual(readdirSync(stage), [], 'nothing was copied to the stage');
    // Compiled once: the cost gate's EXPLAIN and the read that follows share it.
    assert.deepEqual(emulator.queriesMatching(/SUM\(AMOUNT\)/).map((q) => `${q.describeOnly ? 'compile' : 'run'} ${q.sqlText.split(' ')[0]}`), ['compile SELECT', 'run EXPLAIN', 'run SELECT']);
  });
});
