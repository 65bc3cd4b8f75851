// The schema-linking worker's body: one warm index per catalog cache file, rebuilt when the file
// changes.
import { statSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { readCatalog } from './catalogCache';
import { buildLinker, contextFromLinker, type Linker } from './schemaContext';

const linkers = new Map<string, { mtimeMs: number; linker: Linker }>();
/** Warm indexes kept (a 50k-table index is a few hundred MB): the most recently used ones. */
const MAX_LINKERS = 3;

parentPort?.on('message', async (request: { id: number; cachePath: string; question: string; top: number }) => {
  try {
    const { mtimeMs } = statSync(request.cachePath);
    let entry = linkers.get(request.cachePath);
    linkers.delete(request.cachePath);
    if (!entry || entry.mtimeMs !== mtimeMs) {
      entry = undefined; // let the stale index go before the new one is built
      const snapshot = await readCatalog(request.cachePath);
      if (!snapshot) throw new Error('The catalog cache could not be read.');
      entry = { mtimeMs, linker: buildLinker(snapshot) };
    }
    linkers.set(request.cachePath, entry);
    for (const key of linkers.keys()) {
      if (linkers.size <= MAX_LINKERS) break;
      linkers.delete(key);
    }
    const context = contextFromLinker(entry.linker, request.question, request.top);
    parentPort?.postMessage({ id: request.id, ok: true, context: { ...context, totalTables: entry.linker.totalTables } });
  } catch (error) {
    parentPort?.postMessage({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) });
  }
});
