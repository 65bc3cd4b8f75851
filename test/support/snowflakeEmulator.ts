// A loopback Snowflake for tests: the unmodified snowflake-sdk talks HTTP to it on 127.0.0.1, and
// the SQL runs in a real DuckDB (one in-memory database per emulated Snowflake database), so
// results, types, errors, cancels and timeouts come from a real engine, not from canned answers.
// The wire shapes follow ../shared/docs/snowflake-wire-protocol.md and the driver's own source.
// Every request is recorded so tests can assert what the driver really sent.
import { createHash, createPublicKey, randomBytes, randomUUID, verify as verifySignature, type KeyObject } from 'node:crypto';
import { createServer, get as httpGet, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTimeValue,
  DuckDBTypeId,
  StatementType,
  VARCHAR,
  type DuckDBConnection,
  type DuckDBPreparedStatement,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';

export interface EmulatorUser {
  name: string;
  password?: string;
  /** PEM public key (SPKI) registered for key-pair sign-in, like ALTER USER ... SET RSA_PUBLIC_KEY. */
  publicKey?: string;
  oauthTokens?: string[];
  /** The emulated identity provider signs this user in through the browser flow. */
  sso?: boolean;
}

export interface SnowflakeEmulatorOptions {
  account: string;
  users: EmulatorUser[];
  /** Each becomes an in-memory DuckDB database with a PUBLIC schema. */
  databases: string[];
  /** DuckDB SQL run once at start (tables, data, comments, keys). */
  setup?: string[];
  /** Rows in the first, inline rowset and in each downloadable chunk. */
  chunkRows?: number;
  /** How long a request waits for a running query before answering "still running" (333333). */
  pendingAfterMs?: number;
  /** EXPLAIN: rows per emulated micro-partition. */
  partitionRows?: number;
  /**
   * INFORMATION_SCHEMA results larger than this fail like Snowflake's "Information schema query
   * returned too much data" (090030), which big accounts hit without selective predicates.
   */
  informationSchemaRowLimit?: number;
  /**
   * PUT is answered as Snowflake answers it (the upload instructions the driver's file transfer
   * agent then carries out itself), with this folder as a LOCAL_FS stage. Without it, PUT fails.
   */
  localStageDir?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  at: number;
}

export interface EmulatedSession {
  id: number;
  user: string;
  authenticator: string;
  token: string;
  masterToken: string;
  database: string | null;
  schema: string | null;
  warehouse: string | null;
  role: string | null;
  /** Session parameters: from the login body, then ALTER SESSION. */
  params: Record<string, unknown>;
  clientEnvironment: Record<string, unknown>;
  closed: boolean;
}

export type QueryState = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'timed out';

export interface EmulatedQuery {
  id: string;
  requestId: string;
  sessionId: number;
  sqlText: string;
  bindings: Record<string, { type: string; value: unknown }> | undefined;
  /** Parameters as sent with the statement. */
  statementParameters: Record<string, unknown>;
  /** Session parameters overlaid with the statement's: what the query ran under. */
  parameters: Record<string, unknown>;
  describeOnly: boolean;
  state: QueryState;
  startedAt: number;
  /** When the statement was handed to DuckDB to run (never for describe-only). */
  executingAt?: number;
  /** When DuckDB returned or threw: a cancel is real only if this comes soon after the abort. */
  engineSettledAt?: number;
  /** DuckDB reported the query as interrupted. */
  interrupted: boolean;
  errorCode?: string;
  errorMessage?: string;
  rowCount?: number;
  chunkCount: number;
  chunkDownloads: number;
  /** 333333 answers given while it ran. */
  pendingAnswers: number;
}

export interface RecordedAbort {
  at: number;
  path: string;
  queryId?: string;
  requestId?: string;
  matched: boolean;
}

export interface RecordedLogin {
  user: string;
  authenticator: string;
  ok: boolean;
  code?: string;
  body: Record<string, unknown>;
}

type Outcome =
  | { ok: true; data: Record<string, unknown> }
  | { ok: false; code: string; message: string; sqlState: string };

interface Running {
  query: EmulatedQuery;
  session: EmulatedSession;
  connection?: DuckDBConnection;
  stop?: 'abort' | 'timeout';
  timeoutSeconds: number;
  outcome?: Outcome;
  done: Promise<Outcome>;
}

class SqlError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly sqlState: string,
  ) {
    super(message);
  }
}

// Snowflake's defaults for the formats the driver uses to render dates and times.
const FORMAT_PARAMETERS: Record<string, unknown> = {
  TIMEZONE: 'UTC',
  TIMESTAMP_OUTPUT_FORMAT: 'YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM',
  TIMESTAMP_NTZ_OUTPUT_FORMAT: 'YYYY-MM-DD HH24:MI:SS.FF3',
  TIMESTAMP_LTZ_OUTPUT_FORMAT: '',
  TIMESTAMP_TZ_OUTPUT_FORMAT: '',
  DATE_OUTPUT_FORMAT: 'YYYY-MM-DD',
  TIME_OUTPUT_FORMAT: 'HH24:MI:SS',
  BINARY_OUTPUT_FORMAT: 'HEX',
  CLIENT_TIMESTAMP_TYPE_MAPPING: 'TIMESTAMP_LTZ',
  CLIENT_SESSION_KEEP_ALIVE: false,
  CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY: 3600,
  QUERY_CONTEXT_CACHE_SIZE: 5,
};

const ECHOED_PARAMETERS = new Set(['QUERY_TAG', 'JS_TREAT_INTEGER_AS_BIGINT', 'STATEMENT_TIMEOUT_IN_SECONDS', 'MULTI_STATEMENT_COUNT']);

// statementTypeId as Snowflake reports it, by DuckDB statement type (codes as in snowflake-jdbc's
// SFStatementType: 0x1000 queries, 0x3000 DML, 0x4000 session commands, 0x5000 transactions,
// 0x6000 DDL; 0x0000 unknown).
const STATEMENT_TYPE_IDS: Record<string, number> = {
  SELECT: 0x1000,
  EXPLAIN: 0x1000,
  RELATION: 0x1000,
  INSERT: 0x3100,
  UPDATE: 0x3200,
  DELETE: 0x3300,
  MERGE_INTO: 0x3400,
  COPY: 0x3600,
  SET: 0x4100,
  VARIABLE_SET: 0x4100,
  PRAGMA: 0x4000,
  TRANSACTION: 0x5000,
  CREATE: 0x6000,
  CREATE_FUNC: 0x6000,
  DROP: 0x6000,
  ALTER: 0x6000,
  ANALYZE: 0x6000,
  VACUUM: 0x6000,
  ATTACH: 0x6000,
  DETACH: 0x6000,
};

const DML_COUNT_NAMES: Record<string, string> = {
  INSERT: 'number of rows inserted',
  UPDATE: 'number of rows updated',
  DELETE: 'number of rows deleted',
};

