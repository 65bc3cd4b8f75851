// Panel friction in a real VS Code (code-server): the chat gets most of the side bar, an approval
// card is shown above the input box, Stop while it waits says "stopped" (not "refused" as well),
// and the card keeps the exact SQL with a formatted view only beside it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { startScriptedModel, type ScriptedModel } from '../support/scriptedModelServer';
import { openPanelWithKey, startCodeServer, type CodeServer, createDuckDbFile, testWithEvidence } from './codeServer';

const OUT = join(__dirname, '..', '..', 'test-output', 'e2e');
const INSERT = "INSERT INTO scratch SELECT n, 'row ' || n FROM range(3) t(n) WHERE n > 0";

describe('panel friction in a real VS Code', () => {
  let model: ScriptedModel;
  let vscode: CodeServer;
  const scratchDir = mkdtempSync(join(tmpdir(), 'pw-e2e-friction-'));
  const scratchFile = join(scratchDir, 'scratch.duckdb');

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    await createDuckDbFile(scratchFile, ['CREATE TABLE scratch (n BIGINT, label VARCHAR)']);
    model = await startScriptedModel((request) => {
      const turns = request.body.messages.filter((m) => m.role === 'tool').length;
      return turns === 0 ? { text: 'Adding rows.', toolCalls: [{ name: 'execute_sql', arguments: { sql: INSERT } }] } : { text: 'Done.' };
    });
    vscode = await startCodeServer({
      settings: {
        'pipewright.model.baseUrl': model.baseUrl,
        'pipewright.model.name': 'scripted-model',
        'pipewright.connections': [{ id: 'scratch', kind: 'duckdb', label: 'Scratch', path: scratchFile, environment: 'staging', readOnly: false }],
      },
    });
  });

  after(async () => {
    await vscode?.close();
    await model?.close();
    rmSync(scratchDir, { recursive: true, force: true });
  });

  const test = testWithEvidence(OUT, '', () => vscode);

  const paneHeight = async (title: string) => {
    const pane = vscode.page.locator('.part.sidebar .pane', { has: vscode.page.locator('.pane-header', { hasText: title }) }).first();
    return (await pane.boundingBox())?.height ?? 0;
  };

  test('the chat gets most of the side bar; Connections a small share', async () => {
    await openPanelWithKey(vscode, 'sk-e2e-friction');
    const chat = await paneHeight('Chat');
    const connections = await paneHeight('Connections');
    assert.ok(connections > 0, 'the Connections view is still there');
    assert.ok(chat >= 3 * connections, `chat ${chat}px vs connections ${connections}px`);
  });

  test('an approval card shows above the input box, with the exact SQL and a formatted view only beside it', async () => {
    await vscode.panel.locator('[data-testid="connection-select"]').click();
    await vscode.panel.locator('[data-testid="connection-select"] li', { hasText: 'Scratch' }).first().click();
    const textarea = vscode.panel.locator('[data-testid="ask-input"] textarea');
    await textarea.fill('add two rows to scratch');
    await textarea.press('Enter');
    const run = vscode.panel.locator('[data-testid="run"]').last();
    const card = run.locator('[data-testid="approval-card-approve"]');
    await card.waitFor({ timeout: 30_000 });
    const buttons = await card.locator('.actions').boundingBox();
    const composer = await vscode.panel.locator('.composer').boundingBox();
    assert.ok(buttons && composer && buttons.y + buttons.height <= composer.y + 1, `the card's buttons (${JSON.stringify(buttons)}) are above the input box (${JSON.stringify(composer)})`);
    assert.match(await run.locator('[data-testid="run-status"]').innerText(), /Waiting for your answer/);

    // What runs is shown exactly; the formatted view is opened beside it and says it is not what runs.
    assert.equal(await card.locator('[data-testid="approval-sql"]').innerText(), INSERT);
    assert.equal(await card.locator('[data-testid="approval-sql-formatted"]').isVisible(), false);
    await card.locator('[data-testid="approval-sql-toggle"]').click();
    assert.equal(await card.locator('[data-testid="approval-sql"]').innerText(), INSERT, 'the exact text stays in view');
    assert.match(await card.locator('[data-testid="approval-sql-formatted"]').innerText(), /^INSERT INTO\s+scratch\nSELECT\n/);
    assert.match(await card.innerText(), /for reading only: what runs is the exact text above/);
    await vscode.page.screenshot({ path: join(OUT, 'approval-formatted-beside.png') });
  });

  test('Stop while the card waits: the tool says stopped, not refused, and the card says it was not answered', async () => {
    const run = vscode.panel.locator('[data-testid="run"]').last();
    await vscode.panel.locator('[data-testid="stop-button"]').click();
    await run.locator('[data-testid="run-status"][data-status="stopped"]').waitFor({ timeout: 15_000 });
    const tool = run.locator('[data-testid="step-tool"]').first();
    assert.match(await tool.locator('.tool-state').innerText(), /stopped/);
    // "refused" was drawn by CSS after the tool name: read the generated content too.
    const label = await tool.locator('.tool-name').evaluate((n) => getComputedStyle(n, '::after').content);
    assert.ok(!/refused|rejected/.test(label), `the tool is labelled ${label}`);
    assert.match(await run.locator('[data-testid="approval-answer"]').innerText(), /Not answered: the run was stopped/);
  });
});
