// What kind of statement a text is: read by the guardrail's own Snowflake parser (sqlparser-rs,
// loaded once per process) and, on the server, by the statementTypeId Snowflake reports when it
// compiles the text. Only the server's word decides whether a read may run (see connector.ts).
import { ConnectorError } from '../connector';
import { Findings } from '../../sql/guardrail';
import { classifyStatement, loadSqlparser } from '../../sql/snowflakeRules';

type SqlparserApi = Awaited<ReturnType<typeof loadSqlparser>>;

let parser: SqlparserApi | undefined;

/** Loads the parser the guardrail uses (the same cached instance); leadingKind needs it loaded. */
export async function loadStatementParser(): Promise<void> {
  parser ??= await loadSqlparser();
}

/**
 * How many statements the parser finds and the lower-case kind of the first ('select', 'insert',
 * 'delete' for WITH ... DELETE, ...): 'empty' for none, undefined when the parser cannot read the
 * text (sqlparser-rs does not know every Snowflake statement; the server then has the last word).
 */
export function parsedShape(sql: string): { count: number; kind: string } | undefined {
  if (!parser) throw new Error('The Snowflake parser is not loaded (call loadStatementParser first).');
  let statements: unknown[];
  try {
    statements = parser.parse(sql, 'snowflake') as unknown[];
  } catch {
    return undefined;
  }
  if (statements.length === 0) return { count: 0, kind: 'empty' };
  const findings = new Findings();
  classifyStatement(statements[0] as Record<string, unknown>, { dialect: 'snowflake', f: findings }, true);
  return { count: statements.length, kind: findings.kind ?? 'unknown' };
}

/** Lower-case kind of the first statement; 'unknown' when the parser cannot read it. */
export function leadingKind(sql: string): string {
  return parsedShape(sql)?.kind ?? 'unknown';
}

// statementTypeId as Snowflake reports it (the codes of snowflake-jdbc's SFStatementType):
// each family spans 0x1000; 0x0000 is unknown.
const FAMILY_SPAN = 0x1000;
export const STATEMENT_TYPE = {
  SELECT: 0x1000,
  DML: 0x3000,
  INSERT: 0x3100,
  UPDATE: 0x3200,
  DELETE: 0x3300,
  MERGE: 0x3400,
  MULTI_INSERT: 0x3500,
  COPY: 0x3600,
  UNLOAD: 0x3700,
  SCL: 0x4000,
  ALTER_SESSION: 0x4100,
  USE: 0x4300,
  SHOW: 0x4400,
  DESCRIBE: 0x4500,
  TCL: 0x5000,
  DDL: 0x6000,
} as const;

const EXACT_NAMES = new Map<number, string>([
  [STATEMENT_TYPE.INSERT, 'insert'],
  [STATEMENT_TYPE.UPDATE, 'update'],
  [STATEMENT_TYPE.DELETE, 'delete'],
  [STATEMENT_TYPE.MERGE, 'merge'],
  [STATEMENT_TYPE.MULTI_INSERT, 'insert'],
  [STATEMENT_TYPE.COPY, 'copy'],
  [STATEMENT_TYPE.UNLOAD, 'copy'],
  [STATEMENT_TYPE.ALTER_SESSION, 'alter'],
  [STATEMENT_TYPE.SHOW, 'show'],
  [STATEMENT_TYPE.DESCRIBE, 'describe'],
]);
const FAMILY_NAMES = new Map<number, string>([
  [STATEMENT_TYPE.SELECT, 'select'],
  [STATEMENT_TYPE.DML, 'dml'],
  [STATEMENT_TYPE.SCL, 'session command'],
  [STATEMENT_TYPE.TCL, 'transaction control'],
  [STATEMENT_TYPE.DDL, 'ddl'],
]);

/** A query: the only family a read may run. */
export function isQueryType(id: number | undefined): boolean {
  return id !== undefined && id >= STATEMENT_TYPE.SELECT && id < STATEMENT_TYPE.SELECT + FAMILY_SPAN;
}

/** The kind a statementTypeId names, for messages and for texts the parser cannot read. */
export function kindOfStatementType(id: number | undefined): string {
  if (id === undefined) return 'unknown';
  return EXACT_NAMES.get(id) ?? FAMILY_NAMES.get(id - (id % FAMILY_SPAN)) ?? 'unknown';
}

/**
 * PUT and GET read and write files on this machine through the driver, not in the warehouse. The
 * driver takes the file-transfer path when the trimmed text starts with PUT or GET (its own test,
 * mirrored exactly); a PUT behind a comment is an ordinary statement to the driver, which the
 * server then reports as no query.
 */
export function refuseLocalFileCommands(sql: string): void {
  if (/^(put|get)/i.test(sql.trim())) {
    throw new ConnectorError('PUT and GET move files between this machine and a stage; Pipewright does not run them.', 'Load or unload files with your own tools.');
  }
}
