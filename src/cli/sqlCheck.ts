// `pipewright sql check --dialect postgres|snowflake|duckdb`: classifies the SQL read from stdin
// and prints one JSON line. The exit code is 0 whatever the decision; 2 is a usage error.
import { parseArgs } from 'node:util';
import { checkSql, SQL_DIALECTS, type SqlDialect } from '../core/sql/guardrail';

const USAGE = `Usage: pipewright sql check --dialect ${SQL_DIALECTS.join('|')} < statement.sql
  Prints {"decision": "allow"|"approve"|"confirm"|"deny", "reasons": [...], "statements": N, "kind": ..., "targets": [...]}`;

export async function sqlCheck(args: string[], stdin: NodeJS.ReadableStream, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<number> {
  let dialect: string | undefined;
  try {
    const parsed = parseArgs({ args, options: { dialect: { type: 'string', short: 'd' }, help: { type: 'boolean', short: 'h' } }, strict: true });
    if (parsed.values.help) {
      stdout.write(`${USAGE}\n`);
      return 0;
    }
    dialect = parsed.values.dialect;
  } catch (error) {
    stderr.write(`pipewright: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!dialect || !(SQL_DIALECTS as readonly string[]).includes(dialect)) {
    stderr.write(`pipewright: ${dialect ? `unknown dialect "${dialect}"` : '--dialect is required'}.\n${USAGE}\n`);
    return 2;
  }

  const bytes = await readAll(stdin);
  let sql: string;
  try {
    // The exact bytes: no trimming, and the BOM is kept as a character like any other.
    sql = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    stdout.write(`${JSON.stringify({ decision: 'deny', reasons: ['The SQL is not valid UTF-8.'], statements: 0, kind: null, targets: [] })}\n`);
    return 0;
  }
  const verdict = await checkSql(dialect as SqlDialect, sql);
  stdout.write(`${JSON.stringify(verdict)}\n`);
  return 0;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
  return Buffer.concat(chunks);
}
