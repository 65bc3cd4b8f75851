// Value fidelity on Snowflake: every supported type with its edge values reaches the caller (grid,
// model, CLI) as the shared contract says, through the unmodified snowflake-sdk against the
// loopback emulator. Rows are JSON values: numbers a double holds exactly are numbers, everything
// else keeps its exact text; non-finite FLOATs are "NaN", "Infinity", "-Infinity"; BINARY is
// "\x" + lowercase hex; VARIANT/OBJECT/ARRAY are parsed JSON whose elements follow the same rules.
// The driver speaks only the JSON result format (it has no Arrow decoder), so that is what is tested.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readAll, type JsonValue } from '../../src/core/connectors/connector';
import { SnowflakeConnector } from '../../src/core/connectors/snowflake';
import { renderForModel } from '../../src/core/tools/tool';
import { SnowflakeEmulator } from '../support/snowflakeEmulator';

process.env.NO_PROXY = ['127.0.0.1', 'localhost', process.env.NO_PROXY].filter(Boolean).join(',');
process.env.no_proxy = process.env.NO_PROXY;

const PASSWORD = 'values-test-password';

describe('Snowflake values reach the caller faithfully', () => {
  let emulator: SnowflakeEmulator;
  let db: SnowflakeConnector;

  before(async () => {
    emulator = await SnowflakeEmulator.start({ account: 'ACCT', databases: ['VALS'], users: [{ name: 'ANALYST', password: PASSWORD }] });
    db = await SnowflakeConnector.open({ account: 'ACCT', username: 'analyst', authentication: { kind: 'password', password: PASSWORD }, accessUrl: emulator.url, database: 'VALS', schema: 'PUBLIC', maxLoginRetries: 0 });
  });

  after(async () => {
    await db?.close();
    await emulator?.close();
  });

  /** One row of the given select list: [column type, value] per column. */
  async function row(selectList: string): Promise<[string, JsonValue][]> {
    const { columns, rows } = await readAll(await db.query(`SELECT ${selectList}`));
    assert.equal(rows.length, 1);
    return columns.map((c, i) => [c.type, rows[0][i]]);
  }

  test('FLOAT: finite doubles are numbers; NaN and infinities are strings, never null', async () => {
    assert.deepEqual(await row(`'NaN'::FLOAT AS A, 'inf'::FLOAT AS B, '-inf'::FLOAT AS C, 1.7976931348623157e308::FLOAT AS D, 5e-324::FLOAT AS E, 0.1::FLOAT AS F, -2.5::FLOAT AS G, NULL::FLOAT AS H`), [
      ['FLOAT', 'NaN'],
      ['FLOAT', 'Infinity'],
      ['FLOAT', '-Infinity'],
      ['FLOAT', 1.7976931348623157e308],
      ['FLOAT', 5e-324],
      ['FLOAT', 0.1],
      ['FLOAT', -2.5],
      ['FLOAT', null],
    ]);
  });

  // Integers a double cannot tell apart from a neighbour (2^53 and beyond) keep their digits.
  test('NUMBER: safe integers are numbers; huge integers and decimals keep their exact digits', async () => {
    assert.deepEqual(
      await row(`99999999999999999999999999999999999999::NUMBER(38,0) AS A, -99999999999999999999999999999999999999::NUMBER(38,0) AS B,
                 9007199254740991::NUMBER(38,0) AS C, -9007199254740991::NUMBER(38,0) AS D, 9007199254740992::NUMBER(38,0) AS E, -9007199254740993::NUMBER(38,0) AS F,
                 1.2345678901234567890123456789012345678::NUMBER(38,37) AS G, 3.75::NUMBER(10,2) AS H, 0::NUMBER(38,0) AS I, NULL::NUMBER(38,0) AS J`),
      [
        ['NUMBER(38,0)', '99999999999999999999999999999999999999'],
        ['NUMBER(38,0)', '-99999999999999999999999999999999999999'],
        ['NUMBER(38,0)', 9007199254740991],
        ['NUMBER(38,0)', -9007199254740991],
        ['NUMBER(38,0)', '9007199254740992'],
        ['NUMBER(38,0)', '-9007199254740993'],
        ['NUMBER(38,37)', '1.2345678901234567890123456789012345678'],
        ['NUMBER(10,2)', '3.75'],
        ['NUMBER(38,0)', 0],
        ['NUMBER(38,0)', null],
      ],
    );
  });

  test('BINARY is \\x and lowercase hex; BOOLEAN; extreme DATEs exact', async () => {
    assert.deepEqual(
      await row(`TO_BINARY('DEADBEEF') AS A, TO_BINARY('') AS B, TO_BINARY('00FF') AS C, NULL::BINARY AS D, TRUE AS E, FALSE AS F, NULL::BOOLEAN AS G,
                 '0001-01-01'::DATE AS H, '9999-12-31'::DATE AS I, '1969-12-31'::DATE AS J, '2024-02-29'::DATE AS K`),
      [
        ['BINARY', '\\xdeadbeef'],
        ['BINARY', '\\x'],
        ['BINARY', '\\x00ff'],
        ['BINARY', null],
        ['BOOLEAN', true],
        ['BOOLEAN', false],
        ['BOOLEAN', null],
        ['DATE', '0001-01-01'],
        ['DATE', '9999-12-31'],
        ['DATE', '1969-12-31'],
        ['DATE', '2024-02-29'],
      ],
    );
  });

  test('TIMESTAMP_NTZ/LTZ and TIME in the session formats, extreme years exact', async () => {
    assert.deepEqual(
      await row(`'0001-01-01 00:00:00'::TIMESTAMP_NTZ AS A, '9999-12-31 23:59:59.999'::TIMESTAMP_NTZ AS B, '1969-12-31 23:59:59.999'::TIMESTAMP_NTZ AS C,
                 '2024-02-29 12:00:00'::TIMESTAMP_LTZ AS D, '0001-01-01 00:00:00'::TIMESTAMP_LTZ AS E, '9999-12-31 23:59:59'::TIMESTAMP_LTZ AS F,
                 '00:00:00'::TIME AS G, '23:59:59'::TIME AS H, NULL::TIMESTAMP_NTZ AS I`),
      [
        ['TIMESTAMP_NTZ', '0001-01-01 00:00:00.000'],
        ['TIMESTAMP_NTZ', '9999-12-31 23:59:59.999'],
        ['TIMESTAMP_NTZ', '1969-12-31 23:59:59.999'],
        ['TIMESTAMP_LTZ', '2024-02-29 12:00:00.000 +0000'],
        ['TIMESTAMP_LTZ', '0001-01-01 00:00:00.000 +0000'],
        ['TIMESTAMP_LTZ', '9999-12-31 23:59:59.000 +0000'],
        ['TIME', '00:00:00'],
        ['TIME', '23:59:59'],
        ['TIMESTAMP_NTZ', null],
      ],
    );
  });

  test('VARIANT, ARRAY and OBJECT are JSON values whose numbers follow the same rules', async () => {
    assert.deepEqual(
      await row(`PARSE_JSON('{"big": 12345678901234567890, "f": 0.1, "arr": [1, "x", null, true, 2.5], "nested": {"n": 99999999999999999999.5, "s": "t"}}') AS A,
                 [1, 9007199254740993, 3] AS B, {'k': 1.5, 'big': 123456789012345678901234567890::NUMBER(38,0)} AS C,
                 PARSE_JSON('[]') AS D, PARSE_JSON('"text"') AS E, PARSE_JSON('null') AS F, NULL::VARIANT AS G`),
      [
        ['VARIANT', { big: '12345678901234567890', f: 0.1, arr: [1, 'x', null, true, 2.5], nested: { n: '99999999999999999999.5', s: 't' } }],
        ['ARRAY', [1, '9007199254740993', 3]],
        ['OBJECT', { k: 1.5, big: '123456789012345678901234567890' }],
        ['VARIANT', []],
        ['VARIANT', 'text'],
        ['VARIANT', null],
        ['VARIANT', null],
      ],
    );
  });

  // JSON has no NaN: such a VARIANT keeps the server's text rather than turning into null.
  test('semi-structured text that is not JSON (NaN inside an ARRAY) stays the server text', async () => {
    assert.deepEqual(await row(`['NaN'::FLOAT, 'inf'::FLOAT] AS A`), [['ARRAY', '[NaN,Infinity]']]);
  });

  test('what the model sees keeps every edge value (no null for NaN, no rounded digits)', async () => {
    const { columns, rows } = await readAll(await db.query(`SELECT 'NaN'::FLOAT AS N, '-inf'::FLOAT AS I, 99999999999999999999999999999999999999::NUMBER(38,0) AS BIG, TO_BINARY('CAFE') AS B, PARSE_JSON('{"x": 12345678901234567890}') AS V`));
    const text = renderForModel({ columns, rows });
    for (const expected of ['"NaN"', '"-Infinity"', '"99999999999999999999999999999999999999"', '"\\\\xcafe"', '"x":"12345678901234567890"']) assert.ok(text.includes(expected), `${expected} in ${text}`);
    assert.ok(!text.includes('null'), text);
  });
});
