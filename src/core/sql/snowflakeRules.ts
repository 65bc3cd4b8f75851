// Snowflake: sqlparser-ts (sqlparser-rs in WebAssembly) with its Snowflake dialect, which reads
// Snowflake's own lexical rules (backslash escapes in strings, // comments, $$ strings, @stages).
// The statement table and tree walk here also serve DuckDB, which uses sqlparser-ts for tree detail
// once DuckDB's own parser has counted the statements (see duckdbRules.ts).
import { functionRisk, looksLikePath } from './functionRules';
import type { Findings, Rules, SqlDecision } from './guardrail';
import { boundReason } from './predicate';
import { sqlparserPredicate, sqlparserScope } from './sqlparserPredicate';

type SqlparserApi = typeof import('@guanmingchiu/sqlparser-ts');
export type SqlparserDialect = 'snowflake' | 'duckdb';
// The serde JSON AST is walked generically; only the fields read below matter.
type Node = Record<string, any>;

let api: Promise<SqlparserApi> | undefined;

/** Loads and initialises the WebAssembly parser once per process. */
export function loadSqlparser(): Promise<SqlparserApi> {
  api ??= (async () => {
    const sqlparser = await import('@guanmingchiu/sqlparser-ts');
    await sqlparser.init();
    return sqlparser;
  })();
  api.catch(() => (api = undefined));
  return api;
}

export async function snowflakeRules(): Promise<Rules> {
  const sqlparser = await loadSqlparser();
  return (sql, f) => {
    if (hasNestedComment(sqlparser, sql, 'snowflake')) return f.add('deny', NESTED_COMMENT);
    const statements = sqlparser.parse(sql, 'snowflake') as unknown as Node[];
    if (f.expectOne(statements.length)) classifyStatement(statements[0], { dialect: 'snowflake', f }, true);
  };
}

/**
 * Whether a block comment contains another opener. Engines disagree on nesting (PostgreSQL and
 * DuckDB nest, Snowflake and sqlparser-ts do not): a classic place to hide a statement.
 */
export function hasNestedComment(sqlparser: SqlparserApi, sql: string, dialect: SqlparserDialect): boolean {
  const first = sql.indexOf('/*');
  if (first < 0 || sql.indexOf('/*', first + 2) < 0) return false;
  return sqlparser.parseWithComments(sql, dialect).comments.some((c) => c.commentType === 'multiLine' && c.content.includes('/*'));
}

export const NESTED_COMMENT = 'A block comment contains "/*": engines disagree on nested comments, so the SQL is ambiguous';

interface Context {
  dialect: SqlparserDialect;
  f: Findings;
  /** The CTEs of the queries around the node being walked (a DELETE's WITH sits on its Query). */
  ctes?: Node[];
}
type Rule = (body: Node, c: Context) => void;

const fixed =
  (decision: SqlDecision, reason: string): Rule =>
  (_body, c) =>
    c.f.add(decision, reason);
const read: Rule = () => {};

const SESSION = 'changes session state, roles or settings';
const FILES = 'moves files between the warehouse, stages and disks';
const PROCEDURAL = 'defines or runs procedural code';
const TRANSACTION = 'Transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT) is left to Pipewright';

