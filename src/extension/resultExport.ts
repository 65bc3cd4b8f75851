// The result grid's copy and export, done by the host: the webview sends the exact values, the
// core writers turn them into text, and only a file the user picked in the save dialog is written.
import * as vscode from 'vscode';
import type { ResultColumn } from '../core/results/resultFiles';
import { loadEngine } from './loadEngine';

export async function copyResultValues(rows: unknown[][]): Promise<void> {
  await vscode.env.clipboard.writeText(loadEngine().toClipboardText(rows));
  const count = rows.length * (rows[0]?.length ?? 0);
  void vscode.window.setStatusBarMessage(`Pipewright: copied ${count === 1 ? 'the value' : `${count} values`}`, 3000);
}

export async function exportResult(format: 'csv' | 'json', columns: ResultColumn[], rows: unknown[][]): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const name = `result.${format}`;
  const target = await vscode.window.showSaveDialog({
    title: `Export ${rows.length} row${rows.length === 1 ? '' : 's'} as ${format.toUpperCase()}`,
    saveLabel: 'Export',
    defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
    filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
  });
  if (!target) return;
  const engine = loadEngine();
  const text = format === 'csv' ? engine.toCsv(columns, rows) : engine.toJson(columns, rows);
  try {
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
  } catch (error) {
    void vscode.window.showErrorMessage(`Pipewright: could not write ${target.fsPath}: ${error instanceof Error ? error.message : String(error)}. Pick another place to export to.`);
    return;
  }
  void vscode.window.setStatusBarMessage(`Pipewright: exported ${rows.length} rows to ${target.fsPath}`, 5000);
}
