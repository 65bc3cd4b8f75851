// The result grid's writers and display: CSV per RFC 4180 with formula defence, JSON as objects,
// clipboard text, exact values kept, numbers formatted for reading only; and invisible text shown.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { columnScale, displayCell, isNumericType } from '../../src/core/results/cellDisplay';
import { defuseFormula, toClipboardText, toCsv, toJson } from '../../src/core/results/resultFiles';
import { showInvisible } from '../../src/core/protocol/visibleText';

const columns = [{ name: 'id', type: 'INTEGER' }, { name: 'name', type: 'VARCHAR' }, { name: 'revenue', type: 'DECIMAL(18,4)' }];

describe('toCsv', () => {
  test('writes a header, CRLF line ends, quotes what needs quoting, keeps exact values', () => {
    const csv = toCsv(columns, [[1, 'Ada, "the" first', '29072.3700'], [2, 'two\nlines', null], [3, '', '-12.5000']]);
    assert.equal(csv, 'id,name,revenue\r\n1,"Ada, ""the"" first",29072.3700\r\n2,"two\nlines",\r\n3,"",-12.5000\r\n');
  });

  test('a bare CR inside a value is quoted too', () => {
    assert.equal(toCsv([{ name: 'a', type: 'VARCHAR' }], [['x\ry']]), 'a\r\n"x\ry"\r\n');
  });

  test('cells and headers that a spreadsheet would run as a formula get a leading quote; plain numbers do not', () => {
    const csv = toCsv([{ name: '=SUM(A1)', type: 'VARCHAR' }, { name: 'n', type: 'DOUBLE' }], [
      ['=HYPERLINK("http://x","y")', -5], ['+1+1', '-1e3'], ['-2+3', '+7'], ['@cmd', 0], ['\tx', 1], ['\r=1', 2], ['ok', '-'],
    ]);
    const records = parse(csv, { relax_quotes: false }) as string[][];
    assert.deepEqual(records, [
      ["'=SUM(A1)", 'n'], ['\'=HYPERLINK("http://x","y")', '-5'], ["'+1+1", '-1e3'], ["'-2+3", '+7'], ["'@cmd", '0'], ["'\tx", '1'], ["'\r=1", '2'], ['ok', "'-"],
    ]);
  });

  test('a CSV reader reads back exactly what was written (objects as JSON)', () => {
    const rows = [[1, 'multi\r\nline "quoted"', '0.1000'], [2, { a: [1, 2] }, 'NaN']];
    const back = parse(toCsv(columns, rows)) as string[][];
    assert.deepEqual(back, [['id', 'name', 'revenue'], ['1', 'multi\r\nline "quoted"', '0.1000'], ['2', '{"a":[1,2]}', 'NaN']]);
  });
});

describe('toJson', () => {
  test('an array of objects keyed by column name, values exact, repeated names suffixed', () => {
    const json = toJson([{ name: 'id', type: 'INTEGER' }, { name: 'id', type: 'INTEGER' }, { name: 'amount', type: 'DECIMAL(10,2)' }], [[1, 2, '10.50'], [3, null, 'Infinity']]);
    assert.deepEqual(JSON.parse(json), [{ id: 1, id_2: 2, amount: '10.50' }, { id: 3, id_2: null, amount: 'Infinity' }]);
  });
});

describe('toClipboardText', () => {
  test('one value is copied exactly; several as tab-separated lines', () => {
    assert.equal(toClipboardText([['29072.3700']]), '29072.3700');
    assert.equal(toClipboardText([['a\tb']]), 'a\tb');
    assert.equal(toClipboardText([[null]]), '');
    assert.equal(toClipboardText([[1, 'x', null, '2.50']]), '1\tx\t\t2.50');
    assert.equal(toClipboardText([['a'], ['b\nc']]), 'a\n"b\nc"');
  });
});

describe('defuseFormula', () => {
  test('leaves ordinary text alone', () => {
    for (const text of ['abc', '12', '-12', '+3.5', '1e-7', '', ' =x']) assert.equal(defuseFormula(text), text);
  });
});

