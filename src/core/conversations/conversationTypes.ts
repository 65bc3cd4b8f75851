// The shape of a saved conversation, shared by the store (Node) and the panel (the webview, which
// renders saved turns): no Node imports here.
import { z } from 'zod';
import { ResultPreviewSchema, TokenUsageSchema } from '../observability/events';

export const StoredTurnSchema = z.object({
  /** 'ask': a question to the model; 'sql': the user's own SQL run from an editor. */
  kind: z.enum(['ask', 'sql']),
  question: z.string(),
  at: z.number(),
  status: z.enum(['completed', 'stopped', 'failed']),
  answer: z.string().optional(),
  sql: z.string().optional(),
  result: ResultPreviewSchema.optional(),
  error: z.string().optional(),
  usage: TokenUsageSchema.optional(),
});
export type StoredTurn = z.infer<typeof StoredTurnSchema>;

export const ConversationSchema = z.object({
  version: z.literal(1),
  id: z.string().regex(/^[0-9a-f-]{36}$/),
  title: z.string(),
  /** The connection the conversation is about: switching to it chooses that connection. */
  connectionId: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  turns: z.array(StoredTurnSchema),
});
export type Conversation = z.infer<typeof ConversationSchema>;
