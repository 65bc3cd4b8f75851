// DuckDB values as JSON, by the contract the three connectors share: finite numbers a double
// holds exactly are numbers; NaN and the infinities are the strings "NaN", "Infinity",
// "-Infinity"; integers beyond 2^53 and decimals a double cannot hold are strings with the exact
// digits; infinite dates and timestamps are "infinity" / "-infinity"; intervals are DuckDB's own
// text; binary is "\x" and lowercase hex; JSON is the parsed value; lists, arrays, structs and maps
// are JSON arrays and objects whose elements follow the same rules. Everything else is the
// library's JSON form (UUID, ENUM, BIT, TIME as DuckDB prints them).
import type { DuckDBType, DuckDBValue, DuckDBValueConverter } from '@duckdb/node-api';
import type { JsonValue } from './connector';

type DuckDBApi = typeof import('@duckdb/node-api');

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;
const DIGITS_15 = 10n ** 15n;

/** A converter for `convertRows`, built from the loaded API (the native driver loads lazily). */
export function jsonValueConverter(duck: DuckDBApi): DuckDBValueConverter<JsonValue> {
  const { DuckDBTypeId: T, JsonDuckDBValueConverter: library } = duck;
  const positiveInfinityDays = duck.DuckDBDateValue.PosInf.days;
  const negativeInfinityDays = duck.DuckDBDateValue.NegInf.days;

  const convert: DuckDBValueConverter<JsonValue> = (value: DuckDBValue, type: DuckDBType, self) => {
    if (value === null || value === undefined) return null;
    switch (type.typeId) {
      case T.BIGINT:
      case T.UBIGINT:
      case T.HUGEINT:
      case T.UHUGEINT:
        return typeof value === 'bigint' && value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : String(value);
      case T.BIGNUM:
        return exactInteger(String(value));
      case T.DECIMAL: {
        // Up to 15 significant digits always survive a double; the division of two exact doubles
        // rounds correctly, so it is the same number as parsing the text. Wider values are checked.
        const { value: unscaled, scale } = value as unknown as { value: bigint; scale: number };
        if (unscaled > -DIGITS_15 && unscaled < DIGITS_15 && scale <= 22) return Number(unscaled) / 10 ** scale;
        return exactDecimal(String(value));
      }
      case T.DATE: {
        const days = (value as { days: number }).days;
        if (days === positiveInfinityDays) return 'infinity';
        if (days === negativeInfinityDays) return '-infinity';
        return String(value);
      }
      case T.INTERVAL:
        return String(value);
      case T.BLOB:
        return `\\x${Buffer.from((value as { bytes: Uint8Array }).bytes).toString('hex')}`;
      case T.VARCHAR:
        return type.alias?.toUpperCase() === 'JSON' ? parseJson(String(value)) : String(value);
      case T.MAP:
        return mapObject(value, type, self);
    }
    return library(value, type, self) as JsonValue;
  };
  return convert;
}

/** Integer text as a number when a double holds it exactly, else the digits. */
export function exactInteger(text: string): JsonValue {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

/** Decimal text as a number when it is within 2^53 and the double prints back as the same value, else the digits. */
export function exactDecimal(text: string): JsonValue {
  const n = Number(text);
  // Beyond 2^53 a double skips integers: 1e23 prints back as itself but is not 10^23.
  if (!Number.isFinite(n) || Math.abs(n) > Number.MAX_SAFE_INTEGER) return text;
  return canonical(plain(String(n))) === canonical(text) ? n : text;
}

/** 1e-10 as 0.0000000001, -1.5e+22 as -15000000000000000000000: a double's text without exponent. */
function plain(text: string): string {
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign, head, tail = '', exp] = match;
  const digits = head + tail;
  const point = 1 + Number(exp);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

// 1.10 and 1.1 are the same value; -0.00 is kept as text (JSON has no negative zero).
function canonical(text: string): string {
  if (!/^-?\d+(\.\d+)?$/.test(text)) return `not a plain decimal: ${text}`;
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

function parseJson(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    // DuckDB's JSON type holds valid JSON; if it ever did not, the text is what there is.
    return text;
  }
}

// A MAP is an object keyed by each key's text (DuckDB's own to_json does the same).
function mapObject(value: DuckDBValue, type: DuckDBType, self: DuckDBValueConverter<JsonValue>): JsonValue {
  const map = value as unknown as { entries: { key: DuckDBValue; value: DuckDBValue }[] };
  const mapType = type as unknown as { keyType: DuckDBType; valueType: DuckDBType };
  const out: Record<string, JsonValue> = {};
  for (const entry of map.entries) {
    const key = self(entry.key, mapType.keyType, self);
    out[typeof key === 'string' ? key : JSON.stringify(key)] = self(entry.value, mapType.valueType, self);
  }
  return out;
}
