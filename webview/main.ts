// The Pipewright chat panel: model status, connections, the transcript of runs, and the composer.
import './litNonce';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import type { ToWebview } from '../src/core/protocol/webviewMessages';
import { el } from './dom';
import { RunView } from './runView';
import { restoreTurn } from './conversations';
import styles from './styles.css';
import { onMessage, send } from './vscodeApi';

type State = Extract<ToWebview, { type: 'state' }>;

const app = document.getElementById('app')!;
const style = document.createElement('style');
style.nonce = app.dataset.nonce ?? '';
style.textContent = styles;
document.head.append(style);

const modelCard = el('div', { class: 'card model-card', testid: 'model-card' });
modelCard.hidden = true; // until the host says whether a model is configured
const transcript = el('div', { class: 'transcript', testid: 'transcript' });
const empty = el('div', { class: 'empty', text: 'Ask a question about your data, e.g. "top 5 customers by revenue last quarter". Every query Pipewright runs is shown here as it happens.' });
transcript.append(empty);

const connectionSelect = el('vscode-single-select', { testid: 'connection-select' }) as HTMLElement & { value: string };
const envBadge = el('vscode-badge', { class: 'env', testid: 'env-badge' });
const input = el('vscode-textarea', { testid: 'ask-input' }) as HTMLElement & { value: string };
input.setAttribute('placeholder', 'Ask about your data…  (Enter to send, Shift+Enter for a new line)');
input.setAttribute('rows', '3');
input.setAttribute('resize', 'vertical');
const askButton = el('vscode-button', { text: 'Ask', testid: 'ask-button' }) as HTMLElement & { disabled: boolean };
const stopButton = el('vscode-button', { text: 'Stop', testid: 'stop-button' }) as HTMLElement & { disabled: boolean };
stopButton.setAttribute('secondary', '');
stopButton.disabled = true;

const newChat = el('vscode-button', { text: 'New chat', testid: 'new-chat-button', title: 'Start a new conversation (earlier answers are no longer used as context)' }) as HTMLElement & { disabled: boolean };
newChat.setAttribute('secondary', '');
newChat.addEventListener('click', () => {
  if (active) return;
  runs.clear();
  transcript.replaceChildren(empty);
  send({ type: 'newConversation' });
});

const composer = el('div', { class: 'composer' }, [input, el('div', { class: 'actions' }, [stopButton, askButton])]);
app.append(el('header', { class: 'bar' }, [connectionSelect, envBadge, newChat]), modelCard, transcript, composer);
// The input box is sticky at the bottom: what is scrolled into view must stop above it.
new ResizeObserver(() => document.documentElement.style.setProperty('--composer-height', `${composer.offsetHeight}px`)).observe(composer);

let state: State | undefined;
let connectionSignature = '';
/** The chosen connection, kept here: the select component updates its own value asynchronously. */
let selectedId = '';
let active: { requestId: string; view: RunView } | undefined;
const runs = new Map<string, RunView>();

function renderState(next: State): void {
  state = next;
  modelCard.replaceChildren();
  modelCard.hidden = next.model.ready && !next.restricted;
  askButton.disabled = Boolean(next.restricted) || Boolean(active);
  if (next.restricted) {
    modelCard.dataset.testid = 'restricted-card';
    modelCard.append(
      el('div', { class: 'card-title', text: 'Restricted Mode' }),
      el('p', { text: 'This workspace is not trusted, so Pipewright runs no tools, opens no connections and starts no processes here.' }),
      el('p', { class: 'muted', text: 'Trust the workspace (Manage Workspace Trust) to ask questions.' }),
    );
  } else if (!next.model.ready) {
    modelCard.dataset.testid = 'model-card';
    const setKey = el('vscode-button', { text: 'Set API key', testid: 'set-key-button' });
    setKey.addEventListener('click', () => send({ type: 'action', action: 'setApiKey' }));
    const settings = el('vscode-button', { text: 'Model settings', testid: 'model-settings-button' });
    settings.setAttribute('secondary', '');
    settings.addEventListener('click', () => send({ type: 'action', action: 'openModelSettings' }));
    modelCard.append(
      el('div', { class: 'card-title', text: 'Connect a model to start asking' }),
      el('p', { text: next.model.problem ?? 'No model is configured.' }),
      el('p', { class: 'muted', text: 'Pipewright works with any OpenAI-compatible server (OpenAI, Azure OpenAI, Ollama, vLLM, LM Studio) or with VS Code\'s language models. The key is kept in VS Code\'s secret storage.' }),
      el('div', { class: 'actions' }, [settings, setKey]),
    );
  }

  // Rebuild the options only when the list itself changed: rebuilding resets the select's display.
  const signature = JSON.stringify(next.connections.map((c) => [c.id, c.label, c.dialect]));
  if (signature !== connectionSignature) {
    connectionSignature = signature;
    connectionSelect.replaceChildren(...next.connections.map((c) => {
      const option = el('vscode-option', { text: `${c.label} · ${c.dialect}` });
      option.setAttribute('value', c.id);
      return option;
    }));
  }
  const selected = next.connections.find((c) => c.id === selectedId) ?? next.connections[0];
  selectedId = selected?.id ?? '';
  if (selected && connectionSelect.value !== selected.id) connectionSelect.value = selected.id;
  updateBadge();

}

