// The head of an audit log, kept outside the file: how many chained records it had and the hash
// of the last (and of the first). Cutting lines off the end, or deleting the log and starting
// again, leaves the file behind its anchor, which `verify` reports. The editor keeps anchors in
// its extension state, the CLI in a sidecar file away from the log (auditAnchorFile.ts).

export interface AuditAnchor {
  /** Chained records in the log (the seq of the last one). */
  lines: number;
  /** Hash of record `lines`. */
  lastHash: string;
  /** Hash of record 1: a log deleted and started again has another first line. */
  firstHash?: string;
  /** The HMAC key id the log was last written with, if keyed. */
  keyId?: string;
}

/** Anchors by log path. Implementations decide where they live; `put` replaces. */
export interface AnchorStore {
  get(logPath: string): Promise<AuditAnchor | undefined>;
  put(logPath: string, anchor: AuditAnchor): Promise<void>;
  /** Lets go of whatever put keeps open for the log; called when the log closes. */
  release?(logPath: string): Promise<void>;
}

/** An anchor read back from storage, or undefined when it is not one (a hand-edited or foreign value). */
export function parseAnchor(value: unknown): AuditAnchor | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const hex = (s: unknown) => typeof s === 'string' && /^[0-9a-f]{64}$/.test(s);
  if (!Number.isSafeInteger(v.lines) || (v.lines as number) < 0 || !hex(v.lastHash)) return undefined;
  if (v.firstHash !== undefined && !hex(v.firstHash)) return undefined;
  if (v.keyId !== undefined && typeof v.keyId !== 'string') return undefined;
  return { lines: v.lines as number, lastHash: v.lastHash as string, ...(v.firstHash ? { firstHash: v.firstHash as string } : {}), ...(v.keyId ? { keyId: v.keyId as string } : {}) };
}

/**
 * Puts anchors one at a time; updates made while one is being written share the next put, which
 * carries the latest. Each update's promise settles once an anchor at least that new is stored.
 */
export class AnchorWriter {
  private latest: AuditAnchor | undefined;
  private running: Promise<void> = Promise.resolve();
  private next: Promise<void> | undefined;

  constructor(private readonly store: AnchorStore, private readonly logPath: string) {}

  update(anchor: AuditAnchor): Promise<void> {
    this.latest = anchor;
    if (!this.next) {
      const next = this.running.then(() => {
        this.next = undefined;
        return this.store.put(this.logPath, this.latest!);
      });
      this.next = next;
      this.running = next.catch(() => undefined);
    }
    return this.next;
  }

  /** Settles when no put is in flight. */
  idle(): Promise<void> {
    return this.running;
  }
}

/** How a log's head compares with its anchor, in words; undefined when it matches or runs ahead of it. */
export function anchorProblem(anchor: AuditAnchor, found: { lines: number; firstHash?: string; hashAtAnchor?: string }): string | undefined {
  const head = `the anchor says ${anchor.lines} line${anchor.lines === 1 ? '' : 's'} (last hash ${anchor.lastHash.slice(0, 12)}…)`;
  if (anchor.firstHash && found.firstHash !== anchor.firstHash && anchor.lines > 0) {
    return `the log was deleted and started again: ${found.lines} line${found.lines === 1 ? '' : 's'} whose first is not the one anchored, ${head}`;
  }
  if (found.lines < anchor.lines) return `shorter than its anchor: ${found.lines} line${found.lines === 1 ? '' : 's'}, ${head}: lines were cut off the end`;
  if (anchor.lines > 0 && found.hashAtAnchor !== anchor.lastHash) {
    return `line ${anchor.lines} does not match its anchor (hash ${(found.hashAtAnchor ?? 'none').slice(0, 12)}…, ${head}): the log was rewritten and its chain recomputed`;
  }
  return undefined;
}
