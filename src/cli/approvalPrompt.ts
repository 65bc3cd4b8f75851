// The CLI's approval gateway: `--approve never` (the default without a terminal) rejects
// everything that needs asking, `reads` approves only large reads the cost gate stopped, and
// `prompt` shows the exact statement or file and asks on the terminal, with typed confirmation
// for destructive actions.
import { createInterface } from 'node:readline/promises';
import type { ApprovalGateway, ApprovalRequest } from '../core/policy/approvals';
import { lines, renderTerminal, tt, type TerminalText } from './terminalText';

export type ApproveMode = 'never' | 'reads' | 'prompt';

const MAX_REVIEW_LINES = 400;

export function cliGateway(mode: ApproveMode, io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream }): ApprovalGateway {
  // The prompt goes to stderr, never coloured: only what the CLI wrote is obeyed by the terminal.
  const show = (text: TerminalText) => renderTerminal(text, { color: false });
  // No one is asked in these modes: the refusal says so, and how to allow it, instead of "the user rejected it".
  if (mode === 'never') return { request: async (r) => ({ decision: 'reject', reason: notAsked(r, 'never') }) };
  if (mode === 'reads') {
    return { request: async (r) => (isLargeRead(r) ? { decision: 'once' } : { decision: 'reject', reason: notAsked(r, 'reads') }) };
  }
  return {
    async request(r, signal) {
      const c = r.connection;
      const content = r.content ?? '';
      const heading = tt`\nPipewright asks: ${r.title} — ${r.tool} on ${c.label} (${c.dialect}, ${c.environment.toUpperCase()})\n${lines(r.reasons.map((reason) => `  ${reason}`).join('\n'))}\n`;
      const body = tt`${r.sql ? tt`\n${lines(r.sql.split('\n').map((l) => `    ${l}`).join('\n'))}\n` : ''}${r.path ? tt`  file: ${r.path} (${content.split('\n').length} lines, ${Buffer.byteLength(content)} bytes, all shown)\n${lines(content.split('\n').map((l) => `    ${l}`).join('\n'))}\n` : ''}${r.estimate ? tt`  estimated rows: ${r.estimate.rows ?? 'unknown'}\n` : ''}\n`;
      // What is approved must have been seen: content too long to read in a terminal is rejected.
      if (content.split('\n').length > MAX_REVIEW_LINES) {
        io.output.write(show(tt`${heading}  The file has more than ${MAX_REVIEW_LINES} lines: too long to review here, so it is rejected.\n`));
        return { decision: 'reject' };
      }
      io.output.write(show(tt`${heading}${body}`));
      const rl = createInterface({ input: io.input, output: io.output, terminal: false });
      try {
        if (r.level === 'confirm') {
          const typed = await rl.question(show(tt`Type ${r.confirmText ?? ''} to run it, anything else to reject: `), { signal });
          return typed.trim() === r.confirmText ? { decision: 'once', typed: typed.trim() } : { decision: 'reject' };
        }
        const answer = (await rl.question(show(tt`Approve? [y]es once${r.allowSession ? ', [s]ession' : ''}, [N]o: `), { signal })).trim().toLowerCase();
        if (answer === 'y' || answer === 'yes') return { decision: 'once' };
        if (r.allowSession && (answer === 's' || answer === 'session')) return { decision: 'session' };
        return { decision: 'reject' };
      } catch {
        return { decision: 'reject' };
      } finally {
        rl.close();
      }
    },
  };
}

/** A read the cost gate held: the only thing `--approve reads` approves. */
function isLargeRead(r: ApprovalRequest): boolean {
  return r.tool === 'run_sql' && r.level === 'approve';
}

function notAsked(r: ApprovalRequest, mode: 'never' | 'reads'): string {
  const why = mode === 'never'
    ? 'it needs approval and no one was asked (--approve never, the default without a terminal)'
    : 'it needs approval and --approve reads approves only large reads';
  const how = isLargeRead(r)
    ? 'To allow it, run again with --approve reads (approves large reads) or --approve prompt (asks you first).'
    : 'To allow it, run again with --approve prompt, which shows it and asks you first.';
  return `Not run: ${why}. ${how}`;
}