// Emulator functions live in memory.main and are found through each query's search_path.
const MACROS = [
  `CREATE MACRO memory.main.IFF(c, a, b) AS CASE WHEN c THEN a ELSE b END`,
  `CREATE MACRO memory.main.NVL(a, b) AS coalesce(a, b)`,
  `CREATE MACRO memory.main.ZEROIFNULL(a) AS coalesce(a, 0)`,
  // CAST keeps the text as written (json() would round big numbers through a double).
  `CREATE MACRO memory.main.PARSE_JSON(s) AS CAST(s AS JSON)`,
  `CREATE MACRO memory.main.TO_VARCHAR(x) AS CAST(x AS VARCHAR)`,
  // TO_BINARY's default format is HEX.
  `CREATE MACRO memory.main.TO_BINARY(s) AS unhex(s)`,
  `CREATE MACRO memory.main.sf_type(t) AS CASE
     WHEN t IN ('TINYINT','SMALLINT','INTEGER','BIGINT','HUGEINT','UTINYINT','USMALLINT','UINTEGER','UBIGINT','UHUGEINT') OR t LIKE 'DECIMAL%' THEN 'NUMBER'
     WHEN t IN ('FLOAT','DOUBLE') THEN 'FLOAT'
     WHEN t = 'JSON' THEN 'VARIANT'
     WHEN t IN ('BOOLEAN','DATE','TIME') THEN t
     WHEN t = 'TIMESTAMP WITH TIME ZONE' THEN 'TIMESTAMP_LTZ'
     WHEN t LIKE 'TIMESTAMP%' THEN 'TIMESTAMP_NTZ'
     WHEN t = 'BLOB' THEN 'BINARY'
     WHEN t LIKE '%[]' THEN 'ARRAY'
     WHEN t LIKE 'STRUCT%' OR t LIKE 'MAP%' THEN 'OBJECT'
     ELSE 'TEXT' END`,
  // CREATED / LAST_ALTERED per object: DuckDB keeps neither, so the emulator tracks a signature of
  // each table and view (see trackLastAltered) and stamps the time it first sees it change.
  `CREATE TABLE memory.main.sf_object_state (database_name VARCHAR, schema_name VARCHAR, table_name VARCHAR, signature VARCHAR, created TIMESTAMPTZ, last_altered TIMESTAMPTZ)`,
  // Snowflake-shaped INFORMATION_SCHEMA views, per database.
  `CREATE MACRO memory.main.sf_is_tables(db) AS TABLE
     SELECT o.TABLE_CATALOG, o.TABLE_SCHEMA, o.TABLE_NAME, o.TABLE_OWNER, o.TABLE_TYPE, o.ROW_COUNT, o.BYTES,
            s.created AS CREATED, s.last_altered AS LAST_ALTERED, o.COMMENT
       FROM (SELECT database_name AS TABLE_CATALOG, schema_name AS TABLE_SCHEMA, table_name AS TABLE_NAME, 'EMULATOR' AS TABLE_OWNER,
                    CASE WHEN temporary THEN 'TEMPORARY TABLE' ELSE 'BASE TABLE' END AS TABLE_TYPE,
                    estimated_size::BIGINT AS ROW_COUNT, (estimated_size * column_count * 8)::BIGINT AS BYTES, comment AS COMMENT
               FROM duckdb_tables() WHERE lower(database_name) = lower(db) AND NOT internal
             UNION ALL
             SELECT database_name, schema_name, view_name, 'EMULATOR', 'VIEW', NULL, NULL, comment
               FROM duckdb_views() WHERE lower(database_name) = lower(db) AND NOT internal) o
       LEFT JOIN memory.main.sf_object_state s
         ON s.database_name = o.TABLE_CATALOG AND s.schema_name = o.TABLE_SCHEMA AND s.table_name = o.TABLE_NAME
     UNION ALL
     SELECT upper(db), 'INFORMATION_SCHEMA', v, 'SNOWFLAKE', 'VIEW', NULL, NULL, NULL, NULL, 'The Snowflake information schema'
       FROM (VALUES ('TABLES'), ('COLUMNS'), ('SCHEMATA')) AS t(v)`,
  `CREATE MACRO memory.main.sf_is_schemata(db) AS TABLE
     SELECT database_name AS CATALOG_NAME, schema_name AS SCHEMA_NAME, 'EMULATOR' AS SCHEMA_OWNER, comment AS COMMENT
       FROM duckdb_schemas() WHERE lower(database_name) = lower(db) AND NOT internal
     UNION ALL
     SELECT upper(db), 'INFORMATION_SCHEMA', 'SNOWFLAKE', 'The Snowflake information schema'`,
  `CREATE MACRO memory.main.sf_is_columns(db) AS TABLE
     SELECT database_name AS TABLE_CATALOG, schema_name AS TABLE_SCHEMA, table_name AS TABLE_NAME, column_name AS COLUMN_NAME,
            column_index AS ORDINAL_POSITION, column_default AS COLUMN_DEFAULT,
            CASE WHEN is_nullable THEN 'YES' ELSE 'NO' END AS IS_NULLABLE,
            memory.main.sf_type(data_type) AS DATA_TYPE,
            CASE WHEN memory.main.sf_type(data_type) = 'TEXT' THEN 16777216 END AS CHARACTER_MAXIMUM_LENGTH,
            CASE WHEN data_type LIKE 'DECIMAL%' THEN numeric_precision WHEN memory.main.sf_type(data_type) = 'NUMBER' THEN 38 END AS NUMERIC_PRECISION,
            CASE WHEN data_type LIKE 'DECIMAL%' THEN numeric_scale WHEN memory.main.sf_type(data_type) = 'NUMBER' THEN 0 END AS NUMERIC_SCALE,
            comment AS COMMENT
       FROM duckdb_columns() WHERE lower(database_name) = lower(db) AND NOT internal`,
];

export class SnowflakeEmulator {
  readonly requests: RecordedRequest[] = [];
  readonly queries: EmulatedQuery[] = [];
  readonly aborts: RecordedAbort[] = [];
  readonly logins: RecordedLogin[] = [];
  readonly sessions: EmulatedSession[] = [];
  readonly telemetry: unknown[] = [];
  /** URLs the emulated browser was sent to. */
  readonly browserVisits: string[] = [];
  url = '';

  /** Test hook: statement types to report for exact SQL texts, whatever DuckDB makes of them. */
  private readonly reportedTypes = new Map<string, number>();
  private readonly running = new Map<string, Running>();
  private readonly byRequestId = new Map<string, Running>();
  private readonly pendingAborts = new Set<string>();
  private readonly chunks = new Map<string, { body: string; key: string; queryId: string }>();
  private readonly ssoTokens = new Map<string, { user: string; proofKey: string }>();
  private readonly sockets = new Set<Socket>();
  private readonly expiredTokens = new Set<string>();
  private nextSessionId = 1000;
  private server!: Server;
  /** LAST_ALTERED tracking runs one at a time (concurrent MERGEs on the state table would conflict). */
  private tracking: Promise<unknown> = Promise.resolve();
  /** Set after anything that may change the catalog: reading DuckDB's whole catalog on every TABLES query is slow. */
  private catalogChanged = true;

  private constructor(
    private readonly options: Required<Omit<SnowflakeEmulatorOptions, 'setup' | 'localStageDir'>> & Pick<SnowflakeEmulatorOptions, 'localStageDir'>,
    private readonly instance: DuckDBInstance,
  ) {}

  static async start(options: SnowflakeEmulatorOptions): Promise<SnowflakeEmulator> {
    const instance = await DuckDBInstance.create(':memory:');
    const setup = await instance.connect();
    try {
      for (const database of options.databases) {
        await setup.run(`ATTACH ':memory:' AS ${quote(database)}`);
        await setup.run(`CREATE SCHEMA ${quote(database)}.PUBLIC`);
      }
      for (const statement of MACROS) await setup.run(statement);
      for (const statement of options.setup ?? []) await setup.run(statement);
    } finally {
      setup.disconnectSync();
    }
    const emulator = new SnowflakeEmulator(
      {
        account: options.account,
        users: options.users,
        databases: options.databases,
        chunkRows: options.chunkRows ?? 1000,
        pendingAfterMs: options.pendingAfterMs ?? 300,
        partitionRows: options.partitionRows ?? 1000,
        informationSchemaRowLimit: options.informationSchemaRowLimit ?? Number.POSITIVE_INFINITY,
        localStageDir: options.localStageDir,
      },
      instance,
    );
    await emulator.listen();
    return emulator;
  }

