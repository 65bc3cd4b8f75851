// The workspace folder as the file tools see it: every path is resolved part by part with no link
// followed (a link, even a dangling one, could lead out of the workspace or into protected
// configuration) and no name Windows would rewrite; a file is read once, bounded, without
// following a link planted after the check.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { ToolError } from './tool';

/** What read_file hands over at most; the rest is cut (and said so). */
export const MAX_READ_BYTES = 200_000;

/**
 * Resolves a workspace-relative path: every part must be a plain name (no `..`, no link, nothing
 * Windows would rewrite), so the file written or read is exactly the one named.
 */
export async function confine(root: string | undefined, path: string, mustExist: boolean): Promise<{ file: string; relativePath: string }> {
  if (!root) throw new ToolError('No workspace folder is open, so file tools are unavailable.');
  if (isAbsolute(path) || /^[a-z]:/i.test(path) || path.includes('\0')) throw new ToolError('Give a path relative to the workspace folder.');
  const parts = path.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (!parts.length) throw new ToolError('Give a file path.');
  for (const part of parts) {
    if (part === '..') throw new ToolError(`${path} is outside the workspace folder.`);
    // Windows drops trailing dots and spaces, reads ':' as a stream and `PACKAG~1.JSO` as the short
    // name of package.json: `.vscode./x` is `.vscode/x` there.
    if (/[. ]$/.test(part) || part.includes(':') || /~\d/.test(part) || /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(part)) throw new ToolError(`"${part}" is not a file name Pipewright will use.`);
  }
  const realRoot = await realpath(root);
  let current = realRoot;
  for (const part of parts) {
    current = join(current, part);
    try {
      if ((await lstat(current)).isSymbolicLink()) throw new ToolError(`${path} goes through a link (${relative(realRoot, current)}); Pipewright does not follow links.`);
    } catch (error) {
      if (error instanceof ToolError) throw error;
      if (mustExist) throw new ToolError(`${path} does not exist in the workspace.`);
      break; // the rest does not exist yet: nothing further to follow
    }
  }
  const file = join(realRoot, ...parts);
  if (!(file === realRoot || file.startsWith(realRoot + sep))) throw new ToolError(`${path} is outside the workspace folder.`);
  return { file, relativePath: parts.join('/') };
}

export interface WorkspaceText {
  file: string;
  relativePath: string;
  /** The first MAX_READ_BYTES, decoded as UTF-8. */
  text: string;
  /** The file is longer than what was read. */
  truncated: boolean;
  size: number;
  /** How many names the file has: more than one is a hard link, perhaps to a file outside the workspace. */
  links: number;
  /** sha256 of the bytes read: an approval to read is bound to it. */
  sha256: string;
}

/** Reads a text file of the workspace once, at most MAX_READ_BYTES of it, refusing links and binaries. */
export async function readWorkspaceText(root: string | undefined, path: string): Promise<WorkspaceText> {
  const { file, relativePath } = await confine(root, path, true);
  // O_NOFOLLOW: a link planted between the check and the open is refused, not followed;
  // O_NONBLOCK: a named pipe does not hang the read (it is then refused as not a file).
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | (constants.O_NONBLOCK ?? 0)).catch((error: NodeJS.ErrnoException) => {
    throw new ToolError(error.code === 'ELOOP' ? `${path} is a link; Pipewright does not follow links.` : `${path} could not be opened (${error.code ?? error.message}).`);
  });
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new ToolError(`${path} is not a file.`);
    // Read a bounded prefix: a huge file (or one that grows while it is read) costs no more than the limit.
    const buffer = Buffer.alloc(Math.min(stats.size, MAX_READ_BYTES));
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    const bytes = buffer.subarray(0, filled);
    if (bytes.subarray(0, 8000).includes(0)) throw new ToolError(`${path} is a binary file.`);
    return { file, relativePath, text: bytes.toString('utf8'), truncated: stats.size > filled, size: stats.size, links: stats.nlink, sha256: createHash('sha256').update(bytes).digest('hex') };
  } finally {
    await handle.close();
  }
}
