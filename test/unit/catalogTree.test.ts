// The Connections tree's grouping and paging over the cached catalog, on a synthetic catalog of
// 50,000 tables: schemas in order with their counts, pages of 1,000 that cover every table once
// in name order, and a page that reads only its own tables (never the whole catalog per expand).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { columnsOf, indexCatalog, tablePage, TREE_PAGE_SIZE } from '../../src/core/catalog/catalogTree';
import type { CatalogSnapshot, CatalogTable } from '../../src/core/catalog/catalogSync';

const BIG = 'analytics';
const SIZES: Record<string, number> = { [BIG]: 45_500, raw: 3_000, staging: 1_499, zeta: 1 };

/** Tables in a scrambled order (a sync returns them in whatever order the warehouse lists them). */
function syntheticCatalog(): CatalogSnapshot {
  const tables: CatalogTable[] = [];
  for (const [schema, size] of Object.entries(SIZES)) {
    for (let i = 0; i < size; i++) {
      tables.push({
        schema,
        name: `t_${String(i).padStart(6, '0')}`,
        kind: i % 10 === 0 ? 'view' : 'table',
        comment: i % 7 === 0 ? `table ${i}` : null,
        rowEstimate: i % 3 === 0 ? null : i * 10,
        columns: [['id', 'BIGINT', false, null], ['note', 'VARCHAR', true, 'free text']],
      });
    }
  }
  // A deterministic shuffle (LCG), so the index has to sort.
  let seed = 42;
  for (let i = tables.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [tables[i], tables[j]] = [tables[j], tables[i]];
  }
  return { connectionId: 'big', dialect: 'postgres', syncedAt: '2026-01-01T00:00:00Z', tables };
}

describe('catalog tree paging', () => {
  const snapshot = syntheticCatalog();
  const index = indexCatalog(snapshot);

  test('the synthetic catalog has 50,000 tables', () => {
    assert.equal(snapshot.tables.length, 50_000);
  });

  test('schemas come in name order with their table and view counts', () => {
    assert.deepEqual(index.schemas.map((s) => s.name), ['analytics', 'raw', 'staging', 'zeta']);
    for (const schema of index.schemas) {
      const expected = snapshot.tables.filter((t) => t.schema === schema.name);
      assert.equal(schema.views, expected.filter((t) => t.kind === 'view').length, schema.name);
      assert.equal(schema.tables, expected.filter((t) => t.kind === 'table').length, schema.name);
      assert.equal(schema.tables + schema.views, SIZES[schema.name]);
    }
  });

  test('pages of 1,000 cover every table of a large schema exactly once, in name order', () => {
    const seen: string[] = [];
    let offset: number | undefined = 0;
    let pages = 0;
    while (offset !== undefined) {
      const page = tablePage(index, BIG, offset);
      pages++;
      assert.ok(page.tables.length <= TREE_PAGE_SIZE);
      assert.ok(page.tables.every((t) => t.schema === BIG));
      seen.push(...page.tables.map((t) => t.name));
      assert.equal(page.remaining, SIZES[BIG] - seen.length);
      offset = page.next;
    }
    assert.equal(pages, Math.ceil(SIZES[BIG] / TREE_PAGE_SIZE));
    assert.equal(seen.length, SIZES[BIG]);
    assert.equal(new Set(seen).size, SIZES[BIG]);
    assert.deepEqual(seen, [...seen].sort());
    assert.equal(seen[0], 't_000000');
    assert.equal(seen.at(-1), `t_${String(SIZES[BIG] - 1).padStart(6, '0')}`);
  });

  test('the first page ends with a next offset; the last has none', () => {
    const first = tablePage(index, BIG);
    assert.equal(first.tables.length, 1000);
    assert.equal(first.next, 1000);
    assert.equal(first.remaining, SIZES[BIG] - 1000);
    const last = tablePage(index, BIG, 45_000);
    assert.equal(last.tables.length, 500);
    assert.equal(last.next, undefined);
    assert.equal(last.remaining, 0);
    // A schema of exactly one page less one has no "more".
    const staging = tablePage(index, 'staging', 1000);
    assert.equal(staging.tables.length, 499);
    assert.equal(staging.next, undefined);
  });

  test('a page reads only its own tables from the snapshot and hands them over uncopied', () => {
    let reads = 0;
    const counted = new Proxy(snapshot.tables, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    const watched = indexCatalog({ ...snapshot, tables: counted });
    const built = reads;
    // Building the index reads each table a bounded number of times, not once per schema or page.
    assert.ok(built <= 3 * snapshot.tables.length, `indexing read ${built} tables`);
    reads = 0;
    const page = tablePage(watched, BIG, 20_000);
    assert.equal(reads, 1000, 'the page read exactly its 1,000 tables');
    reads = 0;
    tablePage(watched, BIG, 44_000);
    assert.equal(reads, 1000);
    assert.ok(page.tables.every((t) => snapshot.tables.includes(t)), 'the page holds the snapshot\'s own table objects');
  });

  test('an unknown schema, an offset past the end or a nonsense page size stay bounded', () => {
    assert.deepEqual(tablePage(index, 'nope'), { tables: [], remaining: 0 });
    assert.deepEqual(tablePage(index, 'zeta', 5), { tables: [], remaining: 0 });
    assert.equal(tablePage(index, BIG, -10).tables[0].name, 't_000000');
    assert.equal(tablePage(index, BIG, 0, 0).tables.length, 1);
    assert.equal(tablePage(index, BIG, 0, Number.NaN).tables.length, TREE_PAGE_SIZE);
    assert.equal(tablePage(index, BIG, 0, Number.POSITIVE_INFINITY).tables.length, TREE_PAGE_SIZE);
    assert.deepEqual(tablePage(index, BIG, Number.POSITIVE_INFINITY).tables.length, 1000);
    assert.equal(tablePage(index, BIG, Number.NaN).tables[0].name, 't_000000');
  });

  test('a schema named like an Object property is just a schema', () => {
    const odd = indexCatalog({ ...snapshot, tables: [{ schema: '__proto__', name: 'constructor', kind: 'table', comment: null, rowEstimate: 1, columns: [] }] });
    assert.deepEqual(odd.schemas.map((s) => s.name), ['__proto__']);
    assert.equal(tablePage(odd, '__proto__').tables[0].name, 'constructor');
    assert.deepEqual(tablePage(odd, 'toString'), { tables: [], remaining: 0 });
  });

  test('columns carry name, type, nullability and comment', () => {
    const table = tablePage(index, 'zeta').tables[0];
    assert.deepEqual(columnsOf(table), [
      { name: 'id', type: 'BIGINT', nullable: false, comment: null },
      { name: 'note', type: 'VARCHAR', nullable: true, comment: 'free text' },
    ]);
  });
});
