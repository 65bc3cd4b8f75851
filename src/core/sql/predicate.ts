// Whether the WHERE of a DELETE or UPDATE (or the ON of a MERGE) can be false for some row of the
// table it writes. Each dialect maps its own parse tree into the small model below
// (postgresPredicate.ts, sqlparserPredicate.ts); the analysis is the same for all of them.
// A condition bounds the write only when it compares a column of the target with something that
// does not depend on the target row (a constant, a parameter, a subquery, a joined table's column)
// in a way that can be false. When unsure, it does not bound: the user types the target.

/** A column reference; qualifier is the dotted prefix (alias, table, schema.table), lower case. */
export interface Column {
  qualifier: string[];
  name: string;
}

/** An operand: its SQL-ish text for messages, the columns it reads (outside subqueries). */
export interface Value {
  text: string;
  columns: Column[];
  /** The operand is a column itself (perhaps cast), not computed from one. */
  bare?: boolean;
  /** A numeric literal, for range analysis. */
  number?: number;
  /** A string literal, for LIKE patterns. */
  string?: string;
  /** The operand holds a condition of its own ((id = id) = true): its truth is not analysed. */
  condition?: boolean;
  /** The NULL literal. */
  null?: boolean;
  /** A subquery inside reads the relation being written (SELECT id FROM t): it may follow the row. */
  readsTarget?: boolean;
  /** The operand is a scalar subquery: one value (per row, if correlated). */
  scalar?: boolean;
  /** The operand is a function call: its lower-case name (without schema) and arguments. */
  call?: { name: string; args: Value[] };
  /** The operand is a row of values ((a, b) = (1, 2)). */
  row?: Value[];
}

export type CompareOp =
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'
  | 'like' | 'not like' | 'similar' | 'not similar' | 'match' | 'not match' | 'in' | 'not in'
  | 'distinct' | 'not distinct' | 'other' | 'not other';

export type Predicate =
  | { kind: 'and' | 'or'; items: Predicate[] }
  | { kind: 'not'; item: Predicate }
  | { kind: 'compare'; op: CompareOp; left: Value; right: Value; text: string }
  | { kind: 'null'; value: Value; negated: boolean }
  | { kind: 'truth'; value: Value; test: 'true' | 'false' | 'unknown'; negated: boolean }
  | { kind: 'constant'; text: string }
  | { kind: 'exists'; text: string; correlated: boolean; negated: boolean; readsTarget?: boolean }
  | { kind: 'current-of' }
  /** A boolean column or any other expression used as the condition itself. */
  | { kind: 'value'; value: Value; negated: boolean };

/** The relation written (its alias, name and qualified names) and whether others are joined in. */
export interface Scope {
  target: string[];
  /** Names and aliases of the other relations (USING, FROM, MERGE source). */
  others: string[];
  /** Aliases of the other relations that are derived from the target ((SELECT id FROM t) u): a self-join. */
  copies?: string[];
  /** Names of the statement's CTEs that read the target (WITH u AS (SELECT id FROM t)): reading them reads it. */
  sources?: string[];
}

export type Boundedness = { bounded: true } | { bounded: false; why: string; certain: boolean };

const BOUNDED: Boundedness = { bounded: true };

/** Whether `where` can be false for some row of the target. */
export function analyzeBound(where: Predicate, scope: Scope): Boundedness {
  return bound(pushNot(where, false), scope);
}

/** How a DELETE or UPDATE is rated, with a reason that says why when it is not bounded. */
export function boundReason(statement: string, effect: string, where: Predicate | undefined, scope: Scope): string | undefined {
  if (!where) return `${statement} without a WHERE ${effect} every row`;
  const result = analyzeBound(where, scope);
  if (result.bounded) return undefined;
  return result.certain
    ? `${statement} ${effect} every row: its WHERE can never be false: ${result.why}`
    : `${statement} may ${effect.replace(/s$/, '')} every row: Pipewright cannot tell that its WHERE can be false: ${result.why}`;
}