  private async listen(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        // Never a 5xx: the driver would retry it for minutes.
        if (!res.headersSent) json(res, { success: false, code: '000001', message: `emulator: ${(error as Error).message}`, data: null });
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Runs DuckDB SQL directly (test setup and inspection), outside any emulated session. */
  async duck(sql: string): Promise<unknown[][]> {
    const connection = await this.instance.connect();
    try {
      return (await connection.runAndReadAll(sql)).getRowsJson() as unknown[][];
    } finally {
      this.catalogChanged = true;
      connection.disconnectSync();
    }
  }

  /** Plays the user's browser for SSO: opens the page the driver points at, signs in, and follows the redirect back. */
  readonly browser = (url: string): void => {
    this.browserVisits.push(url);
    const target = new URL(url);
    // The driver always builds an https URL on the account host; the emulator serves the same path.
    const local = new URL(target.pathname + target.search, this.url);
    void fetchStatus(local.toString()).then(({ location }) => (location ? fetchStatus(location) : undefined)).catch(() => undefined);
  };

  /** Makes every current session token expire, so the next request must renew it with the master token. */
  expireSessionTokens(): void {
    for (const session of this.sessions) this.expiredTokens.add(session.token);
  }

  /**
   * From now on, report `statementTypeId` for this exact SQL text (describe-only and execution),
   * like a server whose compiler classifies the text differently from a local parser.
   */
  reportStatementType(sqlText: string, statementTypeId: number): void {
    this.reportedTypes.set(sqlText, statementTypeId);
  }

  /** Resolves once `condition` holds (checked every 5 ms): tests wait on what the server saw, not on time. */
  async waitFor(condition: () => boolean): Promise<void> {
    while (!condition()) await delay(5);
  }

  queriesMatching(pattern: RegExp): EmulatedQuery[] {
    return this.queries.filter((q) => pattern.test(q.sqlText));
  }

  async close(): Promise<void> {
    for (const run of this.running.values()) this.stopRun(run, 'abort');
    await Promise.allSettled([...this.running.values()].map((run) => run.done));
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // The driver's agents keep connections alive; end them so close() returns.
      for (const socket of this.sockets) socket.destroy();
    });
    this.instance.closeSync();
  }

  // -------------------------------------------------------------------------------------------
  // HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const raw = await readBody(req);
    // The driver gzips bodies asynchronously and sometimes sends them before the gzip finishes
    // (with or without the header): trust the bytes, not the header.
    const text = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: { ...req.headers }, body, at: Date.now() });
    const path = url.pathname;
    const method = req.method ?? 'GET';
    let match: RegExpExecArray | null;

    if (method === 'POST' && path === '/session/v1/login-request') return json(res, this.login(url, body as { data?: Record<string, unknown> }));
    if (method === 'GET' && path === '/console/login') return this.consoleLogin(url, res);
    if (method === 'GET' && (match = /^\/chunks\/([^/]+)\/(\d+)$/.exec(path))) return this.chunk(`${match[1]}/${match[2]}`, req, res);
    if (method === 'POST' && path === '/session/token-request') return json(res, this.renew(req, body as { oldSessionToken?: string }));

    // Everything below needs a live session.
    const session = this.sessionOf(req);
    if (!session.ok) return json(res, session.error);
    const current = session.session;
    if (method === 'POST' && path === '/session' && url.searchParams.get('delete') === 'true') {
      current.closed = true;
      for (const run of this.running.values()) if (run.session === current) this.stopRun(run, 'abort');
      return json(res, { success: true, code: null, message: null, data: null });
    }
    if (method === 'POST' && path === '/session/heartbeat') return json(res, { success: true, code: null, message: null, data: {} });
    if (method === 'POST' && path === '/telemetry/send') {
      this.telemetry.push(body);
      return json(res, { success: true, data: 'Log Received' });
    }
    if (method === 'POST' && path === '/queries/v1/query-request') return json(res, await this.queryRequest(current, url, body as Record<string, unknown>));
    if (method === 'GET' && (match = /^\/queries\/([^/]+)\/result$/.exec(path))) return json(res, await this.resultRequest(current, match[1]));
    if (method === 'POST' && path === '/queries/v1/abort-request') {
      return json(res, this.abort(path, current, undefined, String((body as { requestId?: unknown })?.requestId ?? '')));
    }
    if (method === 'POST' && (match = /^\/queries\/([^/]+)\/abort-request$/.exec(path))) return json(res, this.abort(path, current, match[1], undefined));
    if (method === 'GET' && (match = /^\/monitoring\/queries\/([^/]+)$/.exec(path))) return json(res, this.monitoring(match[1]));
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ success: false, code: '000404', message: `emulator: no route for ${method} ${path}`, data: null }));
  }

  private sessionOf(req: IncomingMessage): { ok: true; session: EmulatedSession } | { ok: false; error: Record<string, unknown> } {
    const token = /Snowflake Token="([^"]*)"/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (token && this.expiredTokens.has(token)) return { ok: false, error: { success: false, code: '390112', message: 'Your session has expired. Please login again.', data: null } };
    const session = this.sessions.find((s) => s.token === token && !s.closed);
    if (!session) return { ok: false, error: { success: false, code: '390104', message: 'Session token is invalid or has been closed.', data: null } };
    return { ok: true, session };
  }

  // -------------------------------------------------------------------------------------------
  // Authentication

  private login(url: URL, body: { data?: Record<string, unknown> }): Record<string, unknown> {
    const data = body?.data ?? {};
    const loginName = String(data.LOGIN_NAME ?? '');
    const authenticator = String(data.AUTHENTICATOR ?? 'SNOWFLAKE').toUpperCase();
    const user = this.options.users.find((u) => u.name.toUpperCase() === loginName.toUpperCase());
    const accountOk = String(data.ACCOUNT_NAME ?? '').toUpperCase() === this.options.account.toUpperCase();
    let failure: { code: string; message: string } | undefined;
    if (!accountOk || !user) {
      failure = { code: '390100', message: 'Incorrect username or password was specified.' };
    } else if (authenticator === 'SNOWFLAKE') {
      if (user.password === undefined || data.PASSWORD !== user.password) failure = { code: '390100', message: 'Incorrect username or password was specified.' };
    } else if (authenticator === 'SNOWFLAKE_JWT') {
      const problem = user.publicKey ? verifyJwt(String(data.TOKEN ?? ''), this.options.account, user.name, createPublicKey(user.publicKey)) : 'no public key is registered';
      if (problem) failure = { code: '390144', message: `JWT token is invalid. [${problem}]` };
    } else if (authenticator === 'OAUTH') {
      if (!user.oauthTokens?.includes(String(data.TOKEN ?? ''))) failure = { code: '390303', message: 'Invalid OAuth access token.' };
    } else if (authenticator === 'EXTERNALBROWSER') {
      const issued = this.ssoTokens.get(String(data.TOKEN ?? ''));
      // Single use, bound to the proof key the driver generated for this attempt.
      this.ssoTokens.delete(String(data.TOKEN ?? ''));
      if (!issued || issued.user !== user.name || issued.proofKey !== data.PROOF_KEY) failure = { code: '390190', message: 'The SAML response is invalid or does not match this login.' };
    } else {
      failure = { code: '390100', message: `Authenticator ${authenticator} is not supported by the emulator.` };
    }
    this.logins.push({ user: loginName, authenticator, ok: !failure, code: failure?.code, body: data });
    if (failure) return { success: false, code: failure.code, message: failure.message, data: { nextAction: 'RETRY_LOGIN', authnMethod: authenticator } };

    const database = this.options.databases.find((d) => d.toUpperCase() === (url.searchParams.get('databaseName') ?? '').toUpperCase()) ?? null;
    const schemaParam = url.searchParams.get('schemaName');
    const session: EmulatedSession = {
      id: this.nextSessionId++,
      user: user!.name,
      authenticator,
      token: `ST-${randomBytes(24).toString('hex')}`,
      masterToken: `MT-${randomBytes(24).toString('hex')}`,
      database,
      schema: database && schemaParam ? schemaParam.toUpperCase() : database ? 'PUBLIC' : null,
      warehouse: url.searchParams.get('warehouse'),
      role: url.searchParams.get('roleName'),
      params: { ...((data.SESSION_PARAMETERS as Record<string, unknown>) ?? {}) },
      clientEnvironment: (data.CLIENT_ENVIRONMENT as Record<string, unknown>) ?? {},
      closed: false,
    };
    this.sessions.push(session);
    return {
      success: true,
      code: null,
      message: null,
      data: {
        token: session.token,
        masterToken: session.masterToken,
        validityInSeconds: 3600,
        masterValidityInSeconds: 14400,
        sessionId: session.id,
        displayUserName: session.user,
        serverVersion: '9.99.0-emulator',
        firstLogin: false,
        idToken: null,
        mfaToken: null,
        parameters: this.parameterList(session, {}),
        sessionInfo: { databaseName: session.database, schemaName: session.schema, warehouseName: session.warehouse, roleName: session.role },
      },
    };
  }

  private renew(req: IncomingMessage, body: { oldSessionToken?: string }): Record<string, unknown> {
    const master = /Snowflake Token="([^"]*)"/.exec(String(req.headers.authorization ?? ''))?.[1];
    const session = this.sessions.find((s) => s.masterToken === master && s.token === body?.oldSessionToken && !s.closed);
    if (!session) return { success: false, code: '390114', message: 'Master token expired or invalid.', data: null };
    session.token = `ST-${randomBytes(24).toString('hex')}`;
    return { success: true, code: null, message: null, data: { sessionToken: session.token, validityInSecondsST: 3600, masterToken: session.masterToken, validityInSecondsMT: 14400 } };
  }

  /** The Snowsight console login page with its identity provider folded in: signs an SSO user in. */
  private consoleLogin(url: URL, res: ServerResponse): void {
    const port = url.searchParams.get('browser_mode_redirect_port');
    const proofKey = url.searchParams.get('proof_key') ?? '';
    const user = this.options.users.find((u) => u.sso && u.name.toUpperCase() === (url.searchParams.get('login_name') ?? '').toUpperCase());
    let location: string;
    if (user && proofKey) {
      const token = randomBytes(24).toString('hex');
      this.ssoTokens.set(token, { user: user.name, proofKey });
      location = `http://localhost:${port}/?token=${token}`;
    } else {
      location = `http://localhost:${port}/?error=access_denied&error_description=${encodeURIComponent('The identity provider refused this user')}`;
    }
    res.writeHead(302, { location });
    res.end();
  }

  // -------------------------------------------------------------------------------------------
  // Queries

  private async queryRequest(session: EmulatedSession, url: URL, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const requestId = url.searchParams.get('requestId') ?? randomUUID();
    // A retried request (same requestId) attaches to the query already running.
    const existing = this.byRequestId.get(requestId);
    if (existing) return this.answer(existing);
    const statementParameters = (body.parameters as Record<string, unknown>) ?? {};
    const parameters: Record<string, unknown> = { ...FORMAT_PARAMETERS, MULTI_STATEMENT_COUNT: 1, ...session.params, ...statementParameters };
    const query: EmulatedQuery = {
      id: randomUUID(),
      requestId,
      sessionId: session.id,
      sqlText: String(body.sqlText ?? ''),
      bindings: body.bindings as EmulatedQuery['bindings'],
      statementParameters,
      parameters,
      describeOnly: body.describeOnly === true,
      state: 'running',
      startedAt: Date.now(),
      interrupted: false,
      chunkCount: 0,
      chunkDownloads: 0,
      pendingAnswers: 0,
    };
    this.queries.push(query);
    const run: Running = { query, session, timeoutSeconds: Number(parameters.STATEMENT_TIMEOUT_IN_SECONDS ?? 0) || 0, done: undefined as never };
    run.done = this.execute(run).then((outcome) => {
      run.outcome = outcome;
      this.running.delete(query.id);
      return outcome;
    });
    this.running.set(query.id, run);
    this.byRequestId.set(requestId, run);
    if (this.pendingAborts.delete(requestId)) this.stopRun(run, 'abort');
    if (run.timeoutSeconds > 0) {
      const timer = setTimeout(() => this.stopRun(run, 'timeout'), run.timeoutSeconds * 1000);
      void run.done.finally(() => clearTimeout(timer));
    }
    return this.answer(run);
  }

  private async resultRequest(session: EmulatedSession, queryId: string): Promise<Record<string, unknown>> {
    const run = [...this.byRequestId.values()].find((r) => r.query.id === queryId && r.session === session);
    if (!run) return { success: false, code: '000709', message: `Statement ${queryId} not found`, data: { queryId } };
    return this.answer(run);
  }

  /** Waits a little for the query; if it is still running, says so and where to ask again. */
  private async answer(run: Running): Promise<Record<string, unknown>> {
    const outcome = run.outcome ?? (await Promise.race([run.done, delay(this.options.pendingAfterMs).then(() => undefined)]));
    const queryId = run.query.id;
    if (!outcome) {
      run.query.pendingAnswers++;
      return {
        success: true,
        code: '333333',
        message: 'Query execution in progress. Query will be available at the result URL.',
        data: { queryId, getResultUrl: `/queries/${queryId}/result`, queryAbortsAfterSecs: 300, progressDesc: null },
      };
    }
    if (!outcome.ok) return { success: false, code: outcome.code, message: outcome.message, data: { errorCode: outcome.code, sqlState: outcome.sqlState, queryId, age: 0 } };
    return { success: true, code: null, message: null, data: { ...outcome.data, queryId } };
  }

  private abort(path: string, session: EmulatedSession, queryId: string | undefined, requestId: string | undefined): Record<string, unknown> {
    const run = queryId
      ? [...this.byRequestId.values()].find((r) => r.query.id === queryId && r.session === session)
      : requestId
        ? this.byRequestId.get(requestId)
        : undefined;
    this.aborts.push({ at: Date.now(), path, queryId: queryId ?? run?.query.id, requestId: requestId ?? run?.query.requestId, matched: Boolean(run) });
    if (run) this.stopRun(run, 'abort');
    // The abort can overtake the query request on another connection: remember it.
    else if (requestId) this.pendingAborts.add(requestId);
    return { success: true, code: null, message: null, data: null };
  }

  private monitoring(queryId: string): Record<string, unknown> {
    const query = this.queries.find((q) => q.id === queryId);
    const status = !query ? 'NO_DATA' : { running: 'RUNNING', succeeded: 'SUCCESS', failed: 'FAILED_WITH_ERROR', cancelled: 'ABORTED', 'timed out': 'FAILED_WITH_ERROR' }[query.state];
    return { success: true, data: { queries: query ? [{ id: queryId, status, errorMessage: query.errorMessage ?? null }] : [] } };
  }

  /** Interrupts DuckDB until the query has settled (an interrupt before execution starts is cleared). */
  private stopRun(run: Running, reason: 'abort' | 'timeout'): void {
    if (run.outcome) return;
    run.stop ??= reason;
    run.connection?.interrupt();
    const repeat = setInterval(() => run.connection?.interrupt(), 20);
    void run.done.finally(() => clearInterval(repeat));
  }

  private chunk(key: string, req: IncomingMessage, res: ServerResponse): void {
    const chunk = this.chunks.get(key);
    // Like S3 with a customer key: the chunk headers from the result must come back.
    if (!chunk || req.headers['x-emulator-chunk-key'] !== chunk.key) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('forbidden');
      return;
    }
    const query = this.queries.find((q) => q.id === chunk.queryId);
    if (query) query.chunkDownloads++;
    // Rows without the outer brackets, and not as application/json (the driver would parse it).
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(chunk.body);
  }

  // -------------------------------------------------------------------------------------------
  // Execution in DuckDB

  private async execute(run: Running): Promise<Outcome> {
    const { query } = run;
    try {
      const data = await this.executeSql(run);
      query.state = 'succeeded';
      return { ok: true, data };
    } catch (error) {
      query.engineSettledAt ??= Date.now();
      const sqlError = this.sqlError(error, run);
      query.state = run.stop === 'timeout' && sqlError.code === '000630' ? 'timed out' : run.stop && sqlError.code === '000604' ? 'cancelled' : 'failed';
      query.errorCode = sqlError.code;
      query.errorMessage = sqlError.message;
      return { ok: false, code: sqlError.code, message: sqlError.message, sqlState: sqlError.sqlState };
    } finally {
      run.connection?.disconnectSync();
      run.connection = undefined;
    }
  }

  private sqlError(error: unknown, run: Running): SqlError {
    const message = error instanceof Error ? error.message : String(error);
    if (run.stop && (/INTERRUPT/i.test(message) || error instanceof StoppedError)) {
      // Only DuckDB's own report counts: a query stopped before it started was never interrupted.
      run.query.interrupted = !(error instanceof StoppedError);
      return run.stop === 'timeout'
        ? new SqlError('000630', `Statement reached its statement or warehouse timeout of ${run.timeoutSeconds} second(s) and was canceled.`, '57014')
        : new SqlError('000604', 'SQL execution canceled', '57014');
    }
    if (error instanceof SqlError) return error;
    let match: RegExpExecArray | null;
    if ((match = /Table with name (\S+) does not exist/i.exec(message))) {
      return new SqlError('002003', `SQL compilation error:\nObject '${match[1].toUpperCase()}' does not exist or not authorized.`, '42S02');
    }
    if ((match = /Referenced column "?([^"\s]+)"? not found/i.exec(message))) {
      return new SqlError('000904', `SQL compilation error: error line 1 at position 0\ninvalid identifier '${match[1].toUpperCase()}'`, '42000');
    }
    if (/Parser Error/i.test(message)) return new SqlError('001003', `SQL compilation error:\n${message.replace(/^.*Parser Error:\s*/s, '')}`, '42000');
    if (/Conversion Error/i.test(message)) return new SqlError('100038', message.replace(/^Conversion Error:\s*/, ''), '22018');
    return new SqlError('002140', `SQL compilation error:\n${message}`, '42601');
  }

  private async executeSql(run: Running): Promise<Record<string, unknown>> {
    const { query, session } = run;
    const tokens = tokenize(query.sqlText);
    const words = tokens.filter((t) => t.kind !== 'space' && t.kind !== 'comment').slice(0, 5).map((t) => t.text.toUpperCase());
    const special = await this.special(run, tokens, words);
    if (special) return special;

    const explain = words[0] === 'EXPLAIN' && words[1] === 'USING' && words[2] === 'JSON';
    const body = explain ? tokens.slice(tokens.findIndex((t, i) => i > 0 && t.text.toUpperCase() === 'JSON') + 1) : tokens;
    const sql = translate(body, session, this.options.databases);
    const connection = await this.connect(run);
    const extracted = await connection.extractStatements(sql);
    const wanted = Number(query.parameters.MULTI_STATEMENT_COUNT ?? 1);
    if (extracted.count === 0) throw new SqlError('000900', 'Empty SQL statement.', '42000');
    if (wanted !== 0 && extracted.count !== wanted) {
      throw new SqlError('000008', `Actual statement count ${extracted.count} did not match the desired statement count ${wanted}.`, '0A000');
    }
    if (extracted.count > 1) throw new SqlError('000002', 'The emulator runs one statement per request.', '0A000');
    const informationSchema = /memory\.main\.sf_is_/.test(sql);
    if (/memory\.main\.sf_is_tables\(/.test(sql)) await this.trackLastAltered(connection);
    const prepared = await extracted.prepare(0);
    if (run.stop) throw new StoppedError();
    if (explain) return this.explain(run, connection, sql);
    bind(prepared, query.bindings);
    const kind = StatementType[prepared.statementType] as string;
    const quoted = new Set(body.filter((t) => t.kind === 'quoted').map((t) => t.text.slice(1, -1).replaceAll('""', '"')));
    const nameOf = (name: string) => (kind in DML_COUNT_NAMES && name === 'Count' ? DML_COUNT_NAMES[kind] : snowflakeName(name, quoted));
    if (query.describeOnly) {
      // Compile only: the statement is prepared, never run.
      // A column whose type only binding decides (SELECT ? AS A) is described as text, like Snowflake does.
      const columns = Array.from({ length: prepared.columnCount }, (_, i) =>
        prepared.columnTypeId(i) === DuckDBTypeId.INVALID ? rowType(nameOf(prepared.columnName(i)), VARCHAR) : rowType(nameOf(prepared.columnName(i)), prepared.columnType(i)),
      );
      query.engineSettledAt = Date.now();
      return this.resultData(run, columns, [], this.statementTypeId(query, kind));
    }
    query.executingAt = Date.now();
    const reader = await prepared.runAndReadAll();
    query.engineSettledAt = Date.now();
    if (prepared.statementType !== StatementType.SELECT) this.catalogChanged = true; // DDL, and DML (it moves LAST_ALTERED too)
    if (run.stop) throw new StoppedError();
    if (informationSchema && reader.currentRowCount > this.options.informationSchemaRowLimit) {
      throw new SqlError('090030', 'Information schema query returned too much data. Please repeat query with more selective predicates.', '22000');
    }
    const types = reader.columnTypes();
    const columns = reader.columnNames().map((name, i) => rowType(nameOf(name), types[i]));
    const rowset = reader.getRows().map((row) => row.map((value, c) => encodeValue(value, types[c])));
    return this.resultData(run, columns, rowset, this.statementTypeId(query, kind));
  }

  private statementTypeId(query: EmulatedQuery, duckdbKind: string): number {
    return this.reportedTypes.get(query.sqlText) ?? STATEMENT_TYPE_IDS[duckdbKind] ?? 0x0000;
  }

  /**
   * Stamps LAST_ALTERED for every table and view whose signature changed since it was last looked
   * at: definition (columns, types), comments, row count (Snowflake's LAST_ALTERED moves on DML
   * too) and oid (CREATE OR REPLACE). Changes made straight in DuckDB (test setup) count as well.
   */
  private trackLastAltered(connection: DuckDBConnection): Promise<unknown> {
    const databases = this.options.databases.map(sqlString).join(', ');
    const merge = `MERGE INTO memory.main.sf_object_state s
      USING (
        SELECT o.database_name, o.schema_name, o.name,
               md5(concat_ws('|', o.oid, o.sql, coalesce(o.comment, ''), o.size, coalesce(c.comments, ''))) AS signature
          FROM (SELECT database_name, schema_name, table_name AS name, table_oid AS oid, sql, comment, estimated_size AS size
                  FROM duckdb_tables() WHERE NOT internal
                UNION ALL
                SELECT database_name, schema_name, view_name, view_oid, sql, comment, NULL FROM duckdb_views() WHERE NOT internal) o
          LEFT JOIN (SELECT database_name, schema_name, table_name, string_agg(coalesce(comment, ''), '|' ORDER BY column_index) AS comments
                       FROM duckdb_columns() GROUP BY ALL) c
            ON c.database_name = o.database_name AND c.schema_name = o.schema_name AND c.table_name = o.name
         WHERE o.database_name IN (${databases})
      ) c
      ON s.database_name = c.database_name AND s.schema_name = c.schema_name AND s.table_name = c.name
      WHEN MATCHED AND s.signature <> c.signature THEN UPDATE SET signature = c.signature, last_altered = now()
      WHEN NOT MATCHED THEN INSERT VALUES (c.database_name, c.schema_name, c.name, c.signature, now(), now())
      WHEN NOT MATCHED BY SOURCE THEN DELETE`;
    const done = this.tracking.then(async () => {
      if (!this.catalogChanged) return;
      this.catalogChanged = false;
      try {
        await connection.run(merge);
      } catch (error) {
        this.catalogChanged = true;
        throw error;
      }
    });
    this.tracking = done.catch(() => undefined);
    return done;
  }

  private async connect(run: Running): Promise<DuckDBConnection> {
    const connection = await this.instance.connect();
    run.connection = connection;
    if (run.stop) throw new StoppedError();
    const { database, schema } = run.session;
    if (database) {
      await connection.run(`USE ${quote(database)}${schema ? `.${quote(schema)}` : ''}`);
      await connection.run(`SET search_path = '${database}${schema ? `.${schema}` : ''},memory.main'`);
    }
    return connection;
  }

  /** Statements DuckDB does not have, answered from the session or DuckDB's own catalog. */
  private async special(run: Running, tokens: Token[], words: string[]): Promise<Record<string, unknown> | undefined> {
    const { session } = run;
    const significant = tokens.filter((t) => t.kind !== 'space' && t.kind !== 'comment' && t.text !== ';');
    if (words[0] === 'PUT' && this.options.localStageDir) {
      // The server only says where the file goes; the client reads and copies it.
      const source = /^PUT\s+'?file:\/\/([^\s']+)/i.exec(run.query.sqlText.trim())?.[1] ?? '';
      run.query.engineSettledAt = Date.now();
      return {
        ...this.resultData(run, [], [], 0x0001),
        command: 'UPLOAD',
        src_locations: [source],
        autoCompress: false,
        sourceCompression: 'none',
        parallel: 1,
        overwrite: true,
        stageInfo: { locationType: 'LOCAL_FS', location: this.options.localStageDir, path: '', region: null, creds: {} },
      };
    }
    if (words[0] === 'ALTER' && words[1] === 'SESSION' && words[2] === 'SET') {
      // ALTER SESSION SET A = 1, B = 'x'
      const rest = significant.slice(3);
      for (let i = 0; i + 2 < rest.length + 1; i += 4) {
        if (!rest[i] || rest[i + 1]?.text !== '=' || !rest[i + 2]) break;
        const value = rest[i + 2];
        session.params[rest[i].text.toUpperCase()] = value.kind === 'string' ? value.text.slice(1, -1).replaceAll("''", "'") : Number.isNaN(Number(value.text)) ? value.text : Number(value.text);
      }
      return this.statusResult(run, 'Statement executed successfully.');
    }
    if (words[0] === 'USE') {
      const target = significant[1]?.text.toUpperCase();
      const name = unquoteIdent(significant[target === 'DATABASE' || target === 'SCHEMA' || target === 'WAREHOUSE' || target === 'ROLE' ? 2 : 1]?.text ?? '');
      if (target === 'WAREHOUSE') session.warehouse = name;
      else if (target === 'ROLE') session.role = name;
      else if (target === 'DATABASE') [session.database, session.schema] = [name, 'PUBLIC'];
      else session.schema = name;
      return this.statusResult(run, 'Statement executed successfully.');
    }
    if (words[0] === 'SHOW' && (words[1] === 'PRIMARY' || words[1] === 'IMPORTED') && words[2] === 'KEYS') {
      const inAt = significant.findIndex((t) => t.text.toUpperCase() === 'IN');
      const nameTokens = significant.slice(inAt + 1).filter((t) => t.text.toUpperCase() !== 'TABLE' && t.text !== '.');
      const parts = nameTokens.map((t) => unquoteIdent(t.text));
      const [database, schema, table] = parts.length === 3 ? parts : parts.length === 2 ? [session.database, ...parts] : [session.database, session.schema, parts[0]];
      const where = `lower(database_name) = lower(${sqlString(database ?? '')}) AND lower(schema_name) = lower(${sqlString(schema ?? '')}) AND lower(table_name) = lower(${sqlString(table ?? '')})`;
      const sql =
        words[1] === 'PRIMARY'
          ? `SELECT now()::TIMESTAMPTZ AS created_on, database_name, schema_name, table_name,
                    unnest(constraint_column_names) AS column_name, unnest(range(1, len(constraint_column_names) + 1)) AS key_sequence,
                    constraint_name, 'false' AS rely, NULL::VARCHAR AS comment
               FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' AND ${where}`
          : `SELECT now()::TIMESTAMPTZ AS created_on, database_name AS pk_database_name, schema_name AS pk_schema_name,
                    referenced_table AS pk_table_name, unnest(referenced_column_names) AS pk_column_name,
                    database_name AS fk_database_name, schema_name AS fk_schema_name, table_name AS fk_table_name,
                    unnest(constraint_column_names) AS fk_column_name, unnest(range(1, len(constraint_column_names) + 1)) AS key_sequence,
                    'NO ACTION' AS update_rule, 'NO ACTION' AS delete_rule, constraint_name AS fk_name, NULL::VARCHAR AS pk_name,
                    'NOT DEFERRABLE' AS deferrability, 'false' AS rely, NULL::VARCHAR AS comment
               FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY' AND ${where}`;
      const connection = await this.connect(run);
      const reader = await connection.runAndReadAll(sql);
      run.query.engineSettledAt = Date.now();
      const types = reader.columnTypes();
      // SHOW output columns are lower-case in Snowflake.
      const columns = reader.columnNames().map((name, i) => rowType(name, types[i]));
      const rowset = reader.getRows().map((row) => row.map((value, c) => encodeValue(value, types[c])));
      return this.resultData(run, columns, rowset, 0x4400);
    }
    return undefined;
  }

  private statusResult(run: Running, status: string): Record<string, unknown> {
    run.query.engineSettledAt = Date.now();
    return this.resultData(run, [{ name: 'status', type: 'text', length: 16777216, precision: null, scale: null, nullable: true, database: '', schema: '', table: '', byteLength: 16777216, collation: null }], [[status]], 0x4000);
  }

  /** EXPLAIN USING JSON, built from DuckDB's plan: the tables it scans and their emulated partitions. */
  private async explain(run: Running, connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>> {
    const reader = await connection.runAndReadAll(`EXPLAIN (FORMAT JSON) ${sql}`);
    const planText = String(reader.getRowsJson()[0]?.[1] ?? '[]');
    const plan = JSON.parse(planText) as PlanNode[];
    const operations: Record<string, unknown>[] = [];
    const global = { partitionsTotal: 0, partitionsAssigned: 0, bytesAssigned: 0 };
    const visit = async (node: PlanNode, parent: number | undefined): Promise<void> => {
      const id = operations.length;
      const op: Record<string, unknown> = { id, operation: OPERATION_NAMES[node.name] ?? node.name };
      if (parent !== undefined) op.parentOperators = [parent];
      operations.push(op);
      const table = node.extra_info?.Table;
      if (node.name === 'SEQ_SCAN' && typeof table === 'string') {
        const [database, schema, name] = table.split('.');
        const stats = await connection.runAndReadAll(
          `SELECT estimated_size, column_count FROM duckdb_tables() WHERE database_name = ${sqlString(database)} AND schema_name = ${sqlString(schema)} AND table_name = ${sqlString(name)}`,
        );
        const [rows, columns] = (stats.getRowsJson()[0] ?? ['0', '0']).map(Number);
        const partitions = Math.max(1, Math.ceil(rows / this.options.partitionRows));
        const bytes = rows * columns * 8;
        Object.assign(op, { objects: [table], expressions: node.extra_info?.Projections ?? [], partitionsAssigned: partitions, partitionsTotal: partitions, bytesAssigned: bytes });
        global.partitionsTotal += partitions;
        global.partitionsAssigned += partitions;
        global.bytesAssigned += bytes;
      }
      for (const child of node.children ?? []) await visit(child, id);
    };
    operations.push({ id: 0, operation: 'Result' });
    for (const node of plan) await visit(node, 0);
    run.query.engineSettledAt = Date.now();
    const content = JSON.stringify({ GlobalStats: global, Operations: [operations] });
    return this.resultData(run, [{ name: 'content', type: 'text', length: 16777216, precision: null, scale: null, nullable: true, database: '', schema: '', table: '', byteLength: 16777216, collation: null }], [[content]], 0x1000);
  }

  /** The result as the driver expects it; rows past the first chunk are served as downloadable chunks. */
  private resultData(run: Running, rowtype: Record<string, unknown>[], rowset: (string | null)[][], statementTypeId: number): Record<string, unknown> {
    const { query, session } = run;
    const size = this.options.chunkRows;
    const data: Record<string, unknown> = {
      parameters: this.parameterList(session, query.parameters),
      rowtype,
      rowset: rowset.slice(0, size),
      total: rowset.length,
      returned: rowset.length,
      queryId: query.id,
      statementTypeId,
      version: 1,
      queryResultFormat: 'json',
      finalDatabaseName: session.database,
      finalSchemaName: session.schema,
      finalWarehouseName: session.warehouse,
      finalRoleName: session.role,
      numberOfBinds: Object.keys(query.bindings ?? {}).length,
      arrayBindSupported: false,
    };
    query.rowCount = rowset.length;
    if (rowset.length > size) {
      const key = randomBytes(16).toString('hex');
      const chunks: Record<string, unknown>[] = [];
      for (let start = size, i = 0; start < rowset.length; start += size, i++) {
        const rows = rowset.slice(start, start + size);
        const body = rows.map((row) => JSON.stringify(row)).join(',');
        this.chunks.set(`${query.id}/${i}`, { body, key, queryId: query.id });
        chunks.push({ url: `${this.url}/chunks/${query.id}/${i}`, rowCount: rows.length, uncompressedSize: body.length, compressedSize: body.length });
      }
      query.chunkCount = chunks.length;
      data.chunks = chunks;
      data.chunkHeaders = { 'x-emulator-chunk-key': key };
    }
    return data;
  }

  private parameterList(session: EmulatedSession, overrides: Record<string, unknown>): { name: string; value: unknown }[] {
    const merged: Record<string, unknown> = { ...FORMAT_PARAMETERS };
    // Echoed like Snowflake does: the driver reads JS_TREAT_INTEGER_AS_BIGINT and the formats from each result.
    for (const [name, value] of Object.entries({ ...session.params, ...overrides })) if (name in FORMAT_PARAMETERS || ECHOED_PARAMETERS.has(name)) merged[name] = value;
    return Object.entries(merged).map(([name, value]) => ({ name, value }));
  }
}

