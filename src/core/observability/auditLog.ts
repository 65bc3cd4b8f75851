// A tamper-evident audit trail: one JSON record per line, each carrying the sha256 of its own
// canonical text and the hash of the record before it, so an edit, deletion, insertion or reordering
// breaks the chain at the line where it happened. Without a key, someone who rewrites the whole rest
// of the file can recompute the chain: an anchor kept elsewhere (auditAnchor.ts) catches a file
// cut short, deleted or rewritten behind it, and an HMAC key (auditKey.ts) makes a recomputed
// chain fail to verify at all.
import * as crypto from 'node:crypto';
import { createReadStream, writeSync } from 'node:fs';
import { chmod, mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AnchorWriter, anchorProblem, type AnchorStore, type AuditAnchor } from './auditAnchor';
import { MAC_ALGORITHM, type AuditKey } from './auditKey';
import { redact as defaultRedact } from './redact';

export interface AuditRecord {
  seq: number;
  /** ISO time. */
  at: string;
  /** The previous record's hash (64 zeros for the first). */
  prev: string;
  type: string;
  data: Record<string, unknown>;
  /** Present on keyed lines: the hash is then HMAC-SHA256 with the key of this id. */
  mac?: typeof MAC_ALGORITHM;
  keyId?: string;
  /** sha256 (or the HMAC) of the line's exact text without the hash field. */
  hash: string;
}

export interface VerifyResult {
  ok: boolean;
  /** Lines in the file. */
  lines: number;
  firstBroken?: { line: number /* 1-based */; reason: string };
  /** Chain resets that explain broken lines (a crash mid-write), if any. */
  resets?: { line: number; reason: string }[];
  /** Records the writer left when it found the log behind its anchor (cut short or deleted). */
  restarts?: { line: number; reason: string }[];
  /** The head compared with the anchor, when one was given; `problem` says how it differs. */
  anchor?: AuditAnchor & { problem?: string };
  /** Keyed lines: how many MACs were checked, how many could not be (no key, or another key's id). */
  mac?: { checked: number; unchecked: number; keyIds: string[]; problem?: string };
}

export interface VerifyOptions {
  /** Checks the MACs of lines keyed with it. */
  key?: AuditKey;
  /** The head this log should have (at least). */
  anchor?: AuditAnchor;
}

export interface AuditLogOptions {
  /** Applied to every string (values and keys) of `data` before hashing; defaults to masking URL credentials. */
  redact?: (s: string) => string;
  /** Also fdatasync before resolving: survives power loss, not just a crash of the process (~0.2 ms more here). */
  sync?: boolean;
  /** HMAC every line with this key. A log keyed with another key, or keyed when no key is given, is refused. */
  key?: AuditKey;
  /** Where the log's head is anchored; updated after every append, before it resolves. */
  anchors?: AnchorStore;
}

export const CHAIN_RESET = 'audit.chain-reset';
/** Written by open() when the file is behind its anchor: the history it had is gone. */
export const ANCHOR_MISMATCH = 'audit.anchor-mismatch';
const RESERVED = new Set([CHAIN_RESET, ANCHOR_MISMATCH]);
const ZERO_HASH = '0'.repeat(64);
// Every line ends with `,"hash":"<64 hex>"}`; the canonical text is the line without it, closed by `}`.
const HASH_HEAD = Buffer.from(',"hash":"');
const HASH_TAIL = Buffer.from('"}');
const SUFFIX_LEN = HASH_HEAD.length + 64 + HASH_TAIL.length;
const CLOSE = Buffer.from('}');
const NEWLINE = Buffer.from('\n');
const FIELDS = 'seq,at,prev,type,data';
const KEYED_FIELDS = 'seq,at,prev,type,data,mac,keyId';
const CHUNK = 64 * 1024;

// crypto.hash (Node >= 20.12) is one-shot and twice as fast as createHash on short lines.
const sha256 = (data: Buffer | string): string =>
  typeof crypto.hash === 'function' ? crypto.hash('sha256', data, 'hex') : crypto.createHash('sha256').update(data).digest('hex');

