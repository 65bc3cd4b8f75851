#!/usr/bin/env node
// Entry point of the CLI; the bundle is built by `npm run build`.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const bundle = join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(bundle)) {
  process.stderr.write('pipewright: the CLI is not built yet. Run "npm run build" (or "npm test") first.\n');
  process.exit(2);
}
const { main } = require(bundle);
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error) => { process.stderr.write(`pipewright: ${error && error.message ? error.message : String(error)}\n`); process.exitCode = 1; },
);
