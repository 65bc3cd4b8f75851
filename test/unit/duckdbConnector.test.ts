// The DuckDB connector against the real generated sample warehouse: types, streaming, caps,
// Stop and timeouts, the locked read path, catalog browsing, and the sample data itself.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  capCells,
  ConnectorError,
  QueryCancelledError,
  QueryTimeoutError,
  readAll,
  type QueryOptions,
  type Row,
} from '../../src/core/connectors/connector';
import { DuckDBConnector, sqlString } from '../../src/core/connectors/duckdb';
import { ensureSampleWarehouse } from '../../src/core/sample/sampleWarehouse';
import { makeTempDir, removeDir, withTempDir } from '../support/tempDirs';

const ENDLESS_SQL = 'SELECT count(*) FROM range(1000000000000) a';

describe('DuckDBConnector on the sample warehouse', () => {
  let dir: string;
  let path: string;
  let db: DuckDBConnector;
  let ordersCount: number;

  /** Runs `sql` and reads every batch; rejects with whatever the query or the stream throws. */
  async function run(sql: string, options?: QueryOptions) {
    return readAll(await db.query(sql, options));
  }

  async function scalar(sql: string): Promise<unknown> {
    const { rows } = await run(sql);
    assert.equal(rows.length, 1, `expected one row from ${sql}`);
    return rows[0][0];
  }

  before(async () => {
    dir = makeTempDir('duckdb');
    path = await ensureSampleWarehouse(dir);
    db = await DuckDBConnector.open({ id: 'sample', path });
    // Counted by streaming the rows themselves, not by count(*), so the count tests compare two ways.
    ordersCount = (await run('SELECT order_id FROM orders')).rows.length;
  });

  after(async () => {
    await db?.close();
    removeDir(dir);
  });

  // The database's own type names come through, including DECIMAL precision and count(*) as BIGINT.
  test('reports the column types of a result', async () => {
    const stream = await db.query(
      `SELECT oi.unit_price, o.order_date, oi.quantity, c.full_name, count(*) OVER () AS n
         FROM order_items oi JOIN orders o USING (order_id) JOIN customers c USING (customer_id) LIMIT 1`,
    );
    assert.deepEqual(stream.columns, [
      { name: 'unit_price', type: 'DECIMAL(10,2)' },
      { name: 'order_date', type: 'DATE' },
      { name: 'quantity', type: 'INTEGER' },
      { name: 'full_name', type: 'VARCHAR' },
      { name: 'n', type: 'BIGINT' },
    ]);
    const { rows } = await readAll(stream);
    assert.equal(rows.length, 1);
    assert.match(String(rows[0][0]), /^\d+\.\d{2}$/);
    assert.match(String(rows[0][1]), /^\d{4}-\d{2}-\d{2}$/);
  });

  // 64-bit counts arrive as exact JS numbers, equal to the number of rows actually streamed.
  test('returns BIGINT counts as JS numbers', async () => {
    const { columns, rows } = await run('SELECT count(*) AS n FROM orders');
    assert.equal(columns[0].type, 'BIGINT');
    assert.equal(typeof rows[0][0], 'number');
    assert.equal(rows[0][0], ordersCount);
    assert.ok(ordersCount > 1000, `the sample should have many orders, got ${ordersCount}`);
  });

  // HUGEINT sums are numbers too, but a BIGINT beyond 2^53 stays an exact string rather than rounding.
  test('keeps 64-bit integers exact: safe ones as numbers, unsafe ones as strings', async () => {
    const { columns, rows } = await run('SELECT sum(range) AS s, 9007199254740993::BIGINT AS big FROM range(10)');
    assert.equal(columns[0].type, 'HUGEINT');
    assert.deepEqual(rows, [[45, '9007199254740993']]);
  });

  // A result larger than one DuckDB chunk (2048 rows) arrives in several batches, in order.
  test('streams large results in several batches', async () => {
    const stream = await db.query('SELECT * FROM range(10000)');
    const sizes: number[] = [];
    let sum = 0;
    let expectedNext = 0;
    for await (const batch of stream.batches()) {
      sizes.push(batch.length);
      for (const [value] of batch) {
        assert.equal(value, expectedNext++);
        sum += value as number;
      }
    }
    assert.ok(sizes.length > 1, `expected more than one batch, got ${JSON.stringify(sizes)}`);
    assert.equal(sizes.reduce((a, b) => a + b, 0), 10000);
    assert.equal(sum, (9999 * 10000) / 2);
    assert.equal(stream.rowCount, 10000);
    assert.equal(stream.truncated, false);
  });

  // maxRows returns exactly the cap and marks the result truncated when rows were left out.
  test('caps the result at maxRows and marks it truncated', async () => {
    const { rows, truncated } = await run('SELECT * FROM range(10000)', { maxRows: 100 });
    assert.equal(rows.length, 100);
    assert.deepEqual(rows.at(-1), [99]);
    assert.equal(truncated, true);
  });

  // A result with exactly maxRows rows is complete, so it is not marked truncated.
  test('does not mark a result of exactly maxRows rows as truncated', async () => {
    const { rows, truncated } = await run('SELECT * FROM range(100)', { maxRows: 100 });
    assert.equal(rows.length, 100);
    assert.equal(truncated, false);
  });

  // The cap on a chunk boundary: the extra look-ahead fetch decides truncated either way.
  test('decides truncation correctly when the cap falls on a chunk boundary', async () => {
    const exact = await run('SELECT * FROM range(2048)', { maxRows: 2048 });
    assert.equal(exact.rows.length, 2048);
    assert.equal(exact.truncated, false);
    const more = await run('SELECT * FROM range(4096)', { maxRows: 2048 });
    assert.equal(more.rows.length, 2048);
    assert.equal(more.truncated, true);
  });

  // Stop interrupts an endless query on the server and surfaces as QueryCancelledError.
  test('an endless query aborted via its signal rejects with QueryCancelledError', async () => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 300);
    try {
      await assert.rejects(run(ENDLESS_SQL, { signal: controller.signal }), QueryCancelledError);
    } finally {
      clearTimeout(timer);
    }
  });

  // timeoutMs interrupts the query and is reported as a timeout, not as a user Stop.
  test('an endless query past timeoutMs rejects with QueryTimeoutError', async () => {
    await assert.rejects(run(ENDLESS_SQL, { timeoutMs: 300 }), (error: unknown) => {
      assert.ok(error instanceof QueryTimeoutError, `got ${String(error)}`);
      assert.ok(error instanceof ConnectorError);
      assert.match(error.hint ?? '', /timeout/);
      return true;
    });
  });

  // A signal that is already aborted stops the query before it starts.
  test('an already-aborted signal rejects at once', async () => {
    await assert.rejects(db.query(ENDLESS_SQL, { signal: AbortSignal.abort() }), QueryCancelledError);
  });

  // Stop pressed right after query() was called (while it opens its connection) must still stop it
  // (regression: the abort was once lost and the query ran on until its timeout).
  test('an abort fired while the connection opens is not lost', async () => {
    const controller = new AbortController();
    const pending = run(ENDLESS_SQL, { signal: controller.signal, timeoutMs: 2000 });
    controller.abort();
    await assert.rejects(pending, (error: unknown) => {
      assert.ok(error instanceof QueryCancelledError, `expected QueryCancelledError, got ${(error as Error)?.name}: ${(error as Error)?.message}`);
      return true;
    });
  });

  // Binary data comes back as \x and lowercase hex (the contract the connectors share), never as
  // raw bytes that could carry terminal escapes or NULs.
  test('BLOB values are shown as hex', async () => {
    const value = await scalar("SELECT '\\x00\\xFF\\x1B[31mA'::BLOB");
    assert.equal(value, '\\x00ff1b5b33316d41');
  });

  // SQL with a NUL is refused: DuckDB's C API would silently drop whatever follows it.
  test('SQL containing a NUL character is refused and nothing after it runs', async () => {
    await assert.rejects(run(`SELECT 1 \u0000; DROP TABLE orders`), /NUL character/);
    await assert.rejects(db.describeStatement(`SELECT 1 \u0000; DROP TABLE orders`), /NUL character/);
    assert.equal((await run('SELECT order_id FROM orders')).rows.length, ordersCount);
  });

  // Huge cells are cut for previews with a note of what was left out; short values are untouched.
  test('capCells shortens long text and nested values only', async () => {
    const { rows } = await run("SELECT repeat('x', 5000) AS big, 'short' AS small, [1, 2, 3] AS list, NULL AS nothing");
    const [capped] = capCells(rows, 100);
    assert.equal(capped[0], `${'x'.repeat(100)}… [4900 more characters]`);
    assert.equal(capped[1], 'short');
    assert.deepEqual(capped[2], [1, 2, 3]);
    assert.equal(capped[3], null);
    const letters = [...'abcdefghij'.repeat(20)];
    assert.equal(capCells([[letters]], 10)[0][0], `["a","b","… [${JSON.stringify(letters).length - 10} more characters]`);
  });

  // Stop pressed in the first milliseconds (between prepare and execution, where DuckDB clears a
  // pending interrupt) must stop the query itself, not leave it running until the timeout stops it.
  test('an abort in the first milliseconds of a query is never lost', async () => {
    const timeoutMs = 4000;
    for (let attempt = 0; attempt < 36; attempt++) {
      const delay = attempt % 3;
      const controller = new AbortController();
      setTimeout(() => controller.abort(), delay);
      const started = Date.now();
      await assert.rejects(run(ENDLESS_SQL, { signal: controller.signal, timeoutMs }), QueryCancelledError);
      // Functional, not a speed goal: ending before half the timeout shows the abort did it.
      const elapsed = Date.now() - started;
      assert.ok(elapsed < timeoutMs / 2, `abort after ${delay} ms took ${elapsed} ms: the timeout, not the abort, stopped the query`);
    }
  });

  // After an interrupted query the connector is still usable.
  test('answers a new query after an interrupted one', async () => {
    await assert.rejects(run(ENDLESS_SQL, { timeoutMs: 200 }), QueryTimeoutError);
    const { rows } = await run('SELECT 6 * 7 AS answer');
    assert.deepEqual(rows, [[42]]);
  });

  // No statement can change the warehouse, read or write files, load extensions or unlock the config.
  test('the read path is locked against writes, files, extensions and config changes', async () => {
    await withTempDir('lock', async (scratch) => {
      const csv = join(scratch, 'x.csv');
      const attached = join(scratch, 'evil.duckdb');
      const attempts: [string, RegExp][] = [
        ['DROP TABLE orders', /read-only/i],
        [`INSERT INTO orders VALUES (999999, 1, DATE '2024-01-01', 'completed', 'web')`, /read-only/i],
        [`SELECT * FROM read_csv('/etc/passwd')`, /disabled/i],
        [`ATTACH ${sqlString(attached)} AS evil`, /disabled/i],
        ['SET lock_configuration = false', /locked/i],
        ['SET enable_external_access = true', /locked/i],
        ['INSTALL httpfs', /disabled/i],
        [`COPY orders TO ${sqlString(csv)}`, /disabled/i],
      ];
      for (const [sql, reason] of attempts) {
        await assert.rejects(run(sql), (error: unknown) => {
          assert.ok(error instanceof ConnectorError, `${sql}: expected ConnectorError, got ${String(error)}`);
          assert.match(error.message, reason, `${sql} failed for another reason: ${error.message}`);
          return true;
        }, sql);
      }
      assert.equal(await scalar('SELECT count(*) FROM orders'), ordersCount);
      assert.deepEqual(readdirSync(scratch), [], 'no file may be written');
      assert.equal(existsSync(csv), false);
    });
  });

  // Several statements in one text are refused by query(); describeStatement counts them.
  test('refuses multi-statement text and describes it as two statements', async () => {
    await assert.rejects(run('SELECT 1; DROP TABLE orders'), (error: unknown) => {
      assert.ok(error instanceof ConnectorError);
      assert.match(error.message, /exactly one SQL statement, got 2/);
      return true;
    });
    assert.deepEqual(await db.describeStatement('SELECT 1; DROP TABLE orders'), { count: 2, kind: 'select' });
    assert.deepEqual(await db.describeStatement('DROP TABLE orders'), { count: 1, kind: 'drop' });
    assert.equal(await scalar('SELECT count(*) FROM orders'), ordersCount);
  });

  // listTables pages through the five tables in name order with next tokens until the last page.
  test('lists the tables page by page', async () => {
    const pages: { names: string[]; next?: string }[] = [];
    let token: string | undefined;
    do {
      const page = await db.listTables({ pageSize: 2, pageToken: token });
      pages.push({ names: page.items.map((t) => t.name), next: page.next });
      for (const t of page.items) {
        assert.equal(t.schema, 'main');
        assert.equal(t.kind, 'table');
        assert.ok((t.rowEstimate ?? 0) > 0, `${t.name} should have a positive row estimate`);
      }
      token = page.next;
    } while (token && pages.length < 10);
    assert.deepEqual(pages.map((p) => p.names.length), [2, 2, 1]);
    assert.ok(pages[0].next && pages[1].next, 'the first two pages carry a next token');
    assert.equal(pages[2].next, undefined);
    assert.deepEqual(pages.flatMap((p) => p.names), ['customers', 'order_items', 'orders', 'payments', 'products']);
  });

  // describeTable reports columns, the composite primary key and both foreign keys of order_items.
  test('describes order_items with its keys', async () => {
    const detail = await db.describeTable({ name: 'order_items' });
    assert.equal(detail.name, 'order_items');
    assert.deepEqual(detail.primaryKey, ['order_id', 'line_number']);
    const fks = [...detail.foreignKeys].sort((a, b) => a.columns[0].localeCompare(b.columns[0]));
    assert.deepEqual(fks, [
      { columns: ['order_id'], references: { table: 'orders', columns: ['order_id'] } },
      { columns: ['product_id'], references: { table: 'products', columns: ['product_id'] } },
    ]);
    assert.deepEqual(
      detail.columns.map((c) => [c.name, c.type, c.nullable]),
      [
        ['order_id', 'INTEGER', false],
        ['line_number', 'INTEGER', false],
        ['product_id', 'INTEGER', false],
        ['quantity', 'INTEGER', false],
        ['unit_price', 'DECIMAL(10,2)', false],
        ['discount', 'DECIMAL(4,2)', false],
      ],
    );
  });

  // A missing table is a ConnectorError that tells the user what to do.
  test('describeTable of a missing table throws a ConnectorError with a hint', async () => {
    await assert.rejects(db.describeTable({ name: 'no_such_table' }), (error: unknown) => {
      assert.ok(error instanceof ConnectorError);
      assert.match(error.message, /no_such_table/);
      assert.match(error.hint ?? '', /list_tables/);
      return true;
    });
  });

  // explain estimates a join's cardinality from the real plan; non-SELECTs cannot be explained.
  test('explain gives a positive row estimate for a join', async () => {
    const result = await db.explain('SELECT * FROM orders o JOIN order_items oi USING (order_id);');
    assert.ok(typeof result.estimatedRows === 'number' && result.estimatedRows > 0, `estimate ${result.estimatedRows}`);
    assert.ok(Array.isArray(JSON.parse(result.plan)));
    await assert.rejects(db.explain('DROP TABLE orders'), ConnectorError);
  });

  // The sample data contains the data-quality warts later checks are meant to find.
  test('the sample warehouse contains its deliberate warts', async () => {
    const nullEmails = (await scalar('SELECT count(*) FROM customers WHERE email IS NULL')) as number;
    const duplicateEmails = (await scalar(
      'SELECT count(*) FROM (SELECT email FROM customers WHERE email IS NOT NULL GROUP BY email HAVING count(*) > 1)',
    )) as number;
    const doubleCharged = (await scalar('SELECT count(*) FROM (SELECT order_id FROM payments GROUP BY order_id HAVING count(*) > 1)')) as number;
    const uncategorised = (await scalar('SELECT count(*) FROM products WHERE category IS NULL')) as number;
    assert.ok(nullEmails > 0, `null emails: ${nullEmails}`);
    assert.ok(duplicateEmails > 0, `duplicate emails: ${duplicateEmails}`);
    assert.ok(doubleCharged > 0, `orders with several payments: ${doubleCharged}`);
    // The generator drops the category of every 41st of 120 products: ids 41 and 82.
    assert.deepEqual((await run('SELECT product_id FROM products WHERE category IS NULL ORDER BY 1')).rows, [[41], [82]]);
    assert.equal(uncategorised, 2);
  });

  // Generation is deterministic: a second warehouse in another directory has identical content.
  test('the sample warehouse is identical when generated twice', async () => {
    await withTempDir('determinism', async (otherDir) => {
      const otherPath = await ensureSampleWarehouse(otherDir);
      assert.notEqual(otherPath, path);
      const other = await DuckDBConnector.open({ id: 'other', path: otherPath });
      try {
        const digest = async (connector: DuckDBConnector, table: string, key: string): Promise<Row> => {
          const { rows } = await readAll(
            await connector.query(`SELECT md5(string_agg(t::VARCHAR, '|' ORDER BY ${key})), count(*) FROM ${table} t`),
          );
          return rows[0];
        };
        for (const [table, key] of [['orders', 'order_id'], ['payments', 'payment_id']]) {
          const mine = await digest(db, table, key);
          const theirs = await digest(other, table, key);
          assert.match(String(mine[0]), /^[0-9a-f]{32}$/);
          assert.ok((mine[1] as number) > 0);
          assert.deepEqual(theirs, mine, `${table} differs between two generations`);
        }
      } finally {
        await other.close();
      }
    });
  });
});
