// Hosts the chat webview in the side panel: validates every message both ways, runs questions
// through the core agent and streams its events back by request id; cancel aborts by request id.
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import type { AskResult } from '../core/agents/askAgent';
import type { Conversation } from '../core/conversations/conversationStore';
import type { TokenUsage } from '../core/observability/events';
import type { ApprovalAnswer, ApprovalGateway } from '../core/policy/approvals';
import type { PolicySession } from '../core/policy/gate';
import type { AuditLog } from '../core/observability/auditLog';
import type { ConnectionView, ToHost, ToWebview } from '../core/protocol/webviewMessages';
import type { ConnectionHub } from './connectionHub';
import { resolveModel } from './modelSettings';
import { loadEngine } from './loadEngine';
import { openLinkAfterConfirm } from './openLink';
import { copyResultValues, exportResult } from './resultExport';
import { chatHtml } from './webviewHtml';
import { PanelConversation } from './panelConversation';
import { WebviewOutbox } from './webviewOutbox';

const AUDIT_KEY_SECRET = 'pipewright.audit.hmacKey';
const PANEL_CONNECTION_KEY = 'pipewright.panelConnection';

export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = 'pipewright.chat';
  private view?: vscode.WebviewView;
  private readonly runs = new Map<string, AbortController>();
  /** Holds messages until the webview is ready, and replays running runs to a webview that (re)loads. */
  private readonly outbox = new WebviewOutbox((message) => void this.view?.webview.postMessage(message));
  /** The panel's conversation, saved in workspace storage (its last questions are sent as context). */
  private readonly conversation: PanelConversation;
  /** Session approvals and rate limits of the panel's conversation ("New chat" starts afresh). */
  private policySession?: PolicySession;
  /** Approval cards waiting for the user, by approval id. */
  private readonly waiting = new Map<string, { requestId: string; resolve: (answer: ApprovalAnswer) => void }>();
  private audit?: Promise<AuditLog>;
  /** Session approvals and rate limits of SQL the user runs from editors. */
  private userSqlSession?: PolicySession;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly hub: ConnectionHub,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.conversation = new PanelConversation(context);
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.outbox.close();
    view.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(this.context.extensionUri, 'media')],
    };
    view.webview.html = chatHtml(view.webview, this.context.extensionUri);
    const listener = view.webview.onDidReceiveMessage((raw) => this.receive(raw));
    view.onDidDispose(() => {
      listener.dispose();
      // Open approval cards wait: the outbox shows them again when the panel is next opened.
      this.view = undefined;
      this.outbox.close();
    });
  }

  get activeRunCount(): number {
    return this.runs.size;
  }

  /**
   * Asks `question` on the panel's connection. The run starts in the host at once; the panel is
   * revealed and shows the run (approval cards included) as soon as it is ready.
   */
  async ask(question: string): Promise<void> {
    if (this.runs.size > 0) {
      void vscode.window.showWarningMessage('Pipewright is still answering the previous question. Wait for it, or stop it with "Pipewright: Stop", then ask again.');
      return;
    }
    void vscode.commands.executeCommand(`${ChatViewProvider.viewId}.focus`);
    await this.runQuestion(randomUUID(), question, this.panelConnectionId());
  }

  /** Chooses a connection in the panel, as if the user had picked it there. */
  async selectConnection(connectionId: string): Promise<void> {
    await this.context.workspaceState.update(PANEL_CONNECTION_KEY, connectionId);
    await this.refreshState();
    this.post({ type: 'selectConnection', connectionId });
  }

  /** The connection last chosen in the panel (remembered per workspace). */
  private panelConnectionId(): string {
    const id = this.context.workspaceState.get<string>(PANEL_CONNECTION_KEY);
    return id && this.hub.views().some((c) => c.id === id) ? id : 'sample';
  }

  /** Connections changed (a target may now be another database): session approvals start afresh. */
  forgetApprovals(): void {
    this.policySession = undefined;
    this.userSqlSession = undefined;
  }

  stopAll(): number {
    const count = this.runs.size;
    for (const controller of this.runs.values()) controller.abort();
    return count;
  }

  async refreshState(): Promise<void> {
    const model = await resolveModel(this.context.secrets);
    const connections: ConnectionView[] = this.hub.views();
    this.post({ type: 'state', model: { ready: Boolean(model.provider), label: model.label, problem: model.problem }, connections, restricted: !vscode.workspace.isTrusted });
  }

  private post(message: ToWebview): void {
    const checked = loadEngine().ToWebviewSchema.parse(message);
    this.outbox.post(checked);
    if (checked.type === 'runEvent' && checked.event.type === 'approval.requested' && !(this.outbox.isReady && this.view?.visible)) this.noticeHiddenApproval();
  }

  /** An approval card is waiting where nobody sees it: say so, with a way to open the panel. */
  private noticeHiddenApproval(): void {
    void vscode.window.showInformationMessage('Pipewright is waiting for your approval in its panel.', 'Show Panel').then((choice) => {
      if (choice) void vscode.commands.executeCommand(`${ChatViewProvider.viewId}.focus`);
    });
  }

  private receive(raw: unknown): void {
    const parsed = loadEngine().ToHostSchema.safeParse(raw);
    if (!parsed.success) {
      this.log.warn(`Ignored an invalid message from the chat webview: ${parsed.error.issues[0]?.message ?? 'unknown'}`);
      return;
    }
    void this.handle(parsed.data).catch((error) => this.log.error(`Chat message failed: ${error instanceof Error ? error.message : String(error)}`));
  }

  private async handle(message: ToHost): Promise<void> {
    switch (message.type) {
      case 'ready': {
        await this.refreshState();
        await this.showConversation(await this.conversation.current(this.panelConnectionId()));
        this.outbox.open();
        return;
      }
      case 'connectionSelected':
        await this.context.workspaceState.update(PANEL_CONNECTION_KEY, message.connectionId);
        return;
      case 'cancel':
        this.runs.get(message.requestId)?.abort();
        return;
      case 'newConversation':
        await this.newConversation();
        return;
      case 'approval': {
        // Only an answer to a card this host is waiting on, for the run that asked.
        const waiter = this.waiting.get(message.approvalId);
        if (!waiter || waiter.requestId !== message.requestId) return;
        this.waiting.delete(message.approvalId);
        this.outbox.answered(message.requestId, message.approvalId);
        waiter.resolve({ decision: message.decision, ...(message.typed !== undefined ? { typed: message.typed } : {}) });
        return;
      }
      case 'action': {
        const command = {
          setApiKey: 'pipewright.setApiKey',
          openModelSettings: 'pipewright.openModelSettings',
          openSampleWarehouse: 'pipewright.openSampleWarehouse',
          searchHistory: 'pipewright.searchHistory',
          switchConversation: 'pipewright.switchConversation',
        }[message.action];
        await vscode.commands.executeCommand(command);
        return;
      }
      case 'ask':
        await this.runQuestion(message.requestId, message.question, message.connectionId);
        return;
      case 'openLink':
        await openLinkAfterConfirm(message.url, this.log);
        return;
      case 'gridCopy':
        await copyResultValues(message.rows);
        return;
      case 'gridExport':
        await exportResult(message.format, message.columns, message.rows);
        return;
      case 'sql':
        if (message.action === 'copy') {
          await vscode.env.clipboard.writeText(message.sql);
          void vscode.window.setStatusBarMessage('Pipewright: SQL copied', 2000);
        } else {
          // A new untitled document: nothing is saved or run until the user chooses to.
          const document = await vscode.workspace.openTextDocument({ language: 'sql', content: message.sql });
          await vscode.window.showTextDocument(document, { preview: false });
        }
        return;
    }
  }

  /** The approval gateway of one run: a card in the panel, answered by the user. */
  private gateway(requestId: string): ApprovalGateway {
    return {
      request: (request, signal) => new Promise<ApprovalAnswer>((resolve) => {
        if (signal.aborted) return resolve({ decision: 'reject' });
        this.waiting.set(request.approvalId, { requestId, resolve });
        signal.addEventListener('abort', () => {
          this.waiting.delete(request.approvalId);
          resolve({ decision: 'reject' });
        }, { once: true });
      }),
    };
  }

  /** The workspace's audit log: `pipewright.audit.path` (machine setting) or extension storage. */
  auditLog(): Promise<AuditLog> {
    this.audit ??= (async () => {
      const engine = loadEngine();
      const configured = vscode.workspace.getConfiguration('pipewright.audit').get<string>('path', '').trim();
      const path = configured || engine.defaultAuditPath(this.context.globalStorageUri.fsPath, vscode.workspace.workspaceFolders?.[0]?.uri.fsPath);
      // Keyed and anchored: the HMAC key is made once and kept in SecretStorage, the head in global state.
      let key: ReturnType<typeof engine.auditKeyFromText> | undefined;
      try {
        let keyText = await this.context.secrets.get(AUDIT_KEY_SECRET);
        if (!keyText) {
          await this.context.secrets.store(AUDIT_KEY_SECRET, engine.newAuditKeyText());
          keyText = await this.context.secrets.get(AUDIT_KEY_SECRET);
        }
        key = engine.auditKeyFromText(keyText ?? '', 'The audit key in SecretStorage');
      } catch (error) {
        // No keyring (some Linux desktops): the chain and the anchor still hold; a keyed log refuses to open below.
        this.log.warn(`The audit log is not HMAC-keyed: SecretStorage failed (${error instanceof Error ? error.message : String(error)}).`);
      }
      const log = await engine.AuditLog.open(path, { key, anchors: new engine.MementoAnchorStore(this.context.globalState) });
      this.log.info(`Audit log: ${path}${key ? ` (HMAC key id ${key.id})` : ''}`);
      return log;
    })();
    this.audit.catch(() => (this.audit = undefined));
    return this.audit;
  }

  private async runQuestion(requestId: string, question: string, connectionId: string): Promise<void> {
    if (this.runs.has(requestId)) return;
    await this.joinConversation(connectionId);
    // The panel shows the run whoever started it; a panel that already shows it ignores this.
    this.post({ type: 'runAttach', requestId, question });
    let usage: TokenUsage | undefined;
    if (!vscode.workspace.isTrusted) {
      this.post({ type: 'runRejected', requestId, message: 'This workspace is in Restricted Mode: Pipewright runs no tools here.', hint: 'Trust the workspace to ask questions.' });
      return;
    }
    const model = await resolveModel(this.context.secrets);
    if (!model.provider) {
      this.post({ type: 'runRejected', requestId, message: 'No model is configured.', hint: model.problem });
      return;
    }
    const controller = new AbortController();
    this.runs.set(requestId, controller);
    void vscode.commands.executeCommand('setContext', 'pipewright.running', true);
    try {
      const opened = await this.hub.open(connectionId);
      this.post({ type: 'state', model: { ready: true, label: model.label }, connections: this.hub.views() });
      const settings = vscode.workspace.getConfiguration('pipewright.query');
      const engine = loadEngine();
      const audit = await this.auditLog();
      this.policySession ??= new engine.PolicySession();
      const result = await loadEngine().runAsk({
        runId: randomUUID(),
        question,
        history: this.conversation.contextTurns(),
        connector: opened.connector,
        connection: opened.summary,
        llm: model.provider,
        signal: controller.signal,
        previewRows: settings.get<number>('previewRows', 500),
        queryTimeoutMs: settings.get<number>('timeoutSeconds', 300) * 1000,
        onEvent: (event) => {
          if (event.type === 'run.finished') usage = event.usage;
          this.post({ type: 'runEvent', requestId, event });
        },
        policy: {
          gateway: this.gateway(requestId),
          session: this.policySession,
          grants: new Set(['read', 'write']),
          settings: policySettings(),
        },
        audit,
        workspaceRoot: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
        // Reading the catalog can take a while on a big warehouse the first time: show it in the status bar.
        linkSchema: async (q, signal) => vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Pipewright: reading the catalog' }, (progress) =>
          loadEngine().linkSchema(opened.connector, this.hub.catalogPath(connectionId), q, signal, (p) => progress.report({ message: `${p.phase} ${p.done.toLocaleString()}` }))),
      });
      this.log.info(`Run ${result.runId} on ${opened.summary.id}: ${result.status}${result.error ? ` (${result.error})` : ''}`);
      await this.remember(requestId, 'ask', question, result, usage);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.error(`Run failed before it started: ${message}`);
      this.post({ type: 'runRejected', requestId, message, hint: (error as { hint?: string }).hint });
    } finally {
      this.runs.delete(requestId);
      void vscode.commands.executeCommand('setContext', 'pipewright.running', this.runs.size > 0);
    }
  }

  /**
   * Runs the user's own SQL on a connection and shows it in the panel (grid, approval cards), under
   * the same policy gate as the model's calls. One run at a time, like questions.
   */
  async runSql(title: string, statements: string[], connectionId: string): Promise<void> {
    if (this.runs.size > 0) {
      void vscode.window.showWarningMessage('Pipewright is still running something in its panel. Wait for it, or stop it with "Pipewright: Stop", then run the SQL again.');
      return;
    }
    const requestId = randomUUID();
    void vscode.commands.executeCommand(`${ChatViewProvider.viewId}.focus`);
    await this.joinConversation(connectionId);
    this.post({ type: 'runAttach', requestId, question: title });
    if (!vscode.workspace.isTrusted) {
      this.post({ type: 'runRejected', requestId, message: 'This workspace is in Restricted Mode: Pipewright runs no SQL here.', hint: 'Trust the workspace to run SQL.' });
      return;
    }
    const controller = new AbortController();
    this.runs.set(requestId, controller);
    void vscode.commands.executeCommand('setContext', 'pipewright.running', true);
    try {
      const engine = loadEngine();
      const opened = await this.hub.open(connectionId);
      const settings = vscode.workspace.getConfiguration('pipewright.query');
      // Its own session: the user's approvals and rate limits are not the model's conversation's.
      this.userSqlSession ??= new engine.PolicySession();
      const result = await engine.runUserSql({
        title,
        statements,
        connector: opened.connector,
        connection: opened.summary,
        signal: controller.signal,
        previewRows: settings.get<number>('previewRows', 500),
        queryTimeoutMs: settings.get<number>('timeoutSeconds', 300) * 1000,
        onEvent: (event) => this.post({ type: 'runEvent', requestId, event }),
        policy: { gateway: this.gateway(requestId), session: this.userSqlSession, grants: new Set(['read', 'write']), settings: policySettings() },
        audit: await this.auditLog(),
      });
      this.log.info(`SQL run ${result.runId} on ${opened.summary.id}: ${result.status}${result.error ? ` (${result.error})` : ''}`);
      await this.remember(requestId, 'sql', title, result);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.error(`SQL run failed before it started: ${message}`);
      this.post({ type: 'runRejected', requestId, message, hint: (error as { hint?: string }).hint });
    } finally {
      this.runs.delete(requestId);
      void vscode.commands.executeCommand('setContext', 'pipewright.running', this.runs.size > 0);
    }
  }

  /** A run on another connection than the conversation's opens a new conversation, shown before the run. */
  private async joinConversation(connectionId: string): Promise<void> {
    const { conversation, switched } = await this.conversation.forQuestion(connectionId);
    if (switched) {
      this.policySession = undefined;
      await this.showConversation(conversation);
    }
  }

  /** Saves a finished run in the conversation; a failure to save is logged, the run's outcome stands. */
  private async remember(requestId: string, kind: 'ask' | 'sql', question: string, result: AskResult, usage?: TokenUsage): Promise<void> {
    try {
      await this.conversation.record(kind, question, result, usage);
      // The saved turn is what a reloaded panel shows now, not the run's journal.
      this.outbox.forget(requestId);
    } catch (error) {
      this.log.warn(`The conversation could not be saved: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async showConversation(conversation: Conversation): Promise<void> {
    this.post({ type: 'conversation', id: conversation.id, title: conversation.title, turns: conversation.turns });
    if (this.hub.views().some((c) => c.id === conversation.connectionId)) await this.selectConnection(conversation.connectionId);
  }

  private refuseWhileRunning(what: string): boolean {
    if (this.runs.size === 0) return false;
    void vscode.window.showWarningMessage(`Pipewright is still running something in its panel. Wait for it, or stop it with "Pipewright: Stop", then ${what}.`);
    return true;
  }

  async newConversation(): Promise<void> {
    if (this.refuseWhileRunning('start a new conversation')) return;
    this.policySession = undefined;
    const conversation = await this.conversation.startNew(this.panelConnectionId());
    this.post({ type: 'conversation', id: conversation.id, title: conversation.title, turns: [] });
  }

  /** A quick pick of saved conversations, newest first; the chosen one opens in the panel with its connection. */
  async switchConversation(): Promise<void> {
    if (this.refuseWhileRunning('switch conversations')) return;
    const list = await this.conversation.list();
    if (!list.length) {
      void vscode.window.showInformationMessage('Pipewright: there are no saved conversations yet. Ask a question in the panel first.');
      return;
    }
    const label = (id: string) => this.hub.views().find((c) => c.id === id)?.label ?? id;
    const picked = await vscode.window.showQuickPick(list.map((c) => ({
      label: c.title,
      description: `${label(c.connectionId)} · ${c.turns} turn${c.turns === 1 ? '' : 's'}`,
      detail: new Date(c.updatedAt).toLocaleString(),
      id: c.id,
    })), { title: 'Pipewright: Switch Conversation', placeHolder: 'Choose a conversation to continue', matchOnDescription: true });
    if (picked) await this.openConversation(picked.id);
  }

  async deleteConversation(): Promise<void> {
    if (this.refuseWhileRunning('delete a conversation')) return;
    const list = await this.conversation.list();
    const picked = await vscode.window.showQuickPick(list.map((c) => ({ label: c.title, description: `${c.turns} turns`, id: c.id })), { title: 'Pipewright: Delete Conversation', placeHolder: list.length ? 'Choose a conversation to delete' : 'No saved conversations' });
    if (!picked) return;
    const sure = await vscode.window.showWarningMessage(`Delete the conversation "${picked.label}"? Its questions, answers and result previews are removed from this workspace.`, { modal: true }, 'Delete');
    if (sure !== 'Delete') return;
    const wasOpen = (await this.conversation.current(this.panelConnectionId())).id === picked.id;
    await this.conversation.delete(picked.id);
    if (wasOpen) await this.newConversation();
  }

  async openConversation(id: string): Promise<void> {
    if (this.refuseWhileRunning('open another conversation')) return;
    try {
      const conversation = await this.conversation.switchTo(id);
      if (!conversation) {
        void vscode.window.showWarningMessage('Pipewright: that conversation was deleted.');
        return;
      }
      this.policySession = undefined;
      void vscode.commands.executeCommand(`${ChatViewProvider.viewId}.focus`);
      await this.showConversation(conversation);
    } catch (error) {
      void vscode.window.showErrorMessage(`Pipewright could not open the conversation: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Questions and SQL of every saved conversation; a question reopens its conversation, SQL can run again. */
  async searchHistory(): Promise<{ kind: 'question' | 'sql'; text: string; conversationId: string; connectionId: string } | undefined> {
    const entries = await this.conversation.history('');
    if (!entries.length) {
      void vscode.window.showInformationMessage('Pipewright: the history is empty. Ask a question or run SQL first.');
      return undefined;
    }
    const label = (id: string) => this.hub.views().find((c) => c.id === id)?.label ?? id;
    const picked = await vscode.window.showQuickPick(entries.map((e) => ({
      label: `${e.kind === 'sql' ? '$(database)' : '$(comment)'} ${e.text.replace(/\s+/g, ' ').slice(0, 200)}`,
      description: `${label(e.connectionId)} · ${e.conversationTitle}`,
      entry: e,
    })), { title: 'Pipewright: Search History', placeHolder: 'Search questions and SQL', matchOnDescription: true });
    return picked?.entry;
  }

  dispose(): void {
    this.stopAll();
    void this.audit?.then((log) => log.close(), () => undefined);
  }
}

/** The policy's machine settings (a workspace cannot raise them). */
function policySettings() {
  const security = vscode.workspace.getConfiguration('pipewright.security');
  return {
    maxEstimatedRows: security.get<number>('maxEstimatedRows', 10_000_000),
    maxEstimatedBytes: security.get<number>('maxEstimatedGiB', 50) * 2 ** 30,
    allowSessionApprovals: security.get<boolean>('allowSessionApprovals', true),
  };
}
