// The panel's link and grid messages (webviewMessages.ts): valid ones parse unchanged, oversized
// or malformed ones are rejected before the host acts on them.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ToHostSchema } from '../../src/core/protocol/webviewMessages';

const columns = [{ name: 'id', type: 'INTEGER' }, { name: 'amount', type: 'DECIMAL(18,4)' }];

describe('link and grid messages', () => {
  test('accepts a link to open, values to copy, and rows to export', () => {
    for (const message of [
      { type: 'openLink', url: 'https://example.com/a?b=c' },
      { type: 'gridCopy', rows: [['29072.3700']] },
      { type: 'gridCopy', rows: [[1, null, 'x', { a: [1] }]] },
      { type: 'gridExport', format: 'csv', columns, rows: [[1, '2.5000'], [2, null]] },
      { type: 'gridExport', format: 'json', columns, rows: [] },
    ]) {
      const parsed = ToHostSchema.safeParse(message);
      assert.ok(parsed.success, JSON.stringify(message));
      assert.deepEqual(parsed.data, message);
    }
  });

  test('rejects an empty or oversized link, an unknown format, no columns, and too many rows', () => {
    for (const message of [
      { type: 'openLink', url: '' },
      { type: 'openLink', url: `https://x/${'a'.repeat(8000)}` },
      { type: 'gridExport', format: 'xlsx', columns, rows: [] },
      { type: 'gridExport', format: 'csv', columns: [], rows: [] },
      { type: 'gridExport', format: 'csv', columns: [{ name: 'id' }], rows: [] },
      { type: 'gridCopy', rows: Array.from({ length: 100_001 }, () => [1]) },
      { type: 'gridCopy', rows: [[undefined]] },
    ]) assert.equal(ToHostSchema.safeParse(message).success, false, JSON.stringify(message).slice(0, 120));
  });
});
