#!/usr/bin/env node
// Entry point of the CLI; the bundle is built by `npm run build`.
const { main } = require('../dist/cli.js');
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error) => { process.stderr.write(`pipewright: ${error && error.message ? error.message : String(error)}\n`); process.exitCode = 1; },
);
