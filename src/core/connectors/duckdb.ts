// DuckDB through @duckdb/node-api. The read path is locked at the database level: the file is
// attached READ_ONLY into an in-memory instance, external access (files, URLs, extensions) is
// disabled and the configuration is locked, so no statement can undo it. Each query gets its own
// connection, so Stop interrupts exactly that query.
import type { DuckDBConnection, DuckDBInstance, DuckDBPreparedStatement, DuckDBValue, DuckDBValueConverter } from '@duckdb/node-api';
import {
  ConnectorError,
  QueryCancelledError,
  QueryTimeoutError,
  type ColumnDetail,
  type ColumnInfo,
  type ColumnRecord,
  type Connector,
  type ExplainResult,
  type JsonValue,
  type Page,
  type QueryOptions,
  type QueryStream,
  type Row,
  type StatementShape,
  type TableDetail,
  type TableInfo,
  type TableRef,
  withoutTrailingSemicolon,
} from './connector';
import { jsonValueConverter } from './duckdbValues';
import { EXPLAIN_TIMEOUT_MS, planTimedOut, RECURSIVE_QUERY, UNCOUNTED_GENERATOR } from './unboundedReads';

type DuckDBApi = typeof import('@duckdb/node-api');

/** Loaded on first use, so activating the extension never loads the native driver. */
let api: Promise<DuckDBApi> | undefined;
export function loadDuckDB(): Promise<DuckDBApi> {
  api ??= import('@duckdb/node-api');
  return api;
}

const CATALOG = 'wh';
const LOCKDOWN = [
  'SET enable_external_access = false',
  'SET autoinstall_known_extensions = false',
  'SET autoload_known_extensions = false',
  'SET allow_community_extensions = false',
  'SET lock_configuration = true',
];

export interface DuckDBConnectorOptions {
  id: string;
  /** Path of the database file; opened read-only unless `writable`. */
  path: string;
  /**
   * Attach the file read-write, for statements the user approved (`execute`). Reads still run in
   * read-only transactions, and external access stays disabled and locked.
   */
  writable?: boolean;
}

/**
 * Stop and timeout for one connection's statement. DuckDB clears a pending interrupt when
 * execution starts, so one landing between prepare and execution would be lost: the interrupt is
 * repeated until the statement has settled (release()).
 */
function stopper(connection: DuckDBConnection, signal: AbortSignal | undefined, timeoutMs: number | undefined) {
  const state: { reason?: 'cancel' | 'timeout' } = {};
  let repeat: ReturnType<typeof setInterval> | undefined;
  const interrupt = (reason: 'cancel' | 'timeout') => {
    state.reason ??= reason;
    connection.interrupt();
    repeat ??= setInterval(() => connection.interrupt(), 25);
    repeat.unref?.();
  };
  const onAbort = () => interrupt('cancel');
  signal?.addEventListener('abort', onAbort);
  // Stop may have come while the connection was being opened, before the listener existed.
  if (signal?.aborted) state.reason = 'cancel';
  const timer = timeoutMs ? setTimeout(() => interrupt('timeout'), timeoutMs) : undefined;
  return {
    get reason() {
      return state.reason;
    },
    /** The error to report: a stop wins over whatever DuckDB said while being interrupted. */
    translate(error: unknown): Error {
      if (state.reason === 'cancel') return new QueryCancelledError();
      if (state.reason === 'timeout') return new QueryTimeoutError(timeoutMs ?? 0);
      return error instanceof ConnectorError ? error : new ConnectorError(messageOf(error), undefined, { cause: error });
    },
    release() {
      signal?.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
      if (repeat) clearInterval(repeat);
    },
  };
}

export class DuckDBConnector implements Connector {
  readonly dialect = 'duckdb' as const;
  readonly id: string;
  private converter: DuckDBValueConverter<JsonValue> | undefined;
  private constructor(
    id: string,
    private readonly duck: DuckDBApi,
    private readonly instance: DuckDBInstance,
    private readonly writable: boolean,
  ) {
    this.id = id;
  }