export class AuditLog {
  private seq: number;
  private lastHash: string;
  private failure: unknown;
  /** The latest fdatasync (with `sync`); close() waits for it. */
  private syncing: Promise<void> = Promise.resolve();
  private nextSync: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  /** The file ended without a newline: the next write starts a new line first. */
  private needsNewline: boolean;
  private firstHash: string | undefined;
  private readonly anchorWriter: AnchorWriter | undefined;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    private readonly redact: (s: string) => string,
    private readonly sync: boolean,
    last: { seq: number; hash: string },
    needsNewline: boolean,
    private readonly key: AuditKey | undefined,
    private readonly anchors: AnchorStore | undefined,
    firstHash: string | undefined,
  ) {
    this.seq = last.seq;
    this.lastHash = last.hash;
    this.needsNewline = needsNewline;
    this.firstHash = firstHash;
    this.anchorWriter = anchors && new AnchorWriter(anchors, path);
  }

  static async open(path: string, options: AuditLogOptions = {}): Promise<AuditLog> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const fh = await open(path, 'a+', 0o600);
    try {
      // An existing file may predate us with looser permissions; records can hold SQL and names.
      // Best effort: some file systems (network shares, WSL mounts) refuse chmod.
      if (process.platform !== 'win32') await chmod(path, 0o600).catch(() => undefined);
      const { size } = await fh.stat();
      const endsWithNewline = size === 0 || (await readAt(fh, size - 1, 1))[0] === 10;
      // Resume from the last complete record; whatever follows it is kept and accounted for.
      const discarded: Buffer[] = [];
      let last: AuditRecord | undefined;
      let detail = '';
      for await (const line of linesFromEnd(fh, size)) {
        const checked = checkLine(line);
        if (checked.record) {
          last = checked.record;
          break;
        }
        detail ||= checked.reason;
        discarded.unshift(line);
      }
      if (last?.keyId !== undefined && last.keyId !== options.key?.id) {
        throw new Error(options.key
          ? `The audit log ${path} is keyed with another HMAC key (id ${last.keyId}; the configured key's id is ${options.key.id}). Configure the key it was written with, or use another log file.`
          : `The audit log ${path} is keyed (HMAC key id ${last.keyId}) but no key is configured. Set the key it was written with (PIPEWRIGHT_AUDIT_KEY for the CLI), or use another log file.`);
      }
      const first = await firstRecord(fh, size);
      const anchor = await options.anchors?.get(path);
      const log = new AuditLog(path, fh, options.redact ?? ((s) => defaultRedact(s)), options.sync ?? false, last ?? { seq: 0, hash: ZERO_HASH }, !endsWithNewline, options.key, options.anchors, first?.hash);
      if (discarded.length) {
        // Never rewrite what is there: start a new segment that says what it skipped and why.
        await log.write(CHAIN_RESET, {
          reason: 'the log ended with an incomplete or corrupt line (a crash or a full disk while writing?); it is kept as is and the chain continues from the last complete record',
          detail,
          resumesAfterSeq: last?.seq ?? 0,
          discardedLines: discarded.length,
          discardedSha256: hashLines(discarded),
        });
      }
      const problem = anchor && anchorProblem(anchor, { lines: last?.seq ?? 0, firstHash: first?.hash, hashAtAnchor: last?.seq === anchor.lines ? last.hash : anchor.lastHash });
      if (problem) {
        // The anchor then follows the new head, but this record keeps saying what was lost: verify
        // reports it for as long as the log exists.
        await log.write(ANCHOR_MISMATCH, { reason: `the log was found ${problem}`, anchor: { ...anchor }, found: { lines: last?.seq ?? 0, lastHash: last?.hash ?? ZERO_HASH } });
      }
      return log;
    } catch (error) {
      await fh.close();
      throw error;
    }
  }

  /** Appends a record; resolves once its line is written. Calls keep their order in the chain. */
  append(type: string, data: Record<string, unknown>): Promise<AuditRecord> {
    if (this.closing) return Promise.reject(new Error(`The audit log ${this.path} is closed.`));
    // Only open() may write a reset: verify accepts one solely after broken lines.
    if (RESERVED.has(type)) return Promise.reject(new Error(`"${type}" is reserved for the audit log itself.`));
    return this.write(String(type), sanitizeData(data, this.redact));
  }

  /** Verifies this log with its own key and anchor. */
  async verify(): Promise<VerifyResult> {
    return verifyAuditLog(this.path, { key: this.key, anchor: await this.anchors?.get(this.path) });
  }

  async close(): Promise<void> {
    this.closing ??= (async () => {
      await this.syncing;
      await this.anchorWriter?.idle();
      await this.anchors?.release?.(this.path);
      await this.fh.close();
    })();
    return this.closing;
  }

  private write(type: string, data: Record<string, unknown>): Promise<AuditRecord> {
    if (this.failure) return Promise.reject(this.failure);
    const record: Omit<AuditRecord, 'hash'> = { seq: this.seq + 1, at: new Date().toISOString(), prev: this.lastHash, type, data };
    if (this.key) Object.assign(record, { mac: MAC_ALGORITHM, keyId: this.key.id });
    const canonical = JSON.stringify(record);
    const hash = this.key ? this.key.mac(canonical) : sha256(canonical);
    const line = Buffer.from(`${this.needsNewline ? '\n' : ''}${canonical.slice(0, -1)},"hash":"${hash}"}\n`);
    try {
      // A synchronous append: a few µs to the page cache, against ~25 µs for a trip through libuv's
      // thread pool. It also keeps concurrent callers in call order with no queue. The line is in
      // the OS when the promise resolves, so it survives a crash of the extension host.
      for (let done = 0; done < line.length; ) done += writeSync(this.fh.fd, line, done);
    } catch (error) {
      // Part of the line may be on disk: later records could not link to it. Refuse them; reopening
      // the log starts a new segment after the last complete line.
      this.failure = error;
      return Promise.reject(error);
    }
    this.needsNewline = false;
    this.seq = record.seq;
    this.lastHash = hash;
    if (record.seq === 1) this.firstHash = hash;
    const result = { ...record, hash };
    const durable = this.sync ? this.datasync() : undefined;
    const anchored = this.anchorWriter?.update({ lines: record.seq, lastHash: hash, ...(this.firstHash ? { firstHash: this.firstHash } : {}), ...(this.key ? { keyId: this.key.id } : {}) }).catch((error: Error) => {
      // The line is on disk; only its anchor is behind, which verify reports as a log ahead of it.
      throw new Error(`The audit record was written to ${this.path}, but its anchor could not be saved: ${error.message}`, { cause: error });
    });
    if (!durable && !anchored) return Promise.resolve(result);
    return Promise.all([durable, anchored]).then(() => result);
  }

  /** One fdatasync at a time; appends made while one runs share the next, which covers them all. */
  private datasync(): Promise<void> {
    if (!this.nextSync) {
      const next = this.syncing.then(() => {
        this.nextSync = undefined;
        return this.fh.datasync();
      });
      this.nextSync = next;
      this.syncing = next.catch((error) => {
        this.failure ??= error;
      });
    }
    return this.nextSync;
  }
}

