// The catalog snapshot on disk: gzipped JSON lines (a header, then one table a line), streamed
// both ways so a million columns never sit in one string. Written to a temp file and renamed, so
// a crash leaves the old cache, never half a new one.
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { createGunzip, createGzip } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import type { CatalogSnapshot, CatalogTable } from './catalogSync';

const FORMAT = 'pipewright-catalog/1';

export async function writeCatalog(path: string, snapshot: CatalogSnapshot): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const gzip = createGzip({ level: 4 });
  const file = createWriteStream(temp);
  gzip.pipe(file);
  const write = async (line: string) => {
    if (!gzip.write(`${line}\n`)) await once(gzip, 'drain');
  };
  try {
    await write(JSON.stringify({ format: FORMAT, connectionId: snapshot.connectionId, dialect: snapshot.dialect, syncedAt: snapshot.syncedAt, tables: snapshot.tables.length }));
    for (const table of snapshot.tables) await write(JSON.stringify(table));
    gzip.end();
    await once(file, 'close');
    renameSync(temp, path);
  } catch (error) {
    gzip.destroy();
    file.destroy();
    rmSync(temp, { force: true });
    throw error;
  }
}

/** The cached snapshot, or undefined when there is none or it cannot be read (it is then rebuilt). */
export async function readCatalog(path: string): Promise<CatalogSnapshot | undefined> {
  if (!existsSync(path)) return undefined;
  try {
    const lines = createInterface({ input: createReadStream(path).pipe(createGunzip()), crlfDelay: Infinity });
    let header: { format: string; connectionId: string; dialect: string; syncedAt: string; tables: number } | undefined;
    const tables: CatalogTable[] = [];
    for await (const line of lines) {
      if (!line) continue;
      if (!header) {
        header = JSON.parse(line);
        if (header?.format !== FORMAT) return undefined;
        continue;
      }
      tables.push(JSON.parse(line) as CatalogTable);
    }
    if (!header || tables.length !== header.tables) return undefined;
    return { connectionId: header.connectionId, dialect: header.dialect, syncedAt: header.syncedAt, tables };
  } catch {
    return undefined;
  }
}

