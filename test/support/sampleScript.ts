// A scripted "model" that questions the sample warehouse the way a real one would: look at the
// tables, describe one, run a query, then answer from the rows it got back. Questions that say
// "slow" get a deliberately endless query, to exercise Stop.
import { lastToolOutput, type Script } from './scriptedModelServer';

export const TOP_CUSTOMERS_SQL = `SELECT c.customer_id, c.full_name, sum(oi.quantity * oi.unit_price * (1 - oi.discount)) AS revenue
FROM orders o JOIN order_items oi USING (order_id) JOIN customers c USING (customer_id)
WHERE o.status = 'completed' AND o.order_date >= DATE '2025-10-01' AND o.order_date < DATE '2026-01-01'
GROUP BY ALL ORDER BY revenue DESC LIMIT 5`;

export const SLOW_SQL = 'SELECT count(*) AS n FROM range(1000000000000) a';

export const sampleWarehouseScript: Script = (request) => {
  // The current question is the last user message; earlier ones are conversation history.
  const messages = request.body.messages;
  const current = messages.map((m) => m.role).lastIndexOf('user');
  const question = messages[current]?.content ?? '';
  const toolTurns = messages.slice(current).filter((m) => m.role === 'tool').length;
  if (/slow/i.test(question)) {
    if (toolTurns === 0) return { thinking: 'This needs a big scan.', toolCalls: [{ name: 'run_sql', arguments: { sql: SLOW_SQL } }] };
    return { text: 'The scan finished.' };
  }
  switch (toolTurns) {
    case 0:
      return { thinking: 'I should look at which tables exist.', toolCalls: [{ name: 'list_tables', arguments: {} }] };
    case 1:
      return { text: 'Revenue lives in order_items; ', toolCalls: [{ name: 'describe_table', arguments: { table: 'main.order_items' } }] };
    case 2:
      return { text: 'now the top customers of 2025-Q4.', toolCalls: [{ name: 'run_sql', arguments: { sql: TOP_CUSTOMERS_SQL } }] };
    default: {
      const output = lastToolOutput(request) as { rows?: [number, string, string][] } | string;
      if (typeof output === 'string' || !output?.rows) return { text: `The query failed: ${String(output).slice(0, 200)}` };
      const lines = output.rows.map(([, name, revenue], i) => `${i + 1}. **${name}**: ${revenue}`);
      return { text: `Top ${output.rows.length} customers by revenue in 2025-Q4:\n\n${lines.join('\n')}` };
    }
  }
};
