// Every message between the chat webview and the extension host, defined once and validated on
// both sides. Runs are addressed by a request id the webview chooses: events stream back under
// it, and `cancel` names it.
// zod/mini: the webview bundles this file, and the functional API tree-shakes.
import * as z from 'zod/mini';
import { StoredTurnSchema } from '../conversations/conversationTypes';
import { ColumnSchema, ConnectionSummarySchema, ResultPreviewSchema, RunEventSchema } from '../observability/events';

/** A string of length min..max. */
const text = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));
const requestId = text(1, 100);
/** Rows the grid sends back to be copied or saved: its exact values, at most a preview's worth. */
const gridRows = ResultPreviewSchema.shape.rows.check(z.maxLength(100_000));

export const ToHostSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('ask'), requestId, question: text(1, 20_000), connectionId: text(1, 500) }),
  z.object({ type: z.literal('cancel'), requestId }),
  z.object({ type: z.literal('newConversation') }),
  // The connection chosen in the panel: questions asked from the palette go to it.
  z.object({ type: z.literal('connectionSelected'), connectionId: text(1, 500) }),
  z.object({ type: z.literal('action'), action: z.enum(['setApiKey', 'openModelSettings', 'openSampleWarehouse', 'searchHistory', 'switchConversation']) }),
  z.object({ type: z.literal('sql'), action: z.enum(['openInEditor', 'copy']), sql: text(1, 100_000) }),
  // The user's answer to an approval card; the host checks it against the request it holds.
  z.object({ type: z.literal('approval'), requestId, approvalId: text(1, 100), decision: z.enum(['once', 'session', 'reject']), typed: z.optional(text(0, 5000)) }),
  // A link in an answer was clicked: the host shows the URL and opens it only if the user agrees.
  z.object({ type: z.literal('openLink'), url: text(1, 8000) }),
  // Result grid: copy values to the clipboard, or save rows as a file the user picks.
  z.object({ type: z.literal('gridCopy'), rows: gridRows }),
  z.object({ type: z.literal('gridExport'), format: z.enum(['csv', 'json']), columns: z.array(ColumnSchema).check(z.minLength(1), z.maxLength(10_000)), rows: gridRows }),
]);
export type ToHost = z.infer<typeof ToHostSchema>;

export const ModelStateSchema = z.object({
  ready: z.boolean(),
  /** e.g. `gpt-4.1 at https://api.openai.com`; never a key. */
  label: z.optional(z.string()),
  /** What is missing and how to fix it, when not ready. */
  problem: z.optional(z.string()),
});

export const TableSummarySchema = z.object({ name: z.string(), rows: z.nullable(z.number()), comment: z.nullable(z.string()) });

export const ConnectionViewSchema = z.extend(ConnectionSummarySchema, {
  tables: z.optional(z.array(TableSummarySchema)),
});
export type ConnectionView = z.infer<typeof ConnectionViewSchema>;

export const ToWebviewSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('state'),
    model: ModelStateSchema,
    connections: z.array(ConnectionViewSchema),
    /** Restricted Mode: no tools run; the panel says so instead of offering to ask. */
    restricted: z.optional(z.boolean()),
  }),
  // A run the host is running (started from the palette, a SQL file, or by this panel before a
  // reload): the panel shows it, then its events follow under the same request id.
  z.object({ type: z.literal('runAttach'), requestId, question: z.string() }),
  z.object({ type: z.literal('runEvent'), requestId, event: RunEventSchema }),
  z.object({ type: z.literal('runRejected'), requestId, message: z.string(), hint: z.optional(z.string()) }),
  z.object({ type: z.literal('prefill'), question: z.string(), submit: z.boolean() }),
  // The conversation to show (on load, after New chat, a switch or a reload): its saved turns.
  z.object({ type: z.literal('conversation'), id: z.string(), title: z.string(), turns: z.array(StoredTurnSchema) }),
  // Choose this connection in the panel (e.g. after "Open Sample Warehouse").
  z.object({ type: z.literal('selectConnection'), connectionId: z.string() }),
]);
export type ToWebview = z.infer<typeof ToWebviewSchema>;
