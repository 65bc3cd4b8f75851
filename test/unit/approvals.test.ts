// An approval is bound to a hash of the tool, the canonical arguments and the connection's identity
// and mode: the same call hashes the same whatever its key order; anything else asks again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { argsHash } from '../../src/core/policy/approvals';
import { isProtectedPath } from '../../src/core/policy/protectedPaths';
import { RateLimiter } from '../../src/core/policy/rateLimit';

const dev = { id: 'crm', dialect: 'postgres' as const, environment: 'dev' as const, writable: true };

test('argument hashes ignore key order and change with arguments, tool and connection mode', () => {
  const base = argsHash('execute_sql', { sql: 'UPDATE t SET a = 1 WHERE id = 1', note: 'x' }, dev);
  assert.equal(argsHash('execute_sql', { note: 'x', sql: 'UPDATE t SET a = 1 WHERE id = 1' }, dev), base);
  assert.notEqual(argsHash('execute_sql', { sql: 'UPDATE t SET a = 1 WHERE id = 2', note: 'x' }, dev), base);
  assert.notEqual(argsHash('write_file', { sql: 'UPDATE t SET a = 1 WHERE id = 1', note: 'x' }, dev), base);
  assert.notEqual(argsHash('execute_sql', { sql: 'UPDATE t SET a = 1 WHERE id = 1', note: 'x' }, { ...dev, environment: 'prod' }), base);
  assert.notEqual(argsHash('execute_sql', { sql: 'UPDATE t SET a = 1 WHERE id = 1', note: 'x' }, { ...dev, writable: false }), base);
});

test('protected paths are found after normalising the path', () => {
  for (const p of ['.vscode/settings.json', './.vscode/tasks.json', 'models/../.vscode/x', '.git/hooks/pre-commit', '.github/workflows/ci.yml', '.husky/pre-push', 'mcp.json', 'sub/.mcp.json', 'team.code-workspace', '.devcontainer/devcontainer.json']) {
    assert.equal(isProtectedPath(p), true, p);
  }
  for (const p of ['models/orders.sql', 'docs/vscode.md', 'github/readme.md']) assert.equal(isProtectedPath(p), false, p);
});

test('rate limits refuse calls beyond the window and recover after it', () => {
  let now = 0;
  const limiter = new RateLimiter(() => now);
  assert.deepEqual([1, 2, 3].map(() => limiter.take('run_sql', '2/minute')), [true, true, false]);
  now = 61_000;
  assert.equal(limiter.take('run_sql', '2/minute'), true);
  assert.throws(() => limiter.take('x', '0/minute'));
});