describe('displayCell', () => {
  test('decimals are grouped at the column scale, exactly (no float rounding)', () => {
    assert.equal(displayCell('29072.3700', 'DECIMAL(18,4)', 'en-US').text, '29,072.3700');
    assert.equal(displayCell('12345678901234567890.1234', 'NUMERIC(38,4)', 'en-US').text, '12,345,678,901,234,567,890.1234');
    assert.equal(displayCell('5', 'NUMBER(10,2)', 'en-US').text, '5.00');
    assert.equal(displayCell(1234567, 'BIGINT', 'en-US').text, '1,234,567');
    assert.equal(displayCell('9007199254740993', 'HUGEINT', 'en-US').text, '9,007,199,254,740,993');
    assert.equal(displayCell(0.1, 'DOUBLE', 'en-US').text, '0.1');
    assert.equal(displayCell(29072.37, 'DOUBLE', 'de-DE').text, '29.072,37');
    assert.equal(displayCell('-0.5', 'NUMERIC', 'en-US').text, '-0.5');
    assert.equal(displayCell(-3, 'INTEGER', 'en-US').kind, 'number');
  });

  test('NULL stays distinguishable from the text "NULL" and from an empty string', () => {
    assert.deepEqual(displayCell(null, 'VARCHAR'), { text: 'NULL', kind: 'null' });
    assert.equal(displayCell('NULL', 'VARCHAR').kind, 'text');
    assert.deepEqual(displayCell('', 'VARCHAR'), { text: '', kind: 'text' });
  });

  test('non-finite values arrive as strings and show as such', () => {
    for (const value of ['NaN', 'Infinity', '-Infinity', 'infinity', '-infinity']) {
      assert.deepEqual(displayCell(value, 'DOUBLE', 'en-US'), { text: value, kind: 'text' });
      assert.deepEqual(displayCell(value, 'DATE', 'en-US'), { text: value, kind: 'text' });
    }
  });

  test('text columns are not reformatted, even when they hold digits', () => {
    assert.equal(displayCell('00123', 'VARCHAR', 'en-US').text, '00123');
    assert.equal(displayCell(20250101, 'VARCHAR', 'en-US').text, '20250101');
    assert.equal(displayCell({ a: 1 }, 'JSON').text, '{"a":1}');
  });

  test('bidi controls and invisible characters in a cell show as codes', () => {
    assert.equal(displayCell('abc\u202Edef', 'VARCHAR').text, 'abc<U+202E>def');
  });

  test('numeric types and scales are recognised per dialect', () => {
    for (const type of ['INTEGER', 'BIGINT', 'DECIMAL(18,4)', 'NUMERIC', 'NUMBER(38,0)', 'DOUBLE', 'FLOAT8', 'REAL', 'INT4', 'HUGEINT', 'numeric(12,2)', 'double precision', 'smallint']) assert.ok(isNumericType(type), type);
    for (const type of ['VARCHAR', 'TEXT', 'DATE', 'TIMESTAMP', 'INTERVAL', 'BOOLEAN', 'INTEGER[]', 'integer[]', 'DECIMAL(18,4)[]', 'INTERVALS']) assert.ok(!isNumericType(type), type);
    assert.equal(columnScale('DECIMAL(18,4)'), 4);
    assert.equal(columnScale('NUMBER(38, 2)'), 2);
    assert.equal(columnScale('DOUBLE'), undefined);
  });
});

describe('showInvisible', () => {
  test('bidi controls, zero-width and tag characters, soft hyphens and separators become codes', () => {
    assert.equal(showInvisible('a\u202Eb\u2066c\u200Bd\uFEFFe\u{E0041}f\u00ADg\u2028h\u061Ci\u3164j'),
      'a<U+202E>b<U+2066>c<U+200B>d<U+FEFF>e<U+E0041>f<U+00AD>g<U+2028>h<U+061C>i<U+3164>j');
  });

  test('ordinary text, accents, CJK, tabs and newlines stay as they are', () => {
    const text = 'Zoë — 日本語 \t ok\n';
    assert.equal(showInvisible(text), text);
  });
});