class StoppedError extends Error {
  constructor() {
    super('stopped before execution');
  }
}

interface PlanNode {
  name: string;
  children?: PlanNode[];
  extra_info?: Record<string, unknown>;
}

const OPERATION_NAMES: Record<string, string> = {
  SEQ_SCAN: 'TableScan',
  FILTER: 'Filter',
  HASH_JOIN: 'InnerJoin',
  NESTED_LOOP_JOIN: 'InnerJoin',
  CROSS_PRODUCT: 'CartesianJoin',
  HASH_GROUP_BY: 'Aggregate',
  UNGROUPED_AGGREGATE: 'Aggregate',
  PERFECT_HASH_GROUP_BY: 'Aggregate',
  ORDER_BY: 'Sort',
  TOP_N: 'SortWithLimit',
  LIMIT: 'Limit',
  STREAMING_LIMIT: 'Limit',
  PROJECTION: 'Projection',
};

// ---------------------------------------------------------------------------------------------
// JWT (key-pair sign-in)

/** Returns why the token is refused, or undefined when it is good. */
function verifyJwt(token: string, account: string, user: string, publicKey: KeyObject): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return 'malformed';
  const [headerB64, payloadB64, signatureB64] = parts;
  let header: { alg?: string };
  let payload: { iss?: string; sub?: string; iat?: number; exp?: number };
  try {
    header = JSON.parse(Buffer.from(headerB64, 'base64url').toString('utf8')) as typeof header;
    payload = JSON.parse(Buffer.from(payloadB64, 'base64url').toString('utf8')) as typeof payload;
  } catch {
    return 'malformed';
  }
  if (header.alg !== 'RS256') return `algorithm ${header.alg}`;
  const signed = verifySignature('RSA-SHA256', Buffer.from(`${headerB64}.${payloadB64}`), publicKey, Buffer.from(signatureB64, 'base64url'));
  if (!signed) return 'signature does not verify with the registered public key';
  const fingerprint = `SHA256:${createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64')}`;
  const subject = `${account.toUpperCase()}.${user.toUpperCase()}`;
  if (payload.iss !== `${subject}.${fingerprint}`) return 'issuer does not name the registered key';
  if (payload.sub !== subject) return 'subject';
  // The driver sends iat/exp in milliseconds; accept seconds too.
  const ms = (t: number | undefined) => (t === undefined ? Number.NaN : t > 1e12 ? t : t * 1000);
  const now = Date.now();
  if (!(ms(payload.exp) > now)) return 'expired';
  if (!(ms(payload.iat) <= now + 60_000)) return 'issued in the future';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Snowflake SQL -> DuckDB SQL (the little the product and typical analyst SELECTs need)

