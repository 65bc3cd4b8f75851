// Maps a libpg-query expression tree (a WHERE or MERGE ON) into the dialect-neutral model of
// predicate.ts. Anything not recognised becomes an opaque value, which never bounds by itself.
import type { Column, CompareOp, Predicate, Scope, Value } from './predicate';

type Node = Record<string, any>;

const OPS: Record<string, CompareOp> = {
  '=': 'eq', '<>': 'ne', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge',
  '~~': 'like', '!~~': 'not like', '~~*': 'like', '!~~*': 'not like',
  '~': 'match', '~*': 'match', '!~': 'not match', '!~*': 'not match',
};
const SYMBOL: Partial<Record<CompareOp, string>> = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' };

/** The relation a DELETE/UPDATE/MERGE writes, and the others it joins (USING, FROM, source). */
export function postgresScope(relation: Node | undefined, others: Node[], withClause?: Node): Scope {
  const target: string[] = [];
  if (relation) {
    if (relation.alias?.aliasname) target.push(relation.alias.aliasname);
    target.push(relation.relname, [relation.schemaname, relation.relname].filter(Boolean).join('.'));
    if (relation.catalogname) target.push([relation.catalogname, relation.schemaname, relation.relname].join('.'));
  }
  const names = unique(target.filter(Boolean).map(lower));
  const sources = cteSources(withClause, names);
  const reading = [...names, ...sources];
  return { target: names, others: unique(others.flatMap((o) => relationNames(o)).map(lower)), copies: unique(copiesOf(others, reading)), sources };
}

// The statement's CTEs whose query reads the target, or reads such a CTE (in order, as WITH allows).
function cteSources(withClause: Node | undefined, target: string[]): string[] {
  const out: string[] = [];
  for (const item of withClause?.ctes ?? []) {
    const cte = item.CommonTableExpr;
    if (cte?.ctename && namesAny(cte.ctequery, [...target, ...out])) out.push(lower(cte.ctename));
  }
  return out;
}

/** The target's names and the CTEs over it: a relation read under one of them reads the target. */
const readers = (scope: Scope): string[] => [...scope.target, ...(scope.sources ?? [])];

// Aliases of derived tables in FROM/USING/source whose own FROM names the target: (SELECT id FROM t) u
// is t again, a self-join like t AS u.
function copiesOf(others: Node[], target: string[]): string[] {
  const out: string[] = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (!n || typeof n !== 'object') return;
    for (const [k, v] of Object.entries(n as Node)) {
      if ((k === 'RangeSubselect' || k === 'RangeFunction') && v.alias?.aliasname && namesAny(v, target)) out.push(lower(v.alias.aliasname));
      // FROM u, where u is a CTE over the target.
      if (k === 'RangeVar' && !v.schemaname && target.includes(lower(v.relname))) out.push(...relationNames({ RangeVar: v }, false, true).map(lower));
      // A derived table's own FROM is its business: it was judged whole above.
      if (k !== 'RangeSubselect' && k !== 'SelectStmt') visit(v);
    }
  };
  visit(others);
  return out;
}

/** Whether a relation anywhere under `node` (subqueries included) is called by one of `names`. */
function namesAny(node: unknown, names: string[]): boolean {
  return relationNames(node, true).some((n) => names.includes(lower(n)));
}

/**
 * Names and aliases of every relation in a FROM list item (RangeVar, JoinExpr, RangeSubselect, ...).
 * With `visible`, only the names a query can refer to it by: an alias hides the table's name.
 */
