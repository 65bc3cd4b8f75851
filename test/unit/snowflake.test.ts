// The Snowflake connector through the unmodified snowflake-sdk, against the loopback emulator
// (HTTP on 127.0.0.1, SQL in a real DuckDB): the four sign-in paths, typed and bound queries,
// chunked results, caps, Stop and timeouts that really stop the engine, the parameters every
// statement carries, the catalog, EXPLAIN, and that no secret or log file escapes.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConnectorError, QueryCancelledError, QueryTimeoutError, readAll } from '../../src/core/connectors/connector';
import { leadingKind, snowflakeOptionsFromUrl, SnowflakeConnector, type SnowflakeConnectionOptions } from '../../src/core/connectors/snowflake';
import { SnowflakeEmulator } from '../support/snowflakeEmulator';
import { makeTempDir, removeDir } from '../support/tempDirs';

// The driver honours proxy variables; the emulator is on this machine.
process.env.NO_PROXY = ['127.0.0.1', 'localhost', process.env.NO_PROXY].filter(Boolean).join(',');
process.env.no_proxy = process.env.NO_PROXY;

const ACCOUNT = 'TESTACCT';
const PASSWORD = 'correct horse battery staple';
const WRONG_PASSWORD = 'Tr0ub4dor&3-wrong';
const PASSPHRASE = 'pass phrase for the key';
const WRONG_PASSPHRASE = 'not the pass phrase';
const OAUTH_TOKEN = 'oauth-access-7f3a9c2b51e8d4';
const BAD_OAUTH_TOKEN = 'oauth-access-expired-000111';
const NUMBERS = 25_000;
const CHUNK_ROWS = 1000;
const ORDERS = 500;
const PARTITION_ROWS = 100;
/** Never finishes on its own: 25,000^3 rows. */
const ENDLESS_SQL = 'SELECT SUM(a.N + b.N + c.N) AS S FROM NUMBERS a, NUMBERS b, NUMBERS c';

function encryptedKeyPair() {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE },
  });
}
const REGISTERED_KEY = encryptedKeyPair();
const OTHER_KEY = encryptedKeyPair();

const SECRETS = [PASSWORD, WRONG_PASSWORD, PASSPHRASE, WRONG_PASSPHRASE, OAUTH_TOKEN, BAD_OAUTH_TOKEN, REGISTERED_KEY.privateKey, OTHER_KEY.privateKey];
/** A secret shows up whole or as any 24-character piece of a key. */
function leakedSecret(text: string): string | undefined {
  for (const secret of SECRETS) {
    if (text.includes(secret)) return secret.slice(0, 12);
    if (secret.includes('PRIVATE KEY')) {
      const body = secret.split('\n').filter((l) => !l.startsWith('-----')).join('');
      for (let i = 0; i + 24 <= body.length; i += 24) if (text.includes(body.slice(i, i + 24))) return 'a piece of a private key';
    }
  }
  return undefined;
}

