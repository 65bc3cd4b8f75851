// The conversation store on disk (real files in a temp folder): conversations survive a new store
// instance (a reload), several coexist, files are replaced atomically and bounded, results are
// capped previews with credentials masked, history search covers questions and SQL, and a broken
// file is set aside with a clear error instead of being overwritten.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConversationReadError, ConversationStore, type StoredTurn } from '../../src/core/conversations/conversationStore';
import { withTempDir } from '../support/tempDirs';

const turn = (question: string, extra: Partial<StoredTurn> = {}): StoredTurn => ({ kind: 'ask', question, at: Date.now(), status: 'completed', answer: `answer to ${question}`, ...extra });

describe('ConversationStore', () => {
  test('conversations survive a new store on the same folder, each with its connection and turns', async () => {
    await withTempDir('conv', async (dir) => {
      const store = new ConversationStore(dir);
      let a = store.create('sample');
      a = await store.append(a, turn('top customers last quarter', { sql: 'SELECT * FROM customers' }));
      a = await store.append(a, turn('and by region?'));
      let b = store.create('crm');
      b = await store.append(b, turn('which region has the most ARR?'));

      const reloaded = new ConversationStore(dir);
      const list = await reloaded.list();
      assert.deepEqual(list.map((c) => [c.title, c.connectionId, c.turns]).sort(), [['top customers last quarter', 'sample', 2], ['which region has the most ARR?', 'crm', 1]].sort());
      const again = await reloaded.load(a.id);
      assert.deepEqual(again?.turns.map((t) => t.question), ['top customers last quarter', 'and by region?']);
      assert.equal(again?.turns[0].sql, 'SELECT * FROM customers');
      // Atomic writes leave no temp files behind.
      assert.deepEqual(readdirSync(dir).sort(), [`${a.id}.json`, `${b.id}.json`].sort());
    });
  });

  test('result previews are capped and credentials in text are masked', async () => {
    await withTempDir('conv', async (dir) => {
      const store = new ConversationStore(dir, { maxFileBytes: 1e6, previewRows: 3, cellChars: 10, maxConversations: 10 });
      const rows = Array.from({ length: 50 }, (_, i) => [i, `postgres://admin:hunter2@db.internal/x row ${i}`]);
      const saved = await store.append(store.create('sample'), turn('connect with postgres://admin:hunter2@db.internal/x', {
        result: { columns: [{ name: 'n', type: 'INTEGER' }, { name: 'url', type: 'VARCHAR' }], rows, rowCount: 50, truncated: false },
      }));
      const text = readFileSync(join(dir, `${saved.id}.json`), 'utf8');
      assert.ok(!text.includes('hunter2'), 'no password reaches the file');
      const stored = (await store.load(saved.id))!.turns[0].result!;
      assert.equal(stored.rows.length, 3);
      assert.equal(stored.rowCount, 50);
      assert.equal(stored.truncated, true);
      assert.ok(String(stored.rows[0][1]).length <= 11);
    });
  });

  test('a conversation file stays under its size bound by dropping its oldest turns', async () => {
    await withTempDir('conv', async (dir) => {
      const store = new ConversationStore(dir, { maxFileBytes: 4000, previewRows: 20, cellChars: 200, maxConversations: 10 });
      let c = store.create('sample');
      for (let i = 0; i < 40; i++) c = await store.append(c, turn(`question number ${i} ${'x'.repeat(100)}`));
      assert.ok(statSync(join(dir, `${c.id}.json`)).size <= 4000);
      const kept = (await store.load(c.id))!.turns;
      assert.ok(kept.length < 40 && kept.length > 0);
      assert.match(kept.at(-1)!.question, /question number 39/);
      assert.match(c.title, /question number 0/, 'the title stays the first question');
    });
  });

  test('history finds questions and SQL by words, newest first', async () => {
    await withTempDir('conv', async (dir) => {
      const store = new ConversationStore(dir);
      let c = store.create('sample');
      c = await store.append(c, turn('top customers by revenue', { at: 1, sql: 'SELECT full_name, sum(revenue) FROM customers GROUP BY 1' }));
      c = await store.append(c, turn('orders per status', { at: 2, sql: 'SELECT status, count(*) FROM orders GROUP BY status' }));
      await store.append(store.create('sample'), { kind: 'sql', question: 'Run SQL from a.sql (line 1)', at: 3, status: 'completed', sql: 'SELECT count(*) FROM orders' });
      const orders = await store.history('orders');
      assert.deepEqual(orders.map((e) => [e.kind, e.text]), [['sql', 'SELECT count(*) FROM orders'], ['question', 'orders per status'], ['sql', 'SELECT status, count(*) FROM orders GROUP BY status']]);
      assert.deepEqual((await store.history('customers revenue')).map((e) => e.kind), ['question', 'sql']);
      assert.equal((await store.history('')).length, 5);
    });
  });

  test('a broken file is set aside with a clear error; the others still load; ids never name other paths', async () => {
    await withTempDir('conv', async (dir) => {
      const store = new ConversationStore(dir);
      const good = await store.append(store.create('sample'), turn('fine'));
      const bad = await store.append(store.create('sample'), turn('soon broken'));
      writeFileSync(join(dir, `${bad.id}.json`), '{"version":1,"id":');
      await assert.rejects(store.load(bad.id), (e: Error) => e instanceof ConversationReadError && /could not be read/.test(e.message));
      assert.ok(readdirSync(dir).some((n) => n.startsWith(`${bad.id}.json.unreadable-`)), 'the broken file is kept');
      assert.deepEqual((await store.list()).map((c) => c.id), [good.id]);
      assert.equal(await store.load('../../etc/passwd'), undefined);
      await store.delete('../outside');
      await store.delete(good.id);
      assert.equal(existsSync(join(dir, `${good.id}.json`)), false);
    });
  });

  test('beyond the conversation limit the least recently used are removed', async () => {
    await withTempDir('conv', async (dir) => {
      const store = new ConversationStore(dir, { maxFileBytes: 1e6, previewRows: 20, cellChars: 200, maxConversations: 2 });
      for (let i = 0; i < 4; i++) await store.append(store.create('sample'), turn(`q${i}`, { at: i + 1 }));
      assert.deepEqual((await store.list()).map((c) => c.title), ['q3', 'q2']);
    });
  });
});
