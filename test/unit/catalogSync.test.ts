// Catalog sync on a real PostgreSQL and on DuckDB: a full sync, an incremental refresh that
// re-reads only changed tables, the on-disk cache, and Stop.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readCatalog, writeCatalog } from '../../src/core/catalog/catalogCache';
import { syncCatalog, type CatalogSnapshot } from '../../src/core/catalog/catalogSync';
import { QueryCancelledError } from '../../src/core/connectors/connector';
import { DuckDBConnector } from '../../src/core/connectors/duckdb';
import { PostgresConnector } from '../../src/core/connectors/postgres';
import { ensureSampleWarehouse } from '../../src/core/sample/sampleWarehouse';
import { startPostgres, type TestPostgres } from '../support/postgresServer';
import { makeTempDir, removeDir } from '../support/tempDirs';

const TABLES = 40;

describe('catalog sync', () => {
  let server: TestPostgres;
  let connector: PostgresConnector;
  let dir: string;

  before(async () => {
    dir = makeTempDir('catalog');
    server = await startPostgres();
    await server.sql('DROP SCHEMA IF EXISTS lake CASCADE');
    await server.sql('CREATE SCHEMA lake');
    await server.sql(`DO $$ BEGIN FOR i IN 1..${TABLES} LOOP
      EXECUTE format('CREATE TABLE lake.t%s (id int PRIMARY KEY, name text, amount numeric(10,2), seen_at timestamptz)', i);
    END LOOP; END $$`);
    await server.sql(`COMMENT ON COLUMN lake.t1.amount IS 'in euros'`);
    connector = await PostgresConnector.open({ id: 'lake', host: server.host, port: server.port, database: server.database, user: server.admin.user, password: server.admin.password });
  });

  after(async () => {
    await connector?.close();
    await server?.stop();
    if (dir) removeDir(dir);
  });

  const lakeTables = (s: CatalogSnapshot) => s.tables.filter((t) => t.schema === 'lake');
  const find = (s: CatalogSnapshot, name: string) => s.tables.find((t) => t.schema === 'lake' && t.name === name);

  // A full sync reads every table and column in pages, with comments and types.
  test('a full sync lists every table with its columns', async () => {
    const phases = new Set<string>();
    const { snapshot, mode, fetchedTables } = await syncCatalog(connector, { onProgress: (p) => phases.add(p.phase) });
    assert.equal(mode, 'full');
    assert.equal(lakeTables(snapshot).length, TABLES);
    assert.equal(fetchedTables, snapshot.tables.length);
    assert.deepEqual(find(snapshot, 't1')?.columns, [
      ['id', 'integer', false, null],
      ['name', 'text', true, null],
      ['amount', 'numeric(10,2)', true, 'in euros'],
      ['seen_at', 'timestamp with time zone', true, null],
    ]);
    assert.ok(lakeTables(snapshot).every((t) => t.version), 'every table has a version');
    assert.deepEqual([...phases].sort(), ['columns', 'tables', 'versions']);
  });

  // After changes, only new or changed tables are re-read; dropped ones disappear.
  test('an incremental refresh re-reads only what changed', async () => {
    const first = (await syncCatalog(connector)).snapshot;
    const unchanged = await syncCatalog(connector, { previous: first });
    assert.equal(unchanged.mode, 'incremental');
    assert.equal(unchanged.fetchedTables, 0);
    assert.deepEqual(unchanged.snapshot.tables, first.tables);

    await server.sql('ALTER TABLE lake.t2 ADD COLUMN region text');
    await server.sql(`COMMENT ON TABLE lake.t3 IS 'now documented'`);
    await server.sql(`COMMENT ON COLUMN lake.t4.name IS 'display name'`);
    await server.sql('DROP TABLE lake.t5');
    await server.sql('CREATE TABLE lake.t_new (k bigint)');
    const refreshed = await syncCatalog(connector, { previous: first });
    assert.equal(refreshed.mode, 'incremental');
    assert.equal(refreshed.fetchedTables, 4, 't2, t3, t4 and t_new');
    assert.equal(refreshed.removedTables, 1);
    assert.equal(lakeTables(refreshed.snapshot).length, TABLES);
    assert.deepEqual(find(refreshed.snapshot, 't2')?.columns.map((c) => c[0]), ['id', 'name', 'amount', 'seen_at', 'region']);
    assert.equal(find(refreshed.snapshot, 't3')?.comment, 'now documented');
    assert.equal(find(refreshed.snapshot, 't4')?.columns[1][3], 'display name');
    assert.equal(find(refreshed.snapshot, 't5'), undefined);
    assert.deepEqual(find(refreshed.snapshot, 't_new')?.columns, [['k', 'bigint', true, null]]);
    // Untouched tables keep exactly what the first sync read.
    assert.deepEqual(find(refreshed.snapshot, 't9'), find(first, 't9'));
    // And the result equals what a fresh full sync sees.
    const full = (await syncCatalog(connector)).snapshot;
    assert.deepEqual(refreshed.snapshot.tables, full.tables);
  });

  // The cache round-trips, is replaced atomically, and a corrupt file reads as "no cache".
  test('the on-disk cache round-trips and survives corruption', async () => {
    const { snapshot } = await syncCatalog(connector);
    const path = join(dir, 'lake.catalog.jsonl.gz');
    await writeCatalog(path, snapshot);
    assert.deepEqual(await readCatalog(path), snapshot);
    writeFileSync(path, 'not gzip at all');
    assert.equal(await readCatalog(path), undefined);
    assert.equal(await readCatalog(join(dir, 'missing.gz')), undefined);
  });

  // Stop ends a sync between pages.
  test('a sync can be stopped', async () => {
    const controller = new AbortController();
    await assert.rejects(syncCatalog(connector, { signal: controller.signal, onProgress: (p) => p.phase === 'tables' && controller.abort() }), QueryCancelledError);
  });

  // DuckDB has no version fingerprints: every sync is a full one, and it is correct.
  test('DuckDB syncs fully', async () => {
    const duck = await DuckDBConnector.open({ id: 'sample', path: await ensureSampleWarehouse(join(dir, 'duck')) });
    try {
      const { snapshot, mode } = await syncCatalog(duck);
      assert.equal(mode, 'full');
      assert.deepEqual(snapshot.tables.map((t) => t.name), ['customers', 'order_items', 'orders', 'payments', 'products']);
      assert.deepEqual(snapshot.tables.find((t) => t.name === 'orders')?.columns.map((c) => c[0]), ['order_id', 'customer_id', 'order_date', 'status', 'channel']);
      assert.equal(snapshot.tables.find((t) => t.name === 'customers')?.columns.find((c) => c[0] === 'email')?.[3], 'Contact email; may be missing.');
    } finally {
      await duck.close();
    }
  });
});