// NOT is pushed down to the comparisons (De Morgan; NOT x = 1 is x <> 1 in three-valued logic too),
// so that x = 1 OR NOT (x = 1) is seen as the complement it is.
const NEGATE: Record<CompareOp, CompareOp> = {
  eq: 'ne', ne: 'eq', lt: 'ge', ge: 'lt', gt: 'le', le: 'gt',
  like: 'not like', 'not like': 'like', similar: 'not similar', 'not similar': 'similar', match: 'not match', 'not match': 'match', in: 'not in', 'not in': 'in',
  distinct: 'not distinct', 'not distinct': 'distinct', other: 'not other', 'not other': 'other',
};

const SYMBOLS: Partial<Record<CompareOp, string>> = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' };

function pushNot(p: Predicate, negate: boolean): Predicate {
  switch (p.kind) {
    case 'not':
      return pushNot(p.item, !negate);
    case 'and':
    case 'or': {
      const kind = negate ? (p.kind === 'and' ? 'or' : 'and') : p.kind;
      return { kind, items: p.items.map((i) => pushNot(i, negate)) };
    }
    case 'compare': {
      if (!negate) return p;
      const op = NEGATE[p.op];
      return { ...p, op, text: SYMBOLS[op] ? `${p.left.text} ${SYMBOLS[op]} ${p.right.text}` : `NOT (${p.text})` };
    }
    case 'null':
    case 'truth':
    case 'exists':
    case 'value':
      return negate ? { ...p, negated: !p.negated } : p;
    case 'constant':
      return negate ? { kind: 'constant', text: `NOT ${p.text}` } : p;
    case 'current-of':
      // NOT CURRENT OF c is every row but one.
      return negate ? { kind: 'value', value: { text: 'NOT CURRENT OF', columns: [] }, negated: true } : p;
  }
}

type Side = 'target' | 'other' | 'unknown';

function sideOf(column: Column, scope: Scope): Side {
  if (column.qualifier.length === 0) return scope.others.length === 0 ? 'target' : 'unknown';
  const dotted = column.qualifier.join('.');
  const last = column.qualifier[column.qualifier.length - 1];
  if (scope.copies?.includes(dotted) || scope.copies?.includes(last)) return 'unknown';
  const isTarget = scope.target.includes(dotted) || scope.target.includes(last);
  const isOther = scope.others.includes(dotted) || scope.others.includes(last);
  if (isTarget && !isOther) return 'target';
  if (isOther && !isTarget) return 'other';
  return 'unknown';
}

interface Reading {
  target: Column[];
  unknown: Column[];
  other: Column[];
}

function read(value: Value, scope: Scope): Reading {
  const r: Reading = { target: [], unknown: [], other: [] };
  for (const c of value.columns) r[sideOf(c, scope)].push(c);
  return r;
}

const keyOf = (c: Column): string => [...c.qualifier, c.name].join('.');
const sameColumns = (a: Column[], b: Column[]): boolean => {
  const ka = new Set(a.map((c) => c.name));
  return b.every((c) => ka.has(c.name)) && a.every((c) => b.some((d) => d.name === c.name));
};

function bound(p: Predicate, scope: Scope): Boundedness {
  switch (p.kind) {
    case 'and': {
      let first: Boundedness | undefined;
      for (const item of p.items) {
        const b = bound(item, scope);
        if (b.bounded) return BOUNDED;
        first ??= b;
      }
      return first ?? { bounded: false, why: 'the condition is empty', certain: true };
    }
    case 'or': {
      // A part that is unbounded for certain says it best; then parts that together cover every row.
      const parts = p.items.map((item) => bound(item, scope));
      const loose = parts.filter((b): b is Extract<Boundedness, { bounded: false }> => !b.bounded);
      const together = complements(p.items, scope);
      return loose.find((b) => b.certain) ?? (together.bounded ? undefined : together) ?? loose[0] ?? BOUNDED;
    }
    case 'compare':
      return compare(p, scope);
    case 'null':
      return p.negated ? notNull(p.value, scope, `${p.value.text} IS NOT NULL`) : testsTarget(p.value, scope, `${p.value.text} IS NULL`);
    case 'truth':
      return testsTarget(p.value, scope, `${p.value.text} IS ${p.negated ? 'NOT ' : ''}${p.test.toUpperCase()}`);
    case 'value': {
      const text = `${p.negated ? 'NOT ' : ''}${p.value.text}`;
      if (p.value.readsTarget) return readsTarget(text, scope);
      if (p.value.bare) return testsTarget(p.value, scope, text);
      if (read(p.value, scope).target.length === 0) return testsTarget(p.value, scope, text);
      return { bounded: false, why: `${text} is a computed condition, and Pipewright cannot tell that it can be false`, certain: false };
    }
    case 'constant':
      return { bounded: false, why: `${p.text} is a constant, the same for every row`, certain: true };
    case 'exists':
      if (p.readsTarget) return readsTarget(`${p.negated ? 'NOT ' : ''}${p.text}`, scope);
      return p.correlated
        ? BOUNDED
        : { bounded: false, why: `${p.negated ? 'NOT ' : ''}${p.text} does not refer to the row being written, so it is the same for every row`, certain: true };
    case 'current-of':
      return BOUNDED;
    case 'not':
      return bound(pushNot(p, false), scope);
  }
}

