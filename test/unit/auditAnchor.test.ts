// The audit log against its anchor and its HMAC key, on real files: a log cut short, deleted and
// started again, or rewritten with a recomputed chain is reported; a key makes a recomputed chain
// fail outright; the CLI keeps its anchor in a sidecar away from the log (checked through the
// built CLI); the editor's store works on a Memento (a small fake of vscode.Memento, named so).
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANCHOR_MISMATCH, AuditLog, verifyAuditLog, type AuditRecord } from '../../src/core/observability/auditLog';
import { FileAnchorStore, defaultAnchorDir } from '../../src/core/observability/auditAnchorFile';
import type { AnchorStore, AuditAnchor } from '../../src/core/observability/auditAnchor';
import { auditKeyFromText } from '../../src/core/observability/auditKey';
import { MementoAnchorStore, type MementoLike } from '../../src/extension/auditAnchorMemento';
import { ROOT, runCli } from '../support/runCli';
import { withTempDir } from '../support/tempDirs';

const KEY_TEXT = 'test-key-0123456789abcdefghijklmnopqrstuv';
const readLines = (path: string) => readFileSync(path, 'utf8').split('\n').slice(0, -1);
const writeLines = (path: string, lines: string[]) => writeFileSync(path, `${lines.join('\n')}\n`);

async function writeLog(path: string, n: number, options: Parameters<typeof AuditLog.open>[1] = {}): Promise<void> {
  const log = await AuditLog.open(path, options);
  for (let i = 0; i < n; i++) await log.append('tool.finished', { tool: 'run_sql', sql: `SELECT ${i}`, rows: i });
  await log.close();
}

/**
 * What a forger without the key does: edit records, then recompute every hash and link with plain
 * sha256 so the chain verifies again. `keepMacFields` keeps the lines claiming to be keyed.
 */
function recomputeChain(path: string, edit: (record: Record<string, unknown>, index: number) => void, keepMacFields = false): void {
  let prev = '0'.repeat(64);
  const out = readLines(path).map((line, i) => {
    const { hash: _hash, mac, keyId, ...record } = JSON.parse(line) as AuditRecord;
    edit(record as unknown as Record<string, unknown>, i);
    const fields: Record<string, unknown> = { seq: record.seq, at: record.at, prev, type: record.type, data: record.data };
    if (keepMacFields && mac) Object.assign(fields, { mac, keyId });
    const canonical = JSON.stringify(fields);
    prev = createHash('sha256').update(canonical).digest('hex');
    return `${canonical.slice(0, -1)},"hash":"${prev}"}`;
  });
  writeLines(path, out);
}

/** A fake of vscode.Memento (an in-memory map), standing in for the editor's globalState. */
class FakeMemento implements MementoLike {
  readonly values = new Map<string, unknown>();
  updates = 0;
  get<T>(key: string): T | undefined {
    return this.values.get(key) as T | undefined;
  }
  async update(key: string, value: unknown): Promise<void> {
    this.updates++;
    this.values.set(key, structuredClone(value));
  }
}

