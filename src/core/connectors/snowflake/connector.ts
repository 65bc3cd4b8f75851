// Snowflake through the official snowflake-sdk, with the user's own credentials (password, key-pair
// JWT, OAuth token or browser SSO). Snowflake has no read-only transactions: the user's role is the
// outer wall. What we add on every statement: QUERY_TAG (so the user's query history shows what
// Pipewright ran), STATEMENT_TIMEOUT_IN_SECONDS, and MULTI_STATEMENT_COUNT=1 (the server refuses a
// second, smuggled statement). A read is compiled by Snowflake first (describe only) and runs only if
// Snowflake reports a query. Stop sends a real abort request, so the warehouse stops working.
import type * as SnowflakeSdk from 'snowflake-sdk';
import { redact } from '../../observability/redact';
import {
  ConnectorError,
  QueryCancelledError,
  QueryTimeoutError,
  readAll,
  type ColumnInfo,
  type ColumnRecord,
  type Connector,
  type Page,
  type QueryStream,
  type Row,
  type StatementShape,
  type TableDetail,
  type TableInfo,
  type TableRef,
  withoutTrailingSemicolon,
} from '../connector';
import { numberOrNull, SnowflakeCatalog } from './catalog';
import { addLogListener, configureDriverLog, loadDriver, redactDriverText, removeLogListener, type LogListener } from './driver';
import { errorParts, hintFor, statementCountFromError } from './errors';
import { queryTagOf, type SnowflakeConnectionOptions, type SnowflakeExplainResult, type SnowflakeQueryOptions } from './options';
import { connectionOptions, loginError, secretsOf } from './signIn';
import { isQueryType, kindOfStatementType, loadStatementParser, parsedShape, refuseLocalFileCommands } from './statements';
import { StopControl } from './stop';
import { columnInfo, FETCH_AS_STRING, valueConverter } from './values';

type DriverModule = Awaited<ReturnType<typeof loadDriver>>;
type SdkConnection = SnowflakeSdk.Connection;
type SdkStatement = SnowflakeSdk.RowStatement;

interface StreamWithQueryId extends QueryStream {
  readonly queryId: string | undefined;
}

const BATCH_ROWS = 1000;
const DEFAULT_STATEMENT_TIMEOUT_S = 300;

export class SnowflakeConnector implements Connector {
  readonly dialect = 'snowflake' as const;
  readonly id: string;
  private closed = false;
  private readonly catalog: SnowflakeCatalog;
  /**
   * The last text (with its binds) Snowflake compiled as a query on this connection. The statement
   * type of a text does not change with the objects it names, so the policy gate's EXPLAIN and the
   * read that follows it share one compile.
   */
  private lastQueryCompiled: string | undefined;

  private constructor(
    private readonly options: SnowflakeConnectionOptions,
    private readonly driver: DriverModule,
    private readonly connection: SdkConnection,
    private readonly secrets: readonly string[],
    private readonly logListener: LogListener,
  ) {
    this.id = options.id ?? `snowflake://${options.account}`;
    this.catalog = new SnowflakeCatalog({
      stream: (sql, opts) => this.run(sql, opts ?? {}),
      log: (level, message) => this.log(level, message),
      defaults: { database: options.database, schema: options.schema },
    });
  }

  /** The QUERY_TAG every statement of this connection carries. */
  get queryTag(): string {
    return queryTagOf(this.options);
  }

  static async open(options: SnowflakeConnectionOptions): Promise<SnowflakeConnector> {
    const secrets = secretsOf(options.authentication);
    const listener: LogListener = { sink: options.onLog ?? (() => undefined), secrets };
    addLogListener(listener, Boolean(options.onLog));
    const fail = (error: unknown): never => {
      removeLogListener(listener);
      throw loginError(error, options, secrets);
    };
    let driver: DriverModule;
    let connection: SdkConnection;
    try {
      // The statement parser is the guardrail's own (one cached instance per process).
      [driver] = await Promise.all([loadDriver(), loadStatementParser()]);
      configureDriverLog(driver.sdk, options.driverLogLevel);
      connection = driver.sdk.createConnection(connectionOptions(options));
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
      configureDriverLog(driver.sdk, options.driverLogLevel);
    }
    return new SnowflakeConnector(options, driver, connection, secrets, listener);
  }

  /**
   * A read. Snowflake compiles the exact text first (describe only, nothing runs) and reports its
   * statementTypeId; anything but a query is refused before it runs, whatever the local parser
   * thought of it. The price is one extra round trip per read.
   */
  async query(sql: string, options: SnowflakeQueryOptions = {}): Promise<StreamWithQueryId> {
    if (options.signal?.aborted) throw new QueryCancelledError();
    this.assertOpen();
    refuseLocalFileCommands(sql);
    await this.requireQuery(sql, options.binds, options.signal);
    return this.run(sql, options);
  }