// A subquery over the table being written can return the row's own values (id IN (SELECT id FROM t)),
// like a self-join: Pipewright does not follow what it returns.
function readsTarget(text: string, scope: Scope): Boundedness {
  return { bounded: false, why: `${text} uses a subquery that reads ${scope.target[0]} itself, which may return every row's own values`, certain: false };
}

// x IS NOT NULL holds for every row that has a value, as x = x does; it bounds nothing the user meant.
function notNull(value: Value, scope: Scope, text: string): Boundedness {
  const tested = testsTarget(value, scope, text);
  if (!tested.bounded) return tested;
  return { bounded: false, why: `${text} is true for every row where ${value.text} has a value`, certain: false };
}

function testsTarget(value: Value, scope: Scope, text: string): Boundedness {
  if (value.readsTarget) return readsTarget(text, scope);
  if (value.condition) return { bounded: false, why: `${text} tests the result of a condition, and Pipewright cannot tell that it can be false`, certain: false };
  const r = read(value, scope);
  if (r.target.length > 0) return BOUNDED;
  return { bounded: false, why: noTargetColumn(text, r, scope), certain: r.unknown.length === 0 };
}

function noTargetColumn(text: string, r: Reading, scope: Scope): string {
  if (r.unknown.length) return `${text} uses ${keyOf(r.unknown[0])}, which may not be a column of ${scope.target[0]}: qualify it with the table name`;
  if (r.other.length) return `${text} tests only ${r.other.map(keyOf).join(', ')}, not a column of ${scope.target[0]}`;
  return `${text} compares only constants, the same for every row`;
}

function compare(p: Extract<Predicate, { kind: 'compare' }>, scope: Scope): Boundedness {
  if (p.left.condition || p.right.condition) {
    return { bounded: false, why: `${p.text} compares the result of a condition, and Pipewright cannot tell that it can be false`, certain: false };
  }
  if ([p.left, p.right].some((v) => v.readsTarget && !singleValue(v, p.op))) return readsTarget(p.text, scope);
  const l = read(p.left, scope);
  const r = read(p.right, scope);
  const lHas = l.target.length > 0;
  const rHas = r.target.length > 0;
  if (lHas && rHas) {
    const why = sameColumns(l.target, r.target)
      ? `${p.text} compares a column with itself`
      : `${p.text} compares columns of ${scope.target[0]} with each other, not with a value`;
    return { bounded: false, why, certain: sameColumns(l.target, r.target) };
  }
  if (!lHas && !rHas) {
    const both: Reading = { target: [], unknown: [...l.unknown, ...r.unknown], other: [...l.other, ...r.other] };
    return { bounded: false, why: noTargetColumn(p.text, both, scope), certain: both.unknown.length === 0 };
  }
  // One side reads the target row; the other must not depend on it, nor possibly on it.
  const other = lHas ? r : l;
  if (other.unknown.length) {
    const c = other.unknown[0];
    const copy = c.qualifier.length > 0 && (scope.copies ?? []).includes(c.qualifier[c.qualifier.length - 1]);
    const why = copy
      ? `${p.text} uses ${keyOf(c)}, which comes from a subquery over ${scope.target[0]} itself (a self-join)`
      : `${p.text} uses ${keyOf(c)}, which may be a column of ${scope.target[0]}: qualify it with the table name`;
    return { bounded: false, why, certain: false };
  }
  // Only a column itself is known to take values the comparison can reject: id - id = 0 and
  // length(x) >= 0 hold for every row, and Pipewright does not evaluate expressions.
  const subject = lHas ? p.left : p.right;
  if (!subject.bare && !(caseOf(subject) && SELECTING_OPS.has(p.op)) && !subject.row?.every((v) => v.bare)) {
    return { bounded: false, why: `${p.text} compares ${subject.text}, computed from ${scope.target[0]}'s columns, and Pipewright cannot tell that it can be false: compare the column itself`, certain: false };
  }
  if (PATTERN_OPS.has(p.op) && lHas) {
    const pattern = p.right.string;
    if (pattern === undefined) {
      return { bounded: false, why: `${p.text} has a pattern that is not a plain string literal, and Pipewright cannot tell that it can be false`, certain: false };
    }
    if (matchesEverything(p.op, pattern)) return { bounded: false, why: `${p.text} matches every value that is not NULL`, certain: p.op === 'like' };
  }
  if (p.op === 'distinct' && other.target.length === 0 && (lHas ? p.right : p.left).null) return notNull(subject, scope, p.text);
  return BOUNDED;
}

