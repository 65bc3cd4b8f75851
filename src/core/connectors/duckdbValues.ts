// DuckDB values as JSON, by the contract the three connectors share: finite numbers a double
// holds exactly are numbers; NaN and the infinities are the strings "NaN", "Infinity",
// "-Infinity"; integers beyond 2^53 are strings with the exact digits; DECIMAL is always exact
// decimal text with its scale; infinite dates and timestamps are "infinity" / "-infinity"; intervals are DuckDB's own
// text; binary is "\x" and lowercase hex; JSON is the parsed value; lists, arrays, structs and maps
// are JSON arrays and objects whose elements follow the same rules. Everything else is the
// library's JSON form (UUID, ENUM, BIT, TIME as DuckDB prints them).
import type { DuckDBType, DuckDBValue, DuckDBValueConverter } from '@duckdb/node-api';
import type { JsonValue } from './connector';

type DuckDBApi = typeof import('@duckdb/node-api');

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

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
      case T.DECIMAL:
        // Exact decimal text with the column's scale (29072.3700), as in every dialect.
        return String(value);
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
