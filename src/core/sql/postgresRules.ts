// PostgreSQL: libpg-query is the server's own parser (WebAssembly), so comments, dollar quotes,
// E'' strings and statement boundaries are read exactly as the server will read them. Every node
// named *Stmt anywhere in the tree is classified (a DELETE in a CTE, the statement under EXPLAIN,
// the query of CREATE TABLE AS) and every function call is checked.
import { functionRisk } from './functionRules';
import { postgresPredicate, postgresScope } from './postgresPredicate';
import { boundReason } from './predicate';
import type { Findings, Rules, SqlDecision } from './guardrail';

// The JSON AST is walked generically; only the fields read below matter.
type Node = Record<string, any>;

let loaded: Promise<Rules> | undefined;

/** Loads the parser once per process. */
export function postgresRules(): Promise<Rules> {
  loaded ??= (async () => {
    const pg = await import('libpg-query');
    await pg.loadModule();
    return (sql: string, findings: Findings) => checkPostgres(pg.parseSync, sql, findings);
  })();
  loaded.catch(() => (loaded = undefined));
  return loaded;
}

function checkPostgres(parse: (sql: string) => { stmts?: { stmt?: Node }[] }, sql: string, f: Findings): void {
  // libpg-query refuses an empty string; PostgreSQL would run nothing.
  const stmts = sql === '' ? [] : (parse(sql).stmts ?? []);
  if (!f.expectOne(stmts.length)) return;
  const top = stmts[0].stmt ?? {};
  f.kind = kindOf(top);
  walk(top, f);
}

/** Visits every node: statements and function calls at any depth. */
function walk(node: unknown, f: Findings): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, f);
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'FuncCall') checkFunction(value, f);
    else if (key.endsWith('Stmt') && /^[A-Z]/.test(key)) classify(key, value ?? {}, f);
    walk(value, f);
  }
}

function checkFunction(call: Node, f: Findings): void {
  const parts: string[] = (call.funcname ?? []).map((n: Node) => n.String?.sval ?? '');
  const risk = functionRisk('postgres', parts[parts.length - 1] ?? '');
  if (risk) f.add('deny', risk);
}

type Rule = (body: Node, f: Findings) => void;
const fixed =
  (decision: SqlDecision, reason: string): Rule =>
  (_body, f) =>
    f.add(decision, reason);

const ROLE = 'changes roles or who the session acts as';
const PROCEDURAL = 'defines or runs procedural code';
const FOREIGN = 'reaches other servers or files through a foreign-data wrapper';

