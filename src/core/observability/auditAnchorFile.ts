// The CLI's anchor store: one small JSON file per log under the user's state folder
// ($XDG_STATE_HOME/pipewright/audit-anchors, default ~/.local/state/…; %LOCALAPPDATA% on Windows),
// named by a hash of the log's real path. It lives apart from the log so deleting the log, or its
// whole folder, leaves the anchor behind.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { mkdir, readFile, realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseAnchor, type AnchorStore, type AuditAnchor } from './auditAnchor';

export function defaultAnchorDir(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME?.trim()
    || (process.platform === 'win32' && env.LOCALAPPDATA ? join(env.LOCALAPPDATA, 'pipewright', 'state') : join(homedir(), '.local', 'state'));
  return join(state, 'pipewright', 'audit-anchors');
}

/** The log's real path, also when the file (or its folder) is gone: the anchor must still be found. */
export async function logIdentity(logPath: string): Promise<string> {
  const absolute = resolve(logPath);
  try {
    return await realpath(absolute);
  } catch {
    try {
      return join(await realpath(dirname(absolute)), basename(absolute));
    } catch {
      return absolute;
    }
  }
}

export class FileAnchorStore implements AnchorStore {
  private readonly targets = new Map<string, { identity: string; fd: number; size: number }>();
  constructor(readonly dir: string) {}

  /** The sidecar file of a log. */
  async fileFor(logPath: string): Promise<string> {
    return join(this.dir, `${createHash('sha256').update(await logIdentity(logPath)).digest('hex').slice(0, 32)}.json`);
  }

  async get(logPath: string): Promise<AuditAnchor | undefined> {
    const file = await this.fileFor(logPath);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    const anchor = parseAnchor(value);
    if (!anchor) throw new Error(`The audit anchor ${file} is not a valid anchor (edited by hand?). Check it, or move it away to start anchoring afresh.`);
    return anchor;
  }

  async put(logPath: string, anchor: AuditAnchor): Promise<void> {
    const file = await this.fileFor(logPath);
    try {
      let target = this.targets.get(logPath);
      // The file stays open and is overwritten in place, one write of a fixed size: creating and
      // renaming a file per append costs milliseconds on a busy disk, a write at offset 0 microseconds.
      // One write of under a page is never seen half done by a reader or after a crash of the process.
      if (target && fstatSync(target.fd).nlink === 0) {
        closeSync(target.fd); // deleted while open: write a new one
        target = undefined;
      }
      if (!target) {
        await mkdir(this.dir, { recursive: true, mode: 0o700 });
        target = { identity: await logIdentity(logPath), fd: openSync(file, constants.O_RDWR | constants.O_CREAT, 0o600), size: 0 };
        this.targets.set(logPath, target);
      }
      const text = `${JSON.stringify({ log: target.identity, ...anchor })}\n`;
      const length = Buffer.byteLength(text);
      if (length > target.size) {
        target.size = Math.ceil((length + 128) / 512) * 512;
        ftruncateSync(target.fd, target.size);
      }
      const buffer = Buffer.alloc(target.size, ' ');
      buffer.write(text);
      for (let done = 0; done < buffer.length; ) done += writeSync(target.fd, buffer, done, buffer.length - done, done);
    } catch (error) {
      throw new Error(`cannot write the audit anchor ${file} (${(error as Error).message}); set XDG_STATE_HOME to a writable folder`, { cause: error });
    }
  }

  /** Closes the anchor file of a log (the audit log's close calls it). */
  async release(logPath: string): Promise<void> {
    const target = this.targets.get(logPath);
    this.targets.delete(logPath);
    if (target) closeSync(target.fd);
  }
}
