// Workspace files: read_file and write_file, confined to the workspace folder. No link is ever
// followed (a link, even a dangling one, could lead out of the workspace or into protected
// configuration), names Windows would rewrite are refused, and files that hold credentials are
// never read. Writing always needs approval; configuration that changes what runs (.vscode, git
// hooks, CI, MCP) needs typed confirmation — decided by the policy gate.
import { constants } from 'node:fs';
import { lstat, mkdir, open, readFile, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { z } from 'zod';
import { defineTool, ToolError } from './tool';

const MAX_READ_BYTES = 200_000;

/** Files that hold credentials: never handed to the model, whatever the prompt says. */
const SECRET_FILES = [
  /(^|\/)\.env(\.|$)/i, /(^|\/)\.envrc$/i, /\.(pem|key|p8|p12|pfx|jks|keystore)$/i, /(^|\/)id_(rsa|dsa|ecdsa|ed25519)/i,
  /(^|\/)\.pgpass$/i, /(^|\/)\.netrc$/i, /(^|\/)\.npmrc$/i, /(^|\/)\.pypirc$/i, /(^|\/)\.(ssh|aws|gnupg|azure|kube|docker)(\/|$)/i,
  /(^|\/)\.git\/config$/i, /(^|\/)\.git-credentials$/i, /(^|\/)profiles\.yml$/i, /(^|\/)credentials(\.json)?$/i, /(^|\/)secrets?\.(json|ya?ml|toml)$/i,
];

export function isSecretFile(path: string): boolean {
  return SECRET_FILES.some((re) => re.test(path.replace(/\\/g, '/')));
}

/**
 * Resolves a workspace-relative path: every part must be a plain name (no `..`, no link, nothing
 * Windows would rewrite), so the file written or read is exactly the one named.
 */
async function confine(root: string | undefined, path: string, mustExist: boolean): Promise<{ file: string; relativePath: string }> {
  if (!root) throw new ToolError('No workspace folder is open, so file tools are unavailable.');
  if (isAbsolute(path) || /^[a-z]:/i.test(path) || path.includes('\0')) throw new ToolError('Give a path relative to the workspace folder.');
  const parts = path.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (!parts.length) throw new ToolError('Give a file path.');
  for (const part of parts) {
    if (part === '..') throw new ToolError(`${path} is outside the workspace folder.`);
    // Windows drops trailing dots and spaces and reads ':' as a stream: `.vscode./x` is `.vscode/x` there.
    if (/[. ]$/.test(part) || part.includes(':') || /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(part)) throw new ToolError(`"${part}" is not a file name Pipewright will use.`);
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

export const readFileTool = defineTool({
  name: 'read_file',
  description: 'Read a text file of the workspace (path relative to the workspace folder).',
  input: z.object({ path: z.string().min(1).max(1024) }).strict(),
  output: z.object({ path: z.string(), content: z.string(), truncated: z.boolean() }),
  effects: ['reads-files'],
  permission: 'read',
  rateLimit: '60/minute',
  async run(ctx, input) {
    const { file, relativePath } = await confine(ctx.workspaceRoot, input.path, true);
    if (isSecretFile(relativePath)) throw new ToolError(`${input.path} holds credentials; Pipewright does not read it for the model.`);
    if (!(await lstat(file)).isFile()) throw new ToolError(`${input.path} is not a file.`);
    const buffer = await readFile(file, { flag: constants.O_RDONLY | constants.O_NOFOLLOW });
    if (buffer.subarray(0, 8000).includes(0)) throw new ToolError(`${input.path} is a binary file.`);
    const truncated = buffer.length > MAX_READ_BYTES;
    return { content: { path: input.path, content: buffer.subarray(0, MAX_READ_BYTES).toString('utf8'), truncated }, summary: `${buffer.length} bytes` };
  },
});

export const writeFileTool = defineTool({
  name: 'write_file',
  description: 'Propose writing a text file in the workspace (a dbt model, a test, docs, SQL). The user reviews and approves it first.',
  input: z.object({ path: z.string().min(1).max(1024), content: z.string().max(500_000) }).strict(),
  output: z.object({ path: z.string(), bytes: z.number().int() }),
  effects: ['writes-files'],
  permission: 'write',
  rateLimit: '20/minute',
  async run(ctx, input) {
    const { file, relativePath } = await confine(ctx.workspaceRoot, input.path, false);
    await mkdir(join(file, '..'), { recursive: true });
    // O_NOFOLLOW: a link planted between the check and the write is refused, not followed.
    const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
    try {
      await handle.writeFile(input.content, 'utf8');
    } finally {
      await handle.close();
    }
    const bytes = Buffer.byteLength(input.content);
    return { content: { path: relativePath, bytes }, summary: `wrote ${bytes} bytes` };
  },
});