function relationNames(node: unknown, deep = false, visible = false): string[] {
  const out: string[] = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (!n || typeof n !== 'object') return;
    for (const [k, v] of Object.entries(n as Node)) {
      if (k === 'RangeVar') {
        if (v.alias?.aliasname) out.push(v.alias.aliasname);
        if (!visible || !v.alias?.aliasname) out.push(v.relname, [v.schemaname, v.relname].filter(Boolean).join('.'));
      } else if ((k === 'RangeSubselect' || k === 'RangeFunction') && v.alias?.aliasname) out.push(v.alias.aliasname);
      // A JoinExpr's own alias, and its arms; never into subqueries (their tables are their own).
      if (k === 'JoinExpr' && v.alias?.aliasname) out.push(v.alias.aliasname);
      if (deep || (k !== 'RangeSubselect' && k !== 'SelectStmt')) visit(v);
    }
  };
  visit(node);
  return out.filter(Boolean);
}

export function postgresPredicate(node: Node | undefined, scope: Scope): Predicate | undefined {
  return node ? predicate(node, scope) : undefined;
}

function predicate(node: Node, scope: Scope): Predicate {
  const [type, b = {}] = (Object.entries(node)[0] ?? ['Unknown', {}]) as [string, Node];
  switch (type) {
    case 'BoolExpr': {
      const items = (b.args ?? []).map((a: Node) => predicate(a, scope));
      if (b.boolop === 'NOT_EXPR') return { kind: 'not', item: items[0] };
      return { kind: b.boolop === 'OR_EXPR' ? 'or' : 'and', items };
    }
    case 'A_Expr':
      return aExpr(b, scope);
    case 'NullTest':
      return { kind: 'null', value: value(b.arg, scope), negated: b.nulltesttype === 'IS_NOT_NULL' };
    case 'BooleanTest': {
      const [, not, what] = /^IS_(NOT_)?(TRUE|FALSE|UNKNOWN)$/.exec(String(b.booltesttype)) ?? [];
      // (condition) IS TRUE / IS NOT FALSE holds where the condition does; IS FALSE / IS NOT TRUE where its negation does.
      if (isCondition(b.arg) && what !== 'UNKNOWN') {
        const inner = predicate(b.arg, scope);
        return Boolean(not) === (what === 'TRUE') ? { kind: 'not', item: inner } : inner;
      }
      return { kind: 'truth', value: value(b.arg, scope), test: (what ?? 'unknown').toLowerCase() as 'true', negated: Boolean(not) };
    }
    case 'SubLink':
      return subLink(b, scope);
    case 'CurrentOfExpr':
      return { kind: 'current-of' };
    case 'A_Const':
      return { kind: 'constant', text: constText(b) };
  }
  const v = value(node, scope);
  return v.columns.length === 0 && !v.text.includes('(SELECT') ? { kind: 'constant', text: v.text } : { kind: 'value', value: v, negated: false };
}

