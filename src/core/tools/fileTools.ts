// Workspace files: read_file and write_file, confined to the workspace folder (real paths, so a
// symlink cannot lead out of it). Writing always needs approval; configuration that changes what
// runs (.vscode, git hooks, CI, MCP) needs typed confirmation — decided by the policy gate.
import { mkdir, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { isProtectedPath } from '../policy/protectedPaths';
import { defineTool, ToolError } from './tool';

const MAX_READ_BYTES = 200_000;

/** Resolves a workspace-relative path and refuses anything that lands outside the workspace. */
async function confine(root: string | undefined, path: string, mustExist: boolean): Promise<{ file: string; realRelative: string }> {
  if (!root) throw new ToolError('No workspace folder is open, so file tools are unavailable.');
  if (isAbsolute(path) || path.includes('\0')) throw new ToolError('Give a path relative to the workspace folder.');
  const realRoot = await realpath(root);
  const target = resolve(realRoot, path);
  // Where it really lands: the deepest existing ancestor with links resolved, plus the rest.
  let existing = target;
  let rest = '';
  let realTarget = target;
  for (;;) {
    try {
      realTarget = join(await realpath(existing), rest);
      break;
    } catch {
      if (mustExist) throw new ToolError(`${path} does not exist in the workspace.`);
      const parent = dirname(existing);
      if (parent === existing) break;
      rest = join(basename(existing), rest);
      existing = parent;
    }
  }
  const inside = (p: string) => p === realRoot || p.startsWith(realRoot + sep);
  if (!inside(target) || !inside(realTarget)) throw new ToolError(`${path} is outside the workspace folder.`);
  return { file: target, realRelative: relative(realRoot, realTarget) };
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
    const { file } = await confine(ctx.workspaceRoot, input.path, true);
    if (!(await stat(file)).isFile()) throw new ToolError(`${input.path} is not a file.`);
    const buffer = await readFile(file);
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
    const { file, realRelative } = await confine(ctx.workspaceRoot, input.path, false);
    // A link inside the workspace must not turn an approved plain write into a config edit.
    if (isProtectedPath(realRelative) && !isProtectedPath(input.path)) throw new ToolError(`${input.path} leads to ${realRelative} through a link; edit that path directly.`);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, input.content, 'utf8');
    const bytes = Buffer.byteLength(input.content);
    return { content: { path: relative(ctx.workspaceRoot!, file), bytes }, summary: `wrote ${bytes} bytes` };
  },
});
