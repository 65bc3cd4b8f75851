// Run your own SQL from any SQL document (a file, or the "Open in editor" document of an answer):
// a CodeLens above each statement, "Run all", and the file's connection; commands for the
// statement under the cursor or the selection. Statements are found by the dialect's real lexer;
// what runs goes through the panel, under the same policy as the model's calls.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { StatementRange } from '../core/sql/statementRanges';
import type { ChatViewProvider } from './chatViewProvider';
import type { ConnectionHub } from './connectionHub';
import { loadEngine } from './loadEngine';
import { SqlFileConnections } from './sqlFileConnections';

const SQL_SELECTOR: vscode.DocumentSelector = [{ language: 'sql' }];
/** The sample warehouse's dialect splits a file nobody chose a connection for yet. */
const DEFAULT_DIALECT = 'duckdb';

class SqlCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly connections: SqlFileConnections) {}

  refresh(): void {
    this.changed.fire();
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const connection = this.connections.get(document.uri);
    const top = new vscode.Range(0, 0, 0, 0);
    const where = new vscode.CodeLens(top, {
      title: connection ? `$(database) ${connection.label}` : '$(database) Choose connection',
      tooltip: 'The connection this file runs on (remembered for this file)',
      command: 'pipewright.chooseSqlConnection',
      arguments: [document.uri],
    });
    let ranges: StatementRange[];
    try {
      ranges = await loadEngine().statementRanges(connection?.dialect ?? DEFAULT_DIALECT, document.getText());
    } catch (error) {
      return [where, new vscode.CodeLens(top, { title: `$(warning) ${error instanceof Error ? error.message : String(error)}`, command: '' })];
    }
    if (!ranges.length) return [where];
    const lenses = ranges.map((r) => new vscode.CodeLens(lineStart(document, r.start), {
      title: '$(play) Run',
      tooltip: connection ? `Run this statement on ${connection.label}` : 'Run this statement (you choose the connection first)',
      command: 'pipewright.runSql',
      arguments: [document.uri, r.start],
    }));
    const all = ranges.length > 1 ? [new vscode.CodeLens(top, { title: `$(run-all) Run all ${ranges.length}`, command: 'pipewright.runAllSql', arguments: [document.uri] })] : [];
    return [where, ...all, ...lenses];
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export function registerSqlCommands(context: vscode.ExtensionContext, hub: ConnectionHub, chat: ChatViewProvider): void {
  const connections = new SqlFileConnections(context.workspaceState, hub);
  const lenses = new SqlCodeLensProvider(connections);
  context.subscriptions.push(
    connections,
    lenses,
    vscode.languages.registerCodeLensProvider(SQL_SELECTOR, lenses),
    connections.onDidChange(() => lenses.refresh()),
    hub.onDidChange(() => lenses.refresh()),
  );

  const documentOf = async (uri: unknown): Promise<vscode.TextDocument | undefined> => {
    if (uri instanceof vscode.Uri) return vscode.workspace.openTextDocument(uri);
    return vscode.window.activeTextEditor?.document;
  };

  /** Finds the statements to run, on the file's connection (asked for once), and runs them in the panel. */
  const run = async (uri: unknown, pick: (ranges: StatementRange[], document: vscode.TextDocument) => StatementRange[] | Promise<StatementRange[]>, what: string) => {
    const document = await documentOf(uri);
    if (!document) {
      void vscode.window.showWarningMessage('Pipewright: open a SQL file first, put the cursor in a statement (or select one), then run it.');
      return;
    }
    const connection = await connections.resolve(document.uri);
    if (!connection) return;
    let statements: StatementRange[];
    try {
      statements = await pick(await loadEngine().statementRanges(connection.dialect, document.getText()), document);
    } catch (error) {
      void vscode.window.showErrorMessage(`Pipewright could not find the statements in ${name(document)}: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (!statements.length) {
      void vscode.window.showWarningMessage(`Pipewright: there is no SQL statement ${what} in ${name(document)}.`);
      return;
    }
    const line = document.positionAt(statements[0].start).line + 1;
    const title = statements.length === 1 ? `Run SQL from ${name(document)} (line ${line})` : `Run ${statements.length} statements from ${name(document)}`;
    await chat.runSql(title, statements.map((s) => s.text), connection.id);
  };

  const command = (id: string, body: (...args: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, body));

  // From a CodeLens: (uri, offset of the statement). From the palette: the selection, else the statement under the cursor.
  command('pipewright.runSql', (uri?: unknown, offset?: unknown) => run(uri, async (ranges, document) => {
    if (typeof offset === 'number') {
      const at = loadEngine().statementAt(ranges, offset);
      return at ? [at] : [];
    }
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document !== document) return ranges.slice(0, 1);
    if (!editor.selection.isEmpty) {
      // The selection is read on its own: several statements in it run one by one.
      const start = document.offsetAt(editor.selection.start);
      const selected = await loadEngine().statementRanges(connections.get(document.uri)?.dialect ?? DEFAULT_DIALECT, document.getText(editor.selection));
      return selected.map((r) => ({ start: r.start + start, end: r.end + start, text: r.text }));
    }
    const at = loadEngine().statementAt(ranges, document.offsetAt(editor.selection.active));
    return at ? [at] : [];
  }, 'here'));

  command('pipewright.runAllSql', (uri?: unknown) => run(uri, (ranges) => ranges, 'at all'));

  command('pipewright.chooseSqlConnection', async (uri?: unknown) => {
    const document = await documentOf(uri);
    if (document) await connections.choose(document.uri);
  });
}

function lineStart(document: vscode.TextDocument, offset: number): vscode.Range {
  const line = document.positionAt(offset).line;
  return new vscode.Range(line, 0, line, 0);
}

function name(document: vscode.TextDocument): string {
  return document.isUntitled ? document.uri.path : basename(document.uri.fsPath);
}
