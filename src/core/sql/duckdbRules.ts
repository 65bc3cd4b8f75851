// DuckDB: DuckDB's own parser counts the statements (extractStatements) and, for a SELECT, gives
// its own tree (json_serialize_sql), which is authoritative for what the query calls and reads.
// sqlparser-ts with its DuckDB dialect gives the statement kind and detail for everything else,
// and the two must agree on whether the statement is a read. Nothing is prepared: DuckDB reads
// files while binding, so the parsing instance is also locked down before it sees any SQL.
import type { DuckDBConnection, DuckDBPreparedStatement } from '@duckdb/node-api';
import { functionRisk, looksLikePath } from './functionRules';
import type { Findings, Rules } from './guardrail';
import { classifyStatement, hasNestedComment, loadSqlparser, NESTED_COMMENT } from './snowflakeRules';

// The same lockdown as the DuckDB connector; threads=1 keeps a parse-only instance cheap.
const LOCKDOWN = [
  'SET threads = 1',
  'SET enable_external_access = false',
  'SET autoinstall_known_extensions = false',
  'SET autoload_known_extensions = false',
  'SET allow_community_extensions = false',
  'SET lock_configuration = true',
];

interface DuckParser {
  connection: DuckDBConnection;
  serialize: DuckDBPreparedStatement;
}

let parser: Promise<DuckParser> | undefined;

/** One locked in-memory instance per process, opened on first use. */
function openParser(): Promise<DuckParser> {
  parser ??= (async () => {
    const duck = await import('@duckdb/node-api');
    const instance = await duck.DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    for (const statement of LOCKDOWN) await connection.run(statement);
    // json_serialize_sql only parses: the SQL is a bound string, never executed.
    const serialize = await connection.prepare('SELECT json_serialize_sql($1::VARCHAR, skip_null := true, skip_empty := true)');
    return { connection, serialize };
  })();
  parser.catch(() => (parser = undefined));
  return parser;
}

// A prepared statement holds one set of bound values: concurrent checks take turns.
let queue: Promise<unknown> = Promise.resolve();
function exclusive<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

interface Serialized {
  error: boolean;
  error_message?: string;
  statements?: unknown[];
}

export async function duckdbRules(): Promise<Rules> {
  const [duck, sqlparser] = await Promise.all([openParser(), loadSqlparser()]);
  return async (sql, f) => {
    const { count, serialized } = await exclusive(() => parseWithDuckDB(duck, sql));
    if (!f.expectOne(count)) return;
    // For a SELECT, DuckDB's own tree decides: it is what will run, and it cannot hold a write.
    const select = serialized.error ? undefined : serialized.statements?.[0];
    if (select) walkDuckTree(select, f);

    // sqlparser-ts adds detail when it reads the same single statement; it may not: it lacks some
    // DuckDB syntax (SUMMARIZE, USING SAMPLE, E'' strings) and does not nest comments.
    let statements: Record<string, unknown>[] | undefined;
    let problem = NESTED_COMMENT;
    try {
      if (!hasNestedComment(sqlparser, sql, 'duckdb')) statements = sqlparser.parse(sql, 'duckdb') as unknown as Record<string, unknown>[];
    } catch (error) {
      problem = `The detail parser could not read this DuckDB statement: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (statements && statements.length !== 1) problem = 'DuckDB and the detail parser disagree on how many statements this is';
    if (!statements || statements.length !== 1 || (select && !isRead(statements[0]))) {
      if (select) f.kind = 'select';
      else f.add('deny', problem);
      return;
    }
    classifyStatement(statements[0], { dialect: 'duckdb', f }, true);
    // DuckDB says it is not a SELECT: the detail parser must not think it is a read.
    if (!select && isRead(statements[0])) f.add('deny', 'DuckDB and the detail parser read this statement differently');
  };
}

async function parseWithDuckDB(duck: DuckParser, sql: string): Promise<{ count: number; serialized: Serialized }> {
  duck.serialize.bindVarchar(1, sql);
  const rows = (await duck.serialize.runAndReadAll()).getRows();
  const serialized = JSON.parse(String(rows[0][0])) as Serialized;
  try {
    return { count: (await duck.connection.extractStatements(sql)).count, serialized };
  } catch (error) {
    // extractStatements throws on text with no statement at all ('' or '-- note').
    if (!serialized.error && serialized.statements?.length === 0) return { count: 0, serialized };
    throw error;
  }
}

type Node = Record<string, any>;

/** DuckDB's SELECT tree: function calls at any depth, table functions given paths, file scans. */
function walkDuckTree(node: unknown, f: Findings): void {
  if (Array.isArray(node)) {
    for (const item of node) walkDuckTree(item, f);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const n = node as Node;
  if (typeof n.function_name === 'string') {
    const risk = functionRisk('duckdb', n.function_name);
    if (risk) f.add('deny', risk);
  }
  const fn = n.type === 'TABLE_FUNCTION' ? n.function : undefined;
  if (fn && !functionRisk('duckdb', String(fn.function_name)) && constants(fn.children).some(looksLikePath)) {
    f.add('deny', `${n.function?.function_name ?? 'A table function'}() is given a file path or URL`);
  }
  // DuckDB scans a file or URL named as a table (FROM 'data.csv', FROM "s3://bucket/x.parquet").
  if (n.type === 'BASE_TABLE' && typeof n.table_name === 'string' && looksLikePath(n.table_name)) {
    f.add('deny', `FROM '${n.table_name}' reads a file or URL`);
  }
  for (const value of Object.values(n)) walkDuckTree(value, f);
}

/** The string constants passed directly to a call (not those nested in other expressions). */
function constants(children: unknown): string[] {
  if (!Array.isArray(children)) return [];
  return children.flatMap((c: Node) => (c?.class === 'CONSTANT' && typeof c.value?.value === 'string' ? [c.value.value as string] : []));
}

// Statements DuckDB itself turns into a SELECT (SHOW, DESCRIBE, FROM-first queries).
function isRead(stmt: Node | string): boolean {
  if (typeof stmt === 'string') return false;
  const [variant, body = {}] = Object.entries(stmt)[0] ?? [];
  if (variant === 'Query') return !['Insert', 'Update', 'Delete', 'Merge'].includes(Object.keys(body.body ?? {})[0]);
  if (variant === 'Explain') return body.describe_alias !== 'Explain';
  return variant === 'ExplainTable' || /^Show/.test(variant ?? '');
}
