// Where a workspace's audit log lives by default: one file per workspace folder under the
// storage folder (the editor's global storage, or PIPEWRIGHT_HOME / ~/.cache/pipewright).
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';

export function defaultAuditPath(storageDir: string, workspaceFolder: string | undefined): string {
  const name = workspaceFolder ? `${basename(workspaceFolder).replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40)}-${createHash('sha256').update(workspaceFolder).digest('hex').slice(0, 12)}` : 'no-workspace';
  return join(storageDir, 'audit', `${name}.jsonl`);
}
