// The approval card: exactly what would run, where (connection, environment badge), the planner's
// estimate and why it needs asking. A destructive action needs the object's name typed first.
// The answer goes to the host, which checks it against the request it holds.
import type { ApprovalRequest } from '../src/core/observability/events';
import { showInvisible } from '../src/core/protocol/visibleText';
import { el } from './dom';
import { sqlView } from './sqlView';
import { send } from './vscodeApi';

export function approvalCard(requestId: string, request: ApprovalRequest): HTMLElement {
  const c = request.connection;
  const badge = el('vscode-badge', { class: `env env-${c.environment}`, text: c.environment.toUpperCase() });
  const card = el('div', { class: `approval ${request.level}`, testid: `approval-card-${request.level}` }, [
    el('div', { class: 'approval-title' }, [el('strong', { text: request.level === 'confirm' ? 'Confirm a destructive action' : 'Approve' }), ` ${request.title} · ${request.tool} on ${c.label} `, badge]),
    ...request.reasons.map((reason) => el('div', { class: 'approval-reason', text: reason })),
  ]);
  // The exact statement that would run; a formatted view is only ever offered beside it.
  if (request.sql) card.append(sqlView(request.sql, c.dialect, { testid: 'approval-sql', mode: 'exact' }));
  if (request.path) card.append(el('div', { class: 'approval-path', text: showInvisible(request.path) }), el('pre', { class: 'file-content', text: showInvisible(request.content ?? '') }));
  if (request.estimate) card.append(el('div', { class: 'muted', testid: 'approval-estimate', text: `Estimated rows: ${request.estimate.rows === null ? 'unknown' : request.estimate.rows.toLocaleString()}${request.estimate.note ? ` (${request.estimate.note})` : ''}` }));

  const buttons: HTMLElement[] = [];
  const answer = (decision: 'once' | 'session' | 'reject', typed?: string) => {
    send({ type: 'approval', requestId, approvalId: request.approvalId, decision, ...(typed !== undefined ? { typed } : {}) });
    for (const b of buttons) b.setAttribute('disabled', '');
    card.dataset.answered = decision;
    card.append(el('div', { class: 'approval-answer', testid: 'approval-answer', text: decision === 'reject' ? 'Rejected.' : decision === 'session' ? 'Approved for this session.' : 'Approved.' }));
  };
  const reject = el('vscode-button', { text: 'Reject', testid: 'approval-reject' });
  reject.setAttribute('secondary', '');
  reject.addEventListener('click', () => answer('reject'));

  if (request.level === 'confirm') {
    const input = el('vscode-textfield', { testid: 'approval-typed' }) as HTMLElement & { value: string };
    input.setAttribute('placeholder', request.confirmText ?? '');
    const run = el('vscode-button', { text: 'Run it', testid: 'approval-confirm' });
    run.setAttribute('disabled', '');
    input.addEventListener('input', () => (input.value === request.confirmText ? run.removeAttribute('disabled') : run.setAttribute('disabled', '')));
    run.addEventListener('click', () => answer('once', input.value));
    buttons.push(run, reject);
    card.append(el('div', { class: 'approval-type', text: `Type ${request.confirmText} to run it:` }), input, el('div', { class: 'actions' }, [reject, run]));
  } else {
    const once = el('vscode-button', { text: 'Approve', testid: 'approval-once' });
    once.addEventListener('click', () => answer('once'));
    buttons.push(once, reject);
    const row = [reject, once];
    if (request.allowSession) {
      const session = el('vscode-button', { text: 'Approve for session', testid: 'approval-session' });
      session.setAttribute('secondary', '');
      session.addEventListener('click', () => answer('session'));
      buttons.push(session);
      row.splice(1, 0, session);
    }
    card.append(el('div', { class: 'actions' }, row));
  }
  return card;
}

