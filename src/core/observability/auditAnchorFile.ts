// The CLI's anchor store: one small JSON file per log under the user's state folder
// ($XDG_STATE_HOME/pipewright/audit-anchors, default ~/.local/state/…; %LOCALAPPDATA% on Windows),
// named by a hash of the log's real path. It lives apart from the log so deleting the log, or its
// whole folder, leaves the anchor behind.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
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
  private readonly targets = new Map<string, { identity: string; file: string }>();
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
    // Resolved once per log: put runs after every append.
    let target = this.targets.get(logPath);
    if (!target) {
      target = { identity: await logIdentity(logPath), file: await this.fileFor(logPath) };
      this.targets.set(logPath, target);
    }
    const { identity, file } = target;
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      // Write and rename: a crash leaves the old anchor or the new one, never half of one.
      await writeFile(temp, `${JSON.stringify({ log: identity, ...anchor })}\n`, { mode: 0o600 });
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw new Error(`cannot write the audit anchor ${file} (${(error as Error).message}); set XDG_STATE_HOME to a writable folder`, { cause: error });
    }
  }
}
