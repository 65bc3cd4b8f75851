// Snowflake through the official snowflake-sdk, with the user's own credentials (password, key-pair
// JWT, OAuth token or browser SSO). Snowflake has no read-only transactions: the user's role is the
// outer wall. What we add on every statement: QUERY_TAG (so the user's query history shows what
// Pipewright ran), STATEMENT_TIMEOUT_IN_SECONDS, and MULTI_STATEMENT_COUNT=1 (the server refuses a
// second, smuggled statement). Stop sends a real abort request, so the warehouse stops working.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type * as SnowflakeSdk from 'snowflake-sdk';
import { redact } from '../observability/redact';
import {
  ConnectorError,
  QueryCancelledError,
  QueryTimeoutError,
  readAll,
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

type Sdk = typeof SnowflakeSdk;
type SdkConnection = SnowflakeSdk.Connection;
type SdkStatement = SnowflakeSdk.RowStatement;
type SdkColumn = SnowflakeSdk.Column;

export type SnowflakeAuthentication =
  | { kind: 'password'; password: string }
  /** PEM private key; an encrypted PKCS#8 key needs its passphrase. */
  | { kind: 'keypair'; privateKey: string; passphrase?: string }
  | { kind: 'oauth'; token: string }
  | {
      kind: 'externalbrowser';
      /** Opens the SSO page; defaults to the system browser. The editor passes its own opener. */
      openBrowser?: (url: string) => void;
      /**
       * true: the driver builds a Snowsight console login URL itself (`/console/login` with a proof
       * key). false (the driver's default): it first asks the server for the identity provider's URL
       * (`/session/authenticator-request`, always over https on port 443).
       */
      consoleLogin?: boolean;
      timeoutMs?: number;
    };

export type SnowflakeDriverLogLevel = 'OFF' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE';

export interface SnowflakeConnectionOptions {
  id?: string;
  /** Account identifier, e.g. `myorg-myaccount` or `xy12345.eu-west-1`. */
  account: string;
  username: string;
  authentication: SnowflakeAuthentication;
  warehouse?: string;
  role?: string;
  database?: string;
  schema?: string;
  /** Full endpoint instead of `https://<account>.snowflakecomputing.com`, e.g. a private link or a local emulator. */
  accessUrl?: string;
  host?: string;
  /** Shown in the user's query history; default `pipewright` (plus `/<runId>`). */
  queryTag?: string;
  runId?: string;
  /** Server-side ceiling for every statement that has no timeoutMs of its own (default 300). */
  statementTimeoutSeconds?: number;
  /** Where the driver's own log goes (redacted). Without it the driver's log is dropped, never written to a file. */
  onLog?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Allow `execute` of approved writes (the user opened the connection for writing). */
  writable?: boolean;
  /** How much the driver logs (process-wide: the driver has one logger). Default WARN. */
  driverLogLevel?: SnowflakeDriverLogLevel;
  /** Login attempts after a network failure (default 2). */
  maxLoginRetries?: number;
  /** Per HTTP request, in ms (default 90 s; query polling answers well within it). */
  requestTimeoutMs?: number;
}

export interface SnowflakeQueryOptions extends QueryOptions {
  /** Values for `?` placeholders, sent as Snowflake binds (never spliced into the text). */
  binds?: readonly (string | number | boolean | null)[];
}

export interface SnowflakeExplainResult extends ExplainResult {
  /** Micro-partitions of the tables the plan reads, before and after compile-time pruning. */
  partitionsTotal: number | null;
  partitionsAssigned: number | null;
  bytesAssigned: number | null;
}

interface StreamWithQueryId extends QueryStream {
  readonly queryId: string | undefined;
}

const BATCH_ROWS = 1000;
const DEFAULT_STATEMENT_TIMEOUT_S = 300;
/** After Stop, how long to wait for the server to end the request before giving up on it locally. */
const CANCEL_GRACE_MS = 10_000;
/** Catalog pages are fetched with keyset paging; a page is never larger than this. */
const MAX_PAGE = 5000;
/** Tables named in one filtered COLUMNS statement (two binds or fewer each). */
const TABLES_PER_STATEMENT = 1000;
// Numbers, dates and JSON come as the server's own text: exact decimals, the session's date
// formats, and no eval-based fallback parsing of VARIANT values inside the driver.
// Dates and timestamps come as the driver's date objects: its own text formatting (moment.js,
// per value) tripled the cost of a stream; the common default formats are written out here.
const FETCH_AS_STRING = ['Number', 'JSON', 'Buffer', 'Object', 'Array', 'Map'] as unknown as SnowflakeSdk.DataType[];

// ---------------------------------------------------------------------------------------------
// Loading the driver

let sdkPromise: Promise<Sdk> | undefined;

/** Loaded on first use, with its cloud probes and telemetry switched off before it is first required. */
export function loadSnowflake(): Promise<Sdk> {
  sdkPromise ??= (async () => {
    // Read once at module load by the driver: set before the first require.
    process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION = 'true'; // no probes of cloud metadata addresses
    process.env.SF_TELEMETRY_DISABLE_CONNECTION_SHAPE = '1'; // no connection-shape telemetry event
    process.env.SNOWFLAKE_DISABLE_MINICORE = '1'; // no native helper, so no 'minicore_error' telemetry either
    const mod = await import('snowflake-sdk');
    const sdk = ((mod as unknown as { default?: Sdk }).default ?? mod) as Sdk;
    // From here on every driver log line goes through routeDriverLog; never to snowflake.log.
    sdk.configure({ logLevel: 'WARN', customLogger: DRIVER_LOGGER });
    return sdk;
  })();
  return sdkPromise;
}

// The driver has one process-wide logger: lines go to every open connector's sink, with every open
// connector's secrets removed first.
interface LogListener {
  sink: NonNullable<SnowflakeConnectionOptions['onLog']>;
  secrets: readonly string[];
}
const logListeners = new Set<LogListener>();
const secretHolders = new Set<LogListener>();

function routeDriverLog(level: 'error' | 'warn' | 'info' | 'debug' | 'trace', message: string): void {
  if (logListeners.size === 0) return;
  let text = redactDriverText(String(message));
  for (const entry of secretHolders) text = redact(text, entry.secrets);
  const mapped = level === 'error' ? 'error' : level === 'warn' ? 'warn' : 'info';
  for (const entry of logListeners) {
    try {
      entry.sink(mapped, `snowflake-sdk: ${text}`);
    } catch {
      // A failing log sink must never break a query.
    }
  }
}

const DRIVER_LOGGER: SnowflakeSdk.SnowflakeLogger = {
  error: (m) => routeDriverLog('error', m),
  warn: (m) => routeDriverLog('warn', m),
  info: (m) => routeDriverLog('info', m),
  debug: (m) => routeDriverLog('debug', m),
  trace: (m) => routeDriverLog('trace', m),
};

/** Masks credential-shaped text the driver may print (session tokens, JSON credential fields). */
function redactDriverText(text: string): string {
  return text
    .replace(/(Snowflake Token=")[^"]*/g, '$1***')
    .replace(/("(?:PASSWORD|TOKEN|PASSCODE|PRIVATE_KEY|PROOF_KEY|masterToken|sessionToken|token|idToken|mfaToken|oldSessionToken)"\s*:\s*")[^"]*/gi, '$1***')
    .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, '[private key]');
}

