// Readers for the schema-linking bench formats (shared/bench/schema-linking): JSON lines, the tables
// file optionally gzipped. Used by `pipewright catalog rank` and by the benchmark.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';

/** A column as the bench stores it: name, type and an optional description. */
export type ColumnEntry = [name: string, type: string, description?: string | null];

/** One table: `DB.SCHEMA.TABLE` and its columns. */
export interface TableEntry {
  table: string;
  columns: ColumnEntry[];
}

/** One question with the tables its reference SQL reads (gold may be absent for plain ranking). */
export interface QuestionEntry {
  id: string;
  db?: string;
  question: string;
  gold_tables?: string[];
}

export class BenchDataError extends Error {}

/** The file's lines, streamed (gunzipped when the file starts with the gzip magic number). */
async function* readLines(path: string): AsyncGenerator<string> {
  let head: Buffer;
  try {
    const handle = await open(path, 'r');
    try {
      head = Buffer.alloc(2);
      await handle.read(head, 0, 2, 0);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new BenchDataError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  // Gzip by magic number, not by file name: a renamed file still reads.
  const gzipped = head[0] === 0x1f && head[1] === 0x8b;
  const file = createReadStream(path);
  const source = gzipped ? file.pipe(createGunzip()) : file;
  // Streaming keeps peak memory near the parsed result: the whole text is never held at once.
  const failed = new Promise<never>((_, reject) => {
    const fail = (error: Error) => reject(new BenchDataError(`cannot read ${path}: ${error.message}`));
    file.on('error', fail);
    source.on('error', fail);
  });
  failed.catch(() => undefined);
  const lines = createInterface({ input: source, crlfDelay: Infinity });
  const iterator = lines[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), failed]);
      if (next.done) break;
      yield next.value;
    }
  } finally {
    lines.close();
    file.destroy();
  }
}

function parseLine<T>(line: string, path: string, lineNumber: number, check: (value: unknown) => string | null): T {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new BenchDataError(`${path}:${lineNumber}: not valid JSON`);
  }
  const problem = check(value);
  if (problem) throw new BenchDataError(`${path}:${lineNumber}: ${problem}`);
  return value as T;
}

async function parseLines<T>(path: string, check: (value: unknown) => string | null): Promise<T[]> {
  const out: T[] = [];
  let lineNumber = 0;
  for await (const raw of readLines(path)) {
    lineNumber++;
    const line = raw.trim();
    if (line) out.push(parseLine<T>(line, path, lineNumber, check));
  }
  return out;
}

function checkTable(value: unknown): string | null {
  const v = value as Partial<TableEntry> | null;
  if (!v || typeof v.table !== 'string' || !v.table) return 'expected {"table": "DB.SCHEMA.TABLE", "columns": [...]}';
  if (!Array.isArray(v.columns)) return `table ${v.table}: "columns" must be an array`;
  for (const c of v.columns) if (!Array.isArray(c) || typeof c[0] !== 'string') return `table ${v.table}: each column must be [name, type, description?]`;
  return null;
}

function checkQuestion(value: unknown): string | null {
  const v = value as Partial<QuestionEntry> | null;
  if (!v || (typeof v.id !== 'string' && typeof v.id !== 'number')) return 'expected {"id": ..., "question": "..."}';
  if (typeof v.question !== 'string') return `question ${v.id}: "question" must be a string`;
  if (v.db !== undefined && typeof v.db !== 'string') return `question ${v.id}: "db" must be a string`;
  return null;
}

/** Tables one at a time, validated, for building an index without holding the whole file. */
export async function* streamTables(path: string): AsyncGenerator<TableEntry> {
  let lineNumber = 0;
  for await (const raw of readLines(path)) {
    lineNumber++;
    const line = raw.trim();
    if (!line) continue;
    yield parseLine<TableEntry>(line, path, lineNumber, checkTable);
  }
}

export async function readTables(path: string): Promise<TableEntry[]> {
  const tables = await parseLines<TableEntry>(path, checkTable);
  // Catalogs repeat column names, types and descriptions across tables: keep one copy of each.
  const strings = new Map<string, string>();
  const intern = (value: string) => {
    const known = strings.get(value);
    if (known !== undefined) return known;
    strings.set(value, value);
    return value;
  };
  for (const table of tables) {
    for (const column of table.columns) {
      for (let i = 0; i < column.length; i++) if (typeof column[i] === 'string') column[i] = intern(column[i] as string);
    }
  }
  return tables;
}

export async function readQuestions(path: string): Promise<QuestionEntry[]> {
  return parseLines<QuestionEntry>(path, checkQuestion);
}

/** The database part of `DB.SCHEMA.TABLE`. */
export function databaseOf(table: string): string {
  const dot = table.indexOf('.');
  return dot < 0 ? '' : table.slice(0, dot);
}