const RULES: Record<string, Rule> = {
  SelectStmt: (b, f) => {
    if (b.intoClause) {
      f.add('approve', 'SELECT INTO writes a new table');
      f.target(rangeVar(b.intoClause.rel));
    }
    if (b.lockingClause) f.add('approve', 'SELECT ... FOR UPDATE/SHARE locks rows until the transaction ends');
  },
  InsertStmt: (b, f) => write(f, 'approve', 'INSERT writes rows', b.relation),
  UpdateStmt: (b, f) => {
    const scope = scopeOf(b.relation, b.fromClause, b.withClause);
    const unbounded = boundReason('UPDATE', 'changes', postgresPredicate(b.whereClause, scope), scope);
    write(f, unbounded ? 'confirm' : 'approve', unbounded ?? 'UPDATE ... WHERE changes rows', b.relation);
  },
  DeleteStmt: (b, f) => {
    const scope = scopeOf(b.relation, b.usingClause, b.withClause);
    const unbounded = boundReason('DELETE', 'removes', postgresPredicate(b.whereClause, scope), scope);
    write(f, unbounded ? 'confirm' : 'approve', unbounded ?? 'DELETE ... WHERE removes rows', b.relation);
  },
  MergeStmt: (b, f) => {
    const unbounded = mergeReason(b);
    write(f, unbounded ? 'confirm' : 'approve', unbounded ?? 'MERGE writes rows', b.relation);
  },
  CreateStmt: (b, f) => write(f, 'approve', 'CREATE TABLE adds a table', b.relation),
  ViewStmt: (b, f) =>
    b.replace
      ? write(f, 'confirm', 'CREATE OR REPLACE VIEW replaces an existing view', b.view)
      : write(f, 'approve', 'CREATE VIEW adds a view', b.view),
  CreateTableAsStmt: (b, f) =>
    write(f, 'approve', `CREATE ${b.objtype === 'OBJECT_MATVIEW' ? 'MATERIALIZED VIEW' : 'TABLE'} AS writes a new table`, b.into?.rel),
  CreateSchemaStmt: (b, f) => {
    f.add('approve', 'CREATE SCHEMA adds a schema');
    f.target(b.schemaname ?? '');
  },
  IndexStmt: (b, f) => write(f, 'approve', 'CREATE INDEX adds an index', b.relation),
  CreateSeqStmt: (b, f) => write(f, 'approve', 'CREATE SEQUENCE adds a sequence', b.sequence),
  CompositeTypeStmt: fixed('approve', 'CREATE TYPE adds a type'),
  CreateEnumStmt: fixed('approve', 'CREATE TYPE adds a type'),
  CreateRangeStmt: fixed('approve', 'CREATE TYPE adds a type'),
  CreateDomainStmt: fixed('approve', 'CREATE DOMAIN adds a domain'),
  CreateStatsStmt: fixed('approve', 'CREATE STATISTICS adds statistics'),
  CreatedbStmt: (b, f) => {
    f.add('approve', 'CREATE DATABASE adds a database');
    f.target(b.dbname ?? '');
  },
  AlterEnumStmt: fixed('approve', 'ALTER TYPE changes an enum type'),
  CommentStmt: (b, f) => {
    f.add('approve', "COMMENT ON changes an object's comment");
    f.target(objectName(b.object));
  },
  RefreshMatViewStmt: (b, f) => write(f, 'approve', 'REFRESH MATERIALIZED VIEW rewrites a view', b.relation),
  VacuumStmt: (b, f) => f.add('approve', `${b.is_vacuumcmd ? 'VACUUM' : 'ANALYZE'} runs maintenance on tables`),
  AlterTableStmt: alterTable,
  // Renaming is confirm: it is easy to undo but breaks every query and pipeline that uses the old name.
  RenameStmt: (b, f) => {
    f.add('confirm', 'RENAME breaks everything that uses the old name');
    f.target(b.relation ? rangeVar(b.relation) : objectName(b.object));
  },
  AlterObjectSchemaStmt: (b, f) => {
    f.add('confirm', 'SET SCHEMA moves an object and breaks everything that uses the old name');
    f.target(b.relation ? rangeVar(b.relation) : objectName(b.object));
  },
  AlterOwnerStmt: (b, f) => {
    f.add('confirm', 'ALTER ... OWNER changes who controls an object');
    f.target(b.relation ? rangeVar(b.relation) : objectName(b.object));
  },
  AlterSeqStmt: (b, f) => write(f, 'confirm', 'ALTER SEQUENCE can reset the values a sequence hands out', b.sequence),
  GrantStmt: (b, f) => {
    f.add('confirm', `${b.is_grant ? 'GRANT' : 'REVOKE'} changes privileges`);
    for (const o of b.objects ?? []) f.target(o.RangeVar ? rangeVar(o.RangeVar) : objectName(o));
  },
  GrantRoleStmt: (b, f) => f.add('confirm', `${b.is_grant ? 'GRANT' : 'REVOKE'} changes role membership`),
  AlterDefaultPrivilegesStmt: fixed('confirm', 'ALTER DEFAULT PRIVILEGES changes privileges'),
  CreatePolicyStmt: (b, f) => write(f, 'confirm', 'CREATE POLICY changes which rows roles can see', b.table),
  AlterPolicyStmt: (b, f) => write(f, 'confirm', 'ALTER POLICY changes which rows roles can see', b.table),
  DropStmt: (b, f) => {
    f.add('confirm', `DROP ${words(String(b.removeType ?? 'OBJECT').replace(/^OBJECT_/, ''))} is destructive`);
    for (const o of b.objects ?? []) f.target(objectName(o));
  },
  TruncateStmt: (b, f) => {
    f.add('confirm', 'TRUNCATE removes every row');
    for (const r of b.relations ?? []) f.target(rangeVar(r.RangeVar));
  },
  DropdbStmt: (b, f) => {
    f.add('confirm', 'DROP DATABASE is destructive');
    f.target(b.dbname ?? '');
  },
  DropOwnedStmt: fixed('confirm', 'DROP OWNED drops every object a role owns'),
  ReassignOwnedStmt: fixed('confirm', 'REASSIGN OWNED changes who controls objects'),
  DropTableSpaceStmt: fixed('confirm', 'DROP TABLESPACE is destructive'),
  DropSubscriptionStmt: fixed('confirm', 'DROP SUBSCRIPTION is destructive'),
  DropUserMappingStmt: fixed('confirm', 'DROP USER MAPPING is destructive'),
  ExplainStmt: () => {},
  VariableShowStmt: () => {},

  TransactionStmt: fixed('deny', 'Transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT) is left to Pipewright'),
  VariableSetStmt: (b, f) =>
    f.add(
      'deny',
      ['role', 'session_authorization'].includes(b.name)
        ? `${String(b.kind).startsWith('VAR_RESET') ? 'RESET' : 'SET'} ${b.name.toUpperCase().replace('_', ' ')} ${ROLE}`
        : 'SET/RESET changes session settings',
    ),
  ConstraintsSetStmt: fixed('deny', 'SET CONSTRAINTS changes transaction behaviour'),
  DiscardStmt: fixed('deny', 'DISCARD resets session state'),
  ListenStmt: fixed('deny', 'LISTEN changes session state'),
  UnlistenStmt: fixed('deny', 'UNLISTEN changes session state'),
  NotifyStmt: fixed('deny', 'NOTIFY signals other sessions'),
  LockStmt: fixed('deny', 'LOCK TABLE blocks other sessions'),
  CheckPointStmt: fixed('deny', 'CHECKPOINT controls the server'),
  AlterSystemStmt: fixed('deny', 'ALTER SYSTEM changes server configuration'),
  AlterDatabaseSetStmt: fixed('deny', 'ALTER DATABASE SET changes configuration'),
  AlterRoleStmt: fixed('deny', `ALTER ROLE ${ROLE}`),
  AlterRoleSetStmt: fixed('deny', 'ALTER ROLE SET changes configuration'),
  CreateRoleStmt: fixed('deny', `CREATE ROLE/USER ${ROLE}`),
  DropRoleStmt: fixed('deny', `DROP ROLE/USER ${ROLE}`),
  CopyStmt: (b, f) =>
    f.add('deny', b.is_program ? 'COPY ... PROGRAM runs a shell command on the server' : b.filename ? 'COPY to or from a file touches the server disk' : 'COPY moves data in or out outside a checked query'),
  LoadStmt: fixed('deny', 'LOAD loads a shared library into the server'),
  DoStmt: fixed('deny', `DO ${PROCEDURAL}`),
  CallStmt: fixed('deny', 'CALL runs a procedure'),
  ExecuteStmt: fixed('deny', 'EXECUTE runs a prepared statement that was not checked'),
  PrepareStmt: fixed('deny', 'PREPARE stores a statement in the session'),
  DeallocateStmt: fixed('deny', 'DEALLOCATE changes session state'),
  DeclareCursorStmt: fixed('deny', 'Cursors are managed by Pipewright'),
  FetchStmt: fixed('deny', 'Cursors are managed by Pipewright'),
  ClosePortalStmt: fixed('deny', 'Cursors are managed by Pipewright'),
  CreateFunctionStmt: fixed('deny', `CREATE FUNCTION/PROCEDURE ${PROCEDURAL}`),
  AlterFunctionStmt: fixed('deny', `ALTER FUNCTION/PROCEDURE ${PROCEDURAL}`),
  CreateTrigStmt: fixed('deny', `CREATE TRIGGER ${PROCEDURAL}`),
  CreateEventTrigStmt: fixed('deny', `CREATE EVENT TRIGGER ${PROCEDURAL}`),
  RuleStmt: fixed('deny', 'CREATE RULE rewrites other statements'),
  CreatePLangStmt: fixed('deny', `CREATE LANGUAGE ${PROCEDURAL}`),
  CreateExtensionStmt: fixed('deny', 'CREATE EXTENSION loads code into the database'),
  AlterExtensionStmt: fixed('deny', 'ALTER EXTENSION loads code into the database'),
  CreateFdwStmt: fixed('deny', `CREATE FOREIGN DATA WRAPPER ${FOREIGN}`),
  CreateForeignServerStmt: fixed('deny', `CREATE SERVER ${FOREIGN}`),
  CreateForeignTableStmt: fixed('deny', `CREATE FOREIGN TABLE ${FOREIGN}`),
  CreateUserMappingStmt: fixed('deny', `CREATE USER MAPPING ${FOREIGN}`),
  ImportForeignSchemaStmt: fixed('deny', `IMPORT FOREIGN SCHEMA ${FOREIGN}`),
  CreateSubscriptionStmt: fixed('deny', 'CREATE SUBSCRIPTION connects to another server'),
  CreateTableSpaceStmt: fixed('deny', 'CREATE TABLESPACE uses a directory on the server'),
};

