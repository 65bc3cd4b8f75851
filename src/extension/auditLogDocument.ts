// "Pipewright: Show Audit Log" as one read-only virtual document (always the same URI, refreshed
// each time it is shown): nothing to save when the window closes, and every statement in full.
import * as vscode from 'vscode';
import type { AuditLog } from '../core/observability/auditLog';
import { loadEngine } from './loadEngine';

export const AUDIT_SCHEME = 'pipewright-audit';
const AUDIT_URI = vscode.Uri.from({ scheme: AUDIT_SCHEME, path: '/Pipewright audit log.md' });
const TAIL_LINES = 500;

export class AuditLogDocument implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly auditLog: () => Promise<AuditLog>) {}

  async provideTextDocumentContent(): Promise<string> {
    const engine = loadEngine();
    const audit = await this.auditLog();
    // The log's own verify: it knows its anchor and its key, so truncation and forged MACs show here.
    const [check, tail] = await Promise.all([audit.verify(), engine.readAuditTail(audit.path, TAIL_LINES)]);
    const problems = [check.firstBroken && `The hash chain is broken at line ${check.firstBroken.line}: ${check.firstBroken.reason}`, check.anchor?.problem, ...(check.restarts ?? []).map((r) => `Line ${r.line}: ${r.reason}`), check.mac?.problem].filter(Boolean);
    const status = !problems.length
      ? `The hash chain of all ${check.lines} lines verifies${check.mac?.checked ? ` (${check.mac.checked} MACs checked)` : ''}${check.anchor ? ', and matches its anchor' : ''}.`
      : `**${problems.join('. ')}** — the log was edited outside Pipewright.`;
    return engine.renderAuditMarkdown(tail, { limit: TAIL_LINES, fullSql: true }).replace('# Pipewright audit log\n', `# Pipewright audit log\n\n${status}\n\nFile: \`${audit.path}\`\n`);
  }

  /** Shows the log (the preview when Markdown is available), re-read from disk now. */
  async show(): Promise<void> {
    this.changed.fire(AUDIT_URI);
    const document = await vscode.workspace.openTextDocument(AUDIT_URI);
    await vscode.commands.executeCommand('markdown.showPreview', document.uri).then(undefined, () => vscode.window.showTextDocument(document, { preview: true }));
  }

  dispose(): void {
    this.changed.dispose();
  }
}
