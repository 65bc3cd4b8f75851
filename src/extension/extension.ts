// Activation: register the chat view and the commands, nothing heavier. Database drivers and
// the sample warehouse load on first use.
import * as vscode from 'vscode';
import { AUDIT_SCHEME, AuditLogDocument } from './auditLogDocument';
import { ChatViewProvider } from './chatViewProvider';
import { registerConnectionCommands } from './connectionCommands';
import { ConnectionHub } from './connectionHub';
import { ConnectionsTree } from './connectionsTree';
import { registerSqlCommands } from './sqlCodeLens';
import { apiKeySecretName, modelConfig } from './modelSettings';
import { hostOf } from '../core/llm/origin';

declare const __pipewrightLoadStart: number;
// Set when this module body runs, i.e. once the bundle has been evaluated.
const bundleEvaluated = performance.now();

export function activate(context: vscode.ExtensionContext): void {
  const activateStart = performance.now();
  const log = vscode.window.createOutputChannel('Pipewright', { log: true });
  const hub = new ConnectionHub(context.globalStorageUri.fsPath, context.secrets, log);
  const chat = new ChatViewProvider(context, hub, log);
  // Every statement the hub sends (table lists, catalog sync) is audited in the workspace's log.
  hub.audit = { append: async (type, data) => (await chat.auditLog()).append(type, data) };
  const tree = new ConnectionsTree(hub);
  const treeView = vscode.window.createTreeView('pipewright.connections', { treeDataProvider: tree, showCollapseAll: true });
  context.subscriptions.push(
    log, hub, chat, tree, treeView,
    vscode.window.registerWebviewViewProvider(ChatViewProvider.viewId, chat, { webviewOptions: { retainContextWhenHidden: true } }),
    hub.onDidChange(() => void chat.refreshState()),
  );
  registerConnectionCommands(context, hub, log);
  registerSqlCommands(context, hub, chat);

  const command = (id: string, run: (...args: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, run));

  command('pipewright.ask', async (question?: unknown) => {
    const text = typeof question === 'string' && question.trim()
      ? question
      : await vscode.window.showInputBox({ title: 'Pipewright: Ask', prompt: 'Ask a question about your data', placeHolder: 'top 5 customers by revenue last quarter', ignoreFocusOut: true });
    if (text?.trim()) await chat.ask(text.trim());
  });

  command('pipewright.newConversation', () => chat.newConversation());
  command('pipewright.switchConversation', () => chat.switchConversation());
  command('pipewright.deleteConversation', () => chat.deleteConversation());
  command('pipewright.searchHistory', async () => {
    const entry = await chat.searchHistory();
    if (!entry) return;
    if (entry.kind === 'question') return chat.openConversation(entry.conversationId);
    const connection = hub.views().find((c) => c.id === entry.connectionId);
    const choice = await vscode.window.showQuickPick([
      { label: `$(play) Run it again on ${connection?.label ?? entry.connectionId}`, action: 'run' as const },
      { label: '$(comment-discussion) Open its conversation', action: 'open' as const },
      { label: '$(go-to-file) Open it in an editor', action: 'edit' as const },
    ], { title: 'Pipewright: this SQL…' });
    if (choice?.action === 'open') return chat.openConversation(entry.conversationId);
    if (choice?.action === 'edit') {
      const document = await vscode.workspace.openTextDocument({ language: 'sql', content: entry.text });
      return vscode.window.showTextDocument(document, { preview: false });
    }
    if (choice?.action === 'run') {
      if (!connection) return vscode.window.showWarningMessage(`Pipewright: the connection "${entry.connectionId}" no longer exists; open the SQL in an editor and choose another.`);
      // The same path as a CodeLens: the same policy gate, approval cards and audit.
      return chat.runSql('Run SQL again from the history', [entry.text], connection.id);
    }
  });

  command('pipewright.stop', () => {
    const stopped = chat.stopAll();
    if (!stopped) void vscode.window.showInformationMessage('Pipewright: nothing is running.');
  });

  command('pipewright.setApiKey', async () => {
    const { baseUrl } = modelConfig();
    const key = await vscode.window.showInputBox({
      title: 'Pipewright: Set Model API Key',
      prompt: `API key for ${hostOf(baseUrl)} (stored in VS Code's secret storage, never in settings)`,
      password: true,
      ignoreFocusOut: true,
      validateInput: (value) => (value.trim() ? undefined : 'The key cannot be empty.'),
    });
    if (!key) return;
    await context.secrets.store(apiKeySecretName(baseUrl), key.trim());
    log.info(`Stored an API key for ${hostOf(baseUrl)}.`);
    await chat.refreshState();
    void vscode.window.showInformationMessage(`Pipewright: API key stored for ${hostOf(baseUrl)}.`);
  });

  command('pipewright.clearApiKey', async () => {
    const { baseUrl } = modelConfig();
    await context.secrets.delete(apiKeySecretName(baseUrl));
    await chat.refreshState();
    void vscode.window.showInformationMessage(`Pipewright: API key removed for ${hostOf(baseUrl)}.`);
  });

  command('pipewright.openModelSettings', () => vscode.commands.executeCommand('workbench.action.openSettings', 'pipewright.model'));

  command('pipewright.openSampleWarehouse', async () => {
    try {
      const opened = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Pipewright: preparing the sample warehouse…' },
        () => hub.open('sample'),
      );
      // Ready to use: chosen in the panel and shown under Connections.
      await chat.selectConnection('sample');
      await vscode.commands.executeCommand('pipewright.connections.focus');
      const sample = hub.views().find((c) => c.id === 'sample');
      // Cosmetic: a reveal racing the tree's refresh (VS Code #96089) must not fail the command.
      if (sample) await treeView.reveal({ type: 'connection', connection: sample }, { select: true, focus: false, expand: false }).then(undefined, (e: unknown) => log.warn(`Could not reveal the sample warehouse: ${e instanceof Error ? e.message : String(e)}`));
      const tables = sample?.tables?.length ?? 0;
      void vscode.window.showInformationMessage(`Pipewright: ${opened.summary.label} is ready (${tables} tables, listed under Connections). Ask it a question in the Pipewright panel.`);
    } catch (error) {
      log.error(`Sample warehouse failed: ${error instanceof Error ? error.message : String(error)}`);
      void vscode.window.showErrorMessage(`Pipewright could not prepare the sample warehouse: ${error instanceof Error ? error.message : String(error)}`);
    }
  });

  command('pipewright.showLog', () => log.show());

  const auditDocument = new AuditLogDocument(() => chat.auditLog());
  context.subscriptions.push(auditDocument, vscode.workspace.registerTextDocumentContentProvider(AUDIT_SCHEME, auditDocument));
  command('pipewright.showAuditLog', async () => {
    try {
      await auditDocument.show();
    } catch (error) {
      void vscode.window.showErrorMessage(`Pipewright could not read the audit log: ${error instanceof Error ? error.message : String(error)}`);
    }
  });

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('pipewright.model')) void chat.refreshState();
      if (e.affectsConfiguration('pipewright.connections')) {
        chat.forgetApprovals();
        void hub.reload();
      }
    }),
    context.secrets.onDidChange(() => void chat.refreshState()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void chat.refreshState()),
  );

  // Our share of activation: evaluating the bundle plus activate() itself (the host's own work
  // between loading the module and calling activate() is not ours and is left out).
  const loadMs = bundleEvaluated - (typeof __pipewrightLoadStart === 'number' ? __pipewrightLoadStart : bundleEvaluated);
  const activateMs = performance.now() - activateStart;
  log.info(`Pipewright activated in ${(loadMs + activateMs).toFixed(1)} ms (bundle evaluation ${loadMs.toFixed(1)} ms + activate() ${activateMs.toFixed(1)} ms).`);
}

export function deactivate(): void {
  // Disposables registered on the context close connectors and stop runs.
}
