// Starts a real VS Code (code-server) with the Pipewright VSIX installed, in a throwaway home,
// and drives it with headless Debian Chromium through playwright-core. See
// ../shared/docs/vscode-e2e.md for the facts this follows.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
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
  /** Machine-scoped settings (pipewright.security.*): code-server reads them from the Machine settings file, not the user's. */
  machineSettings?: Record<string, unknown>;
  workspaceFiles?: Record<string, string>;
  env?: Record<string, string>;
  /** Leave Workspace Trust on (the folder then opens untrusted, in Restricted Mode). */
  workspaceTrust?: boolean;
}

export async function startCodeServer(options: StartOptions = {}): Promise<CodeServer> {
  const root = mkdtempSync(join(tmpdir(), 'pw-e2e-'));
  const workspace = join(root, 'ws');
  if (options.machineSettings) {
    mkdirSync(join(root, 'ud', 'Machine'), { recursive: true });
    writeFileSync(join(root, 'ud', 'Machine', 'settings.json'), JSON.stringify(options.machineSettings, null, 2));
  }
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
      await row.waitFor({ timeout: 5_000 });
      await page.keyboard.press('Enter');
      return;
    } catch {
      await page.waitForTimeout(1000);
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
