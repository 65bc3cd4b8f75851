// The read-only warehouse tools of the walking skeleton: list_tables, describe_table, run_sql.
import { z } from 'zod';
import { capCells, readAll } from '../connectors/connector';
import { defineTool, type Tool } from './tool';

const json = z.unknown();
const ColumnOut = z.object({ name: z.string(), type: z.string() });
/** What run_sql and execute_sql hand back to the model. */
export const QueryOutput = z.object({ columns: z.array(ColumnOut), rows: z.array(z.array(json)), rowCount: z.number().int(), note: z.string().optional() });

const MODEL_ROWS = 50;
const MODEL_CELL_CHARS = 500;
const PREVIEW_CELL_CHARS = 2000;

export const listTablesTool = defineTool({
  name: 'list_tables',
  description: 'List the tables and views of the connected warehouse with their row estimates and comments.',
  input: z.object({ schema: z.string().max(256).optional().describe('Only this schema') }).strict(),
  output: z.array(z.object({ table: z.string(), kind: z.string(), rows: z.number().nullable(), comment: z.string().nullable() })),
  effects: ['reads-db'],
  permission: 'read',
  rateLimit: '30/minute',
  async run(ctx, input) {
    const tables = [];
    let next: string | undefined;
    do {
      const page = await ctx.connector.listTables({ schema: input.schema, pageToken: next, pageSize: 500 });
      tables.push(...page.items);
      next = page.next;
    } while (next && tables.length < 2000 && !ctx.signal.aborted);
    return {
      content: tables.map((t) => ({ table: `${t.schema}.${t.name}`, kind: t.kind, rows: t.rowEstimate, comment: t.comment })),
      summary: `${tables.length} tables`,
      rowCount: tables.length,
    };
  },
});

export const describeTableTool = defineTool({
  name: 'describe_table',
  description: 'Show the columns (name, type, nullability, comment), primary key and foreign keys of one table.',
  input: z.object({ table: z.string().min(1).max(512).describe('Table name, optionally schema-qualified: schema.table') }).strict(),
  output: z.object({
    table: z.string(),
    comment: z.string().nullable(),
    rows: z.number().nullable(),
    columns: z.array(z.object({ name: z.string(), type: z.string(), nullable: z.boolean(), comment: z.string().optional() })),
    primaryKey: z.array(z.string()),
    foreignKeys: z.array(json),
  }),
  effects: ['reads-db'],
  permission: 'read',
  rateLimit: '60/minute',
  async run(ctx, input) {
    const parts = input.table.split('.');
    const name = parts.pop() as string;
    const schema = parts.pop();
    const detail = await ctx.connector.describeTable({ schema, name });
    return {
      content: {
        table: `${detail.schema}.${detail.name}`,
        comment: detail.comment,
        rows: detail.rowEstimate,
        columns: detail.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable, ...(c.comment ? { comment: c.comment } : {}) })),
        primaryKey: detail.primaryKey,
        foreignKeys: detail.foreignKeys,
      },
      summary: `${detail.columns.length} columns`,
    };
  },
});

export const runSqlTool: Tool<{ sql: string }> = defineTool({
  name: 'run_sql',
  description: `Run one read-only SELECT statement in the warehouse's SQL dialect. Returns the column types and up to ${MODEL_ROWS} rows; the user sees a larger preview.`,
  input: z.object({ sql: z.string().min(1).max(100_000).describe('Exactly one SELECT statement') }).strict(),
  output: QueryOutput,
  effects: ['reads-db'],
  permission: 'read',
  rateLimit: '30/minute',
  sqlOf: (input) => input.sql,
  async run(ctx, input) {
    // The policy gate has already classified this exact text with the dialect's parser as a read;
    // the connection is read-only at the database level too.
    const stream = await ctx.connector.query(input.sql, { signal: ctx.signal, maxRows: ctx.previewRows, timeoutMs: ctx.queryTimeoutMs });
    const { columns, rows, truncated } = await readAll(stream);
    const rowText = `${rows.length}${truncated ? '+' : ''} rows`;
    return {
      content: {
        columns,
        rows: capCells(rows.slice(0, MODEL_ROWS), MODEL_CELL_CHARS),
        rowCount: rows.length,
        ...(rows.length > MODEL_ROWS || truncated ? { note: `Only the first ${Math.min(MODEL_ROWS, rows.length)} rows are shown here.` } : {}),
      },
      summary: rowText,
      sql: input.sql,
      rowCount: rows.length,
      truncated,
      preview: { columns, rows: capCells(rows, PREVIEW_CELL_CHARS), rowCount: rows.length, truncated },
    };
  },
});

export const warehouseTools = [listTablesTool, describeTableTool, runSqlTool] as const;
