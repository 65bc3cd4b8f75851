// Restricted Mode in a real VS Code: with Workspace Trust on and the folder not trusted, the
// Pipewright panel says it runs nothing here, Ask is disabled, and no connection opens.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readPipewrightLog, runCommand, startCodeServer, type CodeServer } from './codeServer';

const OUT = join(__dirname, '..', '..', 'test-output', 'e2e');

describe('Pipewright in an untrusted workspace', () => {
  let vscode: CodeServer;

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    // No startup prompt: the folder simply stays untrusted.
    vscode = await startCodeServer({ workspaceTrust: true, settings: { 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'never' } });
  });

  after(async () => {
    await vscode?.close();
  });

  test('the panel says Restricted Mode, Ask is disabled, and the sample warehouse does not open', async () => {
    const icon = vscode.page.locator('.activitybar .action-item a[aria-label^="Pipewright"]');
    await icon.waitFor({ timeout: 60_000 });
    await icon.click();
    const card = vscode.panel.locator('[data-testid="restricted-card"]');
    await card.waitFor({ timeout: 60_000 });
    assert.match(await card.innerText(), /runs no tools, opens no connections and starts no processes/);
    assert.equal(await vscode.panel.locator('[data-testid="ask-button"]').getAttribute('disabled'), '');
    await vscode.page.screenshot({ path: join(OUT, '11-restricted-mode.png') });
    await runCommand(vscode.page, 'Pipewright: Open Sample Warehouse');
    const toast = vscode.page.locator('.notifications-toasts .notification-toast', { hasText: 'Restricted Mode' });
    await toast.waitFor({ timeout: 20_000 });
    // No connection was opened, so nothing was generated or attached.
    assert.doesNotMatch(readPipewrightLog(vscode.userDataDir), /Run .* on sample|Audit log:/);
  });
});
