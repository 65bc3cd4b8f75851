// The one interface every warehouse connector implements (one file per warehouse beside this one).
// Rows cross this boundary as JSON-safe values so the agent, the webview and the CLI can all
// carry them without knowing the driver.

export type Dialect = 'duckdb' | 'postgres' | 'snowflake';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Row = JsonValue[];

export interface ColumnInfo {
  name: string;
  /** The database's own type name, e.g. `DECIMAL(10,2)` or `TIMESTAMP`. */
  type: string;
}

export interface QueryOptions {
  /** Stops the query: the connector cancels it on the server, not just in the client. */
  signal?: AbortSignal;
  /** Preview cap: stop reading after this many rows and mark the result truncated. */
  maxRows?: number;
  timeoutMs?: number;
}

/**
 * A running query. Read `columns` at once; iterate `batches()` exactly once (finishing or breaking
 * out of it releases the query's connection); then `rowCount`/`truncated` are final.
 */
export interface QueryStream {
  readonly columns: readonly ColumnInfo[];
  batches(): AsyncIterable<Row[]>;
  readonly rowCount: number;
  readonly truncated: boolean;
}

export interface TableRef {
  database?: string;
  schema?: string;
  name: string;
}

export interface TableInfo extends Required<Omit<TableRef, 'database'>> {
  database: string;
  kind: 'table' | 'view';
  comment: string | null;
  rowEstimate: number | null;
}

export interface ColumnDetail extends ColumnInfo {
  nullable: boolean;
  comment: string | null;
}

export interface TableDetail extends TableInfo {
  columns: ColumnDetail[];
  primaryKey: string[];
  foreignKeys: { columns: string[]; references: { table: string; columns: string[] } }[];
}

export interface Page<T> {
  items: T[];
  /** Opaque token for the next page; absent on the last page. */
  next?: string;
}

export interface ExplainResult {
  /** Rows the plan's top node returns (what the user gets back). */
  estimatedRows: number | null;
  /**
   * Rows the plan reads from storage: every scan node's estimate, summed where the plan reads
   * several. The cost gate uses this, not the top node: `SELECT count(*) FROM huge` returns one
   * row but reads all of them. Null when the planner does not say.
   */
  scannedRows: number | null;
  /** Bytes the plan reads, summed over its scans, where the planner reports bytes (null otherwise). */
  scannedBytes: number | null;
  /** Why no row count bounds this read (a recursive query, uncounted generators, no plan in time); the gate asks. */
  unboundedReason?: string;
  plan: string;
}

/** What a statement is, as the database's own parser sees it. */
export interface StatementShape {
  count: number;
  /** Lower-case kind of the first statement: select, insert, drop, ... */
  kind: string;
}

/** One column of one table, as the catalog lists them in bulk. */
export interface ColumnRecord {
  schema: string;
  table: string;
  name: string;
  type: string;
  nullable: boolean;
  comment: string | null;
}

export interface Connector {
  readonly dialect: Dialect;
  readonly id: string;
  query(sql: string, options?: QueryOptions): Promise<QueryStream>;
  /** timeoutMs: how long planning may take (default EXPLAIN_TIMEOUT_MS); past it the result says so. */
  explain(sql: string, options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<ExplainResult>;
  describeStatement(sql: string): Promise<StatementShape>;
  listTables(options?: { schema?: string; pageSize?: number; pageToken?: string }): Promise<Page<TableInfo>>;
  describeTable(table: TableRef): Promise<TableDetail>;
  /** Columns of many tables in pages (catalog sync); `tables` limits it to those tables. */
  listColumns?(options: { pageSize?: number; pageToken?: string; tables?: { schema: string; name: string }[] }): Promise<Page<ColumnRecord>>;
  /** All columns (or those of `tables`) from one server-side query, streamed in batches: the fast path for a sync. */
  streamColumns?(options: { tables?: { schema: string; name: string }[]; signal?: AbortSignal }): AsyncIterable<ColumnRecord[]>;
  /** A fingerprint per `schema.table` that changes when the table's definition or comments change. */
  tableVersions?(): Promise<Map<string, string>>;
  /**
   * Runs one write or DDL statement that the policy layer classified and the user approved, in its
   * own transaction where the database has them. Connections opened read-only refuse it.
   */
  execute?(sql: string, options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<{ rowsAffected: number | null }>;
  /** The planner's estimate of the rows a write would touch (null when it cannot tell), for the approval card. */
  estimateAffectedRows?(sql: string, options?: { signal?: AbortSignal }): Promise<number | null>;
  /** Masks the credentials this connection signs in with (password, token, passphrase) in `text`; they never leave it otherwise. */
  redactSecrets?(text: string): string;
  close(): Promise<void>;
}

/** A failure the user can act on: `message` says what went wrong, `hint` what to do. */
export class ConnectorError extends Error {
  constructor(message: string, readonly hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConnectorError';
  }
}

export class QueryCancelledError extends ConnectorError {
  constructor() {
    super('The query was stopped.');
    this.name = 'QueryCancelledError';
  }
}

export class QueryTimeoutError extends ConnectorError {
  constructor(timeoutMs: number) {
    super(`The query ran longer than ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`} and was stopped.`, 'Narrow the query or raise the timeout.');
    this.name = 'QueryTimeoutError';
  }
}

/** Reads a whole (capped) stream into memory: for previews and tool results. */
export async function readAll(stream: QueryStream): Promise<{ columns: ColumnInfo[]; rows: Row[]; truncated: boolean }> {
  const rows: Row[] = [];
  for await (const batch of stream.batches()) rows.push(...batch);
  return { columns: [...stream.columns], rows, truncated: stream.truncated };
}

/**
 * Shortens long text in rows (and nested values, as JSON) so a preview stays small whatever the
 * data holds; a cut value ends with a note of how much was left out.
 */
export function capCells(rows: Row[], maxChars: number): Row[] {
  const cap = (value: JsonValue): JsonValue => {
    const text = typeof value === 'string' ? value : value !== null && typeof value === 'object' ? JSON.stringify(value) : undefined;
    if (text === undefined || text.length <= maxChars) return value;
    return `${text.slice(0, maxChars)}… [${text.length - maxChars} more characters]`;
  };
  return rows.map((row) => row.map(cap));
}

/**
 * The statement without a trailing semicolon, for wrapping in EXPLAIN. Call it only on text the
 * dialect's parser has already read as exactly one statement.
 */
export function withoutTrailingSemicolon(sql: string): string {
  return sql.replace(/;\s*$/, '');
}
