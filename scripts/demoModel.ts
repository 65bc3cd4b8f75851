// The offline demo's stand-in model (`npm run demo -- --scripted`). Only the model is scripted:
// its tool calls go through the same tools, policy gate and approvals as a real model's, so a
// newcomer sees the guardrails work without a model key. It picks a scenario from the question
// and every answer says plainly that it is a stand-in.
import { lastToolOutput, startScriptedModel, type RecordedRequest, type ScriptedModel, type ScriptedReply, type Script } from '../test/support/scriptedModelServer';

export const DEMO_MODEL_NAME = 'scripted-stand-in';

const STAND_IN = '*(Scripted stand-in model: no real model is connected, so it plays one of a few set scenarios.)*';

export const DEMO_TOP_CUSTOMERS_SQL = `SELECT c.customer_id, c.full_name, sum(oi.quantity * oi.unit_price * (1 - oi.discount)) AS revenue
FROM orders o JOIN order_items oi USING (order_id) JOIN customers c USING (customer_id)
WHERE o.status = 'completed' AND o.order_date >= DATE '2025-10-01' AND o.order_date < DATE '2026-01-01'
GROUP BY ALL ORDER BY revenue DESC LIMIT 5`;
/** Writes the policy gate sends for approval (it never runs them unasked). */
export const DEMO_DELETE_SQL = 'DELETE FROM payments WHERE method IS NULL';
export const DEMO_UPDATE_SQL = "UPDATE customers SET segment = 'enterprise' WHERE segment = 'small_business' AND country = 'DE'";
/** Destructive: the gate asks for the table's name to be typed. */
export const DEMO_DROP_SQL = 'DROP TABLE payments';

export type DemoScenario = 'tables' | 'top-customers' | 'delete' | 'update' | 'drop' | 'help';

/** The scenario a question asks for; the strongest action wins ("drop the customers table" is a drop). */
export function demoScenario(question: string): DemoScenario {
  if (/\bdrop\b/i.test(question)) return 'drop';
  if (/\b(delete|remove|purge|clean(\s*up)?)\b/i.test(question)) return 'delete';
  if (/\b(update|change|modify)\b/i.test(question)) return 'update';
  if (/\b(revenue|sales|top|best|biggest)\b/i.test(question) && /\bcustomers?\b/i.test(question)) return 'top-customers';
  if (/\b(tables?|schema|columns?|what data|which data)\b/i.test(question)) return 'tables';
  return 'help';
}

const CAN_SHOW = [
  '- "which tables are there?" lists the tables (a read, allowed)',
  '- "top 5 customers by revenue" runs a real query and answers from its rows',
  '- "delete payments without a method" or "update customer segments" proposes a write: Pipewright shows it and asks you to approve',
  '- "drop the payments table" proposes a DROP: Pipewright asks you to type the table name',
].join('\n');

export const demoScript: Script = (request) => {
  // The current question is the last user message; earlier ones are conversation history.
  const messages = request.body.messages;
  const current = messages.map((m) => m.role).lastIndexOf('user');
  const question = messages[current]?.content ?? '';
  const toolTurns = messages.slice(current).filter((m) => m.role === 'tool').length;
  const scenario = demoScenario(question);
  switch (scenario) {
    case 'tables':
      if (toolTurns === 0) return { toolCalls: [{ name: 'list_tables', arguments: {} }] };
      return answerTables(request);
    case 'top-customers':
      if (toolTurns === 0) return { text: 'Revenue lives in order_items; ', toolCalls: [{ name: 'describe_table', arguments: { table: 'main.order_items' } }] };
      if (toolTurns === 1) return { text: 'now the top customers of 2025-Q4.', toolCalls: [{ name: 'run_sql', arguments: { sql: DEMO_TOP_CUSTOMERS_SQL } }] };
      return answerTopCustomers(request);
    case 'delete':
    case 'update':
    case 'drop': {
      const sql = scenario === 'drop' ? DEMO_DROP_SQL : scenario === 'delete' ? DEMO_DELETE_SQL : DEMO_UPDATE_SQL;
      if (toolTurns === 0) return { text: 'I propose this change; Pipewright decides whether and how to ask you. ', toolCalls: [{ name: 'execute_sql', arguments: { sql } }] };
      return answerWrite(request);
    }
    default:
      return { text: `${STAND_IN}\n\nI cannot answer that question: I only play these scenarios, each through Pipewright's real tools and guardrails:\n\n${CAN_SHOW}\n\nFor real answers, set a model (OPENAI_BASE_URL, OPENAI_API_KEY, PIPEWRIGHT_MODEL) and run the demo without --scripted.` };
  }
};

function answerTables(request: RecordedRequest): ScriptedReply {
  const output = lastToolOutput(request);
  if (!Array.isArray(output)) return { text: `${STAND_IN}\n\nlist_tables failed: ${String(output).slice(0, 300)}` };
  const tables = output as { table: string; rows: number | null; comment: string | null }[];
  const lines = tables.map((t) => `- **${t.table}**${t.rows !== null ? ` (about ${t.rows} rows)` : ''}${t.comment ? `: ${t.comment}` : ''}`);
  return { text: `${STAND_IN}\n\nThe warehouse has ${tables.length} tables:\n\n${lines.join('\n')}` };
}

function answerTopCustomers(request: RecordedRequest): ScriptedReply {
  const output = lastToolOutput(request) as { rows?: [number, string, string][] } | string;
  if (typeof output === 'string' || !output?.rows) return { text: `${STAND_IN}\n\nThe query failed: ${String(output).slice(0, 300)}` };
  const lines = output.rows.map(([, name, revenue], i) => `${i + 1}. **${name}**: ${revenue}`);
  return { text: `${STAND_IN}\n\nTop ${output.rows.length} customers by revenue in 2025-Q4 (completed orders):\n\n${lines.join('\n')}` };
}

function answerWrite(request: RecordedRequest): ScriptedReply {
  const output = lastToolOutput(request);
  if (typeof output === 'string') {
    // The tool's error as the gate or the database gave it: the stand-in only relays it.
    const readOnly = /read-only/.test(output);
    return {
      text: `${STAND_IN}\n\nNothing changed. ${output.replace(/^Error:\s*/, '')}${readOnly ? '\n\nIn the demo, pick the connection "Sample warehouse (scratch copy, writable)" to see the approval step.' : ''}`,
    };
  }
  const affected = (output as { rowsAffected?: number | null } | undefined)?.rowsAffected;
  return { text: `${STAND_IN}\n\nYou approved it, so it ran${typeof affected === 'number' ? `: ${affected} rows affected` : ''}. (The demo works on a scratch copy of the sample warehouse, made fresh each time the demo starts.)` };
}

export function startDemoModel(options: { port?: number } = {}): Promise<ScriptedModel> {
  return startScriptedModel(demoScript, options);
}