/** Checks a whole audit file, streaming it: its chain, its MACs (with the key) and its head against the anchor. */
export async function verifyAuditLog(path: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const chain = new ChainCheck(options);
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, start)) {
      chain.line(buf.subarray(start, nl));
      start = nl + 1;
    }
    rest = buf.subarray(start);
  }
  if (rest.length) chain.line(rest);
  return chain.finish();
}

class ChainCheck {
  constructor(private readonly options: VerifyOptions) {}
  private lines = 0;
  private firstHash: string | undefined;
  private hashAtAnchor: string | undefined;
  private keyed = false;
  private macChecked = 0;
  private macUnchecked = 0;
  private keyIds = new Set<string>();
  private restarts: { line: number; reason: string }[] = [];
  private lastSeq = 0;
  private lastHash = ZERO_HASH;
  private lastGoodLine = 0;
  private broken: { line: number; reason: string } | undefined;
  /** Unreadable lines not yet explained by a chain reset. */
  private pending: { line: number; reason: string; count: number; sha: crypto.Hash } | undefined;
  private resets: { line: number; reason: string }[] = [];

  line(bytes: Buffer): void {
    const n = ++this.lines;
    if (this.broken) return;
    const checked = checkLine(bytes, this.options.key);
    if (!checked.record) {
      // Hashed as they come, so a long run of garbage costs no memory.
      this.pending ??= { line: n, reason: checked.reason, count: 0, sha: crypto.createHash('sha256') };
      this.pending.sha.update(this.pending.count++ ? Buffer.concat([NEWLINE, bytes]) : bytes);
      return;
    }
    const record = checked.record;
    if (record.keyId !== undefined) {
      // The writer never switches keys within a log: another key id is a forgery, not a rotation.
      if (this.keyIds.size && !this.keyIds.has(record.keyId)) {
        this.broken = { line: n, reason: `the key id changes from ${[...this.keyIds][0]} to ${record.keyId}: a log is never continued with another key (forged?)` };
        return;
      }
      this.keyed = true;
      this.keyIds.add(record.keyId);
      if (checked.mac === 'checked') this.macChecked++;
      else this.macUnchecked++;
    } else if (this.keyed) {
      // Once keyed, always keyed: the writer refuses to continue a keyed log without its key.
      this.broken = { line: n, reason: 'no MAC on a line after keyed lines: it was written without the key (forged?)' };
      return;
    }
    if (record.type === CHAIN_RESET) return this.reset(n, record);
    if (this.pending) {
      this.broken = { line: this.pending.line, reason: this.pending.reason };
    } else if (record.seq !== this.lastSeq + 1) {
      this.broken = { line: n, reason: `seq ${record.seq} where ${this.lastSeq + 1} was expected: a line was deleted, inserted or moved` };
    } else if (record.prev !== this.lastHash) {
      this.broken = { line: n, reason: `prev does not match the hash of ${this.lastGoodLine ? `line ${this.lastGoodLine}` : 'the start'}: a line was inserted, replaced or moved` };
    } else {
      this.accept(n, record);
    }
  }

