// Where each statement of a SQL document starts and ends, for running one of them from the editor.
// Read with a real lexer, never by looking for ";": a semicolon in a string, a dollar-quoted body
// or a comment is not a boundary. PostgreSQL and DuckDB (whose parser is derived from PostgreSQL's
// and shares its lexical rules) use libpg-query's scanner; Snowflake uses sqlparser-ts with its
// Snowflake dialect. A wrong split cannot widen what runs: every piece is checked again, as sent,
// by the policy gate with the dialect's own parser (two statements in one piece are refused).
import type { SqlDialect } from './guardrail';
import { loadSqlparser } from './snowflakeRules';

export interface StatementRange {
  /** Character offsets into the document: `text === document.slice(start, end)`. */
  start: number;
  end: number;
  text: string;
}

export class StatementSplitError extends Error {
  override name = 'StatementSplitError';
}

/** Larger documents are not split as a whole (the CodeLens would re-read them on every edit). */
const MAX_SPLIT_CHARS = 2_000_000;
/** Above this many semicolons a Snowflake document is not split (each one costs a parse). */
const MAX_SNOWFLAKE_SEMICOLONS = 400;

export async function statementRanges(dialect: SqlDialect, text: string): Promise<StatementRange[]> {
  if (!text.trim()) return [];
  if (text.length > MAX_SPLIT_CHARS) throw new StatementSplitError(`This document is larger than ${(MAX_SPLIT_CHARS / 1e6).toFixed(0)} million characters: select the statement to run.`);
  return dialect === 'snowflake' ? snowflakeRanges(text) : postgresLexerRanges(text);
}

/** The statement containing `offset` (or the nearest one before it: the cursor just after a `;`). */
export function statementAt(ranges: readonly StatementRange[], offset: number): StatementRange | undefined {
  return ranges.find((r) => offset >= r.start && offset <= r.end) ?? [...ranges].reverse().find((r) => r.end <= offset) ?? ranges[0];
}

interface ScanToken { start: number; end: number; tokenName: string }

let pgScanner: Promise<(sql: string) => { tokens: ScanToken[] }> | undefined;
function loadScanner() {
  pgScanner ??= (async () => {
    const pg = await import('libpg-query');
    await pg.loadModule();
    return pg.scanSync as (sql: string) => { tokens: ScanToken[] };
  })();
  pgScanner.catch(() => (pgScanner = undefined));
  return pgScanner;
}

async function postgresLexerRanges(text: string): Promise<StatementRange[]> {
  const scan = await loadScanner();
  let tokens: ScanToken[];
  try {
    tokens = scan(text).tokens;
  } catch {
    throw new StatementSplitError('The SQL could not be read into statements: a string, quoted name or comment is not closed. Close it, or select the statement to run.');
  }
  // The scanner counts UTF-8 bytes; the editor counts UTF-16 code units.
  const toChar = byteToCharOffsets(text);
  const ranges: StatementRange[] = [];
  let first: ScanToken | undefined;
  let last: ScanToken | undefined;
  const close = () => {
    if (first && last) {
      const start = toChar(first.start);
      const end = toChar(last.end);
      ranges.push({ start, end, text: text.slice(start, end) });
    }
    first = last = undefined;
  };
  for (const token of tokens) {
    if (token.tokenName === 'ASCII_59') close();
    else if (token.tokenName === 'SQL_COMMENT' || token.tokenName === 'C_COMMENT') {
      if (first) last = token; // a comment inside a statement stays with it
    } else {
      first ??= token;
      last = token;
    }
  }
  close();
  return ranges;
}

function byteToCharOffsets(text: string): (byte: number) => number {
  if (Buffer.byteLength(text, 'utf8') === text.length) return (byte) => byte;
  const map = new Map<number, number>();
  let byte = 0;
  for (let i = 0; i < text.length; i++) {
    map.set(byte, i);
    const code = text.codePointAt(i)!;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (code >= 0x10000) i++; // a surrogate pair is one code point
    byte += size;
  }
  map.set(byte, text.length);
  return (b) => map.get(b) ?? text.length;
}

/**
 * sqlparser-ts has no public tokenizer, so its parser decides which semicolons separate
 * statements: a `;` is a boundary exactly when blanking it changes what the document parses to
 * (one statement fewer, or no longer valid). Inside a string or comment it changes nothing.
 */
async function snowflakeRanges(text: string): Promise<StatementRange[]> {
  const sqlparser = await loadSqlparser();
  const count = (sql: string): number => {
    try {
      return (sqlparser.parse(sql, 'snowflake') as unknown[]).length;
    } catch {
      return -1;
    }
  };
  const total = count(text);
  if (total < 0) throw new StatementSplitError('The Snowflake parser could not read this document, so its statements cannot be told apart. Fix the syntax error, or select the statement to run.');
  const semicolons: number[] = [];
  for (let i = text.indexOf(';'); i >= 0; i = text.indexOf(';', i + 1)) semicolons.push(i);
  if (semicolons.length > MAX_SNOWFLAKE_SEMICOLONS) throw new StatementSplitError(`This document has more than ${MAX_SNOWFLAKE_SEMICOLONS} semicolons: select the statement to run.`);
  const boundaries = semicolons.filter((i) => {
    const blanked = count(`${text.slice(0, i)} ${text.slice(i + 1)}`);
    return blanked < 0 || blanked < total;
  });
  const ranges: StatementRange[] = [];
  let from = 0;
  for (const cut of [...boundaries, text.length]) {
    const piece = text.slice(from, cut);
    const lead = piece.length - piece.trimStart().length;
    const start = from + lead;
    const end = from + piece.trimEnd().length;
    // A piece of only comments (or nothing) is no statement.
    if (end > start && count(text.slice(start, end)) > 0) ranges.push({ start, end, text: text.slice(start, end) });
    from = cut + 1;
  }
  return ranges;
}
