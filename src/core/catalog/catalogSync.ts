// Catalog sync: tables and columns of a connection read in pages (never one round trip per
// table), with progress and Stop. With a previous snapshot and a connector that reports table
// versions, only new or changed tables are re-read and dropped ones removed.
import { QueryCancelledError, type ColumnRecord, type Connector, type TableInfo } from '../connectors/connector';

export interface CatalogTable {
  schema: string;
  name: string;
  kind: 'table' | 'view';
  comment: string | null;
  rowEstimate: number | null;
  /** The connector's change fingerprint, when it has one. */
  version?: string;
  /** [name, type, nullable, comment] */
  columns: [string, string, boolean, string | null][];
}

export interface CatalogSnapshot {
  connectionId: string;
  dialect: string;
  syncedAt: string;
  tables: CatalogTable[];
}

export interface SyncProgress {
  phase: 'versions' | 'tables' | 'columns';
  done: number;
  total?: number;
}

export interface SyncResult {
  snapshot: CatalogSnapshot;
  mode: 'full' | 'incremental';
  /** Tables whose columns were read in this sync. */
  fetchedTables: number;
  removedTables: number;
  columns: number;
}

const TABLE_PAGE = 5000;
const COLUMN_PAGE = 50_000;
/** Changed tables per filtered column request in an incremental refresh. */
const CHANGED_BATCH = 2000;

export async function syncCatalog(
  connector: Connector,
  options: { previous?: CatalogSnapshot; signal?: AbortSignal; onProgress?: (p: SyncProgress) => void } = {},
): Promise<SyncResult> {
  const { signal, onProgress } = options;
  const check = () => {
    if (signal?.aborted) throw new QueryCancelledError();
  };
  const key = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;

  onProgress?.({ phase: 'versions', done: 0 });
  const versions = connector.tableVersions ? await connector.tableVersions() : undefined;
  check();

  const tables: TableInfo[] = [];
  let token: string | undefined;
  do {
    const page = await connector.listTables({ pageSize: TABLE_PAGE, pageToken: token });
    tables.push(...page.items);
    token = page.next;
    onProgress?.({ phase: 'tables', done: tables.length, total: versions?.size });
    check();
  } while (token);

  const previous = new Map((options.previous?.tables ?? []).map((t) => [key(t), t]));
  const incremental = Boolean(options.previous && versions && options.previous.connectionId === connector.id);
  const changed = incremental ? tables.filter((t) => !previous.get(key(t)) || previous.get(key(t))?.version !== versions?.get(key(t))) : tables;

  const columns = new Map<string, CatalogTable['columns']>();
  const add = (items: ColumnRecord[]) => {
    for (const c of items) {
      const k = `${c.schema}.${c.table}`;
      let list = columns.get(k);
      if (!list) columns.set(k, (list = []));
      list.push([c.name, c.type, c.nullable, c.comment]);
    }
    onProgress?.({ phase: 'columns', done: columns.size, total: changed.length });
    check();
  };
  const readColumns = async (only?: { schema: string; name: string }[]) => {
    if (connector.streamColumns) {
      for await (const batch of connector.streamColumns({ tables: only, signal })) add(batch);
      return;
    }
    let next: string | undefined;
    do {
      const page = await connector.listColumns!({ pageSize: COLUMN_PAGE, pageToken: next, tables: only });
      add(page.items);
      next = page.next;
    } while (next);
  };

  if (connector.streamColumns || connector.listColumns) {
    if (!incremental) await readColumns();
    else for (let i = 0; i < changed.length; i += CHANGED_BATCH) await readColumns(changed.slice(i, i + CHANGED_BATCH).map((t) => ({ schema: t.schema, name: t.name })));
  } else {
    // Connectors without bulk listing: one describe per table (slow, but correct).
    for (const t of changed) {
      const detail = await connector.describeTable({ schema: t.schema, name: t.name });
      columns.set(key(t), detail.columns.map((c) => [c.name, c.type, c.nullable, c.comment]));
      onProgress?.({ phase: 'columns', done: columns.size, total: changed.length });
      check();
    }
  }

  const changedKeys = new Set(changed.map(key));
  const result: CatalogTable[] = tables.map((t) => {
    const k = key(t);
    const cols = changedKeys.has(k) ? (columns.get(k) ?? []) : (previous.get(k)?.columns ?? []);
    return { schema: t.schema, name: t.name, kind: t.kind, comment: t.comment, rowEstimate: t.rowEstimate, ...(versions?.has(k) ? { version: versions.get(k) } : {}), columns: cols };
  });
  const current = new Set(tables.map(key));
  return {
    snapshot: { connectionId: connector.id, dialect: connector.dialect, syncedAt: new Date().toISOString(), tables: result },
    mode: incremental ? 'incremental' : 'full',
    fetchedTables: changed.length,
    removedTables: [...previous.keys()].filter((k) => !current.has(k)).length,
    columns: result.reduce((n, t) => n + t.columns.length, 0),
  };
}