interface Token {
  kind: 'space' | 'comment' | 'word' | 'quoted' | 'string' | 'punct';
  text: string;
}

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const n = sql[i + 1];
    let j = i + 1;
    let kind: Token['kind'];
    if (/\s/.test(c)) {
      while (j < sql.length && /\s/.test(sql[j])) j++;
      kind = 'space';
    } else if ((c === '-' && n === '-') || (c === '/' && n === '/')) {
      j = sql.indexOf('\n', i);
      j = j === -1 ? sql.length : j;
      kind = 'comment';
    } else if (c === '/' && n === '*') {
      j = sql.indexOf('*/', i + 2);
      j = j === -1 ? sql.length : j + 2;
      kind = 'comment';
    } else if (c === "'") {
      while (j < sql.length && !(sql[j] === "'" && sql[j + 1] !== "'")) j += sql[j] === "'" || sql[j] === '\\' ? 2 : 1;
      j++;
      kind = 'string';
    } else if (c === '$' && n === '$') {
      j = sql.indexOf('$$', i + 2);
      j = j === -1 ? sql.length : j + 2;
      kind = 'string';
    } else if (c === '"') {
      while (j < sql.length && !(sql[j] === '"' && sql[j + 1] !== '"')) j += sql[j] === '"' ? 2 : 1;
      j++;
      kind = 'quoted';
    } else if (/[A-Za-z_]/.test(c)) {
      while (j < sql.length && /[A-Za-z0-9_$]/.test(sql[j])) j++;
      kind = 'word';
    } else if (c === ':' && n === ':') {
      j = i + 2;
      kind = 'punct';
    } else {
      kind = 'punct';
    }
    tokens.push({ kind, text: sql.slice(i, j) });
    i = j;
  }
  return tokens;
}