// An uncorrelated scalar subquery is one value for every row ((SELECT max(id) FROM t)): equal to it
// is bounded like equal to a constant. Ordered against it (id <= (SELECT max(id) FROM t)) it may hold
// for every row, and a correlated one may return the row's own value.
const SINGLE_VALUE_OPS = new Set<CompareOp>(['eq', 'ne', 'distinct', 'not distinct']);
function singleValue(v: Value, op: CompareOp): boolean {
  return Boolean(v.scalar) && v.columns.length === 0 && SINGLE_VALUE_OPS.has(op);
}

// A change of letter case or of surrounding spaces of one column takes many values, so selecting the
// rows where it equals (or matches) a given value is bounded like the column itself: lower(name) = 'bob'.
// Ordered or negated (lower(name) >= '', trim(x) <> 'A B ') it may hold for every row.
const CASE_FUNCTIONS = new Set(['lower', 'upper', 'lcase', 'ucase', 'trim', 'ltrim', 'rtrim', 'btrim']);
const SELECTING_OPS = new Set<CompareOp>(['eq', 'in', 'not distinct', 'like', 'similar', 'match']);
function caseOf(v: Value): boolean {
  return Boolean(v.call && CASE_FUNCTIONS.has(v.call.name) && v.call.args.length === 1 && v.call.args[0].bare);
}

const PATTERN_OPS = new Set<CompareOp>(['like', 'not like', 'similar', 'not similar', 'match', 'not match']);

// A LIKE (or SIMILAR TO) pattern of only % matches every string. An unanchored regular expression
// matches every string when it can match the empty one ('', 'a*', '.*'); one JavaScript cannot
// read is taken as matching everything too: when unsure, unbounded.
function matchesEverything(op: CompareOp, pattern: string): boolean {
  if (op === 'like') return /^%+$/.test(pattern);
  if (op === 'similar') return similarMatchesEverything(pattern);
  if (op !== 'match') return false;
  try {
    return new RegExp(pattern, 'u').test('');
  } catch {
    return true;
  }
}

// SIMILAR TO is a regular expression over the whole string with % for .* and _ for . ('(%)',
// '%|a', '_*%' match everything). It is bounded only when some string provably fails to match;
// a pattern JavaScript cannot read is taken as matching everything.
const PROBES = ['', 'a', 'Zz 9', '\n', '%_\\', 'abcdefghijklmnopqrstuvwxyz0123456789'];
function similarMatchesEverything(pattern: string): boolean {
  const regex = similarToRegExp(pattern);
  if (!regex) return true;
  return PROBES.every((probe) => regex.test(probe));
}

function similarToRegExp(pattern: string): RegExp | undefined {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      const next = pattern[++i];
      if (next === undefined) return undefined;
      out += next.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
    } else if (inClass) {
      if (ch === ']') inClass = false;
      out += ch;
    } else if (ch === '[') {
      inClass = true;
      out += ch;
    } else if (ch === '%') out += '.*';
    else if (ch === '_') out += '.';
    else if (ch === '.' || ch === '^' || ch === '$' || ch === '/') out += `\\${ch}`;
    else out += ch;
  }
  try {
    return new RegExp(`^(?:${out})$`, 'su');
  } catch {
    return undefined;
  }
}

