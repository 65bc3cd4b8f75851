// The chat webview's outbox on its own: what a run sends while the panel is not ready (never
// opened, hidden and disposed, or reloading) reaches the panel when it is, approval cards first of
// all, and what the panel has already been shown or answered is not shown twice.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebviewOutbox } from '../../src/extension/webviewOutbox';
import { SAMPLE_CONNECTION } from '../../src/core/connectors/open';
import { ToWebviewSchema, type ToWebview } from '../../src/core/protocol/webviewMessages';
import type { RunEventInput } from '../../src/core/observability/events';

function recorder() {
  const delivered: ToWebview[] = [];
  // Every delivered message is one the webview accepts.
  const outbox = new WebviewOutbox((m) => delivered.push(ToWebviewSchema.parse(m)));
  return { outbox, delivered };
}

let seq = 0;
const event = (requestId: string, e: RunEventInput): ToWebview => ({ type: 'runEvent', requestId, event: { ...e, runId: `run-${requestId}`, seq: seq++, at: 0 } as never });
const approval = (requestId: string, approvalId: string) => event(requestId, {
  type: 'approval.requested', step: 1, callId: 'c1',
  request: { approvalId, tool: 'execute_sql', argsHash: 'h', level: 'approve', title: 'INSERT on scratch', sql: 'INSERT INTO scratch VALUES (1)', connection: SAMPLE_CONNECTION, reasons: ['writes'], allowSession: false },
});
const finished = (requestId: string) => event(requestId, { type: 'run.finished', status: 'completed', durationMs: 1 });
const delta = (requestId: string, text: string, step = 1) => event(requestId, { type: 'model.delta', step, channel: 'text', text });
const approvalIds = (messages: ToWebview[]) => messages.flatMap((m) => (m.type === 'runEvent' && m.event.type === 'approval.requested' ? [m.event.request.approvalId] : []));

describe('WebviewOutbox', () => {
  test('an approval card requested before the panel is ready is delivered when it is, after the run it belongs to', () => {
    const { outbox, delivered } = recorder();
    outbox.post({ type: 'runAttach', requestId: 'r1', question: 'add a row' });
    outbox.post(approval('r1', 'a1'));
    assert.equal(delivered.length, 0, 'nothing is sent to a webview that is not ready');
    outbox.open();
    assert.deepEqual(delivered.map((m) => m.type), ['runAttach', 'runEvent']);
    assert.deepEqual(approvalIds(delivered), ['a1']);
  });

  test('a panel that reloads mid-run is shown the run again with its open card, but not a card already answered', () => {
    const { outbox, delivered } = recorder();
    outbox.open();
    outbox.post({ type: 'runAttach', requestId: 'r1', question: 'add two rows' });
    outbox.post(approval('r1', 'a1'));
    outbox.answered('r1', 'a1');
    outbox.post(approval('r1', 'a2'));
    assert.deepEqual(approvalIds(delivered), ['a1', 'a2'], 'delivered live while ready');
    outbox.close();
    delivered.length = 0;
    outbox.open(); // a new webview document: it has seen nothing
    assert.equal(delivered[0].type, 'runAttach');
    assert.deepEqual(approvalIds(delivered), ['a2']);
    assert.deepEqual(outbox.pendingApprovals('r1'), ['a2']);
  });

  test('a run that ended in front of the panel is not replayed; one that ended while it was closed is replayed once', () => {
    const { outbox, delivered } = recorder();
    outbox.open();
    outbox.post({ type: 'runAttach', requestId: 'seen', question: 'q1' });
    outbox.post(finished('seen'));
    outbox.close();
    outbox.post({ type: 'runAttach', requestId: 'unseen', question: 'q2' });
    outbox.post(finished('unseen'));
    delivered.length = 0;
    outbox.open();
    assert.deepEqual(delivered.map((m) => ('requestId' in m ? m.requestId : m.type)), ['unseen', 'unseen']);
    outbox.close();
    delivered.length = 0;
    outbox.open();
    assert.equal(delivered.length, 0);
  });

  test('a rejected run counts as ended, and only the latest state waits for the panel', () => {
    const { outbox, delivered } = recorder();
    const state = (label: string): ToWebview => ({ type: 'state', model: { ready: true, label }, connections: [] });
    outbox.post(state('old'));
    outbox.post({ type: 'runAttach', requestId: 'r', question: 'q' });
    outbox.post({ type: 'runRejected', requestId: 'r', message: 'No model is configured.' });
    outbox.post(state('new'));
    outbox.open();
    assert.deepEqual(delivered.map((m) => m.type), ['state', 'runAttach', 'runRejected']);
    assert.equal(delivered[0].type === 'state' && delivered[0].model.label, 'new');
  });

  test('streamed text is merged in the journal and the journal is bounded without losing an open card', () => {
    const delivered: ToWebview[] = [];
    const outbox = new WebviewOutbox((m) => delivered.push(m), { perRun: 4, endedRuns: 1 });
    outbox.post({ type: 'runAttach', requestId: 'r', question: 'q' });
    outbox.post(delta('r', 'Hel'));
    outbox.post(delta('r', 'lo'));
    outbox.post(approval('r', 'a1'));
    for (let step = 2; step < 8; step++) outbox.post(delta('r', `step ${step}`, step));
    outbox.open();
    assert.ok(delivered.length <= 4);
    assert.deepEqual(approvalIds(delivered), ['a1']);
    assert.equal(delivered[0].type, 'runAttach');
  });

  test('only the most recent runs that ended unseen are kept', () => {
    const delivered: ToWebview[] = [];
    const outbox = new WebviewOutbox((m) => delivered.push(m), { perRun: 100, endedRuns: 2 });
    for (const id of ['a', 'b', 'c']) {
      outbox.post({ type: 'runAttach', requestId: id, question: id });
      outbox.post(finished(id));
    }
    outbox.open();
    assert.deepEqual([...new Set(delivered.map((m) => ('requestId' in m ? m.requestId : '')))], ['b', 'c']);
  });
});
