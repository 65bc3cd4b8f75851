// The cached catalog as a tree: schemas, then their tables a page at a time, then columns.
// The grouping is built once per snapshot and holds only positions into the snapshot's table
// list, so expanding a schema or loading its next page reads that page and nothing more.
import type { CatalogSnapshot, CatalogTable } from './catalogSync';

/** Tables shown per page under a schema (the next page hides behind a "more" node). */
export const TREE_PAGE_SIZE = 1000;

export interface CatalogTreeSchema {
  name: string;
  tables: number;
  views: number;
}

export interface CatalogTreeIndex {
  readonly snapshot: CatalogSnapshot;
  /** Schemas in name order. */
  readonly schemas: readonly CatalogTreeSchema[];
  /** Per schema, positions into snapshot.tables in table-name order. */
  readonly positions: ReadonlyMap<string, Uint32Array>;
}

export interface CatalogTreePage {
  tables: CatalogTable[];
  /** The offset of the next page, when there is one. */
  next?: number;
  /** Tables after this page. */
  remaining: number;
}

const whole = (n: number, fallback: number) => (Number.isFinite(n) ? Math.floor(n) : fallback);
const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Groups a snapshot's tables by schema; one pass plus a sort of positions per schema. */
export function indexCatalog(snapshot: CatalogSnapshot): CatalogTreeIndex {
  const grouped = new Map<string, number[]>();
  const counts = new Map<string, CatalogTreeSchema>();
  const { tables } = snapshot;
  for (let i = 0; i < tables.length; i++) {
    const table = tables[i];
    let list = grouped.get(table.schema);
    if (!list) {
      grouped.set(table.schema, (list = []));
      counts.set(table.schema, { name: table.schema, tables: 0, views: 0 });
    }
    list.push(i);
    const count = counts.get(table.schema) as CatalogTreeSchema;
    if (table.kind === 'view') count.views++;
    else count.tables++;
  }
  const positions = new Map<string, Uint32Array>();
  for (const [schema, list] of grouped) {
    // Sorted by name once here, so each page is a plain slice.
    const names = list.map((i) => tables[i].name);
    const order = list.map((_, k) => k).sort((a, b) => byCodeUnit(names[a], names[b]));
    positions.set(schema, Uint32Array.from(order, (k) => list[k]));
  }
  const schemas = [...counts.values()].sort((a, b) => byCodeUnit(a.name, b.name));
  return { snapshot, schemas, positions };
}

/** One page of a schema's tables, from `offset`; an unknown schema is an empty page. */
export function tablePage(index: CatalogTreeIndex, schema: string, offset = 0, pageSize = TREE_PAGE_SIZE): CatalogTreePage {
  const positions = index.positions.get(schema);
  if (!positions) return { tables: [], remaining: 0 };
  // Offsets come back from tree nodes; anything that is not a whole number starts over / pages by default.
  const start = Math.max(0, Math.min(whole(offset, 0), positions.length));
  const end = Math.min(positions.length, start + Math.max(1, whole(pageSize, TREE_PAGE_SIZE)));
  const tables: CatalogTable[] = [];
  for (let k = start; k < end; k++) tables.push(index.snapshot.tables[positions[k]]);
  const remaining = positions.length - end;
  return remaining > 0 ? { tables, next: end, remaining } : { tables, remaining: 0 };
}

export interface CatalogTreeColumn {
  name: string;
  type: string;
  nullable: boolean;
  comment: string | null;
}

export function columnsOf(table: CatalogTable): CatalogTreeColumn[] {
  return table.columns.map(([name, type, nullable, comment]) => ({ name, type, nullable, comment }));
}