const STATEMENTS: Record<string, Rule> = {
  Query: read,
  ShowTables: read,
  ShowColumns: read,
  ShowViews: read,
  ShowObjects: read,
  ShowSchemas: read,
  ShowDatabases: read,
  ShowFunctions: read,
  ShowCreate: read,
  ShowVariable: read,
  ShowVariables: read,
  ShowStatus: read,
  ShowCollation: read,
  ShowCharset: read,
  ExplainTable: read,
  // The statement under EXPLAIN is classified like any other: EXPLAIN ANALYZE runs it.
  Explain: (b, c) => classifyStatement(b.statement ?? {}, c, false),

  Insert: (b, c) =>
    b.overwrite
      ? write(c, 'confirm', 'INSERT OVERWRITE replaces every row of the table', ...insertTargets(b))
      : write(c, 'approve', 'INSERT writes rows', ...insertTargets(b)),
  Update: (b, c) => {
    const others = [...(b.table?.joins ?? []), ...(b.from?.AfterSet ?? b.from?.BeforeSet ?? [])];
    const unbounded = whereReason('UPDATE', 'changes', b.selection, b.table, others, c.ctes);
    write(c, unbounded ? 'confirm' : 'approve', unbounded ?? 'UPDATE ... WHERE changes rows', relationName(b.table));
  },
  Delete: (b, c) => {
    const from: Node[] = b.from?.WithFromKeyword ?? b.from?.WithoutKeyword ?? [];
    const targets = [...(b.tables ?? []).map(objectName), ...from.map(relationName)];
    // DELETE t1 FROM t1 JOIN t2 names its targets first; otherwise the first FROM table is the target.
    const written = b.tables?.length ? { Table: { name: b.tables[0] } } : from[0];
    const others = [...from.slice(b.tables?.length ? 0 : 1), ...(from[0]?.joins ?? []), ...(b.using ?? [])];
    const unbounded = whereReason('DELETE', 'removes', b.selection, written, others, c.ctes);
    write(c, unbounded ? 'confirm' : 'approve', unbounded ?? 'DELETE ... WHERE removes rows', ...targets);
  },
  Merge: (b, c) => {
    const unbounded = mergeReason(b, c.ctes);
    write(c, unbounded ? 'confirm' : 'approve', unbounded ?? 'MERGE writes rows', relationName(b));
  },
  CreateTable: (b, c) => create(c, b, 'TABLE', objectName(b.name)),
  CreateView: (b, c) => create(c, b, b.materialized ? 'MATERIALIZED VIEW' : 'VIEW', objectName(b.name)),
  CreateSchema: (b, c) => create(c, b, 'SCHEMA', objectName(b.schema_name?.Simple ?? b.schema_name?.NamedAuthorization?.[0])),
  CreateDatabase: (b, c) => create(c, b, 'DATABASE', objectName(b.db_name)),
  CreateIndex: (b, c) => create(c, b, 'INDEX', objectName(b.table_name)),
  CreateSequence: (b, c) => create(c, b, 'SEQUENCE', objectName(b.name)),
  CreateType: (b, c) => create(c, b, 'TYPE', objectName(b.name)),
  Analyze: fixed('approve', 'ANALYZE updates table statistics'),
  Vacuum: fixed('approve', 'VACUUM runs maintenance on tables'),
  Comment: (b, c) => write(c, 'approve', "COMMENT ON changes an object's comment", objectName(b.object_name)),
  AlterTable: alterTable,
  Drop: (b, c) => write(c, 'confirm', `DROP ${String(b.object_type ?? '').toUpperCase()} is destructive`, ...(b.names ?? []).map(objectName)),
  DropFunction: fixed('confirm', 'DROP FUNCTION is destructive'),
  DropProcedure: fixed('confirm', 'DROP PROCEDURE is destructive'),
  DropTrigger: fixed('confirm', 'DROP TRIGGER is destructive'),
  DropPolicy: fixed('confirm', 'DROP POLICY is destructive'),
  DropExtension: fixed('confirm', 'DROP EXTENSION is destructive'),
  Truncate: (b, c) => write(c, 'confirm', 'TRUNCATE removes every row', ...(b.table_names ?? []).map((t: Node) => objectName(t.name))),
  Grant: (b, c) => write(c, 'confirm', 'GRANT changes privileges', ...grantTargets(b)),
  Revoke: (b, c) => write(c, 'confirm', 'REVOKE changes privileges', ...grantTargets(b)),

  StartTransaction: (b, c) =>
    c.f.add('deny', b.has_end_keyword || b.statements?.length ? `A BEGIN ... END block ${PROCEDURAL}` : TRANSACTION),
  Commit: fixed('deny', TRANSACTION),
  Rollback: fixed('deny', TRANSACTION),
  Savepoint: fixed('deny', TRANSACTION),
  ReleaseSavepoint: fixed('deny', TRANSACTION),
  Set: fixed('deny', `SET ${SESSION}`),
  SetVariable: fixed('deny', `SET ${SESSION}`),
  Reset: fixed('deny', `RESET ${SESSION}`),
  // USE WAREHOUSE is denied too: it changes the compute (and the bill) of the session.
  Use: fixed('deny', `USE ${SESSION}`),
  AlterSession: fixed('deny', `ALTER SESSION ${SESSION}`),
  AlterUser: fixed('deny', `ALTER USER ${SESSION}`),
  AlterRole: fixed('deny', `ALTER ROLE ${SESSION}`),
  CreateRole: fixed('deny', `CREATE ROLE ${SESSION}`),
  CreateUser: fixed('deny', `CREATE USER ${SESSION}`),
  Discard: fixed('deny', `DISCARD ${SESSION}`),
  LISTEN: fixed('deny', `LISTEN ${SESSION}`),
  UNLISTEN: fixed('deny', `UNLISTEN ${SESSION}`),
  NOTIFY: fixed('deny', 'NOTIFY signals other sessions'),
  LockTables: fixed('deny', 'LOCK blocks other sessions'),
  Kill: fixed('deny', 'KILL stops other sessions'),
  Copy: fixed('deny', 'COPY reads or writes files'),
  CopyIntoSnowflake: fixed('deny', `COPY INTO ${FILES}`),
  Unload: fixed('deny', `UNLOAD ${FILES}`),
  CreateStage: fixed('deny', 'CREATE STAGE points the warehouse at external storage'),
  List: fixed('deny', 'LIST reads a stage'),
  Remove: fixed('deny', 'REMOVE deletes files from a stage'),
  Call: fixed('deny', 'CALL runs a procedure'),
  Execute: (b, c) => c.f.add('deny', b.immediate ? 'EXECUTE IMMEDIATE runs SQL text that was not checked' : 'EXECUTE runs something that was not checked'),
  Prepare: fixed('deny', 'PREPARE stores a statement in the session'),
  Deallocate: fixed('deny', `DEALLOCATE ${SESSION}`),
  Declare: fixed('deny', `DECLARE ${PROCEDURAL}`),
  Fetch: fixed('deny', 'Cursors are managed by Pipewright'),
  Close: fixed('deny', 'Cursors are managed by Pipewright'),
  CreateFunction: fixed('deny', `CREATE FUNCTION ${PROCEDURAL}`),
  CreateProcedure: fixed('deny', `CREATE PROCEDURE ${PROCEDURAL}`),
  CreateTrigger: fixed('deny', `CREATE TRIGGER ${PROCEDURAL}`),
  CreateMacro: fixed('deny', `CREATE MACRO ${PROCEDURAL}`),
  CreateExtension: fixed('deny', 'CREATE EXTENSION loads code into the database'),
  Install: fixed('deny', 'INSTALL downloads an extension'),
  Load: fixed('deny', 'LOAD loads an extension'),
  AttachDatabase: fixed('deny', 'ATTACH opens another database file'),
  AttachDuckDBDatabase: fixed('deny', 'ATTACH opens another database file'),
  DetachDuckDBDatabase: fixed('deny', 'DETACH closes a database'),
  CreateSecret: fixed('deny', 'CREATE SECRET stores credentials'),
  DropSecret: fixed('deny', 'DROP SECRET changes stored credentials'),
  Pragma: pragma,
  Return: fixed('deny', `RETURN ${PROCEDURAL}`),
  Raise: fixed('deny', `RAISE ${PROCEDURAL}`),
};

