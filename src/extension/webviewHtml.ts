// The chat webview's HTML: a strict Content-Security-Policy with a per-load nonce, scripts and
// styles only from the extension's own bundle, no images, fonts or other content from any origin.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export function chatHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'main.js'));
  const csp = [
    // default-src 'none' also covers img, media, font, connect, frame and object: the panel loads
    // nothing but its own script, so no answer, cell or model text can make it fetch anything
    // (in code-server, the editor's own origin proxies to other loopback ports).
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    // Lit components adopt constructed stylesheets; the panel's own <style> carries the nonce.
    `style-src 'nonce-${nonce}'`,
    "img-src 'none'",
    "font-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
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
