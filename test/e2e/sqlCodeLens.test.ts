// Run your own SQL in a real VS Code (code-server): a .sql file in the workspace gets a CodeLens
// per statement; clicking it asks for the connection once, runs the statement under the same
// policy as the model's calls and shows the result grid in the Pipewright panel. A DROP asks for
// the table's name to be typed. Screenshots go to test-output/e2e/.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { runCommand, startCodeServer, waitFor, type CodeServer, createDuckDbFile, testWithEvidence } from './codeServer';

const OUT = join(__dirname, '..', '..', 'test-output', 'e2e');

const REPORT_SQL = `-- Orders per status; the ; in this comment is not a statement boundary
SELECT status, count(*) AS orders FROM orders GROUP BY status ORDER BY status;

SELECT 'a;b' AS not_two_statements;
`;
const CLEANUP_SQL = 'DROP TABLE scratch;\n';
// Longer than the 300 characters the audit view used to cut statements at.
const LONG_SQL = `SELECT ${Array.from({ length: 30 }, (_, i) => `order_id + ${i} AS order_plus_${i}`).join(', ')} FROM orders WHERE status <> 'the last words of a long statement' LIMIT 3`;

describe('Run SQL from a CodeLens in a real VS Code', () => {
  let vscode: CodeServer;
  const scratchDir = mkdtempSync(join(tmpdir(), 'pw-e2e-sql-'));
  const scratchFile = join(scratchDir, 'scratch.duckdb');

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    await createDuckDbFile(scratchFile, ['CREATE TABLE scratch (n INTEGER)']);
    vscode = await startCodeServer({
      workspaceFiles: { 'report.sql': REPORT_SQL, 'cleanup.sql': CLEANUP_SQL, 'long.sql': `${LONG_SQL};\n` },
      settings: { 'pipewright.connections': [{ id: 'scratch', kind: 'duckdb', label: 'Scratch', path: scratchFile, environment: 'staging', readOnly: false }] },
    });
  });

  after(async () => {
    await vscode?.close();
    rmSync(scratchDir, { recursive: true, force: true });
  });

  const test = testWithEvidence(OUT, 'sql-', () => vscode);

  async function openFile(name: string): Promise<void> {
    const page = vscode.page;
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 10_000 });
    await input.fill(name);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');
    await page.locator(`.tabs-container .tab[aria-label^="${name}"]`).waitFor({ timeout: 10_000 });
  }

  /** The CodeLens links of the visible editor, by their text (codicons render as empty spans). */
  const lens = (text: RegExp) => vscode.page.locator('.editor-instance .codelens-decoration a', { hasText: text });

  async function pickConnection(label: string): Promise<void> {
    const row = vscode.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: label }).first();
    await row.waitFor({ timeout: 15_000 });
    await row.click();
  }

  test('a CodeLens runs the statement on the chosen connection and the panel shows the grid', async () => {
    await vscode.page.locator('.activitybar .action-item a[aria-label^="Pipewright"]').waitFor({ timeout: 60_000 });
    await openFile('report.sql');
    // One Run per statement (the semicolons in the comment and the string are not boundaries), and Run all.
    await waitFor(async () => (await lens(/^\W*Run$/).count()) === 2, 60_000, () => 'the Run CodeLenses did not appear');
    assert.equal(await lens(/Run all 2/).count(), 1);
    assert.equal(await lens(/Choose connection/).count(), 1);
    // The panel must be ready first: a run that ends before it is comes back as a saved turn
    // (answer and grid only), which approvalQueue.test.ts covers.
    const askInput = vscode.panel.locator('[data-testid="ask-input"]');
    if (!(await askInput.isVisible().catch(() => false))) {
      await vscode.page.locator('.activitybar .action-item a[aria-label^="Pipewright"]').click();
    }
    await askInput.waitFor({ timeout: 60_000 });
    await lens(/^\W*Run$/).first().click();
    await pickConnection('Sample warehouse');

    const run = vscode.panel.locator('[data-testid="run"]').last();
    await run.locator('[data-testid="run-status"][data-status="completed"]').waitFor({ timeout: 60_000 });
    assert.match(await run.locator('.question').innerText(), /Run SQL from report\.sql \(line 2\)/);
    assert.equal(await run.locator('[data-testid="tool-sql"]').innerText(), 'SELECT status, count(*) AS orders FROM orders GROUP BY status ORDER BY status');
    const grid = run.locator('[data-testid="result-grid"]');
    assert.deepEqual(await grid.locator('thead th > span:first-child').allInnerTexts(), ['status', 'orders']);
    assert.ok((await grid.locator('tbody tr').count()) >= 2, 'one row per order status');
    // The file now runs on the sample warehouse without asking again.
    await waitFor(async () => (await lens(/Sample warehouse/).count()) === 1, 15_000, () => 'the CodeLens does not name the chosen connection');
    await vscode.page.screenshot({ path: join(OUT, '20-sql-codelens-grid.png') });
  });

  test('a DROP from the CodeLens asks for the table name, and rejecting it keeps the table', async () => {
    await openFile('cleanup.sql');
    await waitFor(async () => (await lens(/^\W*Run$/).count()) === 1, 60_000, () => 'the Run CodeLens did not appear');
    await lens(/^\W*Run$/).first().click();
    await pickConnection('Scratch');
    const run = vscode.panel.locator('[data-testid="run"]').last();
    const card = run.locator('.approval.confirm');
    await card.waitFor({ timeout: 60_000 });
    assert.equal(await card.locator('[data-testid="approval-sql"]').innerText(), 'DROP TABLE scratch');
    assert.match(await card.innerText(), /Type scratch to run it/);
    assert.match(await card.innerText(), /Scratch[\s\S]*STAGING/);
    await card.locator('[data-testid="approval-typed"] input').fill('scratc');
    assert.equal(await card.locator('[data-testid="approval-confirm"]').getAttribute('disabled'), '');
    await vscode.page.screenshot({ path: join(OUT, '21-sql-codelens-drop-confirm.png') });
    await card.locator('[data-testid="approval-reject"]').click();
    await run.locator('[data-testid="run-status"][data-status="failed"]').waitFor({ timeout: 30_000 });
    assert.match(await run.locator('[data-testid="run-status"]').innerText(), /rejected/);
  });

  test('Run SQL Statement from the palette runs the statement under the cursor; Show Audit Log shows it whole, in one read-only view', async () => {
    await openFile('long.sql');
    await vscode.page.locator('.editor-instance .view-lines').click();
    await runCommand(vscode.page, 'Pipewright: Run SQL Statement');
    await pickConnection('Sample warehouse');
    const run = vscode.panel.locator('[data-testid="run"]').last();
    await run.locator('[data-testid="run-status"][data-status="completed"]').waitFor({ timeout: 60_000 });
    assert.equal(await run.locator('[data-testid="result-grid"] tbody tr').count(), 3);

    const previewText = async () => (await Promise.all(vscode.page.frames().map((f) => f.locator('body').innerText({ timeout: 1000 }).catch(() => '')))).join('\n');
    for (let i = 0; i < 2; i++) {
      await runCommand(vscode.page, 'Pipewright: Show Audit Log');
      await waitFor(async () => /hash chain of all \d+ lines verifies[\s\S]*the last words of a long statement/.test(await previewText()), 30_000, () => 'the audit log view does not show the whole statement');
    }
    // One view however often it is opened, and nothing to save when the window closes.
    assert.equal(await vscode.page.locator('.tabs-container .tab', { hasText: 'audit log' }).count(), 1);
    assert.equal(await vscode.page.locator('.tabs-container .tab.dirty').count(), 0);
    await vscode.page.screenshot({ path: join(OUT, '22-audit-log-full-sql.png') });
  });

  test('Open Sample Warehouse chooses the sample in the panel', async () => {
    const select = vscode.panel.locator('[data-testid="connection-select"]');
    await select.click();
    await vscode.panel.locator('[data-testid="connection-select"] li', { hasText: 'Scratch' }).first().click();
    await waitFor(async () => (await vscode.panel.locator('[data-testid="env-badge"]').innerText()) === 'STAGING', 10_000, () => 'Scratch was not chosen');
    await runCommand(vscode.page, 'Pipewright: Open Sample Warehouse');
    await waitFor(async () => (await vscode.panel.locator('[data-testid="env-badge"]').innerText()) === 'DEV', 30_000, () => 'the panel did not switch to the sample warehouse');
    const row = vscode.page.locator('.pane-body .monaco-list-row[aria-label^="Sample warehouse"]').first();
    await waitFor(async () => (await row.getAttribute('aria-selected')) === 'true', 15_000, () => 'the sample is not selected under Connections');
  });
});