const TYPE_WORDS: Record<string, string> = {
  NUMBER: 'DECIMAL',
  NUMERIC: 'DECIMAL',
  TIMESTAMP_NTZ: 'TIMESTAMP',
  DATETIME: 'TIMESTAMP',
  TIMESTAMP_LTZ: 'TIMESTAMPTZ',
  TIMESTAMP_TZ: 'TIMESTAMPTZ',
  VARIANT: 'JSON',
  OBJECT: 'JSON',
  ARRAY: 'JSON',
  FLOAT: 'DOUBLE',
  FLOAT4: 'DOUBLE',
  FLOAT8: 'DOUBLE',
  STRING: 'VARCHAR',
  BINARY: 'BLOB',
  VARBINARY: 'BLOB',
};

function translate(tokens: Token[], session: EmulatedSession, databases: readonly string[]): string {
  const out: string[] = [];
  const significant = (from: number, step: 1 | -1): Token | undefined => {
    for (let k = from; k >= 0 && k < tokens.length; k += step) if (tokens[k].kind !== 'space' && tokens[k].kind !== 'comment') return tokens[k];
    return undefined;
  };
  const calls: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const upper = t.text.toUpperCase();
    if (t.kind === 'comment' && t.text.startsWith('//')) {
      out.push(`--${t.text.slice(2)}`);
      continue;
    }
    if (t.kind === 'punct' && t.text === '(') calls.push((significant(i - 1, -1)?.text ?? '').toUpperCase());
    if (t.kind === 'punct' && t.text === ')') calls.pop();
    if (t.kind === 'punct' && t.text === '?') {
      out.push('?');
      continue;
    }
    if (t.kind === 'word') {
      const previous = significant(i - 1, -1);
      const next = significant(i + 1, 1);
      // A type name after :: or after AS inside CAST(...).
      const isType = previous?.text === '::' || (previous?.text.toUpperCase() === 'AS' && ['CAST', 'TRY_CAST'].includes(calls[calls.length - 1] ?? ''));
      if (isType && TYPE_WORDS[upper]) {
        out.push(upper === 'NUMBER' || upper === 'NUMERIC' ? (next?.text === '(' ? 'DECIMAL' : 'DECIMAL(38,0)') : TYPE_WORDS[upper]);
        continue;
      }
      // CURRENT_ROLE() and friends come from the session.
      const sessionValues: Record<string, string | null> = {
        CURRENT_ROLE: session.role,
        CURRENT_WAREHOUSE: session.warehouse,
        CURRENT_USER: session.user,
        CURRENT_DATABASE: session.database,
        CURRENT_SCHEMA: session.schema,
      };
      const sessionValue = sessionValues[upper];
      if (sessionValue !== undefined && next?.text === '(') {
        const close = tokens.findIndex((x, k) => k > i && x.text === ')');
        out.push(`(${sessionValue === null ? 'NULL' : sqlString(sessionValue)}::VARCHAR)`);
        i = close;
        continue;
      }
      // EXTRACT(EPOCH_NANOSECOND FROM x) / DATE_PART(EPOCH_NANOSECOND, x): DuckDB spells these epoch_ns(x).
      if ((upper === 'EXTRACT' || upper === 'DATE_PART') && next?.text === '(') {
        const open = nextSignificant(tokens, i + 1);
        const part = nextSignificant(tokens, open + 1);
        const separator = nextSignificant(tokens, part + 1);
        const fn = EPOCH_PARTS[tokens[part]?.text.toUpperCase() ?? ''];
        if (fn && tokens[separator]?.text.toUpperCase() === (upper === 'EXTRACT' ? 'FROM' : ',')) {
          out.push(`${fn}(`);
          calls.push(fn.toUpperCase());
          i = separator;
          continue;
        }
      }
      // [db.]INFORMATION_SCHEMA.TABLES / COLUMNS / SCHEMATA
      if (upper === 'INFORMATION_SCHEMA' && tokens[i + 1]?.text === '.' && ['TABLES', 'COLUMNS', 'SCHEMATA'].includes(tokens[i + 2]?.text.toUpperCase())) {
        let database = session.database ?? '';
        if (tokens[i - 1]?.text === '.' && (tokens[i - 2]?.kind === 'word' || tokens[i - 2]?.kind === 'quoted')) {
          database = unquoteIdent(tokens[i - 2].text);
          out.splice(out.length - 2, 2);
        }
        // Quoted names match exactly, unquoted ones upper-cased, as in Snowflake.
        if (!databases.includes(database)) throw new SqlError('002003', `SQL compilation error:\nDatabase '${database}' does not exist or not authorized.`, '02000');
        out.push(`memory.main.sf_is_${tokens[i + 2].text.toLowerCase()}(${sqlString(database)})`);
        i += 2;
        continue;
      }
    }
    out.push(t.text);
  }
  return out.join('');
}

