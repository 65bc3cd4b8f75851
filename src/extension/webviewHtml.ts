// The chat webview's HTML: a strict Content-Security-Policy with a per-load nonce, scripts and
// styles only from the extension's own bundle, no remote content of any kind.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export function chatHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'main.js'));
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    // Lit components adopt constructed stylesheets; inline style attributes are not used for data.
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Pipewright</title>
</head>
<body>
<div id="app" data-nonce="${nonce}"></div>
<script type="module" nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
