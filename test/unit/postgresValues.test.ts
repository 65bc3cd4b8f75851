// Every PostgreSQL type with its edge values, on the real server, through each place a value
// travels: the connector's query(), what the model reads (renderForModel), what the webview
// receives (the event and webview-message schemas) and what the built CLI prints.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readAll, type JsonValue } from '../../src/core/connectors/connector';
import { PostgresConnector } from '../../src/core/connectors/postgres';
import { RunEventSchema, type RunEvent } from '../../src/core/observability/events';
import { ToWebviewSchema } from '../../src/core/protocol/webviewMessages';
import { renderForModel } from '../../src/core/tools/tool';
import { startPostgres, type TestPostgres } from '../support/postgresServer';
import { ROOT, runCli } from '../support/runCli';
import { lastToolOutput, startScriptedModel, type ScriptedModel } from '../support/scriptedModelServer';
import { makeTempDir, removeDir } from '../support/tempDirs';

/** [column, SQL expression, the JSON value the contract says it becomes]. */
const CASES: [string, string, JsonValue][] = [
  ['f8_nan', `'NaN'::float8`, 'NaN'],
  ['f8_inf', `'Infinity'::float8`, 'Infinity'],
  ['f8_ninf', `'-Infinity'::float8`, '-Infinity'],
  ['f4_nan', `'NaN'::float4`, 'NaN'],
  ['f4_inf', `'-Infinity'::float4`, '-Infinity'],
  ['f8_plain', `1.5::float8`, 1.5],
  ['f4_tenth', `0.1::float4`, 0.1],
  ['f8_max', `1.7976931348623157e308::float8`, 1.7976931348623157e308],
  ['f8_tiny', `5e-324::float8`, 5e-324],
  ['i2_min', `(-32768)::int2`, -32768],
  ['i4_min', `(-2147483648)::int4`, -2147483648],
  ['i8_max', `9223372036854775807::int8`, '9223372036854775807'],
  ['i8_min', `(-9223372036854775808)::int8`, '-9223372036854775808'],
  ['i8_2_53', `9007199254740992::int8`, '9007199254740992'],
  ['i8_safe', `(-9007199254740991)::int8`, -9007199254740991],
  ['n_nan', `'NaN'::numeric`, 'NaN'],
  ['n_inf', `'Infinity'::numeric`, 'Infinity'],
  ['n_ninf', `'-Infinity'::numeric`, '-Infinity'],
  ['n_huge', `123456789012345678901234567890.123456789::numeric`, '123456789012345678901234567890.123456789'],
  ['n_long_fraction', `0.12345678901234567890::numeric`, '0.12345678901234567890'],
  ['n_scaled', `12.50::numeric(12,2)`, '12.50'],
  ['n_tenth', `0.1::numeric`, '0.1'],
  ['n_big_int', `99999999999999999999::numeric`, '99999999999999999999'],
  ['n_16_digits', `9999999999999999::numeric`, '9999999999999999'],
  ['n_15_digits', `999999999999999::numeric`, '999999999999999'],
  ['n_small', `0.000000000000001::numeric`, '0.000000000000001'],
  ['n_negative', `(-12345.678)::numeric`, '-12345.678'],
  ['b_true', `true`, true],
  ['b_false', `false`, false],
  ['d_inf', `'infinity'::date`, 'infinity'],
  ['d_ninf', `'-infinity'::date`, '-infinity'],
  ['d_bc', `'4713-01-01 BC'::date`, '4713-01-01 BC'],
  ['d_far', `'5874897-12-31'::date`, '5874897-12-31'],
  ['ts_inf', `'infinity'::timestamp`, 'infinity'],
  ['tstz_ninf', `'-infinity'::timestamptz`, '-infinity'],
  ['ts_micro', `'2025-03-01 10:00:00.123456'::timestamp`, '2025-03-01T10:00:00.123456'],
  ['ts_far', `'294276-12-31 23:59:59.999999'::timestamp`, '294276-12-31T23:59:59.999999'],
  ['time_end', `'24:00:00'::time`, '24:00:00'],
  ['timetz', `'10:00:00.5+05:30'::timetz`, '10:00:00.5+05:30'],
  ['iv', `'1 year 2 months 3 days 04:05:06.789'::interval`, '1 year 2 mons 3 days 04:05:06.789'],
  ['iv_neg', `'-1 day +02:00'::interval`, '-1 days +02:00:00'],
  ['iv_inf', `'infinity'::interval`, 'infinity'],
  ['bytea', `'\\xDEADBEEF00'::bytea`, '\\xdeadbeef00'],
  ['bytea_empty', `''::bytea`, '\\x'],
  ['jsonb', `'{"big": 12345678901234567890, "f": 0.5, "n": null, "a": [1, "x", true]}'::jsonb`, { a: [1, 'x', true], big: '12345678901234567890', f: 0.5, n: null }],
  ['json_dup', `'{"k": 1, "k": 2}'::json`, { k: 2 }],
  ['json_exponents', `'{"huge": 1e400, "tiny": 1e-400, "k": 1.5e3, "neg": -0.25}'::json`, { huge: '1e400', tiny: '1e-400', k: 1500, neg: -0.25 }],
  ['json_scalar', `'"just text"'::json`, 'just text'],
  ['arr_2d_null', `ARRAY[[1, 2], [3, NULL]]::int[]`, [[1, 2], [3, null]]],
  ['arr_numeric', `ARRAY['NaN', '1.5', NULL, '123456789012345678901234567890']::numeric[]`, ['NaN', '1.5', null, '123456789012345678901234567890']],
  ['arr_float', `ARRAY['NaN', 'Infinity', '-Infinity', '2.5']::float8[]`, ['NaN', 'Infinity', '-Infinity', 2.5]],
  ['arr_text', `ARRAY['a,b', 'NULL', '', 'q"uote', 'back\\slash', NULL]::text[]`, ['a,b', 'NULL', '', 'q"uote', 'back\\slash', null]],
  ['arr_jsonb', `ARRAY['{"k": [1]}'::jsonb, 'null'::jsonb]`, [{ k: [1] }, null]],
  ['arr_bounds', `'[0:1]={7,8}'::int[]`, [7, 8]],
  ['arr_dates', `ARRAY['infinity'::date, '2025-01-02']`, ['infinity', '2025-01-02']],
  ['arr_empty', `'{}'::int[]`, []],
  ['uuid', `'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid`, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
  ['range', `int4range(1, 10)`, '[1,10)'],
  ['range_empty', `'empty'::numrange`, 'empty'],
  ['multirange', `'{[1,3), [5,7)}'::int4multirange`, '{[1,3),[5,7)}'],
  ['inet', `'192.168.0.1/24'::inet`, '192.168.0.1/24'],
  ['cidr', `'2001:db8::/32'::cidr`, '2001:db8::/32'],
  ['bit', `B'1010'::bit(4)`, '1010'],
  ['varbit', `B'101'::varbit`, '101'],
  ['tsvector', `'a fat cat'::tsvector`, `'a' 'cat' 'fat'`],
  ['xml', `'<a>x</a>'::xml`, '<a>x</a>'],
  ['point', `point(1.5, 2)`, '(1.5,2)'],
  ['box_array', `ARRAY[box '((0,0),(1,1))', box '((2,2),(3,3))']`, '{(1,1),(0,0);(3,3),(2,2)}'],
  ['record', `ROW(1, 'a b', NULL)`, '(1,"a b",)'],
  ['oid', `26::oid`, 26],
  ['dom_float', `'NaN'::vals.measure`, 'NaN'],
  ['dom_int8', `9223372036854775807::vals.big_id`, '9223372036854775807'],
  ['dom_array', `ARRAY['Infinity'::vals.measure, 1]`, ['Infinity', 1]],
  ['enum', `'happy'::vals.mood`, 'happy'],
  ['enum_array', `ARRAY['sad', NULL]::vals.mood[]`, ['sad', null]],
  ['null', `NULL::float8`, null],
];

const SELECT_ALL = `SELECT ${CASES.map(([name, expr]) => `${expr} AS ${name}`).join(', ')}`;
const EXPECTED_ROW = CASES.map(([, , value]) => value);

describe('PostgreSQL values reach the grid, the model and the CLI faithfully', () => {
  let server: TestPostgres;
  let connector: PostgresConnector;

  before(async () => {
    if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run "node scripts/build.mjs" (npm test does).');
    server = await startPostgres();
    await server.sql('DROP SCHEMA IF EXISTS vals CASCADE');
    await server.sql('CREATE SCHEMA vals');
    await server.sql(`CREATE DOMAIN vals.measure AS float8`);
    await server.sql(`CREATE DOMAIN vals.big_id AS int8`);
    await server.sql(`GRANT USAGE ON SCHEMA vals TO ${server.reader.user}`);
    connector = await PostgresConnector.open({ id: 'pg-values', host: server.host, port: server.port, database: server.database, user: server.reader.user, password: server.reader.password });
    // Created after connect: the connector must learn the new types when a result first uses them.
    await server.sql(`CREATE TYPE vals.mood AS ENUM ('happy', 'sad')`);
  });

  after(async () => {
    await connector?.close();
    await server?.stop();
  });

  test('query() turns every type into its contract value', async () => {
    const { columns, rows } = await readAll(await connector.query(SELECT_ALL));
    assert.equal(rows.length, 1);
    CASES.forEach(([name, expr, expected], i) => assert.deepEqual(rows[0][i], expected, `${name} (${expr}) as ${columns[i].type}`));
    // The server describes a domain column by its base type; a type made after connect by its own name.
    assert.equal(columns[CASES.findIndex(([n]) => n === 'dom_int8')].type, 'bigint');
    assert.equal(columns[CASES.findIndex(([n]) => n === 'enum_array')].type, 'vals.mood[]');
  });

  // bytea_output is pinned to hex per session; a query may switch it for itself, and still gets hex.
  test('bytea is hex even when the query switched bytea_output to escape', async () => {
    const { rows } = await readAll(await connector.query(`SELECT set_config('bytea_output', 'escape', true) AS style, '\\xde00ff5c41'::bytea AS b, ARRAY['\\x0a'::bytea] AS a`));
    assert.equal(rows[0][0], 'escape');
    assert.equal(rows[0][1], '\\xde00ff5c41');
    assert.deepEqual(rows[0][2], ['\\x0a']);
  });

  test('timestamptz keeps its microseconds and its instant', async () => {
    const { rows } = await readAll(await connector.query(`SELECT '2025-03-01 10:00:00.123456+00'::timestamptz, ARRAY['2025-03-01 10:00:00+00'::timestamptz]`));
    const [value, array] = rows[0] as [string, string[]];
    assert.match(value, /^2025-03-0\dT\d\d:\d\d:00\.123456[+-]\d\d:\d\d$/);
    assert.equal(Date.parse(value), Date.UTC(2025, 2, 1, 10, 0, 0, 123));
    assert.equal(Date.parse(array[0]), Date.UTC(2025, 2, 1, 10, 0, 0));
  });

  test('the model reads the same values (no null for NaN, no rounded digits)', async () => {
    const { rows } = await readAll(await connector.query(SELECT_ALL));
    const text = renderForModel({ rows });
    const json = /<data-[0-9a-f]+>\n([\s\S]*)\n<\/data-[0-9a-f]+>/.exec(text)?.[1];
    assert.ok(json, text);
    assert.deepEqual((JSON.parse(json) as { rows: JsonValue[][] }).rows[0], EXPECTED_ROW);
  });

  test('the webview message with the preview validates and keeps every value', async () => {
    const { columns, rows } = await readAll(await connector.query(SELECT_ALL));
    const event = { type: 'answer', runId: 'r1', seq: 3, at: 1, text: 'done', result: { columns, rows, rowCount: 1, truncated: false } };
    const message = ToWebviewSchema.parse({ type: 'runEvent', requestId: 'q1', event });
    assert.ok(message.type === 'runEvent' && message.event.type === 'answer');
    assert.deepEqual(message.event.result?.rows[0], EXPECTED_ROW);
    // What postMessage carries is JSON: the values survive it too.
    assert.deepEqual((JSON.parse(JSON.stringify(message)) as typeof message & { event: { result: { rows: JsonValue[][] } } }).event.result.rows[0], EXPECTED_ROW);
  });

  // The schema is the last line: a value no connector should send still cannot end a run.
  test('a non-finite number or bigint in a preview becomes text instead of failing the event', () => {
    const event = { type: 'answer', runId: 'r1', seq: 0, at: 1, text: 'x', result: { columns: [{ name: 'v', type: 'double' }], rows: [[Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 10n, [Number.NaN], { k: Number.NaN }]], rowCount: 1, truncated: false } };
    const message = ToWebviewSchema.parse({ type: 'runEvent', requestId: 'q1', event });
    assert.ok(message.type === 'runEvent' && message.event.type === 'answer');
    assert.deepEqual(message.event.result?.rows[0], ['NaN', 'Infinity', '-Infinity', '10', ['NaN'], { k: 'NaN' }]);
  });

  describe('through the built CLI', () => {
    let model: ScriptedModel;
    let home: string;
    const seen: unknown[] = [];

    before(async () => {
      model = await startScriptedModel((request) => {
        const turns = request.body.messages.filter((m) => m.role === 'tool').length;
        if (turns === 0) return { toolCalls: [{ name: 'run_sql', arguments: { sql: SELECT_ALL } }] };
        seen.push(lastToolOutput(request));
        return { text: 'Here are the values.' };
      });
      home = makeTempDir('pg-values-cli');
    });

    after(async () => {
      await model?.close();
      if (home) removeDir(home);
    });

    const cli = (extra: string[]) =>
      runCli(['ask', 'show me the values', '--connection', `postgres://${server.reader.user}@${server.host}:${server.port}/${server.database}?sslmode=disable`, ...extra], {
        ...process.env,
        NO_COLOR: '1',
        OPENAI_BASE_URL: model.baseUrl,
        OPENAI_API_KEY: 'test-key',
        PIPEWRIGHT_MODEL: 'scripted',
        PIPEWRIGHT_HOME: home,
        PGPASSWORD: server.reader.password,
      });

    test('--json events carry the contract values, and so does the model\'s tool output', async () => {
      const result = await cli(['--json']);
      assert.equal(result.code, 0, result.stderr + result.stdout);
      const events = result.stdout.trim().split('\n').map((line) => RunEventSchema.parse(JSON.parse(line)) as RunEvent);
      const answer = events.find((e) => e.type === 'answer');
      assert.ok(answer?.type === 'answer' && answer.result, result.stdout);
      assert.deepEqual(answer.result.rows[0], EXPECTED_ROW);
      assert.deepEqual((seen.at(-1) as { rows: JsonValue[][] }).rows[0], EXPECTED_ROW);
    });

    test('the terminal table prints the values, not null', async () => {
      const result = await cli([]);
      assert.equal(result.code, 0, result.stderr + result.stdout);
      for (const text of ['NaN', '-Infinity', 'infinity', '9223372036854775807', '123456789012345678901234567890.123456789', '\\xdeadbeef00', '1 year 2 mons 3 days 04:05:06.789']) {
        assert.ok(result.stdout.includes(text), `the table shows ${text}:\n${result.stdout}`);
      }
    });
  });
});
