// The result grid in a real VS Code (code-server) and a real browser, on a real DuckDB result:
// numbers formatted for reading, NULL and non-finite values distinguishable, sort, filter, copy
// (read back by pasting into an editor) and export to CSV and JSON files read back from disk.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { startScriptedModel, type ScriptedModel } from '../support/scriptedModelServer';
import { askInPanel, openPanelWithKey, runCommand, startCodeServer, waitFor, type CodeServer, testWithEvidence } from './codeServer';

const OUT = join(__dirname, '..', '..', 'test-output', 'e2e');
const PLACEHOLDER = '(nothing pasted yet)\n';

const SQL = `SELECT id, name, revenue, ratio FROM (VALUES
  (1, 'Ada', 29072.3700::DECIMAL(18,4), 1.5::DOUBLE),
  (2, 'Bob', 5.5::DECIMAL(18,4), 'NaN'::DOUBLE),
  (3, '=HYPERLINK("http://example.com")', 1234567.1::DECIMAL(18,4), 'Infinity'::DOUBLE),
  (4, NULL, NULL, -2.25::DOUBLE)
) AS t(id, name, revenue, ratio) ORDER BY id`;

describe('the result grid in a real VS Code', () => {
  let model: ScriptedModel;
  let vscode: CodeServer;

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    model = await startScriptedModel((request) => {
      const turns = request.body.messages.filter((m) => m.role === 'tool').length;
      return turns === 0 ? { toolCalls: [{ name: 'run_sql', arguments: { sql: SQL } }] } : { text: 'Four accounts.' };
    });
    vscode = await startCodeServer({ clipboard: true, settings: { 'pipewright.model.baseUrl': model.baseUrl, 'pipewright.model.name': 'scripted-model' } });
    await openPanelWithKey(vscode, 'sk-e2e-grid');
  });

  after(async () => {
    await vscode?.close();
    await model?.close();
  });

  const test = testWithEvidence(OUT, '', () => vscode);

  const grid = () => vscode.panel.locator('[data-testid="result-grid"]').last();
  const column = async (index: number) => grid().locator(`tbody tr td:nth-child(${index + 1})`).allInnerTexts();
  const header = (name: string) => grid().locator('[data-testid="grid-header"]', { hasText: name });

  /** Pastes the clipboard over the whole of a scratch file, saves it, and returns what is on disk. */
  async function pasted(): Promise<string> {
    const file = join(vscode.workspace, 'paste.txt');
    writeFileSync(file, PLACEHOLDER);
    await runCommand(vscode.page, 'File: Open File...');
    const path = vscode.page.locator('.quick-input-widget input');
    await path.fill(file);
    await path.press('Enter');
    const lines = vscode.page.locator('.editor-instance .view-lines').first();
    // The editor renders spaces as no-break spaces.
    const shown = async () => (await lines.innerText()).replace(/\u00a0/g, ' ');
    await waitFor(async () => (await shown()).includes(PLACEHOLDER.trim()), 10_000, () => 'paste.txt did not open');
    await lines.click();
    await vscode.page.keyboard.press('Control+A');
    await vscode.page.keyboard.press('Control+V');
    await waitFor(async () => !(await shown()).includes(PLACEHOLDER.trim()), 10_000, () => 'nothing was pasted');
    await vscode.page.keyboard.press('Control+S');
    let text = PLACEHOLDER;
    await waitFor(() => (text = readFileSync(file, 'utf8')) !== PLACEHOLDER, 10_000, () => 'the pasted text was not saved');
    return text;
  }

  /** Answers the save dialog (code-server shows VS Code's own path input) with `path`. */
  async function saveAs(path: string): Promise<void> {
    const input = vscode.page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 15_000 });
    // The dialog fills in its default path once it is ready; typing before that would be overwritten.
    await waitFor(async () => (await input.inputValue()).endsWith('result.csv') || (await input.inputValue()).endsWith('result.json'), 15_000, () => 'the save dialog did not offer its default name');
    await input.fill(path);
    await input.press('Enter');
    await waitFor(() => existsSync(path), 15_000, () => `nothing was written to ${path}`);
  }

  test('numbers read formatted, NULL and non-finite values show as such', async () => {
    await askInPanel(vscode, 'revenue and ratio per account');
    assert.equal(await grid().locator('tbody tr').count(), 4);
    assert.deepEqual(await column(2), ['29,072.3700', '5.5000', '1,234,567.1000', 'NULL']);
    assert.deepEqual(await column(3), ['1.5', 'NaN', 'Infinity', '-2.25']);
    assert.deepEqual(await column(1), ['Ada', 'Bob', '=HYPERLINK("http://example.com")', 'NULL']);
    assert.equal(await grid().locator('tbody tr').nth(3).locator('td.null').count(), 2, 'the NULL cells are marked as NULL, not text');
  });

  test('a header click sorts (NULL last, NaN above every number), a second click reverses', async () => {
    await header('revenue').click();
    assert.deepEqual(await column(0), ['2', '1', '3', '4']);
    assert.equal(await header('revenue').getAttribute('aria-sort'), 'ascending');
    await header('revenue').click();
    assert.deepEqual(await column(0), ['3', '1', '2', '4']);
    await header('ratio').click();
    assert.deepEqual(await column(3), ['-2.25', '1.5', 'Infinity', 'NaN']);
    await header('ratio').click();
    await header('ratio').click(); // third click: back to the query's order
    assert.deepEqual(await column(0), ['1', '2', '3', '4']);
  });

  test('the filter keeps matching rows and says how many are shown', async () => {
    const filter = grid().locator('[data-testid="grid-filter"] input');
    await filter.fill('ada');
    await waitFor(async () => (await column(0)).join() === '1', 5_000, () => 'the filter did not apply');
    assert.equal(await grid().locator('[data-testid="result-count"]').innerText(), '1 of 4 rows shown');
    // The exact value matches too, not only what is displayed.
    await filter.fill('29072.37');
    await waitFor(async () => (await column(0)).join() === '1', 5_000, () => 'the filter did not match the exact value');
    await filter.fill('');
    await waitFor(async () => (await column(0)).length === 4, 5_000, () => 'clearing the filter did not bring the rows back');
  });

  test('copy a cell, a row and a column: the clipboard holds the exact values', async () => {
    await grid().locator('tbody tr').first().locator('td').nth(2).click();
    await grid().locator('[data-testid="grid-copy-cell"]').click();
    assert.equal(await pasted(), '29072.3700');
    await grid().locator('[data-testid="grid-copy-row"]').click();
    assert.equal(await pasted(), '1\tAda\t29072.3700\t1.5');
    await grid().locator('[data-testid="grid-copy-column"]').click();
    // One value per line, in the shown order; the NULL is the empty last line.
    assert.equal(await pasted(), '29072.3700\n5.5000\n1234567.1000\n');
  });

  test('export as CSV and JSON through a save dialog: the files hold the exact values, in the shown order', async () => {
    await vscode.page.keyboard.press('Escape');
    await header('revenue').click();
    await header('revenue').click(); // descending: 3, 1, 2, 4
    const csvPath = join(vscode.workspace, 'accounts.csv');
    await grid().locator('[data-testid="grid-export-csv"]').click();
    await saveAs(csvPath);
    assert.equal(readFileSync(csvPath, 'utf8'), [
      'id,name,revenue,ratio',
      `3,"'=HYPERLINK(""http://example.com"")",1234567.1000,Infinity`,
      '1,Ada,29072.3700,1.5',
      '2,Bob,5.5000,NaN',
      '4,,,-2.25',
      '',
    ].join('\r\n'));

    const jsonPath = join(vscode.workspace, 'accounts.json');
    await grid().locator('[data-testid="grid-export-json"]').click();
    await saveAs(jsonPath);
    assert.deepEqual(JSON.parse(readFileSync(jsonPath, 'utf8')), [
      { id: 3, name: '=HYPERLINK("http://example.com")', revenue: '1234567.1000', ratio: 'Infinity' },
      { id: 1, name: 'Ada', revenue: '29072.3700', ratio: 1.5 },
      { id: 2, name: 'Bob', revenue: '5.5000', ratio: 'NaN' },
      { id: 4, name: null, revenue: null, ratio: -2.25 },
    ]);
    // The shot: the sorted grid beside the exported CSV opened in the editor.
    await runCommand(vscode.page, 'File: Open File...');
    await vscode.page.locator('.quick-input-widget input').fill(csvPath);
    await vscode.page.locator('.quick-input-widget input').press('Enter');
    await waitFor(async () => (await vscode.page.locator('.editor-instance .view-lines').first().innerText()).includes('1,Ada,29072.3700'), 15_000, () => 'the exported CSV did not open');
    await grid().scrollIntoViewIfNeeded();
    await vscode.page.screenshot({ path: join(OUT, 'grid-export.png') });
  });
});
