// Every DuckDB type, with its edge values, reaches the grid, the model and the CLI faithfully:
// through the real connector's query() on a real file, checking each value against the contract
// the three connectors share, and that renderForModel keeps them (no null where the value was NaN).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readAll, type JsonValue } from '../../src/core/connectors/connector';
import { DuckDBConnector, loadDuckDB } from '../../src/core/connectors/duckdb';
import { renderForModel } from '../../src/core/tools/tool';
import { makeTempDir, removeDir } from '../support/tempDirs';

// [expression, DuckDB type name reported, expected JSON value]
const CASES: [string, string, JsonValue][] = [
  ["'nan'::DOUBLE", 'DOUBLE', 'NaN'],
  ["'inf'::DOUBLE", 'DOUBLE', 'Infinity'],
  ["'-inf'::DOUBLE", 'DOUBLE', '-Infinity'],
  ["'nan'::FLOAT", 'FLOAT', 'NaN'],
  ["'-inf'::FLOAT", 'FLOAT', '-Infinity'],
  ['1.5::FLOAT', 'FLOAT', 1.5],
  ['0.1::DOUBLE', 'DOUBLE', 0.1],
  ['1e300::DOUBLE', 'DOUBLE', 1e300],
  ['170141183460469231731687303715884105727::HUGEINT', 'HUGEINT', '170141183460469231731687303715884105727'],
  ['(-170141183460469231731687303715884105727 - 1)::HUGEINT', 'HUGEINT', '-170141183460469231731687303715884105728'],
  ['42::HUGEINT', 'HUGEINT', 42],
  ['340282366920938463463374607431768211455::UHUGEINT', 'UHUGEINT', '340282366920938463463374607431768211455'],
  ['9007199254740991::BIGINT', 'BIGINT', 9007199254740991],
  ['9007199254740993::BIGINT', 'BIGINT', '9007199254740993'],
  ['(-9223372036854775807 - 1)::BIGINT', 'BIGINT', '-9223372036854775808'],
  ['18446744073709551615::UBIGINT', 'UBIGINT', '18446744073709551615'],
  ['12345678901234567890123456789012345678::DECIMAL(38,0)', 'DECIMAL(38,0)', '12345678901234567890123456789012345678'],
  ['1234567890123456789012345678.9012345678::DECIMAL(38,10)', 'DECIMAL(38,10)', '1234567890123456789012345678.9012345678'],
  ['-0.0000000001::DECIMAL(38,10)', 'DECIMAL(38,10)', '-0.0000000001'],
  ['1.25::DECIMAL(5,2)', 'DECIMAL(5,2)', '1.25'],
  ['9007199254740993.5::DECIMAL(20,1)', 'DECIMAL(20,1)', '9007199254740993.5'],
  ['100000000000000000000000::DECIMAL(38,0)', 'DECIMAL(38,0)', '100000000000000000000000'],
  ['0.30000000000000004::DECIMAL(38,17)', 'DECIMAL(38,17)', '0.30000000000000004'],
  ['0.12345678901234567890::DECIMAL(38,20)', 'DECIMAL(38,20)', '0.12345678901234567890'],
  ["'infinity'::DATE", 'DATE', 'infinity'],
  ["'-infinity'::DATE", 'DATE', '-infinity'],
  ["'2024-02-29'::DATE", 'DATE', '2024-02-29'],
  ["'infinity'::TIMESTAMP", 'TIMESTAMP', 'infinity'],
  ["'-infinity'::TIMESTAMP", 'TIMESTAMP', '-infinity'],
  ["'infinity'::TIMESTAMPTZ", 'TIMESTAMP WITH TIME ZONE', 'infinity'],
  ["'-infinity'::TIMESTAMPTZ", 'TIMESTAMP WITH TIME ZONE', '-infinity'],
  ["'2024-01-01 12:34:56.789'::TIMESTAMP", 'TIMESTAMP', '2024-01-01 12:34:56.789'],
  ["'2024-01-01 12:34:56.123456789'::TIMESTAMP_NS", 'TIMESTAMP_NS', '2024-01-01 12:34:56.123456789'],
  ["INTERVAL '1 year 2 months 3 days 04:05:06.789'", 'INTERVAL', '1 year 2 months 3 days 04:05:06.789'],
  ["INTERVAL '-1 day'", 'INTERVAL', '-1 day'],
  ["'\\x00\\xFFA\\x1B'::BLOB", 'BLOB', '\\x00ff411b'],
  ["''::BLOB", 'BLOB', '\\x'],
  ["'00000000-0000-0000-0000-000000000001'::UUID", 'UUID', '00000000-0000-0000-0000-000000000001'],
  ['[1, NULL, 3]', 'INTEGER[]', [1, null, 3]],
  ["[['nan'::DOUBLE, 1.0], ['-inf'::DOUBLE]]", 'DOUBLE[][]', [['NaN', 1], ['-Infinity']]],
  ['[9007199254740993::BIGINT, 7::BIGINT]', 'BIGINT[]', ['9007199254740993', 7]],
  ["['infinity'::DATE]", 'DATE[]', ['infinity']],
  ['[1, 2]::INTEGER[2]', 'INTEGER[2]', [1, 2]],
  ["{'x': 1, 'y': 'inf'::DOUBLE, 'z': [1.10::DECIMAL(4,2)]}", 'STRUCT(x INTEGER, y DOUBLE, z DECIMAL(4,2)[])', { x: 1, y: 'Infinity', z: ['1.10'] }],
  ["MAP {'a': 1, 'b': 2}", 'MAP(VARCHAR, INTEGER)', { a: 1, b: 2 }],
  ["MAP {1: '\\x01'::BLOB}", 'MAP(INTEGER, BLOB)', { 1: '\\x01' }],
  ["'happy'::mood", "ENUM('sad', 'happy')", 'happy'],
  ["'101'::BIT", 'BIT', '101'],
  ['\'{"k": [1, 2.5, null], "s": "x"}\'::JSON', 'JSON', { k: [1, 2.5, null], s: 'x' }],
  ["'[1, \"two\"]'::JSON", 'JSON', [1, 'two']],
  ["{'j': '{\"a\": 1}'::JSON}", 'STRUCT(j VARCHAR)', { j: { a: 1 } }],
  ["'12:34:56'::TIME", 'TIME', '12:34:56'],
  ['NULL::INTEGER', 'INTEGER', null],
  ['true', 'BOOLEAN', true],
];

