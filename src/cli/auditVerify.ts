// `pipewright audit verify|show`: check an audit log's hash chain, or print its latest records.
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { readAuditTail, renderAuditMarkdown, verifyAuditLog } from '../core/observability/auditLog';

export const AUDIT_USAGE = `Usage:
  pipewright audit verify <file> [--json]   check that no record was changed, removed, added or moved
  pipewright audit show <file> [--limit N]  print the last N records (default 50) as Markdown

--json prints one object {"ok", "lines", "firstBroken"} (plus "resets" when the log restarted after a crash).
Exit codes: 0 the chain verifies (or shown), 1 the chain is broken, 2 usage error or missing file.`;

/** Runs `audit`. `args` may start with "audit". Returns the exit code. */
export async function auditCommand(args: string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<number> {
  const rest = [...args];
  if (rest[0] === 'audit') rest.shift();
  const usageError = (message: string) => {
    stderr.write(`pipewright audit: ${message}\n\n${AUDIT_USAGE}\n`);
    return 2;
  };
  // A file problem is not a usage problem: say what is wrong without the usage text.
  const fileError = (message: string) => {
    stderr.write(`pipewright audit: ${message}\n`);
    return 2;
  };
  const sub = rest.shift();
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    stdout.write(`${AUDIT_USAGE}\n`);
    return 0;
  }
  if (sub !== 'verify' && sub !== 'show') return usageError(sub ? `unknown subcommand "${sub}".` : 'give a subcommand: verify or show.');

  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: sub === 'verify' ? { json: { type: 'boolean', default: false } } : { limit: { type: 'string', default: '50' } },
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  if (parsed.positionals.length !== 1) return usageError(`give exactly one audit file: pipewright audit ${sub} <file>`);
  const file = parsed.positionals[0];
  const limitText = String(parsed.values.limit ?? '50');
  const limit = Number(limitText);
  if (sub === 'show' && (!/^\d+$/.test(limitText) || limit < 1 || limit > 100_000)) return usageError(`--limit must be a whole number from 1 to 100000, not "${limitText}".`);

  try {
    if (!(await stat(file)).isFile()) return fileError(`${file} is not a file.`);
    if (sub === 'show') {
      stdout.write(renderAuditMarkdown(await readAuditTail(file, limit), { limit }));
      return 0;
    }
    const result = await verifyAuditLog(file);
    if (parsed.values.json) {
      stdout.write(`${JSON.stringify({ ok: result.ok, lines: result.lines, firstBroken: result.firstBroken ?? null, ...(result.resets && { resets: result.resets }) })}\n`);
    } else if (result.ok) {
      const resets = result.resets ? ` (${result.resets.length} chain reset${result.resets.length > 1 ? 's' : ''} after a crash, at line ${result.resets.map((r) => r.line).join(', ')})` : '';
      stdout.write(`OK: ${file}: ${result.lines} lines, the hash chain verifies${resets}.\n`);
    } else {
      stdout.write(`BROKEN: ${file}: line ${result.firstBroken!.line} of ${result.lines}: ${result.firstBroken!.reason}.\n`);
    }
    return result.ok ? 0 : 1;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return fileError(`no such file: ${file}`);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EISDIR') return fileError(`cannot read ${file}: ${(error as Error).message}`);
    throw error;
  }
}
