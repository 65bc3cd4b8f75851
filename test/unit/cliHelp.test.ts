// Every command and subcommand of the BUILT CLI answers --help and -h with its usage on stdout and
// exit 0, whatever else is on the line; a real usage error still exits 2 on stderr.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ROOT, runCli } from '../support/runCli';

const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1' };

before(() => {
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run "node scripts/build.mjs" (npm test does).');
});

const COMMANDS: [string[], RegExp][] = [
  [[], /pipewright ask/],
  [['ask'], /pipewright ask "<question>"/],
  [['ask', 'top customers', '--json'], /--approve never\|reads\|prompt/],
  [['sql'], /pipewright sql check --dialect/],
  [['sql', 'check'], /--fail-on confirm\|deny/],
  [['sql', 'check', '--dialect', 'duckdb'], /--fail-on confirm\|deny/],
  [['sql', 'check', '--no-such-flag'], /--fail-on confirm\|deny/],
  [['catalog', 'rank', '--top', 'many'], /--tables FILE/],
  [['catalog'], /pipewright catalog rank/],
  [['catalog', 'rank'], /--tables FILE/],
  [['audit'], /pipewright audit verify/],
  [['audit', 'verify'], /pipewright audit verify/],
  [['audit', 'show', 'some.jsonl'], /pipewright audit show/],
];

test('--help and -h print the usage on stdout and exit 0 for every command and subcommand', async () => {
  for (const [args, usage] of COMMANDS) {
    for (const flag of ['--help', '-h']) {
      const run = await runCli([...args, flag], env);
      const line = ['pipewright', ...args, flag].join(' ');
      assert.equal(run.code, 0, `${line}: exit ${run.code}\n${run.stderr}`);
      assert.match(run.stdout, /^Usage/, line);
      assert.match(run.stdout, usage, line);
      assert.equal(run.stderr, '', `${line} wrote to stderr`);
    }
  }
});

test('a question that merely follows "--" is asked, not taken for --help; real usage errors exit 2', async () => {
  const asked = await runCli(['ask', '--', '--help'], env);
  // No model configured: the question got past the help check to the configuration check.
  assert.equal(asked.code, 2);
  assert.match(asked.stderr, /No model configured/);
  for (const args of [['sql'], ['sql', 'lint'], ['catalog', 'list'], ['nope']]) {
    const run = await runCli(args, env);
    assert.equal(run.code, 2, args.join(' '));
    assert.equal(run.stdout, '', args.join(' '));
    assert.match(run.stderr, /^pipewright: .*\n\nUsage/, args.join(' '));
  }
});