function classify(type: string, body: Node, f: Findings): void {
  const rule = RULES[type];
  if (rule) rule(body, f);
  else f.add('deny', `${words(type.replace(/Stmt$/, ''))} is not a statement kind Pipewright knows`);
}

// ALTER TABLE sub-commands that only add to or tune a table; the destructive ones need the name typed.
const ALTER_APPROVE = new Set([
  'AT_AddColumn', 'AT_AddColumnToView', 'AT_ColumnDefault', 'AT_SetNotNull', 'AT_AddConstraint', 'AT_AddIndex',
  'AT_AddIndexConstraint', 'AT_ValidateConstraint', 'AT_AlterConstraint', 'AT_SetStatistics', 'AT_SetOptions',
  'AT_ResetOptions', 'AT_SetStorage', 'AT_SetCompression', 'AT_AddIdentity', 'AT_SetIdentity', 'AT_AttachPartition',
  'AT_AddInherit', 'AT_ClusterOn', 'AT_DropCluster', 'AT_SetRelOptions', 'AT_ResetRelOptions', 'AT_ReplicaIdentity',
]);
const ALTER_CONFIRM = new Set([
  'AT_DropColumn', 'AT_DropConstraint', 'AT_DropNotNull', 'AT_AlterColumnType', 'AT_ChangeOwner', 'AT_SetExpression',
  'AT_DropExpression', 'AT_SetLogged', 'AT_SetUnLogged', 'AT_DetachPartition', 'AT_DetachPartitionFinalize',
  'AT_DropInherit', 'AT_DropIdentity', 'AT_AddOf', 'AT_DropOf', 'AT_SetTableSpace', 'AT_SetAccessMethod',
  'AT_ReplaceRelOptions', 'AT_EnableTrig', 'AT_EnableAlwaysTrig', 'AT_EnableReplicaTrig', 'AT_DisableTrig',
  'AT_EnableTrigAll', 'AT_DisableTrigAll', 'AT_EnableTrigUser', 'AT_DisableTrigUser', 'AT_EnableRule',
  'AT_EnableAlwaysRule', 'AT_EnableReplicaRule', 'AT_DisableRule', 'AT_EnableRowSecurity', 'AT_DisableRowSecurity',
  'AT_ForceRowSecurity', 'AT_NoForceRowSecurity',
]);

