// The Connections tree in the Pipewright side bar: each connection with its environment badge,
// opening into schemas, tables (a page at a time) and columns read from the connection's cached
// catalog only. Expanding never syncs: a connection without a cache offers "Sync Catalog…".
import { statSync } from 'node:fs';
import * as vscode from 'vscode';
import type { CatalogTable } from '../core/catalog/catalogSync';
import type { CatalogTreeColumn, CatalogTreeIndex, CatalogTreeSchema } from '../core/catalog/catalogTree';
import type { ConnectionView } from '../core/protocol/webviewMessages';
import type { ConnectionHub } from './connectionHub';
import { loadEngine } from './loadEngine';

type ConnectionRow = { type: 'connection'; connection: ConnectionView };
type SchemaRow = { type: 'schema'; connectionId: string; schema: CatalogTreeSchema; syncedAt: string; parent: ConnectionRow };
type TableRow = { type: 'table'; connectionId: string; table: CatalogTable; parent: SchemaRow };

export type ConnectionNode =
  | ConnectionRow
  | SchemaRow
  | TableRow
  | { type: 'column'; connectionId: string; table: CatalogTable; column: CatalogTreeColumn; parent: TableRow }
  | { type: 'more'; schemaRow: SchemaRow; next: number; remaining: number; pageSize: number; parent: SchemaRow }
  | { type: 'sync'; connection: ConnectionView; parent: ConnectionRow }
  | { type: 'message'; text: string; error?: boolean; parent?: ConnectionNode };

const SHOW_MORE = 'pipewright.connections.showMore';

interface LoadedCatalog {
  /** The cache file's size and time, so a new sync is noticed on the next expand. */
  stamp: string;
  index?: CatalogTreeIndex;
  /** Schema rows handed to VS Code, kept so "more" can refresh just that schema. */
  schemaRows: Map<string, SchemaRow>;
  /** Tables shown per schema (grows by a page with each "more"). */
  shown: Map<string, number>;
}

const key = (...parts: string[]) => JSON.stringify(parts);

