// The audit trail on real files: the chain verifies, every kind of tampering is caught at its line,
// a crash mid-write is explained rather than hidden, secrets never reach disk, the view is inert.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { marked } from 'marked';
import { AuditLog, CHAIN_RESET, renderAuditMarkdown, verifyAuditLog, type AuditRecord } from '../../src/core/observability/auditLog';
import { redact } from '../../src/core/observability/redact';
import { auditCommand } from '../../src/cli/auditVerify';
import { withTempDir } from '../support/tempDirs';

const toolCall = (i: number) => ({
  tool: 'run_sql',
  decision: 'allow',
  connection: 'sample',
  environment: 'dev',
  sql: `SELECT customer_id, sum(amount) FROM orders WHERE id > ${i} GROUP BY 1`,
  rows: i % 50,
  durationMs: 12.5,
  outcome: 'ok',
});

/** A log of `n` tool-call records; returns its path. */
async function writeLog(dir: string, n: number): Promise<string> {
  const path = join(dir, 'audit', 'audit.jsonl');
  const log = await AuditLog.open(path);
  for (let i = 0; i < n; i++) await log.append('tool.finished', toolCall(i));
  await log.close();
  return path;
}

const readLines = (path: string) => readFileSync(path, 'utf8').split('\n').slice(0, -1);
const writeLines = (path: string, lines: string[]) => writeFileSync(path, `${lines.join('\n')}\n`);

/** A line with a correct hash of its own, as a forger who knows the format would write it. */
function forgeLine(fields: Omit<AuditRecord, 'hash'>): string {
  const canonical = JSON.stringify({ seq: fields.seq, at: fields.at, prev: fields.prev, type: fields.type, data: fields.data });
  const hash = createHash('sha256').update(canonical).digest('hex');
  return `${canonical.slice(0, -1)},"hash":"${hash}"}`;
}

function collector(): Writable & { text: string } {
  const out = new Writable({ write(chunk, _encoding, done) { out.text += String(chunk); done(); } }) as Writable & { text: string };
  out.text = '';
  return out;
}