// DuckDB PRAGMAs that only report; the others change settings or the database.
const READ_PRAGMAS = new Set([
  'version', 'platform', 'user_agent', 'table_info', 'show', 'show_tables', 'show_tables_expanded', 'show_databases',
  'database_list', 'database_size', 'storage_info', 'metadata_info', 'functions', 'collations',
]);

function pragma(b: Node, c: Context): void {
  const name = objectName(b.name).toLowerCase();
  if (!READ_PRAGMAS.has(name)) c.f.add('deny', `PRAGMA ${name} changes settings or the database`);
  else if (stringsIn(b.value).some(looksLikePath)) c.f.add('deny', `PRAGMA ${name} is given a file path or URL`);
}

/** Classifies one statement node (`{"Delete": {...}}`) and walks everything under it. */
export function classifyStatement(stmt: Node | string, c: Context, top: boolean): void {
  const [variant, body] = typeof stmt === 'string' ? [stmt, {}] : (Object.entries(stmt)[0] ?? ['Unknown', {}]);
  if (top) c.f.kind = kindOf(variant, body ?? {});
  const rule = STATEMENTS[variant];
  if (!rule) c.f.add('deny', `${words(variant)} is not a statement kind Pipewright knows`);
  else rule(body ?? {}, c);
  if (variant !== 'Explain') walk(body, c);
}

