// `pipewright audit verify|show`: check an audit log's hash chain, or print its latest records.
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { FileAnchorStore, defaultAnchorDir } from '../core/observability/auditAnchorFile';
import { readAuditTail, renderAuditMarkdown, verifyAuditLog, type VerifyResult } from '../core/observability/auditLog';
import { auditKeyFromText, type AuditKey } from '../core/observability/auditKey';

export const AUDIT_USAGE = `Usage:
  pipewright audit verify <file> [--json]   check that no record was changed, removed, added or moved
  pipewright audit show <file> [--limit N]  print the last N records (default 50) as Markdown

verify also compares the log with its anchor (the head the CLI keeps in $XDG_STATE_HOME/pipewright/audit-anchors,
default ~/.local/state/pipewright/audit-anchors), and checks each line's HMAC with PIPEWRIGHT_AUDIT_KEY when set.
--json prints one object {"ok", "lines", "firstBroken"} (plus "resets", "restarts", "anchor", "mac" when they apply).
Exit codes: 0 the chain verifies (or shown), 1 broken, cut short, deleted or rewritten, 2 usage error or missing file,
3 the chain links but its lines' MACs could not be checked without the key.`;

/** Runs `audit`. `args` may start with "audit". Returns the exit code. */
export async function auditCommand(args: string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): Promise<number> {
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

  let key: AuditKey | undefined;
  if (sub === 'verify' && env.PIPEWRIGHT_AUDIT_KEY) {
    try {
      key = auditKeyFromText(env.PIPEWRIGHT_AUDIT_KEY, 'PIPEWRIGHT_AUDIT_KEY');
    } catch (error) {
      return fileError((error as Error).message);
    }
  }
  const anchors = new FileAnchorStore(defaultAnchorDir(env));
  try {
    const anchor = sub === 'verify' ? await anchors.get(file) : undefined;
    const exists = await stat(file).then((s) => s, (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' && anchor) return undefined;
      throw error;
    });
    if (!exists) {
      // Gone, but anchored: that is tampering (or a cleanup), not a typo.
      const reason = `the log was deleted: the anchor says ${anchor!.lines} lines (last hash ${anchor!.lastHash.slice(0, 12)}…)`;
      stdout.write(parsed.values.json ? `${JSON.stringify({ ok: false, lines: 0, firstBroken: null, anchor: { ...anchor, problem: reason } })}\n` : `BROKEN: ${file}: ${reason}.\n`);
      return 1;
    }
    if (!exists.isFile()) return fileError(`${file} is not a file.`);
    if (sub === 'show') {
      stdout.write(renderAuditMarkdown(await readAuditTail(file, limit), { limit }));
      return 0;
    }
    const result = await verifyAuditLog(file, { key, anchor });
    if (parsed.values.json) {
      const { ok, lines, firstBroken, ...rest } = result;
      stdout.write(`${JSON.stringify({ ok, lines, firstBroken: firstBroken ?? null, ...rest })}\n`);
    } else {
      stdout.write(`${describeVerify(file, result)}\n`);
    }
    return !result.ok ? 1 : result.mac?.unchecked ? 3 : 0;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return fileError(`no such file: ${file}`);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EISDIR') return fileError(`cannot read ${file}: ${(error as Error).message}`);
    throw error;
  }
}

/** One line per finding, worst first. */
export function describeVerify(file: string, result: VerifyResult): string {
  const out: string[] = [];
  if (result.firstBroken) out.push(`BROKEN: ${file}: line ${result.firstBroken.line} of ${result.lines}: ${result.firstBroken.reason}.`);
  if (result.anchor?.problem) out.push(`BROKEN: ${file}: ${result.anchor.problem}.`);
  for (const restart of result.restarts ?? []) out.push(`BROKEN: ${file}: line ${restart.line}: when it was reopened, ${restart.reason}.`);
  if (result.mac?.problem) out.push(`BROKEN: ${file}: ${result.mac.problem}.`);
  if (out.length) return out.join('\n');
  const resets = result.resets ? ` (${result.resets.length} chain reset${result.resets.length > 1 ? 's' : ''} after a crash, at line ${result.resets.map((r) => r.line).join(', ')})` : '';
  const anchored = result.anchor ? `, matching its anchor (${result.anchor.lines} lines)` : '';
  if (result.mac?.unchecked) {
    return `UNCHECKED: ${file}: ${result.lines} lines, the chain links${anchored}${resets}, but ${result.mac.unchecked} lines carry an HMAC (key id ${result.mac.keyIds.join(', ')}) that cannot be checked without the key: set PIPEWRIGHT_AUDIT_KEY to check them.`;
  }
  const macs = result.mac?.checked ? `, ${result.mac.checked} MACs check` : '';
  return `OK: ${file}: ${result.lines} lines, the hash chain verifies${macs}${anchored}${resets}.`;
}