describe('audit log: writing and verifying', () => {
  // The happy path: many records form one chain, in private files.
  test('a chain of many lines verifies, with private permissions', () => withTempDir('audit', async (dir) => {
    const path = await writeLog(dir, 300);
    assert.deepEqual(await verifyAuditLog(path), { ok: true, lines: 300 });
    const records = readLines(path).map((line) => JSON.parse(line) as AuditRecord);
    assert.deepEqual(records.map((r) => r.seq), Array.from({ length: 300 }, (_, i) => i + 1));
    assert.equal(records[0].prev, '0'.repeat(64));
    for (let i = 1; i < records.length; i++) assert.equal(records[i].prev, records[i - 1].hash);
    assert.deepEqual(Object.keys(records[0]), ['seq', 'at', 'prev', 'type', 'data', 'hash']);
    if (process.platform !== 'win32') {
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.equal(statSync(join(dir, 'audit')).mode & 0o777, 0o700);
    }
  }));

  test('an empty file verifies as zero lines', () => withTempDir('audit', async (dir) => {
    const path = join(dir, 'empty.jsonl');
    writeFileSync(path, '');
    assert.deepEqual(await verifyAuditLog(path), { ok: true, lines: 0 });
  }));

  // Each kind of tampering is reported at the line where it happened.
  const tamperings: [string, (lines: string[]) => string[], number, RegExp][] = [
    ['one character of data edited', (l) => { l[56] = l[56].replace('"rows":6', '"rows":7'); return l; }, 57, /hash mismatch/],
    ['a line deleted', (l) => { l.splice(39, 1); return l; }, 40, /seq 41 where 40 was expected/],
    ['two lines swapped', (l) => { [l[9], l[10]] = [l[10], l[9]]; return l; }, 10, /seq 11 where 10 was expected/],
    ['a forged line with its own hash but a wrong prev', (l) => {
      const next = JSON.parse(l[20]) as AuditRecord;
      l.splice(20, 0, forgeLine({ ...next, prev: 'f'.repeat(64), data: { tool: 'run_sql', sql: 'DROP TABLE orders' } }));
      return l;
    }, 21, /prev does not match the hash of line 20/],
    ['the last line truncated mid-way', (l) => { l[l.length - 1] = l[l.length - 1].slice(0, 80); return l; }, 100, /not valid JSON/],
    ['garbage appended', (l) => [...l, 'rm -rf / # not a record'], 101, /not valid JSON/],
    ['bad JSON in the middle', (l) => { l[4] = '{"seq":5,"at":'; return l; }, 5, /not valid JSON/],
    ['the hash field removed', (l) => { l[2] = l[2].replace(/,"hash":"[0-9a-f]+"/, ''); return l; }, 3, /no hash/],
  ];
  for (const [name, tamper, line, reason] of tamperings) {
    test(`detects ${name} at line ${line}`, () => withTempDir('audit', async (dir) => {
      const path = await writeLog(dir, 100);
      writeLines(path, tamper(readLines(path)));
      const result = await verifyAuditLog(path);
      assert.equal(result.ok, false);
      assert.equal(result.firstBroken?.line, line, JSON.stringify(result));
      assert.match(result.firstBroken!.reason, reason);
    }));
  }

  // Past the first break, `lines` still counts the whole file.
  test('reports the number of lines in the file even past the break', () => withTempDir('audit', async (dir) => {
    const path = await writeLog(dir, 50);
    const lines = readLines(path);
    lines[9] = lines[9].replace('run_sql', 'run_sq1');
    writeLines(path, lines);
    assert.deepEqual(await verifyAuditLog(path), { ok: false, lines: 50, firstBroken: { line: 10, reason: 'hash mismatch: the line was changed after it was written' } });
  }));

  test('reopening resumes the chain', () => withTempDir('audit', async (dir) => {
    const path = await writeLog(dir, 3);
    const log = await AuditLog.open(path);
    const record = await log.append('tool.finished', toolCall(3));
    await log.close();
    assert.equal(record.seq, 4);
    assert.equal(record.prev, (JSON.parse(readLines(path)[2]) as AuditRecord).hash);
    assert.deepEqual(await verifyAuditLog(path), { ok: true, lines: 4 });
  }));

  // A crash mid-write leaves a torn last line: it is kept, and a reset explains it.
  test('reopening after a truncated tail writes an explained chain reset', () => withTempDir('audit', async (dir) => {
    const path = await writeLog(dir, 5);
    const torn = readFileSync(path, 'utf8').slice(0, -40); // the last line loses its end and newline
    writeFileSync(path, torn);
    const log = await AuditLog.open(path);
    const after = await log.append('tool.finished', toolCall(99));
    await log.close();

    const text = readFileSync(path, 'utf8');
    assert.ok(text.startsWith(torn), 'existing content is never rewritten');
    const lines = readLines(path);
    assert.equal(lines.length, 7);
    const reset = JSON.parse(lines[5]) as AuditRecord;
    assert.equal(reset.type, CHAIN_RESET);
    assert.equal(reset.seq, 5, 'the reset follows the last complete record, seq 4');
    assert.equal(reset.prev, (JSON.parse(lines[3]) as AuditRecord).hash);
    assert.match(String(reset.data.reason), /incomplete or corrupt/);
    assert.equal(reset.data.discardedLines, 1);
    assert.equal(after.seq, 6);

    const result = await verifyAuditLog(path);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.lines, 7);
    assert.equal(result.resets?.length, 1);
    assert.equal(result.resets![0].line, 6);
    assert.match(result.resets![0].reason, /line 5 skipped \(not valid JSON.*incomplete or corrupt/);

    // Reopening again resumes after the reset's segment, without another reset.
    const again = await AuditLog.open(path);
    assert.equal((await again.append('x', {})).seq, 7);
    await again.close();
    assert.equal((await verifyAuditLog(path)).resets?.length, 1);
  }));

  // A reset cannot excuse what it does not account for.
  test('a chain reset is valid only right after the broken lines it describes', () => withTempDir('audit', async (dir) => {
    const path = await writeLog(dir, 5);
    appendFileSync(path, 'garbage one\ngarbage two');
    await (await AuditLog.open(path)).close();
    const good = await verifyAuditLog(path);
    assert.equal(good.ok, true, JSON.stringify(good));
    assert.match(good.resets![0].reason, /lines 6-7 skipped/);

    // Removing the broken lines leaves a reset with nothing to explain.
    const lines = readLines(path);
    writeLines(path, [...lines.slice(0, 5), lines[7]]);
    assert.deepEqual((await verifyAuditLog(path)).firstBroken, { line: 6, reason: 'a chain reset with no broken line before it' });

    // Changing a broken line after the fact no longer matches what the reset committed to.
    writeLines(path, [...lines.slice(0, 5), 'garbage 0ne', lines[6], lines[7]]);
    const changed = await verifyAuditLog(path);
    assert.equal(changed.firstBroken?.line, 6);
    assert.match(changed.firstBroken!.reason, /chain reset at line 8 does not match the lines it skips/);

    // A hand-written reset that gives no reason does not count.
    const reset = JSON.parse(lines[7]) as AuditRecord;
    writeLines(path, [...lines.slice(0, 7), forgeLine({ ...reset, data: { ...reset.data, reason: '' } })]);
    assert.match((await verifyAuditLog(path)).firstBroken!.reason, /gives no reason/);
  }));

  test('a whole file of garbage gets a reset from the start', () => withTempDir('audit', async (dir) => {
    const path = join(dir, 'audit.jsonl');
    writeFileSync(path, 'not a log\n');
    const log = await AuditLog.open(path);
    assert.equal((await log.append('x', {})).seq, 2);
    await log.close();
    const result = await verifyAuditLog(path);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.lines, 3);
  }));

  // Appends issued together keep call order and one unbroken chain.
  test('50 concurrent appends keep a valid chain in call order', () => withTempDir('audit', async (dir) => {
    const path = await writeLog(dir, 2);
    const log = await AuditLog.open(path);
    const records = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append('tool.finished', { ...toolCall(i), i })));
    await log.close();
    assert.deepEqual(records.map((r) => r.seq), Array.from({ length: 50 }, (_, i) => i + 3));
    const onDisk = readLines(path).slice(2).map((line) => JSON.parse(line) as AuditRecord);
    assert.deepEqual(onDisk.map((r) => r.data.i), Array.from({ length: 50 }, (_, i) => i));
    assert.deepEqual(onDisk.map((r) => r.hash), records.map((r) => r.hash));
    assert.deepEqual(await verifyAuditLog(path), { ok: true, lines: 52 });
  }));

  // With `sync`, concurrent appends share fdatasyncs and close() waits for the last one.
  test('sync mode keeps the chain and order', () => withTempDir('audit', async (dir) => {
    const path = join(dir, 'audit.jsonl');
    const log = await AuditLog.open(path, { sync: true });
    const records = await Promise.all(Array.from({ length: 20 }, (_, i) => log.append('tool.finished', { i })));
    void log.append('tool.finished', { i: 20 });
    await log.close();
    assert.deepEqual(records.map((r) => r.data.i), Array.from({ length: 20 }, (_, i) => i));
    assert.deepEqual(await verifyAuditLog(path), { ok: true, lines: 21 });
  }));

  test('append after close, or of the reserved reset type, is refused', () => withTempDir('audit', async (dir) => {
    const log = await AuditLog.open(join(dir, 'a.jsonl'));
    await assert.rejects(log.append(CHAIN_RESET, { reason: 'hide something' }), /reserved/);
    await log.close();
    await assert.rejects(log.append('x', {}), /closed/);
  }));
});

