// Saved connections: broken settings entries are reported without losing the others, and a
// password's storage key is bound to the exact target so a changed host never receives it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectionSecretKey, parseConnectionConfigs, snowflakeSecretKind, type ConnectionConfig } from '../../src/core/connectors/connectionConfig';
import type { ConnectorError } from '../../src/core/connectors/connector';
import { openConfigured } from '../../src/core/connectors/open';
import { SnowflakeEmulator } from '../support/snowflakeEmulator';

const crm: ConnectionConfig = { id: 'crm', kind: 'postgres', label: 'CRM', url: 'postgres://analyst@db.example.com:5432/crm', environment: 'prod', readOnly: true };

describe('saved connections', () => {
  // Valid entries load; invalid ones and duplicate ids are reported with what is wrong.
  test('parses valid entries and reports broken ones', () => {
    const { configs, problems } = parseConnectionConfigs([
      crm,
      { id: 'Bad Id', kind: 'postgres', label: 'x', url: 'postgres://a@b/c', environment: 'dev' },
      { id: 'lake', kind: 'duckdb', label: 'Lake', path: '/data/lake.duckdb', environment: 'staging' },
      { ...crm, label: 'CRM again' },
      { id: 'prodish', kind: 'postgres', label: 'x', url: 'postgres://a@b/c', environment: 'production' },
      { id: 'sample', kind: 'duckdb', label: 'shadow', path: '/x', environment: 'dev' },
    ]);
    assert.deepEqual(configs.map((c) => c.id), ['crm', 'lake']);
    assert.equal(configs[1].readOnly, true, 'new connections default to read-only');
    assert.equal(problems.length, 4);
    assert.match(problems[0], /#2 .*id/);
    assert.match(problems[1], /"crm" is used twice/);
    assert.match(problems[2], /#5 .*environment/);
    assert.match(problems[3], /"sample" is used twice/);
    assert.deepEqual(parseConnectionConfigs('not an array'), { configs: [], problems: [] });
    // A password typed into a settings URL by hand is refused, not stored in plain text.
    const withPassword = parseConnectionConfigs([{ ...crm, url: 'postgres://analyst:hunter22@db.example.com/crm' }]);
    assert.equal(withPassword.configs.length, 0);
    assert.match(withPassword.problems[0], /Remove the password from the URL/);
  });

  // The same id pointing somewhere else gets a different secret key: the old password stays put.
  test('secret keys are bound to the exact target', () => {
    const key = connectionSecretKey(crm);
    assert.match(key, /^pipewright\.connection:crm:[0-9a-f]{16}$/);
    assert.equal(connectionSecretKey({ ...crm, label: 'renamed', environment: 'dev' }), key);
    assert.notEqual(connectionSecretKey({ ...crm, url: 'postgres://analyst@evil.example.com:5432/crm' }), key);
    assert.notEqual(connectionSecretKey({ ...crm, url: 'postgres://analyst@db.example.com:5432/crm?sslmode=disable' }), key);
  });
});

// A saved Snowflake connection: the URL in settings, the password / passphrase / token in secret
// storage, and the secret handed to the driver only in the slot the URL's sign-in method names.
describe('saved Snowflake connections', () => {
  const sf: ConnectionConfig = { id: 'sf', kind: 'snowflake', label: 'Sales', url: 'snowflake://ANALYST@acct/SALES/PUBLIC?warehouse=WH', environment: 'dev', readOnly: true };
  let emulator: SnowflakeEmulator;
  before(async () => {
    process.env.NO_PROXY = ['127.0.0.1', 'localhost', process.env.NO_PROXY].filter(Boolean).join(',');
    emulator = await SnowflakeEmulator.start({ account: 'ACCT', users: [{ name: 'ANALYST', password: 'sf-canary-password-4471', oauthTokens: ['sf-canary-token-9921'] }], databases: ['SALES'], setup: ['CREATE TABLE SALES.PUBLIC.ORDERS (ID INTEGER)'] });
  });
  after(() => emulator?.close());

  test('parses, refuses a password in the URL, and binds the secret key to URL and key file', () => {
    const { configs, problems } = parseConnectionConfigs([sf, { ...sf, id: 'sf2', url: 'snowflake://ANALYST:pw@acct/SALES' }]);
    assert.deepEqual(configs.map((c) => c.id), ['sf']);
    assert.match(problems[0], /Remove the password from the URL/);
    const keyed: ConnectionConfig = { ...sf, url: `${sf.url}&authenticator=keypair`, privateKeyPath: '/keys/a.p8' };
    assert.notEqual(connectionSecretKey(keyed), connectionSecretKey({ ...keyed, privateKeyPath: '/keys/b.p8' }));
    assert.deepEqual(['', '&authenticator=keypair', '&authenticator=SNOWFLAKE_JWT', '&authenticator=oauth', '&authenticator=externalbrowser'].map((a) => snowflakeSecretKind(`${sf.url}${a}`)), ['password', 'passphrase', 'passphrase', 'token', 'none']);
  });

  test('opens with the stored password or token, and says what to do when none is stored', async () => {
    const at = (auth = '') => ({ ...sf, url: `${sf.url}${auth}&accessUrl=${encodeURIComponent(emulator.url)}` });
    const storageDir = '/nonexistent';
    const opened = await openConfigured(at(), 'sf-canary-password-4471', { storageDir });
    try {
      assert.equal(opened.summary.dialect, 'snowflake');
      assert.deepEqual((await opened.connector.listTables()).items.map((t) => t.name), ['ORDERS']);
    } finally {
      await opened.connector.close();
    }
    const byToken = await openConfigured(at('&authenticator=oauth'), 'sf-canary-token-9921', { storageDir });
    await byToken.connector.close();
    await assert.rejects(openConfigured(at(), undefined, { storageDir }), (e: ConnectorError) => /No password is stored/.test(e.message) && /Edit Connection/.test(e.hint ?? ''));
    await assert.rejects(openConfigured(at('&authenticator=keypair'), 'x', { storageDir }), /names no key file/);
    // The wrong password fails without echoing it.
    await assert.rejects(openConfigured(at(), 'wrong-canary-88', { storageDir }), (e: Error) => !e.message.includes('wrong-canary-88'));
  });
});