  /** A reset is valid only right after unreadable lines, linking to the last good record and saying why. */
  private reset(n: number, record: AuditRecord): void {
    const pending = this.pending;
    if (!pending) {
      this.broken = { line: n, reason: 'a chain reset with no broken line before it' };
      return;
    }
    const { reason, discardedLines, discardedSha256 } = record.data;
    const problem =
      record.seq !== this.lastSeq + 1 || record.prev !== this.lastHash ? `does not link to ${this.lastGoodLine ? `line ${this.lastGoodLine}` : 'the start'}`
      : typeof reason !== 'string' || !reason.trim() ? 'gives no reason'
      : discardedLines !== pending.count || discardedSha256 !== pending.sha.digest('hex') ? 'does not match the lines it skips'
      : '';
    if (problem) {
      this.broken = { line: pending.line, reason: `${pending.reason}; the chain reset at line ${n} ${problem}` };
      return;
    }
    const skipped = pending.count > 1 ? `lines ${pending.line}-${n - 1}` : `line ${pending.line}`;
    this.resets.push({ line: n, reason: `${skipped} skipped (${pending.reason}): ${reason as string}` });
    this.pending = undefined;
    this.accept(n, record);
  }

  private accept(n: number, record: AuditRecord): void {
    if (record.seq === 1) this.firstHash = record.hash;
    if (record.seq === this.options.anchor?.lines) this.hashAtAnchor = record.hash;
    if (record.type === ANCHOR_MISMATCH) this.restarts.push({ line: n, reason: typeof record.data.reason === 'string' ? record.data.reason : 'the log was found behind its anchor' });
    this.lastSeq = record.seq;
    this.lastHash = record.hash;
    this.lastGoodLine = n;
  }

