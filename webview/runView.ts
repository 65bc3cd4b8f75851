// One question and everything that happened while answering it, updated event by event.
import type { RunEvent } from '../src/core/observability/events';
import { el, formatMs, setText } from './dom';
import { approvalCard } from './approvalCard';
import { renderMarkdown } from './markdown';
import { resultGrid } from './resultGrid';
import { sqlView, type SqlDialect } from './sqlView';
import { send } from './vscodeApi';

export class RunView {
  readonly root: HTMLElement;
  private readonly steps: HTMLElement;
  private readonly status: HTMLElement;
  private prose?: { step: number; channel: 'text' | 'thinking'; node: HTMLElement; raw: string };
  private readonly tools = new Map<string, HTMLElement>();
  private readonly approvals = new Map<string, HTMLElement>();
  finished = false;
  /** The run's connection dialect, for formatting its SQL (display only). */
  private dialect?: SqlDialect;

  constructor(question: string, private readonly requestId = '') {
    this.steps = el('div', { class: 'steps' });
    this.status = el('div', { class: 'run-status running', testid: 'run-status', text: 'Working…' });
    this.root = el('section', { class: 'run', testid: 'run' }, [
      el('div', { class: 'question', text: question }),
      this.steps,
      this.status,
    ]);
    this.status.prepend(el('vscode-progress-ring', { class: 'ring' }));
  }

