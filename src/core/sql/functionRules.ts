// Functions that act outside the query (the list is data: deniedFunctions.ts). A SELECT that calls
// one anywhere in its tree is not a read, so any call to one is a deny. Names are compared in lower
// case, without schema or quotes: the dialect's parser has already unquoted them.
import { DUCKDB_DENIED, POSTGRES_DENIED, SNOWFLAKE_DENIED, type DeniedFunction } from './deniedFunctions';
import type { SqlDialect } from './guardrail';

interface FunctionList {
  exact: Map<string, DeniedFunction>;
  /** Families of functions that share a prefix (pg_advisory_lock, pg_advisory_xact_lock_shared, ...). */
  prefixes: DeniedFunction[];
}

function index(entries: DeniedFunction[]): FunctionList {
  return {
    exact: new Map(entries.filter((e) => !e.family && !e.name.endsWith('_')).map((e) => [e.name, e])),
    prefixes: entries.filter((e) => e.family || e.name.endsWith('_')),
  };
}

const LISTS: Record<SqlDialect, FunctionList> = {
  postgres: index(POSTGRES_DENIED),
  snowflake: index(SNOWFLAKE_DENIED),
  duckdb: index(DUCKDB_DENIED),
};

/** The denied entry that `name` (already unquoted, any case, without schema) falls under, or undefined. */
export function deniedFunction(dialect: SqlDialect, name: string): DeniedFunction | undefined {
  const bare = name.toLowerCase();
  const list = LISTS[dialect];
  return list.exact.get(bare) ?? list.prefixes.find((entry) => bare.startsWith(entry.name));
}

/** Why calling `name` (already unquoted, any case, without schema) is refused, or undefined. */
export function functionRisk(dialect: SqlDialect, name: string): string | undefined {
  const entry = deniedFunction(dialect, name);
  return entry && `${name.toLowerCase()}() ${entry.reason}`;
}

// DuckDB reads a file or URL when a table name is a quoted path ('data.csv', "s3://b/x.parquet"),
// and a table function given one may read it whatever it is called.
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const PATH_START = /^(\/|~|\.{1,2}[/\\]|[a-z]:[/\\]|\\\\)/i;
const DATA_FILE = /\.(csv|tsv|txt|parquet|json|jsonl|ndjson|arrow|feather|avro|orc|xlsx?|db|duckdb|sqlite3?|shp|gpkg|geojson|gz|zst|zstd|bz2|xz|zip|tar)$/i;

/** Whether a DuckDB table name or table-function argument looks like a file path, glob or URL. */
export function looksLikePath(text: string): boolean {
  return URL_SCHEME.test(text) || PATH_START.test(text) || DATA_FILE.test(text) || (/[*?]/.test(text) && /[/\\]/.test(text));
}