// ---------------------------------------------------------------------------------------------
// The connector

export class SnowflakeConnector implements Connector {
  readonly dialect = 'snowflake' as const;
  readonly id: string;
  private closed = false;
  private namespace: Promise<{ database: string | null; schema: string | null }> | undefined;

  private constructor(
    private readonly options: SnowflakeConnectionOptions,
    private readonly connection: SdkConnection,
    private readonly secrets: readonly string[],
    private readonly logListener: LogListener,
  ) {
    this.id = options.id ?? `snowflake://${options.account}`;
  }

  /** The QUERY_TAG every statement of this connection carries. */
  get queryTag(): string {
    return queryTagOf(this.options);
  }

  static async open(options: SnowflakeConnectionOptions): Promise<SnowflakeConnector> {
    const secrets = secretsOf(options.authentication);
    const listener: LogListener = { sink: options.onLog ?? (() => undefined), secrets };
    // Secrets are registered before the driver sees them, so even its first log lines are clean.
    secretHolders.add(listener);
    if (options.onLog) logListeners.add(listener);
    const fail = (error: unknown): never => {
      logListeners.delete(listener);
      secretHolders.delete(listener);
      throw loginError(error, options, secrets);
    };
    let sdk: Sdk;
    let connection: SdkConnection;
    try {
      sdk = await loadSnowflake();
      sdk.configure({ logLevel: options.driverLogLevel ?? 'WARN', customLogger: DRIVER_LOGGER });
      connection = sdk.createConnection(connectionOptions(options));
    } catch (error) {
      return fail(error);
    }
    try {
      await new Promise<void>((resolve, reject) => {
        // connectAsync is the form that supports browser SSO; its callback carries the outcome.
        connection.connectAsync((error) => (error ? reject(error) : resolve())).catch(reject);
      });
    } catch (error) {
      // A half-open connection holds HTTP agents; release them (best effort).
      connection.destroy(() => undefined);
      return fail(error);
    } finally {
      // A user's sf_client_config.json ("easy logging") reconfigures the driver's logger during
      // connect; put ours back so nothing goes to a log file behind the user's back.
      sdk.configure({ logLevel: options.driverLogLevel ?? 'WARN', customLogger: DRIVER_LOGGER });
    }
    return new SnowflakeConnector(options, connection, secrets, listener);
  }

