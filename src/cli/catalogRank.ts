// `pipewright catalog rank`: rank a catalog's tables for each question of a file, one JSON line per
// question. The measurement contract of issue 3; the files are those of shared/bench/schema-linking.
import { parseArgs } from 'node:util';
import { BenchDataError, readQuestions, streamTables } from '../core/catalog/benchData';
import { IndexBuilder, rank } from '../core/catalog/schemaLinker';
import { jsonLine, visible } from './terminalText';

export const CATALOG_RANK_USAGE = `Usage:
  pipewright catalog rank --tables FILE --questions FILE [--scope database|warehouse] [--top K]

  --tables FILE      JSON lines {"table": "DB.SCHEMA.TABLE", "columns": [[name, type, description?], ...]}
                     (may be gzipped)
  --questions FILE   JSON lines {"id": ..., "db": "DB", "question": "..."}
  --scope            database (default): rank the tables of each question's own "db";
                     warehouse: rank all tables of the file
  --top K            how many tables per question (default 20)

Prints one line per question: {"id": ..., "tables": ["DB.SCHEMA.TABLE", ...]}, best first.
Exit codes: 0 done, 2 usage or input error.`;

/**
 * Runs `catalog rank`. `args` may start with "catalog rank" or be just the flags. Returns the exit
 * code; output and errors go to the given streams.
 */
export async function catalogRank(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const rest = [...args];
  if (rest[0] === 'catalog') rest.shift();
  if (rest[0] === 'rank') rest.shift();
  const usageError = (message: string) => {
    err.write(`pipewright catalog rank: ${message}\n\n${CATALOG_RANK_USAGE}\n`);
    return 2;
  };

  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      allowPositionals: false,
      strict: true,
      options: {
        tables: { type: 'string' },
        questions: { type: 'string' },
        scope: { type: 'string', default: 'database' },
        top: { type: 'string', default: '20' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    return usageError((error as Error).message);
  }
  if (values.help) {
    out.write(`${CATALOG_RANK_USAGE}\n`);
    return 0;
  }
  if (!values.tables) return usageError('--tables FILE is required.');
  if (!values.questions) return usageError('--questions FILE is required.');
  const scope = values.scope;
  if (scope !== 'database' && scope !== 'warehouse') return usageError(`--scope must be database or warehouse, not "${scope}".`);
  const topText = values.top ?? '20';
  const top = Number(topText);
  if (!/^\d+$/.test(topText) || !Number.isInteger(top) || top < 1 || top > 100_000) return usageError(`--top must be a whole number from 1 to 100000, not "${topText}".`);

  try {
    const questions = await readQuestions(values.questions);
    if (scope === 'database') {
      const missing = questions.find((q) => typeof q.db !== 'string' || !q.db);
      if (missing) return usageError(`question ${JSON.stringify(missing.id)} has no "db"; give each question its database or use --scope warehouse.`);
    }
    // Streamed in: the catalog file is never held whole, only the index.
    const builder = new IndexBuilder();
    let count = 0;
    for await (const table of streamTables(values.tables)) {
      builder.add(table);
      count++;
    }
    if (count === 0) return usageError(`${values.tables} holds no tables.`);
    const index = builder.finish();
    const known = new Set(index.dbs);
    for (const q of questions) {
      if (scope === 'database' && !known.has(q.db!)) err.write(`pipewright catalog rank: question ${visible(JSON.stringify(q.id), { keepLines: false })}: database ${visible(String(q.db), { keepLines: false })} is not in ${values.tables}\n`);
      const ranked = rank(index, q.question, { scope, database: q.db, top });
      const line = jsonLine({ id: q.id, tables: ranked.map((t) => t.table) });
      if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    return 0;
  } catch (error) {
    if (error instanceof BenchDataError) {
      err.write(`pipewright catalog rank: ${visible(error.message, { keepLines: true })}\n`);
      return 2;
    }
    throw error;
  }
}