  /**
   * Runs one approved write/DDL statement. Snowflake has no read-only transactions, so the role's
   * grants are the database-side wall, and the policy gate decides what reaches here. DML answers
   * with its counts ("number of rows inserted", ...).
   */
  async execute(sql: string, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<{ rowsAffected: number | null }> {
    if (!this.options.writable) throw new ConnectorError('This Snowflake connection is open read-only.', 'Open it for writing in the connection settings (readOnly: false) to run approved changes.');
    const stream = await this.run(sql, { signal: options.signal, timeoutMs: options.timeoutMs, maxRows: 10 });
    const { columns, rows } = await readAll(stream);
    const counts = columns.flatMap((c, i) => (/^number of rows /i.test(c.name) && typeof rows[0]?.[i] === 'number' ? [rows[0][i] as number] : []));
    return { rowsAffected: counts.length ? counts.reduce((a, b) => a + b, 0) : null };
  }

  /**
   * `EXPLAIN USING JSON`: Snowflake compiles without running and reports the micro-partitions and
   * bytes the plan would read. It gives no row estimate, so estimatedRows stays null. The statement
   * itself is compiled first, like a read: only a query is explained.
   */
  async explain(sql: string, options: { signal?: AbortSignal } = {}): Promise<SnowflakeExplainResult> {
    this.assertOpen();
    refuseLocalFileCommands(sql);
    await this.requireQuery(sql, undefined, options.signal);
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
   * The server compiles the exact text without running it (describe only): with
   * MULTI_STATEMENT_COUNT=1 it refuses more than one statement and says how many it found. `kind`
   * is read by the guardrail's Snowflake parser, or from the statement type the server reports
   * when the parser cannot read the text.
   */
  async describeStatement(sql: string): Promise<StatementShape> {
    const parsed = parsedShape(sql);
    if (parsed?.count === 0) return { count: 0, kind: 'empty' };
    this.assertOpen();
    refuseLocalFileCommands(sql);
    try {
      const typeId = await this.compile(sql, undefined, undefined);
      return { count: 1, kind: parsed?.kind ?? kindOfStatementType(typeId) };
    } catch (error) {
      const count = statementCountFromError(error);
      if (count !== undefined) return { count, kind: parsed?.kind ?? 'unknown' };
      throw this.translate(error);
    }
  }

  listTables(options: { schema?: string; pageSize?: number; pageToken?: string } = {}): Promise<Page<TableInfo>> {
    return this.catalog.listTables(options);
  }

  describeTable(ref: TableRef): Promise<TableDetail> {
    return this.catalog.describeTable(ref);
  }

  /** Every column of the database (or of `tables`), read chunk by chunk; Stop aborts the statement. */
  streamColumns(options: { tables?: readonly { schema: string; name: string }[]; signal?: AbortSignal } = {}): AsyncGenerator<ColumnRecord[]> {
    return this.catalog.streamColumns(options);
  }

  /** 'SCHEMA.TABLE' -> a fingerprint of LAST_ALTERED, the table type and the comment. */
  tableVersions(): Promise<Map<string, string>> {
    return this.catalog.tableVersions();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await new Promise<void>((resolve) => this.connection.destroy(() => resolve()));
    } finally {
      removeLogListener(this.logListener);
    }
  }

  // -------------------------------------------------------------------------------------------

  /** Refuses a text unless Snowflake compiles it as a query (the 0x1000 statement type family). */
  private async requireQuery(sql: string, binds: SnowflakeQueryOptions['binds'], signal: AbortSignal | undefined): Promise<void> {
    const key = JSON.stringify([sql, binds ?? []]);
    if (key === this.lastQueryCompiled) return;
    let typeId: number | undefined;
    try {
      typeId = await this.compile(sql, binds, signal);
    } catch (error) {
      throw this.translate(error);
    }
    if (signal?.aborted) throw new QueryCancelledError();
    if (isQueryType(typeId)) {
      this.lastQueryCompiled = key;
      return;
    }
    const reported = typeId === undefined ? 'reported no statement type' : `compiled it as ${kindOfStatementType(typeId)} (statement type 0x${typeId.toString(16)})`;
    throw new ConnectorError(
      `Snowflake ${reported}, not as a query, so it was not run: reads run only queries.`,
      'Send a SELECT (or WITH ... SELECT). Changes need an approved write.',
    );
  }

  /** Snowflake compiles the exact text without running it; resolves with the statementTypeId it reports. */
  private compile(sql: string, binds: SnowflakeQueryOptions['binds'], signal: AbortSignal | undefined): Promise<number | undefined> {
    if (signal?.aborted) return Promise.reject(new QueryCancelledError());
    return new Promise<number | undefined>((resolve, reject) => {
      const onAbort = () => {
        statement.cancel(() => undefined);
        reject(new QueryCancelledError());
      };
      const statement = this.connection.execute({
        sqlText: sql,
        binds: binds as SnowflakeSdk.Binds | undefined,
        describeOnly: true,
        streamResult: true,
        parameters: this.statementParameters(undefined),
        complete: (error, stmt) => {
          signal?.removeEventListener('abort', onAbort);
          if (error) reject(error);
          else resolve(this.driver.statementTypeIdOf(stmt));
        },
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Runs one statement as it is (reads after requireQuery, approved writes, our own catalog SQL). */
  private async run(sql: string, options: SnowflakeQueryOptions): Promise<StreamWithQueryId> {
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

  /** Runs one of our own statements with binds and reads it whole. */
  private async all(sql: string, binds: readonly (string | number | null)[], signal?: AbortSignal): Promise<{ columns: ColumnInfo[]; rows: Row[] }> {
    const stream = await this.run(sql, { binds, signal });
    const rows: Row[] = [];
    for await (const batch of stream.batches()) rows.push(...batch);
    return { columns: [...stream.columns], rows };
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

  /** Masks this connection's own credentials (password, token, passphrase) in any text. */
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
