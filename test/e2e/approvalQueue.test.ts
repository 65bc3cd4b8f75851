// Approval cards are never lost, in a real VS Code: a question asked from the palette while the
// Pipewright panel has never been opened runs in the host, and its approval card appears when the
// panel opens; after the panel's webview reloads mid-run the card is shown again and answering it
// finishes the run (before, it was dropped and the run waited until Stop). The run's token usage
// is shown when it ends.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { startScriptedModel, type ScriptedModel } from '../support/scriptedModelServer';
import { EXTENSION_ID } from '../../scripts/codeServer';
import { runCommand, startCodeServer, waitFor, type CodeServer, testWithEvidence } from './codeServer';

const OUT = join(__dirname, '..', '..', 'test-output', 'e2e');
// A plain scan: the planner's estimate (thousands of rows) is above the limit set below.
const COUNT_SQL = 'SELECT order_id, status FROM orders WHERE order_id > 5';

describe('Approval cards survive a panel that is not ready', () => {
  let vscode: CodeServer;
  let model: ScriptedModel;

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    model = await startScriptedModel((request) => {
      const toolTurns = request.body.messages.filter((m) => m.role === 'tool').length;
      return toolTurns === 0
        ? { toolCalls: [{ name: 'run_sql', arguments: { sql: COUNT_SQL } }], usage: { prompt_tokens: 1200, completion_tokens: 30 } }
        : { text: 'Counted the orders.', usage: { prompt_tokens: 1300, completion_tokens: 8 } };
    });
    vscode = await startCodeServer({
      settings: {
        'pipewright.model.baseUrl': model.baseUrl,
        'pipewright.model.name': 'scripted-model',
        // Every read of the sample is a "large read" here: it needs the approval card (a machine
        // setting: the launcher writes it to code-server's Machine settings).
        'pipewright.security.maxEstimatedRows': 1,
      },
    });
  });

  after(async () => {
    await vscode?.close();
    await model?.close();
  });

  const test = testWithEvidence(OUT, 'queue-', () => vscode);

  test('Ask from the palette with the panel never opened: the card appears when the panel opens, and again after the panel reloads', async () => {
    await vscode.page.locator('.activitybar .action-item a[aria-label^="Pipewright"]').waitFor({ timeout: 60_000 });
    await runCommand(vscode.page, 'Pipewright: Set Model API Key');
    const key = vscode.page.locator('.quick-input-widget input[type="password"]');
    await key.waitFor({ timeout: 10_000 });
    await key.fill('sk-e2e-queue');
    await vscode.page.keyboard.press('Enter');
    // Storing the key is asynchronous: a question asked before it lands finds no key.
    await vscode.page.locator('.notifications-toasts .notification-toast', { hasText: 'API key stored' }).waitFor({ timeout: 20_000 });
    // The panel has not been opened in this window: its webview does not exist yet.
    assert.equal(await vscode.page.locator(`iframe.webview[src*="${EXTENSION_ID}"]`).count(), 0);

    await runCommand(vscode.page, 'Pipewright: Ask');
    const input = vscode.page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 10_000 });
    await input.fill('how many orders are there?');
    await vscode.page.keyboard.press('Enter');

    const card = () => vscode.panel.locator('[data-testid="run"]').last().locator('[data-testid="approval-card-approve"]');
    await card().waitFor({ timeout: 60_000 });
    assert.equal(await card().locator('[data-testid="approval-sql"]').innerText(), COUNT_SQL);
    await vscode.page.screenshot({ path: join(OUT, '30-approval-after-panel-opened.png') });

    // Reload the panel's webview while the run waits for the answer: a fresh document.
    await runCommand(vscode.page, 'Developer: Reload Webviews');
    await waitFor(async () => (await vscode.panel.locator('[data-testid="run"]').count().catch(() => 0)) === 1 && (await card().count().catch(() => 0)) === 1, 60_000, () => 'the approval card did not come back after the panel reloaded');
    assert.match(await vscode.panel.locator('[data-testid="run"] .question').innerText(), /how many orders are there\?/);
    await card().locator('[data-testid="approval-once"]').click();

    const run = vscode.panel.locator('[data-testid="run"]').last();
    await run.locator('[data-testid="run-status"][data-status="completed"]').waitFor({ timeout: 60_000 });
    assert.match(await run.locator('[data-testid="answer"]').innerText(), /Counted the orders/);
    // Usage from the server's last stream chunk, summed over the run's two model calls.
    assert.equal(await run.locator('[data-testid="run-usage"]').innerText(), 'Tokens: 2,500 prompt · 38 completion');
    await vscode.page.screenshot({ path: join(OUT, '31-approval-after-reload-answered.png') });
  });

  test('the conversation survives a window reload, and Search History finds its question', async () => {
    await runCommand(vscode.page, 'Developer: Reload Window');
    await vscode.page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    const icon = vscode.page.locator('.activitybar .action-item a[aria-label^="Pipewright"]');
    await icon.waitFor({ timeout: 60_000 });
    if (!(await vscode.panel.locator('[data-testid="transcript"]').isVisible().catch(() => false))) await icon.click();
    const saved = vscode.panel.locator('[data-testid="run"][data-saved="true"]');
    await saved.first().waitFor({ timeout: 60_000 });
    assert.match(await saved.first().locator('.question').innerText(), /how many orders are there\?/);
    assert.match(await saved.first().locator('[data-testid="answer"]').innerText(), /Counted the orders/);
    assert.ok((await saved.first().locator('[data-testid="result-grid"] tbody tr').count()) > 0, 'the result preview is kept');
    await vscode.page.screenshot({ path: join(OUT, '32-conversation-after-reload.png') });

    await runCommand(vscode.page, 'Pipewright: Search History');
    const rows = vscode.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await waitFor(async () => (await rows.allInnerTexts()).some((t) => /how many orders are there/.test(t)) && (await rows.allInnerTexts()).some((t) => /SELECT order_id, status FROM orders/.test(t)), 15_000, () => 'the history does not list the question and its SQL');
    await vscode.page.keyboard.press('Escape');
  });
});
