// How the grid shows one value for reading: numbers grouped and at their column's scale, NULL as
// NULL, non-finite values ("NaN", "Infinity") as they came. Display only: copy and export use the
// exact value (resultFiles.ts).
import { showInvisible } from '../protocol/visibleText';
import { exactText } from './exactText';

// DuckDB, PostgreSQL (format_type) and Snowflake spellings; arrays (INTEGER[]) are not numbers.
const NUMERIC_TYPE = /^(?:TINYINT|SMALLINT|INTEGER|INT\d*|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|DECIMAL|NUMERIC|NUMBER|DOUBLE(?: PRECISION)?|FLOAT\d*|REAL)(?:\s*\([\d\s,]*\))?$/i;
const SCALE = /^(?:DECIMAL|NUMERIC|NUMBER)\s*\(\s*\d+\s*,\s*(\d+)\s*\)/i;
const PLAIN_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export function isNumericType(type: string): boolean {
  return NUMERIC_TYPE.test(type.trim());
}

/** Digits after the point the column is declared with (DECIMAL(18,4) -> 4), if it says. */
export function columnScale(type: string): number | undefined {
  const match = SCALE.exec(type.trim());
  return match ? Math.min(Number(match[1]), 100) : undefined;
}

export interface CellDisplay {
  text: string;
  kind: 'null' | 'number' | 'text';
}

export function displayCell(value: unknown, type: string, locale?: string): CellDisplay {
  if (value === null || value === undefined) return { text: 'NULL', kind: 'null' };
  if (isNumericType(type) && (typeof value === 'number' || (typeof value === 'string' && PLAIN_NUMBER.test(value)))) {
    return { text: formatNumber(value, columnScale(type), locale), kind: 'number' };
  }
  // Anything else, including "NaN" and "Infinity" in a numeric column, reads as it came.
  return { text: showInvisible(exactText(value)), kind: 'text' };
}

function formatNumber(value: number | string, scale: number | undefined, locale?: string): string {
  // Intl formats a decimal string exactly (no float rounding), so "29072.3700" keeps its digits.
  const digits = scale ?? (typeof value === 'string' ? fractionDigits(value) : undefined);
  const format = new Intl.NumberFormat(locale, digits === undefined
    ? { maximumFractionDigits: 20 }
    : { minimumFractionDigits: digits, maximumFractionDigits: Math.max(digits, fractionDigits(String(value))) });
  return format.format(value as unknown as number);
}

function fractionDigits(text: string): number {
  if (/e/i.test(text)) return 20;
  const point = text.indexOf('.');
  return point < 0 ? 0 : Math.min(text.length - point - 1, 100);
}