  /** Opens `path` read-only with external access disabled and the configuration locked. */
  static async open(options: DuckDBConnectorOptions): Promise<DuckDBConnector> {
    const duck = await loadDuckDB();
    const instance = await duck.DuckDBInstance.create(':memory:');
    const setup = await instance.connect();
    try {
      await setup.run(`ATTACH ${sqlString(options.path)} AS ${CATALOG}${options.writable ? '' : ' (READ_ONLY)'}`);
      for (const statement of LOCKDOWN) await setup.run(statement);
    } catch (error) {
      instance.closeSync();
      throw new ConnectorError(`Could not open the DuckDB file ${options.path}: ${messageOf(error)}`, 'Check that the file exists and is a DuckDB database.', { cause: error });
    } finally {
      setup.disconnectSync();
    }
    return new DuckDBConnector(options.id, duck, instance, options.writable === true);
  }

  /** A connection for reading: on a writable file, inside a read-only transaction. */
  private async connection(mode: 'read' | 'write' = 'read'): Promise<DuckDBConnection> {
    const connection = await this.instance.connect();
    await connection.run(`USE ${CATALOG}`);
    if (this.writable && mode === 'read') await connection.run('BEGIN TRANSACTION READ ONLY');
    return connection;
  }

  /**
   * Runs one statement the policy layer classified and the user approved, on a file opened for
   * writing; in its own transaction, committed only when it succeeds.
   */
  async execute(sql: string, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<{ rowsAffected: number | null }> {
    if (!this.writable) throw new ConnectorError('This DuckDB connection is open read-only.', 'Open it for writing in the connection settings (readOnly: false) to run approved changes.');
    if (options.signal?.aborted) throw new QueryCancelledError();
    const connection = await this.connection('write');
    const stop = stopper(connection, options.signal, options.timeoutMs);
    try {
      if (stop.reason) throw new QueryCancelledError();
      const prepared = await this.prepareOne(connection, sql);
      await connection.run('BEGIN TRANSACTION');
      const result = await prepared.run();
      const changed = result.rowsChanged;
      // Stopped while it ran: nothing is committed.
      if (stop.reason) throw new QueryCancelledError();
      await connection.run('COMMIT');
      return { rowsAffected: Number.isFinite(changed) ? changed : null };
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => undefined);
      throw stop.translate(error);
    } finally {
      stop.release();
      connection.disconnectSync();
    }
  }

