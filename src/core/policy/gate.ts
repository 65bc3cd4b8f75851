// The policy gate every tool call passes before it runs. Decided in code from parsed input: the
// tool's declared permission and rate limit, the SQL guardrail's verdict from the dialect's own
// parser, the connection's environment and write mode, the planner's cost estimate, and then the
// user's approval, bound to the exact arguments.
import type { Connector } from '../connectors/connector';
import type { ConnectionSummary } from '../observability/events';
import { redact } from '../observability/redact';
import { checkSql, type SqlVerdict } from '../sql/guardrail';
import type { Permission, Tool } from '../tools/tool';
import { argsHash, newApprovalId, type ApprovalAnswer, type ApprovalGateway, type ApprovalLevel, type ApprovalRequest, SessionApprovals } from './approvals';
import { assessFileRead } from './fileReadPolicy';
import { frozenCopy } from './frozenCopy';
import { protectedPathReason } from './protectedPaths';
import { RateLimiter } from './rateLimit';

export type GateDecision = 'allow' | 'approve' | 'confirm' | 'deny';

export interface PolicySettings {
  /** Reads whose plan estimates more rows than this need approval, like a write. */
  maxEstimatedRows: number;
  /** Same for bytes scanned, where the planner reports bytes (Snowflake: bytes assigned after pruning). */
  maxEstimatedBytes: number;
  /** Offer "approve for this session" (never on prod connections, never for `confirm`). */
  allowSessionApprovals: boolean;
}

export const DEFAULT_POLICY: PolicySettings = { maxEstimatedRows: 10_000_000, maxEstimatedBytes: 50 * 2 ** 30, allowSessionApprovals: true };

/** What one conversation (an editor chat, a CLI run) keeps between tool calls. */
export class PolicySession {
  readonly approvals = new SessionApprovals();
  readonly rateLimiter = new RateLimiter();
}

export interface GateContext {
  connector: Connector;
  connection: ConnectionSummary;
  gateway: ApprovalGateway;
  session: PolicySession;
  settings: PolicySettings;
  /** Permissions this run was granted; tools needing others are refused. */
  grants: ReadonlySet<Permission>;
  signal: AbortSignal;
  /** Told when the user is asked, before the answer (the event stream shows the card). */
  onApprovalRequest?: (request: ApprovalRequest) => void;
  /** The folder file tools are confined to (reads are judged against it). */
  workspaceRoot?: string;
}

export interface GateResult {
  allowed: boolean;
  decision: GateDecision;
  reasons: string[];
  argsHash: string;
  verdict?: SqlVerdict;
  estimate?: { rows: number | null; note?: string };
  /** How it was approved, when it needed approval. */
  approval?: ApprovalAnswer['decision'] | 'session-reuse';
  approvalId?: string;
  /** An approved file read covers this content (sha256) only: the tool refuses anything else. */
  fileSha256?: string;
  /** Exactly what was decided on (and shown, when asked), deep-frozen: run the tool with this. */
  input: unknown;
}

export async function authorize(tool: Tool<any>, input: unknown, ctx: GateContext): Promise<GateResult> {
  const approved = frozenCopy(input);
  return { ...(await decide(tool, approved, ctx)), input: approved };
}

