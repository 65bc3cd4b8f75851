// Runs Pipewright in a real VS Code in the browser, on the embedded DuckDB sample warehouse.
// State (settings, the stored key, the sample warehouse) persists under ~/.cache/pipewright/demo.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ensureSampleWarehouse } from '../src/core/sample/sampleWarehouse';
import { launchCodeServer } from './codeServer';
import { DEMO_MODEL_NAME, startDemoModel } from './demoModel';

/** The writable connection the scripted demo adds, so its write scenarios reach the approval step. */
const SCRATCH_LABEL = 'Sample warehouse (scratch copy, writable)';

async function main(): Promise<void> {
  const scripted = process.argv.includes('--scripted');
  const root = join(process.env.PIPEWRIGHT_CACHE ?? join(homedir(), '.cache', 'pipewright'), 'demo');
  const port = Number(process.env.PIPEWRIGHT_DEMO_PORT ?? 8080);
  const env: Record<string, string> = { PIPEWRIGHT_HOME: join(root, 'pipewright') };
  const settings: Record<string, unknown> = {};

  if (scripted) {
    // A stand-in model on loopback: it picks a scripted scenario from the question, and its tool
    // calls go through the real tools, policy gate and approvals.
    const model = await startDemoModel();
    Object.assign(env, { OPENAI_BASE_URL: model.baseUrl, OPENAI_API_KEY: 'scripted-demo' });
    Object.assign(settings, { 'pipewright.model.baseUrl': model.baseUrl, 'pipewright.model.name': DEMO_MODEL_NAME });
    // The sample warehouse stays read-only; writes go to a scratch copy made fresh on every start
    // (never a file of the user's), so an approved DELETE or DROP costs nothing.
    const scratchDir = join(root, 'scratch');
    rmSync(scratchDir, { recursive: true, force: true });
    const scratch = await ensureSampleWarehouse(scratchDir);
    settings['pipewright.connections'] = [{ id: 'demo-scratch', kind: 'duckdb', label: SCRATCH_LABEL, path: scratch, environment: 'dev', readOnly: false }];
  } else {
    if (process.env.OPENAI_BASE_URL) settings['pipewright.model.baseUrl'] = process.env.OPENAI_BASE_URL;
    if (process.env.PIPEWRIGHT_MODEL) settings['pipewright.model.name'] = process.env.PIPEWRIGHT_MODEL;
  }

  // A password, because the editor it serves has a terminal and your model key in its environment.
  const password = randomBytes(9).toString('base64url');
  const server = await launchCodeServer({ root, workspace: join(root, 'workspace'), port, settings, env, password });
  const url = `${server.url}/?folder=${encodeURIComponent(join(root, 'workspace'))}`;
  console.log(`\nPipewright is running in VS Code at ${url}`);
  console.log(`Password: ${password}`);
  console.log('Open the Pipewright icon in the activity bar and ask, e.g. "top 5 customers by revenue last quarter".');
  if (scripted) {
    console.log('The model is a scripted stand-in: it knows a few scenarios (ask it anything to get the list).');
    console.log(`To see approvals, pick "${SCRATCH_LABEL}" and ask to "delete payments without a method" or "drop the payments table".`);
  }
  if (!scripted && !process.env.OPENAI_API_KEY) console.log('No OPENAI_API_KEY in the environment: run "Pipewright: Set Model API Key" in the editor (or restart with --scripted for an offline stand-in model).');
  console.log('Press Ctrl-C to stop.\n');

  if ((process.env.DISPLAY || process.env.WAYLAND_DISPLAY) && existsSync('/usr/bin/chromium')) {
    spawn('/usr/bin/chromium', [`--app=${url}`, `--user-data-dir=${join(root, 'chromium')}`, '--no-first-run', '--disable-background-networking'], { stdio: 'ignore', detached: true }).unref();
  } else {
    console.log('(No display found: open the address above in your browser.)');
  }

  const shutdown = () => {
    server.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error) => {
  console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
