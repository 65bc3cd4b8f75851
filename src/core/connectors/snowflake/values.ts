// Snowflake values to JSON values, exactly: numbers a double holds exactly stay numbers, other
// numbers stay exact text, VARIANT/OBJECT/ARRAY are parsed, dates and times as the session formats them.
import type * as SnowflakeSdk from 'snowflake-sdk';
import { isSafeNumber, parse as parseLossless } from 'lossless-json';
import type { ColumnInfo, JsonValue } from '../connector';

type SdkColumn = SnowflakeSdk.Column;

// Numbers, dates and JSON come as the server's own text: exact decimals, the session's date
// formats, and no eval-based fallback parsing of VARIANT values inside the driver.
// Dates and timestamps come as the driver's date objects: its own text formatting (moment.js,
// per value) tripled the cost of a stream; the common default formats are written out here.
export const FETCH_AS_STRING = ['Number', 'JSON', 'Buffer', 'Object', 'Array', 'Map'] as unknown as SnowflakeSdk.DataType[];

const TYPE_NAMES: Record<string, string> = {
  real: 'FLOAT',
  text: 'VARCHAR',
  binary: 'BINARY',
  boolean: 'BOOLEAN',
  date: 'DATE',
  time: 'TIME',
  timestamp_ntz: 'TIMESTAMP_NTZ',
  timestamp_ltz: 'TIMESTAMP_LTZ',
  timestamp_tz: 'TIMESTAMP_TZ',
  variant: 'VARIANT',
  object: 'OBJECT',
  array: 'ARRAY',
  map: 'MAP',
};

export function columnInfo(column: SdkColumn): ColumnInfo {
  const type = column.getType();
  return { name: column.getName(), type: type === 'fixed' ? `NUMBER(${column.getPrecision()},${column.getScale()})` : (TYPE_NAMES[type] ?? type.toUpperCase()) };
}

/** Turns the driver's value for one column into a JSON-safe value, exactly. */
export function valueConverter(column: SdkColumn): (value: unknown) => JsonValue {
  const type = column.getType();
  if (type === 'fixed') {
    const integer = column.getScale() === 0;
    return (value) => {
      if (value === null || value === undefined) return null;
      const text = String(value);
      if (!integer) return text; // exact decimal text, as DuckDB's DECIMAL
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : text;
    };
  }
  if (type === 'real') return (value) => (value === null || value === undefined ? null : floatValue(String(value)));
  if (type === 'variant' || type === 'object' || type === 'array' || type === 'map') {
    return (value) => (value === null || value === undefined ? null : semiStructuredValue(String(value)));
  }
  if (type === 'binary') return (value) => (value === null || value === undefined ? null : `\\x${String(value).toLowerCase()}`);
  if (type === 'boolean') return (value) => (value === null || value === undefined ? null : Boolean(value));
  if (type === 'date' || type === 'time' || type.startsWith('timestamp')) return dateTimeText(type);
  return (value) => (value === null || value === undefined ? null : String(value));
}

// Snowflake writes non-finite FLOATs as NaN, inf and -inf; JSON has no such numbers (they would
// become null), so they travel as the strings JavaScript prints for them.
const NON_FINITE: Record<string, string> = { nan: 'NaN', inf: 'Infinity', '+inf': 'Infinity', infinity: 'Infinity', '-inf': '-Infinity', '-infinity': '-Infinity' };

function floatValue(text: string): JsonValue {
  const named = NON_FINITE[text.trim().toLowerCase()];
  if (named) return named;
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

/**
 * VARIANT, OBJECT and ARRAY text as JSON values, by the same rules as columns: a number a double
 * holds exactly becomes a number, any other keeps its exact digits as a string. Text that is not
 * JSON (a VARIANT holding NaN, say) stays the server's text.
 */
function semiStructuredValue(text: string): JsonValue {
  try {
    return parseLossless(text, undefined, (digits) => (isSafeNumber(digits) ? Number(digits) : digits)) as JsonValue;
  } catch {
    return text;
  }
}

/** The driver's date/time value (a Date or time object carrying epoch seconds, nanoseconds, format). */
interface SfDateTime {
  getEpochSeconds?(): number;
  getNanoSeconds(): number;
  getFormat(): string;
  getTimezone?(): unknown;
  toJSON(): string;
}

/**
 * Date and time values as the session formats them. DATE and TIMESTAMP_NTZ in Snowflake's default
 * formats (UTC wall-clock, no zone) are written directly; any other type or format is left to the
 * driver's formatter, so a user's own output formats are honoured.
 */
function dateTimeText(type: string): (value: unknown) => JsonValue {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const day = (d: Date) => `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return (value) => {
    if (value === null || value === undefined) return null;
    const v = value as SfDateTime;
    if (typeof v.getFormat !== 'function') return String(value);
    const format = v.getFormat();
    if (typeof v.getEpochSeconds === 'function' && (type === 'date' || type === 'timestamp_ntz')) {
      const seconds = v.getEpochSeconds();
      if (Math.abs(seconds) < 8.64e12 && seconds >= -62_135_596_800) {
        const d = new Date(seconds * 1000);
        if (type === 'date' && format === 'YYYY-MM-DD') return day(d);
        if (type === 'timestamp_ntz' && format === 'YYYY-MM-DD HH24:MI:SS.FF3') {
          return `${day(d)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(Math.floor(v.getNanoSeconds() / 1e6), 3)}`;
        }
      }
    }
    return v.toJSON();
  };
}