describe('audit log: what reaches disk', () => {
  // The canary must not appear anywhere in the file, wherever it hides in the data.
  test('redaction keeps a secret off disk', () => withTempDir('audit', async (dir) => {
    const canary = `canary-${createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 16)}`;
    const path = join(dir, 'audit.jsonl');
    const log = await AuditLog.open(path, { redact: (s) => redact(s, [canary]) });
    const record = await log.append('tool.finished', {
      sql: `SELECT '${canary}'`,
      nested: { deep: [`token=${canary}`], [canary]: 'as a key' },
      error: new Error(`auth failed for ${canary}`),
    });
    await log.close();
    const text = readFileSync(path, 'utf8');
    assert.ok(!text.includes(canary), text);
    assert.ok(text.includes("SELECT '***'"));
    assert.ok(!JSON.stringify(record).includes(canary), 'the returned record is what was written');
    assert.equal((await verifyAuditLog(path)).ok, true);
  }));

  test('by default, passwords in connection URLs are masked', () => withTempDir('audit', async (dir) => {
    const path = join(dir, 'audit.jsonl');
    const log = await AuditLog.open(path);
    await log.append('connection.opened', { url: 'postgres://analyst:hunter22@db.internal:5432/warehouse' });
    await log.close();
    assert.ok(!readFileSync(path, 'utf8').includes('hunter22'));
  }));

  // Data that JSON.stringify would throw on, or silently mangle, is logged with markers instead.
  test('unserializable data does not crash append', () => withTempDir('audit', async (dir) => {
    const path = join(dir, 'audit.jsonl');
    const log = await AuditLog.open(path);
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const hostile = { get boom(): never { throw new Error('getter'); } };
    const record = await log.append('tool.finished', {
      rows: 12345678901234567890n,
      cyclic,
      hostile,
      nan: Number.NaN,
      when: new Date('2025-01-02T03:04:05Z'),
      fn: () => 1,
      bytes: Buffer.from('abc'),
      tags: new Set(['a']),
      deep: JSON.parse('['.repeat(100) + ']'.repeat(100)),
    });
    await log.close();
    assert.equal(record.data.rows, '12345678901234567890');
    assert.deepEqual(record.data.cyclic, { name: 'loop', self: '[Circular]' });
    assert.equal(record.data.hostile, '[Unserializable]');
    assert.equal(record.data.nan, 'NaN');
    assert.equal(record.data.when, '2025-01-02T03:04:05.000Z');
    assert.equal('fn' in record.data, false);
    assert.equal(record.data.bytes, '[3 bytes]');
    assert.deepEqual(record.data.tags, ['a']);
    assert.match(JSON.stringify(record.data.deep), /Too deep/);
    assert.equal((await verifyAuditLog(path)).ok, true);
  }));
});

