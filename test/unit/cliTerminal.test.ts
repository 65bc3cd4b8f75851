// The terminal boundary through the BUILT CLI: a scripted model whose tool name, confirmation text
// (a DROP of a table so named) and answer, and a DuckDB cell value, carry terminal control
// sequences. Nothing reaches stdout or stderr raw; each is shown as a visible code instead.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadDuckDB } from '../../src/core/connectors/duckdb';
import { startScriptedModel, type ScriptedModel } from '../support/scriptedModelServer';
import { makeTempDir, removeDir } from '../support/tempDirs';
import { ROOT, runCli } from '../support/runCli';

// OSC 52 (writes the clipboard) ended by BEL, CSI clear-screen + home, a bare BEL, a raw CR that
// would overwrite the line, U+202E (reverses what follows), an OSC 8 hyperlink ended by ST, and
// the one-byte C1 CSI, a tag character (hides ASCII) and a Hangul filler (an invisible letter).
const PAYLOAD = 'x\u001b]52;c;cHduZWQ=\u0007y\u001b[2J\u001b[Hz\u0007w\rFAKE \u202egnp.exe \u001b]8;;http://evil.example/\u001b\\link\u001b]8;;\u001b\\ \u009b31m! \u{E0041}\u3164';
const RAW = ['\u001b', '\u0007', '\r', '\u202e', '\u009b', '\u{E0041}', '\u3164'];

describe('the CLI shows control sequences from the model and the database as codes', () => {
  let dir: string;
  let model: ScriptedModel;
  const env = () => ({
    PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1',
    OPENAI_BASE_URL: model.baseUrl, OPENAI_API_KEY: 'sk-terminal-test', PIPEWRIGHT_MODEL: 'scripted', PIPEWRIGHT_HOME: join(dir, 'home'),
  });

  before(async () => {
    if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run "node scripts/build.mjs" (npm test does).');
    dir = makeTempDir('cli-terminal');
    const duck = await loadDuckDB();
    const instance = await duck.DuckDBInstance.create(join(dir, 'notes.duckdb'));
    const c = await instance.connect();
    await c.run('CREATE TABLE notes (body VARCHAR)');
    const insert = await c.prepare('INSERT INTO notes VALUES ($1)');
    insert.bindVarchar(1, PAYLOAD);
    await insert.run();
    c.disconnectSync();
    instance.closeSync();
    model = await startScriptedModel((request) => {
      const turns = request.body.messages.filter((m) => m.role === 'tool').length;
      if (turns === 0) return { text: `Looking ${PAYLOAD}`, toolCalls: [{ name: `list_tables${PAYLOAD}`, arguments: {} }, { name: 'run_sql', arguments: { sql: 'SELECT body FROM notes' } }] };
      if (turns === 2) return { toolCalls: [{ name: 'execute_sql', arguments: { sql: `DROP TABLE "${PAYLOAD}"` } }] };
      return { text: `The note says ${PAYLOAD}` };
    });
  });

  after(async () => {
    await model?.close();
    removeDir(dir);
  });

  const ask = (extra: string[]) =>
    runCli(['ask', 'what do the notes say?', '--connection', `duckdb:${join(dir, 'notes.duckdb')}`, '--allow-writes', '--approve', 'prompt', ...extra], env(), dir, 'no\n');
  const assertNoRaw = (name: string, text: string) => {
    for (const raw of RAW) assert.ok(!text.includes(raw), `${name} holds raw U+${raw.codePointAt(0)!.toString(16).padStart(4, '0')}:\n${JSON.stringify(text)}`);
  };

  test('text output: tool name, cell value, confirmation prompt and answer carry no raw control', async () => {
    const audit = join(dir, 'text-audit.jsonl');
    const run = await ask(['--audit', audit]);
    assert.equal(run.code, 0, run.stderr);
    assertNoRaw('stdout', run.stdout);
    assertNoRaw('stderr', run.stderr);
    // Shown, not lost: each place printed the payload as visible codes.
    const shown = 'x\\u001b]52;c;cHduZWQ=\\u0007y\\u001b[2J\\u001b[Hz\\u0007w\\rFAKE <U+202E>gnp.exe \\u001b]8;;http://evil.example/\\u001b\\link\\u001b]8;;\\u001b\\ \\u009b31m! <U+E0041><U+3164>';
    assert.ok(run.stdout.includes(`→ list_tables${shown}`), 'the tool name');
    assert.ok(run.stdout.includes(`The note says ${shown}`), 'the answer');
    const grid = run.stdout.slice(run.stdout.search(/^\s+body\s*$/m));
    assert.ok(grid.includes(`\n  ${shown.slice(0, 30)}`), `the cell value, cut to the grid width:\n${grid}`);
    assert.ok(run.stderr.includes(`Type ${shown} to run it`), 'the confirmation text');
    assert.match(run.stdout, /Refused by Pipewright's policy/, 'the DROP was refused');
    // The CLI's own layout keeps its newlines.
    assert.match(run.stdout, /^Answer$/m);
    assert.match(run.stdout, /^Done in \d+ ms\.$/m);

    // `audit show` prints the same model text back from the log: shown as codes there too.
    const shownLog = await runCli(['audit', 'show', audit], env());
    assert.equal(shownLog.code, 0, shownLog.stderr);
    assertNoRaw('audit show', shownLog.stdout);
    assert.ok(shownLog.stdout.includes('\\u001b]52;c;'), shownLog.stdout);
  });

  test('--json output: valid JSON that gives the same text back, with no raw C1 or bidi character', async () => {
    const run = await ask(['--json']);
    assert.equal(run.code, 0, run.stderr);
    assertNoRaw('stdout', run.stdout);
    const events = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; tool?: string; text?: string; result?: { rows: unknown[][] } });
    assert.equal(events.find((e) => e.type === 'tool.started')?.tool, `list_tables${PAYLOAD}`);
    const answer = events.find((e) => e.type === 'answer');
    assert.equal(answer?.text, `The note says ${PAYLOAD}`);
    assert.deepEqual(answer?.result?.rows, [[PAYLOAD]]);
  });
});