  finish(): VerifyResult {
    const broken = this.broken ?? (this.pending && { line: this.pending.line, reason: this.pending.reason });
    const result: VerifyResult = { ok: !broken, lines: this.lines };
    if (broken) result.firstBroken = broken;
    if (this.resets.length) result.resets = this.resets;
    if (this.restarts.length) {
      result.restarts = this.restarts;
      result.ok = false;
    }
    const { anchor, key } = this.options;
    if (anchor) {
      const problem = anchorProblem(anchor, { lines: this.lastSeq, firstHash: this.firstHash, hashAtAnchor: this.hashAtAnchor });
      result.anchor = { ...anchor, ...(problem ? { problem } : {}) };
      if (problem) result.ok = false;
    }
    if (this.keyed || key) {
      const mac: NonNullable<VerifyResult['mac']> = { checked: this.macChecked, unchecked: this.macUnchecked, keyIds: [...this.keyIds] };
      // A key was given to check MACs and none could be: the log was not written with it, or was rewritten without it.
      if (key && this.lastSeq > 0 && this.macChecked === 0) mac.problem = this.keyed ? `no line is keyed with the given key (id ${key.id}); the log's key id is ${[...this.keyIds].join(', ')}` : `a key was given but no line carries a MAC: the log was written without it, or rewritten by someone without it`;
      else if (anchor?.keyId && !this.keyed) mac.problem = `the anchor says the log is keyed (key id ${anchor.keyId}) but no line carries a MAC: it was rewritten without the key`;
      result.mac = mac;
      if (mac.problem) result.ok = false;
    }
    return result;
  }
}

/**
 * A line's own integrity: shape, JSON and hash (or MAC, with its key). Linking to its neighbours is
 * checked by the caller. A keyed line without its key is `unchecked`: its hash is taken as written.
 */
function checkLine(bytes: Buffer, key?: AuditKey): { record: AuditRecord; mac: 'none' | 'checked' | 'unchecked'; reason?: undefined } | { record?: undefined; reason: string } {
  if (!bytes.length) return { reason: 'empty line' };
  const end = bytes.length - SUFFIX_LEN;
  if (end <= 0 || !bytes.subarray(end, end + HASH_HEAD.length).equals(HASH_HEAD) || !bytes.subarray(-HASH_TAIL.length).equals(HASH_TAIL)) {
    return { reason: parses(bytes) ? 'no hash at the end of the line' : 'not valid JSON (truncated or garbage)' };
  }
  const canonical = Buffer.concat([bytes.subarray(0, end), CLOSE]);
  const written = bytes.toString('latin1', end + HASH_HEAD.length, end + HASH_HEAD.length + 64);
  let value: Omit<AuditRecord, 'hash'>;
  try {
    value = JSON.parse(canonical.toString('utf8'));
  } catch {
    return { reason: 'not valid JSON (truncated or garbage)' };
  }
  const keyed = value !== null && typeof value === 'object' && 'mac' in value;
  // Hash the raw bytes, not decoded text: an invalid byte would otherwise decode to U+FFFD unnoticed.
  const mac = !keyed ? 'none' : key && key.id === value.keyId ? 'checked' : 'unchecked';
  const hash = mac === 'none' ? sha256(canonical) : mac === 'checked' ? key!.mac(canonical) : written;
  if (hash !== written) {
    return { reason: mac === 'checked' ? 'MAC mismatch: the line was changed after it was written (or rewritten without the key)' : 'hash mismatch: the line was changed after it was written' };
  }
  // prev needs no format check: it must equal the hash before it, which the caller compares.
  const ok =
    value !== null && typeof value === 'object' && Object.keys(value).join() === (keyed ? KEYED_FIELDS : FIELDS) &&
    Number.isSafeInteger(value.seq) && value.seq >= 1 && typeof value.at === 'string' && typeof value.prev === 'string' &&
    typeof value.type === 'string' && value.type !== '' &&
    value.data !== null && typeof value.data === 'object' && !Array.isArray(value.data) &&
    (!keyed || (value.mac === MAC_ALGORITHM && typeof value.keyId === 'string' && /^[0-9a-f]{16}$/.test(value.keyId)));
  return ok ? { record: { ...value, hash }, mac } : { reason: 'not an audit record (missing or malformed seq, at, prev, type, data, mac or keyId)' };
}

