// The CLI's approval gateway: `--approve never` (the default without a terminal) rejects
// everything that needs asking, `reads` approves only large reads the cost gate stopped, and
// `prompt` shows the exact statement or file and asks on the terminal, with typed confirmation
// for destructive actions.
import { createInterface } from 'node:readline/promises';
import { rejectAll, type ApprovalGateway } from '../core/policy/approvals';
import { sanitize } from './textRenderer';

export type ApproveMode = 'never' | 'reads' | 'prompt';

const MAX_REVIEW_LINES = 400;

export function cliGateway(mode: ApproveMode, io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream }): ApprovalGateway {
  if (mode === 'never') return rejectAll;
  if (mode === 'reads') {
    return { request: async (r) => ({ decision: r.tool === 'run_sql' && r.level === 'approve' ? 'once' : 'reject' }) };
  }
  return {
    async request(r, signal) {
      const c = r.connection;
      const lines = [
        '',
        `Pipewright asks: ${r.title} — ${r.tool} on ${c.label} (${c.dialect}, ${c.environment.toUpperCase()})`,
        ...r.reasons.map((reason) => `  ${reason}`),
        ...(r.sql ? ['', ...r.sql.split('\n').map((l) => `    ${l}`)] : []),
        ...(r.path ? [`  file: ${r.path} (${(r.content ?? '').split('\n').length} lines, ${Buffer.byteLength(r.content ?? '')} bytes, all shown)`, ...(r.content ?? '').split('\n').map((l) => `    ${l}`)] : []),
        ...(r.estimate ? [`  estimated rows: ${r.estimate.rows ?? 'unknown'}`] : []),
        '',
      ];
      // What is approved must have been seen: content too long to read in a terminal is rejected.
      if ((r.content ?? '').split('\n').length > MAX_REVIEW_LINES) {
        io.output.write(`${sanitize(lines.slice(0, 4).join('\n'))}\n  The file has more than ${MAX_REVIEW_LINES} lines: too long to review here, so it is rejected.\n`);
        return { decision: 'reject' };
      }
      io.output.write(`${lines.map(sanitize).join('\n')}\n`);
      const rl = createInterface({ input: io.input, output: io.output, terminal: false });
      try {
        if (r.level === 'confirm') {
          const typed = await rl.question(`Type ${r.confirmText} to run it, anything else to reject: `, { signal });
          return typed.trim() === r.confirmText ? { decision: 'once', typed: typed.trim() } : { decision: 'reject' };
        }
        const answer = (await rl.question(`Approve? [y]es once${r.allowSession ? ', [s]ession' : ''}, [N]o: `, { signal })).trim().toLowerCase();
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