function aExpr(b: Node, scope: Scope): Predicate {
  const name = opName(b.name);
  const left = b.lexpr ? value(b.lexpr, scope) : { text: '', columns: [] };
  switch (b.kind) {
    case 'AEXPR_OP': {
      const op = OPS[name];
      if (!op) return { kind: 'value', value: value({ A_Expr: b }, scope), negated: false };
      return cmp(op, left, value(b.rexpr, scope), name);
    }
    case 'AEXPR_LIKE':
    case 'AEXPR_ILIKE':
    case 'AEXPR_SIMILAR': {
      // PostgreSQL wraps a SIMILAR TO pattern in similar_to_escape(); with an ESCAPE clause (two
      // arguments, or like_escape() for LIKE) the pattern is left as the call: not a plain literal.
      const negated = name.startsWith('!');
      const similar = b.kind === 'AEXPR_SIMILAR';
      const op: CompareOp = similar ? (negated ? 'not similar' : 'similar') : negated ? 'not like' : 'like';
      const wrapper = b.rexpr?.FuncCall;
      const plain = similar && wrapper?.args?.length === 1 && opName(wrapper.funcname) === 'similar_to_escape';
      const escaped = plain ? wrapper.args[0] : b.rexpr;
      return cmp(op, left, value(escaped, scope), b.kind === 'AEXPR_SIMILAR' ? 'SIMILAR TO' : b.kind.replace('AEXPR_', ''));
    }
    case 'AEXPR_IN': {
      const list = listValue(b.rexpr, scope);
      return cmp(name === '<>' ? 'not in' : 'in', left, list, name === '<>' ? 'NOT IN' : 'IN');
    }
    case 'AEXPR_OP_ANY':
    case 'AEXPR_OP_ALL': {
      const any = b.kind === 'AEXPR_OP_ANY';
      const op = quantified(name, any);
      const right = value(b.rexpr, scope);
      return cmp(op, left, { ...right, text: `${any ? 'ANY' : 'ALL'}(${right.text})` }, name);
    }
    case 'AEXPR_DISTINCT':
      return cmp('distinct', left, value(b.rexpr, scope), 'IS DISTINCT FROM');
    case 'AEXPR_NOT_DISTINCT':
      return cmp('not distinct', left, value(b.rexpr, scope), 'IS NOT DISTINCT FROM');
    case 'AEXPR_BETWEEN':
    case 'AEXPR_NOT_BETWEEN':
    case 'AEXPR_BETWEEN_SYM':
    case 'AEXPR_NOT_BETWEEN_SYM': {
      let [low, high] = (b.rexpr?.List?.items ?? []).map((n: Node) => value(n, scope));
      const ordered = low?.number !== undefined && high?.number !== undefined;
      // Only SYMMETRIC swaps the bounds: plain BETWEEN 1 AND 0 is empty, as in the other dialects.
      if (b.kind.includes('SYM') && ordered && low.number! > high.number!) [low, high] = [high, low];
      const between: Predicate = { kind: 'and', items: [cmp('ge', left, low, '>='), cmp('le', left, high, '<=')] };
      if (b.kind.includes('SYM') && !ordered) {
        // BETWEEN SYMMETRIC accepts the bounds either way round: either ordering may hold.
        return wrapNot(b.kind, { kind: 'or', items: [between, { kind: 'and', items: [cmp('ge', left, high, '>='), cmp('le', left, low, '<=')] }] });
      }
      return wrapNot(b.kind, between);
    }
  }
  return { kind: 'value', value: value({ A_Expr: b }, scope), negated: false };
}

// x op ANY/ALL (...): = ANY is IN, <> ALL is NOT IN; a pattern operator (LIKE ANY (ARRAY['%'])) keeps
// its kind, so its patterns, which are not a plain literal, are not taken as selective.
const PATTERN_KINDS = new Set<CompareOp>(['like', 'not like', 'match', 'not match']);
function quantified(name: string, any: boolean): CompareOp {
  if (name === '=' && any) return 'in';
  if (name === '<>' && !any) return 'not in';
  const base = OPS[name];
  return base && PATTERN_KINDS.has(base) ? base : 'other';
}

function wrapNot(kind: string, p: Predicate): Predicate {
  return kind.includes('NOT_') ? { kind: 'not', item: p } : p;
}

function cmp(op: CompareOp, left: Value, right: Value, symbol: string): Predicate {
  return { kind: 'compare', op, left, right, text: `${left.text} ${SYMBOL[op] ?? symbol} ${right.text}` };
}

function subLink(b: Node, scope: Scope): Predicate {
  const text = '(SELECT ...)';
  switch (b.subLinkType) {
    case 'EXISTS_SUBLINK':
      return { kind: 'exists', text: `EXISTS ${text}`, correlated: correlated(b.subselect, scope), negated: false, readsTarget: namesAny(b.subselect, readers(scope)) };
    case 'ANY_SUBLINK':
    case 'ALL_SUBLINK': {
      const any = b.subLinkType === 'ANY_SUBLINK';
      const name = b.operName ? opName(b.operName) : '=';
      const op = quantified(name, any);
      return cmp(op, value(b.testexpr, scope), subquery(b.subselect, scope), op === 'in' ? 'IN' : name);
    }
  }
  return { kind: 'value', value: subquery(b.subselect, scope), negated: false };
}