describe('DuckDB values reach the grid and the model faithfully', () => {
  let dir: string;
  let db: DuckDBConnector;

  before(async () => {
    dir = makeTempDir('duckdb-values');
    const path = join(dir, 'values.duckdb');
    const duck = await loadDuckDB();
    const writer = await duck.DuckDBInstance.create(path);
    const c = await writer.connect();
    await c.run("CREATE TYPE mood AS ENUM ('sad', 'happy')");
    c.closeSync();
    writer.closeSync();
    db = await DuckDBConnector.open({ id: 'values', path });
  });

  after(async () => {
    await db?.close();
    removeDir(dir);
  });

  for (const [expression, type, expected] of CASES) {
    test(`${type}: ${expression}`, async () => {
      const { columns, rows } = await readAll(await db.query(`SELECT ${expression} AS v`));
      assert.equal(columns[0].type.replaceAll('"', ''), type);
      assert.deepEqual(rows, [[expected]]);
      // The model reads JSON text: nothing may turn into null (NaN) or lose digits on the way.
      const rendered = renderForModel({ rows });
      const body = rendered.split('\n')[1];
      assert.deepEqual(JSON.parse(body), { rows: [[expected]] });
    });
  }

  test('all of them together, in one row, come through in order', async () => {
    const sql = `SELECT ${CASES.map(([e], i) => `${e} AS c${i}`).join(', ')}`;
    const { rows } = await readAll(await db.query(sql));
    assert.deepEqual(rows, [CASES.map(([, , v]) => v)]);
  });
});
