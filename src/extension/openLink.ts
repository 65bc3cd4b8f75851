// Links in answers come from the model: each opens only after a modal naming its exact target,
// and only http, https and mailto.
import * as vscode from 'vscode';

const OPENABLE = new Set(['http:', 'https:', 'mailto:']);

export async function openLinkAfterConfirm(raw: string, log: vscode.LogOutputChannel): Promise<void> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    void vscode.window.showErrorMessage('Pipewright: this link is not a valid URL, so it was not opened.');
    return;
  }
  if (!OPENABLE.has(url.protocol)) {
    void vscode.window.showErrorMessage(`Pipewright: only http, https and mailto links can be opened (this one is ${url.protocol}).`);
    return;
  }
  // The normalised form (punycode host, encoded path) is what is shown and what is opened.
  const target = url.href;
  // The host on its own line: a URL can put a trusted-looking name before an @ (user info).
  const where = url.protocol === 'mailto:' ? `Mail to: ${url.pathname}` : `Host: ${url.host}`;
  const choice = await vscode.window.showWarningMessage('Open this link from the answer?', { modal: true, detail: `${target}\n\n${where}\nThe link came from the model's answer; check where it goes.` }, 'Open Link');
  if (choice !== 'Open Link') return;
  log.info(`Opening a link from an answer (the user confirmed it): ${url.origin}`);
  await vscode.env.openExternal(vscode.Uri.parse(target, true));
}