  async query(sql: string, options: SnowflakeQueryOptions = {}): Promise<StreamWithQueryId> {
    const { signal, maxRows = Number.POSITIVE_INFINITY, timeoutMs, binds } = options;
    if (signal?.aborted) throw new QueryCancelledError();
    this.assertOpen();
    refuseLocalFileCommands(sql);

    const stop = new StopControl(signal, timeoutMs, this.statementTimeoutSeconds());
    let statement: SdkStatement;
    const executed = new Promise<void>((resolve, reject) => {
      statement = this.connection.execute({
        sqlText: sql,
        binds: binds as SnowflakeSdk.Binds | undefined,
        parameters: this.statementParameters(timeoutMs),
        streamResult: true,
        rowMode: 'array',
        fetchAsString: FETCH_AS_STRING,
        complete: (error) => (error ? reject(error) : resolve()),
      }) as SdkStatement;
    });
    executed.catch(() => undefined); // observed below; never an unhandled rejection
    stop.onStop = () => {
      // A real server-side abort; the pending request then ends with "SQL execution canceled".
      statement?.cancel((error) => {
        if (error) this.log('warn', `Snowflake did not accept the abort request: ${this.redact(error.message)}`);
      });
    };
    stop.arm();

    try {
      await Promise.race([executed, stop.gaveUp]);
      if (stop.reason) throw new QueryCancelledError();
    } catch (error) {
      stop.finish();
      throw this.translate(error, stop);
    }

    const columns = (statement!.getColumns() ?? []).map(columnInfo);
    const total = statement!.getNumRows() ?? 0;
    const wanted = Math.min(total, Math.max(0, maxRows));
    const state = { rowCount: 0, truncated: total > wanted };
    const converters = (statement!.getColumns() ?? []).map(valueConverter);
    const connector = this;
    const current = statement!;

    async function* batches(): AsyncGenerator<Row[]> {
      try {
        if (wanted === 0) return;
        // Only the chunks that hold rows [0, wanted) are downloaded.
        const rows = current.streamRows({ start: 0, end: wanted - 1 });
        stop.onStop = () => rows.destroy();
        let batch: Row[] = [];
        for await (const raw of rows as AsyncIterable<unknown[]>) {
          if (stop.reason) break;
          batch.push(raw.map((value, i) => converters[i](value)));
          if (batch.length >= BATCH_ROWS) {
            state.rowCount += batch.length;
            yield batch;
            batch = [];
          }
        }
        if (stop.reason) throw new QueryCancelledError();
        if (batch.length > 0) {
          state.rowCount += batch.length;
          yield batch;
        }
      } catch (error) {
        throw connector.translate(error, stop);
      } finally {
        stop.finish();
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
      queryId: current.getQueryId(),
    };
  }

  /**
   * Runs one approved write/DDL statement. Snowflake has no read-only transactions, so this is the
   * same path as a read; the role's grants are the database-side wall, and the policy gate decides
   * what reaches here. DML answers with its counts ("number of rows inserted", ...).
   */
  async execute(sql: string, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<{ rowsAffected: number | null }> {
    if (!this.options.writable) throw new ConnectorError('This Snowflake connection is open read-only.', 'Open it for writing in the connection settings (readOnly: false) to run approved changes.');
    const stream = await this.query(sql, { signal: options.signal, timeoutMs: options.timeoutMs, maxRows: 10 });
    const { columns, rows } = await readAll(stream);
    const counts = columns.flatMap((c, i) => (/^number of rows /i.test(c.name) && typeof rows[0]?.[i] === 'number' ? [rows[0][i] as number] : []));
    return { rowsAffected: counts.length ? counts.reduce((a, b) => a + b, 0) : null };
  }

  /**
   * `EXPLAIN USING JSON`: Snowflake compiles without running and reports the micro-partitions and
   * bytes the plan would read. It gives no row estimate, so estimatedRows stays null.
   */
  async explain(sql: string, options: { signal?: AbortSignal } = {}): Promise<SnowflakeExplainResult> {
    refuseLocalFileCommands(sql);
    // Safe to wrap: the server still counts statements (MULTI_STATEMENT_COUNT=1), so a second
    // statement after the first is refused, and EXPLAIN itself never executes the statement.
    const { rows } = await this.all(`EXPLAIN USING JSON ${withoutTrailingSemicolon(sql)}`, [], options.signal);
    const planText = String(rows[0]?.[0] ?? '{}');
    let plan: { GlobalStats?: Record<string, unknown> } = {};
    try {
      plan = JSON.parse(planText) as typeof plan;
    } catch {
      // Keep the text; the figures stay unknown.
    }
    const stats = plan.GlobalStats ?? {};
    return {
      estimatedRows: null,
      scannedRows: null,
      scannedBytes: numberOrNull(stats.bytesAssigned),
      plan: planText,
      partitionsTotal: numberOrNull(stats.partitionsTotal),
      partitionsAssigned: numberOrNull(stats.partitionsAssigned),
      bytesAssigned: numberOrNull(stats.bytesAssigned),
    };
  }

  /**
   * The server compiles the exact text without running it (the driver's describeOnly): with
   * MULTI_STATEMENT_COUNT=1 it refuses more than one statement and says how many it found. The
   * driver does not expose the server's statement type, so `kind` is the leading keyword read by a
   * small Snowflake-aware lexer (comments, quotes, CTEs) until the dialect parser takes over.
   */
  async describeStatement(sql: string): Promise<StatementShape> {
    const kind = leadingKind(sql);
    if (kind === 'empty') return { count: 0, kind };
    this.assertOpen();
    refuseLocalFileCommands(sql);
    try {
      await new Promise<void>((resolve, reject) => {
        this.connection.execute({
          sqlText: sql,
          describeOnly: true,
          streamResult: true,
          parameters: this.statementParameters(undefined),
          complete: (error) => (error ? reject(error) : resolve()),
        });
      });
      return { count: 1, kind };
    } catch (error) {
      const count = statementCountFromError(error);
      if (count !== undefined) return { count, kind };
      throw this.translate(error);
    }
  }

  async listTables(options: { schema?: string; pageSize?: number; pageToken?: string } = {}): Promise<Page<TableInfo>> {
    const pageSize = Math.max(1, Math.min(options.pageSize ?? 500, MAX_PAGE));
    const database = await this.requireDatabase();
    const after = options.pageToken ? decodePageToken(options.pageToken) : undefined;
    // Keyset paging on (schema, name): each page costs the same on a 50,000-table account.
    const where = ["TABLE_SCHEMA <> 'INFORMATION_SCHEMA'"];
    const binds: string[] = [];
    if (options.schema !== undefined) {
      where.push('TABLE_SCHEMA = ?');
      binds.push(options.schema);
    }
    if (after) {
      where.push('(TABLE_SCHEMA > ? OR (TABLE_SCHEMA = ? AND TABLE_NAME > ?))');
      binds.push(after[0], after[0], after[1]);
    }
    const { rows } = await this.all(
      `SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, COMMENT, ROW_COUNT
         FROM ${quoteIdent(database)}.INFORMATION_SCHEMA.TABLES
        WHERE ${where.join(' AND ')}
        ORDER BY TABLE_SCHEMA, TABLE_NAME
        LIMIT ${pageSize + 1}`,
      binds,
    );
    const items = rows.slice(0, pageSize).map(tableInfo);
    if (rows.length <= pageSize) return { items };
    const last = items[items.length - 1];
    return { items, next: encodePageToken([last.schema, last.name]) };
  }

  async describeTable(ref: TableRef): Promise<TableDetail> {
    const namespace = await this.currentNamespace();
    const database = ref.database ?? namespace.database;
    if (!database) throw new ConnectorError('No database is selected for this Snowflake connection.', 'Give a database in the connection settings or in the table name.');
    const schema = ref.schema ?? namespace.schema ?? 'PUBLIC';
    // Unquoted names are stored upper-cased in Snowflake; accept both spellings, exact first.
    const schemas = unique([schema, schema.toUpperCase()]);
    const names = unique([ref.name, ref.name.toUpperCase()]);
    const { rows } = await this.inDatabase(database, (db) =>
      this.all(
        `SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, COMMENT, ROW_COUNT
           FROM ${quoteIdent(db)}.INFORMATION_SCHEMA.TABLES
          WHERE TABLE_SCHEMA IN (${schemas.map(() => '?').join(', ')}) AND TABLE_NAME IN (${names.map(() => '?').join(', ')})`,
        [...schemas, ...names],
      ),
    );
    const found = rows.map(tableInfo).sort((a, b) => matchRank(a, schema, ref.name) - matchRank(b, schema, ref.name))[0];
    if (!found) {
      throw new ConnectorError(`No table or view named ${database}.${schema}.${ref.name}, or no privilege to see it.`, 'Call list_tables to see the available tables.');
    }
    const columnRows = await this.all(
      `SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, IS_NULLABLE, COMMENT
         FROM ${quoteIdent(found.database)}.INFORMATION_SCHEMA.COLUMNS
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
        ORDER BY ORDINAL_POSITION`,
      [found.schema, found.name],
    );
    const columns: ColumnDetail[] = columnRows.rows.map(([name, type, length, precision, scale, nullable, comment]) => ({
      name: String(name),
      type: informationSchemaType(String(type), length, precision, scale),
      nullable: String(nullable).toUpperCase() === 'YES',
      comment: comment === null || comment === '' ? null : String(comment),
    }));
    const { primaryKey, foreignKeys } = found.kind === 'table' ? await this.keys(found) : { primaryKey: [], foreignKeys: [] };
    return { ...found, columns, primaryKey, foreignKeys };
  }

  /**
   * Columns of every table and view (or of `tables`) from INFORMATION_SCHEMA.COLUMNS: one statement
   * for the whole database (one per 1,000 named tables), read chunk by chunk as the driver
   * downloads them, so a million columns never sit in memory at once. Stop aborts the statement
   * or stops the downloads.
   */
  async *streamColumns(options: { tables?: readonly { schema: string; name: string }[]; signal?: AbortSignal } = {}): AsyncGenerator<ColumnRecord[]> {
    const { tables, signal } = options;
    if (signal?.aborted) throw new QueryCancelledError();
    const database = await this.requireDatabase();
    if (tables) {
      // Sorted like the result, so several statements still deliver (schema, table) order.
      const wanted = [...new Map(tables.map((t) => [JSON.stringify([t.schema, t.name]), t])).values()].sort(
        (a, b) => compareText(a.schema, b.schema) || compareText(a.name, b.name),
      );
      for (let i = 0; i < wanted.length; i += TABLES_PER_STATEMENT) {
        yield* this.columnsWhere(database, tablesFilter(wanted.slice(i, i + TABLES_PER_STATEMENT)), signal);
      }
      return;
    }
    let yielded = false;
    try {
      for await (const batch of this.columnsWhere(database, { where: [], binds: [] }, signal)) {
        yielded = true;
        yield batch;
      }
      return;
    } catch (error) {
      if (yielded || !(error instanceof ConnectorError) || !/\b090030\b/.test(error.message)) throw error;
    }
    // 090030 "Information schema query returned too much data" (very large databases): the server
    // wants a selective predicate, so one statement per schema, still not one per table.
    this.log('info', `INFORMATION_SCHEMA.COLUMNS of ${database} is too large for one statement; reading it schema by schema.`);
    const schemas = await this.all(
      `SELECT SCHEMA_NAME FROM ${quoteIdent(database)}.INFORMATION_SCHEMA.SCHEMATA WHERE SCHEMA_NAME <> 'INFORMATION_SCHEMA' ORDER BY SCHEMA_NAME`,
      [],
      signal,
    );
    for (const [schema] of schemas.rows) yield* this.columnsWhere(database, { where: ['TABLE_SCHEMA = ?'], binds: [String(schema)] }, signal);
  }

  /**
   * 'SCHEMA.TABLE' (as listTables names them) -> a fingerprint of LAST_ALTERED, the table type and
   * the comment, from one INFORMATION_SCHEMA.TABLES statement. LAST_ALTERED is read as epoch
   * nanoseconds so the session's timestamp output format cannot round it away. It also moves on
   * DML (and background maintenance), so busy tables are re-read more often than their definition
   * changes: acceptable, as all changed tables share one filtered COLUMNS statement per 1,000.
   */
  async tableVersions(): Promise<Map<string, string>> {
    const database = await this.requireDatabase();
    const stream = await this.query(
      `SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, EXTRACT(EPOCH_NANOSECOND FROM LAST_ALTERED), COMMENT
         FROM ${quoteIdent(database)}.INFORMATION_SCHEMA.TABLES
        WHERE TABLE_SCHEMA <> 'INFORMATION_SCHEMA'`,
    );
    const versions = new Map<string, string>();
    for await (const batch of stream.batches()) {
      for (const [schema, name, type, altered, comment] of batch) {
        const commentHash = comment === null || comment === '' ? '' : createHash('sha256').update(String(comment)).digest('base64url').slice(0, 12);
        versions.set(`${schema}.${name}`, `${altered ?? ''}:${type}:${commentHash}`);
      }
    }
    return versions;
  }

  private async *columnsWhere(database: string, filter: { where: string[]; binds: string[] }, signal: AbortSignal | undefined): AsyncGenerator<ColumnRecord[]> {
    const stream = await this.query(
      `SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, IS_NULLABLE, COMMENT, ORDINAL_POSITION
         FROM ${quoteIdent(database)}.INFORMATION_SCHEMA.COLUMNS
        WHERE ${["TABLE_SCHEMA <> 'INFORMATION_SCHEMA'", ...filter.where].join(' AND ')}
        ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
      { binds: filter.binds, signal },
    );
    for await (const rows of stream.batches()) yield rows.map(columnRecord);
  }

  /** Keys live only in SHOW output (INFORMATION_SCHEMA has constraints but not their columns). */
  private async keys(table: TableInfo): Promise<Pick<TableDetail, 'primaryKey' | 'foreignKeys'>> {
    const name = [table.database, table.schema, table.name].map(quoteIdent).join('.');
    const primaryKey: string[] = [];
    const foreignKeys: TableDetail['foreignKeys'] = [];
    try {
      const pk = byName(await this.all(`SHOW PRIMARY KEYS IN TABLE ${name}`, []));
      pk.sort((a, b) => Number(a.key_sequence) - Number(b.key_sequence));
      primaryKey.push(...pk.map((r) => String(r.column_name)));
      const fk = byName(await this.all(`SHOW IMPORTED KEYS IN TABLE ${name}`, []));
      fk.sort((a, b) => String(a.fk_name).localeCompare(String(b.fk_name)) || Number(a.key_sequence) - Number(b.key_sequence));
      const groups = new Map<string, TableDetail['foreignKeys'][number]>();
      for (const r of fk) {
        const refTable =
          r.pk_database_name === table.database && r.pk_schema_name === table.schema
            ? String(r.pk_table_name)
            : [r.pk_database_name, r.pk_schema_name, r.pk_table_name].map(String).join('.');
        const key = String(r.fk_name ?? `${refTable}`);
        let group = groups.get(key);
        if (!group) groups.set(key, (group = { columns: [], references: { table: refTable, columns: [] } }));
        group.columns.push(String(r.fk_column_name));
        group.references.columns.push(String(r.pk_column_name));
      }
      foreignKeys.push(...groups.values());
    } catch (error) {
      if (error instanceof QueryCancelledError) throw error;
      // Keys are a bonus: columns without them are still worth returning.
      this.log('warn', `Could not read the keys of ${table.schema}.${table.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { primaryKey, foreignKeys };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await new Promise<void>((resolve) => this.connection.destroy(() => resolve()));
    } finally {
      logListeners.delete(this.logListener);
      secretHolders.delete(this.logListener);
    }
  }

  // -------------------------------------------------------------------------------------------

  private statementTimeoutSeconds(): number {
    return this.options.statementTimeoutSeconds ?? DEFAULT_STATEMENT_TIMEOUT_S;
  }

  private statementParameters(timeoutMs: number | undefined): Record<string, string | number> {
    return {
      QUERY_TAG: this.queryTag,
      MULTI_STATEMENT_COUNT: 1,
      STATEMENT_TIMEOUT_IN_SECONDS: timeoutMs ? Math.max(1, Math.ceil(timeoutMs / 1000)) : this.statementTimeoutSeconds(),
    };
  }

  /** Runs one of our own catalog statements with binds and reads it whole. */
  private async all(sql: string, binds: readonly (string | number | null)[], signal?: AbortSignal): Promise<{ columns: ColumnInfo[]; rows: Row[] }> {
    const stream = await this.query(sql, { binds, signal });
    const rows: Row[] = [];
    for await (const batch of stream.batches()) rows.push(...batch);
    return { columns: [...stream.columns], rows };
  }

  /**
   * The session's database and schema as the server resolved them: `analytics` in the settings is
   * the ANALYTICS database (unquoted names are upper-cased), and only the server knows for sure.
   */
  private async currentNamespace(): Promise<{ database: string | null; schema: string | null }> {
    this.namespace ??= this.all('SELECT CURRENT_DATABASE(), CURRENT_SCHEMA()', []).then(
      ({ rows }) => ({
        database: rows[0]?.[0] == null ? (this.options.database ?? null) : String(rows[0][0]),
        schema: rows[0]?.[1] == null ? (this.options.schema ?? null) : String(rows[0][1]),
      }),
      (error: unknown) => {
        this.namespace = undefined; // a failed lookup (e.g. Stop) is not cached
        throw error;
      },
    );
    return this.namespace;
  }

  /** Runs `body` on the database name as given, then upper-cased if Snowflake says it does not exist. */
  private async inDatabase<T>(database: string, body: (database: string) => Promise<T>): Promise<T> {
    try {
      return await body(database);
    } catch (error) {
      const upper = database.toUpperCase();
      if (upper === database || !(error instanceof ConnectorError) || !/\b002003\b/.test(error.message)) throw error;
      return body(upper);
    }
  }

  private async requireDatabase(): Promise<string> {
    const { database } = await this.currentNamespace();
    if (!database) throw new ConnectorError('No database is selected for this Snowflake connection.', 'Give a database in the connection settings (snowflake://account/DATABASE/SCHEMA).');
    return database;
  }

  private assertOpen(): void {
    if (this.closed) throw new ConnectorError('This Snowflake connection is closed.');
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    try {
      this.options.onLog?.(level, this.redact(message));
    } catch {
      // never let logging break a query
    }
  }

  private redact(text: string): string {
    return redact(redactDriverText(text), this.secrets);
  }

  redactSecrets(text: string): string {
    return redact(text, this.secrets);
  }

  /** Driver errors become ConnectorErrors with the server's code, minus any secret. */
  private translate(error: unknown, stop?: StopControl): Error {
    if (stop?.reason === 'cancel') return new QueryCancelledError();
    if (stop?.reason === 'timeout') return new QueryTimeoutError(stop.timeoutMs());
    if (error instanceof ConnectorError) return error;
    const { code, sqlState, message } = errorParts(error);
    if (code === '000604') return new QueryCancelledError();
    if (code === '000630') return new QueryTimeoutError(stop?.timeoutMs() ?? this.statementTimeoutSeconds() * 1000);
    const count = statementCountFromError(error);
    if (count !== undefined) {
      return new ConnectorError(`Expected exactly one SQL statement, got ${count}; Snowflake refused the text.`, 'Send one statement at a time.');
    }
    const detail = [code && `code ${code}`, sqlState && `SQL state ${sqlState}`].filter(Boolean).join(', ');
    return new ConnectorError(`Snowflake: ${this.redact(message)}${detail ? ` (${detail})` : ''}`, hintFor(code, sqlState));
  }
}

// ---------------------------------------------------------------------------------------------
// Stop: the caller's signal and our own deadline, both ending in a server-side abort.

class StopControl {
  reason: 'cancel' | 'timeout' | undefined;
  onStop: (() => void) | undefined;
  /** Rejects if the server never ends the request after an abort: the caller is not kept waiting. */
  readonly gaveUp: Promise<never>;
  private giveUp!: (error: Error) => void;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private grace: ReturnType<typeof setTimeout> | undefined;
  private readonly onAbort = () => this.stop('cancel');

  constructor(
    private readonly signal: AbortSignal | undefined,
    private readonly clientTimeoutMs: number | undefined,
    private readonly serverTimeoutS: number,
  ) {
    this.gaveUp = new Promise<never>((_, reject) => (this.giveUp = reject));
    this.gaveUp.catch(() => undefined);
  }

  arm(): void {
    this.signal?.addEventListener('abort', this.onAbort);
    if (this.signal?.aborted) this.stop('cancel');
    // Our own deadline: the server's STATEMENT_TIMEOUT_IN_SECONDS has whole-second granularity and
    // does not cover reading the result.
    if (this.clientTimeoutMs) this.timer = setTimeout(() => this.stop('timeout'), this.clientTimeoutMs);
  }

  timeoutMs(): number {
    return this.clientTimeoutMs ?? this.serverTimeoutS * 1000;
  }

  private stop(reason: 'cancel' | 'timeout'): void {
    if (this.reason) return;
    this.reason = reason;
    this.onStop?.();
    this.grace = setTimeout(() => this.giveUp(reason === 'cancel' ? new QueryCancelledError() : new QueryTimeoutError(this.timeoutMs())), CANCEL_GRACE_MS);
    this.grace.unref?.();
  }

  finish(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
    if (this.timer) clearTimeout(this.timer);
    if (this.grace) clearTimeout(this.grace);
    this.onStop = undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Options, credentials, errors

function queryTagOf(options: SnowflakeConnectionOptions): string {
  return options.queryTag ?? (options.runId ? `pipewright/${options.runId}` : 'pipewright');
}

function secretsOf(auth: SnowflakeAuthentication): string[] {
  switch (auth.kind) {
    case 'password':
      return [auth.password];
    case 'oauth':
      return [auth.token];
    case 'keypair': {
      // The whole PEM and each of its base64 lines, so a fragment of the key is masked too.
      const lines = auth.privateKey.split(/\r?\n/).filter((line) => line.length >= 16 && !line.startsWith('-----'));
      return [auth.privateKey, ...lines, ...(auth.passphrase ? [auth.passphrase] : [])];
    }
    case 'externalbrowser':
      return [];
  }
}

function connectionOptions(options: SnowflakeConnectionOptions): SnowflakeSdk.ConnectionOptions {
  const auth = options.authentication;
  const base: SnowflakeSdk.ConnectionOptions = {
    account: options.account,
    username: options.username,
    warehouse: options.warehouse,
    role: options.role,
    database: options.database,
    schema: options.schema,
    application: 'Pipewright',
    queryTag: queryTagOf(options),
    // No heartbeat timer keeping the host alive, no token caches written to disk.
    clientSessionKeepAlive: false,
    clientStoreTemporaryCredential: false,
    clientRequestMFAToken: false,
    sfRetryMaxLoginRetries: options.maxLoginRetries ?? 2,
    // The driver's default is 1000 retries with no overall limit; a minute of backoff is enough.
    sfRetryMaxNumRetries: 7,
    timeout: options.requestTimeoutMs ?? 90_000,
    representNullAsStringNull: false,
    // Integers then skip the driver's Number() conversion, which reports "precision loss"
    // telemetry for big values; we read every number as text anyway.
    jsTreatIntegerAsBigInt: true,
    rowMode: 'array',
  } as SnowflakeSdk.ConnectionOptions;
  if (options.accessUrl) base.accessUrl = options.accessUrl;
  if (options.host) base.host = options.host;
  switch (auth.kind) {
    case 'password':
      return { ...base, authenticator: 'SNOWFLAKE', password: auth.password };
    case 'keypair':
      return { ...base, authenticator: 'SNOWFLAKE_JWT', privateKey: auth.privateKey, privateKeyPass: auth.passphrase };
    case 'oauth':
      return { ...base, authenticator: 'OAUTH', token: auth.token };
    case 'externalbrowser':
      return {
        ...base,
        authenticator: 'EXTERNALBROWSER',
        openExternalBrowserCallback: auth.openBrowser,
        disableConsoleLogin: !auth.consoleLogin,
        browserActionTimeout: auth.timeoutMs ?? 120_000,
      };
  }
}

function loginError(error: unknown, options: SnowflakeConnectionOptions, secrets: readonly string[]): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const { code, message } = errorParts(error);
  const clean = redact(redactDriverText(message), secrets);
  const who = `${options.username} on ${options.account}`;
  const auth = options.authentication.kind;
  if (code === '390100' || code === '390144' || code === '390303' || code === '390318' || /incorrect username|jwt token is invalid|invalid oauth/i.test(message)) {
    const hint =
      auth === 'keypair'
        ? 'Check that the public key registered for this user (RSA_PUBLIC_KEY) matches your private key.'
        : auth === 'oauth'
          ? 'Get a fresh OAuth access token for this user.'
          : 'Check the user name and password.';
    return new ConnectorError(`Snowflake refused the login of ${who}: ${clean}${code ? ` (code ${code})` : ''}`, hint);
  }
  if (auth === 'keypair' && /bad decrypt|passphrase|DECODER|private key|asn1|PEM/i.test(message)) {
    return new ConnectorError(`Could not read the private key for ${who}: ${clean}`, 'Check the key file and its passphrase (an encrypted PKCS#8 PEM needs the passphrase).');
  }
  if (auth === 'externalbrowser' && /browser|SAML|timed out/i.test(message)) {
    return new ConnectorError(`Browser sign-in for ${who} did not complete: ${clean}`, 'Finish signing in in the browser window, then try again.');
  }
  return new ConnectorError(`Could not connect to Snowflake as ${who}: ${clean}${code ? ` (code ${code})` : ''}`, 'Check the account identifier, the network and the credentials.');
}

function errorParts(error: unknown): { code: string | undefined; sqlState: string | undefined; message: string } {
  if (error && typeof error === 'object') {
    const e = error as { code?: unknown; sqlState?: unknown; message?: unknown };
    return {
      code: e.code === undefined || e.code === null ? undefined : String(e.code),
      sqlState: typeof e.sqlState === 'string' ? e.sqlState : undefined,
      message: typeof e.message === 'string' ? e.message : String(error),
    };
  }
  return { code: undefined, sqlState: undefined, message: String(error) };
}

/** Snowflake's refusal of a multi-statement text names the count it found. */
function statementCountFromError(error: unknown): number | undefined {
  const { code, message } = errorParts(error);
  const match = /Actual statement count (\d+) did not match the desired statement count/i.exec(message);
  if (match) return Number(match[1]);
  return code === '000008' ? 2 : undefined;
}

function hintFor(code: string | undefined, sqlState: string | undefined): string | undefined {
  if (code === '002003' || sqlState === '42S02') return 'Check the object name, or call list_tables to see what exists and is visible to your role.';
  if (code === '000904' || sqlState === '42000') return 'Check the SQL and the column names.';
  if (code === '390104' || code === '390111' || code === '390112' || code === '390114') return 'The Snowflake session ended; reconnect.';
  return undefined;
}

/** PUT and GET read and write files on this machine through the driver, not in the warehouse. */
function refuseLocalFileCommands(sql: string): void {
  const kind = leadingKind(sql);
  // The driver's own test is the first three characters of the trimmed text.
  if (kind === 'put' || kind === 'get' || /^(put|get)/i.test(sql.trim())) {
    throw new ConnectorError('PUT and GET move files between this machine and a stage; Pipewright does not run them.', 'Load or unload files with your own tools.');
  }
}

// ---------------------------------------------------------------------------------------------
// Results

const TYPE_NAMES: Record<string, string> = {
  real: 'FLOAT',
  text: 'VARCHAR',
  binary: 'BINARY',
  boolean: 'BOOLEAN',
  date: 'DATE',
  time: 'TIME',
  timestamp_ntz: 'TIMESTAMP_NTZ',
  timestamp_ltz: 'TIMESTAMP_LTZ',
  timestamp_tz: 'TIMESTAMP_TZ',
  variant: 'VARIANT',
  object: 'OBJECT',
  array: 'ARRAY',
  map: 'MAP',
};

function columnInfo(column: SdkColumn): ColumnInfo {
  const type = column.getType();
  return { name: column.getName(), type: type === 'fixed' ? `NUMBER(${column.getPrecision()},${column.getScale()})` : (TYPE_NAMES[type] ?? type.toUpperCase()) };
}

/** Turns the driver's value for one column into a JSON-safe value, exactly. */
function valueConverter(column: SdkColumn): (value: unknown) => JsonValue {
  const type = column.getType();
  if (type === 'fixed') {
    const integer = column.getScale() === 0;
    return (value) => {
      if (value === null || value === undefined) return null;
      const text = String(value);
      if (!integer) return text; // exact decimal text, as DuckDB's DECIMAL
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : text;
    };
  }
  if (type === 'real') {
    return (value) => {
      if (value === null || value === undefined) return null;
      const n = Number(value);
      return Number.isFinite(n) ? n : String(value);
    };
  }
  if (type === 'variant' || type === 'object' || type === 'array' || type === 'map') {
    return (value) => {
      if (value === null || value === undefined) return null;
      try {
        return JSON.parse(String(value)) as JsonValue;
      } catch {
        return String(value);
      }
    };
  }
  if (type === 'boolean') return (value) => (value === null || value === undefined ? null : Boolean(value));
  if (type === 'date' || type === 'time' || type.startsWith('timestamp')) return dateTimeText(type);
  return (value) => (value === null || value === undefined ? null : String(value));
}

/** The driver's date/time value (a Date or time object carrying epoch seconds, nanoseconds, format). */
interface SfDateTime {
  getEpochSeconds?(): number;
  getNanoSeconds(): number;
  getFormat(): string;
  getTimezone?(): unknown;
  toJSON(): string;
}

/**
 * Date and time values as the session formats them. DATE and TIMESTAMP_NTZ in Snowflake's default
 * formats (UTC wall-clock, no zone) are written directly; any other type or format is left to the
 * driver's formatter, so a user's own output formats are honoured.
 */
function dateTimeText(type: string): (value: unknown) => JsonValue {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const day = (d: Date) => `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return (value) => {
    if (value === null || value === undefined) return null;
    const v = value as SfDateTime;
    if (typeof v.getFormat !== 'function') return String(value);
    const format = v.getFormat();
    if (typeof v.getEpochSeconds === 'function' && (type === 'date' || type === 'timestamp_ntz')) {
      const seconds = v.getEpochSeconds();
      if (Math.abs(seconds) < 8.64e12 && seconds >= -62_135_596_800) {
        const d = new Date(seconds * 1000);
        if (type === 'date' && format === 'YYYY-MM-DD') return day(d);
        if (type === 'timestamp_ntz' && format === 'YYYY-MM-DD HH24:MI:SS.FF3') {
          return `${day(d)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(Math.floor(v.getNanoSeconds() / 1e6), 3)}`;
        }
      }
    }
    return v.toJSON();
  };
}

function tableInfo(row: Row): TableInfo {
  const [database, schema, name, type, comment, rowCount] = row;
  return {
    database: String(database),
    schema: String(schema),
    name: String(name),
    kind: /VIEW/i.test(String(type)) ? 'view' : 'table',
    comment: comment === null || comment === '' ? null : String(comment),
    rowEstimate: rowCount === null || rowCount === undefined ? null : Number(rowCount),
  };
}

function matchRank(table: TableInfo, schema: string, name: string): number {
  return (table.schema === schema ? 0 : 2) + (table.name === name ? 0 : 1);
}

/** INFORMATION_SCHEMA.COLUMNS spells types its own way (TEXT, NUMBER without precision). */
function informationSchemaType(dataType: string, length: JsonValue, precision: JsonValue, scale: JsonValue): string {
  const type = dataType.toUpperCase();
  if (type === 'NUMBER' || type === 'DECIMAL' || type === 'NUMERIC') return `NUMBER(${precision ?? 38},${scale ?? 0})`;
  if (type === 'TEXT' || type === 'VARCHAR' || type === 'STRING') {
    return length === null || Number(length) >= 16_777_216 ? 'VARCHAR' : `VARCHAR(${length})`;
  }
  return type;
}

function columnRecord([schema, table, name, type, length, precision, scale, nullable, comment]: Row): ColumnRecord {
  return {
    schema: String(schema),
    table: String(table),
    name: String(name),
    type: informationSchemaType(String(type), length, precision, scale),
    nullable: String(nullable).toUpperCase() === 'YES',
    comment: comment === null || comment === '' ? null : String(comment),
  };
}

/** `(TABLE_SCHEMA = ? AND TABLE_NAME IN (?, ...)) OR ...`: names as binds, grouped by schema. */
function tablesFilter(tables: readonly { schema: string; name: string }[]): { where: string[]; binds: string[] } {
  const bySchema = new Map<string, string[]>();
  for (const t of tables) bySchema.set(t.schema, [...(bySchema.get(t.schema) ?? []), t.name]);
  const parts: string[] = [];
  const binds: string[] = [];
  for (const [schema, names] of bySchema) {
    parts.push(`(TABLE_SCHEMA = ? AND TABLE_NAME IN (${names.map(() => '?').join(', ')}))`);
    binds.push(schema, ...names);
  }
  return { where: [`(${parts.join(' OR ')})`], binds };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** SHOW output columns are lower-case names; read them by name, not by position. */
function byName(result: { columns: ColumnInfo[]; rows: Row[] }): Record<string, JsonValue>[] {
  const names = result.columns.map((c) => c.name.toLowerCase());
  return result.rows.map((row) => Object.fromEntries(names.map((name, i) => [name, row[i]])));
}

function numberOrNull(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(n) ? n : null;
}

function encodePageToken(key: [string, string]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodePageToken(token: string): [string, string] {
  try {
    const key = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === 2 && key.every((k) => typeof k === 'string')) return key as [string, string];
  } catch {
    // fall through
  }
  throw new ConnectorError('The page token is not one this connector issued.', 'Start listing from the first page.');
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}


// ---------------------------------------------------------------------------------------------
// A small Snowflake lexer: enough to name a statement's kind. Not a guardrail (the server counts
// statements; the dialect parser will classify them).

interface Token {
  kind: 'word' | 'quoted' | 'string' | 'punct';
  text: string;
}

export function snowflakeTokens(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (/\s/.test(c)) {
      i++;
    } else if ((c === '-' && next === '-') || (c === '/' && next === '/')) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (c === '/' && next === '*') {
      // Snowflake block comments do not nest.
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (c === "'") {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === '\\') j += 2;
        else if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
        else if (sql[j] === "'") break;
        else j++;
      }
      tokens.push({ kind: 'string', text: sql.slice(i, j + 1) });
      i = j + 1;
    } else if (c === '$' && next === '$') {
      const end = sql.indexOf('$$', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      tokens.push({ kind: 'string', text: sql.slice(i, stop) });
      i = stop;
    } else if (c === '"') {
      let j = i + 1;
      while (j < sql.length && !(sql[j] === '"' && sql[j + 1] !== '"')) j += sql[j] === '"' ? 2 : 1;
      tokens.push({ kind: 'quoted', text: sql.slice(i, j + 1) });
      i = j + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < sql.length && /[A-Za-z0-9_$]/.test(sql[j])) j++;
      tokens.push({ kind: 'word', text: sql.slice(i, j) });
      i = j;
    } else {
      tokens.push({ kind: 'punct', text: c });
      i++;
    }
  }
  return tokens;
}

const MAIN_KINDS = new Set(['select', 'insert', 'update', 'delete', 'merge']);

/** Lower-case leading keyword; for WITH, the statement the CTEs feed. */
export function leadingKind(sql: string): string {
  const tokens = snowflakeTokens(sql).filter((t) => !(t.kind === 'punct' && t.text === ';'));
  const first = tokens.find((t) => t.kind === 'word');
  if (tokens.length === 0) return 'empty';
  if (!first) return 'unknown';
  const word = first.text.toLowerCase();
  if (word !== 'with' && tokens[0].kind === 'word') return word;
  let depth = 0;
  for (const token of tokens) {
    if (token.text === '(') depth++;
    else if (token.text === ')') depth--;
    else if (token.kind === 'word' && depth === 0 && MAIN_KINDS.has(token.text.toLowerCase())) return token.text.toLowerCase();
  }
  // A parenthesised query: the first main keyword at any depth.
  const inner = tokens.find((t) => t.kind === 'word' && MAIN_KINDS.has(t.text.toLowerCase()));
  return inner ? inner.text.toLowerCase() : word;
}

// ---------------------------------------------------------------------------------------------
// URL form for the CLI and named connections

/**
 * `snowflake://[user@]account/DATABASE/SCHEMA?warehouse=WH&role=ROLE&authenticator=...`, with the
 * credentials from the environment (never from the URL): SNOWFLAKE_USER, SNOWFLAKE_PASSWORD,
 * SNOWFLAKE_PRIVATE_KEY_PATH or SNOWFLAKE_PRIVATE_KEY_RAW (+ SNOWFLAKE_PRIVATE_KEY_PASSPHRASE),
 * SNOWFLAKE_TOKEN; SNOWFLAKE_AUTHENTICATOR picks one when several are set.
 */
export function snowflakeOptionsFromUrl(url: string, env: NodeJS.ProcessEnv = {}): SnowflakeConnectionOptions {
  const example = 'Example: snowflake://analyst@myorg-myaccount/ANALYTICS/PUBLIC?warehouse=WH&role=ANALYST';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConnectorError(`${redact(url)} is not a valid Snowflake URL.`, example);
  }
  if (parsed.protocol !== 'snowflake:') throw new ConnectorError(`${redact(url)} is not a snowflake:// URL.`, example);
  if (parsed.password) {
    throw new ConnectorError('A password in a snowflake:// URL is not accepted (it would end up in history and settings).', 'Put it in SNOWFLAKE_PASSWORD (CLI) or in the editor\'s secret storage.');
  }
  const account = decodeURIComponent(parsed.hostname);
  const [database, schema] = parsed.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const params = parsed.searchParams;
  const username = decodeURIComponent(parsed.username) || params.get('user') || env.SNOWFLAKE_USER || '';
  if (!account || !username) throw new ConnectorError(`The Snowflake URL ${redact(url)} needs an account and a user (in the URL or SNOWFLAKE_USER).`, example);
  const accessUrl = params.get('accessUrl') ?? undefined;
  if (accessUrl && !isTrustedEndpoint(accessUrl)) {
    throw new ConnectorError(`accessUrl ${accessUrl} is neither a Snowflake host nor this machine.`, 'Credentials are only sent to *.snowflakecomputing.com (or .cn) or to localhost.');
  }
  const chosen = (params.get('authenticator') ?? env.SNOWFLAKE_AUTHENTICATOR ?? '').toLowerCase();
  const authentication = authenticationFromEnv(chosen, env);
  const timeout = params.get('statementTimeoutSeconds');
  return {
    id: redact(url),
    account,
    username,
    authentication,
    database,
    schema,
    warehouse: params.get('warehouse') ?? undefined,
    role: params.get('role') ?? undefined,
    accessUrl,
    statementTimeoutSeconds: timeout ? Number(timeout) : undefined,
  };
}

function authenticationFromEnv(chosen: string, env: NodeJS.ProcessEnv): SnowflakeAuthentication {
  const keyPath = env.SNOWFLAKE_PRIVATE_KEY_PATH;
  const keyRaw = env.SNOWFLAKE_PRIVATE_KEY_RAW;
  const passphrase = env.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE || undefined;
  const keypair = (): SnowflakeAuthentication => {
    let privateKey = keyRaw;
    if (!privateKey && keyPath) {
      try {
        privateKey = readFileSync(keyPath, 'utf8');
      } catch (error) {
        throw new ConnectorError(`Could not read the private key file ${keyPath}: ${(error as Error).message}`);
      }
    }
    if (!privateKey) throw new ConnectorError('Key-pair sign-in needs SNOWFLAKE_PRIVATE_KEY_PATH or SNOWFLAKE_PRIVATE_KEY_RAW.');
    return { kind: 'keypair', privateKey, passphrase };
  };
  switch (chosen) {
    case 'snowflake':
    case 'password':
      if (!env.SNOWFLAKE_PASSWORD) throw new ConnectorError('Password sign-in needs SNOWFLAKE_PASSWORD.');
      return { kind: 'password', password: env.SNOWFLAKE_PASSWORD };
    case 'snowflake_jwt':
    case 'keypair':
      return keypair();
    case 'oauth':
      if (!env.SNOWFLAKE_TOKEN) throw new ConnectorError('OAuth sign-in needs SNOWFLAKE_TOKEN.');
      return { kind: 'oauth', token: env.SNOWFLAKE_TOKEN };
    case 'externalbrowser':
      return { kind: 'externalbrowser' };
    case '':
      if (keyPath || keyRaw) return keypair();
      if (env.SNOWFLAKE_TOKEN) return { kind: 'oauth', token: env.SNOWFLAKE_TOKEN };
      if (env.SNOWFLAKE_PASSWORD) return { kind: 'password', password: env.SNOWFLAKE_PASSWORD };
      return { kind: 'externalbrowser' };
    default:
      throw new ConnectorError(`Unknown Snowflake authenticator "${chosen}".`, 'Use password, keypair, oauth or externalbrowser.');
  }
}

function isTrustedEndpoint(url: string): boolean {
  try {
    const u = new URL(url);
    if (['localhost', '127.0.0.1', '[::1]'].includes(u.hostname)) return u.protocol === 'http:' || u.protocol === 'https:';
    return u.protocol === 'https:' && /(^|\.)snowflakecomputing\.(com|cn)$/i.test(u.hostname);
  } catch {
    return false;
  }
}
