// What the agent is told about the warehouse: the tables the schema linker ranks highest for the
// question, with their best-matching columns — never the whole catalog.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Connector } from '../connectors/connector';
import { readCatalog, writeCatalog } from './catalogCache';
import { syncCatalog, type CatalogSnapshot } from './catalogSync';
import { buildIndex, rank } from './schemaLinker';

/** The linker addresses tables as DATABASE.SCHEMA.TABLE; a connection is one database here. */
const DB = 'db';

export interface SchemaContext {
  /** Prompt text listing the ranked tables. */
  text: string;
  tables: string[];
}

/** Ranks a catalog snapshot's tables for a question and describes the top ones for the prompt. */
export function schemaContextFor(snapshot: CatalogSnapshot, question: string, top = 10): SchemaContext {
  if (!snapshot.tables.length) return { text: '', tables: [] };
  const index = buildIndex(snapshot.tables.map((t) => ({ table: `${DB}.${t.schema}.${t.name}`, columns: t.columns.map(([name, type, , comment]) => (comment ? [name, type, comment] : [name, type])) })));
  const ranked = rank(index, question, { scope: 'database', database: DB, top });
  const byName = new Map(snapshot.tables.map((t) => [`${DB}.${t.schema}.${t.name}`.toUpperCase(), t]));
  const lines: string[] = [];
  const tables: string[] = [];
  for (const r of ranked) {
    const t = byName.get(r.table.toUpperCase());
    if (!t) continue;
    const name = `${t.schema}.${t.name}`;
    tables.push(name);
    const matched = new Set(r.columns.map((c) => c.toLowerCase()));
    // The matching columns first, then the rest up to a dozen, so long tables stay short.
    const columns = [...t.columns.filter(([c]) => matched.has(c.toLowerCase())), ...t.columns.filter(([c]) => !matched.has(c.toLowerCase()))].slice(0, 12);
    const more = t.columns.length > columns.length ? `, … ${t.columns.length - columns.length} more` : '';
    lines.push(`- ${name}${t.comment ? ` — ${t.comment}` : ''} (${columns.map(([c, type]) => `${c} ${type}`).join(', ')}${more})`);
  }
  const total = snapshot.tables.length;
  const text = `Tables most likely relevant to this question, ranked by Pipewright's schema linker (${lines.length} of ${total}; use list_tables/describe_table for others):\n${lines.join('\n')}`;
  return { text, tables };
}

/**
 * The connection's catalog, from the on-disk cache when it is there (refreshed incrementally
 * where the connector can tell what changed), synced in full otherwise.
 */
export async function loadCatalog(connector: Connector, cachePath: string, options: { signal?: AbortSignal } = {}): Promise<CatalogSnapshot> {
  const previous = await readCatalog(cachePath);
  const { snapshot } = await syncCatalog(connector, { previous, signal: options.signal });
  await writeCatalog(cachePath, snapshot);
  return snapshot;
}

/** Where a connection's catalog cache lives under a storage folder (the id is hashed: it may be a URL). */
export function catalogCachePath(storageDir: string, connectionId: string): string {
  return join(storageDir, 'catalog', `${createHash('sha256').update(connectionId).digest('hex').slice(0, 16)}.jsonl.gz`);
}