function alterTable(b: Node, f: Findings): void {
  f.target(rangeVar(b.relation));
  const object = words(String(b.objtype ?? 'OBJECT_TABLE').replace(/^OBJECT_/, ''));
  for (const cmd of b.cmds ?? []) {
    const subtype: string = cmd.AlterTableCmd?.subtype ?? '';
    const action = words(subtype.replace(/^AT_/, ''));
    if (ALTER_APPROVE.has(subtype)) f.add('approve', `ALTER ${object} ... ${action} changes its definition`);
    else if (ALTER_CONFIRM.has(subtype)) f.add('confirm', `ALTER ${object} ... ${action} is destructive or hard to undo`);
    // Foreign-table OPTIONS can point at another server or a file; anything else is unknown.
    else f.add('deny', `ALTER ${object} ... ${action} is not a change Pipewright knows`);
  }
}

const scopeOf = (relation: Node | undefined, others: Node[] | undefined, withClause?: Node) => postgresScope(relation, others ?? [], withClause);

// A MERGE that updates or deletes matched (or unmatched-by-source) rows is bounded only when the
// join condition, or that action's own condition, can be false for a row of the target.
function mergeReason(b: Node): string | undefined {
  const scope = scopeOf(b.relation, b.sourceRelation ? [b.sourceRelation] : [], b.withClause);
  for (const clause of b.mergeWhenClauses ?? []) {
    const c: Node = clause.MergeWhenClause ?? {};
    if (c.commandType !== 'CMD_UPDATE' && c.commandType !== 'CMD_DELETE') continue;
    // WHEN NOT MATCHED BY SOURCE writes the target rows the ON does not match: only its own condition bounds it.
    const on = c.matchKind === 'MERGE_WHEN_NOT_MATCHED_BY_SOURCE' ? undefined : postgresPredicate(b.joinCondition, scope);
    const extra = postgresPredicate(c.condition, scope);
    const where = on && extra ? { kind: 'and' as const, items: [on, extra] } : (on ?? extra);
    const reason = boundReason(`MERGE ... ${c.commandType === 'CMD_DELETE' ? 'DELETE' : 'UPDATE'}`, c.commandType === 'CMD_DELETE' ? 'removes' : 'changes', where, scope);
    if (reason) return reason.replace('its WHERE', 'its ON and WHEN conditions').replace('without a WHERE', 'without a condition');
  }
  return undefined;
}

