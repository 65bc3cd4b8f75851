// execute_sql: the one way the model can propose a change to the warehouse. It never decides
// anything itself: the policy gate has classified the statement with the dialect's parser and the
// user has approved these exact arguments before run() is reached.
import { z } from 'zod';
import { defineTool, ToolError } from './tool';

export const executeSqlTool = defineTool({
  name: 'execute_sql',
  description: 'Propose one statement that changes the warehouse (INSERT, UPDATE, DELETE, MERGE, CREATE, ALTER, DROP, ...). The user sees it and approves or rejects it before it runs; some statements are never allowed.',
  input: z.object({ sql: z.string().min(1).max(100_000).describe('Exactly one statement') }).strict(),
  output: z.object({ rowsAffected: z.number().int().nullable() }),
  effects: ['writes-db'],
  permission: 'write',
  rateLimit: '10/minute',
  sqlOf: (input) => input.sql,
  async run(ctx, input) {
    if (!ctx.connector.execute) throw new ToolError(`The ${ctx.connector.dialect} connection cannot run changes.`);
    const { rowsAffected } = await ctx.connector.execute(input.sql, { signal: ctx.signal, timeoutMs: ctx.queryTimeoutMs });
    return { content: { rowsAffected }, summary: rowsAffected === null ? 'done' : `${rowsAffected} rows affected`, sql: input.sql, rowCount: rowsAffected ?? undefined };
  },
});