/** Visits every node: nested DML (CTEs, subqueries), function calls, table references. */
function walk(node: unknown, c: Context): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, c);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const ctes = (node as Node).with?.cte_tables;
  if (Array.isArray(ctes)) c = { ...c, ctes: [...(c.ctes ?? []), ...ctes] };
  for (const [key, value] of Object.entries(node)) {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      if (key === 'Function' && Array.isArray(value.name)) {
        // FROM f(...): a table factor has `lateral`, a scalar call does not.
        if (!checkCall(value.name, c) && 'lateral' in value) checkTableFunctionArgs(value.name, value.args, c);
      } else if (key === 'Table' && Array.isArray(value.name)) tableReference(value, c);
      else if (isNestedStatement(key, value)) STATEMENTS[key](value, c);
      else if (key === 'Select' && value.into) write(c, 'approve', 'SELECT INTO writes a new table', objectName(value.into.name));
    } else if (key === 'locks' && Array.isArray(value) && value.length) {
      c.f.add('approve', 'SELECT ... FOR UPDATE/SHARE locks rows until the transaction ends');
    } else if (key === 'CompoundIdentifier' && Array.isArray(value) && c.dialect === 'snowflake') {
      // seq.NEXTVAL advances a sequence.
      if (String(value[value.length - 1]?.value).toLowerCase() === 'nextval') c.f.add('deny', 'NEXTVAL changes session or database state');
    } else if (key === 'Placeholder' && typeof value === 'string' && value.startsWith('@') && c.dialect === 'snowflake') {
      c.f.add('deny', `${value} refers to a stage: reading files is not allowed`);
    }
    walk(value, c);
  }
}

// DML nested in a query (WITH d AS (DELETE ...)) is recognised by the fields only statements have:
// MERGE's WHEN ... THEN INSERT/UPDATE/DELETE actions and GRANT's privileges share the names.
function isNestedStatement(key: string, v: Node): boolean {
  switch (key) {
    case 'Insert':
    case 'Update':
      return 'table' in v && ('source' in v || 'assignments' in v || 'columns' in v);
    case 'Delete':
      return 'from' in v;
    case 'Merge':
      return 'table' in v && 'on' in v;
  }
  return false;
}

/** Denies a call to a listed function; returns whether it did. */
function checkCall(name: Node[], c: Context): boolean {
  const last = name[name.length - 1];
  const risk = last?.Identifier
    ? functionRisk(c.dialect, String(last.Identifier.value ?? ''))
    : 'A function whose name is computed at run time cannot be checked';
  if (risk) c.f.add('deny', risk);
  return Boolean(risk);
}

// A DuckDB table function given a path or URL may read it, whatever the function is called.
function checkTableFunctionArgs(name: Node[], args: unknown, c: Context): void {
  if (c.dialect !== 'duckdb') return;
  const list: Node[] = Array.isArray(args) ? args : ((args as Node)?.args ?? (args as Node)?.List?.args ?? []);
  const direct = list.map((a) => {
    const value = (a.Unnamed ?? a.Named?.arg ?? a.ExprNamed?.arg)?.Expr?.Value?.value ?? {};
    return value.SingleQuotedString ?? value.DoubleQuotedString ?? value.DollarQuotedString?.value;
  });
  if (direct.some((s) => typeof s === 'string' && looksLikePath(s))) c.f.add('deny', `${objectName(name)}() is given a file path or URL`);
}

