// Workspace files: read_file and write_file, confined to the workspace folder (see
// workspaceFiles.ts: no link followed, no `..`, no name Windows would rewrite). Credential files
// are never read, by name or by content, even if a caller skipped the gate. Which reads need the
// user's approval (ignored files, anything but project sources) and which writes need typed
// confirmation (files that run code) is decided by the policy gate.
import { constants } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { credentialContent, credentialFileName } from '../policy/credentialFiles';
import { defineTool, ToolError } from './tool';
import { confine, readWorkspaceText } from './workspaceFiles';

export const readFileTool = defineTool({
  name: 'read_file',
  description: 'Read a text file of the workspace (path relative to the workspace folder).',
  input: z.object({ path: z.string().min(1).max(1024) }).strict(),
  output: z.object({ path: z.string(), content: z.string(), truncated: z.boolean() }),
  effects: ['reads-files'],
  permission: 'read',
  rateLimit: '60/minute',
  async run(ctx, input) {
    const read = await readWorkspaceText(ctx.workspaceRoot, input.path);
    const credential = credentialFileName(read.relativePath) ?? credentialContent(read.text);
    if (credential) throw new ToolError(`${input.path} holds credentials (${credential}); Pipewright does not read it for the model.`);
    // The user approved this content: a file swapped or edited since then is not what they saw.
    if (ctx.approvedFileSha256 && ctx.approvedFileSha256 !== read.sha256) throw new ToolError(`${input.path} changed after the read was approved; ask again to read the new content.`);
    return { content: { path: input.path, content: read.text, truncated: read.truncated }, summary: `${read.size} bytes` };
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
