// PostgreSQL's text output turned into JSON values, by the column's type, exactly. Every column
// arrives as the server's own text (no driver parsing), so nothing is rounded, clipped to
// milliseconds or turned into NaN on the way. The shared contract: finite numbers a double holds
// digit for digit are JSON numbers; NaN/Infinity/-Infinity and numbers a double cannot hold are
// strings; infinite dates stay "infinity"; JSON is parsed; arrays hold elements by the same rules;
// every other type is its PostgreSQL text form.
import { isSafeNumber, parse as parseJsonLossless } from 'lossless-json';
import pg from 'pg';
import { parse as parseArray } from 'postgres-array';
import type { JsonValue } from './connector';

/** One row of pg_type, as much as the conversion needs. */
export interface PgTypeInfo {
  oid: number;
  name: string;
  /** b base, d domain, e enum, r range, m multirange, c composite, p pseudo. */
  typtype: string;
  /** Element type of an array type (0 otherwise). */
  elem: number;
  /** Underlying type of a domain (0 otherwise). */
  base: number;
  /** A = array. */
  category: string;
  delimiter: string;
}

/** The query that fills a PgTypeInfo map; $1 limits it to some oids (null: all). */
export const PG_TYPES_SQL = `SELECT t.oid::int AS oid, format_type(t.oid, NULL) AS name, t.typtype::text AS typtype, t.typelem::int AS elem,
        t.typbasetype::int AS base, t.typcategory::text AS category, t.typdelim::text AS delimiter
   FROM pg_type t WHERE $1::oid[] IS NULL OR t.oid = ANY($1::oid[])`;

// Built-in type oids are fixed by PostgreSQL (pg_type.dat); a user type with the same name in
// another schema has another oid, so matching by oid cannot be fooled by names.
const OID = { bool: 16, bytea: 17, int8: 20, int2: 21, int4: 23, oid: 26, json: 114, float4: 700, float8: 701, date: 1082, timestamp: 1114, timestamptz: 1184, numeric: 1700, jsonb: 3802 } as const;

type Convert = (text: string) => JsonValue;

const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);

const asFloat: Convert = (text) => (NON_FINITE.has(text) ? text : Number(text));
const asInt: Convert = (text) => Number(text);
const asInt8: Convert = (text) => (Number.isSafeInteger(Number(text)) ? Number(text) : text);
/**
 * A decimal text as a number when a double holds its digits exactly, else undefined. Up to 15
 * characters means at most 15 significant digits, which a double always round-trips (DBL_DIG);
 * longer texts, and JSON's exponents (1e400), are checked digit by digit.
 */
function exactNumber(text: string): number | undefined {
  if (NON_FINITE.has(text)) return undefined;
  if (text.length <= 15 && text.indexOf('e') < 0 && text.indexOf('E') < 0) return Number(text);
  return isSafeNumber(text) ? Number(text) : undefined;
}

// NUMERIC is exact decimal text as the server prints it (its scale kept: 12.50, NaN, Infinity), in
// every dialect: a double would drop the scale, and beyond 15 digits the value.
const asNumeric: Convert = (text) => text;
const asBool: Convert = (text) => text === 't';
// The session asks for hex (bytea_output); a query that switched it to escape with set_config is decoded by pg's own parser.
const parseBytea = pg.types.getTypeParser(OID.bytea, 'text') as (text: string) => Buffer;
const asBytea: Convert = (text) => (text.startsWith('\\x') ? text : `\\x${parseBytea(text).toString('hex')}`);
const asText: Convert = (text) => text;

/** A converter that parses structure falls back to the raw text, which is always faithful. */
const orText = (convert: Convert): Convert => (text) => {
  try {
    return convert(text);
  } catch {
    return text;
  }
};

/** JSON numbers a double cannot hold keep their exact digits, as strings; a repeated key keeps the last value (as PostgreSQL's own json operators do). */
const asJson: Convert = orText((text) =>
  parseJsonLossless(text, null, {
    parseNumber: (digits: string) => exactNumber(digits) ?? digits,
    onDuplicateKey: ({ newValue }: { newValue: unknown }) => newValue,
  }) as JsonValue);

/** DateStyle ISO text `2025-03-01 10:00:00.123456+05:30` -> ISO 8601 `2025-03-01T10:00:00.123456+05:30`; microseconds and offset kept. */
const asTimestamp: Convert = (text) => {
  const match = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)(?:([+-]\d\d)(?::(\d\d))?)?$/.exec(text);
  if (!match) return text; // infinity, -infinity, BC dates, offsets with seconds: PostgreSQL's text
  const [, day, time, hours, minutes] = match;
  return `${day}T${time}${hours ? `${hours}:${minutes ?? '00'}` : ''}`;
};

/** Turns a column's text into JSON values according to its type (domains as their base type). */
export function converterFor(oid: number, types: ReadonlyMap<number, PgTypeInfo>): Convert {
  const seen = new Set<number>();
  let info = types.get(oid);
  // Domains over domains: follow to the base type (guarded against a cycle in a broken catalog).
  while (info && info.typtype === 'd' && info.base && !seen.has(info.oid)) {
    seen.add(info.oid);
    oid = info.base;
    info = types.get(oid);
  }
  switch (oid) {
    case OID.bool: return asBool;
    case OID.bytea: return orText(asBytea);
    case OID.int2: case OID.int4: case OID.oid: return asInt;
    case OID.int8: return asInt8;
    case OID.float4: case OID.float8: return asFloat;
    case OID.numeric: return asNumeric;
    case OID.json: case OID.jsonb: return asJson;
    case OID.timestamp: case OID.timestamptz: return asTimestamp;
    default: break;
  }
  if (info && info.category === 'A' && info.elem) {
    const element = types.get(info.elem);
    // postgres-array splits on commas; types with another delimiter (box uses ;) stay text.
    if (element && element.delimiter !== ',') return asText;
    const convertElement = converterFor(info.elem, types);
    return orText((text) => (text.startsWith('{') || text.startsWith('[') ? (parseArray(text, convertElement) as JsonValue) : text));
  }
  return asText;
}

/** A converter per column (each one total: it never throws). */
export function rowConverter(oids: readonly number[], types: ReadonlyMap<number, PgTypeInfo>): (row: unknown[]) => JsonValue[] {
  const converters = oids.map((oid) => converterFor(oid, types));
  return (row) => {
    const out: JsonValue[] = new Array(row.length);
    for (let i = 0; i < row.length; i++) {
      const value = row[i];
      out[i] = value === null || value === undefined ? null : converters[i](value as string);
    }
    return out;
  };
}
