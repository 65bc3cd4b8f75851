// End to end in a real VS Code (code-server) and a real browser: the Pipewright panel against
// the scripted model and the real sample warehouse. Screenshots go to test-output/e2e/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test as nodeTest } from 'node:test';
import { SLOW_SQL, sampleWarehouseScript, TOP_CUSTOMERS_SQL } from '../support/sampleScript';
import { seedCrm, startPostgres, type TestPostgres } from '../support/postgresServer';
import { lastToolOutput, startScriptedModel, type Script, type ScriptedModel } from '../support/scriptedModelServer';
import { createDuckDbFile, readPipewrightLog, runCommand, startCodeServer, waitFor, type CodeServer } from './codeServer';

const OUT = join(__dirname, '..', '..', 'test-output', 'e2e');
const API_KEY = 'sk-e2e-canary-7f3a9c';

describe('Pipewright in a real VS Code', () => {
  let model: ScriptedModel;
  let vscode: CodeServer;
  let pg: TestPostgres;

  // Questions about ARR go to the PostgreSQL CRM; everything else to the sample warehouse script.
  const crmScript: Script = (request) => {
    const messages = request.body.messages;
    const current = messages.map((m) => m.role).lastIndexOf('user');
    const turns = messages.slice(current).filter((m) => m.role === 'tool').length;
    if (turns === 0) return { toolCalls: [{ name: 'run_sql', arguments: { sql: 'SELECT region, sum(arr) AS arr FROM crm.accounts GROUP BY region ORDER BY arr DESC' } }] };
    const rows = (lastToolOutput(request) as { rows: [string, string][] }).rows;
    return { text: `Top region: ${rows[0][0]} with ${rows[0][1]}.` };
  };

  // Questions about "scratch" propose a write (approval card), then a DROP (typed confirmation).
  const scratchScript: Script = (request) => {
    const messages = request.body.messages;
    const current = messages.map((m) => m.role).lastIndexOf('user');
    const turns = messages.slice(current).filter((m) => m.role === 'tool').length;
    if (turns === 0) return { text: 'Adding the row.', toolCalls: [{ name: 'execute_sql', arguments: { sql: 'INSERT INTO scratch VALUES (42)' } }] };
    if (turns === 1) return { text: 'Now dropping the table.', toolCalls: [{ name: 'execute_sql', arguments: { sql: 'DROP TABLE scratch' } }] };
    return { text: 'Done with scratch.' };
  };

  // A DuckDB file the user opened for writing (readOnly: false in the user settings).
  const scratchDir = mkdtempSync(join(tmpdir(), 'pw-e2e-scratch-'));
  const scratchFile = join(scratchDir, 'scratch.duckdb');

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    await createDuckDbFile(scratchFile, ['CREATE TABLE scratch (n INTEGER)']);
    pg = await startPostgres();
    await seedCrm(pg);
    model = await startScriptedModel((request, index) => {
      const question = [...request.body.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
      return /ARR/.test(question) ? crmScript(request, index) : /scratch/.test(question) ? scratchScript(request, index) : sampleWarehouseScript(request, index);
    });
    vscode = await startCodeServer({
      settings: {
        'pipewright.model.baseUrl': model.baseUrl,
        'pipewright.model.name': 'scripted-model',
        // The Stop tests need their endless 10^12-row read to run rather than wait at the cost
        // gate; approval cards are covered by their own test below.
        'pipewright.security.maxEstimatedRows': 1e15,
        'pipewright.connections': [{ id: 'scratch', kind: 'duckdb', label: 'Scratch', path: scratchFile, environment: 'staging', readOnly: false }],
      },
    });
  });

  after(async () => {
    await vscode?.close();
    await model?.close();
    await pg?.stop();
    rmSync(scratchDir, { recursive: true, force: true });
  });

  const shot = (name: string) => vscode.page.screenshot({ path: join(OUT, name) });

  const treeRow = (cs: CodeServer, label: string) => cs.page.locator(`.pane-body .monaco-list-row[aria-label^="${label}"]`).first();
  const treeRowAt = (cs: CodeServer, level: number, label: string) => cs.page.locator(`.pane-body .monaco-list-row[aria-level="${level}"][aria-label^="${label}"]`).first();
  /** The names of the visible tree rows at a level (2: schemas, 3: tables, 4: columns). */
  const namesAt = async (cs: CodeServer, level: number) =>
    (await cs.page.locator(`.pane-body .monaco-list-row[aria-level="${level}"]`).evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''))).map((l) => l.split(/\s/)[0]);
  /** The tree's list is virtual (only rows on screen exist): the Chat view folds away meanwhile. */
  async function withRoomForTree(cs: CodeServer, body: () => Promise<void>): Promise<void> {
    const chat = cs.page.locator('.pane-header', { hasText: 'Chat' }).first();
    const setChat = async (expanded: boolean) => {
      if ((await chat.getAttribute('aria-expanded')) !== String(expanded)) await chat.click();
      await waitFor(async () => (await chat.getAttribute('aria-expanded')) === String(expanded), 10_000, () => 'the Chat view did not fold');
    };
    await setChat(false);
    try {
      await body();
    } finally {
      await setChat(true);
    }
  }
  /** Under an expanded connection: syncs its catalog when none is cached, then opens the schema. */
  async function openSchema(cs: CodeServer, schema: string): Promise<void> {
    await waitFor(async () => (await treeRowAt(cs, 2, 'Sync Catalog…').isVisible()) || (await treeRowAt(cs, 2, `${schema} schema`).isVisible()), 30_000, () => `neither Sync Catalog… nor ${schema} appeared`);
    if (await treeRowAt(cs, 2, 'Sync Catalog…').isVisible()) await treeRowAt(cs, 2, 'Sync Catalog…').click();
    const row = treeRowAt(cs, 2, `${schema} schema`);
    await row.waitFor({ timeout: 60_000 });
    if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
  }
  async function pickQuickItem(cs: CodeServer, label: string): Promise<void> {
    const row = cs.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: label }).first();
    await row.waitFor({ timeout: 10_000 });
    await row.click();
  }
  async function typeQuickInput(cs: CodeServer, text: string): Promise<void> {
    const input = cs.page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 10_000 });
    await input.fill(text);
    await waitFor(async () => (await input.inputValue()) === text, 5_000, () => 'the quick input did not take the text');
    // Accepted when the box closes or moves on to its next question (its value is no longer ours);
    // Enter is pressed again while the input box's own validation may still be running.
    await waitFor(async () => {
      if (!(await input.isVisible()) || (await input.inputValue()) !== text) return true;
      await input.press('Enter');
      return !(await input.isVisible()) || (await input.inputValue()) !== text;
    }, 10_000, () => `the quick input did not accept "${text.replace(/:[^:@/]*@/, ':***@')}"`);
  }
  /** The records of the audit log the extension writes (its path is in the Pipewright log). */
  function auditLines(cs: CodeServer): { type: string; data: unknown }[] {
    const path = /Audit log: (\S+)/.exec(readPipewrightLog(cs.userDataDir))?.[1];
    if (!path || !existsSync(path)) return [];
    return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { type: string; data: unknown });
  }
  async function chooseConnection(cs: CodeServer, label: string): Promise<void> {
    const select = cs.panel.locator('[data-testid="connection-select"]');
    await select.click();
    await cs.panel.locator('[data-testid="connection-select"] li', { hasText: label }).first().click();
  }

  /** A test that, when it fails, leaves a screenshot and the Pipewright log behind to look at. */
  function test(name: string, body: () => Promise<void>): void {
    nodeTest(name, async () => {
      try {
        await body();
      } catch (error) {
        const slug = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
        await shot(`failed-${slug}.png`).catch(() => undefined);
        writeFileSync(join(OUT, `failed-${slug}.log`), readPipewrightLog(vscode.userDataDir));
        throw error;
      }
    });
  }

  async function widenSideBar(cs: CodeServer, width: number): Promise<void> {
    const box = await cs.page.locator('.part.sidebar').boundingBox();
    if (!box) return;
    const y = box.y + box.height / 2;
    await cs.page.mouse.move(box.x + box.width + 1, y);
    await cs.page.mouse.down();
    await cs.page.mouse.move(box.x + width, y, { steps: 8 });
    await cs.page.mouse.up();
  }

  test('the panel opens from the activity bar and says how to configure a model', async () => {
    const icon = vscode.page.locator('.activitybar .action-item a[aria-label^="Pipewright"]');
    await icon.waitFor({ timeout: 60_000 });
    await icon.click();
    await widenSideBar(vscode, 620);
    const card = vscode.panel.locator('[data-testid="model-card"]');
    await card.waitFor({ timeout: 60_000 });
    await waitFor(async () => /No API key is stored for http:\/\/127\.0\.0\.1:\d+/.test(await card.innerText()), 10_000, () => 'the model card does not say what is missing');
    // The rest works without a model: the sample connection is listed with its badge.
    assert.equal(await vscode.panel.locator('[data-testid="env-badge"]').innerText(), 'DEV');
    await treeRow(vscode, 'Sample warehouse').waitFor({ timeout: 15_000 });
    await shot('01-model-not-configured.png');
  });

  test('Pipewright: Set Model API Key from the palette stores the key and the card goes away', async () => {
    await runCommand(vscode.page, 'Pipewright: Set Model API Key');
    const input = vscode.page.locator('.quick-input-widget input[type="password"]');
    await input.waitFor({ timeout: 10_000 });
    await input.fill(API_KEY);
    await vscode.page.keyboard.press('Enter');
    await vscode.panel.locator('[data-testid="model-card"]').waitFor({ state: 'hidden', timeout: 15_000 });
  });

  test('a question streams tool steps and ends with the answer, the final SQL and a result grid', async () => {
    const before = model.requests.length;
    const textarea = vscode.panel.locator('[data-testid="ask-input"] textarea');
    await textarea.fill('top 5 customers by revenue last quarter');
    await textarea.press('Enter');
    const run = vscode.panel.locator('[data-testid="run"]').last();
    await run.locator('[data-testid="run-status"][data-status="completed"]').waitFor({ timeout: 60_000 });

    // The schema linker's pick is a visible step, and the model got it in its prompt.
    assert.match(await run.locator('[data-testid="step-linked"]').innerText(), /Schema linker: 5 of 5 tables for this question — main\.customers/);
    const tools = await run.locator('[data-testid="step-tool"] .tool-name').allInnerTexts();
    assert.deepEqual(tools, ['list_tables', 'describe_table', 'run_sql']);
    assert.match(await run.locator('[data-testid="step-tool"]').nth(2).innerText(), /✓ 5 rows/);
    assert.equal(await run.locator('[data-testid="tool-sql"]').innerText(), TOP_CUSTOMERS_SQL);
    assert.match(await run.locator('[data-testid="step-thinking"]').first().innerText(), /which tables exist/);
    const answer = await run.locator('[data-testid="answer"]').innerText();
    assert.match(answer, /Top 5 customers by revenue in 2025-Q4/);
    // The answer's markdown is rendered (bold names), not shown as raw asterisks.
    assert.equal(await run.locator('[data-testid="answer"] strong').count(), 5);
    const grid = run.locator('[data-testid="result-grid"]');
    assert.equal(await grid.locator('tbody tr').count(), 5);
    assert.equal(await grid.locator('[data-testid="result-count"]').innerText(), '5 rows');
    // The top customer in the grid is the one the model named first in its answer.
    const firstName = await grid.locator('tbody tr').first().locator('td').nth(1).innerText();
    const firstItem = await run.locator('[data-testid="answer"] ol > li').first().innerText();
    assert.ok(firstItem.startsWith(`${firstName}:`), `answer names ${firstName} first, got "${firstItem}"`);

    const sent = model.requests.slice(before);
    assert.equal(sent.length, 4);
    assert.equal(sent[0].headers.authorization, `Bearer ${API_KEY}`);
    // Write tools are offered too (each call asks the user); the workspace folder enables file tools.
    assert.deepEqual(sent[0].body.tools?.map((t) => t.function.name), ['list_tables', 'describe_table', 'run_sql', 'execute_sql', 'read_file', 'write_file']);
    assert.equal(sent[0].body.model, 'scripted-model');
    assert.match(sent[0].body.messages[0].content ?? '', /ranked by Pipewright's schema linker[\s\S]*- main\.orders/);
    await shot('02-answer-with-grid.png');

    // The final SQL opens as an untitled SQL editor, unsaved and unrun.
    await run.locator('[data-testid="open-sql-button"]').click();
    const editor = vscode.page.locator('.editor-instance .view-lines');
    await waitFor(async () => (await editor.innerText()).replace(/\u00a0/g, ' ').includes('GROUP BY ALL ORDER BY revenue'), 15_000, () => 'the SQL did not open in an editor');
    await shot('02b-sql-in-editor.png');
  });

  test('Stop interrupts a slow query in DuckDB and the panel says it was stopped', async () => {
    const textarea = vscode.panel.locator('[data-testid="ask-input"] textarea');
    await textarea.fill('run a slow scan');
    await textarea.press('Enter');
    const run = vscode.panel.locator('[data-testid="run"]').last();
    const tool = run.locator('[data-testid="step-tool"].running');
    await tool.waitFor({ timeout: 30_000 });
    assert.equal(await tool.locator('[data-testid="tool-sql"]').innerText(), SLOW_SQL);
    // The query has been handed to DuckDB once its authorization is in the audit log (written
    // just before it runs), so Stop interrupts a running query, not a queued one.
    await waitFor(() => auditLines(vscode).some((l) => l.type === 'tool.authorized' && JSON.stringify(l.data).includes(SLOW_SQL)), 20_000, () => 'the slow query was never authorized');
    await shot('03-slow-query-running.png');
    const clicked = Date.now();
    await vscode.panel.locator('[data-testid="stop-button"]').click();
    await run.locator('[data-testid="run-status"][data-status="stopped"]').waitFor({ timeout: 10_000 });
    const stopMs = Date.now() - clicked;
    assert.match(await run.locator('[data-testid="step-tool"]').innerText(), /stopped/);
    writeFileSync(join(OUT, 'stop-latency.txt'), `Stop click to "stopped" shown in the panel: ${stopMs} ms\n`);
    console.log(`# stop latency (click to panel): ${stopMs} ms`);
    await shot('04-stopped.png');
  });

  test('Pipewright: Ask from the palette runs in the panel, and Pipewright: Stop stops it', async () => {
    const runs = vscode.panel.locator('[data-testid="run"]');
    const count = await runs.count();
    await runCommand(vscode.page, 'Pipewright: Ask');
    const input = vscode.page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 10_000 });
    await input.fill('another slow one');
    await vscode.page.keyboard.press('Enter');
    await waitFor(async () => (await runs.count()) === count + 1, 15_000, () => 'the palette question did not reach the panel');
    await runs.last().locator('[data-testid="step-tool"].running').waitFor({ timeout: 30_000 });
    // A follow-up carries the conversation: the completed first answer is sent as context
    // (the stopped run is not).
    const followUp = model.requests.at(-1)!.body.messages;
    assert.deepEqual(followUp.map((m) => m.role), ['system', 'user', 'assistant', 'user']);
    assert.equal(followUp[1].content, 'top 5 customers by revenue last quarter');
    assert.match(followUp[2].content ?? '', /Top 5 customers by revenue in 2025-Q4[\s\S]*GROUP BY ALL/);
    await runCommand(vscode.page, 'Pipewright: Stop');
    await runs.last().locator('[data-testid="run-status"][data-status="stopped"]').waitFor({ timeout: 10_000 });
  });

  test('New chat clears the transcript and the context sent to the model', async () => {
    await vscode.panel.locator('[data-testid="new-chat-button"]').click();
    await waitFor(async () => (await vscode.panel.locator('[data-testid="run"]').count()) === 0, 10_000, () => 'the transcript was not cleared');
    const textarea = vscode.panel.locator('[data-testid="ask-input"] textarea');
    await textarea.fill('a slow one after a new chat');
    await textarea.press('Enter');
    await vscode.panel.locator('[data-testid="step-tool"].running').waitFor({ timeout: 30_000 });
    assert.deepEqual(model.requests.at(-1)!.body.messages.map((m) => m.role), ['system', 'user']);
    await vscode.panel.locator('[data-testid="stop-button"]').click();
    await vscode.panel.locator('[data-testid="run-status"][data-status="stopped"]').waitFor({ timeout: 10_000 });
  });

  test('Pipewright: Open Sample Warehouse lists its tables under Connections', async () => {
    await runCommand(vscode.page, 'Pipewright: Open Sample Warehouse');
    const sample = treeRow(vscode, 'Sample warehouse');
    await sample.waitFor({ timeout: 30_000 });
    assert.match((await sample.getAttribute('aria-label')) ?? '', /duckdb · DEV/);
    await withRoomForTree(vscode, async () => {
      if ((await sample.getAttribute('aria-expanded')) !== 'true') await sample.click();
      // The tree lists the cached catalog (the questions above synced it; a fresh one offers Sync Catalog…).
      await openSchema(vscode, 'main');
      const names: string[] = [];
      await waitFor(async () => {
        names.splice(0, names.length, ...(await namesAt(vscode, 3)));
        return names.length >= 5;
      }, 30_000, () => `the sample tables did not appear (saw ${names.join(', ')})`);
      assert.deepEqual(names.slice(0, 5), ['customers', 'order_items', 'orders', 'payments', 'products']);
      await shot('05-sample-warehouse.png');
      await sample.click(); // collapse again
      await waitFor(async () => (await sample.getAttribute('aria-expanded')) === 'false', 10_000, () => 'the sample warehouse did not collapse');
    });
  });

  test('Add a PostgreSQL connection, test it, see its tables, and ask a question on it', async () => {
    const url = `postgres://${pg.reader.user}@${pg.host}:${pg.port}/${pg.database}`;
    await runCommand(vscode.page, 'Pipewright: Add Connection');
    await pickQuickItem(vscode, 'PostgreSQL');
    await typeQuickInput(vscode, url);
    await typeQuickInput(vscode, 'CRM'); // the name
    await pickQuickItem(vscode, 'prod');
    await typeQuickInput(vscode, pg.reader.password);
    const toast = vscode.page.locator('.notifications-toasts .notification-toast', { hasText: 'connected to CRM' });
    await toast.waitFor({ timeout: 30_000 });
    const row = treeRow(vscode, 'CRM');
    await row.waitFor({ timeout: 15_000 });
    assert.match((await row.getAttribute('aria-label')) ?? '', /postgres · PROD/);
    await withRoomForTree(vscode, async () => {
      await row.click();
      await openSchema(vscode, 'crm');
      await waitFor(async () => (await namesAt(vscode, 3)).includes('accounts'), 20_000, () => 'crm.accounts did not appear under the connection');
    });
    // The password went to SecretStorage, never to settings.
    const settings = readFileSync(join(vscode.userDataDir, 'User', 'settings.json'), 'utf8');
    assert.ok(settings.includes(url) && !settings.includes(pg.reader.password), 'settings hold the URL but not the password');
    await shot('06-postgres-connection.png');

    // In the panel: choose it, see its PROD badge, ask.
    await vscode.panel.locator('[data-testid="new-chat-button"]').click();
    await chooseConnection(vscode, 'CRM');
    await waitFor(async () => (await vscode.panel.locator('[data-testid="env-badge"]').innerText()) === 'PROD', 10_000, () => 'no PROD badge in the panel');
    const textarea = vscode.panel.locator('[data-testid="ask-input"] textarea');
    await textarea.fill('which region has the most ARR?');
    await textarea.press('Enter');
    const run = vscode.panel.locator('[data-testid="run"]').last();
    await run.locator('[data-testid="run-status"][data-status="completed"]').waitFor({ timeout: 60_000 });
    const expected = (await pg.sql('SELECT region, sum(arr) AS arr FROM crm.accounts GROUP BY region ORDER BY arr DESC LIMIT 1')).rows[0];
    assert.match(await run.locator('[data-testid="answer"]').innerText(), new RegExp(`Top region: ${expected.region}`));
    assert.equal(await run.locator('[data-testid="result-grid"] tbody tr').count(), 3);
    await shot('07-question-on-postgres.png');
  });

  test('a write shows an approval card, a DROP needs the table name typed, and a rejected DROP leaves the table', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    await vscode.panel.locator('[data-testid="new-chat-button"]').click();
    await chooseConnection(vscode, 'Scratch');
    const textarea = vscode.panel.locator('[data-testid="ask-input"] textarea');
    await textarea.fill('add a row to scratch, then drop it');
    await textarea.press('Enter');
    const run = vscode.panel.locator('[data-testid="run"]').last();

    // The write: the exact statement, the connection and its environment badge, Approve.
    const approve = run.locator('[data-testid="approval-card-approve"]');
    await approve.waitFor({ timeout: 30_000 });
    assert.equal(await approve.locator('[data-testid="approval-sql"]').innerText(), 'INSERT INTO scratch VALUES (42)');
    assert.match(await approve.innerText(), /Scratch[\s\S]*STAGING/);
    await shot('08-approval-card.png');
    await approve.locator('[data-testid="approval-once"]').click();

    // The DROP: typed confirmation; the button stays disabled until the name matches.
    const confirm = run.locator('[data-testid="approval-confirm"]').first();
    const card = run.locator('.approval.confirm');
    await card.waitFor({ timeout: 30_000 });
    assert.equal(await card.locator('[data-testid="approval-sql"]').innerText(), 'DROP TABLE scratch');
    await card.locator('[data-testid="approval-typed"] input').fill('scratc');
    assert.equal(await confirm.getAttribute('disabled'), '');
    await shot('09-typed-confirmation.png');
    await card.locator('[data-testid="approval-reject"]').click();
    await run.locator('[data-testid="run-status"][data-status="completed"]').waitFor({ timeout: 30_000 });
    assert.match(await run.locator('[data-testid="step-tool"]').nth(0).innerText(), /1 rows affected/);
    assert.match(await run.locator('[data-testid="step-tool"]').nth(1).innerText(), /rejected/);

    // Close the connection, then look at the file from outside: the row is there, the table too.
    await runCommand(vscode.page, 'Pipewright: Refresh Connections');
    // DuckDB refuses a second process while the extension still holds the file: retry until it lets go.
    let check: Awaited<ReturnType<typeof DuckDBInstance.create>> | undefined;
    await waitFor(async () => {
      check = await DuckDBInstance.create(scratchFile, { access_mode: 'READ_ONLY' });
      return true;
    }, 20_000, () => 'the extension never released the DuckDB file');
    if (!check) throw new Error('unreachable');
    const checkConnection = await check.connect();
    const rows = (await checkConnection.runAndReadAll('SELECT n FROM scratch')).getRows();
    checkConnection.disconnectSync();
    check.closeSync();
    assert.deepEqual(rows, [[42]]);

    // Every decision is in the audit log, which Show Audit Log renders with its chain verified.
    await runCommand(vscode.page, 'Pipewright: Show Audit Log');
    // The markdown preview is one of several webview frames (the chat panel is another): look in all.
    const previewText = async () => (await Promise.all(vscode.page.frames().map((f) => f.locator('body').innerText({ timeout: 1000 }).catch(() => '')))).join('\n');
    await waitFor(async () => /hash chain of all \d+ lines verifies[\s\S]*tool\.authorized[\s\S]*INSERT INTO scratch VALUES \(42\)/.test(await previewText()), 20_000, () => 'the audit log view did not open');
    await shot('10-audit-log.png');
  });

  test('activation is measured and no secret reached the log', async () => {
    const log = readPipewrightLog(vscode.userDataDir);
    const match = /activated in [\d.]+ ms.*$/m.exec(log);
    assert.ok(match, `activation line in the log:\n${log}`);
    writeFileSync(join(OUT, 'activation.txt'), `${match[0]}\n`);
    console.log(`# ${match[0]}`);
    assert.ok(!log.includes(API_KEY), 'the API key never appears in the log');
  });
});