  /** Prepares exactly one statement; anything else is refused before it reaches the engine. */
  private async prepareOne(connection: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement> {
    // DuckDB's C API reads SQL as a C string: text after a NUL would be silently dropped, so what
    // runs would differ from what was checked and shown.
    if (sql.includes('\u0000')) throw new ConnectorError('The SQL contains a NUL character, which is not allowed.');
    let extracted;
    try {
      extracted = await connection.extractStatements(sql);
    } catch (error) {
      throw new ConnectorError(`DuckDB could not parse the SQL: ${messageOf(error)}`);
    }
    if (extracted.count !== 1) {
      throw new ConnectorError(`Expected exactly one SQL statement, got ${extracted.count}.`, 'Send one statement at a time.');
    }
    try {
      return await extracted.prepare(0);
    } catch (error) {
      throw new ConnectorError(messageOf(error));
    }
  }

  async describeStatement(sql: string): Promise<StatementShape> {
    if (sql.includes('\u0000')) throw new ConnectorError('The SQL contains a NUL character, which is not allowed.');
    const connection = await this.connection();
    try {
      const extracted = await connection.extractStatements(sql);
      if (extracted.count === 0) return { count: 0, kind: 'empty' };
      const prepared = await extracted.prepare(0);
      return { count: extracted.count, kind: this.duck.StatementType[prepared.statementType].toLowerCase() };
    } catch (error) {
      throw new ConnectorError(`DuckDB could not parse the SQL: ${messageOf(error)}`);
    } finally {
      connection.disconnectSync();
    }
  }

  async query(sql: string, options: QueryOptions = {}): Promise<QueryStream> {
    const { signal, maxRows = Number.POSITIVE_INFINITY, timeoutMs } = options;
    if (signal?.aborted) throw new QueryCancelledError();
    const connection = await this.connection();
    const stop = stopper(connection, signal, timeoutMs);
    const finish = () => {
      stop.release();
      connection.disconnectSync();
    };

    let result;
    try {
      if (stop.reason) throw new QueryCancelledError();
      const prepared = await this.prepareOne(connection, sql);
      result = await prepared.stream();
    } catch (error) {
      finish();
      throw stop.translate(error);
    }
    // JSON is VARCHAR with an alias: its name is the alias.
    const types = result.columnTypes();
    const columns: ColumnInfo[] = result.columnNames().map((name, i) => ({ name, type: types[i].alias?.toUpperCase() === 'JSON' ? 'JSON' : String(types[i]) }));
    const converter = (this.converter ??= jsonValueConverter(this.duck));
    const state = { rowCount: 0, truncated: false };
    const stream = result;

    async function* batches(): AsyncGenerator<Row[]> {
      try {
        while (state.rowCount < maxRows) {
          const chunk = await stream.fetchChunk();
          if (!chunk || chunk.rowCount === 0) return;
          // Converted with the result's column types, which keep aliases (JSON) that a chunk's vectors drop.
          let rows: Row[] = chunk.getRows().map((values) => values.map((value, i) => converter(value, types[i], converter)));
          if (state.rowCount + rows.length > maxRows) {
            rows = rows.slice(0, maxRows - state.rowCount);
            state.truncated = true;
          }
          state.rowCount += rows.length;
          yield rows;
        }
        // The cap was reached exactly: one more fetch tells whether anything was left out.
        const more = await stream.fetchChunk();
        if (more && more.rowCount > 0) state.truncated = true;
      } catch (error) {
        throw stop.translate(error);
      } finally {
        finish();
      }
    }

    return {
      columns,
      batches,
      get rowCount() {
        return state.rowCount;
      },
      get truncated() {
        return state.truncated;
      },
    };
  }

  async explain(sql: string, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<ExplainResult> {
    const timeoutMs = options.timeoutMs ?? EXPLAIN_TIMEOUT_MS;
    const connection = await this.connection();
    // Preparing and planning can do real work (constant lists are built while planning): bounded.
    const stop = stopper(connection, options.signal, timeoutMs);
    try {
      if (stop.reason) throw new QueryCancelledError();
      const prepared = await this.prepareOne(connection, sql);
      if (this.duck.StatementType[prepared.statementType] !== 'SELECT') {
        throw new ConnectorError('Only SELECT statements can be explained here.');
      }
      // The statement was parsed as exactly one SELECT above, so wrapping it is safe.
      const reader = await connection.runAndReadAll(`EXPLAIN (FORMAT JSON) ${withoutTrailingSemicolon(sql)}`);
      if (stop.reason) throw new QueryCancelledError();
      const planText = String(reader.getRowsJson()[0]?.[1] ?? '[]');
      const plan = JSON.parse(planText) as PlanNode[];
      const estimate = plan[0] ? firstCardinality(plan[0]) : null;
      const unboundedReason = unboundedReadReason(plan);
      // DuckDB's plan gives no byte estimates: the gate goes by rows.
      return { estimatedRows: estimate, scannedRows: scannedRows(plan), scannedBytes: null, plan: planText, ...(unboundedReason ? { unboundedReason } : {}) };
    } catch (error) {
      // Too slow to plan is itself a sign of a big read: the gate asks rather than guesses.
      if (stop.reason === 'timeout') return { estimatedRows: null, scannedRows: null, scannedBytes: null, plan: '[]', unboundedReason: planTimedOut(timeoutMs) };
      throw stop.translate(error);
    } finally {
      stop.release();
      connection.disconnectSync();
    }
  }

  async listTables(options: { schema?: string; pageSize?: number; pageToken?: string } = {}): Promise<Page<TableInfo>> {
    const pageSize = Math.max(1, Math.min(options.pageSize ?? 500, 5000));
    const offset = options.pageToken ? Number.parseInt(options.pageToken, 10) || 0 : 0;
    const rows = await this.select(
      `SELECT database_name, schema_name, table_name, kind, comment, estimated_size FROM (
         SELECT database_name, schema_name, table_name, 'table' AS kind, comment, estimated_size
           FROM duckdb_tables() WHERE database_name = $1 AND NOT internal AND NOT temporary
         UNION ALL
         SELECT database_name, schema_name, view_name, 'view', comment, NULL
           FROM duckdb_views() WHERE database_name = $1 AND NOT internal AND NOT temporary
       ) WHERE $2 IS NULL OR schema_name = $2
       ORDER BY schema_name, table_name LIMIT $3 OFFSET $4`,
      [CATALOG, options.schema ?? null, pageSize + 1, offset],
    );
    const items = rows.slice(0, pageSize).map(
      ([database, schema, name, kind, comment, estimate]): TableInfo => ({
        database: String(database),
        schema: String(schema),
        name: String(name),
        kind: kind === 'view' ? 'view' : 'table',
        comment: comment ? String(comment) : null,
        rowEstimate: estimate === null ? null : Number(estimate),
      }),
    );
    return rows.length > pageSize ? { items, next: String(offset + pageSize) } : { items };
  }

  async describeTable(ref: TableRef): Promise<TableDetail> {
    const schema = ref.schema ?? 'main';
    const { items } = await this.listTables({ schema, pageSize: 5000 });
    const table = items.find((t) => t.name === ref.name) ?? items.find((t) => t.name.toLowerCase() === ref.name.toLowerCase());
    if (!table) {
      throw new ConnectorError(`No table or view named ${schema}.${ref.name}.`, 'Call list_tables to see the available tables.');
    }
    const columnRows = await this.select(
      `SELECT column_name, data_type, is_nullable, comment FROM duckdb_columns()
        WHERE database_name = $1 AND schema_name = $2 AND table_name = $3 ORDER BY column_index`,
      [CATALOG, table.schema, table.name],
    );
    const columns: ColumnDetail[] = columnRows.map(([name, type, nullable, comment]) => ({
      name: String(name),
      type: String(type),
      nullable: Boolean(nullable),
      comment: comment ? String(comment) : null,
    }));
    const constraintRows = await this.select(
      `SELECT constraint_type, constraint_column_names, referenced_table, referenced_column_names
         FROM duckdb_constraints()
        WHERE database_name = $1 AND schema_name = $2 AND table_name = $3
          AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')`,
      [CATALOG, table.schema, table.name],
    );
    const primaryKey: string[] = [];
    const foreignKeys: TableDetail['foreignKeys'] = [];
    for (const [type, cols, refTable, refCols] of constraintRows) {
      if (type === 'PRIMARY KEY') primaryKey.push(...(cols as string[]));
      else foreignKeys.push({ columns: cols as string[], references: { table: String(refTable), columns: refCols as string[] } });
    }
    return { ...table, columns, primaryKey, foreignKeys };
  }

  async listColumns(options: { pageSize?: number; pageToken?: string; tables?: { schema: string; name: string }[] } = {}): Promise<Page<ColumnRecord>> {
    const pageSize = Math.max(1, Math.min(options.pageSize ?? 20_000, 100_000));
    const offset = options.pageToken ? Number.parseInt(options.pageToken, 10) || 0 : 0;
    const only = options.tables?.map((t) => `${t.schema}.${t.name}`) ?? null;
    const rows = await this.select(
      `SELECT schema_name, table_name, column_name, data_type, is_nullable, comment FROM duckdb_columns()
        WHERE database_name = $1 AND NOT internal AND ($2::VARCHAR[] IS NULL OR list_contains($2::VARCHAR[], schema_name || '.' || table_name))
        ORDER BY schema_name, table_name, column_index LIMIT $3 OFFSET $4`,
      [CATALOG, only === null ? null : this.duck.listValue(only), pageSize + 1, offset],
    );
    const items = rows.slice(0, pageSize).map(([schema, table, name, type, nullable, comment]): ColumnRecord => ({
      schema: String(schema), table: String(table), name: String(name), type: String(type), nullable: Boolean(nullable), comment: comment ? String(comment) : null,
    }));
    return rows.length > pageSize ? { items, next: String(offset + pageSize) } : { items };
  }

  /** Runs a fixed catalog query of ours with bound parameters and returns all rows. */
  private async select(sql: string, params: DuckDBValue[]): Promise<JsonValue[][]> {
    const connection = await this.connection();
    try {
      const prepared = await connection.prepare(sql);
      prepared.bind(params);
      const reader = await prepared.runAndReadAll();
      return reader.getRowsJson() as JsonValue[][];
    } finally {
      connection.disconnectSync();
    }
  }

  async close(): Promise<void> {
    this.instance.closeSync();
  }
}

interface PlanNode {
  name?: string;
  extra_info?: Record<string, unknown>;
  children?: PlanNode[];
}

function firstCardinality(node: PlanNode): number | null {
  const raw = node.extra_info?.['Estimated Cardinality'];
  if (raw !== undefined) return Number(raw);
  for (const child of node.children ?? []) {
    const found = firstCardinality(child);
    if (found !== null) return found;
  }
  return null;
}

/**
 * Rows the plan reads: the estimated cardinality of every node that produces rows from outside the
 * plan, summed. Those are the leaves (SEQ_SCAN, RANGE, GENERATE_SERIES, READ_CSV, ...) and any node
 * that reads a table or calls a table function (extra_info "Table" / "Function"), leaf or not.
 * Null when no such node gives an estimate.
 */
export function scannedRows(plan: PlanNode[]): number | null {
  let total: number | null = null;
  const visit = (node: PlanNode): void => {
    const children = node.children ?? [];
    const info = node.extra_info ?? {};
    const source = children.length === 0 || 'Table' in info || 'Function' in info;
    const rows = Number(info['Estimated Cardinality']);
    if (source && info['Estimated Cardinality'] !== undefined && Number.isFinite(rows)) total = (total ?? 0) + rows;
    children.forEach(visit);
  };
  plan.forEach(visit);
  return total;
}

// A recursive CTE runs its recursive part once per iteration; the plan shows it (and its scans) once.
const RECURSIVE_CTES = new Set(['REC_CTE', 'REC_KEY_CTE', 'RECURSIVE_CTE', 'RECURSIVE_KEY_CTE']);
// Operators that make rows from lists or computed arguments: DuckDB estimates their output as
// their input (or not at all), whatever the lists hold.
const UNCOUNTED_GENERATORS = new Set(['UNNEST', 'INOUT_FUNCTION']);

/** Why no row estimate bounds this plan's read, or undefined when the estimates do. */
export function unboundedReadReason(plan: PlanNode[]): string | undefined {
  let reason: string | undefined;
  const visit = (node: PlanNode): void => {
    const name = node.name ?? '';
    if (RECURSIVE_CTES.has(name)) reason = RECURSIVE_QUERY;
    else if (UNCOUNTED_GENERATORS.has(name)) reason ??= UNCOUNTED_GENERATOR;
    (node.children ?? []).forEach(visit);
  };
  plan.forEach(visit);
  return reason;
}

export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
