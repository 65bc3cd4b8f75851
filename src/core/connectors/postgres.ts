// PostgreSQL through node-postgres, with the user's own credentials. The database is the outer
// wall: every read runs in a READ ONLY transaction over the extended protocol (the server refuses
// more than one statement per round trip), session timeouts are pinned at connect, and Stop sends
// a real protocol-level CancelRequest so the backend stops working, not just the client waiting.
import { homedir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { redact } from '../observability/redact';
import { planReads, relationKey, seqScannedRelations, unboundedPlanReason, type PlanNode, type RelationSize } from './postgresPlan';
import { EXPLAIN_TIMEOUT_MS, planTimedOut } from './unboundedReads';
import { PG_TYPES_SQL, rowConverter, type PgTypeInfo } from './postgresValues';
import {
  DEFAULT_SSL_MODE,
  checkSslSettings,
  defaultSslMode,
  describeTransport,
  isPlaintextRefused,
  isTlsRefused,
  mayFallBack,
  parseSslMode,
  tlsOptions,
  triesTlsFirst,
  type SslSettings,
} from './postgresTls';
import {
  ConnectorError,
  QueryCancelledError,
  QueryTimeoutError,
  type ColumnInfo,
  type ColumnRecord,
  type Connector,
  type ExplainResult,
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

export type { SslMode, SslSettings } from './postgresTls';

export interface PostgresConnectionOptions {
  id: string;
  host: string;
  port?: number;
  database: string;
  user: string;
  /** From SecretStorage or the environment; when absent, ~/.pgpass (or PGPASSFILE) is consulted. */
  password?: string;
  /** libpq's sslmode and files; absent: sslmode=prefer (TLS when the server offers it). */
  ssl?: SslSettings;
  /** Session-wide ceiling; a query's own timeoutMs may be lower. */
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
  idleInTransactionTimeoutMs?: number;
  applicationName?: string;
  /** Allow `execute` of approved writes (reads stay in READ ONLY transactions either way). */
  writable?: boolean;
  /** Where pool-level errors go (a dead idle connection must never crash the host). */
  onLog?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

const BATCH_ROWS = 1000;
const SSL_PARAMS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey'];
/** Type parsers that hand back the server's text unchanged (see postgresValues.ts). */
const SERVER_TEXT = { getTypeParser: () => (text: string) => text };
const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);

/** Parses `postgres://user@host:port/db?sslmode=verify-full&sslrootcert=/ca.pem` (a password in the URL is accepted but never shown). */
export function postgresOptionsFromUrl(url: string, id = 'postgres'): PostgresConnectionOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConnectorError(`${redact(url)} is not a valid PostgreSQL URL.`, 'Example: postgres://analyst@db.example.com:5432/warehouse?sslmode=verify-full');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw new ConnectorError(`${redact(url)} is not a postgres:// URL.`);
  const params = parsed.searchParams;
  // A parameter given twice is ambiguous (which one wins differs between clients): refused.
  for (const name of new Set(params.keys())) {
    if (params.getAll(name).length > 1) throw new ConnectorError(`The PostgreSQL URL ${redact(url)} gives "${name}" more than once.`, `Keep one ${name}=... in the URL.`);
  }
  // A TLS parameter we do not know (a typo such as sslMode, or pg's ssl=true) would otherwise be
  // ignored and leave the connection at the default: refused instead.
  const unknownTls = [...params.keys()].find((name) => /^ssl/i.test(name) && !SSL_PARAMS.includes(name));
  if (unknownTls) throw new ConnectorError(`The PostgreSQL URL ${redact(url)} has the unsupported parameter "${unknownTls}".`, `The TLS parameters are ${SSL_PARAMS.join(', ')} (lower-case, as in libpq).`);
  const ssl = sslFromParams(params, `the URL ${redact(url)}`);
  const host = params.get('host') ?? decodeURIComponent(parsed.hostname);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  const user = decodeURIComponent(parsed.username) || params.get('user') || '';
  if (!host || !database || !user) {
    throw new ConnectorError(`The PostgreSQL URL ${redact(url)} needs a user, a host and a database.`, 'Example: postgres://analyst@db.example.com:5432/warehouse?sslmode=verify-full');
  }
  return {
    id,
    host,
    port: parsed.port ? Number(parsed.port) : 5432,
    database,
    user,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    ...(ssl ? { ssl } : {}),
  };
}

/** sslmode, sslrootcert, sslcert and sslkey as libpq names them (URL parameters or PGSSL* variables); undefined when none is given. */
export function sslFromParams(params: { get(name: string): string | null | undefined }, where: string): SslSettings | undefined {
  const mode = params.get('sslmode') || undefined;
  const caFile = params.get('sslrootcert') || undefined;
  const certFile = params.get('sslcert') || undefined;
  const keyFile = params.get('sslkey') || undefined;
  if (!mode && !caFile && !certFile && !keyFile) return undefined;
  return { mode: mode ? parseSslMode(mode, where) : defaultSslMode(caFile), ...(caFile ? { caFile } : {}), ...(certFile ? { certFile } : {}), ...(keyFile ? { keyFile } : {}) };
}

export class PostgresConnector implements Connector {
  readonly dialect = 'postgres' as const;
  readonly id: string;
  /** What protects the connection, in one line: e.g. "TLS 1.3, certificate and host name verified against /etc/ca.pem (sslmode=verify-full)". */
  transport = '';
  private types = new Map<number, PgTypeInfo>();

  private constructor(
    private readonly options: PostgresConnectionOptions,
    private readonly pool: pg.Pool,
    private readonly config: pg.PoolConfig,
    /** Every password this connection used (given, or found in ~/.pgpass): masked in all messages. */
    private readonly secrets: Set<string>,
  ) {
    this.id = options.id;
  }

  redactSecrets(text: string): string {
    return redact(text, [...this.secrets]);
  }

  /**
   * Opens the pool the way libpq's sslmode says: prefer tries TLS and falls back to an unencrypted
   * connection only when the server itself answers that it has no TLS; allow tries without first;
   * require and stricter never fall back. The choice holds for every later connection of the pool.
   */
  static async open(options: PostgresConnectionOptions): Promise<PostgresConnector> {
    const ssl: SslSettings = options.ssl ?? { mode: DEFAULT_SSL_MODE };
    checkSslSettings(ssl);
    const first = triesTlsFirst(ssl.mode);
    try {
      return await PostgresConnector.openWith(options, ssl, first, false);
    } catch (error) {
      const refused = first ? isTlsRefused((error as { cause?: unknown }).cause ?? error) : isPlaintextRefused((error as { cause?: unknown }).cause ?? error);
      if (!mayFallBack(ssl.mode) || !refused) throw error;
      return PostgresConnector.openWith(options, ssl, !first, true);
    }
  }

  private static async openWith(options: PostgresConnectionOptions, ssl: SslSettings, useTls: boolean, fellBack: boolean): Promise<PostgresConnector> {
    const secrets = new Set<string>(options.password ? [options.password] : []);
    const tlsChoice = useTls ? tlsOptions(ssl) : undefined;
    const config = poolConfig(options, secrets, tlsChoice?.options ?? false);
    const pool = new pg.Pool(config);
    const log = options.onLog ?? (() => undefined);
    // An idle client whose backend died emits 'error' on the pool; unhandled, that would throw.
    pool.on('error', (error) => log('warn', `An idle PostgreSQL connection was closed: ${redactError(error, secrets)}`));
    const connector = new PostgresConnector(options, pool, config, secrets);
    try {
      const client = await connector.connectWithRetry();
      try {
        const socket = (client as unknown as { connection?: { stream?: unknown } }).connection?.stream;
        connector.transport = describeTransport(ssl.mode, socket, tlsChoice?.trust, fellBack);
        const scs = await client.query('SHOW standard_conforming_strings');
        if (scs.rows[0]?.standard_conforming_strings !== 'on') {
          throw new ConnectorError('The server has standard_conforming_strings off, so backslashes in strings are escapes.', 'Pipewright only connects to servers with standard_conforming_strings = on.');
        }
        const types = await client.query(PG_TYPES_SQL, [null]);
        for (const row of types.rows as PgTypeInfo[]) connector.types.set(row.oid, row);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw connector.translate(error);
    }
    if (fellBack) log('info', `PostgreSQL ${options.host}: ${connector.transport}`);
    return connector;
  }

  /** Connects, retrying with backoff on connection-class failures (reads are safe to retry). */
  private async connectWithRetry(): Promise<pg.PoolClient> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.pool.connect();
      } catch (error) {
        if (attempt >= 3 || !isRetryable(error)) throw error;
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  }

  /**
   * A client inside a fresh READ ONLY transaction. A pooled connection whose backend died while
   * idle fails at BEGIN, before any user SQL ran: it is discarded and the read retried.
   */
  private async beginRead(): Promise<pg.PoolClient> {
    for (let attempt = 0; ; attempt++) {
      const client = await this.connectWithRetry();
      try {
        await client.query('BEGIN READ ONLY');
        return client;
      } catch (error) {
        client.release(true);
        if (attempt >= 3 || !isRetryable(error)) throw error;
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }

  async describeStatement(sql: string): Promise<StatementShape> {
    let parse: typeof import('libpg-query').parse;
    try {
      ({ parse } = await import('libpg-query'));
    } catch (error) {
      throw new ConnectorError(`The PostgreSQL parser could not be loaded: ${(error as Error).message}`, 'Reinstall the extension; its libpg-query files are incomplete.');
    }
    try {
      const result = await parse(sql);
      const stmts = result.stmts ?? [];
      if (!stmts.length) return { count: 0, kind: 'empty' };
      const node = Object.keys(stmts[0].stmt ?? {})[0] ?? 'unknown';
      return { count: stmts.length, kind: statementKind(node) };
    } catch (error) {
      throw new ConnectorError(`PostgreSQL could not parse the SQL: ${(error as Error).message}`);
    }
  }

  async query(sql: string, options: QueryOptions = {}): Promise<QueryStream> {
    const { signal, maxRows = Number.POSITIVE_INFINITY, timeoutMs } = options;
    if (signal?.aborted) throw new QueryCancelledError();
    let client: pg.PoolClient;
    try {
      client = await this.beginRead();
    } catch (error) {
      throw this.translate(error);
    }
    let stopReason: 'cancel' | 'timeout' | undefined;
    let broken = false;
    let repeat: ReturnType<typeof setInterval> | undefined;
    // A CancelRequest only stops the statement running at that moment; one that lands between
    // statements is lost, so it is repeated until the query has settled.
    const cancel = (reason: 'cancel' | 'timeout') => {
      if (stopReason) return;
      stopReason = reason;
      void this.sendCancel(client);
      repeat = setInterval(() => void this.sendCancel(client), 100);
      repeat.unref?.();
    };
    const onAbort = () => cancel('cancel');
    signal?.addEventListener('abort', onAbort);
    if (signal?.aborted) stopReason = 'cancel';
    // The server enforces the timeout (SET LOCAL below); this timer is the fallback should it not.
    const timer = timeoutMs ? setTimeout(() => cancel('timeout'), timeoutMs + 1000) : undefined;
    const onClientError = () => {
      broken = true;
    };
    client.on('error', onClientError);
    let finished = false;
    const finish = async () => {
      if (finished) return;
      finished = true;
      signal?.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
      if (repeat) clearInterval(repeat);
      if (!broken && !stopReason) await client.query('ROLLBACK').catch(() => (broken = true));
      client.off('error', onClientError);
      // A connection we sent cancels for is discarded: a late CancelRequest must never reach the
      // next query that would run on the same backend.
      client.release(broken || stopReason ? true : undefined);
    };
    const translate = (error: unknown): Error => {
      const code = (error as { code?: string }).code;
      if (code === '57014') return stopReason === 'cancel' ? new QueryCancelledError() : new QueryTimeoutError(timeoutMs ?? this.options.statementTimeoutMs ?? 0);
      if (stopReason === 'cancel') return new QueryCancelledError();
      if (stopReason === 'timeout') return new QueryTimeoutError(timeoutMs ?? 0);
      if (isRetryable(error)) broken = true;
      return this.translate(error);
    };

    let cursor: Cursor;
    let columns: ColumnInfo[];
    let fields: pg.FieldDef[];
    let first: unknown[][];
    try {
      // Fixed texts of ours; the user's SQL only ever travels through the extended protocol.
      if (timeoutMs) await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
      if (stopReason) throw new QueryCancelledError();
      // Every column as the server's text: converted below by type, so nothing is lost in a driver parser.
      cursor = client.query(new Cursor(sql, undefined, { rowMode: 'array', types: SERVER_TEXT }));
      first = await readCursor(cursor, Math.min(BATCH_ROWS, maxRows === Number.POSITIVE_INFINITY ? BATCH_ROWS : Math.max(1, maxRows)));
      fields = (cursor as unknown as { _result?: { fields?: pg.FieldDef[] } })._result?.fields ?? [];
      await this.loadTypes(client, fields.map((f) => f.dataTypeID));
      columns = fields.map((f) => ({ name: f.name, type: this.typeName(f.dataTypeID, f.dataTypeModifier) }));
    } catch (error) {
      const translated = translate(error);
      await finish();
      throw translated;
    }
    const state = { rowCount: 0, truncated: false };
    const self = this;
    const convertRow = rowConverter(fields.map((f) => f.dataTypeID), this.types);
    const convert = (rows: unknown[][]): Row[] => rows.map(convertRow);

    async function* batches(): AsyncGenerator<Row[]> {
      try {
        let rows = first;
        while (true) {
          if (rows.length === 0) return;
          let batch = convert(rows);
          if (state.rowCount + batch.length > maxRows) {
            batch = batch.slice(0, maxRows - state.rowCount);
            state.truncated = true;
          }
          state.rowCount += batch.length;
          if (batch.length) yield batch;
          if (state.truncated) return;
          if (state.rowCount >= maxRows) {
            // The cap was reached exactly: one more row tells whether anything was left out.
            state.truncated = (await readCursor(cursor, 1)).length > 0;
            return;
          }
          rows = await readCursor(cursor, Math.min(BATCH_ROWS, maxRows - state.rowCount));
        }
      } catch (error) {
        throw translate(error);
      } finally {
        await new Promise<void>((resolve) => cursor.close(() => resolve())).catch(() => undefined);
        await finish();
        void self;
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
    const shape = await this.describeStatement(sql);
    if (shape.count !== 1 || shape.kind !== 'select') throw new ConnectorError('Only a single SELECT statement can be explained here.');
    // Parsed above as exactly one SELECT; EXPLAIN without ANALYZE plans it without running it.
    // VERBOSE names each scan's schema, so a Seq Scan can be sized from the catalog.
    const rows: Row[] = [];
    try {
      const stream = await this.query(`EXPLAIN (FORMAT JSON, VERBOSE) ${withoutTrailingSemicolon(sql)}`, { signal: options.signal, timeoutMs });
      for await (const batch of stream.batches()) rows.push(...batch);
    } catch (error) {
      // Too slow to plan is itself a sign of a big read: the gate asks rather than guesses.
      if (error instanceof QueryTimeoutError) return { estimatedRows: null, scannedRows: null, scannedBytes: null, plan: '[]', unboundedReason: planTimedOut(timeoutMs) };
      throw error;
    }
    const plan = rows[0]?.[0] as { Plan?: PlanNode }[] | undefined;
    const top = plan?.[0]?.Plan;
    const reads = planReads(top, await this.relationSizes(seqScannedRelations(top)));
    const unboundedReason = unboundedPlanReason(top);
    return { estimatedRows: top?.['Plan Rows'] ?? null, scannedRows: reads.rows, scannedBytes: reads.bytes, plan: JSON.stringify(plan ?? []), ...(unboundedReason ? { unboundedReason } : {}) };
  }

  /** reltuples and on-disk bytes of the given tables (pg_class is readable by every role). */
  private async relationSizes(relations: { schema: string; name: string }[]): Promise<Map<string, RelationSize>> {
    if (!relations.length) return new Map();
    const found = await this.catalogQuery<{ schema: string; name: string; tuples: number; bytes: number }>(
      `SELECT n.nspname AS schema, c.relname AS name, c.reltuples::float8 AS tuples, c.relpages::float8 * current_setting('block_size')::float8 AS bytes
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [relations.map((r) => r.schema), relations.map((r) => r.name)],
    );
    return new Map(found.map((r) => [relationKey(r.schema, r.name), { rows: r.tuples >= 0 ? r.tuples : null, bytes: r.bytes }]));
  }

  /**
   * The planner's estimate of rows an INSERT/UPDATE/DELETE/MERGE would touch, for the approval
   * card. EXPLAIN without ANALYZE never executes, and plans even inside a READ ONLY transaction.
   */
  async estimateAffectedRows(sql: string, options: { signal?: AbortSignal } = {}): Promise<number | null> {
    const shape = await this.describeStatement(sql);
    if (shape.count !== 1 || !['insert', 'update', 'delete', 'merge'].includes(shape.kind)) return null;
    const stream = await this.query(`EXPLAIN (FORMAT JSON) ${withoutTrailingSemicolon(sql)}`, { signal: options.signal });
    const rows: Row[] = [];
    for await (const batch of stream.batches()) rows.push(...batch);
    type Node = { 'Node Type'?: string; 'Plan Rows'?: number; Plans?: Node[] };
    const top = (rows[0]?.[0] as { Plan?: Node }[] | undefined)?.[0]?.Plan;
    // ModifyTable reports 0 rows of its own; the rows it acts on come from its input.
    const input = top?.['Node Type'] === 'ModifyTable' ? top.Plans?.[0] : top;
    return input?.['Plan Rows'] ?? null;
  }

  async listTables(options: { schema?: string; pageSize?: number; pageToken?: string } = {}): Promise<Page<TableInfo>> {
    const pageSize = Math.max(1, Math.min(options.pageSize ?? 500, 5000));
    // Keyset paging on (schema, name): stable and fast on catalogs with tens of thousands of tables.
    const [afterSchema, afterName] = options.pageToken ? (JSON.parse(options.pageToken) as [string, string]) : ['', ''];
    const rows = await this.catalogQuery<{ schema: string; name: string; kind: string; comment: string | null; estimate: number }>(
      `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
              obj_description(c.oid, 'pg_class') AS comment, c.reltuples::float8 AS estimate
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
          AND ($1::text IS NULL OR n.nspname = $1)
          AND (n.nspname, c.relname) > ($2::text COLLATE "C", $3::text COLLATE "C")
        ORDER BY n.nspname COLLATE "C", c.relname COLLATE "C"
        LIMIT $4`,
      [options.schema ?? null, afterSchema, afterName, pageSize + 1],
    );
    const items = rows.slice(0, pageSize).map((r): TableInfo => ({
      database: this.options.database,
      schema: r.schema,
      name: r.name,
      kind: r.kind === 'v' || r.kind === 'm' ? 'view' : 'table',
      comment: r.comment,
      rowEstimate: r.estimate >= 0 ? Math.round(r.estimate) : null,
    }));
    const last = items.at(-1);
    return rows.length > pageSize && last ? { items, next: JSON.stringify([last.schema, last.name]) } : { items };
  }

  async describeTable(ref: TableRef): Promise<TableDetail> {
    const schema = ref.schema ?? 'public';
    const tables = await this.catalogQuery<{ oid: number; kind: string; comment: string | null; estimate: number; name: string }>(
      `SELECT c.oid::int AS oid, c.relkind::text AS kind, obj_description(c.oid, 'pg_class') AS comment, c.reltuples::float8 AS estimate, c.relname AS name
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND (c.relname = $2 OR lower(c.relname) = lower($2)) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        ORDER BY c.relname = $2 DESC LIMIT 1`,
      [schema, ref.name],
    );
    const table = tables[0];
    if (!table) throw new ConnectorError(`No table or view named ${schema}.${ref.name}.`, 'Call list_tables to see the available tables.');
    const columns = await this.catalogQuery<{ name: string; type: string; nullable: boolean; comment: string | null }>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable, col_description(a.attrelid, a.attnum) AS comment
         FROM pg_attribute a WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [table.oid],
    );
    const constraints = await this.catalogQuery<{ type: string; columns: string[]; ref_table: string | null; ref_columns: string[] | null }>(
      `SELECT con.contype::text AS type,
              ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i) AS columns,
              CASE WHEN con.confrelid <> 0 THEN con.confrelid::regclass::text END AS ref_table,
              ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i) AS ref_columns
         FROM pg_constraint con WHERE con.conrelid = $1 AND con.contype IN ('p', 'f') ORDER BY con.conname`,
      [table.oid],
    );
    return {
      database: this.options.database,
      schema,
      name: table.name,
      kind: table.kind === 'v' || table.kind === 'm' ? 'view' : 'table',
      comment: table.comment,
      rowEstimate: table.estimate >= 0 ? Math.round(table.estimate) : null,
      columns,
      primaryKey: constraints.find((c) => c.type === 'p')?.columns ?? [],
      foreignKeys: constraints.filter((c) => c.type === 'f').map((c) => ({ columns: c.columns, references: { table: c.ref_table ?? '', columns: c.ref_columns ?? [] } })),
    };
  }

  async *streamColumns(options: { tables?: { schema: string; name: string }[]; signal?: AbortSignal } = {}): AsyncIterable<ColumnRecord[]> {
    const only = options.tables;
    const client = await this.beginRead().catch((error) => {
      throw this.translate(error);
    });
    // One execution of the catalog query, read through a cursor: paging with a keyset would
    // re-run the sorted join over every column of the database for each page.
    const cursor = client.query(new Cursor(`${COLUMNS_SQL} ORDER BY 1, 2, 3`, [only ? only.map((t) => t.schema) : null, only ? only.map((t) => t.name) : null, '', '', 0], { rowMode: 'array' }));
    let broken = false;
    try {
      for (;;) {
        if (options.signal?.aborted) throw new QueryCancelledError();
        const rows = await readCursor(cursor, 20_000);
        if (!rows.length) return;
        yield rows.map(([schema, table, , name, type, nullable, comment]) => ({
          schema: String(schema), table: String(table), name: String(name), type: String(type), nullable: Boolean(nullable), comment: comment === null ? null : String(comment),
        }));
      }
    } catch (error) {
      broken = isRetryable(error);
      throw error instanceof ConnectorError ? error : this.translate(error);
    } finally {
      await new Promise<void>((resolve) => cursor.close(() => resolve()));
      if (!broken) await client.query('ROLLBACK').catch(() => (broken = true));
      client.release(broken ? true : undefined);
    }
  }

  async tableVersions(): Promise<Map<string, string>> {
    // xmin of a catalog row changes whenever the row is rewritten: the table's pg_class row (rename,
    // ALTER, ANALYZE), its pg_attribute rows (columns) and its pg_description rows (comments).
    const rows = await this.catalogQuery<{ key: string; version: string }>(
      `WITH cols AS (SELECT attrelid, max(xmin::text::bigint) AS v FROM pg_attribute WHERE attnum > 0 GROUP BY attrelid),
            docs AS (SELECT objoid, max(xmin::text::bigint) AS v, count(*) AS n FROM pg_description WHERE classoid = 'pg_class'::regclass GROUP BY objoid)
       SELECT n.nspname || '.' || c.relname AS key, c.xmin::text || ':' || coalesce(cols.v, 0) || ':' || coalesce(docs.v, 0) || ':' || coalesce(docs.n, 0) AS version
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN cols ON cols.attrelid = c.oid LEFT JOIN docs ON docs.objoid = c.oid
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'`,
      [],
    );
    return new Map(rows.map((r) => [r.key, r.version]));
  }

  /** A fixed catalog query of ours, bound parameters, read-only transaction. */
  private async catalogQuery<T>(sql: string, params: unknown[]): Promise<T[]> {
    let client: pg.PoolClient | undefined;
    try {
      client = await this.beginRead();
      const result = await client.query(sql, params);
      await client.query('COMMIT');
      client.release();
      return result.rows as T[];
    } catch (error) {
      client?.release(true);
      throw this.translate(error);
    }
  }

  /** A protocol CancelRequest on a fresh socket: needs no login, stops the backend's query. */
  private sendCancel(client: pg.PoolClient): Promise<void> {
    const { processID, secretKey } = client as unknown as { processID: number; secretKey: number };
    return new Promise((resolve) => {
      // pg's Connection speaks the wire protocol; its typings omit connect() and cancel().
      const connection = new pg.Connection() as unknown as ProtocolConnection;
      const done = () => {
        connection.end();
        resolve();
      };
      connection.on('connect', () => {
        connection.cancel(processID, secretKey);
        setTimeout(done, 50);
      });
      connection.on('error', done);
      connection.connect(this.config.port ?? 5432, this.config.host ?? 'localhost');
    });
  }

  /**
   * Runs one approved write/DDL statement in its own READ WRITE transaction, committed only when
   * it succeeds; the extended protocol keeps it to exactly one statement, Stop sends a real cancel.
   */
  async execute(sql: string, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<{ rowsAffected: number | null }> {
    if (!this.options.writable) throw new ConnectorError('This PostgreSQL connection is open read-only.', 'Open it for writing in the connection settings (readOnly: false) to run approved changes.');
    if (options.signal?.aborted) throw new QueryCancelledError();
    let client: pg.PoolClient;
    try {
      client = await this.connectWithRetry();
    } catch (error) {
      throw this.translate(error);
    }
    let stopped = false;
    const onAbort = () => {
      stopped = true;
      void this.sendCancel(client);
    };
    options.signal?.addEventListener('abort', onAbort);
    try {
      await client.query('BEGIN READ WRITE');
      if (options.timeoutMs) await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(options.timeoutMs))}`);
      const result = await client.query({ text: sql, queryMode: 'extended' } as pg.QueryConfig);
      await client.query('COMMIT');
      // Discarded, not pooled: temp objects or settings an approved statement left behind must
      // not change what later reads on this backend see.
      client.release(true);
      return { rowsAffected: typeof result.rowCount === 'number' ? result.rowCount : null };
    } catch (error) {
      // Discarded, not reused: a late cancel or a half-open transaction must not reach the next query.
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(true);
      if (stopped) throw new QueryCancelledError();
      if ((error as { code?: string }).code === '57014') throw new QueryTimeoutError(options.timeoutMs ?? this.options.statementTimeoutMs ?? 0);
      if ((error as { code?: string }).code === '25001') throw new ConnectorError('This statement cannot run inside a transaction, and Pipewright runs every approved change in one.', 'Run it yourself outside Pipewright (e.g. VACUUM, CREATE INDEX CONCURRENTLY).');
      throw this.translate(error);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Types created after connect (a new domain, enum or table type) are looked up once, when first seen. */
  private async loadTypes(client: pg.PoolClient, oids: number[]): Promise<void> {
    const missing = [...new Set(oids)].filter((oid) => !this.types.has(oid));
    if (!missing.length) return;
    let queue = missing;
    // Their element and base types too, a level at a time (a domain over an array of a new enum).
    for (let depth = 0; queue.length && depth < 8; depth++) {
      const result = await client.query(PG_TYPES_SQL, [queue]);
      for (const row of result.rows as PgTypeInfo[]) this.types.set(row.oid, row);
      queue = (result.rows as PgTypeInfo[]).flatMap((t) => [t.elem, t.base]).filter((oid) => oid && !this.types.has(oid));
    }
  }

  private typeName(oid: number, modifier: number): string {
    const name = this.types.get(oid)?.name ?? `oid ${oid}`;
    if (modifier < 0) return name;
    if (name === 'numeric') return `numeric(${((modifier - 4) >> 16) & 0xffff},${(modifier - 4) & 0xffff})`;
    if (name === 'character varying' || name === 'character') return `${name}(${modifier - 4})`;
    return name;
  }

  private translate(error: unknown): Error {
    if (error instanceof ConnectorError) return error;
    const e = error as { code?: string; message?: string };
    const message = redactError(error, this.secrets);
    const hint =
      e.code === '28P01' ? 'Check the user name and password (or ~/.pgpass).'
      : e.code === 'ECONNREFUSED' ? `Is PostgreSQL running at ${this.options.host}:${this.options.port ?? 5432}?`
      : e.code === '42501' ? 'Your role lacks the privilege; Pipewright uses your own credentials.'
      : e.code === '25006' ? 'The connection is read-only: this statement would write.'
      : isTlsRefused(error) ? `The server does not offer TLS, and sslmode=${this.options.ssl?.mode ?? DEFAULT_SSL_MODE} requires it. Enable ssl on the server, or choose a weaker sslmode only on a network you trust.`
      : isCertificateError(error) ? `The server's certificate was not accepted (sslmode=${this.options.ssl?.mode ?? DEFAULT_SSL_MODE}). Give the CA that signed it as sslrootcert=/path/ca.pem, and connect by the host name the certificate names.`
      : isPlaintextRefused(error) ? 'The server accepts this connection only over TLS: use sslmode=prefer or stricter.'
      : undefined;
    return new ConnectorError(`PostgreSQL: ${message}`, hint, { cause: error });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Columns of user tables; $1/$2 optionally restrict to (schema, table) pairs; $3..$5 is a start key (empty: from the beginning). */
const COLUMNS_SQL = `SELECT n.nspname COLLATE "C" AS schema, c.relname COLLATE "C" AS table, a.attnum::int AS num, a.attname AS name,
         format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable, d.description AS comment
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
   WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
     AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
     AND ($1::text[] IS NULL OR (n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[])))
     AND (n.nspname COLLATE "C", c.relname COLLATE "C", a.attnum) > ($3::text COLLATE "C", $4::text COLLATE "C", $5::int)`;

interface ProtocolConnection {
  connect(port: number, host: string): void;
  cancel(processID: number, secretKey: number): void;
  end(): void;
  on(event: 'connect' | 'error', listener: () => void): void;
}

function poolConfig(options: PostgresConnectionOptions, secrets: Set<string>, ssl: pg.PoolConfig['ssl']): pg.PoolConfig {
  const session = [
    `statement_timeout=${Math.floor(options.statementTimeoutMs ?? 300_000)}`,
    `lock_timeout=${Math.floor(options.lockTimeoutMs ?? 10_000)}`,
    `idle_in_transaction_session_timeout=${Math.floor(options.idleInTransactionTimeoutMs ?? 60_000)}`,
    // The text forms postgresValues.ts reads: ISO dates, PostgreSQL intervals, hex bytea, shortest-exact floats.
    'DateStyle=ISO',
    'IntervalStyle=postgres',
    'bytea_output=hex',
    'extra_float_digits=1',
  ];
  return {
    host: options.host,
    port: options.port ?? 5432,
    database: options.database,
    user: options.user,
    // Absent: read ~/.pgpass ourselves (pg's built-in pgpass support is deprecated).
    password: options.password ?? (async () => {
      const found = await pgpassPassword(options);
      if (found) secrets.add(found);
      return found;
    }),
    // Always explicit: node-postgres would otherwise read PGSSLMODE from the environment itself.
    ssl,
    options: session.map((s) => `-c ${s}`).join(' '),
    application_name: options.applicationName ?? 'pipewright',
    max: 4,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 15_000,
  };
}

async function pgpassPassword(options: PostgresConnectionOptions): Promise<string> {
  const pgpass = (await import('pgpass')).default;
  const file = process.env.PGPASSFILE ?? join(homedir(), '.pgpass');
  return new Promise((resolve) => {
    pgpass({ host: options.host, port: options.port ?? 5432, database: options.database, user: options.user, PGPASSFILE: file }, (password) => resolve(password ?? ''));
  });
}

/** Node's TLS verification failures (unknown CA, self-signed, expired, wrong host name). */
function isCertificateError(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  return code === 'ERR_TLS_CERT_ALTNAME_INVALID' || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code);
}

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  const message = error instanceof Error ? error.message : '';
  return RETRYABLE.has(code) || code.startsWith('08') || /Connection terminated|not queryable|ended unexpectedly/i.test(message);
}

function readCursor(cursor: Cursor, rows: number): Promise<unknown[][]> {
  return new Promise((resolve, reject) => cursor.read(rows, (error: Error | undefined, result: unknown[]) => (error ? reject(error) : resolve(result as unknown[][]))));
}

function statementKind(node: string): string {
  const kinds: Record<string, string> = {
    SelectStmt: 'select', InsertStmt: 'insert', UpdateStmt: 'update', DeleteStmt: 'delete', MergeStmt: 'merge',
    ExplainStmt: 'explain', CreateStmt: 'create', CreateTableAsStmt: 'create', DropStmt: 'drop', TruncateStmt: 'truncate',
    AlterTableStmt: 'alter', TransactionStmt: 'transaction', VariableSetStmt: 'set', CopyStmt: 'copy', GrantStmt: 'grant',
  };
  return kinds[node] ?? node.replace(/Stmt$/, '').toLowerCase();
}

function redactError(error: unknown, secrets: Set<string>): string {
  const message = error instanceof Error ? error.message : String(error);
  return redact(message, [...secrets]);
}
