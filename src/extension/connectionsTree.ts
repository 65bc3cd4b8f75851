// The Connections tree in the Pipewright side bar: each connection with its environment badge,
// expanding to its tables (paged from the catalog, loaded only when expanded).
import * as vscode from 'vscode';
import type { TableInfo } from '../core/connectors/connector';
import type { ConnectionView } from '../core/protocol/webviewMessages';
import type { ConnectionHub } from './connectionHub';

export type ConnectionNode =
  | { type: 'connection'; connection: ConnectionView }
  | { type: 'table'; connectionId: string; table: TableInfo }
  | { type: 'message'; text: string; error?: boolean };

const MAX_TABLES_IN_TREE = 2000;

export class ConnectionsTree implements vscode.TreeDataProvider<ConnectionNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ConnectionNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly hub: ConnectionHub) {
    this.subscription = hub.onDidChange(() => this.changed.fire(undefined));
  }

  getTreeItem(node: ConnectionNode): vscode.TreeItem {
    if (node.type === 'connection') {
      const c = node.connection;
      const item = new vscode.TreeItem(c.label, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `connection:${c.id}`;
      item.description = `${c.dialect} · ${c.environment.toUpperCase()}`;
      item.accessibilityInformation = { label: `${c.label} ${c.dialect} · ${c.environment.toUpperCase()}` };
      item.tooltip = new vscode.MarkdownString(`**${c.label}**\n\n${c.dialect}, environment **${c.environment.toUpperCase()}**, read-only`);
      item.iconPath = new vscode.ThemeIcon('database', c.environment === 'prod' ? new vscode.ThemeColor('errorForeground') : c.environment === 'staging' ? new vscode.ThemeColor('editorWarning.foreground') : undefined);
      item.contextValue = c.id === 'sample' ? 'pipewrightSample' : 'pipewrightConnection';
      return item;
    }
    if (node.type === 'table') {
      const t = node.table;
      const item = new vscode.TreeItem(`${t.schema}.${t.name}`, vscode.TreeItemCollapsibleState.None);
      item.id = `table:${node.connectionId}:${t.schema}.${t.name}`;
      item.description = t.rowEstimate === null ? t.kind : `${t.rowEstimate.toLocaleString()} rows`;
      item.accessibilityInformation = { label: `${t.schema}.${t.name} ${item.description}` };
      item.tooltip = t.comment ?? undefined;
      item.iconPath = new vscode.ThemeIcon(t.kind === 'view' ? 'eye' : 'table');
      return item;
    }
    const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
    item.iconPath = new vscode.ThemeIcon(node.error ? 'error' : 'info');
    return item;
  }

  /** Lets the tree reveal a connection ("Open Sample Warehouse"): connections are roots. */
  getParent(node: ConnectionNode): ConnectionNode | undefined {
    if (node.type !== 'table') return undefined;
    const connection = this.hub.views().find((c) => c.id === node.connectionId);
    return connection ? { type: 'connection', connection } : undefined;
  }

  async getChildren(node?: ConnectionNode): Promise<ConnectionNode[]> {
    if (!node) return this.hub.views().map((connection) => ({ type: 'connection', connection }));
    if (node.type !== 'connection') return [];
    try {
      const tables: TableInfo[] = [];
      let next: string | undefined;
      do {
        const page = await this.hub.listTables(node.connection.id, next);
        tables.push(...page.items);
        next = page.next;
      } while (next && tables.length < MAX_TABLES_IN_TREE);
      const nodes: ConnectionNode[] = tables.map((table) => ({ type: 'table', connectionId: node.connection.id, table }));
      if (next) nodes.push({ type: 'message', text: `Only the first ${tables.length} tables are listed here; ask Pipewright to find others.` });
      if (!nodes.length) nodes.push({ type: 'message', text: 'No tables visible to this connection.' });
      return nodes;
    } catch (error) {
      const hint = (error as { hint?: string }).hint;
      return [{ type: 'message', error: true, text: `Could not connect: ${error instanceof Error ? error.message : String(error)}${hint ? ` — ${hint}` : ''}` }];
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
