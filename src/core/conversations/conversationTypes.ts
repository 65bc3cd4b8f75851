// The shape of a saved conversation, shared by the store (Node) and the panel (the webview, which
// renders saved turns): no Node imports here.
// zod/mini: the webview bundles this file too.
import * as z from 'zod/mini';
import { ResultPreviewSchema, TokenUsageSchema } from '../observability/events';

export const StoredTurnSchema = z.object({
  /** 'ask': a question to the model; 'sql': the user's own SQL run from an editor. */
  kind: z.enum(['ask', 'sql']),
  question: z.string(),
  at: z.number(),
  status: z.enum(['completed', 'stopped', 'failed']),
  answer: z.optional(z.string()),
  sql: z.optional(z.string()),
  result: z.optional(ResultPreviewSchema),
  error: z.optional(z.string()),
  usage: z.optional(TokenUsageSchema),
});
export type StoredTurn = z.infer<typeof StoredTurnSchema>;

export const ConversationSchema = z.object({
  version: z.literal(1),
  id: z.string().check(z.regex(/^[0-9a-f-]{36}$/)),
  title: z.string(),
  /** The connection the conversation is about: switching to it chooses that connection. */
  connectionId: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  turns: z.array(StoredTurnSchema),
});
export type Conversation = z.infer<typeof ConversationSchema>;
