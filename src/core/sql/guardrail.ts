// The SQL guardrail: decides, before anything reaches a warehouse, whether a statement may run
// (allow), needs a click (approve), needs the target typed (confirm) or never runs (deny).
// Each dialect is read by its own real parser (never a regex, never another dialect's parser),
// the whole tree is walked, and anything unknown or unreadable is denied.

import { duckdbRules } from './duckdbRules';
import { postgresRules } from './postgresRules';
import { snowflakeRules } from './snowflakeRules';

export type SqlDialect = 'postgres' | 'snowflake' | 'duckdb';
export type SqlDecision = 'allow' | 'approve' | 'confirm' | 'deny';

export interface SqlVerdict {
  decision: SqlDecision;
  /** Short human sentences; at least one when the decision is not allow. Strictest first. */
  reasons: string[];
  /** How many statements the dialect's parser found (0 when unparseable). */
  statements: number;
  /** Main statement kind in lower case ('select', 'insert', 'drop', ...); null when unparseable. */
  kind: string | null;
  /** Objects written or dropped, for typed confirmation; [] for reads. */
  targets: string[];
}

export const DECISION_ORDER: Record<SqlDecision, number> = { allow: 0, approve: 1, confirm: 2, deny: 3 };

export const SQL_DIALECTS: readonly SqlDialect[] = ['postgres', 'snowflake', 'duckdb'];

/** What the rules found while walking one SQL text; the verdict is the strictest finding. */
export class Findings {
  statements = 0;
  kind: string | null = null;
  private decision: SqlDecision = 'allow';
  private readonly reasons: { decision: SqlDecision; text: string }[] = [];
  private readonly targets: string[] = [];

  add(decision: SqlDecision, reason: string): void {
    if (DECISION_ORDER[decision] > DECISION_ORDER[this.decision]) this.decision = decision;
    if (decision !== 'allow' && !this.reasons.some((r) => r.text === reason)) this.reasons.push({ decision, text: reason });
  }

  /** Records how many statements the parser found; anything but exactly one is a deny. */
  expectOne(count: number): boolean {
    this.statements = count;
    if (count === 1) return true;
    this.add('deny', count === 0 ? 'The SQL contains no statement.' : `The SQL contains ${count} statements; exactly one is allowed per call.`);
    return false;
  }

  target(name: string): void {
    if (name && !this.targets.includes(name)) this.targets.push(name);
  }

  /** The text could not be read at all: nothing else about it can be trusted. */
  unreadable(reason: string): void {
    this.statements = 0;
    this.kind = null;
    this.targets.length = 0;
    this.add('deny', reason);
  }

  verdict(): SqlVerdict {
    const reasons = [...this.reasons].sort((a, b) => DECISION_ORDER[b.decision] - DECISION_ORDER[a.decision]).map((r) => r.text);
    return { decision: this.decision, reasons, statements: this.statements, kind: this.kind, targets: [...this.targets] };
  }
}

/** A dialect's classifier, returned once its parser is loaded. */
export type Rules = (sql: string, findings: Findings) => void | Promise<void>;

// Each module loads its parser on first use and caches it: checking Snowflake SQL never loads
// DuckDB's native driver, and so on. (The modules import only types from here: no cycle at run time.)
const loaders: Record<SqlDialect, () => Promise<Rules>> = { postgres: postgresRules, snowflake: snowflakeRules, duckdb: duckdbRules };
const PARSER_NAMES: Record<SqlDialect, string> = { postgres: 'PostgreSQL', snowflake: 'Snowflake', duckdb: 'DuckDB' };

/** Classifies one SQL text as it will be sent. Never throws: any failure is a deny. */
export async function checkSql(dialect: SqlDialect, sql: string): Promise<SqlVerdict> {
  const findings = new Findings();
  if (!SQL_DIALECTS.includes(dialect)) {
    findings.unreadable(`"${String(dialect)}" is not a SQL dialect Pipewright knows.`);
    return findings.verdict();
  }
  if (typeof sql !== 'string') {
    findings.unreadable('The SQL is not text.');
    return findings.verdict();
  }
  // C parsers and the wire protocols stop at NUL: what ran would differ from what was checked.
  if (sql.includes('\u0000')) {
    findings.unreadable('The SQL contains a NUL character, which is not allowed.');
    return findings.verdict();
  }
  let rules: Rules;
  try {
    rules = await loaders[dialect]();
  } catch (error) {
    findings.unreadable(`The ${PARSER_NAMES[dialect]} parser could not be loaded: ${messageOf(error)}`);
    return findings.verdict();
  }
  try {
    await rules(sql, findings);
  } catch (error) {
    findings.unreadable(`The ${PARSER_NAMES[dialect]} parser could not read the SQL: ${messageOf(error)}`);
  }
  return findings.verdict();
}

export function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
