// Runs Pipewright in a real VS Code in the browser, on the embedded DuckDB sample warehouse.
// State (settings, the stored key, the sample warehouse) persists under ~/.cache/pipewright/demo.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { startScriptedModel } from '../test/support/scriptedModelServer';
import { sampleWarehouseScript } from '../test/support/sampleScript';
import { launchCodeServer } from './codeServer';

async function main(): Promise<void> {
  const scripted = process.argv.includes('--scripted');
  const root = join(process.env.PIPEWRIGHT_CACHE ?? join(homedir(), '.cache', 'pipewright'), 'demo');
  const port = Number(process.env.PIPEWRIGHT_DEMO_PORT ?? 8080);
  const env: Record<string, string> = { PIPEWRIGHT_HOME: join(root, 'pipewright') };
  const settings: Record<string, unknown> = {};

  if (scripted) {
    // A stand-in model on loopback that answers sample-warehouse questions with real tool calls.
    const model = await startScriptedModel(sampleWarehouseScript);
    Object.assign(env, { OPENAI_BASE_URL: model.baseUrl, OPENAI_API_KEY: 'scripted-demo' });
    Object.assign(settings, { 'pipewright.model.baseUrl': model.baseUrl, 'pipewright.model.name': 'scripted-sample-model' });
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