function parses(bytes: Buffer): boolean {
  try {
    JSON.parse(bytes.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

/** sha256 of lines joined by newlines: what a chain reset commits to having skipped. */
function hashLines(lines: Buffer[]): string {
  const hash = crypto.createHash('sha256');
  lines.forEach((line, i) => hash.update(i ? Buffer.concat([NEWLINE, line]) : line));
  return hash.digest('hex');
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (!bytesRead) break;
    done += bytesRead;
  }
  return buf.subarray(0, done);
}

/** The first complete record of a file (for the anchor's first hash), if its first line is one. */
async function firstRecord(fh: FileHandle, size: number): Promise<AuditRecord | undefined> {
  let buf: Buffer = Buffer.alloc(0);
  for (let pos = 0; pos < size; pos += CHUNK) {
    buf = Buffer.concat([buf, await readAt(fh, pos, Math.min(CHUNK, size - pos))]);
    const nl = buf.indexOf(10);
    if (nl !== -1) return checkLine(buf.subarray(0, nl)).record;
  }
  return buf.length ? checkLine(buf).record : undefined;
}

/** The lines of a file from last to first, without newlines; reads only as far back as asked. */
async function* linesFromEnd(fh: FileHandle, size: number): AsyncGenerator<Buffer> {
  if (!size) return;
  // The final newline ends the last line; it does not start an empty one.
  let pos = (await readAt(fh, size - 1, 1))[0] === 10 ? size - 1 : size;
  let buf: Buffer = Buffer.alloc(0);
  for (;;) {
    const nl = buf.lastIndexOf(10);
    if (nl !== -1) {
      yield buf.subarray(nl + 1);
      buf = buf.subarray(0, nl);
    } else if (pos === 0) {
      yield buf;
      return;
    } else {
      const n = Math.min(CHUNK, pos);
      pos -= n;
      buf = Buffer.concat([await readAt(fh, pos, n), buf]);
    }
  }
}

/** The text of the last `maxLines` lines of a file, for renderAuditMarkdown without reading it all. */
export async function readAuditTail(path: string, maxLines: number): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const lines: string[] = [];
    if (maxLines > 0) {
      for await (const line of linesFromEnd(fh, (await fh.stat()).size)) {
        lines.unshift(line.toString('utf8'));
        if (lines.length >= maxLines) break;
      }
    }
    return lines.join('\n');
  } finally {
    await fh.close();
  }
}

// ---- Making any value safe to log ----

const MAX_DEPTH = 32;

/** A JSON-safe, redacted copy of `data`: never throws, whatever the caller passed. */
function sanitizeData(data: unknown, redact: (s: string) => string): Record<string, unknown> {
  const value = toJsonSafe(data, redact, [], 0);
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : { value: value ?? null };
}

function toJsonSafe(value: unknown, redact: (s: string) => string, ancestors: object[], depth: number): unknown {
  switch (typeof value) {
    case 'string': return redact(value);
    case 'number': return Number.isFinite(value) ? value : String(value);
    case 'boolean': return value;
    case 'bigint': return value.toString();
    case 'undefined': case 'function': case 'symbol': return undefined;
  }
  if (value === null) return null;
  const obj = value as object;
  if (ancestors.includes(obj)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Too deep]';
  ancestors.push(obj);
  try {
    if (obj instanceof Error) return { name: redact(obj.name), message: redact(obj.message) };
    if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) return `[${obj.byteLength} bytes]`;
    const next = (v: unknown) => toJsonSafe(v, redact, ancestors, depth + 1);
    if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') return next((obj as { toJSON(): unknown }).toJSON());
    if (Array.isArray(obj)) return obj.map((v) => next(v) ?? null);
    if (obj instanceof Set) return [...obj].map((v) => next(v) ?? null);
    const entries: [unknown, unknown][] = obj instanceof Map ? [...obj] : Object.keys(obj).map((k) => [k, (obj as Record<string, unknown>)[k]]);
    const out: Record<string, unknown> = {};
    for (const [key, v] of entries) {
      const safe = next(v);
      if (safe === undefined) continue;
      const name = redact(String(key));
      // A "__proto__" key must stay a key, not become the prototype.
      if (name === '__proto__') Object.defineProperty(out, name, { value: safe, enumerable: true, writable: true, configurable: true });
      else out[name] = safe;
    }
    return out;
  } catch {
    // A throwing getter, toJSON or redact: drop the value rather than risk logging it raw.
    return '[Unserializable]';
  } finally {
    ancestors.pop();
  }
}

