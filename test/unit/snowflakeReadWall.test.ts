// The describe-only wall on Snowflake reads: before a read runs, Snowflake compiles the exact text
// (describe only) and the connector refuses it unless the statement type Snowflake reports is a
// query. The emulator's test hook reports another type for a given text, as a server whose compiler
// disagrees with the local parser would. The unmodified snowflake-sdk talks to the loopback emulator.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorError, readAll } from '../../src/core/connectors/connector';
import { SnowflakeConnector } from '../../src/core/connectors/snowflake';
import { checkSql } from '../../src/core/sql/guardrail';
import { SnowflakeEmulator } from '../support/snowflakeEmulator';

process.env.NO_PROXY = ['127.0.0.1', 'localhost', process.env.NO_PROXY].filter(Boolean).join(',');
process.env.no_proxy = process.env.NO_PROXY;

const PASSWORD = 'wall-test-password';

describe('Snowflake reads run only what Snowflake compiles as a query', () => {
  let emulator: SnowflakeEmulator;
  let reader: SnowflakeConnector;
  let writer: SnowflakeConnector;

  const open = (writable: boolean) =>
    SnowflakeConnector.open({
      account: 'ACCT',
      username: 'analyst',
      authentication: { kind: 'password', password: PASSWORD },
      accessUrl: emulator.url,
      database: 'SHOP',
      schema: 'PUBLIC',
      maxLoginRetries: 0,
      writable,
    });

  /** Every request the emulator received for this exact text, in order. */
  const sent = (sql: string) => emulator.queries.filter((q) => q.sqlText === sql);

  before(async () => {
    emulator = await SnowflakeEmulator.start({
      account: 'ACCT',
      databases: ['SHOP'],
      users: [{ name: 'ANALYST', password: PASSWORD }],
      setup: [`CREATE TABLE SHOP.PUBLIC.ITEMS (ID INTEGER, NAME VARCHAR)`, `INSERT INTO SHOP.PUBLIC.ITEMS VALUES (1, 'a'), (2, 'b'), (3, 'c')`],
    });
    reader = await open(false);
    writer = await open(true);
  });

  after(async () => {
    await reader?.close();
    await writer?.close();
    await emulator?.close();
  });

  test('a SELECT runs after one describe-only compile of the same text', async () => {
    const sql = 'SELECT ID, NAME FROM ITEMS ORDER BY ID';
    const { rows } = await readAll(await reader.query(sql));
    assert.deepEqual(rows, [[1, 'a'], [2, 'b'], [3, 'c']]);
    const requests = sent(sql);
    assert.deepEqual(requests.map((q) => q.describeOnly), [true, false], 'compile first, then run');
    assert.equal(requests[0].executingAt, undefined, 'the compile ran nothing');
    assert.equal(requests[1].state, 'succeeded');
  });

  // The local parser (and the policy gate) call it a plain read; the server knows better.
  test('a text the parser allows but Snowflake reports as DML is refused before it runs', async () => {
    const sql = 'SELECT NAME FROM ITEMS WHERE ID = 2';
    assert.equal((await checkSql('snowflake', sql)).decision, 'allow', 'the guardrail lets it through');
    emulator.reportStatementType(sql, 0x3300); // DELETE
    const error = await reader.query(sql).then(
      () => assert.fail('expected a refusal'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ConnectorError, String(error));
    assert.match(error.message, /compiled it as delete \(statement type 0x3300\), not as a query/);
    assert.match(error.hint ?? '', /SELECT/);
    const requests = sent(sql);
    assert.equal(requests.length, 1, 'only the compile reached the server');
    assert.equal(requests[0].describeOnly, true);
    assert.ok(requests.every((q) => q.executingAt === undefined), 'the statement never executed');
  });

  test('every non-query family is refused: DDL, session, transaction, SHOW, unknown', async () => {
    const cases: [string, number, RegExp][] = [
      ['SELECT 1 AS DDL_CASE', 0x6000, /ddl/],
      ['SELECT 1 AS SCL_CASE', 0x4100, /alter/],
      ['SELECT 1 AS TCL_CASE', 0x5000, /transaction control/],
      ['SELECT 1 AS SHOW_CASE', 0x4400, /show/],
      ['SELECT 1 AS COPY_CASE', 0x3600, /copy/],
      ['SELECT 1 AS UNKNOWN_CASE', 0x0000, /unknown/],
      ['SELECT 1 AS BEYOND_CASE', 0x2000, /unknown/],
    ];
    for (const [sql, type, kind] of cases) {
      emulator.reportStatementType(sql, type);
      await assert.rejects(reader.query(sql), (e: Error) => e instanceof ConnectorError && kind.test(e.message) && /not as a query/.test(e.message), sql);
      assert.deepEqual(sent(sql).map((q) => q.describeOnly), [true], `${sql}: only compiled`);
    }
    // Any code in the query family is a query (Snowflake reports sub-kinds inside 0x1000).
    emulator.reportStatementType('SELECT 7 AS Q', 0x1001);
    assert.deepEqual((await readAll(await reader.query('SELECT 7 AS Q'))).rows, [[7]]);
  });

  test('EXPLAIN compiles the statement first and explains only a query', async () => {
    const sql = 'SELECT * FROM ITEMS WHERE ID > 1';
    emulator.reportStatementType(sql, 0x3200); // UPDATE
    await assert.rejects(reader.explain(sql), /not as a query/);
    assert.ok(!emulator.queries.some((q) => q.sqlText === `EXPLAIN USING JSON ${sql}`), 'no EXPLAIN was sent');
    const plain = await reader.explain('SELECT * FROM ITEMS');
    assert.ok((plain.partitionsTotal ?? 0) >= 1);
  });

  test('EXPLAIN then the read of the same text share one compile; a refused text is compiled every time', async () => {
    const sql = 'SELECT COUNT(*) AS N FROM ITEMS';
    await reader.explain(sql);
    assert.deepEqual((await readAll(await reader.query(sql))).rows, [[3]]);
    assert.deepEqual(sent(sql).map((q) => q.describeOnly), [true, false]);
    const refused = 'SELECT 2 AS REFUSED_TWICE';
    emulator.reportStatementType(refused, 0x3100);
    await assert.rejects(reader.query(refused), /not as a query/);
    await assert.rejects(reader.query(refused), /not as a query/);
    assert.deepEqual(sent(refused).map((q) => q.describeOnly), [true, true]);
  });

  test('binds travel with the compile too, and bind-typed columns compile', async () => {
    const sql = 'SELECT ? AS A, NAME FROM ITEMS WHERE ID = ?';
    assert.deepEqual((await readAll(await reader.query(sql, { binds: ['x', 3] }))).rows, [['x', 'c']]);
    const [compile, run] = sent(sql);
    assert.equal(compile.describeOnly, true);
    assert.deepEqual(compile.bindings, run.bindings);
  });

  test('the emulator reports Snowflake statement types for describe-only and execution', async () => {
    assert.deepEqual(await writer.describeStatement(`INSERT INTO ITEMS VALUES (9, 'z')`), { count: 1, kind: 'insert' });
    // An approved write goes through execute(), which has no read wall.
    assert.deepEqual(await writer.execute(`UPDATE ITEMS SET NAME = 'B' WHERE ID = 2`), { rowsAffected: 1 });
    assert.deepEqual(await emulator.duck(`SELECT NAME FROM SHOP.PUBLIC.ITEMS WHERE ID = 2`), [['B']]);
    // A DML text sent as a read is refused by the server's own classification, not only by the gate.
    await assert.rejects(reader.query(`DELETE FROM ITEMS WHERE ID = 1`), /compiled it as delete/);
    await assert.rejects(reader.query(`CREATE TABLE ITEMS2 (X INTEGER)`), /compiled it as ddl/);
    assert.deepEqual(await emulator.duck(`SELECT count(*) FROM SHOP.PUBLIC.ITEMS`), [['3']]);
    assert.deepEqual(await emulator.duck(`SELECT count(*) FROM duckdb_tables() WHERE table_name = 'ITEMS2'`), [['0']]);
  });
});
