// What the agent is told about the warehouse: the tables the schema linker ranks highest for the
// question, with their best-matching columns — never the whole catalog.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Connector } from '../connectors/connector';
import { readCatalog, writeCatalog } from './catalogCache';
import { syncCatalog, type CatalogSnapshot, type SyncProgress, type SyncResult } from './catalogSync';
import { buildIndex, rank, type LinkerIndex } from './schemaLinker';
import { rankInWorker } from './linkWorker';

/** The linker addresses tables as DATABASE.SCHEMA.TABLE; a connection is one database here. */
const DB = 'db';

export interface SchemaContext {
  /** Prompt text listing the ranked tables. */
  text: string;
  tables: string[];
}

export interface Linker {
  index: LinkerIndex;
  byName: Map<string, CatalogSnapshot['tables'][number]>;
  totalTables: number;
}

/** Builds the linker index of a snapshot (the expensive part: keep it and reuse it). */
export function buildLinker(snapshot: CatalogSnapshot): Linker {
  const index = buildIndex(snapshot.tables.map((t) => ({ table: `${DB}.${t.schema}.${t.name}`, columns: t.columns.map(([name, type, , comment]) => (comment ? [name, type, comment] : [name, type])) })));
  return { index, byName: new Map(snapshot.tables.map((t) => [`${DB}.${t.schema}.${t.name}`.toUpperCase(), t])), totalTables: snapshot.tables.length };
}

/** Ranks the tables for a question and describes the top ones for the prompt. */
export function contextFromLinker(linker: Linker, question: string, top = 10): SchemaContext {
  if (!linker.totalTables) return { text: '', tables: [] };
  const ranked = rank(linker.index, question, { scope: 'database', database: DB, top });
  const lines: string[] = [];
  const tables: string[] = [];
  for (const r of ranked) {
    const t = linker.byName.get(r.table.toUpperCase());
    if (!t) continue;
    const name = `${t.schema}.${t.name}`;
    tables.push(name);
    const matched = new Set(r.columns.map((c) => c.toLowerCase()));
    // The matching columns first, then the rest up to a dozen, so long tables stay short.
    const columns = [...t.columns.filter(([c]) => matched.has(c.toLowerCase())), ...t.columns.filter(([c]) => !matched.has(c.toLowerCase()))].slice(0, 12);
    const more = t.columns.length > columns.length ? `, … ${t.columns.length - columns.length} more` : '';
    lines.push(`- ${name}${t.comment ? ` — ${t.comment}` : ''} (${columns.map(([c, type]) => `${c} ${type}`).join(', ')}${more})`);
  }
  const text = `Tables most likely relevant to this question, ranked by Pipewright's schema linker (${lines.length} of ${linker.totalTables}; use list_tables/describe_table for others):\n${lines.join('\n')}`;
  return { text, tables };
}

/** Ranks a catalog snapshot's tables for a question (builds the index each time: small catalogs and tests). */
export function schemaContextFor(snapshot: CatalogSnapshot, question: string, top = 10): SchemaContext {
  return contextFromLinker(buildLinker(snapshot), question, top);
}

export interface CatalogLoadOptions {
  signal?: AbortSignal;
  onProgress?: (progress: SyncProgress) => void;
}

/**
 * The connection's catalog, from the on-disk cache when it is there (refreshed incrementally
 * where the connector can tell what changed), synced in full otherwise. A catalog synced in the
 * last few minutes is used as is: a question does not re-sync a large warehouse.
 */
export async function loadCatalog(connector: Connector, cachePath: string, options: CatalogLoadOptions = {}): Promise<CatalogSnapshot> {
  const fresh = recent.get(cachePath);
  if (fresh && Date.now() - fresh.at < FRESH_MS) return fresh.snapshot;
  return (await refreshCatalog(connector, cachePath, options)).snapshot;
}

/** Syncs now (incrementally from the cache when possible) and writes the cache if anything changed. */
export async function refreshCatalog(connector: Connector, cachePath: string, options: CatalogLoadOptions = {}): Promise<SyncResult & { ms: number }> {
  const started = performance.now();
  const previous = recent.get(cachePath)?.snapshot ?? (await readCatalog(cachePath));
  const result = await syncCatalog(connector, { previous, signal: options.signal, onProgress: options.onProgress });
  // Unchanged: keep the file (and so the worker's warm index) as it is.
  const unchanged = previous && result.mode === 'incremental' && result.fetchedTables === 0 && result.removedTables === 0;
  const snapshot = unchanged ? previous : result.snapshot;
  if (!unchanged) await writeCatalog(cachePath, snapshot);
  remember(cachePath, snapshot);
  return { ...result, snapshot, ms: performance.now() - started };
}

/** Catalogs synced in the last FRESH_MS, a few connections' worth (a snapshot can be large). */
const FRESH_MS = 5 * 60_000;
const MAX_RECENT = 4;
const recent = new Map<string, { at: number; snapshot: CatalogSnapshot }>();

function remember(cachePath: string, snapshot: CatalogSnapshot): void {
  recent.delete(cachePath);
  recent.set(cachePath, { at: Date.now(), snapshot });
  for (const key of recent.keys()) {
    if (recent.size <= MAX_RECENT) break;
    recent.delete(key);
  }
}

/**
 * The schema-linking step of a question: sync (or reuse) the catalog on this thread (paged, async
 * I/O), then rank it in the worker, which keeps its index warm between questions.
 */
export async function linkSchema(connector: Connector, cachePath: string, question: string, signal?: AbortSignal, onProgress?: (progress: SyncProgress) => void): Promise<SchemaContext & { totalTables: number }> {
  await loadCatalog(connector, cachePath, { signal, onProgress });
  return rankInWorker(cachePath, question);
}

/** Where a connection's catalog cache lives under a storage folder (the id is hashed: it may be a URL). */
export function catalogCachePath(storageDir: string, connectionId: string): string {
  return join(storageDir, 'catalog', `${createHash('sha256').update(connectionId).digest('hex').slice(0, 16)}.jsonl.gz`);
}
