// One typed stream of run events, consumed alike by the webview, the CLI (--json) and, later,
// the audit log. Defined with zod so every consumer validates what it receives.
import { z } from 'zod';

const jsonValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

export const ColumnSchema = z.object({ name: z.string(), type: z.string() });

export const ResultPreviewSchema = z.object({
  columns: z.array(ColumnSchema),
  rows: z.array(z.array(jsonValue)),
  rowCount: z.number().int().nonnegative(),
  truncated: z.boolean(),
});
export type ResultPreview = z.infer<typeof ResultPreviewSchema>;

export const ConnectionSummarySchema = z.object({
  id: z.string(),
  label: z.string(),
  dialect: z.enum(['duckdb', 'postgres', 'snowflake']),
  environment: z.enum(['dev', 'staging', 'prod']),
});
export type ConnectionSummary = z.infer<typeof ConnectionSummarySchema>;

const base = { runId: z.string(), seq: z.number().int().nonnegative(), at: z.number() };

export const RunEventSchema = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('run.started'), question: z.string(), connection: ConnectionSummarySchema, model: z.string() }),
  z.object({ ...base, type: z.literal('model.delta'), step: z.number().int(), channel: z.enum(['text', 'thinking']), text: z.string() }),
  z.object({
    ...base,
    type: z.literal('model.completed'),
    step: z.number().int(),
    durationMs: z.number(),
    toolCalls: z.number().int(),
    usage: z.object({ inputTokens: z.number(), outputTokens: z.number() }).optional(),
  }),
  z.object({
    ...base,
    type: z.literal('tool.started'),
    step: z.number().int(),
    callId: z.string(),
    tool: z.string(),
    args: jsonValue,
    sql: z.string().optional(),
  }),
  z.object({
    ...base,
    type: z.literal('tool.finished'),
    step: z.number().int(),
    callId: z.string(),
    tool: z.string(),
    ok: z.boolean(),
    durationMs: z.number(),
    summary: z.string(),
    rowCount: z.number().int().optional(),
    truncated: z.boolean().optional(),
    error: z.string().optional(),
  }),
  z.object({
    ...base,
    type: z.literal('schema.linked'),
    tables: z.array(z.string()),
    totalTables: z.number().int().nonnegative(),
    durationMs: z.number(),
    error: z.string().optional(),
  }),
  z.object({ ...base, type: z.literal('answer'), text: z.string(), sql: z.string().optional(), result: ResultPreviewSchema.optional() }),
  z.object({
    ...base,
    type: z.literal('run.finished'),
    status: z.enum(['completed', 'stopped', 'failed']),
    durationMs: z.number(),
    error: z.string().optional(),
    hint: z.string().optional(),
  }),
]);
export type RunEvent = z.infer<typeof RunEventSchema>;

/** Distributes Omit over the union so each event keeps its own fields. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type RunEventInput = DistributiveOmit<RunEvent, 'runId' | 'seq' | 'at'>;

/** Stamps events of one run with run id, sequence number and time, in order. */
export function createEmitter(runId: string, sink: (event: RunEvent) => void): (event: RunEventInput) => void {
  let seq = 0;
  return (event) => sink({ ...event, runId, seq: seq++, at: Date.now() } as RunEvent);
}
