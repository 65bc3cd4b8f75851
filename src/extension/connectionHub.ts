// The connections Pipewright offers (the sample warehouse plus those saved in settings) and
// their open connectors, opened on first use so activation never loads a database driver.
import * as vscode from 'vscode';
import type { ConnectionConfig } from '../core/connectors/connectionConfig';
import type { Connector } from '../core/connectors/connector';
import type { ConnectionSummary } from '../core/observability/events';
import type { ConnectionView } from '../core/protocol/webviewMessages';
import { loadEngine } from './loadEngine';

interface Opened {
  connector: Connector;
  summary: ConnectionSummary;
  transport?: string;
}

export class ConnectionHub implements vscode.Disposable {
  private readonly opened = new Map<string, Promise<Opened>>();
  private readonly tables = new Map<string, ConnectionView['tables']>();
  private readonly syncing = new Map<string, ReturnType<ConnectionHub['syncCatalog']>>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the list of connections or what is known of them changes. */
  readonly onDidChange = this.changed.event;
  private configsCache?: { configs: ConnectionConfig[]; problems: string[] };
  /** Where `sql.sent` records go; set before the first open (extension.ts). */
  audit?: { append(type: string, data: Record<string, unknown>): Promise<unknown> };

  constructor(
    private readonly storageDir: string,
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Saved connections from settings; broken entries are logged and skipped. */
  configs(): ConnectionConfig[] {
    if (!this.configsCache) {
      this.configsCache = loadEngine().parseConnectionConfigs(vscode.workspace.getConfiguration('pipewright').get('connections', []));
      for (const problem of this.configsCache.problems) this.log.warn(problem);
    }
    return this.configsCache.configs;
  }

  views(): ConnectionView[] {
    const sample = loadEngine().SAMPLE_CONNECTION;
    return [
      { ...sample, tables: this.tables.get(sample.id) },
      ...this.configs().map((c): ConnectionView => ({ id: c.id, label: c.label, dialect: c.kind, environment: c.environment, tables: this.tables.get(c.id) })),
    ];
  }

  /** Settings changed: connectors whose configuration changed are closed and reopened on next use. */
  async reload(): Promise<void> {
    const before = new Map(this.configs().map((c) => [c.id, JSON.stringify(c)]));
    this.configsCache = undefined;
    const after = new Map(this.configs().map((c) => [c.id, JSON.stringify(c)]));
    for (const [id, text] of before) if (after.get(id) !== text) await this.forget(id);
    this.changed.fire();
  }

  /** Closes a connection's connector and forgets its tables (after an edit, a removal, or a refresh). */
  async forget(id: string): Promise<void> {
    const opening = this.opened.get(id);
    this.opened.delete(id);
    this.tables.delete(id);
    if (opening) await opening.then((o) => o.connector.close(), () => undefined);
    this.changed.fire();
  }

  open(id: string): Promise<Opened> {
    // Only connections the user configured: an id from the webview never names an arbitrary file.
    const config = this.configs().find((c) => c.id === id);
    if (id !== 'sample' && !config) return Promise.reject(new Error(`Unknown connection "${id}".`));
    // Restricted Mode: no connection is opened (and so no driver or worker starts) in an untrusted workspace.
    if (!vscode.workspace.isTrusted) return Promise.reject(new Error('This workspace is in Restricted Mode: Pipewright opens no connections here. Trust the workspace to use them.'));
    let opening = this.opened.get(id);
    if (!opening) {
      opening = (async () => {
        const engine = loadEngine();
        const onLog = (level: 'info' | 'warn' | 'error', message: string) => this.log[level](message);
        const opened = config
          ? await engine.openConfigured(config, await this.secrets.get(engine.connectionSecretKey(config)), { storageDir: this.storageDir, onLog, cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath })
          : await engine.openConnection('sample', { storageDir: this.storageDir, onLog });
        if (!this.audit) {
          await opened.connector.close();
          throw new Error('Pipewright opens no connection before its audit log is set up.');
        }
        opened.connector = engine.auditedConnector(opened.connector, this.audit);
        const page = await opened.connector.listTables({ pageSize: 200 });
        this.tables.set(id, page.items.map((t) => ({ name: `${t.schema}.${t.name}`, rows: t.rowEstimate, comment: t.comment })));
        this.changed.fire();
        return opened;
      })();
      this.opened.set(id, opening);
      // A failed open is not cached: the next try starts afresh.
      const mine = opening;
      opening.catch(() => {
        if (this.opened.get(id) === mine) this.opened.delete(id);
      });
    }
    return opening;
  }

  /** Where a connection's catalog cache lives (extension global storage). */
  catalogPath(id: string): string {
    return loadEngine().catalogCachePath(this.storageDir, id);
  }

  /**
   * Syncs a connection's catalog now, with VS Code progress: a cancellable notification when the
   * user asked for it, the status bar when a question needs it. One sync per connection at a time.
   */
  syncCatalog(id: string, options: { interactive: boolean; signal?: AbortSignal }): Promise<{ tables: number; columns: number; mode: string; fetchedTables: number; ms: number }> {
    const running = this.syncing.get(id);
    if (running) return running;
    const sync = (async () => {
      const { connector, summary } = await this.open(id);
      const location = options.interactive ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window;
      return vscode.window.withProgress({ location, title: `Pipewright: catalog of ${summary.label}`, cancellable: options.interactive }, async (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        options.signal?.addEventListener('abort', () => controller.abort(), { once: true });
        let last = 0;
        const result = await loadEngine().refreshCatalog(connector, this.catalogPath(id), {
          signal: controller.signal,
          onProgress: (p) => {
            // Progress events come per page; the UI needs a few a second at most.
            if (Date.now() - last < 250) return;
            last = Date.now();
            progress.report({ message: p.total ? `${p.phase} ${p.done.toLocaleString()} of ${p.total.toLocaleString()}` : `${p.phase} ${p.done.toLocaleString()}` });
          },
        });
        const stats = { tables: result.snapshot.tables.length, columns: result.columns, mode: result.mode, fetchedTables: result.fetchedTables, ms: Math.round(result.ms) };
        this.log.info(`Catalog of ${id}: ${stats.tables} tables, ${stats.columns} columns, ${stats.mode} sync (${stats.fetchedTables} tables read) in ${stats.ms} ms.`);
        // The Connections tree lists the cached catalog: it refreshes from the new one.
        this.changed.fire();
        return stats;
      });
    })().finally(() => this.syncing.delete(id));
    this.syncing.set(id, sync);
    return sync;
  }

  dispose(): void {
    for (const opening of this.opened.values()) void opening.then((o) => o.connector.close(), () => undefined);
    this.opened.clear();
    this.changed.dispose();
  }
}