describe('audit log: the Markdown view', () => {
  const hostile = '<img src=x onerror=alert(1)>';
  const records = (): AuditRecord[] => [1, 2, 3].map((seq) => ({
    seq,
    at: `2025-05-01T10:00:0${seq}.123Z`,
    prev: '0'.repeat(64),
    type: seq === 3 ? `tool.finished${hostile}` : 'tool.finished',
    data: { tool: hostile, decision: 'allow | deny', connection: 'prod_dw', environment: 'prod', sql: `SELECT '${hostile}' | 1\n\`\`\`\n<script>x</script>`, rows: seq, durationMs: 7, error: '**bold** [x](javascript:alert(1))' },
    hash: 'a'.repeat(64),
  }));

  test('escapes HTML and Markdown in values', () => {
    const md = renderAuditMarkdown(records());
    // Outside the SQL code blocks (literal by definition), no raw angle bracket survives.
    assert.ok(md.split('\n').filter((line) => line.startsWith('- ')).every((line) => !line.includes('<')), md);
    assert.ok(md.includes('&lt;img src=x onerror=alert\\(1\\)&gt;'));
    assert.ok(md.includes('allow \\| deny'));
    // Rendered, hostile strings stay text: no element, link or emphasis comes from the data.
    const html = marked.parse(md, { async: false, gfm: true }) as string;
    assert.ok(!/<img|<script|<a |<strong>bold/.test(html), html);
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.equal((html.match(/<pre>/g) ?? []).length, 3, 'each SQL stays inside its own code block');
  });

  test('shows the key fields, newest last, within the limit', () => {
    const md = renderAuditMarkdown(records(), { limit: 2 });
    assert.match(md, /The last 2 of 3 records/);
    assert.ok(!md.includes('**1**'));
    assert.ok(md.indexOf('**2**') < md.indexOf('**3**'));
    for (const field of ['decision:', 'connection: prod\\_dw', 'environment: prod', 'rows: 3', 'duration: 7 ms', 'error:', '2025-05-01 10:00:03Z']) assert.ok(md.includes(field), field);
  });

  test('renders file text, unreadable lines included, and long SQL cut short', () => withTempDir('audit', async (dir) => {
    const path = join(dir, 'audit.jsonl');
    const log = await AuditLog.open(path);
    await log.append('tool.finished', { tool: 'run_sql', sql: `SELECT ${'x, '.repeat(500)}1` });
    await log.close();
    const md = renderAuditMarkdown(`${readFileSync(path, 'utf8')}{"torn`);
    assert.match(md, /an unreadable line/);
    const sqlLine = md.split('\n').find((line) => line.includes('SELECT'))!;
    assert.ok(sqlLine.length < 320 && sqlLine.endsWith('…'), sqlLine);
    assert.match(renderAuditMarkdown(''), /No audit records yet/);
  }));
});