export class ConnectionsTree implements vscode.TreeDataProvider<ConnectionNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ConnectionNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];
  private readonly catalogs = new Map<string, Promise<LoadedCatalog>>();

  constructor(private readonly hub: ConnectionHub) {
    this.subscriptions = [
      hub.onDidChange(() => this.changed.fire(undefined)),
      vscode.commands.registerCommand(SHOW_MORE, (node?: ConnectionNode) => this.showMore(node)),
    ];
  }

  getTreeItem(node: ConnectionNode): vscode.TreeItem {
    switch (node.type) {
      case 'connection':
        return connectionItem(node.connection);
      case 'schema': {
        const { schema } = node;
        const item = new vscode.TreeItem(schema.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = key('schema', node.connectionId, schema.name);
        item.description = [schema.tables ? counted(schema.tables, 'table') : '', schema.views ? counted(schema.views, 'view') : ''].filter(Boolean).join(', ');
        item.accessibilityInformation = { label: `${schema.name} schema, ${item.description}` };
        item.tooltip = new vscode.MarkdownString().appendText(`${schema.name}: ${item.description}, from the catalog synced ${node.syncedAt}. Sync the connection again to see changes.`);
        item.iconPath = new vscode.ThemeIcon('symbol-namespace');
        item.contextValue = 'pipewrightSchema';
        return item;
      }
      case 'table': {
        const t = node.table;
        const item = new vscode.TreeItem(t.name, t.columns.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = key('table', node.connectionId, t.schema, t.name);
        if (t.kind === 'view') item.description = 'view';
        item.accessibilityInformation = { label: `${t.name} ${t.kind}` };
        const rows = t.rowEstimate === null ? 'row count unknown' : `about ${t.rowEstimate.toLocaleString()} rows`;
        const tooltip = new vscode.MarkdownString().appendText(`${t.schema}.${t.name} (${t.kind}, ${rows}, ${counted(t.columns.length, 'column')})`);
        // Comments are warehouse text: appended as text, so they cannot add links or images.
        if (t.comment) tooltip.appendMarkdown('\n\n').appendText(t.comment);
        item.tooltip = tooltip;
        item.iconPath = new vscode.ThemeIcon(t.kind === 'view' ? 'eye' : 'table');
        item.contextValue = t.kind === 'view' ? 'pipewrightView' : 'pipewrightTable';
        return item;
      }
      case 'column': {
        const c = node.column;
        const item = new vscode.TreeItem(c.name, vscode.TreeItemCollapsibleState.None);
        item.id = key('column', node.connectionId, node.table.schema, node.table.name, c.name);
        item.description = c.type;
        item.accessibilityInformation = { label: `${c.name} ${c.type}${c.nullable ? '' : ' not null'}` };
        const tooltip = new vscode.MarkdownString().appendText(`${c.name}: ${c.type}, ${c.nullable ? 'nullable' : 'not null'}`);
        if (c.comment) tooltip.appendMarkdown('\n\n').appendText(c.comment);
        item.tooltip = tooltip;
        item.iconPath = new vscode.ThemeIcon('symbol-field');
        item.contextValue = 'pipewrightColumn';
        return item;
      }
      case 'more': {
        const count = Math.min(node.pageSize, node.remaining);
        const item = new vscode.TreeItem(`${count.toLocaleString()} more…`, vscode.TreeItemCollapsibleState.None);
        item.id = key('more', node.schemaRow.connectionId, node.schemaRow.schema.name, String(node.next));
        item.description = `${node.remaining.toLocaleString()} not shown`;
        item.accessibilityInformation = { label: `${item.label} ${item.description}` };
        item.tooltip = `Show the next ${count.toLocaleString()} tables of ${node.schemaRow.schema.name}`;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: SHOW_MORE, title: 'Show more tables', arguments: [node] };
        item.contextValue = 'pipewrightMore';
        return item;
      }
      case 'sync': {
        const item = new vscode.TreeItem('Sync Catalog…', vscode.TreeItemCollapsibleState.None);
        item.accessibilityInformation = { label: 'Sync Catalog…' };
        item.id = key('sync', node.connection.id);
        item.tooltip = `No catalog of ${node.connection.label} is cached yet (or the cache could not be read). Sync it to list its schemas, tables and columns here.`;
        item.iconPath = new vscode.ThemeIcon('sync');
        item.command = { command: 'pipewright.syncCatalog', title: 'Sync Catalog', arguments: [node.parent] };
        item.contextValue = 'pipewrightSyncCatalog';
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.accessibilityInformation = { label: node.text };
        item.iconPath = new vscode.ThemeIcon(node.error ? 'error' : 'info');
        return item;
      }
    }
  }

  /** Lets the tree reveal a node ("Open Sample Warehouse" reveals a connection, a root). */
  getParent(node: ConnectionNode): ConnectionNode | undefined {
    return node.type === 'connection' ? undefined : node.parent;
  }

  async getChildren(node?: ConnectionNode): Promise<ConnectionNode[]> {
    if (!node) {
      const views = this.hub.views();
      // A removed connection's catalog is not kept in memory.
      for (const id of this.catalogs.keys()) if (!views.some((c) => c.id === id)) this.catalogs.delete(id);
      return views.map((connection) => ({ type: 'connection', connection }));
    }
    try {
      if (node.type === 'connection') return await this.schemasOf(node);
      if (node.type === 'schema') return await this.tablesOf(node);
      if (node.type === 'table') return loadEngine().columnsOf(node.table).map((column) => ({ type: 'column', connectionId: node.connectionId, table: node.table, column, parent: node }));
      return [];
    } catch (error) {
      return [{ type: 'message', error: true, parent: node, text: `Could not read the cached catalog: ${error instanceof Error ? error.message : String(error)}. Sync the catalog again.` }];
    }
  }

  private async schemasOf(node: ConnectionRow): Promise<ConnectionNode[]> {
    const catalog = await this.catalog(node.connection.id);
    if (!catalog.index) return [{ type: 'sync', connection: node.connection, parent: node }];
    const { snapshot, schemas } = catalog.index;
    if (!schemas.length) return [{ type: 'message', parent: node, text: `No tables in the catalog synced ${snapshot.syncedAt}.` }];
    return schemas.map((schema) => {
      const id = key(schema.name);
      let row = catalog.schemaRows.get(id);
      if (!row) catalog.schemaRows.set(id, (row = { type: 'schema', connectionId: node.connection.id, schema, syncedAt: snapshot.syncedAt, parent: node }));
      row.parent = node;
      return row;
    });
  }

  private async tablesOf(node: SchemaRow): Promise<ConnectionNode[]> {
    const catalog = await this.catalog(node.connectionId);
    const index = catalog.index;
    if (!index) return [{ type: 'message', parent: node, text: 'The cached catalog is gone: sync the connection again.' }];
    // The cache changed since this row was made (a question synced it): page from the new one.
    const id = key(node.schema.name);
    if (catalog.schemaRows.get(id) !== node) catalog.schemaRows.set(id, node);
    const { tablePage, TREE_PAGE_SIZE } = loadEngine();
    const shown = catalog.shown.get(id) ?? TREE_PAGE_SIZE;
    const rows: ConnectionNode[] = [];
    let offset: number | undefined = 0;
    let remaining = 0;
    while (offset !== undefined && offset < shown) {
      const page = tablePage(index, node.schema.name, offset, TREE_PAGE_SIZE);
      for (const table of page.tables) rows.push({ type: 'table', connectionId: node.connectionId, table, parent: node });
      offset = page.next;
      remaining = page.remaining;
    }
    if (offset !== undefined) rows.push({ type: 'more', schemaRow: node, next: offset, remaining, pageSize: TREE_PAGE_SIZE, parent: node });
    if (!rows.length) rows.push({ type: 'message', parent: node, text: `${node.schema.name} is not in the cached catalog any more: refresh Connections.` });
    return rows;
  }

  private showMore(node?: ConnectionNode): void {
    if (node?.type !== 'more') return;
    const schemaRow = node.schemaRow;
    void this.catalog(schemaRow.connectionId).then((catalog) => {
      const id = key(schemaRow.schema.name);
      if (catalog.schemaRows.get(id) !== schemaRow) return;
      catalog.shown.set(id, node.next + node.pageSize);
      this.changed.fire(schemaRow);
    });
  }

  /** The connection's cached catalog, read again only when the cache file changed. */
  private catalog(connectionId: string): Promise<LoadedCatalog> {
    const path = this.hub.catalogPath(connectionId);
    const stamp = stampOf(path);
    const loaded = this.catalogs.get(connectionId);
    const next = loaded
      ? loaded.then((c) => (c.stamp === stamp ? c : this.read(connectionId, path, stamp)), () => this.read(connectionId, path, stamp))
      : this.read(connectionId, path, stamp);
    this.catalogs.set(connectionId, next);
    return next;
  }

  private async read(connectionId: string, path: string, stamp: string): Promise<LoadedCatalog> {
    const empty = { stamp, schemaRows: new Map(), shown: new Map() };
    if (!stamp) return empty;
    const engine = loadEngine();
    const snapshot = await engine.readCatalog(path);
    // A cache for another connection id (a hash collision, a copied file) is not this one's.
    if (!snapshot || snapshot.connectionId !== connectionId) return empty;
    return { ...empty, index: engine.indexCatalog(snapshot) };
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
    this.catalogs.clear();
  }
}

function connectionItem(c: ConnectionView): vscode.TreeItem {
  const item = new vscode.TreeItem(c.label, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `connection:${c.id}`;
  item.description = `${c.dialect} · ${c.environment.toUpperCase()}`;
  item.accessibilityInformation = { label: `${c.label} ${c.dialect} · ${c.environment.toUpperCase()}` };
  item.tooltip = new vscode.MarkdownString().appendMarkdown('**').appendText(c.label).appendMarkdown('**\n\n').appendText(`${c.dialect}, environment ${c.environment.toUpperCase()}, read-only. Expand for its cached catalog.`);
  item.iconPath = new vscode.ThemeIcon('database', c.environment === 'prod' ? new vscode.ThemeColor('errorForeground') : c.environment === 'staging' ? new vscode.ThemeColor('editorWarning.foreground') : undefined);
  item.contextValue = c.id === 'sample' ? 'pipewrightSample' : 'pipewrightConnection';
  return item;
}

function stampOf(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return '';
  }
}

function counted(n: number, noun: string): string {
  return `${n.toLocaleString()} ${noun}${n === 1 ? '' : 's'}`;
}
