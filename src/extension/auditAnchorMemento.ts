// The editor's anchor store: the audit log's head in the extension's global state, keyed by the
// log's path. It lives in VS Code's own storage, not beside the log, so deleting the log (or its
// folder) leaves the anchor behind. Typed structurally so it loads without the vscode module.
import type { AnchorStore, AuditAnchor } from '../core/observability/auditAnchor';
import { parseAnchor } from '../core/observability/auditAnchor';

/** The part of vscode.Memento this needs. */
export interface MementoLike {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void>;
}

const PREFIX = 'pipewright.auditAnchor:';

export class MementoAnchorStore implements AnchorStore {
  constructor(private readonly memento: MementoLike) {}

  async get(logPath: string): Promise<AuditAnchor | undefined> {
    const value = this.memento.get<unknown>(PREFIX + logPath);
    if (value === undefined) return undefined;
    const anchor = parseAnchor(value);
    if (!anchor) throw new Error(`The audit anchor of ${logPath} in Pipewright's extension state is not a valid anchor.`);
    return anchor;
  }

  async put(logPath: string, anchor: AuditAnchor): Promise<void> {
    await this.memento.update(PREFIX + logPath, { ...anchor });
  }
}
