// What the driver's errors mean: the server's code and SQL state, the statement count of a refused
// multi-statement text, and a hint for the user.

export function errorParts(error: unknown): { code: string | undefined; sqlState: string | undefined; message: string } {
  if (error && typeof error === 'object') {
    const e = error as { code?: unknown; sqlState?: unknown; message?: unknown };
    return {
      code: e.code === undefined || e.code === null ? undefined : String(e.code),
      sqlState: typeof e.sqlState === 'string' ? e.sqlState : undefined,
      message: withoutStackLines(typeof e.message === 'string' ? e.message : String(error)),
    };
  }
  return { code: undefined, sqlState: undefined, message: String(error) };
}

/** Snowflake's refusal of a multi-statement text names the count it found. */
export function statementCountFromError(error: unknown): number | undefined {
  const { code, message } = errorParts(error);
  const match = /Actual statement count (\d+) did not match the desired statement count/i.exec(message);
  if (match) return Number(match[1]);
  return code === '000008' ? 2 : undefined;
}

export function hintFor(code: string | undefined, sqlState: string | undefined): string | undefined {
  if (code === '002003' || sqlState === '42S02') return 'Check the object name, or call list_tables to see what exists and is visible to your role.';
  if (code === '000904' || sqlState === '42000') return 'Check the SQL and the column names.';
  if (code === '390104' || code === '390111' || code === '390112' || code === '390114') return 'The Snowflake session ended; reconnect.';
  return undefined;
}

/** A driver message never carries stack frames (its code is minified: frames mean nothing to a user). */
function withoutStackLines(message: string): string {
  return message
    .split('\n')
    .filter((line) => !/^\s+at\s.*(\(.*\)|:\d+:\d+)$/.test(line))
    .join('\n')
    .trim();
}
