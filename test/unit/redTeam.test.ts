// Red team (issue #8, after the merge): holes found in the guards by inputs no test names. Each
// test asserts the SAFE behaviour, so it FAILS on the code as merged; a fix at the mechanism
// makes it pass. Every attack is first shown to do what it means on the real engine (DuckDB,
// PostgreSQL) or the real tool path (policy gate + read_file/write_file in a real git repo), so the
// failure is the guard's, not the example's.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as duck from '@duckdb/node-api';
import { DuckDBConnector } from '../../src/core/connectors/duckdb';
import { PostgresConnector } from '../../src/core/connectors/postgres';
import type { ApprovalRequest, ConnectionSummary } from '../../src/core/observability/events';
import { authorize, DEFAULT_POLICY, PolicySession, type GateResult } from '../../src/core/policy/gate';
import { checkSql, type SqlDialect } from '../../src/core/sql/guardrail';
import { readFileTool, writeFileTool } from '../../src/core/tools/fileTools';
import { runSqlTool } from '../../src/core/tools/warehouseTools';
import { renderForModel, ToolError } from '../../src/core/tools/tool';
import { startPostgres, type TestPostgres } from '../support/postgresServer';
import { makeTempDir, removeDir } from '../support/tempDirs';

// ---------------------------------------------------------------------------------------------
// 1. SQL guardrail: a DELETE whose WHERE can never be false (for any row with a value) must need
//    typed confirmation. Each statement below removes every row of `t` on the real engine, yet the
//    guardrail rates it `approve` (one click) because the analysis takes it as bounded.
// ---------------------------------------------------------------------------------------------