// An OR whose parts are each bounded can still cover every row together (x = 1 OR x <> 1,
// x < 5 OR x >= 5, x IS NULL OR x IS NOT NULL). Negated tests next to any other test of the same
// column, and ranges that meet, are taken as covering: when unsure, unbounded.
interface Atom {
  columns: Set<string>;
  negative: boolean;
  /** For a bare column compared with a number: the direction and bound. */
  range?: { column: string; dir: 'lower' | 'upper'; bound: number | undefined; inclusive: boolean };
  text: string;
}

const NEGATIVE_OPS = new Set<CompareOp>(['ne', 'not like', 'not similar', 'not match', 'not in', 'distinct', 'not other']);

function complements(items: Predicate[], scope: Scope): Boundedness {
  const groups = items.map((item) => atoms(item, scope));
  for (let i = 0; i < groups.length; i++) {
    for (let j = 0; j < groups.length; j++) {
      if (i === j) continue;
      for (const a of groups[i]) {
        for (const b of groups[j]) {
          if (!overlaps(a.columns, b.columns)) continue;
          if (a.negative) return { bounded: false, why: `${b.text} OR ${a.text} together may cover every row`, certain: false };
          if (a.range && b.range && a.range.dir === 'lower' && b.range.dir === 'upper' && meet(a.range, b.range)) {
            return { bounded: false, why: `${b.text} OR ${a.text} together cover every value`, certain: a.range.bound !== undefined && b.range.bound !== undefined };
          }
        }
      }
    }
  }
  return BOUNDED;
}

function overlaps(a: Set<string>, b: Set<string>): boolean {
  for (const x of a) if (b.has(x)) return true;
  return false;
}

// x > lower OR x < upper covers everything when lower < upper (or they are equal and one includes it);
// when either bound is not a number Pipewright cannot compare them.
function meet(lower: NonNullable<Atom['range']>, upper: NonNullable<Atom['range']>): boolean {
  if (lower.column !== upper.column) return true;
  if (lower.bound === undefined || upper.bound === undefined) return true;
  return lower.bound < upper.bound || (lower.bound === upper.bound && (lower.inclusive || upper.inclusive));
}

const FLIP: Partial<Record<CompareOp, CompareOp>> = { lt: 'gt', gt: 'lt', le: 'ge', ge: 'le' };

function atoms(p: Predicate, scope: Scope): Atom[] {
  switch (p.kind) {
    case 'and':
    case 'or':
      return p.items.flatMap((i) => atoms(i, scope));
    case 'compare': {
      const l = read(p.left, scope).target;
      const r = read(p.right, scope).target;
      const onLeft = l.length > 0;
      const columns = new Set([...l, ...r].map((c) => c.name));
      const op = onLeft ? p.op : (FLIP[p.op] ?? p.op);
      const subject = onLeft ? p.left : p.right;
      const bound = onLeft ? p.right : p.left;
      const atom: Atom = { columns, negative: NEGATIVE_OPS.has(op), text: p.text };
      if (op === 'lt' || op === 'le' || op === 'gt' || op === 'ge') {
        atom.range = {
          column: subject.bare ? subject.text : `(${subject.text})`,
          dir: op === 'gt' || op === 'ge' ? 'lower' : 'upper',
          bound: subject.bare ? bound.number : undefined,
          inclusive: op === 'le' || op === 'ge',
        };
      }
      return [atom];
    }
    case 'null':
    case 'truth':
    case 'value': {
      const columns = new Set(read(p.value, scope).target.map((c) => c.name));
      // x IS TRUE OR x IS FALSE OR x IS NULL, x OR NOT x: any mix of truth tests is taken as covering.
      const negative = p.negated || (p.kind === 'truth' && p.test !== 'true');
      return [{ columns, negative, text: describe(p) }];
    }
    case 'exists':
      return [{ columns: new Set(['(exists)']), negative: p.negated, text: `${p.negated ? 'NOT ' : ''}${p.text}` }];
    default:
      return [];
  }
}

function describe(p: Extract<Predicate, { kind: 'null' | 'truth' | 'value' }>): string {
  if (p.kind === 'null') return `${p.value.text} IS ${p.negated ? 'NOT ' : ''}NULL`;
  if (p.kind === 'truth') return `${p.value.text} IS ${p.negated ? 'NOT ' : ''}${p.test.toUpperCase()}`;
  return `${p.negated ? 'NOT ' : ''}${p.value.text}`;
}
