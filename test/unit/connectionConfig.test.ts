// Saved connections: broken settings entries are reported without losing the others, and a
// password's storage key is bound to the exact target so a changed host never receives it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connectionSecretKey, parseConnectionConfigs, type ConnectionConfig } from '../../src/core/connectors/connectionConfig';

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
