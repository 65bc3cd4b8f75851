// The webview's only channel to the extension host, typed and validated with the shared schemas.
import { ToWebviewSchema, type ToHost, type ToWebview } from '../src/core/protocol/webviewMessages';

declare function acquireVsCodeApi(): { postMessage(message: unknown): void };
const api = acquireVsCodeApi();

export function send(message: ToHost): void {
  api.postMessage(message);
}

export function onMessage(handler: (message: ToWebview) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const parsed = ToWebviewSchema.safeParse(event.data);
    if (parsed.success) handler(parsed.data);
    else console.warn('Pipewright: ignored an invalid message from the extension host');
  });
}
