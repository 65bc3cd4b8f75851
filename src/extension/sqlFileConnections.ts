// Which connection a SQL document runs on: chosen by the user once per file (a quick pick) and
// remembered in the workspace's state, keyed by the document's URI.
import * as vscode from 'vscode';
import type { ConnectionView } from '../core/protocol/webviewMessages';
import type { ConnectionHub } from './connectionHub';

const STATE_KEY = 'pipewright.sqlFileConnections';
/** Files remembered; the oldest choices are forgotten beyond it. */
const MAX_FILES = 500;

export class SqlFileConnections implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly state: vscode.Memento, private readonly hub: ConnectionHub) {}

  /** The remembered connection of a document, if it still exists. */
  get(uri: vscode.Uri): ConnectionView | undefined {
    const id = this.state.get<Record<string, string>>(STATE_KEY, {})[uri.toString()];
    return id ? this.hub.views().find((c) => c.id === id) : undefined;
  }

  /** The remembered connection, or asks for one (undefined: the user cancelled). */
  async resolve(uri: vscode.Uri): Promise<ConnectionView | undefined> {
    return this.get(uri) ?? this.choose(uri);
  }

  async choose(uri: vscode.Uri): Promise<ConnectionView | undefined> {
    const current = this.get(uri);
    const items = this.hub.views().map((c) => ({
      label: c.label,
      description: `${c.dialect} · ${c.environment.toUpperCase()}${c.id === current?.id ? ' · current' : ''}`,
      connection: c,
    }));
    const picked = await vscode.window.showQuickPick(items, { title: 'Pipewright: run this SQL file on…', placeHolder: 'Choose a connection (remembered for this file)', ignoreFocusOut: true });
    if (!picked) return undefined;
    // Re-inserted last, so the object's key order is the order of the choices.
    const { [uri.toString()]: _previous, ...others } = this.state.get<Record<string, string>>(STATE_KEY, {});
    const entries = [...Object.entries(others), [uri.toString(), picked.connection.id] as const].slice(-MAX_FILES);
    await this.state.update(STATE_KEY, Object.fromEntries(entries));
    this.changed.fire(uri);
    return picked.connection;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