/** Rows left in a fresh `t` (ids 1..5, no NULLs) after running `sql` on a real in-memory DuckDB. */
async function duckdbRowsLeft(sql: string): Promise<number> {
  const instance = await duck.DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  try {
    await c.run(`CREATE TABLE t AS SELECT range::INTEGER AS id, 'v' || range AS x FROM range(1, 6)`);
    await c.run(sql);
    const reader = await c.runAndReadAll('SELECT count(*)::INTEGER FROM t');
    return Number(reader.getRows()[0][0]);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

async function assertNeedsConfirm(dialect: SqlDialect, sql: string): Promise<void> {
  const verdict = await checkSql(dialect, sql);
  assert.equal(verdict.decision, 'confirm', `[${dialect}] ${sql} removes every row, so it must need typed confirmation; got ${verdict.decision}: ${verdict.reasons.join(' | ')}`);
}

describe('red team: DELETE whose WHERE is true for every row, in other clothes', () => {
  test('WHERE id IN (SELECT id FROM <the same table>) removes every row but is rated approve', async () => {
    const sql = 'DELETE FROM t WHERE id IN (SELECT id FROM t)';
    assert.equal(await duckdbRowsLeft(sql), 0, 'on real DuckDB it removes every row');
    for (const dialect of ['postgres', 'duckdb', 'snowflake'] as const) await assertNeedsConfirm(dialect, sql);
    // The same with = ANY over the same table.
    const any = 'DELETE FROM t WHERE id = ANY (SELECT id FROM t)';
    assert.equal(await duckdbRowsLeft(any), 0);
    for (const dialect of ['postgres', 'duckdb', 'snowflake'] as const) await assertNeedsConfirm(dialect, any);
  });

  test('DELETE USING / UPDATE FROM / MERGE USING a subquery over the same table, joined on its key, writes every row but is rated approve', async () => {
    // A self-join written as `t AS u` is caught; the same self-join through a subquery is not.
    assert.equal(await duckdbRowsLeft('DELETE FROM t USING (SELECT id FROM t) u WHERE t.id = u.id'), 0, 'on real DuckDB it removes every row');
    for (const sql of ['DELETE FROM t USING (SELECT id FROM t) u WHERE t.id = u.id', "UPDATE t SET x = 'gone' FROM (SELECT id FROM t) u WHERE t.id = u.id"]) {
      for (const dialect of ['postgres', 'duckdb', 'snowflake'] as const) await assertNeedsConfirm(dialect, sql);
    }
    for (const dialect of ['postgres', 'duckdb', 'snowflake'] as const) await assertNeedsConfirm(dialect, 'MERGE INTO t USING (SELECT id FROM t) s ON t.id = s.id WHEN MATCHED THEN DELETE');
  });

  test('WHERE t.id = (a subquery that returns the row\'s own id) removes every row but is rated approve', async () => {
    const sql = 'DELETE FROM t WHERE t.id = (SELECT t2.id FROM t AS t2 WHERE t2.id = t.id)';
    assert.equal(await duckdbRowsLeft(sql), 0, 'on real DuckDB it removes every row');
    for (const dialect of ['postgres', 'duckdb', 'snowflake'] as const) await assertNeedsConfirm(dialect, sql);
  });

  test('WHERE id IS NOT NULL is the same condition as WHERE id = id (true for every row with a value) but is rated approve', async () => {
    const sql = 'DELETE FROM t WHERE id IS NOT NULL';
    assert.equal(await duckdbRowsLeft(sql), 0, 'on real DuckDB it removes every row');
    for (const dialect of ['postgres', 'duckdb', 'snowflake'] as const) {
      assert.equal((await checkSql(dialect, 'DELETE FROM t WHERE id = id')).decision, 'confirm', 'its twin id = id needs confirmation');
      await assertNeedsConfirm(dialect, sql);
    }
  });

  test('PostgreSQL: WHERE id NOT BETWEEN 1 AND 0 (an empty range, negated) is true for every row but is rated approve (DuckDB and Snowflake catch it)', async () => {
    const sql = 'DELETE FROM t WHERE id NOT BETWEEN 1 AND 0';
    assert.equal(await duckdbRowsLeft(sql), 0, 'on real DuckDB it removes every row');
    for (const dialect of ['postgres', 'duckdb', 'snowflake'] as const) await assertNeedsConfirm(dialect, sql);
  });

  test('WHERE id - id = 0 (a column minus itself compared with a constant) removes every row but is rated approve', async () => {
    const sql = 'DELETE FROM t WHERE id - id = 0';
    assert.equal(await duckdbRowsLeft(sql), 0, 'on real DuckDB it removes every row');
    for (const dialect of ['postgres', 'duckdb', 'snowflake'] as const) await assertNeedsConfirm(dialect, sql);
  });

  test("WHERE x LIKE '%' || '' (a match-everything pattern that is not a bare literal) is rated approve", async () => {
    const sql = "DELETE FROM t WHERE x LIKE '%' || ''";
    assert.equal(await duckdbRowsLeft(sql), 0, 'on real DuckDB it removes every row');
    for (const dialect of ['postgres', 'duckdb', 'snowflake'] as const) await assertNeedsConfirm(dialect, sql);
  });
});

describe('red team: on a real PostgreSQL (pattern tautologies, the cost gate)', () => {
  let server: TestPostgres;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  /** Rows left in a fresh `t` (ids 1..5, no NULLs) after `sql`, on the real PostgreSQL. */
  async function postgresRowsLeft(sql: string): Promise<number> {
    await server.sql('DROP TABLE IF EXISTS t');
    await server.sql(`CREATE TABLE t AS SELECT g AS id, 'v' || g AS x FROM generate_series(1, 5) g`);
    await server.sql(sql);
    return Number((await server.sql('SELECT count(*) AS n FROM t')).rows[0].n);
  }

  test("x SIMILAR TO '(%)', '%|a', '_*%' or '%' ESCAPE '#' match every string (like '%') but are rated approve", async () => {
    // SIMILAR TO is a regular expression with % for .*: only a pattern of bare %s is recognised.
    for (const sql of ["DELETE FROM t WHERE x SIMILAR TO '(%)'", "DELETE FROM t WHERE x SIMILAR TO '%|a'", "DELETE FROM t WHERE x SIMILAR TO '_*%'", "DELETE FROM t WHERE x SIMILAR TO '%' ESCAPE '#'"]) {
      assert.equal(await postgresRowsLeft(sql), 0, `${sql} removes every row on real PostgreSQL`);
      await assertNeedsConfirm('postgres', sql);
    }
  });

  test('PostgreSQL: a recursive CTE whose recursive term scans a table reads iterations × the table, but runs without asking', async () => {
    await server.sql('DROP TABLE IF EXISTS red_mid');
    await server.sql('CREATE TABLE red_mid AS SELECT g AS id, g % 7 AS k FROM generate_series(1, 50000) g');
    await server.sql('ANALYZE red_mid');
    await server.sql(`GRANT SELECT ON red_mid TO ${server.reader.user}`);
    const limit = 100_000;
    const sql = 'WITH RECURSIVE r(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM r WHERE n < 100 AND (SELECT count(*) FROM red_mid WHERE red_mid.k <> r.n + 100) > 0) SELECT count(*) FROM r';
    // What PostgreSQL really reads: the Seq Scan's actual rows times its actual loops.
    const analyzed = JSON.stringify((await server.sql(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`)).rows[0]);
    const [, rows, loops] = /"Node Type":"Seq Scan"[^}]*?"Actual Rows":([\d.]+)[^}]*?"Actual Loops":(\d+)/.exec(analyzed) ?? [];
    assert.ok(Number(rows) * Number(loops) > limit * 10, `EXPLAIN ANALYZE: ${rows} rows × ${loops} loops`);
    const connector = await PostgresConnector.open({ id: 'red-pg', host: server.host, port: server.port, database: server.database, user: server.reader.user, password: server.reader.password });
    try {
      const asked: ApprovalRequest[] = [];
      const result = await authorize(runSqlTool, { sql }, {
        connector, connection: { id: 'red-pg', label: 'red pg', dialect: 'postgres', environment: 'dev' }, session: new PolicySession(), settings: { ...DEFAULT_POLICY, maxEstimatedRows: limit }, grants: new Set(['read']), signal: new AbortController().signal,
        gateway: { request: async (r) => (asked.push(r), { decision: 'reject' }) },
      });
      assert.equal(asked[0]?.level, 'approve', `it reads ${Number(rows) * Number(loops)} rows, above the limit of ${limit}, yet the gate said ${result.decision} (estimate ${JSON.stringify(result.estimate)})`);
    } finally {
      await connector.close();
    }
  });

  test('MERGE ... WHEN NOT MATCHED BY SOURCE THEN DELETE with an empty source removes every row but is rated approve', async () => {
    const sql = 'MERGE INTO t USING (SELECT 1 AS id WHERE false) s ON t.id = s.id WHEN NOT MATCHED BY SOURCE THEN DELETE';
    assert.equal(await postgresRowsLeft(sql), 0, 'removes every row on real PostgreSQL');
    assert.equal(await duckdbRowsLeft(sql), 0, 'removes every row on real DuckDB');
    for (const dialect of ['postgres', 'duckdb', 'snowflake'] as const) await assertNeedsConfirm(dialect, sql);
  });

  test("x LIKE '%%' ESCAPE '\\' matches every string but is rated approve (ESCAPE hides the pattern)", async () => {
    const sql = "DELETE FROM t WHERE x LIKE '%%' ESCAPE '\\'";
    assert.equal(await postgresRowsLeft(sql), 0, 'removes every row on real PostgreSQL');
    await assertNeedsConfirm('postgres', sql);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. read_file: credential files are refused by content wherever they are and whatever they are
//    called. Through the real gate and tool in a real git repository.
// ---------------------------------------------------------------------------------------------

describe('red team: credential files under ordinary names', () => {
  const connection: ConnectionSummary = { id: 'red-files', label: 'Red files', dialect: 'duckdb', environment: 'dev' };
  let root: string;
  let connector: DuckDBConnector;
  const savedEnv = { GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL, GIT_CONFIG_NOSYSTEM: process.env.GIT_CONFIG_NOSYSTEM };
  const put = (path: string, content: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, stdio: 'ignore' });

  /** read_file as the agent makes it; the user approves any card. What the model would receive, or the refusal. */
  async function readAs(path: string): Promise<{ gate: GateResult; asked: ApprovalRequest[]; model?: string; error?: string }> {
    const asked: ApprovalRequest[] = [];
    const gate = await authorize(readFileTool, { path }, {
      connector, connection, session: new PolicySession(), settings: DEFAULT_POLICY, grants: new Set(['read']), signal: new AbortController().signal, workspaceRoot: root,
      gateway: { request: async (r) => (asked.push(r), { decision: 'once' }) },
    });
    if (!gate.allowed) return { gate, asked };
    try {
      const outcome = await readFileTool.run({ connector, signal: new AbortController().signal, previewRows: 10, queryTimeoutMs: 1000, workspaceRoot: root, ...(gate.fileSha256 ? { approvedFileSha256: gate.fileSha256 } : {}) }, { path });
      return { gate, asked, model: renderForModel(outcome.content) };
    } catch (error) {
      if (!(error instanceof ToolError)) throw error;
      return { gate, asked, error: error.message };
    }
  }

  // Not real credentials: assembled here so no scanner flags this file.
  const PASSWORD = ['Tr0ub4dor', '-prod-', '9f3k'].join('');
  const PPK_PRIVATE = ['AAABAQCs9Zx1kQ3mT0pW8xLr2vY5nB1cD4eF6gH7iJ8kL9mN0oP1qR2sT3uV4wX5', 'yZ6aB7cD8eQ9fR0gS1hT2iU3jV4kW5lX6mY7nZ8oA9pB0qC1rD2sE3tF4uG5vH6w'];

  before(() => {
    root = makeTempDir('red-files');
    writeFileSync(join(root, '..', `${root.split('/').pop()}.gitconfig`), '');
    process.env.GIT_CONFIG_GLOBAL = join(root, '..', `${root.split('/').pop()}.gitconfig`);
    process.env.GIT_CONFIG_NOSYSTEM = '1';
    git('init', '-q');
    return DuckDBConnector.open({ id: 'red-files', path: join(root, '..', `${root.split('/').pop()}.duckdb`), writable: true }).then((c) => {
      connector = c;
    });
  });
  after(async () => {
    await connector?.close();
    for (const [key, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    removeDir(root);
  });

  test('a YAML file of warehouse connection settings with a literal password is read without asking and the model sees the password', async () => {
    // The YAML twin of a [connections.prod] password = ... section (which is refused): a dbt-style
    // profile or app config under a name that is not profiles.yml, tracked by git.
    put('config/warehouse.yml', ['prod:', '  type: postgres', '  host: db.internal.example', '  user: loader', `  password: "${PASSWORD}"`, '  dbname: analytics', ''].join('\n'));
    git('add', 'config/warehouse.yml');
    const read = await readAs('config/warehouse.yml');
    assert.ok(!(read.model ?? '').includes(PASSWORD), `the model received the password (gate: ${read.gate.decision}, asked: ${read.asked.length})`);
    assert.equal(read.gate.decision, 'deny', 'a connection file with a literal password is a credential file, refused by content');
  });

  test('a password in a JDBC or ADO.NET connection string in README.md reaches the model unmasked (read without asking)', async () => {
    // user:password@ in a URL is masked; the same password as a query parameter or a key=value pair is not.
    const jdbc = `jdbc:snowflake://acme.snowflakecomputing.com/?user=loader&password=${PASSWORD}&warehouse=wh`;
    const ado = `Server=tcp:db.example.net,1433;Database=dw;User ID=loader;Password=${PASSWORD}x;Encrypt=True`;
    put('README.md', ['# Loading', '', 'Connect with', '', `    ${jdbc}`, '', 'or, from .NET,', '', `    ${ado}`, ''].join('\n'));
    git('add', 'README.md');
    const read = await readAs('README.md');
    assert.equal(read.gate.decision, 'allow', 'a tracked markdown file is read without asking');
    assert.ok(!(read.model ?? '').includes(PASSWORD), 'the model received the connection-string password');
  });

  test('an environment file named prod.env (the content of a .env, which is refused by name) is not refused; after one click the model has the password', async () => {
    put('deploy/prod.env', ['# docker compose env_file', 'DATABASE_HOST=db.internal.example', 'DATABASE_USER=loader', `DATABASE_PASSWORD=${PASSWORD}`, ''].join('\n'));
    // The same bytes as .env are refused by name.
    put('deploy/.env', ['DATABASE_USER=loader', `DATABASE_PASSWORD=${PASSWORD}`, ''].join('\n'));
    assert.equal((await readAs('deploy/.env')).gate.decision, 'deny');
    const read = await readAs('deploy/prod.env');
    assert.ok(!(read.model ?? '').includes(PASSWORD), `the model received the password (gate: ${read.gate.decision})`);
    assert.equal(read.gate.decision, 'deny', 'an environment file with a literal password is refused by content whatever it is called');
  });

  test('a PuTTY private key under an ordinary name (deploy_key.txt) is not refused; after one click the model has the key', async () => {
    put('deploy_key.txt', ['PuTTY-User-Key-File-3: ssh-rsa', 'Encryption: none', 'Comment: deploy@ci', 'Public-Lines: 1', 'AAAAB3NzaC1yc2EAAAADAQABAAABAQC7', `Private-Lines: ${PPK_PRIVATE.length}`, ...PPK_PRIVATE, 'Private-MAC: 5b0b3f0e9c3a1d7e', ''].join('\n'));
    const read = await readAs('deploy_key.txt');
    assert.ok(!(read.model ?? '').includes(PPK_PRIVATE[0]), `the model received the private key lines (gate: ${read.gate.decision})`);
    assert.equal(read.gate.decision, 'deny', 'a private key is refused by content whatever the file is called');
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Protected paths: files that run code need typed confirmation for write_file.
// ---------------------------------------------------------------------------------------------

describe('red team: files that run code but need only one click to write', () => {
  const connection: ConnectionSummary = { id: 'red-w', label: 'Red writes', dialect: 'duckdb', environment: 'dev' };
  let dir: string;
  let connector: DuckDBConnector;
  before(async () => {
    dir = makeTempDir('red-writes');
    connector = await DuckDBConnector.open({ id: 'red-w', path: join(dir, 'w.duckdb'), writable: true });
  });
  after(async () => {
    await connector?.close();
    removeDir(dir);
  });

  async function levelOf(path: string): Promise<string | undefined> {
    const asked: ApprovalRequest[] = [];
    await authorize(writeFileTool, { path, content: 'x' }, {
      connector, connection, session: new PolicySession(), settings: DEFAULT_POLICY, grants: new Set(['read', 'write']), signal: new AbortController().signal, workspaceRoot: dir,
      gateway: { request: async (r) => (asked.push(r), { decision: 'reject' }) },
    });
    return asked[0]?.level;
  }

  const cases: [path: string, why: string][] = [
    ['.yarn/releases/yarn-4.5.0.cjs', 'the Yarn binary .yarnrc.yml (yarnPath) points at: every yarn command runs it'],
    ['.yarn/plugins/@yarnpkg/plugin-x.cjs', 'a Yarn plugin: loaded by every yarn command'],
    ['.pnp.cjs', "Yarn Plug'n'Play's loader, required into every node process yarn starts"],
    ['mvnw', 'the Maven wrapper script (gradlew is protected, mvnw is not)'],
    ['mvnw.cmd', 'the Maven wrapper script for Windows'],
    ['AGENTS.md', 'instructions other agents load on start (.cursorrules and .clinerules are protected)'],
    ['CLAUDE.md', "Claude Code's project instructions (its .claude/ folder is protected)"],
    ['GEMINI.md', "Gemini CLI's project instructions (its .gemini/ folder is protected)"],
    ['.dir-locals.el', 'Emacs evaluates it when a file of the folder is opened'],
    ['.nvim.lua', "Neovim's exrc runs it when the folder is opened"],
    ['environment.yml', 'the conda environment: `conda env create` installs what it lists (requirements.txt is protected)'],
    ['flake.nix', 'nix develop / direnv use flake run what it says'],
  ];
  for (const [path, why] of cases) {
    test(`write_file ${path} needs typed confirmation: ${why}`, async () => {
      assert.equal(await levelOf(path), 'confirm');
    });
  }
});

// ---------------------------------------------------------------------------------------------
// 2. Cost gate: a read whose scans read more rows than the limit needs approval. A recursive CTE
//    runs its recursive term once per iteration, and a scan inside it reads its table each time;
//    the plan shows (and the gate counts) that scan once.
// ---------------------------------------------------------------------------------------------

describe('red team: the DuckDB cost gate (recursive CTE, unnest)', () => {
  const MID_ROWS = 50_000;
  const LIMIT = 100_000;
  const ITERATIONS = 100;
  const connection: ConnectionSummary = { id: 'red-cost', label: 'red cost', dialect: 'duckdb', environment: 'dev' };
  let dir: string;
  let path: string;
  let db: DuckDBConnector;
  // Each of 100 iterations runs the correlated count over mid: 100 × 50k rows read.
  const sql = `WITH RECURSIVE r(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM r WHERE n < ${ITERATIONS} AND (SELECT count(*) FROM mid WHERE mid.k <> r.n + 100) > 0) SELECT count(*) FROM r`;

  before(async () => {
    dir = makeTempDir('red-cost');
    path = join(dir, 'cost.duckdb');
    const writer = await duck.DuckDBInstance.create(path);
    const c = await writer.connect();
    await c.run(`CREATE TABLE mid AS SELECT range AS id, range % 7 AS k FROM range(${MID_ROWS})`);
    // What the engine really reads: EXPLAIN ANALYZE's actual rows of the table scan.
    const profile = String((await c.runAndReadAll(`EXPLAIN ANALYZE ${sql}`)).getRowsJson()[0]?.[1] ?? '');
    actualScanRows = Math.max(0, ...[...profile.matchAll(/TABLE_SCAN[\s\S]*?([\d,]+) [Rr]ows/g)].map((m) => Number(m[1].replaceAll(',', ''))));
    c.closeSync();
    writer.closeSync();
    db = await DuckDBConnector.open({ id: 'red-cost', path });
  });
  let actualScanRows = 0;
  after(async () => {
    await db?.close();
    removeDir(dir);
  });

  test('DuckDB: count(*) over unnest(range(N)) makes N rows (PostgreSQL counts the same in its ProjectSet) but runs without asking', async () => {
    const n = 2_000_000;
    for (const sql of [`SELECT count(*) FROM unnest(range(${n}::BIGINT))`, `SELECT count(*) FROM (SELECT unnest(range(${n}::BIGINT)) AS v) s`]) {
      // On the real engine it really makes n rows.
      const instance = await duck.DuckDBInstance.create(':memory:');
      const c = await instance.connect();
      const made = Number((await c.runAndReadAll(sql)).getRows()[0][0]);
      c.closeSync();
      instance.closeSync();
      assert.equal(made, n);
      const asked: ApprovalRequest[] = [];
      const result = await authorize(runSqlTool, { sql }, {
        connector: db, connection, session: new PolicySession(), settings: { ...DEFAULT_POLICY, maxEstimatedRows: LIMIT }, grants: new Set(['read']), signal: new AbortController().signal,
        gateway: { request: async (r) => (asked.push(r), { decision: 'reject' }) },
      });
      assert.equal(asked[0]?.level, 'approve', `${sql} makes ${n} rows, above the limit of ${LIMIT}, yet the gate said ${result.decision} (estimate ${JSON.stringify(result.estimate)})`);
    }
  });

  test('DuckDB: a recursive CTE whose recursive term scans a table reads iterations × the table, but runs without asking', async () => {
    assert.ok(actualScanRows > LIMIT * 10, `EXPLAIN ANALYZE: the scan of mid really read ${actualScanRows} rows`);
    const asked: ApprovalRequest[] = [];
    const result = await authorize(runSqlTool, { sql }, {
      connector: db, connection, session: new PolicySession(), settings: { ...DEFAULT_POLICY, maxEstimatedRows: LIMIT }, grants: new Set(['read']), signal: new AbortController().signal,
      gateway: { request: async (r) => (asked.push(r), { decision: 'reject' }) },
    });
    assert.equal(asked[0]?.level, 'approve', `it reads ${actualScanRows} rows, above the limit of ${LIMIT}, yet the gate said ${result.decision} (estimate ${JSON.stringify(result.estimate)})`);
  });
});

// ---------------------------------------------------------------------------------------------
// 1b. Denied functions: Snowflake's NEXTVAL is denied (it advances a sequence, which no rollback
//     undoes), but the table function that does the same is not.
// ---------------------------------------------------------------------------------------------

describe('red team: denied functions under another name', () => {
  test('Snowflake TABLE(GETNEXTVAL(seq)) advances a sequence like NEXTVAL (denied) but is allowed', async () => {
    assert.equal((await checkSql('snowflake', 'SELECT seq1.NEXTVAL')).decision, 'deny', 'NEXTVAL is denied');
    const verdict = await checkSql('snowflake', 'SELECT NEXTVAL FROM TABLE(GETNEXTVAL(seq1))');
    assert.equal(verdict.decision, 'deny', `GETNEXTVAL advances the sequence too; got ${verdict.decision}`);
  });
});
