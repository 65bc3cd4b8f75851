// Maps a sqlparser-ts expression tree (Snowflake and DuckDB WHERE or MERGE ON) into the
// dialect-neutral model of predicate.ts. Anything not recognised becomes an opaque value, which
// never bounds by itself.
import type { Column, CompareOp, Predicate, Scope, Value } from './predicate';

type Node = Record<string, any>;

const OPS: Record<string, CompareOp> = {
  Eq: 'eq', NotEq: 'ne', Lt: 'lt', LtEq: 'le', Gt: 'gt', GtEq: 'ge', Spaceship: 'not distinct',
  PGLikeMatch: 'like', PGILikeMatch: 'like', PGNotLikeMatch: 'not like', PGNotILikeMatch: 'not like',
  PGRegexMatch: 'match', PGRegexIMatch: 'match', PGRegexNotMatch: 'not match', PGRegexNotIMatch: 'not match',
};
const SYMBOL: Record<string, string> = {
  Eq: '=', NotEq: '<>', Lt: '<', LtEq: '<=', Gt: '>', GtEq: '>=', Spaceship: '<=>', PGLikeMatch: '~~', PGILikeMatch: '~~*',
  PGNotLikeMatch: '!~~', PGNotILikeMatch: '!~~*', PGRegexMatch: '~', PGRegexIMatch: '~*', PGRegexNotMatch: '!~', PGRegexNotIMatch: '!~*',
  Plus: '+', Minus: '-', Multiply: '*', Divide: '/', Modulo: '%', StringConcat: '||', And: 'AND', Or: 'OR', Xor: 'XOR',
};
const CMP_SYMBOL: Partial<Record<CompareOp, string>> = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' };

/**
 * A TableWithJoins or table factor: the names it can be referred to by (alias, name, qualified name).
 * With `visible`, an alias hides the table's name (FROM t AS t2 is referred to as t2 only).
 */
function tableNames(factor: Node | undefined, visible = false): string[] {
  const table = factor?.relation?.Table ?? factor?.Table ?? factor?.relation ?? factor;
  const out: string[] = [];
  if (table?.alias?.name?.value) out.push(table.alias.name.value);
  if (visible && table?.alias?.name?.value) return out;
  const parts: string[] = Array.isArray(table?.name) ? table.name.map((p: Node) => p.Identifier?.value ?? p.value ?? '') : [];
  for (let i = 0; i < parts.length; i++) out.push(parts.slice(i).join('.'));
  return out;
}

