// Every message between the chat webview and the extension host, defined once and validated on
// both sides. Runs are addressed by a request id the webview chooses: events stream back under
// it, and `cancel` names it.
import { z } from 'zod';
import { StoredTurnSchema } from '../conversations/conversationTypes';
import { ConnectionSummarySchema, RunEventSchema } from '../observability/events';

const requestId = z.string().min(1).max(100);

export const ToHostSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('ask'), requestId, question: z.string().min(1).max(20_000), connectionId: z.string().min(1).max(500) }),
  z.object({ type: z.literal('cancel'), requestId }),
  z.object({ type: z.literal('newConversation') }),
  // The connection chosen in the panel: questions asked from the palette go to it.
  z.object({ type: z.literal('connectionSelected'), connectionId: z.string().min(1).max(500) }),
  z.object({ type: z.literal('action'), action: z.enum(['setApiKey', 'openModelSettings', 'openSampleWarehouse', 'searchHistory', 'switchConversation']) }),
  z.object({ type: z.literal('sql'), action: z.enum(['openInEditor', 'copy']), sql: z.string().min(1).max(100_000) }),
  // The user's answer to an approval card; the host checks it against the request it holds.
  z.object({ type: z.literal('approval'), requestId, approvalId: z.string().min(1).max(100), decision: z.enum(['once', 'session', 'reject']), typed: z.string().max(5000).optional() }),
]);
export type ToHost = z.infer<typeof ToHostSchema>;

export const ModelStateSchema = z.object({
  ready: z.boolean(),
  /** e.g. `gpt-4.1 at https://api.openai.com`; never a key. */
  label: z.string().optional(),
  /** What is missing and how to fix it, when not ready. */
  problem: z.string().optional(),
});

export const TableSummarySchema = z.object({ name: z.string(), rows: z.number().nullable(), comment: z.string().nullable() });

export const ConnectionViewSchema = ConnectionSummarySchema.extend({
  tables: z.array(TableSummarySchema).optional(),
});
export type ConnectionView = z.infer<typeof ConnectionViewSchema>;

export const ToWebviewSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('state'),
    model: ModelStateSchema,
    connections: z.array(ConnectionViewSchema),
    /** Restricted Mode: no tools run; the panel says so instead of offering to ask. */
    restricted: z.boolean().optional(),
  }),
  // A run the host is running (started from the palette, a SQL file, or by this panel before a
  // reload): the panel shows it, then its events follow under the same request id.
  z.object({ type: z.literal('runAttach'), requestId, question: z.string() }),
  z.object({ type: z.literal('runEvent'), requestId, event: RunEventSchema }),
  z.object({ type: z.literal('runRejected'), requestId, message: z.string(), hint: z.string().optional() }),
  z.object({ type: z.literal('prefill'), question: z.string(), submit: z.boolean() }),
  // The conversation to show (on load, after New chat, a switch or a reload): its saved turns.
  z.object({ type: z.literal('conversation'), id: z.string(), title: z.string(), turns: z.array(StoredTurnSchema) }),
  // Choose this connection in the panel (e.g. after "Open Sample Warehouse").
  z.object({ type: z.literal('selectConnection'), connectionId: z.string() }),
]);
export type ToWebview = z.infer<typeof ToWebviewSchema>;