describe('audit anchors', () => {
  test('a log cut short is reported against its anchor', () => withTempDir('anchor', async (dir) => {
    const anchors = new FileAnchorStore(join(dir, 'state'));
    const path = join(dir, 'logs', 'audit.jsonl');
    await writeLog(path, 10, { anchors });
    const anchor = (await anchors.get(path))!;
    assert.equal(anchor.lines, 10);
    assert.equal(anchor.lastHash, (JSON.parse(readLines(path)[9]) as AuditRecord).hash);
    assert.equal((await verifyAuditLog(path, { anchor })).ok, true);

    writeLines(path, readLines(path).slice(0, 7));
    // The chain alone cannot see it: what is left is a valid chain.
    assert.deepEqual(await verifyAuditLog(path), { ok: true, lines: 7 });
    const result = await verifyAuditLog(path, { anchor });
    assert.equal(result.ok, false);
    assert.equal(result.anchor?.problem, `shorter than its anchor: 7 lines, the anchor says 10 lines (last hash ${anchor.lastHash.slice(0, 12)}…): lines were cut off the end`);
  }));

  test('a log deleted and started again is reported, by verify and by the writer that reopens it', () => withTempDir('anchor', async (dir) => {
    const anchors = new FileAnchorStore(join(dir, 'state'));
    const path = join(dir, 'logs', 'audit.jsonl');
    await writeLog(path, 5, { anchors });
    const anchor = (await anchors.get(path))!;

    // Someone deletes the whole folder and writes a fresh, valid chain of their own.
    rmSync(join(dir, 'logs'), { recursive: true });
    await writeLog(path, 8);
    const fresh = await verifyAuditLog(path, { anchor });
    assert.equal(fresh.ok, false);
    assert.match(fresh.anchor!.problem!, /^the log was deleted and started again: 8 lines whose first is not the one anchored, the anchor says 5 lines/);

    // Pipewright reopening a deleted log says so in the log itself, for good.
    rmSync(path);
    await writeLog(path, 2, { anchors });
    const lines = readLines(path).map((l) => JSON.parse(l) as AuditRecord);
    assert.equal(lines[0].type, ANCHOR_MISMATCH);
    assert.deepEqual(lines[0].data.anchor, anchor);
    const reopened = await verifyAuditLog(path, { anchor: await anchors.get(path) });
    assert.equal(reopened.ok, false);
    assert.equal(reopened.anchor?.problem, undefined, 'the anchor follows the new head');
    assert.match(reopened.restarts![0].reason, /deleted and started again: 0 lines/);
    assert.equal(reopened.restarts![0].line, 1);
    // Appending more does not wash it out.
    await writeLog(path, 3, { anchors });
    assert.equal((await verifyAuditLog(path, { anchor: await anchors.get(path) })).ok, false);
  }));

  test('a log cut short and then reopened by Pipewright keeps saying so', () => withTempDir('anchor', async (dir) => {
    const anchors = new FileAnchorStore(join(dir, 'state'));
    const path = join(dir, 'audit.jsonl');
    await writeLog(path, 6, { anchors });
    writeLines(path, readLines(path).slice(0, 4));
    await writeLog(path, 1, { anchors });
    const result = await verifyAuditLog(path, { anchor: await anchors.get(path) });
    assert.equal(result.ok, false);
    assert.match(result.restarts![0].reason, /shorter than its anchor: 4 lines, the anchor says 6 lines/);
  }));

  test('a rewritten, recomputed chain: without a key only the anchor catches it', () => withTempDir('anchor', async (dir) => {
    const anchors = new FileAnchorStore(join(dir, 'state'));
    const path = join(dir, 'audit.jsonl');
    await writeLog(path, 10, { anchors });
    const anchor = (await anchors.get(path))!;
    recomputeChain(path, (record, i) => { if (i === 2) (record.data as Record<string, unknown>).sql = 'SELECT harmless'; });
    assert.deepEqual(await verifyAuditLog(path), { ok: true, lines: 10 }, 'a recomputed chain links');
    const result = await verifyAuditLog(path, { anchor });
    assert.equal(result.ok, false);
    assert.match(result.anchor!.problem!, /^line 10 does not match its anchor .*: the log was rewritten and its chain recomputed$/);
  }));

  test('with a key, a recomputed chain fails to verify even with no anchor', () => withTempDir('anchor', async (dir) => {
    const key = auditKeyFromText(KEY_TEXT);
    const path = join(dir, 'audit.jsonl');
    await writeLog(path, 6, { key });
    const first = JSON.parse(readLines(path)[0]) as AuditRecord;
    assert.equal(first.mac, 'hmac-sha256');
    assert.equal(first.keyId, key.id);
    assert.ok(!readFileSync(path, 'utf8').includes(KEY_TEXT), 'the key never reaches the file');
    assert.deepEqual(await verifyAuditLog(path, { key }), { ok: true, lines: 6, mac: { checked: 6, unchecked: 0, keyIds: [key.id] } });

    // Without the key the links still check, and the MACs are reported as unchecked.
    const noKey = await verifyAuditLog(path);
    assert.equal(noKey.ok, true);
    assert.deepEqual(noKey.mac, { checked: 0, unchecked: 6, keyIds: [key.id] });

    const original = readFileSync(path, 'utf8');
    // A forger keeps the lines looking keyed but can only compute sha256.
    recomputeChain(path, (record, i) => { if (i === 3) (record.data as Record<string, unknown>).sql = 'SELECT harmless'; }, true);
    const forged = await verifyAuditLog(path, { key });
    assert.equal(forged.ok, false);
    assert.deepEqual(forged.firstBroken, { line: 1, reason: 'MAC mismatch: the line was changed after it was written (or rewritten without the key)' });

    // Or drops the MAC fields altogether: a key given and no line keyed with it.
    writeFileSync(path, original);
    recomputeChain(path, () => undefined, false);
    const stripped = await verifyAuditLog(path, { key });
    assert.equal(stripped.ok, false);
    assert.match(stripped.mac!.problem!, /a key was given but no line carries a MAC/);

    // Or strips only the tail: unkeyed lines after keyed ones are a break.
    writeFileSync(path, original);
    const lines = readLines(path);
    const fourth = JSON.parse(lines[3]) as AuditRecord;
    const canonical = JSON.stringify({ seq: fourth.seq, at: fourth.at, prev: fourth.prev, type: fourth.type, data: fourth.data });
    lines[3] = `${canonical.slice(0, -1)},"hash":"${createHash('sha256').update(canonical).digest('hex')}"}`;
    writeLines(path, lines.slice(0, 4));
    assert.deepEqual((await verifyAuditLog(path)).firstBroken, { line: 4, reason: 'no MAC on a line after keyed lines: it was written without the key (forged?)' });

    // Or forges the tail under a made-up key id, so that it would read as "cannot check" rather than wrong.
    writeFileSync(path, original);
    const kept = readLines(path);
    let prev = (JSON.parse(kept[3]) as AuditRecord).hash;
    const tail = kept.slice(4).map((line) => {
      const r = JSON.parse(line) as AuditRecord;
      const canonical = JSON.stringify({ seq: r.seq, at: r.at, prev, type: r.type, data: { ...r.data, sql: 'SELECT harmless' }, mac: 'hmac-sha256', keyId: 'f'.repeat(16) });
      prev = createHash('sha256').update(canonical).digest('hex');
      return `${canonical.slice(0, -1)},"hash":"${prev}"}`;
    });
    writeLines(path, [...kept.slice(0, 4), ...tail]);
    const switched = await verifyAuditLog(path, { key });
    assert.equal(switched.ok, false);
    assert.equal(switched.firstBroken?.line, 5);
    assert.match(switched.firstBroken!.reason, /the key id changes from [0-9a-f]{16} to f{16}/);
  }));

  test('a keyed log is not continued without its key, or with another', () => withTempDir('anchor', async (dir) => {
    const path = join(dir, 'audit.jsonl');
    await writeLog(path, 2, { key: auditKeyFromText(KEY_TEXT) });
    await assert.rejects(AuditLog.open(path), /is keyed \(HMAC key id [0-9a-f]{16}\) but no key is configured/);
    await assert.rejects(AuditLog.open(path, { key: auditKeyFromText(`${KEY_TEXT}-other`) }), /keyed with another HMAC key/);
    assert.throws(() => auditKeyFromText('short'), /at least 32 random characters/);
    // A plain log may take a key from now on.
    const plain = join(dir, 'plain.jsonl');
    await writeLog(plain, 2);
    await writeLog(plain, 2, { key: auditKeyFromText(KEY_TEXT) });
    assert.deepEqual(await verifyAuditLog(plain, { key: auditKeyFromText(KEY_TEXT) }), { ok: true, lines: 4, mac: { checked: 2, unchecked: 0, keyIds: [auditKeyFromText(KEY_TEXT).id] } });
  }));

  test('concurrent appends keep the chain, and the anchor ends at the head', () => withTempDir('anchor', async (dir) => {
    let puts = 0;
    const files = new FileAnchorStore(join(dir, 'state'));
    const counting: AnchorStore = { get: (p) => files.get(p), put: (p, a) => { puts++; return files.put(p, a); } };
    const path = join(dir, 'audit.jsonl');
    const log = await AuditLog.open(path, { anchors: counting, key: auditKeyFromText(KEY_TEXT) });
    const records = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append('tool.finished', { i })));
    await log.close();
    assert.deepEqual(records.map((r) => r.seq), Array.from({ length: 50 }, (_, i) => i + 1));
    const anchor = (await files.get(path))!;
    assert.deepEqual(anchor, { lines: 50, lastHash: records[49].hash, firstHash: records[0].hash, keyId: auditKeyFromText(KEY_TEXT).id });
    assert.ok(puts < 50, `appends made together share anchor writes (${puts} puts)`);
    assert.equal((await verifyAuditLog(path, { anchor, key: auditKeyFromText(KEY_TEXT) })).ok, true);
  }));

  test('an anchor file deleted while the log is open is written again', () => withTempDir('anchor', async (dir) => {
    const anchors = new FileAnchorStore(join(dir, 'state'));
    const path = join(dir, 'audit.jsonl');
    const log = await AuditLog.open(path, { anchors });
    await log.append('x', { i: 1 });
    rmSync(join(dir, 'state'), { recursive: true });
    await log.append('x', { i: 2 });
    await log.close();
    assert.equal((await anchors.get(path))?.lines, 2);
  }));

  test('an anchor that cannot be saved fails the append with a clear error', () => withTempDir('anchor', async (dir) => {
    const broken: AnchorStore = { get: async () => undefined, put: async () => { throw new Error('disk full'); } };
    const log = await AuditLog.open(join(dir, 'audit.jsonl'), { anchors: broken });
    await assert.rejects(log.append('x', {}), /The audit record was written to .*audit\.jsonl, but its anchor could not be saved: disk full/);
    await log.close();
  }));

  test('the editor\'s store keeps anchors in a Memento (fake), keyed by the log path', () => withTempDir('anchor', async (dir) => {
    const memento = new FakeMemento();
    const anchors = new MementoAnchorStore(memento);
    const path = join(dir, 'audit.jsonl');
    await writeLog(path, 4, { anchors });
    const stored = memento.get<AuditAnchor>(`pipewright.auditAnchor:${path}`);
    assert.equal(stored?.lines, 4);
    const log = await AuditLog.open(path, { anchors });
    assert.equal((await log.verify()).ok, true);
    await log.close();
    writeLines(path, readLines(path).slice(0, 1));
    const cut = await verifyAuditLog(path, { anchor: await anchors.get(path) });
    assert.match(cut.anchor!.problem!, /shorter than its anchor: 1 line, the anchor says 4 lines/);
    memento.values.set(`pipewright.auditAnchor:${path}`, { lines: 'many' });
    await assert.rejects(anchors.get(path), /not a valid anchor/);
  }));
});