/** A subquery as an operand: it depends on the row being written through the outer columns it reads. */
const subquery = (select: unknown, scope: Scope): Value => ({ text: '(SELECT ...)', columns: outerColumns(select, scope), readsTarget: namesAny(select, readers(scope)) });

/** A subquery refers to the row being written when it names the target's alias or table, not its own. */
function correlated(select: unknown, scope: Scope): boolean {
  return outerColumns(select, scope).length > 0;
}

// Columns qualified with the target and not with one of the subquery's own relations; and, in a
// subquery with no relation of its own (SELECT id), every column, which can only be the outer row's.
function outerColumns(select: unknown, scope: Scope): Column[] {
  // FROM t AS t2 makes t2 the subquery's own; t there is still the outer row.
  const own = new Set(relationNames(select, true, true).map(lower));
  const out: Column[] = [];
  const visit = (n: unknown): void => {
    if (!n || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach(visit);
    const ref = (n as Node).ColumnRef;
    if (ref) {
      const c = column(ref);
      const q = c.qualifier.join('.');
      const last = c.qualifier[c.qualifier.length - 1];
      if (c.qualifier.length ? !own.has(q) && !own.has(last) && (scope.target.includes(q) || scope.target.includes(last)) : own.size === 0) {
        out.push(c.qualifier.length ? c : { qualifier: [scope.target[0] ?? ''], name: c.name });
      }
    }
    Object.values(n).forEach(visit);
  };
  visit(select);
  return out;
}

function listValue(node: Node | undefined, scope: Scope): Value {
  const items: Value[] = (node?.List?.items ?? [node]).filter(Boolean).map((n: Node) => value(n, scope));
  return { text: `(${items.map((i) => i.text).join(', ')})`, columns: items.flatMap((i) => i.columns) };
}

function value(node: Node | undefined, scope: Scope): Value {
  const v = operand(node, scope);
  const withCondition = node && containsCondition(node) ? { ...v, condition: true } : v;
  // A scalar subquery has said whether it reads the target; in any other operand, any subquery inside counts.
  return node && !v.scalar && namesAny(node, readers(scope)) ? { ...withCondition, readsTarget: true } : withCondition;
}

// Comparisons, boolean operators and tests inside an operand (not inside subqueries).
function containsCondition(node: unknown): boolean {
  if (!node || typeof node !== 'object') return false;
  if (Array.isArray(node)) return node.some(containsCondition);
  return Object.entries(node as Node).some(([k, v]) => {
    if (k === 'SubLink') return v.subLinkType !== 'EXPR_SUBLINK' && v.subLinkType !== 'ARRAY_SUBLINK';
    if (k === 'BoolExpr' || k === 'NullTest' || k === 'BooleanTest') return true;
    if (k === 'A_Expr' && (v.kind !== 'AEXPR_OP' || OPS[opName(v.name)])) return true;
    return containsCondition(v);
  });
}

const CONDITIONS = ['BoolExpr', 'NullTest', 'BooleanTest', 'SubLink', 'A_Expr'];
function isCondition(node: Node | undefined): boolean {
  return Boolean(node) && CONDITIONS.includes(Object.keys(node!)[0]) && containsCondition(node);
}

function operand(node: Node | undefined, scope: Scope): Value {
  if (!node) return { text: '', columns: [] };
  const [type, b = {}] = (Object.entries(node)[0] ?? ['Unknown', {}]) as [string, Node];
  switch (type) {
    case 'ColumnRef': {
      const c = column(b);
      return { text: [...c.qualifier, c.name].join('.'), columns: [c], bare: true };
    }
    case 'A_Const':
      return constValue(b);
    case 'ParamRef':
      return { text: `$${b.number ?? ''}`, columns: [] };
    case 'TypeCast': {
      const inner = value(b.arg, scope);
      return { ...inner, text: inner.text };
    }
    case 'CollateClause':
      return value(b.arg, scope);
    case 'SubLink':
      return { ...subquery(b.subselect, scope), scalar: b.subLinkType === 'EXPR_SUBLINK' };
    case 'FuncCall': {
      const args = (b.args ?? []).map((a: Node) => value(a, scope));
      const name = (b.funcname ?? []).map((n: Node) => n.String?.sval ?? '').filter((s: string) => s !== 'pg_catalog').join('.');
      const call = { name: lower(name.split('.').pop() ?? ''), args };
      return { text: `${name}(${b.agg_star ? '*' : args.map((a: Value) => a.text).join(', ')})`, columns: args.flatMap((a: Value) => a.columns), call };
    }
    case 'RowExpr': {
      const row = (b.args ?? []).map((a: Node) => value(a, scope));
      return { text: `(${row.map((v: Value) => v.text).join(', ')})`, columns: row.flatMap((v: Value) => v.columns), row };
    }
    case 'A_Expr': {
      const l = b.lexpr ? value(b.lexpr, scope) : undefined;
      const r = b.rexpr ? (b.rexpr.List ? listValue(b.rexpr, scope) : value(b.rexpr, scope)) : undefined;
      const op = opName(b.name);
      return { text: [l?.text, op, r?.text].filter(Boolean).join(' '), columns: [...(l?.columns ?? []), ...(r?.columns ?? [])] };
    }
  }
  // CASE, COALESCE, ROW(...), arrays, ...: the columns anywhere inside (not in subqueries).
  const name = type === 'CoalesceExpr' ? 'coalesce' : type === 'MinMaxExpr' ? (b.op === 'IS_GREATEST' ? 'greatest' : 'least') : undefined;
  const text = name ? `${name}(${(b.args ?? []).map((a: Node) => value(a, scope).text).join(', ')})` : words(type);
  return { text, columns: columnsIn(node) };
}

function columnsIn(node: unknown): Column[] {
  const out: Column[] = [];
  const visit = (n: unknown): void => {
    if (!n || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach(visit);
    for (const [k, v] of Object.entries(n as Node)) {
      if (k === 'SubLink') continue;
      if (k === 'ColumnRef') out.push(column(v));
      else visit(v);
    }
  };
  visit(node);
  return out;
}

function column(ref: Node): Column {
  const parts: string[] = (ref.fields ?? []).map((f: Node) => (f.A_Star ? '*' : (f.String?.sval ?? '')));
  return { qualifier: parts.slice(0, -1).map(lower), name: lower(parts[parts.length - 1] ?? '') };
}

function constValue(b: Node): Value {
  const text = constText(b);
  if (b.ival) return { text, columns: [], number: b.ival.ival ?? 0 };
  if (b.fval) return { text, columns: [], number: Number(b.fval.fval) };
  if (b.sval) return { text, columns: [], string: b.sval.sval ?? '' };
  return b.isnull ? { text, columns: [], null: true } : { text, columns: [] };
}

function constText(b: Node): string {
  if (b.isnull) return 'NULL';
  if (b.boolval) return b.boolval.boolval ? 'true' : 'false';
  if (b.ival) return String(b.ival.ival ?? 0);
  if (b.fval) return String(b.fval.fval);
  if (b.sval) return `'${String(b.sval.sval ?? '').replace(/'/g, "''")}'`;
  if (b.bsval) return String(b.bsval.bsval);
  return 'constant';
}

function opName(name: unknown): string {
  const parts = Array.isArray(name) ? name.map((n: Node) => n.String?.sval ?? '') : [];
  return parts[parts.length - 1] ?? '';
}

const lower = (s: string): string => s.toLowerCase();
const unique = (xs: string[]): string[] => [...new Set(xs)];
const words = (type: string): string => type.replace(/Expr$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase() + ' ...';
