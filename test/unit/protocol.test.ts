// The webview <-> host message contract: valid messages parse, malformed ones are rejected.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SAMPLE_CONNECTION } from '../../src/core/connectors/open';
import { createEmitter, type RunEvent } from '../../src/core/observability/events';
import { ToHostSchema, ToWebviewSchema } from '../../src/core/protocol/webviewMessages';

function accepts(schema: typeof ToHostSchema | typeof ToWebviewSchema, message: unknown): void {
  const result = schema.safeParse(message);
  assert.ok(result.success, `should accept ${JSON.stringify(message).slice(0, 200)}: ${result.error?.message}`);
  assert.deepEqual(result.data, message, 'parsing keeps the message as is');
}

function rejects(schema: typeof ToHostSchema | typeof ToWebviewSchema, message: unknown, path?: (string | number)[]): void {
  const result = schema.safeParse(message);
  assert.equal(result.success, false, `should reject ${JSON.stringify(message).slice(0, 200)}`);
  if (path) assert.ok(result.error.issues.some((i) => JSON.stringify(i.path) === JSON.stringify(path)), `expected an issue at ${JSON.stringify(path)}: ${result.error.message}`);
}

/** Real events stamped by the run emitter, one of each kind the webview shows. */
function sampleEvents(): RunEvent[] {
  const events: RunEvent[] = [];
  const emit = createEmitter('run-1', (e) => events.push(e));
  emit({ type: 'run.started', question: 'q', connection: SAMPLE_CONNECTION, model: 'scripted at http://127.0.0.1:1' });
  emit({ type: 'tool.started', step: 1, callId: 'c1', tool: 'run_sql', args: { sql: 'SELECT 1' }, sql: 'SELECT 1' });
  emit({ type: 'tool.finished', step: 1, callId: 'c1', tool: 'run_sql', ok: true, durationMs: 3, summary: '1 rows', rowCount: 1, truncated: false });
  emit({ type: 'answer', text: 'One.', sql: 'SELECT 1', result: { columns: [{ name: '1', type: 'INTEGER' }], rows: [[1]], rowCount: 1, truncated: false } });
  emit({ type: 'run.finished', status: 'completed', durationMs: 10 });
  return events;
}

describe('ToHostSchema', () => {
  // Each message the webview may send parses unchanged.
  test('accepts every valid message kind', () => {
    accepts(ToHostSchema, { type: 'ready' });
    accepts(ToHostSchema, { type: 'ask', requestId: 'r1', question: 'top customers?', connectionId: 'sample' });
    accepts(ToHostSchema, { type: 'ask', requestId: 'r2', question: 'x'.repeat(20_000), connectionId: 'sample' });
    accepts(ToHostSchema, { type: 'cancel', requestId: 'r1' });
    for (const action of ['setApiKey', 'openModelSettings', 'openSampleWarehouse']) accepts(ToHostSchema, { type: 'action', action });
    for (const action of ['openInEditor', 'copy']) accepts(ToHostSchema, { type: 'sql', action, sql: 'SELECT 1' });
  });

  // A run cannot be addressed without a request id, nor with an empty or non-string one.
  test('rejects a missing or malformed requestId', () => {
    rejects(ToHostSchema, { type: 'ask', question: 'q', connectionId: 'sample' }, ['requestId']);
    rejects(ToHostSchema, { type: 'cancel' }, ['requestId']);
    rejects(ToHostSchema, { type: 'cancel', requestId: '' }, ['requestId']);
    rejects(ToHostSchema, { type: 'cancel', requestId: 7 }, ['requestId']);
    rejects(ToHostSchema, { type: 'cancel', requestId: 'r'.repeat(101) }, ['requestId']);
  });

  // Unknown message types and non-objects are refused.
  test('rejects an unknown type', () => {
    rejects(ToHostSchema, { type: 'runShell', command: 'rm -rf /' });
    rejects(ToHostSchema, { requestId: 'r1' });
    rejects(ToHostSchema, 'ready');
    rejects(ToHostSchema, null);
  });

  // Questions longer than 20000 characters (and empty ones) are refused.
  test('rejects an oversized or empty question', () => {
    rejects(ToHostSchema, { type: 'ask', requestId: 'r1', question: 'x'.repeat(20_001), connectionId: 'sample' }, ['question']);
    rejects(ToHostSchema, { type: 'ask', requestId: 'r1', question: '', connectionId: 'sample' }, ['question']);
    rejects(ToHostSchema, { type: 'ask', requestId: 'r1', question: 'q', connectionId: '' }, ['connectionId']);
  });

  // Only the known actions may be triggered from the webview, for commands and for SQL alike.
  test('rejects an unknown action', () => {
    rejects(ToHostSchema, { type: 'action', action: 'deleteEverything' }, ['action']);
    rejects(ToHostSchema, { type: 'action' }, ['action']);
    rejects(ToHostSchema, { type: 'sql', action: 'run', sql: 'SELECT 1' }, ['action']);
  });

  // SQL handed to the host must be a non-empty string of bounded size.
  test('rejects empty, oversized or missing SQL', () => {
    rejects(ToHostSchema, { type: 'sql', action: 'copy', sql: '' }, ['sql']);
    rejects(ToHostSchema, { type: 'sql', action: 'copy', sql: 'x'.repeat(100_001) }, ['sql']);
    rejects(ToHostSchema, { type: 'sql', action: 'copy' }, ['sql']);
  });
});

