// The connections the panel offers and their open connectors, opened on first use so
// activation never loads a database driver.
import * as vscode from 'vscode';
import type { Connector } from '../core/connectors/connector';
import type { ConnectionSummary } from '../core/observability/events';
import { loadEngine } from './loadEngine';
import type { ConnectionView } from '../core/protocol/webviewMessages';

export class ConnectionHub implements vscode.Disposable {
  private readonly open_ = new Map<string, Promise<{ connector: Connector; summary: ConnectionSummary }>>();
  private readonly tables = new Map<string, ConnectionView['tables']>();

  constructor(private readonly storageDir: string) {}

  views(): ConnectionView[] {
    const sample = loadEngine().SAMPLE_CONNECTION;
    return [{ ...sample, tables: this.tables.get(sample.id) }];
  }

  open(id: string): Promise<{ connector: Connector; summary: ConnectionSummary }> {
    // Only connections the panel lists: an id from the webview never names an arbitrary file.
    if (!this.views().some((c) => c.id === id)) return Promise.reject(new Error(`Unknown connection "${id}".`));
    let opening = this.open_.get(id);
    if (!opening) {
      opening = (async () => {
        const opened = await loadEngine().openConnection(id, { storageDir: this.storageDir });
        const page = await opened.connector.listTables({ pageSize: 200 });
        this.tables.set(id, page.items.map((t) => ({ name: `${t.schema}.${t.name}`, rows: t.rowEstimate, comment: t.comment })));
        return opened;
      })();
      this.open_.set(id, opening);
      // A failed open is not cached: the next try starts afresh.
      opening.catch(() => this.open_.delete(id));
    }
    return opening;
  }

  dispose(): void {
    for (const opening of this.open_.values()) void opening.then((o) => o.connector.close(), () => undefined);
    this.open_.clear();
  }
}
