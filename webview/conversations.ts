// A saved conversation's turns, shown again as finished runs (after a reload, a switch or New
// chat): the answer, its final SQL and the capped result preview, from what the host stored.
import type { StoredTurn } from '../src/core/conversations/conversationTypes';
import type { RunEvent } from '../src/core/observability/events';
import { RunView } from './runView';

export function restoreTurn(turn: StoredTurn, index: number): RunView {
  const view = new RunView(turn.question, `saved-${index}`);
  view.root.dataset.saved = 'true';
  const base = { runId: `saved-${index}`, at: turn.at };
  const events: RunEvent[] = [];
  if (turn.answer || turn.result) events.push({ ...base, seq: 0, type: 'answer', text: turn.answer ?? '', ...(turn.sql ? { sql: turn.sql } : {}), ...(turn.result ? { result: turn.result } : {}) });
  events.push({ ...base, seq: 1, type: 'run.finished', status: turn.status, durationMs: 0, ...(turn.error ? { error: turn.error } : {}), ...(turn.usage ? { usage: turn.usage } : {}) });
  for (const event of events) view.apply(event);
  // Its duration was not kept: say when it was answered instead.
  const status = view.root.querySelector('[data-testid="run-status"] > span');
  if (status && turn.status === 'completed') status.textContent = `Answered ${new Date(turn.at).toLocaleString()}`;
  return view;
}
