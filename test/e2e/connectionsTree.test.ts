// The Connections tree in a real VS Code (code-server): a connection opens into schemas, tables
// and columns from its cached catalog. Without a cache it offers "Sync Catalog…" (expanding never
// syncs by itself); a schema of more than 1,000 tables is paged behind a "more" row.
// Screenshots go to test-output/e2e/.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test as nodeTest } from 'node:test';
import { createDuckDbFile, readPipewrightLog, runCommand, startCodeServer, waitFor, type CodeServer } from './codeServer';

const OUT = join(__dirname, '..', '..', 'test-output', 'e2e');
const WIDE_TABLES = 1003;
const tableName = (i: number) => `t_${String(i).padStart(4, '0')}`;

describe('The Connections tree in a real VS Code', () => {
  let vscode: CodeServer;
  const dir = mkdtempSync(join(tmpdir(), 'pw-e2e-tree-'));
  const wideFile = join(dir, 'wide.duckdb');

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    await createDuckDbFile(wideFile, [
      'CREATE SCHEMA bulk; CREATE SCHEMA reporting',
      Array.from({ length: WIDE_TABLES }, (_, i) => `CREATE TABLE bulk.${tableName(i)} (id INTEGER NOT NULL, note VARCHAR)`).join(';\n'),
      "CREATE VIEW reporting.recent AS SELECT id FROM bulk.t_0000; COMMENT ON VIEW reporting.recent IS 'Newest rows'",
    ]);
    vscode = await startCodeServer({
      settings: { 'pipewright.connections': [{ id: 'wide', kind: 'duckdb', label: 'Wide', path: wideFile, environment: 'dev' }] },
    });
  });

  after(async () => {
    await vscode?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function test(name: string, body: () => Promise<void>): void {
    nodeTest(name, async () => {
      try {
        await body();
      } catch (error) {
        const slug = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
        await vscode.page.screenshot({ path: join(OUT, `failed-tree-${slug}.png`) }).catch(() => undefined);
        writeFileSync(join(OUT, `failed-tree-${slug}.log`), readPipewrightLog(vscode.userDataDir));
        throw error;
      }
    });
  }

  const row = (level: number, label: string) => vscode.page.locator(`.pane-body .monaco-list-row[aria-level="${level}"][aria-label^="${label}"]`).first();
  const labels = async (level: number) =>
    vscode.page.locator(`.pane-body .monaco-list-row[aria-level="${level}"]`).evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''));
  async function expand(level: number, label: string): Promise<void> {
    const r = row(level, label);
    await r.waitFor({ timeout: 30_000 });
    if ((await r.getAttribute('aria-expanded')) !== 'true') await r.click();
    await waitFor(async () => (await r.getAttribute('aria-expanded')) === 'true', 10_000, () => `${label} did not expand`);
  }
  async function collapse(level: number, label: string): Promise<void> {
    const r = row(level, label);
    if ((await r.getAttribute('aria-expanded')) === 'true') await r.click();
    await waitFor(async () => (await r.getAttribute('aria-expanded')) === 'false', 10_000, () => `${label} did not collapse`);
  }

  test('the sample warehouse offers Sync Catalog…, then opens into its schema, a table and its columns', async () => {
    await runCommand(vscode.page, 'Pipewright: Open Sample Warehouse');
    // The tree's list is virtual: the Chat view is collapsed so the Connections view has room.
    const chat = vscode.page.locator('.pane-header', { hasText: 'Chat' }).first();
    await chat.waitFor({ timeout: 30_000 });
    if ((await chat.getAttribute('aria-expanded')) === 'true') await chat.click();
    await waitFor(async () => (await chat.getAttribute('aria-expanded')) === 'false', 10_000, () => 'the Chat view did not collapse');
    await expand(1, 'Sample warehouse');
    // A fresh profile has no cached catalog: the only child asks to sync (nothing synced on expand).
    const sync = row(2, 'Sync Catalog…');
    await sync.waitFor({ timeout: 30_000 });
    assert.deepEqual(await labels(2), ['Sync Catalog…']);
    await vscode.page.screenshot({ path: join(OUT, 'tree-01-sync-catalog.png') });
    await sync.click();
    await row(2, 'main schema').waitFor({ timeout: 60_000 });
    assert.match((await row(2, 'main schema').getAttribute('aria-label')) ?? '', /^main schema, 5 tables$/);
    await expand(2, 'main schema');
    await waitFor(async () => (await labels(3)).length >= 5, 20_000, () => 'the tables of main did not appear');
    assert.deepEqual(await labels(3), ['customers table', 'order_items table', 'orders table', 'payments table', 'products table']);
    await expand(3, 'customers table');
    await waitFor(async () => (await labels(4)).length >= 6, 20_000, () => 'the columns of customers did not appear');
    assert.deepEqual(await labels(4), [
      'customer_id INTEGER not null', 'full_name VARCHAR not null', 'email VARCHAR',
      'country VARCHAR not null', 'segment VARCHAR not null', 'signup_date DATE not null',
    ]);
    // The type is the row's description.
    assert.equal(await row(4, 'email VARCHAR').locator('.label-description').innerText(), 'VARCHAR');
    await vscode.page.screenshot({ path: join(OUT, 'tree-02-columns.png') });
    await collapse(1, 'Sample warehouse');
  });

  test('a schema of more than 1,000 tables shows the first 1,000 and a row that loads the rest; views have their own icon', async () => {
    await expand(1, 'Wide');
    await row(2, 'Sync Catalog…').click();
    await row(2, 'bulk schema').waitFor({ timeout: 60_000 });
    assert.deepEqual(await labels(2), [`bulk schema, ${WIDE_TABLES.toLocaleString('en-US')} tables`, 'reporting schema, 1 view']);

    await expand(2, 'reporting schema');
    const view = row(3, 'recent view');
    await view.waitFor({ timeout: 20_000 });
    assert.equal(await view.locator('.codicon-eye').count(), 1, 'a view has the eye icon');
    await collapse(2, 'reporting schema');

    await expand(2, 'bulk schema');
    await row(3, `${tableName(0)} table`).waitFor({ timeout: 20_000 });
    // The list is virtual: End focuses (and so renders) the last row of the tree.
    await row(3, `${tableName(0)} table`).click();
    const more = row(3, '3 more…');
    await waitFor(async () => {
      await vscode.page.keyboard.press('End');
      return more.isVisible();
    }, 20_000, () => 'no "3 more…" row at the end of the first page');
    await waitFor(async () => (await labels(3)).includes(`${tableName(999)} table`), 10_000, () => `the first page does not end at ${tableName(999)}`);
    assert.ok(!(await labels(3)).includes(`${tableName(1000)} table`), 'only the first 1,000 tables are listed');
    await vscode.page.screenshot({ path: join(OUT, 'tree-03-more.png') });
    // The virtual list may re-render (and drop the row) between looking and clicking: bring it
    // back to the end and click it in one step, until the click lands.
    await waitFor(async () => {
      await vscode.page.keyboard.press('End');
      if (!(await more.isVisible())) return false;
      await more.click({ timeout: 2_000 });
      return true;
    }, 20_000, () => 'the "3 more…" row could not be clicked');
    let last: string[] = [];
    await waitFor(async () => {
      await vscode.page.keyboard.press('End');
      last = await labels(3);
      return last.at(-1) === `${tableName(WIDE_TABLES - 1)} table`;
    }, 20_000, () => `the next page did not load (last rows: ${last.slice(-3).join(', ')})`);
    assert.ok(!last.some((l) => /more…/.test(l)), 'no "more" row once all are shown');
    await vscode.page.screenshot({ path: join(OUT, 'tree-04-all.png') });
  });
});