function updateBadge(): void {
  const c = state?.connections.find((x) => x.id === selectedId);
  envBadge.textContent = c ? c.environment.toUpperCase() : '';
  envBadge.className = `env env-${c?.environment ?? 'none'}`;
}

function setRunning(running: boolean): void {
  askButton.disabled = running;
  newChat.disabled = running;
  stopButton.disabled = !running;
}

function ask(question: string): void {
  const text = question.trim();
  if (!text || active) return;
  const requestId = crypto.randomUUID();
  const view = new RunView(text, requestId);
  empty.remove();
  transcript.append(view.root);
  scrollToEnd(true);
  runs.set(requestId, view);
  active = { requestId, view };
  setRunning(true);
  input.value = '';
  send({ type: 'ask', requestId, question: text, connectionId: selectedId || 'sample' });
}

/** A run the host started (palette, SQL file) or one this panel started before it reloaded. */
function attachRun(requestId: string, question: string): void {
  if (runs.has(requestId)) return;
  const view = new RunView(question, requestId);
  empty.remove();
  transcript.append(view.root);
  runs.set(requestId, view);
  if (!active) {
    active = { requestId, view };
    setRunning(true);
  }
  scrollToEnd(true);
}

/** Follow the run as it grows, unless the user scrolled up to read something. */
function nearEnd(): boolean {
  const scroller = document.scrollingElement ?? document.documentElement;
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
}

function scrollToEnd(follow: boolean): void {
  if (!follow) return;
  const scroller = document.scrollingElement ?? document.documentElement;
  scroller.scrollTop = scroller.scrollHeight;
}

function settle(requestId: string): void {
  if (active?.requestId === requestId) {
    active = undefined;
    setRunning(false);
  }
}

askButton.addEventListener('click', () => ask(input.value));
stopButton.addEventListener('click', () => {
  if (active) send({ type: 'cancel', requestId: active.requestId });
});
connectionSelect.addEventListener('change', () => {
  selectedId = connectionSelect.value;
  updateBadge();
  if (selectedId) send({ type: 'connectionSelected', connectionId: selectedId });
});
input.addEventListener('keydown', (event: KeyboardEvent) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    ask(input.value);
  }
});

onMessage((message) => {
  switch (message.type) {
    case 'state':
      renderState(message);
      break;
    case 'prefill':
      input.value = message.question;
      if (message.submit) ask(message.question);
      break;
    case 'conversation': {
      // The saved turns, then whatever is still running (it belongs to this conversation).
      const running = active;
      runs.clear();
      const views = message.turns.map(restoreTurn);
      const nodes = [...views.map((v) => v.root), ...(running ? [running.view.root] : [])];
      transcript.replaceChildren(...(nodes.length ? nodes : [empty]));
      if (running) runs.set(running.requestId, running.view);
      scrollToEnd(true);
      break;
    }
    case 'selectConnection':
      if (state?.connections.some((c) => c.id === message.connectionId)) {
        selectedId = message.connectionId;
        connectionSelect.value = selectedId;
        updateBadge();
      }
      break;
    case 'runAttach':
      attachRun(message.requestId, message.question);
      break;
    case 'runEvent': {
      const view = runs.get(message.requestId);
      if (!view) break;
      const follow = nearEnd();
      view.apply(message.event);
      if (message.event.type === 'run.finished') settle(message.requestId);
      scrollToEnd(follow);
      break;
    }
    case 'runRejected': {
      runs.get(message.requestId)?.finish('failed', message.message, message.hint);
      settle(message.requestId);
      break;
    }
  }
});

send({ type: 'ready' });
