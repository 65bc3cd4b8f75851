// Starts a real VS Code (code-server) with the Pipewright VSIX installed, in a throwaway home,
// and drives it with headless Debian Chromium through playwright-core. See
// ../shared/docs/vscode-e2e.md for the facts this follows.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as nodeTest } from 'node:test';
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { EXTENSION_ID, launchCodeServer, waitFor } from '../../scripts/codeServer';

export { waitFor };

export interface CodeServer {
  page: Page;
  browser: Browser;
  url: string;
  root: string;
  userDataDir: string;
  workspace: string;
  /** The Pipewright chat webview's inner frame. */
  panel: FrameLocator;
  close(): Promise<void>;
}

export interface StartOptions {
  settings?: Record<string, unknown>;
  workspaceFiles?: Record<string, string>;
  env?: Record<string, string>;
  /** Leave Workspace Trust on (the folder then opens untrusted, in Restricted Mode). */
  workspaceTrust?: boolean;
  /** Let the editor read and write the browser clipboard (copy tests paste it back). */
  clipboard?: boolean;
}

export async function startCodeServer(options: StartOptions = {}): Promise<CodeServer> {
  const root = mkdtempSync(join(tmpdir(), 'pw-e2e-'));
  const workspace = join(root, 'ws');
  const server = await launchCodeServer({ root, workspace, settings: options.settings, workspaceTrust: options.workspaceTrust, env: { PIPEWRIGHT_HOME: join(root, 'pipewright'), ...options.env } });
  for (const [name, text] of Object.entries(options.workspaceFiles ?? { 'README.md': '# A data project\n' })) writeFileSync(join(workspace, name), text);
  let browser: Browser | undefined;
  try {
    if (!existsSync('/usr/bin/chromium')) throw new Error('Chromium is missing at /usr/bin/chromium: run "bash scripts/setup-e2e.sh".');
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      env: server.env as Record<string, string>,
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    if (options.clipboard) await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    const panel = page.frameLocator(`iframe.webview.ready[src*="${EXTENSION_ID}"]`).frameLocator('#active-frame');
    const b = browser;
    return {
      page, browser: b, url: server.url, root, userDataDir: server.userDataDir, workspace, panel,
      async close() {
        await b.close().catch(() => undefined);
        server.stop();
        rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser?.close().catch(() => undefined);
    server.stop();
    throw error;
  }
}

/** Runs a command from the palette, retrying while the extension's commands register. */
export async function runCommand(page: Page, title: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 10_000 });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    try {
      // Commands register when the extension activates: re-typing the filter asks the palette again.
      await waitFor(async () => {
        if (await row.isVisible()) return true;
        await input.fill(`>${title} `);
        await input.fill(`>${title}`);
        return row.isVisible();
      }, 8_000, () => 'not yet');
      await page.keyboard.press('Enter');
      return;
    } catch {
      // the palette lost focus or closed: open it again
    }
  }
  throw new Error(`The command "${title}" did not appear in the palette.`);
}

/** The extension host's Pipewright log (a LogOutputChannel writes it under the user data dir). */
export function readPipewrightLog(userDataDir: string): string {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/pipewright/i.test(name) && name.endsWith('.log')) found.push(readFileSync(path, 'utf8'));
    }
  };
  const logs = join(userDataDir, 'logs');
  if (existsSync(logs)) walk(logs);
  return found.join('\n');
}

/** Opens the Pipewright side bar, widens it, and stores the model API key from the palette. */
export async function openPanelWithKey(cs: CodeServer, apiKey: string, width = 620): Promise<void> {
  const icon = cs.page.locator('.activitybar .action-item a[aria-label^="Pipewright"]');
  await icon.waitFor({ timeout: 60_000 });
  await icon.click();
  const box = await cs.page.locator('.part.sidebar').boundingBox();
  if (box) {
    const y = box.y + box.height / 2;
    await cs.page.mouse.move(box.x + box.width + 1, y);
    await cs.page.mouse.down();
    await cs.page.mouse.move(box.x + width, y, { steps: 8 });
    await cs.page.mouse.up();
  }
  await cs.panel.locator('[data-testid="model-card"]').waitFor({ timeout: 60_000 });
  await runCommand(cs.page, 'Pipewright: Set Model API Key');
  const input = cs.page.locator('.quick-input-widget input[type="password"]');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(apiKey);
  await cs.page.keyboard.press('Enter');
  await cs.panel.locator('[data-testid="model-card"]').waitFor({ state: 'hidden', timeout: 15_000 });
}

/** Types a question into the panel and waits until its run has finished with `status`. */
export async function askInPanel(cs: CodeServer, question: string, status = 'completed'): Promise<Locator> {
  const textarea = cs.panel.locator('[data-testid="ask-input"] textarea');
  await textarea.fill(question);
  await textarea.press('Enter');
  const run = cs.panel.locator('[data-testid="run"]').last();
  await run.locator(`[data-testid="run-status"][data-status="${status}"]`).waitFor({ timeout: 60_000 });
  return run;
}

/**
 * node:test's `test`, keeping a screenshot and the Pipewright log of a failing test in `out`
 * (`prefix` keeps files of different suites apart; `extraLog` adds what the suite itself saw).
 */
export function testWithEvidence(out: string, prefix: string, cs: () => CodeServer, extraLog: () => string = () => '') {
  return (name: string, body: () => Promise<void>): void => {
    nodeTest(name, async () => {
      try {
        await body();
      } catch (error) {
        const slug = `${prefix}${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`;
        await cs().page.screenshot({ path: join(out, `failed-${slug}.png`) }).catch(() => undefined);
        writeFileSync(join(out, `failed-${slug}.log`), `${readPipewrightLog(cs().userDataDir)}${extraLog()}`);
        throw error;
      }
    });
  };
}

/** A new DuckDB file holding what `statements` create (a writable scratch warehouse for a test). */
export async function createDuckDbFile(path: string, statements: string[]): Promise<void> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  for (const sql of statements) await connection.run(sql);
  connection.disconnectSync();
  instance.closeSync();
}
