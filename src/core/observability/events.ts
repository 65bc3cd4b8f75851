// One typed stream of run events, consumed alike by the webview, the CLI (--json) and, later,
// the audit log. Defined with zod so every consumer validates what it receives; written with
// zod/mini (functional API, tree-shakable) so the webview bundle carries only what it uses.
import * as z from 'zod/mini';

// A value JSON cannot carry (NaN, ±Infinity, a bigint) becomes its text instead of failing the
// whole event: one odd cell must never end a run (zod's number() refuses non-finite numbers).
const textOfUnrepresentable = z.pipe(
  z.custom<number | bigint>((v) => (typeof v === 'number' && !Number.isFinite(v)) || typeof v === 'bigint'),
  z.transform((v: number | bigint) => String(v)),
);
const jsonValue: z.ZodMiniType<unknown> = z.lazy(() =>
  z.union([z.string(), z.number(), textOfUnrepresentable, z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

export const ColumnSchema = z.object({ name: z.string(), type: z.string() });

export const ResultPreviewSchema = z.object({
  columns: z.array(ColumnSchema),
  rows: z.array(z.array(jsonValue)),
  rowCount: z.int().check(z.nonnegative()),
  truncated: z.boolean(),
});
export type ResultPreview = z.infer<typeof ResultPreviewSchema>;

export const ConnectionSummarySchema = z.object({
  id: z.string(),
  label: z.string(),
  dialect: z.enum(['duckdb', 'postgres', 'snowflake']),
  environment: z.enum(['dev', 'staging', 'prod']),
  /** The user opened it for writing (approved changes may run); absent means read-only. */
  writable: z.optional(z.boolean()),
});
export type ConnectionSummary = z.infer<typeof ConnectionSummarySchema>;

/** What the user is asked to approve: exactly what would run, where, and why it needs asking. */
export const ApprovalRequestSchema = z.object({
  approvalId: z.string(),
  tool: z.string(),
  /** sha256 of tool + canonical arguments + connection id: the approval is bound to it. */
  argsHash: z.string(),
  level: z.enum(['approve', 'confirm']),
  /** One line: what would happen, e.g. "UPDATE on public.orders". */
  title: z.string(),
  sql: z.optional(z.string()),
  /** For file edits: the path and the new content. */
  path: z.optional(z.string()),
  content: z.optional(z.string()),
  connection: ConnectionSummarySchema,
  /** The planner's estimate, when there is one. */
  estimate: z.optional(z.object({ rows: z.nullable(z.number()), note: z.optional(z.string()) })),
  reasons: z.array(z.string()),
  /** `confirm`: the user must type this exactly (the object's name). */
  confirmText: z.optional(z.string()),
  /** Whether "approve for this session" may be offered (never on prod, never for confirm). */
  allowSession: z.boolean(),
});

/** Tokens the model server counted: for one model call, or summed over a run's calls. */
export const TokenUsageSchema = z.object({ inputTokens: z.int().check(z.nonnegative()), outputTokens: z.int().check(z.nonnegative()) });
export type TokenUsage = z.infer<typeof TokenUsageSchema>;

const base = { runId: z.string(), seq: z.int().check(z.nonnegative()), at: z.number() };

export const RunEventSchema = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('run.started'), question: z.string(), connection: ConnectionSummarySchema, model: z.string() }),
  z.object({ ...base, type: z.literal('model.delta'), step: z.int(), channel: z.enum(['text', 'thinking']), text: z.string() }),
  z.object({
    ...base,
    type: z.literal('model.completed'),
    step: z.int(),
    durationMs: z.number(),
    toolCalls: z.int(),
    usage: z.optional(TokenUsageSchema),
  }),
  z.object({
    ...base,
    type: z.literal('tool.started'),
    step: z.int(),
    callId: z.string(),
    tool: z.string(),
    args: jsonValue,
    sql: z.optional(z.string()),
  }),
  z.object({
    ...base,
    type: z.literal('tool.finished'),
    step: z.int(),
    callId: z.string(),
    tool: z.string(),
    ok: z.boolean(),
    durationMs: z.number(),
    summary: z.string(),
    rowCount: z.optional(z.int()),
    truncated: z.optional(z.boolean()),
    error: z.optional(z.string()),
  }),
  z.object({
    ...base,
    type: z.literal('tool.decision'),
    step: z.int(),
    callId: z.string(),
    tool: z.string(),
    decision: z.enum(['allow', 'approve', 'confirm', 'deny']),
    allowed: z.boolean(),
    reasons: z.array(z.string()),
    approval: z.optional(z.enum(['once', 'session', 'reject', 'session-reuse'])),
  }),
  z.object({ ...base, type: z.literal('approval.requested'), step: z.int(), callId: z.string(), request: ApprovalRequestSchema }),
  z.object({
    ...base,
    type: z.literal('schema.linked'),
    tables: z.array(z.string()),
    totalTables: z.int().check(z.nonnegative()),
    durationMs: z.number(),
    error: z.optional(z.string()),
  }),
  z.object({ ...base, type: z.literal('answer'), text: z.string(), sql: z.optional(z.string()), result: z.optional(ResultPreviewSchema) }),
  z.object({
    ...base,
    type: z.literal('run.finished'),
    status: z.enum(['completed', 'stopped', 'failed']),
    durationMs: z.number(),
    error: z.optional(z.string()),
    hint: z.optional(z.string()),
    /** Summed over the run's model calls that reported usage; absent when none did. */
    usage: z.optional(TokenUsageSchema),
  }),
]);
export type RunEvent = z.infer<typeof RunEventSchema>;
export type ApprovalRequest = z.infer<typeof ApprovalRequestSchema>;

/** Distributes Omit over the union so each event keeps its own fields. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type RunEventInput = DistributiveOmit<RunEvent, 'runId' | 'seq' | 'at'>;

/** Stamps events of one run with run id, sequence number and time, in order. */
export function createEmitter(runId: string, sink: (event: RunEvent) => void): (event: RunEventInput) => void {
  let seq = 0;
  return (event) => sink({ ...event, runId, seq: seq++, at: Date.now() } as RunEvent);
}
