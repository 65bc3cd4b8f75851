// `pipewright sql check --dialect postgres|snowflake|duckdb [--fail-on confirm|deny]`: classifies
// the SQL read from stdin and prints one JSON line. The exit code is 0 whatever the decision,
// unless --fail-on names a level the decision reaches (then FAIL_ON_EXIT, so a CI job fails);
// 2 is a usage error.
import { parseArgs } from 'node:util';
import { checkSql, DECISION_ORDER, SQL_DIALECTS, type SqlDialect, type SqlVerdict } from '../core/sql/guardrail';
import { jsonLine, visible } from './terminalText';

/** The verdict reached the --fail-on level: distinct from 1 (a crash) and 2 (usage). */
export const FAIL_ON_EXIT = 3;

const FAIL_ON_LEVELS = ['confirm', 'deny'] as const;

export const SQL_CHECK_USAGE = `Usage: pipewright sql check --dialect ${SQL_DIALECTS.join('|')} [--fail-on ${FAIL_ON_LEVELS.join('|')}] < statement.sql
  Prints {"decision": "allow"|"approve"|"confirm"|"deny", "reasons": [...], "statements": N, "kind": ..., "targets": [...]}
  --fail-on confirm   exit ${FAIL_ON_EXIT} when the decision is confirm or deny (the JSON is printed all the same)
  --fail-on deny      exit ${FAIL_ON_EXIT} when the decision is deny
Exit codes: 0 checked, ${FAIL_ON_EXIT} the decision reached --fail-on, 2 usage error.`;

export async function sqlCheck(args: string[], stdin: NodeJS.ReadableStream, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<number> {
  const usageError = (message: string) => {
    stderr.write(`pipewright sql check: ${visible(message, { keepLines: true })}\n\n${SQL_CHECK_USAGE}\n`);
    return 2;
  };
  let dialect: string | undefined;
  let failOn: string | undefined;
  try {
    const parsed = parseArgs({ args, options: { dialect: { type: 'string', short: 'd' }, 'fail-on': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
    if (parsed.values.help) {
      stdout.write(`${SQL_CHECK_USAGE}\n`);
      return 0;
    }
    dialect = parsed.values.dialect;
    failOn = parsed.values['fail-on'];
  } catch (error) {
    return usageError((error as Error).message);
  }
  if (!dialect || !(SQL_DIALECTS as readonly string[]).includes(dialect)) {
    return usageError(dialect ? `unknown dialect ${JSON.stringify(dialect)}; use ${SQL_DIALECTS.join(', ')}.` : '--dialect is required.');
  }
  if (failOn !== undefined && !(FAIL_ON_LEVELS as readonly string[]).includes(failOn)) {
    return usageError(`--fail-on must be ${FAIL_ON_LEVELS.join(' or ')}, not ${JSON.stringify(failOn)}.`);
  }

  const sql = decodeUtf8(await readAll(stdin));
  const verdict: SqlVerdict = sql === undefined
    ? { decision: 'deny', reasons: ['The SQL is not valid UTF-8.'], statements: 0, kind: null, targets: [] }
    : await checkSql(dialect as SqlDialect, sql);
  stdout.write(jsonLine(verdict));
  // --fail-on X fails at X and at anything stricter.
  const failed = failOn !== undefined && DECISION_ORDER[verdict.decision] >= DECISION_ORDER[failOn as (typeof FAIL_ON_LEVELS)[number]];
  return failed ? FAIL_ON_EXIT : 0;
}

/** The exact bytes as text: no trimming, and the BOM is kept as a character like any other. */
function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
  return Buffer.concat(chunks);
}