function tableReference(table: Node, c: Context): void {
  if (table.args && !checkCall(table.name, c)) checkTableFunctionArgs(table.name, table.args, c);
  for (const part of table.name as Node[]) {
    const ident = part.Identifier;
    if (!ident) continue;
    const value = String(ident.value ?? '');
    // FROM @stage, FROM '@stage/path', FROM @stage (FILE_FORMAT => ...): "@x" in double quotes is a table.
    if (c.dialect === 'snowflake' && ident.quote_style !== '"' && value.startsWith('@')) {
      c.f.add('deny', `${value} is a stage: reading files is not allowed`);
    }
    // DuckDB scans a file or URL named by a string or quoted path as a table (FROM 'data.csv').
    if (c.dialect === 'duckdb' && (ident.quote_style === "'" || (ident.quote_style && looksLikePath(value)))) {
      c.f.add('deny', `FROM '${value}' reads a file or URL`);
    }
  }
}

// ALTER TABLE operations that only add or tune; the destructive ones need the name typed.
const ALTER_APPROVE = new Set(['AddColumn', 'AddConstraint', 'SetTblProperties', 'ClusterBy', 'SetOptionsParens', 'AddPartitions']);
const ALTER_CONFIRM = new Set([
  'DropColumn', 'DropConstraint', 'DropPrimaryKey', 'DropForeignKey', 'DropIndex', 'DropPartitions', 'DropClusteringKey',
  'RenameColumn', 'RenameTable', 'RenameConstraint', 'RenamePartitions', 'SwapWith', 'OwnerTo', 'ChangeColumn',
  'ModifyColumn', 'DisableRowLevelSecurity', 'EnableRowLevelSecurity', 'SuspendRecluster', 'ResumeRecluster',
]);
const COLUMN_APPROVE = new Set(['SetNotNull', 'SetDefault', 'DropDefault', 'AddGenerated']);

function alterTable(b: Node, c: Context): void {
  c.f.target(objectName(b.name));
  for (const op of b.operations ?? []) {
    const [name, detail] = typeof op === 'string' ? [op, {}] : ((Object.entries(op)[0] ?? ['Unknown', {}]) as [string, Node]);
    if (name === 'AlterColumn') {
      const sub: string = typeof detail.op === 'string' ? detail.op : (Object.keys(detail.op ?? {})[0] ?? 'Unknown');
      if (COLUMN_APPROVE.has(sub)) c.f.add('approve', `ALTER TABLE ... ALTER COLUMN ${words(sub)} changes its definition`);
      else c.f.add('confirm', `ALTER TABLE ... ALTER COLUMN ${words(sub)} can lose data or break queries`);
    } else if (ALTER_APPROVE.has(name)) c.f.add('approve', `ALTER TABLE ... ${words(name)} changes its definition`);
    // Renaming is confirm: easy to undo, but it breaks every query and pipeline that uses the old name.
    else if (ALTER_CONFIRM.has(name)) c.f.add('confirm', `ALTER TABLE ... ${words(name)} is destructive or hard to undo`);
    else c.f.add('deny', `ALTER TABLE ... ${words(name)} is not a change Pipewright knows`);
  }
}

function create(c: Context, b: Node, what: string, target: string): void {
  if (b.or_replace) write(c, 'confirm', `CREATE OR REPLACE ${what} replaces an existing object`, target);
  else write(c, 'approve', `CREATE ${what} adds an object`, target);
}

function write(c: Context, decision: SqlDecision, reason: string, ...targets: string[]): void {
  c.f.add(decision, reason);
  for (const t of targets) c.f.target(t);
}

/** Why a DELETE/UPDATE WHERE does not bound the rows it writes, or undefined when it does. */
function whereReason(statement: string, effect: string, where: Node | undefined, target: Node | undefined, others: unknown[], ctes?: Node[]): string | undefined {
  const scope = sqlparserScope(target, others, ctes);
  return boundReason(statement, effect, sqlparserPredicate(where, scope), scope);
}