const EPOCH_PARTS: Record<string, string> = {
  EPOCH_NANOSECOND: 'epoch_ns',
  EPOCH_NANOSECONDS: 'epoch_ns',
  EPOCH_MICROSECOND: 'epoch_us',
  EPOCH_MICROSECONDS: 'epoch_us',
  EPOCH_MILLISECOND: 'epoch_ms',
  EPOCH_MILLISECONDS: 'epoch_ms',
};

/** Index of the next token that is neither space nor comment (tokens.length when none). */
function nextSignificant(tokens: Token[], from: number): number {
  let k = from;
  while (k < tokens.length && (tokens[k].kind === 'space' || tokens[k].kind === 'comment')) k++;
  return k;
}

/** Snowflake upper-cases unquoted names in results; quoted ones keep their case. */
function snowflakeName(name: string, quoted: Set<string>): string {
  if (quoted.has(name)) return name;
  if (name === 'count_star()') return 'COUNT(*)';
  return name.toUpperCase();
}

function unquoteIdent(text: string): string {
  return text.startsWith('"') ? text.slice(1, -1).replaceAll('""', '"') : text.toUpperCase();
}

function bind(prepared: DuckDBPreparedStatement, bindings: EmulatedQuery['bindings']): void {
  if (!bindings) return;
  const values: DuckDBValue[] = [];
  for (const [position, { type, value }] of Object.entries(bindings)) {
    const index = Number(position) - 1;
    if (value === null || value === undefined) values[index] = null;
    else if (type === 'FIXED') values[index] = BigInt(String(value));
    else if (type === 'REAL') values[index] = Number(value);
    else if (type === 'BOOLEAN') values[index] = String(value).toLowerCase() === 'true';
    else values[index] = String(value);
  }
  prepared.bind(values);
}

