// What the host sends the chat webview, held until the webview can take it. State and prefills
// wait while it is not ready; every run's messages are journaled while the run lasts, so a webview
// that opens (or reloads) mid-run is shown the run with its open approval cards instead of losing
// them while the run waits. No `vscode` import: the queuing is tested on its own.
import type { ToWebview } from '../core/protocol/webviewMessages';

type RunEventMessage = Extract<ToWebview, { type: 'runEvent' }>;

interface Journal {
  messages: ToWebview[];
  /** The run ended (run.finished or runRejected). */
  ended: boolean;
  /** Its end reached a ready webview: nothing left to replay. */
  delivered: boolean;
}

export interface OutboxLimits {
  /** Messages kept per run; beyond it the oldest streamed text is merged away first. */
  perRun: number;
  /** Runs that ended while no webview listened, kept for the next one. */
  endedRuns: number;
}

const DEFAULT_LIMITS: OutboxLimits = { perRun: 2000, endedRuns: 5 };

export class WebviewOutbox {
  private ready = false;
  private queued: ToWebview[] = [];
  private readonly journals = new Map<string, Journal>();

  constructor(private readonly deliver: (message: ToWebview) => void, private readonly limits: OutboxLimits = DEFAULT_LIMITS) {}

  get isReady(): boolean {
    return this.ready;
  }

  /** A webview document said it is ready: it has seen nothing yet, so it gets everything that is still current. */
  open(): void {
    this.ready = true;
    const queued = this.queued;
    this.queued = [];
    for (const message of queued) this.deliver(message);
    for (const [requestId, journal] of this.journals) {
      for (const message of journal.messages) this.deliver(message);
      if (journal.ended) this.journals.delete(requestId);
    }
  }

  /** The webview went away (disposed, or its document is reloading). */
  close(): void {
    this.ready = false;
  }

  post(message: ToWebview): void {
    if (message.type === 'runAttach' || message.type === 'runEvent' || message.type === 'runRejected') this.journal(message);
    else if (!this.ready) {
      // Only the latest state and the latest conversation matter.
      if (message.type === 'state' || message.type === 'conversation') this.queued = this.queued.filter((m) => m.type !== message.type);
      this.queued.push(message);
      return;
    }
    if (this.ready) this.deliver(message);
  }

  /** An approval was answered: a replay must not offer its card again. */
  answered(requestId: string, approvalId: string): void {
    const journal = this.journals.get(requestId);
    if (!journal) return;
    journal.messages = journal.messages.filter((m) => !(m.type === 'runEvent' && m.event.type === 'approval.requested' && m.event.request.approvalId === approvalId));
  }

  /** The run is kept elsewhere now (a saved conversation turn): a replay must not show it twice. */
  forget(requestId: string): void {
    if (this.journals.get(requestId)?.ended) this.journals.delete(requestId);
  }

  /** Open approval cards of a run, as the journal holds them (for tests and the host's notice). */
  pendingApprovals(requestId: string): string[] {
    return (this.journals.get(requestId)?.messages ?? []).flatMap((m) => (m.type === 'runEvent' && m.event.type === 'approval.requested' ? [m.event.request.approvalId] : []));
  }

  private journal(message: Extract<ToWebview, { type: 'runAttach' | 'runEvent' | 'runRejected' }>): void {
    let journal = this.journals.get(message.requestId);
    if (!journal) {
      journal = { messages: [], ended: false, delivered: false };
      this.journals.set(message.requestId, journal);
    }
    if (!appendDelta(journal.messages, message)) journal.messages.push(message);
    if (journal.messages.length > this.limits.perRun) dropOldestDelta(journal.messages);
    if (message.type === 'runRejected' || (message.type === 'runEvent' && message.event.type === 'run.finished')) {
      journal.ended = true;
      journal.delivered = this.ready;
      if (journal.delivered) this.journals.delete(message.requestId);
      else this.trimEnded();
    }
  }

  private trimEnded(): void {
    const ended = [...this.journals].filter(([, j]) => j.ended);
    for (const [requestId] of ended.slice(0, Math.max(0, ended.length - this.limits.endedRuns))) this.journals.delete(requestId);
  }
}

/** Streamed text is merged into the previous delta of the same step and channel: a replay shows the same text in far fewer messages. */
function appendDelta(messages: ToWebview[], message: ToWebview): boolean {
  if (message.type !== 'runEvent' || message.event.type !== 'model.delta') return false;
  const last = messages.at(-1) as RunEventMessage | undefined;
  if (!last || last.type !== 'runEvent' || last.event.type !== 'model.delta') return false;
  if (last.event.step !== message.event.step || last.event.channel !== message.event.channel) return false;
  messages[messages.length - 1] = { ...last, event: { ...last.event, text: last.event.text + message.event.text } };
  return true;
}

function dropOldestDelta(messages: ToWebview[]): void {
  let index = messages.findIndex((m) => m.type === 'runEvent' && m.event.type === 'model.delta');
  // No text left to drop: the oldest step after the attach goes, never an open approval card.
  if (index < 0) index = messages.findIndex((m, i) => i > 0 && !(m.type === 'runEvent' && m.event.type === 'approval.requested'));
  if (index > 0) messages.splice(index, 1);
}
