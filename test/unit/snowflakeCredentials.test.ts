// Snowflake without credentials: the URL/open path names the variables to set before the driver is
// loaded or any request is sent, and a driver failure reaches the caller as a ConnectorError whose
// message carries no stack frames of the (minified) driver.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorError } from '../../src/core/connectors/connector';
import { openConnection } from '../../src/core/connectors/open';
import { SnowflakeConnector, snowflakeOptionsFromUrl } from '../../src/core/connectors/snowflake';
import { SnowflakeEmulator } from '../support/snowflakeEmulator';
import { makeTempDir, removeDir } from '../support/tempDirs';

process.env.NO_PROXY = ['127.0.0.1', 'localhost', process.env.NO_PROXY].filter(Boolean).join(',');
process.env.no_proxy = process.env.NO_PROXY;

const VARIABLES = ['SNOWFLAKE_PASSWORD', 'SNOWFLAKE_PRIVATE_KEY_PATH', 'SNOWFLAKE_PRIVATE_KEY_RAW', 'SNOWFLAKE_PRIVATE_KEY_PASSPHRASE', 'SNOWFLAKE_TOKEN', 'authenticator=externalbrowser'];

describe('Snowflake credentials', () => {
  let emulator: SnowflakeEmulator;
  let storage: string;

  before(async () => {
    emulator = await SnowflakeEmulator.start({ account: 'ACCT', databases: ['DB'], users: [{ name: 'ANALYST', password: 'pw' }] });
    storage = makeTempDir('sf-creds');
  });

  after(async () => {
    await emulator?.close();
    removeDir(storage);
  });

  test('no SNOWFLAKE_* credential: an error that names every variable to set', () => {
    const error = (() => {
      try {
        snowflakeOptionsFromUrl('snowflake://analyst@myorg-acct/DB', { SNOWFLAKE_USER: 'analyst' });
      } catch (e) {
        return e;
      }
      return assert.fail('expected an error');
    })();
    assert.ok(error instanceof ConnectorError);
    assert.match(error.message, /No Snowflake credentials/);
    for (const name of VARIABLES) assert.ok(`${error.message} ${error.hint}`.includes(name), `${name} is named`);
  });

  test('openConnection fails before the driver sends anything', async () => {
    const url = `snowflake://ANALYST@ACCT/DB?accessUrl=${encodeURIComponent(emulator.url)}`;
    await assert.rejects(openConnection(url, { storageDir: storage, env: {} }), (e: Error) => e instanceof ConnectorError && /SNOWFLAKE_PASSWORD/.test(`${e.message} ${(e as ConnectorError).hint}`));
    assert.deepEqual(emulator.requests, [], 'no request reached the server');
    // Each sign-in named on its own still says which variable it lacks.
    assert.throws(() => snowflakeOptionsFromUrl('snowflake://u@acct?authenticator=password', {}), /SNOWFLAKE_PASSWORD/);
    assert.throws(() => snowflakeOptionsFromUrl('snowflake://u@acct?authenticator=oauth', {}), /SNOWFLAKE_TOKEN/);
    assert.throws(() => snowflakeOptionsFromUrl('snowflake://u@acct?authenticator=keypair', {}), /SNOWFLAKE_PRIVATE_KEY_PATH/);
    assert.equal(snowflakeOptionsFromUrl('snowflake://u@acct?authenticator=externalbrowser', {}).authentication.kind, 'externalbrowser');
  });

  test('a driver failure is a ConnectorError without stack frames', async () => {
    const error = await SnowflakeConnector.open({ account: 'ACCT', username: 'analyst', authentication: { kind: 'password', password: 'pw' }, accessUrl: 'http://127.0.0.1:9', maxLoginRetries: 0 }).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ConnectorError, String(error));
    assert.match(error.message, /Could not connect to Snowflake as analyst on ACCT/);
    assert.doesNotMatch(error.message, /\n\s+at\s/);
  });
});