function write(f: Findings, decision: SqlDecision, reason: string, relation: Node | undefined): void {
  f.add(decision, reason);
  f.target(rangeVar(relation));
}

function rangeVar(rv: Node | undefined): string {
  return rv ? [rv.catalogname, rv.schemaname, rv.relname].filter(Boolean).join('.') : '';
}

/** The dotted name of a DROP/COMMENT/GRANT object: a List of Strings, a String, a TypeName, ... */
function objectName(node: Node | undefined): string {
  if (!node) return '';
  if (node.String) return node.String.sval ?? '';
  if (node.List) return (node.List.items ?? []).map(objectName).join('.');
  if (node.TypeName) return (node.TypeName.names ?? []).map(objectName).join('.');
  if (node.ObjectWithArgs) return (node.ObjectWithArgs.objname ?? []).map(objectName).join('.');
  if (node.RangeVar) return rangeVar(node.RangeVar);
  return '';
}

const KINDS: Record<string, string> = {
  ViewStmt: 'create', IndexStmt: 'create', CreatedbStmt: 'create', CompositeTypeStmt: 'create', DefineStmt: 'create',
  RuleStmt: 'create', CreateTableAsStmt: 'create', RenameStmt: 'alter', DropdbStmt: 'drop', VariableShowStmt: 'show',
  VariableSetStmt: 'set', ConstraintsSetStmt: 'set', ClosePortalStmt: 'close', DeclareCursorStmt: 'declare',
  RefreshMatViewStmt: 'refresh', SecLabelStmt: 'security label', CheckPointStmt: 'checkpoint',
};

function kindOf(stmt: Node): string {
  const [type = 'Unknown', body = {}] = Object.entries(stmt)[0] ?? [];
  switch (type) {
    case 'ExplainStmt':
      return explainAnalyze(body) ? kindOf(body.query ?? {}) : 'explain';
    case 'TransactionStmt':
      return String(body.kind ?? 'TRANS_STMT_BEGIN').split('_')[2].toLowerCase();
    case 'GrantStmt':
    case 'GrantRoleStmt':
      return body.is_grant ? 'grant' : 'revoke';
    case 'VacuumStmt':
      return body.is_vacuumcmd ? 'vacuum' : 'analyze';
    case 'VariableSetStmt':
      return String(body.kind).startsWith('VAR_RESET') ? 'reset' : 'set';
  }
  return KINDS[type] ?? words(type.replace(/Stmt$/, '')).split(' ')[0].toLowerCase();
}

// EXPLAIN ANALYZE runs its statement; EXPLAIN (ANALYZE false) does not.
function explainAnalyze(explain: Node): boolean {
  return (explain.options ?? []).some((o: Node) => {
    const d = o.DefElem;
    if (d?.defname !== 'analyze') return false;
    // libpg-query leaves out false and 0, so an Integer or Boolean node without a value is off.
    const arg = d.arg;
    const value = arg?.String?.sval ?? (arg?.Integer ? (arg.Integer.ival ?? 0) : undefined) ?? (arg?.Boolean ? (arg.Boolean.boolval ?? false) : undefined);
    return !['false', 'off', 'no', '0', false, 0].includes(value);
  });
}

/** 'CreateForeignTable' or 'FOREIGN_TABLE' to 'CREATE FOREIGN TABLE' / 'FOREIGN TABLE'. */
function words(name: string): string {
  return name.replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}
