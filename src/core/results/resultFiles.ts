// A result preview written out exactly: CSV (RFC 4180), JSON and tab-separated text for the
// clipboard. Values are the exact ones the connector returned (decimals stay their exact text),
// never the grid's formatted display.
import { stringify } from 'csv-stringify/sync';
import { exactText } from './exactText';

export { exactText };

export interface ResultColumn {
  name: string;
  type: string;
}

const PLAIN_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A spreadsheet runs a cell that starts with = + - @ (or a tab or CR) as a formula, so such text
 * gets a leading quote. A plain number such as -12.5 cannot be a formula and stays as it is.
 */
export function defuseFormula(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/** RFC 4180: a header line, CRLF line ends, quoting where needed. NULL is an empty field and an empty string is "". */
export function toCsv(columns: ResultColumn[], rows: unknown[][]): string {
  const records = [columns.map((c) => defuseFormula(c.name)), ...rows.map((row) => columns.map((_, i) => (row[i] === null || row[i] === undefined ? null : defuseFormula(exactText(row[i])))))];
  return stringify(records, {
    record_delimiter: 'windows',
    // csv-stringify quotes the record delimiter only; a bare LF or CR inside a value must be quoted too.
    quoted_match: /[\r\n]/,
    cast: { string: (value) => (value === '' ? { value: '', quoted_empty: true } : value) },
  });
}

/** An array of objects keyed by column name; a repeated name gets a suffix (`id`, `id_2`). */
export function toJson(columns: ResultColumn[], rows: unknown[][]): string {
  const keys = uniqueNames(columns.map((c) => c.name));
  const objects = rows.map((row) => Object.fromEntries(keys.map((key, i) => [key, row[i] ?? null])));
  return `${JSON.stringify(objects, null, 2)}\n`;
}

/**
 * For the clipboard: a single value exactly as it is; several as tab-separated lines (a value
 * holding a tab, quote or line break is quoted, as spreadsheets expect when pasting).
 */
export function toClipboardText(rows: unknown[][]): string {
  if (rows.length === 1 && rows[0].length === 1) return exactText(rows[0][0]);
  return stringify(rows.map((row) => row.map(exactText)), { delimiter: '\t', record_delimiter: 'unix', quoted_match: /[\r\n]/ }).replace(/\n$/, '');
}

function uniqueNames(names: string[]): string[] {
  const seen = new Set<string>();
  return names.map((name) => {
    let key = name;
    for (let n = 2; seen.has(key); n++) key = `${name}_${n}`;
    seen.add(key);
    return key;
  });
}