/** Names and aliases of every relation under a node, not looking into subqueries unless deep. */
function relationNames(node: unknown, deep = false, visible = false): string[] {
  const out: string[] = [];
  const visit = (n: unknown): void => {
    if (!n || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach(visit);
    for (const [k, v] of Object.entries(n as Node)) {
      if ((k === 'Table' && Array.isArray(v?.name)) || (k === 'Derived' && v?.alias)) out.push(...tableNames({ Table: v }, visible));
      if (deep || !['subquery', 'Subquery', 'Derived', 'Exists', 'InSubquery'].includes(k)) visit(v);
    }
  };
  visit(node);
  return out.filter(Boolean);
}

/** The table a DELETE/UPDATE/MERGE writes and every other relation in the statement's FROM/USING/source. */
export function sqlparserScope(target: Node | undefined, others: unknown[], ctes: Node[] = []): Scope {
  const names = [...new Set(tableNames(target).map(lower))];
  const sources = cteSources(ctes, names);
  return {
    target: names,
    others: [...new Set(relationNames(others).map(lower))],
    copies: [...new Set(copiesOf(others, [...names, ...sources]))],
    sources,
  };
}

// The statement's CTEs whose query reads the target, or reads such a CTE (in order, as WITH allows).
function cteSources(ctes: Node[], target: string[]): string[] {
  const out: string[] = [];
  for (const cte of ctes) {
    const name = cte?.alias?.name?.value;
    if (name && namesAny(cte.query, [...target, ...out])) out.push(lower(name));
  }
  return out;
}

/** The target's names and the CTEs over it: a relation read under one of them reads the target. */
const readers = (scope: Scope): string[] => [...scope.target, ...(scope.sources ?? [])];

// Aliases of derived tables in FROM/USING/source whose own FROM names the target: (SELECT id FROM t) u
// is t again, a self-join like t AS u.
function copiesOf(others: unknown, target: string[]): string[] {
  const out: string[] = [];
  const visit = (n: unknown): void => {
    if (!n || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach(visit);
    for (const [k, v] of Object.entries(n as Node)) {
      if (k === 'Derived' && v?.alias?.name?.value && namesAny(v.subquery, target)) out.push(lower(v.alias.name.value));
      // FROM u, where u is a CTE over the target.
      if (k === 'Table' && Array.isArray(v?.name) && v.name.length === 1 && target.includes(lower(tableNames({ Table: v })[v.alias ? 1 : 0]))) out.push(...tableNames({ Table: v }, true).map(lower));
      // A derived table's own FROM is its business: it was judged whole above.
      if (k !== 'Derived') visit(v);
    }
  };
  visit(others);
  return out;
}

/** Whether a relation anywhere under `node` (subqueries included) is called by one of `names`. */
function namesAny(node: unknown, names: string[]): boolean {
  return relationNames(node, true).some((n) => names.includes(lower(n)));
}

export function sqlparserPredicate(node: Node | undefined | null, scope: Scope): Predicate | undefined {
  return node ? predicate(node, scope) : undefined;
}

function predicate(node: Node, scope: Scope): Predicate {
  const [type, b] = (Object.entries(node)[0] ?? ['Unknown', {}]) as [string, any];
  switch (type) {
    case 'Nested':
      return predicate(b, scope);
    case 'BinaryOp': {
      if (b.op === 'And' || b.op === 'Or') return { kind: b.op === 'And' ? 'and' : 'or', items: [predicate(b.left, scope), predicate(b.right, scope)] };
      const op = OPS[b.op];
      if (op) return cmp(op, value(b.left, scope), value(b.right, scope), SYMBOL[b.op]);
      break;
    }
    case 'UnaryOp':
      if (b.op === 'Not') return { kind: 'not', item: predicate(b.expr, scope) };
      break;
    case 'IsNull':
    case 'IsNotNull':
      return { kind: 'null', value: value(b, scope), negated: type === 'IsNotNull' };
    case 'IsTrue':
    case 'IsNotTrue':
    case 'IsFalse':
    case 'IsNotFalse':
    case 'IsUnknown':
    case 'IsNotUnknown': {
      const negated = type.startsWith('IsNot');
      const test = type.replace(/^IsNot|^Is/, '').toLowerCase() as 'true' | 'false' | 'unknown';
      // (condition) IS TRUE / IS NOT FALSE holds where the condition does; IS FALSE / IS NOT TRUE where its negation does.
      if (isCondition(b) && test !== 'unknown') {
        const inner = predicate(b, scope);
        return negated === (test === 'true') ? { kind: 'not', item: inner } : inner;
      }
      return { kind: 'truth', value: value(b, scope), test, negated };
    }
    case 'IsDistinctFrom':
    case 'IsNotDistinctFrom':
      return cmp(type === 'IsDistinctFrom' ? 'distinct' : 'not distinct', value(b[0], scope), value(b[1], scope), type === 'IsDistinctFrom' ? 'IS DISTINCT FROM' : 'IS NOT DISTINCT FROM');
    case 'InList': {
      const items = (b.list ?? []).map((n: Node) => value(n, scope));
      const list: Value = { text: `(${items.map((i: Value) => i.text).join(', ')})`, columns: items.flatMap((i: Value) => i.columns), condition: items.some((i: Value) => i.condition) };
      return cmp(b.negated ? 'not in' : 'in', value(b.expr, scope), list, b.negated ? 'NOT IN' : 'IN');
    }
    case 'InSubquery':
      return cmp(b.negated ? 'not in' : 'in', value(b.expr, scope), subquery(b.subquery, scope), b.negated ? 'NOT IN' : 'IN');
    case 'InUnnest':
      return cmp(b.negated ? 'not in' : 'in', value(b.expr, scope), value(b.array_expr, scope), b.negated ? 'NOT IN' : 'IN');
    case 'Between': {
      const subject = value(b.expr, scope);
      const between: Predicate = { kind: 'and', items: [cmp('ge', subject, value(b.low, scope), '>='), cmp('le', subject, value(b.high, scope), '<=')] };
      return b.negated ? { kind: 'not', item: between } : between;
    }
    case 'Like':
    case 'ILike':
    case 'SimilarTo':
    case 'RLike': {
      // SIMILAR TO is a regular expression with LIKE's wildcards; RLIKE / REGEXP is a regular expression.
      const kind = type === 'RLike' ? 'match' : type === 'SimilarTo' ? 'similar' : 'like';
      const op = (b.negated ? `not ${kind}` : kind) as CompareOp;
      // LIKE ANY (...) is several patterns: not analysed.
      if (b.any) break;
      const keyword = { Like: 'LIKE', ILike: 'ILIKE', SimilarTo: 'SIMILAR TO', RLike: b.regexp ? 'REGEXP' : 'RLIKE' }[type];
      const pattern = value(b.pattern, scope);
      // An ESCAPE clause changes what the pattern's characters mean: it is no longer a plain literal.
      const escaped = b.escape_char ? { ...pattern, string: undefined, text: `${pattern.text} ESCAPE ...` } : pattern;
      return cmp(op, value(b.expr, scope), escaped, `${b.negated ? 'NOT ' : ''}${keyword}`);
    }
    case 'AnyOp':
    case 'AllOp': {
      const any = type === 'AnyOp';
      const op: CompareOp = b.compare_op === 'Eq' && any ? 'in' : b.compare_op === 'NotEq' && !any ? 'not in' : 'other';
      const right = value(b.right, scope);
      return cmp(op, value(b.left, scope), { ...right, text: `${any ? 'ANY' : 'ALL'}(${right.text})` }, SYMBOL[b.compare_op] ?? b.compare_op);
    }
    case 'Exists':
      return { kind: 'exists', text: 'EXISTS (SELECT ...)', correlated: correlated(b.subquery, scope), negated: Boolean(b.negated), readsTarget: namesAny(b.subquery, readers(scope)) };
    case 'Value': {
      const v = value(node, scope);
      return { kind: 'constant', text: v.text };
    }
  }
  const v = value(node, scope);
  return v.columns.length === 0 && !v.text.includes('(SELECT') ? { kind: 'constant', text: v.text } : { kind: 'value', value: v, negated: false };
}

function cmp(op: CompareOp, left: Value, right: Value, symbol: string): Predicate {
  return { kind: 'compare', op, left, right, text: `${left.text} ${CMP_SYMBOL[op] ?? symbol} ${right.text}` };
}

/** A subquery as an operand: it depends on the row being written through the outer columns it reads. */
const subquery = (query: unknown, scope: Scope): Value => ({ text: '(SELECT ...)', columns: outerColumns(query, scope), readsTarget: namesAny(query, readers(scope)) });

const CONDITIONS = new Set([
  'IsNull', 'IsNotNull', 'IsTrue', 'IsNotTrue', 'IsFalse', 'IsNotFalse', 'IsUnknown', 'IsNotUnknown', 'IsDistinctFrom',
  'IsNotDistinctFrom', 'InList', 'InSubquery', 'InUnnest', 'Between', 'Like', 'ILike', 'SimilarTo', 'RLike', 'AnyOp', 'AllOp', 'Exists',
]);

function isCondition(node: Node): boolean {
  const [type, b] = (Object.entries(node ?? {})[0] ?? ['Unknown', {}]) as [string, any];
  if (type === 'Nested') return isCondition(b);
  if (CONDITIONS.has(type)) return true;
  if (type === 'BinaryOp') return b.op === 'And' || b.op === 'Or' || b.op === 'Xor' || Boolean(OPS[b.op]);
  return type === 'UnaryOp' && b.op === 'Not';
}

// Comparisons, boolean operators and tests inside an operand (not inside subqueries).
function containsCondition(node: unknown): boolean {
  if (!node || typeof node !== 'object') return false;
  if (Array.isArray(node)) return node.some(containsCondition);
  if (isCondition(node as Node) && !(node as Node).Exists) return true;
  return Object.entries(node as Node).some(([k, v]) => k !== 'subquery' && k !== 'Subquery' && containsCondition(v));
}

function value(node: Node | undefined, scope: Scope): Value {
  const v = operand(node, scope);
  const withCondition = node && containsCondition(node) ? { ...v, condition: true } : v;
  // A scalar subquery has said whether it reads the target; in any other operand, any subquery inside counts.
  return node && !v.scalar && namesAny(node, readers(scope)) ? { ...withCondition, readsTarget: true } : withCondition;
}

function operand(node: Node | undefined, scope: Scope): Value {
  if (!node) return { text: '', columns: [] };
  const [type, b] = (Object.entries(node)[0] ?? ['Unknown', {}]) as [string, any];
  switch (type) {
    case 'Identifier': {
      const c: Column = { qualifier: [], name: lower(b.value) };
      return { text: b.value, columns: [c], bare: true };
    }
    case 'CompoundIdentifier': {
      const parts: string[] = b.map((p: Node) => String(p.value ?? ''));
      const c: Column = { qualifier: parts.slice(0, -1).map(lower), name: lower(parts[parts.length - 1] ?? '') };
      return { text: parts.join('.'), columns: [c], bare: true };
    }
    case 'Nested': {
      const inner = value(b, scope);
      return { ...inner, text: `(${inner.text})` };
    }
    case 'Cast':
    case 'Collate':
      return value(b.expr, scope);
    case 'Value':
      return constant(b.value ?? b);
    case 'UnaryOp': {
      const inner = value(b.expr, scope);
      if (b.op === 'Minus' && inner.number !== undefined) return { text: `-${inner.text}`, columns: [], number: -inner.number };
      return { ...inner, bare: false, number: undefined, text: `${b.op === 'Minus' ? '-' : b.op === 'Plus' ? '+' : `${String(b.op).toUpperCase()} `}${inner.text}` };
    }
    case 'Subquery':
      return { ...subquery(b, scope), scalar: true };
    case 'BinaryOp': {
      const l = value(b.left, scope);
      const r = value(b.right, scope);
      return { text: `${l.text} ${SYMBOL[b.op] ?? b.op} ${r.text}`, columns: [...l.columns, ...r.columns] };
    }
    case 'Tuple': {
      const row: Value[] = (Array.isArray(b) ? b : []).map((n: Node) => value(n, scope));
      return { text: `(${row.map((v) => v.text).join(', ')})`, columns: row.flatMap((v) => v.columns), row };
    }
    case 'Function': {
      const name = (b.name ?? []).map((p: Node) => p.Identifier?.value ?? '').join('.');
      const args = functionArgs(b.args).map((a) => value(a, scope));
      const star = JSON.stringify(b.args ?? {}).includes('Wildcard');
      const call = { name: lower(name.split('.').pop()), args };
      return { text: `${name}(${star ? '*' : args.map((a) => a.text).join(', ')})`, columns: args.flatMap((a) => a.columns), call };
    }
  }
  // CASE, intervals, tuples, struct access, ...: the columns anywhere inside (not in subqueries).
  return { text: `${type.replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase()} ...`, columns: columnsIn(node) };
}

function functionArgs(args: Node | undefined): Node[] {
  const list: Node[] = args?.List?.args ?? [];
  return list.map((a) => (a.Unnamed ?? a.Named?.arg ?? a.ExprNamed?.arg)?.Expr).filter(Boolean);
}

function columnsIn(node: unknown): Column[] {
  const out: Column[] = [];
  const visit = (n: unknown): void => {
    if (!n || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach(visit);
    for (const [k, v] of Object.entries(n as Node)) {
      // Subqueries have their own tables; a function's and a type's names are not columns.
      if (['subquery', 'Subquery', 'Exists', 'name', 'data_type'].includes(k)) continue;
      if (k === 'Identifier' || k === 'CompoundIdentifier') out.push(...operand({ [k]: v }, { target: [], others: [] }).columns);
      else visit(v);
    }
  };
  visit(node);
  return out;
}

function constant(v: Node | string): Value {
  if (typeof v === 'string') return v === 'Null' ? { text: 'NULL', columns: [], null: true } : { text: v, columns: [] };
  const [kind, raw] = (Object.entries(v ?? {})[0] ?? ['Null', null]) as [string, any];
  switch (kind) {
    case 'Number':
      return { text: String(raw[0]), columns: [], number: Number(raw[0]) };
    case 'SingleQuotedString':
    case 'DoubleQuotedString':
    case 'EscapedStringLiteral':
    case 'NationalStringLiteral':
      return { text: `'${String(raw).replace(/'/g, "''")}'`, columns: [], string: String(raw) };
    case 'DollarQuotedString':
      return { text: `$$${raw?.value ?? ''}$$`, columns: [], string: String(raw?.value ?? '') };
    case 'Boolean':
      return { text: raw ? 'true' : 'false', columns: [] };
    case 'Placeholder':
      return { text: String(raw), columns: [] };
  }
  return kind === 'Null' ? { text: 'NULL', columns: [], null: true } : { text: 'constant', columns: [] };
}

/** A subquery refers to the row being written when it names the target's alias or table, not its own. */
function correlated(query: unknown, scope: Scope): boolean {
  return outerColumns(query, scope).length > 0;
}

// Columns qualified with the target and not with one of the subquery's own relations; and, in a
// subquery with no relation of its own (SELECT id), every column, which can only be the outer row's.
function outerColumns(query: unknown, scope: Scope): Column[] {
  // FROM t AS t2 makes t2 the subquery's own; t there is still the outer row.
  const own = new Set(relationNames(query, true, true).map(lower));
  const none: Scope = { target: [], others: [] };
  const out: Column[] = [];
  const visit = (n: unknown): void => {
    if (!n || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach(visit);
    for (const [k, v] of Object.entries(n as Node)) {
      if (k === 'name' || k === 'data_type') continue;
      if (k === 'Identifier' || (k === 'CompoundIdentifier' && Array.isArray(v))) {
        for (const c of operand({ [k]: v }, none).columns) {
          const q = c.qualifier.join('.');
          const last = c.qualifier[c.qualifier.length - 1];
          if (c.qualifier.length ? !own.has(q) && !own.has(last) && (scope.target.includes(q) || scope.target.includes(last)) : own.size === 0) {
            out.push(c.qualifier.length ? c : { qualifier: [scope.target[0] ?? ''], name: c.name });
          }
        }
      } else visit(v);
    }
  };
  visit(query);
  return out;
}

const lower = (s: unknown): string => String(s ?? '').toLowerCase();