describe('SnowflakeConnector against the emulator', () => {
  let emulator: SnowflakeEmulator;
  let db: SnowflakeConnector;
  let workDir: string;
  let originalCwd: string;
  let hadLogFileBefore: boolean;
  const logs: string[] = [];
  const errorTexts: string[] = [];
  const opened: SnowflakeConnector[] = [];

  function options(extra: Partial<SnowflakeConnectionOptions> = {}): SnowflakeConnectionOptions {
    return {
      account: ACCOUNT,
      username: 'analyst',
      authentication: { kind: 'password', password: PASSWORD },
      accessUrl: emulator.url,
      database: 'ANALYTICS',
      schema: 'PUBLIC',
      warehouse: 'ANALYTICS_WH',
      role: 'ANALYST_ROLE',
      runId: 'run-42',
      onLog: (level, message) => logs.push(`${level} ${message}`),
      driverLogLevel: 'TRACE',
      maxLoginRetries: 0,
      ...extra,
    };
  }

  async function open(extra: Partial<SnowflakeConnectionOptions> = {}): Promise<SnowflakeConnector> {
    const connector = await SnowflakeConnector.open(options(extra));
    opened.push(connector);
    return connector;
  }

  /** Awaits a failure and keeps its text for the secret check. */
  async function failure<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
    const error = await promise.then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    errorTexts.push(`${error.message} ${(error as ConnectorError).hint ?? ''}`);
    return error;
  }

  async function rows(sql: string, extra: Parameters<SnowflakeConnector['query']>[1] = {}) {
    return readAll(await db.query(sql, extra));
  }

  before(async () => {
    originalCwd = process.cwd();
    hadLogFileBefore = existsSync(join(originalCwd, 'snowflake.log'));
    workDir = makeTempDir('snowflake');
    // The driver's default log file would land in the working folder: run from an empty one.
    process.chdir(workDir);
    emulator = await SnowflakeEmulator.start({
      account: ACCOUNT,
      databases: ['ANALYTICS'],
      chunkRows: CHUNK_ROWS,
      partitionRows: PARTITION_ROWS,
      users: [
        { name: 'ANALYST', password: PASSWORD, publicKey: REGISTERED_KEY.publicKey, oauthTokens: [OAUTH_TOKEN], sso: true },
        { name: 'NOSSO', password: PASSWORD },
      ],
      setup: [
        // Foreign keys must be declared from inside their database.
        `USE ANALYTICS.PUBLIC`,
        `CREATE TABLE ANALYTICS.PUBLIC.CUSTOMERS (CUSTOMER_ID INTEGER PRIMARY KEY, NAME VARCHAR NOT NULL, SIGNUP_DATE DATE, IS_ACTIVE BOOLEAN, PROFILE JSON)`,
        `COMMENT ON TABLE ANALYTICS.PUBLIC.CUSTOMERS IS 'One row per customer'`,
        `COMMENT ON COLUMN ANALYTICS.PUBLIC.CUSTOMERS.NAME IS 'Full name'`,
        `INSERT INTO ANALYTICS.PUBLIC.CUSTOMERS VALUES
           (1, 'Ada', DATE '2024-01-05', true, '{"tier":"gold"}'),
           (2, 'Grace', DATE '2024-02-29', false, '{"tier":"silver","tags":["a","b"]}'),
           (3, 'Linus', NULL, true, NULL)`,
        `CREATE TABLE ANALYTICS.PUBLIC.ORDERS (ORDER_ID BIGINT PRIMARY KEY, CUSTOMER_ID INTEGER NOT NULL REFERENCES CUSTOMERS (CUSTOMER_ID),
           AMOUNT DECIMAL(10,2), WEIGHT DOUBLE, ORDERED_AT TIMESTAMP, NOTE VARCHAR)`,
        `INSERT INTO ANALYTICS.PUBLIC.ORDERS SELECT range, 1 + range % 3, (range * 1.25)::DECIMAL(10,2), range / 4.0,
           TIMESTAMP '2024-03-01 08:00:00.250' + range * INTERVAL 1 HOUR, 'note ' || range FROM range(1, ${ORDERS + 1})`,
        `CREATE TABLE ANALYTICS.PUBLIC.NUMBERS AS SELECT range AS N FROM range(${NUMBERS})`,
        `CREATE SCHEMA ANALYTICS.SALES`,
        ...['T01', 'T02', 'T03', 'T04', 'T05'].map((t) => `CREATE TABLE ANALYTICS.SALES.${t} (ID INTEGER)`),
        `CREATE VIEW ANALYTICS.SALES.V_BIG_ORDERS AS SELECT * FROM ANALYTICS.PUBLIC.ORDERS WHERE AMOUNT > 100`,
      ],
    });
    db = await open();
  });

  after(async () => {
    for (const connector of opened) await connector.close().catch(() => undefined);
    await emulator?.close();
    process.chdir(originalCwd);
    removeDir(workDir);
  });

  describe('sign-in', () => {
    // Password: the session gets the warehouse, role, database and schema, and the query tag.
    test('password sign-in opens a session with the requested context', async () => {
      const { rows: result } = await rows('SELECT CURRENT_ROLE(), CURRENT_WAREHOUSE(), CURRENT_USER(), CURRENT_DATABASE(), CURRENT_SCHEMA()');
      assert.deepEqual(result, [['ANALYST_ROLE', 'ANALYTICS_WH', 'ANALYST', 'ANALYTICS', 'PUBLIC']]);
      const login = emulator.logins.find((l) => l.ok && l.authenticator === 'SNOWFLAKE');
      assert.ok(login, 'the emulator saw a password login');
      assert.equal((login.body.SESSION_PARAMETERS as Record<string, unknown>).QUERY_TAG, 'pipewright/run-42');
      // Platform detection is off: the driver reports it rather than probing cloud metadata.
      assert.deepEqual((login.body.CLIENT_ENVIRONMENT as Record<string, unknown>).PLATFORM, ['disabled']);
    });

    test('a wrong password is a clear ConnectorError without the password', async () => {
      const error = await failure(open({ authentication: { kind: 'password', password: WRONG_PASSWORD } }), ConnectorError);
      assert.match(error.message, /refused the login of analyst/);
      assert.match(error.message, /390100/);
      assert.match(error.hint ?? '', /user name and password/);
      assert.ok(!error.message.includes(WRONG_PASSWORD));
      assert.equal(emulator.logins.at(-1)?.ok, false);
    });

    // Key pair: an encrypted PKCS#8 key; the emulator verifies the RS256 signature with the registered public key.
    test('key-pair sign-in with an encrypted PKCS#8 key', async () => {
      const connector = await open({ authentication: { kind: 'keypair', privateKey: REGISTERED_KEY.privateKey, passphrase: PASSPHRASE } });
      const { rows: result } = await readAll(await connector.query('SELECT CURRENT_USER()'));
      assert.deepEqual(result, [['ANALYST']]);
      const login = emulator.logins.at(-1)!;
      assert.equal(login.authenticator, 'SNOWFLAKE_JWT');
      assert.equal(login.ok, true);
      assert.equal(String(login.body.TOKEN).split('.').length, 3, 'a JWT went over the wire');
    });

    test('a key that is not registered is refused, and nothing of the key leaks', async () => {
      const error = await failure(open({ authentication: { kind: 'keypair', privateKey: OTHER_KEY.privateKey, passphrase: PASSPHRASE } }), ConnectorError);
      assert.match(error.message, /390144/);
      assert.match(error.hint ?? '', /public key/);
      assert.equal(emulator.logins.at(-1)?.code, '390144');
    });

    test('a wrong passphrase is reported as an unreadable key, without the passphrase', async () => {
      const error = await failure(open({ authentication: { kind: 'keypair', privateKey: REGISTERED_KEY.privateKey, passphrase: WRONG_PASSPHRASE } }), ConnectorError);
      assert.match(error.message, /private key/i);
      assert.ok(!error.message.includes(WRONG_PASSPHRASE));
    });

    test('OAuth token sign-in, and a bad token refused', async () => {
      const connector = await open({ authentication: { kind: 'oauth', token: OAUTH_TOKEN } });
      assert.deepEqual((await readAll(await connector.query('SELECT 1 AS ONE'))).rows, [[1]]);
      assert.equal(emulator.logins.at(-1)?.authenticator, 'OAUTH');
      const error = await failure(open({ authentication: { kind: 'oauth', token: BAD_OAUTH_TOKEN } }), ConnectorError);
      assert.match(error.message, /390303/);
      assert.ok(!error.message.includes(BAD_OAUTH_TOKEN));
    });

    // Browser SSO: the driver opens the console login page (through our opener), the emulated
    // identity provider redirects back to the driver's local port with a token, and the login
    // proves it holds the proof key that page was opened with.
    test('external-browser SSO through the proof-key flow', async () => {
      const visits = emulator.browserVisits.length;
      const connector = await open({ authentication: { kind: 'externalbrowser', openBrowser: emulator.browser, consoleLogin: true, timeoutMs: 15_000 } });
      assert.deepEqual((await readAll(await connector.query('SELECT CURRENT_USER()'))).rows, [['ANALYST']]);
      const visited = new URL(emulator.browserVisits[visits]);
      assert.equal(visited.pathname, '/console/login');
      assert.equal(visited.searchParams.get('login_name'), 'analyst');
      const login = emulator.logins.at(-1)!;
      assert.equal(login.authenticator, 'EXTERNALBROWSER');
      assert.equal(login.ok, true);
      assert.equal(login.body.PROOF_KEY, visited.searchParams.get('proof_key'));
    });

    test('SSO refused by the identity provider ends the sign-in with a clear error', async () => {
      const error = await failure(
        open({ username: 'nosso', authentication: { kind: 'externalbrowser', openBrowser: emulator.browser, consoleLogin: true, timeoutMs: 15_000 } }),
        ConnectorError,
      );
      assert.match(error.message, /Browser sign-in for nosso/);
    });
  });

  describe('queries', () => {
    test('rows come typed with Snowflake type names', async () => {
      const stream = await db.query(
        `SELECT 42 AS I, 1.5::FLOAT AS F, 'x' AS S, TRUE AS B, '2024-02-29'::DATE AS D,
                '2024-02-29 13:14:15.123'::TIMESTAMP_NTZ AS TS, PARSE_JSON('{"a":[1,2],"b":null}') AS V,
                12.30::NUMBER(10,2) AS DEC, 9007199254740993 AS BIG, NULL AS NOTHING`,
      );
      assert.deepEqual(
        stream.columns.map((c) => [c.name, c.type]),
        [
          ['I', 'NUMBER(38,0)'],
          ['F', 'FLOAT'],
          ['S', 'VARCHAR'],
          ['B', 'BOOLEAN'],
          ['D', 'DATE'],
          ['TS', 'TIMESTAMP_NTZ'],
          ['V', 'VARIANT'],
          ['DEC', 'NUMBER(10,2)'],
          ['BIG', 'NUMBER(38,0)'],
          ['NOTHING', 'NUMBER(38,0)'],
        ],
      );
      const { rows: result } = await readAll(stream);
      // Integers are numbers when exact, decimals and big integers stay exact text.
      assert.deepEqual(result, [[42, 1.5, 'x', true, '2024-02-29', '2024-02-29 13:14:15.123', { a: [1, 2], b: null }, '12.30', '9007199254740993', null]]);
    });

    test('table rows: dates, timestamps, booleans, VARIANT and NULLs', async () => {
      const { columns, rows: result } = await rows('SELECT CUSTOMER_ID, NAME, SIGNUP_DATE, IS_ACTIVE, PROFILE FROM CUSTOMERS ORDER BY CUSTOMER_ID');
      assert.deepEqual(columns.map((c) => c.type), ['NUMBER(38,0)', 'VARCHAR', 'DATE', 'BOOLEAN', 'VARIANT']);
      assert.deepEqual(result, [
        [1, 'Ada', '2024-01-05', true, { tier: 'gold' }],
        [2, 'Grace', '2024-02-29', false, { tier: 'silver', tags: ['a', 'b'] }],
        [3, 'Linus', null, true, null],
      ]);
      const { rows: orders } = await rows('SELECT AMOUNT, WEIGHT, ORDERED_AT FROM ORDERS WHERE ORDER_ID = 3');
      assert.deepEqual(orders, [['3.75', 0.75, '2024-03-01 11:00:00.250']]);
    });

    test('binds travel as binds, never spliced into the text', async () => {
      const { rows: echoed } = await rows('SELECT ? AS A, ? AS B, ? AS C, ? AS D, ? AS E', { binds: [7, "it's", true, null, 2.5] });
      assert.deepEqual(echoed, [[7, "it's", true, null, 2.5]]);
      const sent = emulator.queries.at(-1)!;
      assert.equal(sent.sqlText, 'SELECT ? AS A, ? AS B, ? AS C, ? AS D, ? AS E');
      assert.deepEqual(Object.values(sent.bindings ?? {}).map((b) => b.type), ['FIXED', 'TEXT', 'BOOLEAN', 'TEXT', 'REAL']);
      assert.deepEqual((await rows('SELECT NAME FROM CUSTOMERS WHERE CUSTOMER_ID = ? AND IS_ACTIVE = ?', { binds: [1, true] })).rows, [['Ada']]);
      // A classic injection string is just a value that matches nothing.
      assert.deepEqual((await rows('SELECT COUNT(*) FROM CUSTOMERS WHERE NAME = ?', { binds: ["x' OR '1'='1"] })).rows, [[0]]);
    });

    // 25 chunks: the inline rowset plus 24 the driver downloads (with the chunk headers the result named).
    test('a result larger than one chunk streams every chunk, in order', async () => {
      const stream = await db.query('SELECT N FROM NUMBERS ORDER BY N');
      let batches = 0;
      let expected = 0;
      for await (const batch of stream.batches()) {
        batches++;
        for (const row of batch) assert.equal(row[0], expected++);
      }
      assert.equal(expected, NUMBERS);
      assert.equal(stream.rowCount, NUMBERS);
      assert.equal(stream.truncated, false);
      assert.ok(batches > 1);
      const sent = emulator.queries.at(-1)!;
      assert.equal(sent.chunkCount, NUMBERS / CHUNK_ROWS - 1);
      assert.equal(sent.chunkDownloads, sent.chunkCount);
    });

    test('maxRows caps the preview, marks it truncated, and skips the chunks it does not need', async () => {
      const result = await rows('SELECT N FROM NUMBERS ORDER BY N', { maxRows: CHUNK_ROWS + 500 });
      assert.equal(result.rows.length, CHUNK_ROWS + 500);
      assert.equal(result.truncated, true);
      assert.deepEqual(result.rows.at(-1), [CHUNK_ROWS + 499]);
      assert.equal(emulator.queries.at(-1)!.chunkDownloads, 1);
      const exact = await rows('SELECT N FROM NUMBERS WHERE N < 10', { maxRows: 10 });
      assert.equal(exact.rows.length, 10);
      assert.equal(exact.truncated, false);
    });

    test('Stop while reading a chunked result ends the stream without fetching the rest', async () => {
      const controller = new AbortController();
      const stream = await db.query('SELECT N FROM NUMBERS ORDER BY N', { signal: controller.signal });
      let read = 0;
      await assert.rejects(async () => {
        for await (const batch of stream.batches()) {
          read += batch.length;
          controller.abort();
        }
      }, QueryCancelledError);
      assert.ok(read > 0 && read < NUMBERS, `read ${read} rows`);
      const sent = emulator.queries.at(-1)!;
      assert.ok(sent.chunkDownloads < sent.chunkCount / 2, `downloaded ${sent.chunkDownloads} of ${sent.chunkCount} chunks`);
    });

    // Every statement, including the connector's own catalog queries, carries the three parameters.
    test('QUERY_TAG, STATEMENT_TIMEOUT_IN_SECONDS and MULTI_STATEMENT_COUNT=1 on every statement', async () => {
      await rows('SELECT 1', { timeoutMs: 4500 });
      const mine = emulator.queries.filter((q) => q.sessionId === emulator.sessions[0].id);
      assert.ok(mine.length > 5);
      for (const q of mine) {
        assert.equal(q.statementParameters.QUERY_TAG, 'pipewright/run-42', q.sqlText);
        assert.equal(q.statementParameters.MULTI_STATEMENT_COUNT, 1, q.sqlText);
        assert.ok(Number(q.statementParameters.STATEMENT_TIMEOUT_IN_SECONDS) > 0, q.sqlText);
      }
      assert.equal(mine.at(-1)!.statementParameters.STATEMENT_TIMEOUT_IN_SECONDS, 5, 'a query timeout rounds up to whole seconds');
      const requests = emulator.requests.filter((r) => r.path === '/queries/v1/query-request');
      assert.ok(requests.every((r) => /^Snowflake Token="ST-[0-9a-f]+"$/.test(String(r.headers.authorization))), 'every query request carries a session token');
      assert.equal(mine.at(-2)!.statementParameters.STATEMENT_TIMEOUT_IN_SECONDS, 300, 'the connection default otherwise');
    });

    // The server counts statements: the smuggled CREATE never runs.
    test('a multi-statement text is refused and its second statement never runs', async () => {
      const error = await failure(db.query('SELECT 1; CREATE TABLE ANALYTICS.PUBLIC.SMUGGLED (X INTEGER)'), ConnectorError);
      assert.match(error.message, /exactly one SQL statement, got 2/);
      assert.equal(emulator.queries.at(-1)!.errorCode, '000008');
      assert.deepEqual(await emulator.duck(`SELECT count(*) FROM duckdb_tables() WHERE table_name = 'SMUGGLED'`), [['0']]);
    });

    test('SQL errors carry the Snowflake code and a hint', async () => {
      const error = await failure(db.query('SELECT * FROM NO_SUCH_TABLE'), ConnectorError);
      assert.match(error.message, /does not exist or not authorized/);
      assert.match(error.message, /002003/);
      assert.match(error.hint ?? '', /list_tables/);
    });

    test('PUT and GET are refused before the driver can touch local files', async () => {
      const before = emulator.queries.length;
      await failure(db.query("PUT file:///etc/passwd @~/staged"), ConnectorError);
      await failure(db.query("  get @~/staged file:///tmp/"), ConnectorError);
      assert.equal(emulator.queries.length, before);
    });

    test('an expired session token is renewed with the master token', async () => {
      emulator.expireSessionTokens();
      assert.deepEqual((await rows('SELECT 2 AS TWO')).rows, [[2]]);
      assert.ok(emulator.requests.some((r) => r.path === '/session/token-request'));
    });
  });

  describe('stop and timeouts', () => {
    // Stop before the server has answered at all: the abort names the request id.
    test('Stop right away aborts by request id and DuckDB stops', async () => {
      const controller = new AbortController();
      const started = Date.now();
      // As soon as the statement itself (not its describe-only compile) reaches the server.
      void emulator.waitFor(() => emulator.queries.some((q) => q.sqlText === ENDLESS_SQL && q.executingAt !== undefined && q.state === 'running')).then(() => controller.abort());
      await failure(db.query(ENDLESS_SQL, { signal: controller.signal }), QueryCancelledError);
      assert.ok(Date.now() - started < 3000, 'the caller is released promptly');
      const query = emulator.queriesMatching(/NUMBERS c/).at(-1)!;
      const abort = emulator.aborts.find((a) => a.requestId === query.requestId)!;
      assert.ok(abort, 'the emulator received an abort for this request');
      assert.equal(abort.path, '/queries/v1/abort-request');
      assert.equal(query.state, 'cancelled');
      assert.equal(query.interrupted, true, 'DuckDB reported the query as interrupted');
      assert.ok(query.engineSettledAt! - abort.at < 1000, `the engine stopped ${query.engineSettledAt! - abort.at} ms after the abort`);
    });

    // Stop after the server said "still running": the abort names the query id.
    test('Stop during polling aborts by query id and DuckDB stops', async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 900);
      await failure(db.query(ENDLESS_SQL, { signal: controller.signal }), QueryCancelledError);
      const query = emulator.queriesMatching(/NUMBERS c/).at(-1)!;
      assert.ok(query.pendingAnswers >= 1, 'the driver was polling for the result');
      const abort = emulator.aborts.find((a) => a.queryId === query.id)!;
      assert.equal(abort.path, `/queries/${query.id}/abort-request`);
      assert.equal(query.state, 'cancelled');
      assert.equal(query.interrupted, true);
      assert.ok(query.engineSettledAt! - abort.at < 1000);
    });

    test('an already-aborted signal sends nothing', async () => {
      const before = emulator.queries.length;
      await failure(db.query('SELECT 1', { signal: AbortSignal.abort() }), QueryCancelledError);
      assert.equal(emulator.queries.length, before);
    });

    test('timeoutMs stops the query on the server', async () => {
      const started = Date.now();
      const error = await failure(db.query(ENDLESS_SQL, { timeoutMs: 1200 }), QueryTimeoutError);
      assert.match(error.message, /ran longer than 1 s/);
      assert.ok(Date.now() - started < 4000);
      const query = emulator.queriesMatching(/NUMBERS c/).at(-1)!;
      assert.equal(query.statementParameters.STATEMENT_TIMEOUT_IN_SECONDS, 2);
      assert.ok(emulator.aborts.some((a) => a.queryId === query.id || a.requestId === query.requestId), 'our own deadline sent an abort');
      assert.equal(query.interrupted, true);
    });

    // Without a client deadline, the session's STATEMENT_TIMEOUT_IN_SECONDS ends it on the server (000630).
    test('the server-side statement timeout ends a query as a timeout', async () => {
      const short = await open({ statementTimeoutSeconds: 1 });
      const error = await failure(short.query(ENDLESS_SQL), QueryTimeoutError);
      assert.match(error.message, /1 s/);
      const query = emulator.queriesMatching(/NUMBERS c/).at(-1)!;
      assert.equal(query.state, 'timed out');
      assert.equal(query.errorCode, '000630');
      assert.equal(query.interrupted, true);
    });
  });

  describe('catalog, EXPLAIN and statement shape', () => {
    test('listTables pages through every table and view, skipping INFORMATION_SCHEMA', async () => {
      const expected = (await emulator.duck(
        `SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'ANALYTICS'
         UNION ALL SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = 'ANALYTICS' AND NOT internal
         ORDER BY 1, 2`,
      )) as string[][];
      const seen: string[][] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await db.listTables({ pageSize: 3, pageToken: token });
        assert.ok(page.items.length <= 3);
        seen.push(...page.items.map((t) => [t.schema, t.name]));
        token = page.next;
        pages++;
      } while (token);
      assert.deepEqual(seen, expected);
      assert.equal(pages, Math.ceil(expected.length / 3));
      const all = (await db.listTables()).items;
      const orders = all.find((t) => t.name === 'ORDERS')!;
      assert.equal(orders.rowEstimate, ORDERS);
      assert.equal(orders.database, 'ANALYTICS');
      assert.equal(all.find((t) => t.name === 'CUSTOMERS')!.comment, 'One row per customer');
      assert.equal(all.find((t) => t.name === 'V_BIG_ORDERS')!.kind, 'view');
      assert.ok(all.every((t) => t.schema !== 'INFORMATION_SCHEMA'));
      const sales = (await db.listTables({ schema: 'SALES' })).items;
      assert.deepEqual(sales.map((t) => t.name), ['T01', 'T02', 'T03', 'T04', 'T05', 'V_BIG_ORDERS']);
      await failure(db.listTables({ pageToken: 'not-a-token' }), ConnectorError);
    });

    test('describeTable gives columns with types, nullability, comments and keys', async () => {
      const orders = await db.describeTable({ name: 'ORDERS' });
      assert.deepEqual(
        orders.columns.map((c) => [c.name, c.type, c.nullable]),
        [
          ['ORDER_ID', 'NUMBER(38,0)', false],
          ['CUSTOMER_ID', 'NUMBER(38,0)', false],
          ['AMOUNT', 'NUMBER(10,2)', true],
          ['WEIGHT', 'FLOAT', true],
          ['ORDERED_AT', 'TIMESTAMP_NTZ', true],
          ['NOTE', 'VARCHAR', true],
        ],
      );
      assert.deepEqual(orders.primaryKey, ['ORDER_ID']);
      assert.deepEqual(orders.foreignKeys, [{ columns: ['CUSTOMER_ID'], references: { table: 'CUSTOMERS', columns: ['CUSTOMER_ID'] } }]);
      // Unquoted names are case-insensitive, as in Snowflake.
      const customers = await db.describeTable({ schema: 'public', name: 'customers' });
      assert.equal(customers.name, 'CUSTOMERS');
      assert.equal(customers.comment, 'One row per customer');
      assert.equal(customers.columns.find((c) => c.name === 'NAME')!.comment, 'Full name');
      assert.equal(customers.columns.find((c) => c.name === 'PROFILE')!.type, 'VARIANT');
      const view = await db.describeTable({ schema: 'SALES', name: 'V_BIG_ORDERS' });
      assert.equal(view.kind, 'view');
      assert.deepEqual(view.primaryKey, []);
      await failure(db.describeTable({ name: 'NOPE' }), ConnectorError);
      // A database typed in lower case is the upper-case one, as unquoted names are in Snowflake.
      assert.equal((await db.describeTable({ database: 'analytics', schema: 'public', name: 'orders' })).database, 'ANALYTICS');
      const missing = await failure(db.describeTable({ database: 'NOPE_DB', name: 'ORDERS' }), ConnectorError);
      assert.match(missing.message, /002003/);
    });

    test('EXPLAIN USING JSON reports partitions and bytes of the tables read', async () => {
      const single = await db.explain('SELECT * FROM ORDERS WHERE AMOUNT > 10;');
      assert.equal(single.partitionsTotal, Math.ceil(ORDERS / PARTITION_ROWS));
      assert.equal(single.partitionsAssigned, single.partitionsTotal);
      assert.ok((single.bytesAssigned ?? 0) > 0);
      assert.equal(single.estimatedRows, null, 'Snowflake gives no row estimate');
      assert.match(single.plan, /"objects":\["ANALYTICS\.PUBLIC\.ORDERS"\]/);
      const join = await db.explain('SELECT c.NAME, SUM(o.AMOUNT) FROM ORDERS o JOIN CUSTOMERS c ON o.CUSTOMER_ID = c.CUSTOMER_ID GROUP BY 1');
      assert.equal(join.partitionsTotal, Math.ceil(ORDERS / PARTITION_ROWS) + 1);
      assert.match(emulator.queries.at(-1)!.sqlText, /^EXPLAIN USING JSON SELECT/);
      await failure(db.explain('SELECT 1; DROP TABLE ORDERS'), ConnectorError);
      assert.deepEqual(await emulator.duck(`SELECT count(*) FROM ANALYTICS.PUBLIC.ORDERS`), [[String(ORDERS)]]);
    });

    test('describeStatement compiles on the server without running anything', async () => {
      assert.deepEqual(await db.describeStatement('select * from ORDERS'), { count: 1, kind: 'select' });
      assert.deepEqual(await db.describeStatement('-- top\nWITH x AS (SELECT 1 AS A) SELECT * FROM x'), { count: 1, kind: 'select' });
      assert.deepEqual(await db.describeStatement(`INSERT INTO CUSTOMERS VALUES (99, 'Eve', NULL, NULL, NULL)`), { count: 1, kind: 'insert' });
      assert.equal(emulator.queries.at(-1)!.describeOnly, true);
      assert.deepEqual(await db.describeStatement('SELECT 1; DROP TABLE ORDERS'), { count: 2, kind: 'select' });
      assert.deepEqual(await db.describeStatement('  -- nothing\n'), { count: 0, kind: 'empty' });
      assert.deepEqual(await emulator.duck(`SELECT count(*) FROM ANALYTICS.PUBLIC.CUSTOMERS WHERE CUSTOMER_ID = 99`), [['0']]);
      assert.deepEqual(await emulator.duck(`SELECT count(*) FROM ANALYTICS.PUBLIC.ORDERS`), [[String(ORDERS)]]);
      await failure(db.describeStatement('SELEC oops'), ConnectorError);
    });

    test('leadingKind reads past comments, quotes and CTEs', () => {
      assert.equal(leadingKind('/* a; b */ update T set X = 1'), 'update');
      assert.equal(leadingKind('// c\n(SELECT 1)'), 'select');
      assert.equal(leadingKind(`WITH "q;x" AS (SELECT ';' AS s) DELETE FROM T`), 'delete');
      assert.equal(leadingKind(';;'), 'empty');
    });
  });

  describe('connection URL', () => {
    test('snowflake:// URLs take credentials from the environment only', () => {
      const parsed = snowflakeOptionsFromUrl('snowflake://analyst@myorg-acct/ANALYTICS/PUBLIC?warehouse=WH&role=R', { SNOWFLAKE_PASSWORD: PASSWORD });
      assert.equal(parsed.account, 'myorg-acct');
      assert.equal(parsed.username, 'analyst');
      assert.equal(parsed.database, 'ANALYTICS');
      assert.equal(parsed.schema, 'PUBLIC');
      assert.equal(parsed.warehouse, 'WH');
      assert.equal(parsed.role, 'R');
      assert.deepEqual(parsed.authentication, { kind: 'password', password: PASSWORD });
      const oauth = snowflakeOptionsFromUrl('snowflake://myorg-acct/DB?authenticator=oauth', { SNOWFLAKE_USER: 'u', SNOWFLAKE_TOKEN: OAUTH_TOKEN });
      assert.deepEqual(oauth.authentication, { kind: 'oauth', token: OAUTH_TOKEN });
      assert.equal(snowflakeOptionsFromUrl('snowflake://u@acct?authenticator=externalbrowser', {}).authentication.kind, 'externalbrowser');
      assert.throws(() => snowflakeOptionsFromUrl('snowflake://u@acct', {}), ConnectorError, 'no credential: a clear error, not a browser window');
      assert.throws(() => snowflakeOptionsFromUrl(`snowflake://u:${PASSWORD}@acct`, {}), (e: Error) => e instanceof ConnectorError && !e.message.includes(PASSWORD));
      assert.throws(() => snowflakeOptionsFromUrl('snowflake://u@acct?accessUrl=https://evil.example.com', { SNOWFLAKE_PASSWORD: PASSWORD }), ConnectorError);
      assert.equal(snowflakeOptionsFromUrl(`snowflake://u@acct?accessUrl=${emulator.url}`, { SNOWFLAKE_PASSWORD: PASSWORD }).accessUrl, emulator.url);
    });
  });

  describe('what leaves the connector', () => {
    test('closing ends the server session', async () => {
      const connector = await open();
      const session = emulator.sessions.at(-1)!;
      await connector.close();
      assert.equal(session.closed, true);
      await failure(connector.query('SELECT 1'), ConnectorError);
    });

    test('the driver sent no telemetry', () => {
      assert.deepEqual(emulator.telemetry, []);
    });

    test('the driver log went to our sink, not to snowflake.log in the working folder', () => {
      assert.ok(logs.some((line) => line.includes('snowflake-sdk:')), 'driver lines reached the sink');
      assert.deepEqual(readdirSync(workDir), []);
      assert.equal(existsSync(join(originalCwd, 'snowflake.log')), hadLogFileBefore);
    });

    // A secret the driver itself printed (e.g. inside an error it logs) is masked before our sink sees it.
    test('secrets in a driver log line are masked on the way to the sink', async () => {
      const driverLog = await import('snowflake-sdk/dist/lib/logger.js');
      driverLog.getInstance().warn('the driver printed %s and %s', PASSWORD, OAUTH_TOKEN);
      assert.ok(logs.some((line) => line.includes('the driver printed *** and ***')), 'the line arrived, masked');
    });

    test('no secret appears in any error message or driver log line', () => {
      assert.ok(errorTexts.length >= 10, `errors collected: ${errorTexts.length}`);
      for (const text of [...errorTexts, ...logs]) assert.equal(leakedSecret(text), undefined, `leak in: ${text.slice(0, 200)}`);
    });
  });
});