describe('pipewright audit', () => {
  async function run(...args: string[]) {
    const stdout = collector();
    const stderr = collector();
    const code = await auditCommand(args, stdout, stderr);
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  test('verify: 0 when the chain holds, 1 when broken, with --json', () => withTempDir('audit', async (dir) => {
    const path = await writeLog(dir, 10);
    const ok = await run('verify', path);
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /^OK: .*10 lines, the hash chain verifies\.\n$/);
    assert.deepEqual(JSON.parse((await run('audit', 'verify', path, '--json')).stdout), { ok: true, lines: 10, firstBroken: null });

    const lines = readLines(path);
    lines.splice(3, 1);
    writeLines(path, lines);
    const broken = await run('verify', path);
    assert.equal(broken.code, 1);
    assert.match(broken.stdout, /^BROKEN: .*line 4 of 9: seq 5 where 4 was expected/);
    const json = await run('verify', '--json', path);
    assert.equal(json.code, 1);
    assert.deepEqual(JSON.parse(json.stdout), { ok: false, lines: 9, firstBroken: { line: 4, reason: 'seq 5 where 4 was expected: a line was deleted, inserted or moved' } });
  }));

  test('usage errors and missing files exit 2 with a message', () => withTempDir('audit', async (dir) => {
    const missing = await run('verify', join(dir, 'nope.jsonl'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no such file: .*nope\.jsonl/);
    for (const args of [[], ['frobnicate'], ['verify'], ['verify', 'a', 'b'], ['verify', '--limit', '3', 'a'], ['show', 'a', '--limit', 'ten']]) {
      const result = await run(...args);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, /Usage:/);
    }
    assert.equal((await run('verify', dir)).code, 2);
  }));

  test('show prints the last records as Markdown', () => withTempDir('audit', async (dir) => {
    const path = await writeLog(dir, 30);
    const shown = await run('show', path, '--limit', '5');
    assert.equal(shown.code, 0);
    assert.match(shown.stdout, /^# Pipewright audit log/);
    assert.match(shown.stdout, /\n5 records, newest last/);
    assert.ok(shown.stdout.includes('**30**') && shown.stdout.includes('**26**') && !shown.stdout.includes('**25**'));
  }));
});