async function decide(tool: Tool<any>, input: unknown, ctx: GateContext): Promise<Omit<GateResult, 'input'>> {
  const hash = argsHash(tool.name, input, ctx.connection);
  const deny = (reasons: string[], verdict?: SqlVerdict): Omit<GateResult, 'input'> => ({ allowed: false, decision: 'deny', reasons, argsHash: hash, verdict });

  if (!ctx.grants.has(tool.permission)) return deny([`${tool.name} needs the "${tool.permission}" permission, which this run does not have.`]);
  if (!ctx.session.rateLimiter.take(tool.name, tool.rateLimit)) return deny([`${tool.name} is limited to ${tool.rateLimit}; wait before calling it again.`]);

  let level: GateDecision = 'allow';
  let reasons: string[] = [];
  let verdict: SqlVerdict | undefined;
  let estimate: { rows: number | null; note?: string } | undefined;
  let title = tool.name;
  let confirmText: string | undefined;
  // What a session approval is remembered by: the arguments, and for a file read also its content.
  let sessionKey = hash;
  let fileSha256: string | undefined;
  let fileContent: string | undefined;
  const sql = tool.sqlOf?.(input);

  if (sql !== undefined) {
    verdict = await checkSql(ctx.connector.dialect, sql);
    if (verdict.decision === 'deny') return deny(verdict.reasons, verdict);
    if (tool.effects.includes('writes-db')) {
      if (verdict.decision === 'allow') return deny(['This statement only reads: use run_sql for reads.'], verdict);
      if (!ctx.connection.writable) {
        return deny([...verdict.reasons, `The connection "${ctx.connection.label}" is open read-only; only the user can open it for writing (connection setting readOnly: false).`], verdict);
      }
      level = verdict.decision;
      reasons = verdict.reasons;
      try {
        const rows = (await ctx.connector.estimateAffectedRows?.(sql, { signal: ctx.signal })) ?? null;
        estimate = { rows, note: rows === null ? 'no estimate for this statement' : 'planner estimate of rows affected' };
      } catch {
        // No estimate (the statement may not plan yet, e.g. its table does not exist): ask without one.
      }
      title = `${(verdict.kind ?? 'statement').toUpperCase()}${verdict.targets.length ? ` on ${verdict.targets.join(', ')}` : ''}`;
      // Every object the statement touches must be typed: a DROP of two tables names both.
      if (level === 'confirm') {
        confirmText = verdict.targets.length ? verdict.targets.join(', ') : (verdict.kind ?? 'confirm').toUpperCase();
        title = `${verdict.reasons[0] ?? title}${verdict.targets.length ? ` (${verdict.targets.join(', ')})` : ''}`;
      }
    } else {
      if (verdict.decision !== 'allow') return deny([...verdict.reasons, `${tool.name} only runs read-only statements; propose changes with execute_sql, which asks the user.`], verdict);
      // The cost gate: a read the planner expects to be huge needs approval like a write.
      try {
        const plan = await ctx.connector.explain(sql, { signal: ctx.signal });
        const bytes = plan.scannedBytes;
        // What the read costs is what its scans read, not what its top node returns.
        const rows = maxKnown(plan.scannedRows, plan.estimatedRows);
        estimate = { rows, note: [rows !== null ? 'rows the plan reads' : null, bytes !== null ? `${(bytes / 2 ** 30).toFixed(2)} GiB to scan` : null].filter(Boolean).join('; ') || undefined };
        if (rows !== null && rows > ctx.settings.maxEstimatedRows) {
          reasons.push(`The planner expects to read ${rows.toLocaleString('en-US')} rows, above the limit of ${ctx.settings.maxEstimatedRows.toLocaleString('en-US')}.`);
        }
        if (plan.unboundedReason) reasons.push(plan.unboundedReason);
        if (bytes !== null && bytes > ctx.settings.maxEstimatedBytes) {
          reasons.push(`The plan scans ${(bytes / 2 ** 30).toFixed(1)} GiB, above the limit of ${(ctx.settings.maxEstimatedBytes / 2 ** 30).toFixed(1)} GiB.`);
        }
        if (reasons.length) {
          level = 'approve';
          title = 'Large read';
        }
      } catch {
        // No estimate (the statement may not plan): it runs under the row cap and timeout anyway.
      }
    }
  } else if (tool.effects.includes('writes-files')) {
    const path = String((input as { path?: unknown }).path ?? '');
    const runsCode = protectedPathReason(path);
    level = runsCode ? 'confirm' : 'approve';
    reasons = runsCode ? [`${path} ${runsCode}: editing it can change what runs without asking.`] : ['Writes a file in the workspace.'];
    title = `Write ${path}`;
    if (level === 'confirm') confirmText = path;
  } else if (tool.effects.includes('reads-files')) {
    const path = String((input as { path?: unknown }).path ?? '');
    let read;
    try {
      read = await assessFileRead(ctx.workspaceRoot, path);
    } catch (error) {
      // Not there, a link, outside the workspace, binary: refused with the tool's own reason.
      return deny([error instanceof Error ? error.message : String(error)]);
    }
    if (read.decision === 'deny') return deny(read.reasons);
    level = read.decision;
    reasons = read.reasons;
    title = `Read ${read.relativePath} for the model`;
    fileSha256 = read.sha256;
    // The card shows what the model would read, masked as the model would get it.
    fileContent = redact(ctx.connector.redactSecrets?.(read.text) ?? read.text);
    sessionKey = argsHash(tool.name, { path: read.relativePath, sha256: read.sha256 }, ctx.connection);
  }

  // A read allowed without asking is bound too: what the gate judged is what is read.
  if (level === 'allow') return { allowed: true, decision: 'allow', reasons: [], argsHash: hash, verdict, estimate, ...(fileSha256 ? { fileSha256 } : {}) };

  const prod = ctx.connection.environment === 'prod';
  const allowSession = level === 'approve' && !prod && ctx.settings.allowSessionApprovals;
  if (allowSession && ctx.session.approvals.has(sessionKey)) return { allowed: true, decision: level, reasons, argsHash: hash, verdict, estimate, approval: 'session-reuse', ...(fileSha256 ? { fileSha256 } : {}) };

  const request: ApprovalRequest = {
    approvalId: newApprovalId(),
    tool: tool.name,
    argsHash: hash,
    level: level as ApprovalLevel,
    title,
    ...(sql !== undefined ? { sql } : {}),
    ...(tool.effects.includes('writes-files') ? { path: String((input as { path?: unknown }).path), content: String((input as { content?: unknown }).content ?? '') } : {}),
    ...(tool.effects.includes('reads-files') ? { path: String((input as { path?: unknown }).path), content: fileContent ?? '' } : {}),
    connection: ctx.connection,
    ...(estimate ? { estimate } : {}),
    reasons,
    ...(confirmText ? { confirmText } : {}),
    allowSession,
  };
  ctx.onApprovalRequest?.(request);
  let answer: ApprovalAnswer;
  try {
    answer = await ctx.gateway.request(request, ctx.signal);
  } catch {
    answer = { decision: 'reject' };
  }
  const base = { argsHash: hash, verdict, estimate, approvalId: request.approvalId };
  if (answer.decision === 'reject') return { ...base, allowed: false, decision: 'deny', reasons: [answer.reason ?? 'The user rejected it.'], approval: 'reject' };
  if (level === 'confirm' && answer.typed !== confirmText) return { ...base, allowed: false, decision: 'deny', reasons: [`The typed confirmation did not match "${confirmText}".`], approval: 'reject' };
  if (answer.decision === 'session' && !allowSession) return { ...base, allowed: false, decision: 'deny', reasons: ['"Approve for this session" is not available for this action.'], approval: 'reject' };
  if (answer.decision === 'session') ctx.session.approvals.add(sessionKey);
  return { ...base, allowed: true, decision: level, reasons, approval: answer.decision, ...(fileSha256 ? { fileSha256 } : {}) };
}

function maxKnown(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}