  apply(event: RunEvent): void {
    switch (event.type) {
      case 'run.started':
        this.dialect = event.connection.dialect;
        setText(this.status.lastChild!, `Working on ${event.connection.label} with ${event.model}…`);
        break;
      case 'model.delta': {
        if (!this.prose || this.prose.step !== event.step || this.prose.channel !== event.channel) {
          const node = el('div', { class: event.channel === 'thinking' ? 'thinking' : 'prose', testid: `step-${event.channel}` });
          this.steps.append(node);
          this.prose = { step: event.step, channel: event.channel, node, raw: '' };
        }
        // Shown from the whole text so far: a character split across two deltas is still caught.
        this.prose.raw += event.text;
        setText(this.prose.node, this.prose.raw);
        break;
      }
      case 'schema.linked': {
        const text = event.error
          ? `Schema linker unavailable: ${event.error}`
          : `Schema linker: ${event.tables.length} of ${event.totalTables} tables for this question — ${event.tables.join(', ')}`;
        this.steps.append(el('div', { class: 'linked', testid: 'step-linked', text, title: `${formatMs(event.durationMs)}` }));
        break;
      }
      case 'tool.started': {
        this.prose = undefined;
        const state = el('span', { class: 'tool-state', text: 'running…' });
        const card = el('div', { class: 'tool running', testid: 'step-tool' }, [
          el('div', { class: 'tool-head' }, [el('span', { class: 'tool-name', text: event.tool }), state]),
        ]);
        if (event.sql) card.append(sqlView(event.sql, this.dialect, { testid: 'tool-sql', mode: 'exact' }));
        else if (event.args && typeof event.args === 'object' && Object.keys(event.args).length) card.append(el('div', { class: 'args', text: JSON.stringify(event.args) }));
        this.tools.set(event.callId, card);
        this.steps.append(card);
        break;
      }
      case 'approval.requested': {
        this.prose = undefined;
        const card = approvalCard(this.requestId, event.request);
        const state = this.tools.get(event.callId)?.querySelector('.tool-state');
        if (state) state.textContent = 'waiting for your answer…';
        this.approvals.set(event.request.approvalId, card);
        (this.tools.get(event.callId) ?? this.steps).append(card);
        setText(this.status.lastChild!, 'Waiting for your answer to the card above…');
        // The card needs the user: bring it into view above the input box (scroll-margin in styles.css).
        card.scrollIntoView({ block: 'nearest' });
        break;
      }
      case 'tool.decision': {
        const card = this.tools.get(event.callId);
        if (card && event.decision !== 'allow') card.dataset.decision = event.allowed ? event.decision : event.approval === 'reject' ? 'rejected' : 'deny';
        if (!this.finished) setText(this.status.lastChild!, 'Working…');
        break;
      }
      case 'tool.finished': {
        const card = this.tools.get(event.callId);
        if (!card) break;
        card.classList.remove('running');
        card.classList.add(event.ok ? 'ok' : event.summary === 'stopped' ? 'stopped' : 'failed');
        // Stop answers a waiting card with a rejection: the tool was stopped, not refused.
        if (event.summary === 'stopped') delete card.dataset.decision;
        const state = card.querySelector('.tool-state')!;
        setText(state, event.ok ? `✓ ${event.summary} · ${formatMs(event.durationMs)}` : `${event.summary === 'stopped' ? '■' : '✗'} ${event.summary} · ${formatMs(event.durationMs)}`);
        if (!event.ok && event.error && event.summary !== 'stopped') card.append(el('div', { class: 'tool-error', text: event.error }));
        break;
      }
      case 'answer': {
        // The answer usually streamed in as the last step's text: show it once, as markdown.
        if (this.prose?.channel === 'text' && this.prose.raw.trim() === event.text.trim()) this.prose.node.remove();
        this.prose = undefined;
        const answer = el('div', { class: 'answer', testid: 'answer' });
        answer.append(renderMarkdown(event.text));
        this.steps.append(answer);
        if (event.result) this.steps.append(resultGrid(event.result));
        if (event.sql) {
          const sql = event.sql;
          // Formatted for reading; Copy and Open in editor give the exact text that ran.
          const details = el('vscode-collapsible', { class: 'final-sql', testid: 'final-sql' }, [sqlView(sql, this.dialect, { testid: 'final-sql-text', mode: 'reading' })]);
          details.setAttribute('heading', 'Final SQL');
          const open = el('vscode-button', { text: 'Open in editor', testid: 'open-sql-button' });
          open.setAttribute('secondary', '');
          open.addEventListener('click', () => send({ type: 'sql', action: 'openInEditor', sql }));
          const copy = el('vscode-button', { text: 'Copy SQL', testid: 'copy-sql-button' });
          copy.setAttribute('secondary', '');
          copy.addEventListener('click', () => send({ type: 'sql', action: 'copy', sql }));
          this.steps.append(details, el('div', { class: 'actions sql-actions' }, [copy, open]));
        }
        break;
      }
      case 'run.finished':
        this.finish(event.status, event.status === 'completed' ? `Done in ${formatMs(event.durationMs)}` : event.status === 'stopped' ? `Stopped after ${formatMs(event.durationMs)}.` : `Failed: ${event.error ?? 'unknown error'}`, event.hint);
        if (event.usage) this.status.append(el('div', { class: 'muted usage', testid: 'run-usage', text: `Tokens: ${event.usage.inputTokens.toLocaleString()} prompt · ${event.usage.outputTokens.toLocaleString()} completion` }));
        break;
      default:
        break;
    }
  }

  finish(status: 'completed' | 'stopped' | 'failed', text: string, hint?: string): void {
    this.finished = true;
    this.status.className = `run-status ${status}`;
    this.status.dataset.status = status;
    this.status.replaceChildren(el('span', { text }));
    if (hint) this.status.append(el('div', { class: 'hint', text: hint }));
    // An unanswered approval is void once the run has ended.
    for (const card of this.approvals.values()) {
      if (!card.dataset.answered) {
        card.dataset.answered = 'expired';
        for (const b of card.querySelectorAll('vscode-button')) b.setAttribute('disabled', '');
        card.append(el('div', { class: 'approval-answer', testid: 'approval-answer', text: status === 'stopped' ? 'Not answered: the run was stopped.' : 'Not answered: the run ended.' }));
      }
    }
    for (const card of this.tools.values()) {
      if (card.classList.contains('running')) {
        card.classList.replace('running', status === 'stopped' ? 'stopped' : 'failed');
        card.querySelector('.tool-state')!.textContent = status === 'stopped' ? '■ stopped' : '✗ not finished';
      }
    }
  }
}