describe('pipewright audit verify with anchors (built CLI)', () => {
  before(() => {
    if (!existsSync(join(ROOT, 'dist', 'cli.js'))) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  });
  const cliEnv = (state: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_STATE_HOME: state, ...extra };
    if (!extra.PIPEWRIGHT_AUDIT_KEY) delete env.PIPEWRIGHT_AUDIT_KEY;
    return env;
  };

  test('the sidecar lives under XDG_STATE_HOME, away from the log, and verify reads it', () => withTempDir('anchor-cli', async (dir) => {
    const state = join(dir, 'state');
    const path = join(dir, 'logs', 'audit.jsonl');
    await writeLog(path, 5, { anchors: new FileAnchorStore(defaultAnchorDir({ XDG_STATE_HOME: state })) });
    const sidecars = readdirSync(join(state, 'pipewright', 'audit-anchors'));
    assert.equal(sidecars.length, 1);
    assert.ok(!readdirSync(join(dir, 'logs')).some((f) => f !== 'audit.jsonl'), 'nothing beside the log');

    const ok = await runCli(['audit', 'verify', path], cliEnv(state));
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^OK: .*: 5 lines, the hash chain verifies, matching its anchor \(5 lines\)\.\n$/);

    writeLines(path, readLines(path).slice(0, 3));
    const cut = await runCli(['audit', 'verify', path], cliEnv(state));
    assert.equal(cut.code, 1);
    assert.match(cut.stdout, /BROKEN: .*: shorter than its anchor: 3 lines, the anchor says 5 lines \(last hash [0-9a-f]{12}…\): lines were cut off the end\./);

    const json = await runCli(['audit', 'verify', path, '--json'], cliEnv(state));
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.stdout).anchor.lines, 5);

    rmSync(join(dir, 'logs'), { recursive: true });
    const gone = await runCli(['audit', 'verify', path], cliEnv(state));
    assert.equal(gone.code, 1, gone.stderr);
    assert.match(gone.stdout, /BROKEN: .*: the log was deleted: the anchor says 5 lines/);
    // A file never anchored is still just a missing file.
    const typo = await runCli(['audit', 'verify', join(dir, 'nope.jsonl')], cliEnv(state));
    assert.equal(typo.code, 2);
  }));

  test('keyed logs: exit 3 without the key, 0 with it, 1 when recomputed without it', () => withTempDir('anchor-cli', async (dir) => {
    const state = join(dir, 'state');
    const path = join(dir, 'audit.jsonl');
    await writeLog(path, 3, { key: auditKeyFromText(KEY_TEXT) });
    const noKey = await runCli(['audit', 'verify', path], cliEnv(state));
    assert.equal(noKey.code, 3, noKey.stdout + noKey.stderr);
    assert.match(noKey.stdout, /UNCHECKED: .*3 lines carry an HMAC \(key id [0-9a-f]{16}\) that cannot be checked without the key: set PIPEWRIGHT_AUDIT_KEY/);
    const withKey = await runCli(['audit', 'verify', path], cliEnv(state, { PIPEWRIGHT_AUDIT_KEY: KEY_TEXT }));
    assert.equal(withKey.code, 0, withKey.stdout + withKey.stderr);
    assert.match(withKey.stdout, /3 MACs check/);
    recomputeChain(path, () => undefined, true);
    const forged = await runCli(['audit', 'verify', path], cliEnv(state, { PIPEWRIGHT_AUDIT_KEY: KEY_TEXT }));
    assert.equal(forged.code, 1);
    assert.match(forged.stdout, /MAC mismatch/);
    const badKey = await runCli(['audit', 'verify', path], cliEnv(state, { PIPEWRIGHT_AUDIT_KEY: 'short' }));
    assert.equal(badKey.code, 2);
    assert.match(badKey.stderr, /PIPEWRIGHT_AUDIT_KEY is 5 characters long/);
  }));
});