describe('ToWebviewSchema', () => {
  // Each message the host may send parses unchanged, including real emitted run events.
  test('accepts every valid message kind', () => {
    accepts(ToWebviewSchema, {
      type: 'state',
      model: { ready: true, label: 'scripted at http://127.0.0.1:1' },
      connections: [{ ...SAMPLE_CONNECTION, tables: [{ name: 'orders', rows: 10, comment: null }] }],
    });
    accepts(ToWebviewSchema, { type: 'state', model: { ready: false, problem: 'No API key.' }, connections: [] });
    const events = sampleEvents();
    assert.equal(events.length, 5);
    for (const event of events) accepts(ToWebviewSchema, { type: 'runEvent', requestId: 'r1', event });
    accepts(ToWebviewSchema, { type: 'runRejected', requestId: 'r1', message: 'busy', hint: 'wait' });
    accepts(ToWebviewSchema, { type: 'prefill', question: 'q', submit: false });
  });

  // A runEvent must carry a valid RunEvent: right status enum, all stamps, a known type.
  test('rejects a runEvent whose event is not a valid RunEvent', () => {
    const [started, , , answer, finished] = sampleEvents();
    rejects(ToWebviewSchema, { type: 'runEvent', requestId: 'r1', event: { ...finished, status: 'exploded' } }, ['event', 'status']);
    const { seq: _seq, ...unstamped } = started;
    rejects(ToWebviewSchema, { type: 'runEvent', requestId: 'r1', event: unstamped }, ['event', 'seq']);
    rejects(ToWebviewSchema, { type: 'runEvent', requestId: 'r1', event: { ...started, seq: -1 } }, ['event', 'seq']);
    rejects(ToWebviewSchema, { type: 'runEvent', requestId: 'r1', event: { ...started, type: 'run.exploded' } });
    rejects(ToWebviewSchema, { type: 'runEvent', requestId: 'r1', event: { ...started, connection: { ...SAMPLE_CONNECTION, dialect: 'oracle' } } });
    const badResult = { ...answer, result: { columns: [], rows: [[1]], rowCount: -1, truncated: false } };
    rejects(ToWebviewSchema, { type: 'runEvent', requestId: 'r1', event: badResult });
    rejects(ToWebviewSchema, { type: 'runEvent', requestId: 'r1' }, ['event']);
  });

  // Other host messages need their required fields too.
  test('rejects malformed host messages', () => {
    const [started] = sampleEvents();
    rejects(ToWebviewSchema, { type: 'runEvent', event: started }, ['requestId']);
    rejects(ToWebviewSchema, { type: 'state', model: { label: 'x' }, connections: [] }, ['model', 'ready']);
    rejects(ToWebviewSchema, { type: 'runRejected', requestId: 'r1' }, ['message']);
    rejects(ToWebviewSchema, { type: 'prefill', question: 'q', submit: 'yes' }, ['submit']);
    rejects(ToWebviewSchema, { type: 'toast', text: 'hi' });
  });
});