// ---- A readable view ----

const SQL_LIMIT = 300;
const VALUE_LIMIT = 200;

/** Markdown for "Pipewright: Show Audit Log", newest last. Every value from the log is escaped. */
export function renderAuditMarkdown(records: AuditRecord[] | string, options: { limit?: number; /** Show every statement whole (the editor's view), not cut at SQL_LIMIT. */ fullSql?: boolean } = {}): string {
  const all = typeof records === 'string' ? parseRecords(records) : records;
  const limit = options.limit ?? 200;
  const shown = limit > 0 ? all.slice(-limit) : [];
  const out = ['# Pipewright audit log', ''];
  if (!all.length) return `${out.join('\n')}No audit records yet.\n`;
  const count = shown.length < all.length ? `The last ${shown.length} of ${all.length} records` : `${all.length} record${all.length > 1 ? 's' : ''}`;
  out.push(`${count}, newest last. \`pipewright audit verify <file>\` checks that none was changed.`, '');
  for (const record of shown) {
    if (!record || typeof record !== 'object' || typeof record.type !== 'string') {
      out.push('- *an unreadable line*');
      continue;
    }
    const data: Record<string, unknown> = record.data && typeof record.data === 'object' ? record.data : {};
    const time = typeof record.at === 'string' ? record.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
    const fields = keyFields(data);
    const details = fields.length ? fields.map(([label, v]) => `${label}: ${escapeText(v)}`).join(' · ') : escapeText(data);
    out.push(`- **${escapeText(record.seq)}** · ${escapeText(time)} · **${escapeText(record.type)}**${details ? ` · ${details}` : ''}`);
    if (typeof data.sql === 'string' && data.sql.trim()) out.push(fencedSql(data.sql, options.fullSql ? Infinity : SQL_LIMIT));
  }
  return `${out.join('\n')}\n`;
}

function parseRecords(text: string): AuditRecord[] {
  return text.split('\n').filter((line) => line.trim()).map((line) => {
    try {
      return JSON.parse(line) as AuditRecord;
    } catch {
      return undefined as unknown as AuditRecord; // shown as an unreadable line
    }
  });
}

/** The fields worth a glance, under the names tool-call records use. */
function keyFields(d: Record<string, unknown>): [string, unknown][] {
  const conn = d.connection;
  const connObj = conn && typeof conn === 'object' ? (conn as Record<string, unknown>) : undefined;
  const fields: [string, unknown][] = [
    ['tool', d.tool ?? d.toolName],
    ['decision', d.decision],
    ['approval', d.approval ?? (typeof d.approved === 'boolean' ? (d.approved ? 'approved' : 'rejected') : undefined)],
    ['connection', connObj ? connObj.label ?? connObj.id : conn ?? d.connectionId],
    ['environment', d.environment ?? connObj?.environment],
    ['rows', d.rows ?? d.rowCount],
    ['duration', typeof d.durationMs === 'number' ? `${d.durationMs} ms` : d.duration],
    ['outcome', d.outcome ?? d.status ?? (d.ok === true ? 'ok' : d.ok === false ? 'failed' : undefined)],
    ['error', d.error && typeof d.error === 'object' && 'message' in d.error ? d.error.message : d.error],
    ['reason', d.reason],
  ];
  return fields.filter(([, v]) => v !== undefined && v !== null && v !== '');
}

/** Plain text for Markdown: one line, cut short, with HTML and Markdown syntax neutralised. */
function escapeText(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  text = truncate(text.replace(/\s+/g, ' ').trim(), VALUE_LIMIT);
  return text
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|~#!()]/g, '\\$&');
}

/** SQL in a fenced block inside the list item; the fence is longer than any backtick run inside. */
function fencedSql(sql: string, limit: number): string {
  const text = truncate(sql.replace(/\r\n?/g, '\n').trim(), limit);
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}sql`, ...text.split('\n'), fence].map((line) => `  ${line}`).join('\n');
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  // Do not cut a surrogate pair in half.
  const cut = /[\uD800-\uDBFF]/.test(text[max - 1]) ? max - 1 : max;
  return `${text.slice(0, cut)}…`;
}