// ---------------------------------------------------------------------------------------------
// DuckDB types and values -> Snowflake rowtype and JSON rowset strings

function isNested(type: DuckDBType): boolean {
  return [DuckDBTypeId.LIST, DuckDBTypeId.ARRAY, DuckDBTypeId.STRUCT, DuckDBTypeId.MAP].includes(type.typeId);
}

function rowType(name: string, type: DuckDBType): Record<string, unknown> {
  const base = { name, database: '', schema: '', table: '', nullable: true, collation: null, length: null as number | null, precision: null as number | null, scale: null as number | null, byteLength: null as number | null };
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return { ...base, type: 'boolean' };
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.UHUGEINT:
      return { ...base, type: 'fixed', precision: 38, scale: 0 };
    case DuckDBTypeId.DECIMAL: {
      const decimal = type as unknown as { width: number; scale: number };
      return { ...base, type: 'fixed', precision: decimal.width, scale: decimal.scale };
    }
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return { ...base, type: 'real' };
    case DuckDBTypeId.DATE:
      return { ...base, type: 'date' };
    case DuckDBTypeId.TIME:
      return { ...base, type: 'time', scale: 9 };
    case DuckDBTypeId.TIMESTAMP:
      return { ...base, type: 'timestamp_ntz', scale: 9 };
    case DuckDBTypeId.TIMESTAMP_TZ:
      return { ...base, type: 'timestamp_ltz', scale: 9 };
    case DuckDBTypeId.BLOB:
      return { ...base, type: 'binary', length: 8388608, byteLength: 8388608 };
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return { ...base, type: 'array' };
    case DuckDBTypeId.STRUCT:
    case DuckDBTypeId.MAP:
      return { ...base, type: 'object' };
    case DuckDBTypeId.VARCHAR:
      if (type.alias === 'JSON') return { ...base, type: 'variant' };
      return { ...base, type: 'text', length: 16777216, byteLength: 16777216 };
    default:
      return { ...base, type: 'text', length: 16777216, byteLength: 16777216 };
  }
}

/** Exact decimal seconds from a count of microseconds, as Snowflake sends time values (scale 9). */
function secondsFromMicros(micros: bigint): string {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  return `${negative ? '-' : ''}${abs / 1_000_000n}.${(abs % 1_000_000n).toString().padStart(6, '0')}000`;
}

function encodeValue(value: DuckDBValue, type: DuckDBType): string | null {
  if (value === null || value === undefined) return null;
  if (isNested(type)) return semiStructuredText(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : value === Infinity ? 'inf' : value === -Infinity ? '-inf' : String(value);
  if (typeof value === 'string') return value;
  if (value instanceof DuckDBDecimalValue) return value.toString();
  if (value instanceof DuckDBDateValue) return String(value.days);
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue || value instanceof DuckDBTimeValue) return secondsFromMicros(value.micros);
  if (value instanceof DuckDBBlobValue) return Buffer.from(value.bytes).toString('hex');
  return String(value);
}

/**
 * ARRAY and OBJECT values as Snowflake writes them: JSON text with numbers as their exact digits
 * (DuckDB's own JSON form quotes 64-bit integers) and NaN/Infinity unquoted, as Snowflake prints
 * non-finite doubles inside a VARIANT. Other scalars are quoted text.
 */
function semiStructuredText(value: DuckDBValue): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : value === Infinity ? 'Infinity' : value === -Infinity ? '-Infinity' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof DuckDBDecimalValue) return value.toString();
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue) return `[${value.items.map(semiStructuredText).join(',')}]`;
  if (value instanceof DuckDBStructValue) return `{${Object.entries(value.entries).map(([k, v]) => `${JSON.stringify(k)}:${semiStructuredText(v)}`).join(',')}}`;
  if (value instanceof DuckDBMapValue) return `{${value.entries.map((e) => `${JSON.stringify(String(e.key))}:${semiStructuredText(e.value)}`).join(',')}}`;
  return JSON.stringify(String(value));
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function json(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function fetchStatus(url: string): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