// A MERGE that updates or deletes matched (or unmatched-by-source) rows is bounded only when the
// join condition, or that action's own condition, can be false for a row of the target.
function mergeReason(b: Node, ctes?: Node[]): string | undefined {
  const scope = sqlparserScope(b.table, [b.source], ctes);
  for (const clause of b.clauses ?? []) {
    const action = typeof clause.action === 'string' ? clause.action : Object.keys(clause.action ?? {})[0];
    if (action !== 'Update' && action !== 'Delete') continue;
    // WHEN NOT MATCHED BY SOURCE writes the target rows the ON does not match: only its own condition bounds it.
    const on = clause.clause_kind === 'NotMatchedBySource' ? undefined : sqlparserPredicate(b.on, scope);
    const extra = sqlparserPredicate(clause.predicate, scope);
    const where = on && extra ? { kind: 'and' as const, items: [on, extra] } : (on ?? extra);
    const reason = boundReason(`MERGE ... ${action.toUpperCase()}`, action === 'Delete' ? 'removes' : 'changes', where, scope);
    if (reason) return reason.replace('its WHERE', 'its ON and WHEN conditions').replace('without a WHERE', 'without a condition');
  }
  return undefined;
}

function stringsIn(node: unknown): string[] {
  const out: string[] = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(visit);
    else if (n && typeof n === 'object') {
      for (const [k, v] of Object.entries(n)) {
        if ((k === 'SingleQuotedString' || k === 'DoubleQuotedString') && typeof v === 'string') out.push(v);
        else visit(v);
      }
    }
  };
  visit(node);
  return out;
}

/** ObjectName (`[{"Identifier": {"value": "x"}}, ...]`) as a dotted name. */
export function objectName(name: unknown): string {
  if (!Array.isArray(name)) return '';
  return name
    .map((p: Node) => p.Identifier?.value ?? p.value ?? (p.Function ? `${p.Function.name?.value ?? ''}(...)` : ''))
    .join('.');
}

function insertTargets(b: Node): string[] {
  // INSERT ALL INTO t1 ... INTO t2 ... (Snowflake multi-table insert)
  const more = (b.multi_table_into_clauses ?? []).map((clause: Node) => objectName(clause.table_name));
  return [objectName(b.table?.TableName ?? b.table?.name), ...more].filter(Boolean);
}

/** The table of `{relation: {Table: {name}}}`, `{table: {Table: {name}}}` or `{Table: {name}}`. */
function relationName(node: Node | undefined): string {
  const factor = node?.relation ?? node?.table ?? node;
  return objectName(factor?.Table?.name ?? factor?.relation?.Table?.name);
}

function grantTargets(b: Node): string[] {
  const objects = b.objects ?? {};
  return Object.values(objects).flatMap((v) => (Array.isArray(v) ? v.map(objectName) : []));
}

function kindOf(variant: string, body: Node): string {
  switch (variant) {
    case 'Query': {
      const inner = Object.keys(body.body ?? {})[0];
      return ['Insert', 'Update', 'Delete', 'Merge'].includes(inner) ? inner.toLowerCase() : 'select';
    }
    case 'Explain': {
      const analyze = body.analyze === true || (body.options ?? []).some(isAnalyzeOption);
      if (analyze) {
        const [inner, innerBody] = Object.entries(body.statement ?? {})[0] ?? ['Unknown', {}];
        return kindOf(inner, innerBody ?? {});
      }
      return body.describe_alias === 'Explain' ? 'explain' : 'describe';
    }
    case 'ExplainTable':
      return body.describe_alias === 'Explain' ? 'explain' : 'describe';
    case 'StartTransaction':
      return 'begin';
    case 'CopyIntoSnowflake':
      return 'copy';
    case 'AttachDatabase':
    case 'AttachDuckDBDatabase':
      return 'attach';
    case 'DetachDuckDBDatabase':
      return 'detach';
  }
  return words(variant).split(' ')[0].toLowerCase();
}

// sqlparser-ts keeps EXPLAIN (ANALYZE) in `options`, not in the `analyze` flag.
function isAnalyzeOption(option: Node): boolean {
  if (String(option?.key?.value ?? option?.name?.value ?? '').toLowerCase() !== 'analyze') return false;
  const value = JSON.stringify(option.value ?? option.arg ?? null).toLowerCase();
  return !/false|"off"|"0"/.test(value);
}

/** 'CreateSecret' to 'CREATE SECRET'. */
function words(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}
