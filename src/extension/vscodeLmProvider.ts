// The core's LlmProvider over VS Code's own language models (vscode.lm), for users whose editor
// already has a chat model (e.g. Copilot). Consent and the key are handled by VS Code.
import * as vscode from 'vscode';
import { LlmError, type ChatMessage, type ChatRequest, type ChatResponse, type LlmProvider } from '../core/llm/provider';

export class VscodeLmProvider implements LlmProvider {
  readonly label: string;
  constructor(private readonly model: vscode.LanguageModelChat) {
    this.label = `${model.name} (VS Code language model)`;
  }

  async chat(request: ChatRequest): Promise<ChatResponse> {
    const cancel = new vscode.CancellationTokenSource();
    const onAbort = () => cancel.cancel();
    request.signal?.addEventListener('abort', onAbort);
    if (request.signal?.aborted) cancel.cancel();
    try {
      const response = await this.model.sendRequest(
        toLmMessages(request.messages),
        {
          tools: request.tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.parameters })),
          justification: 'Pipewright answers questions about your warehouse.',
        },
        cancel.token,
      );
      let text = '';
      const toolCalls: ChatResponse['toolCalls'] = [];
      for await (const part of response.stream) {
        if (part instanceof vscode.LanguageModelTextPart) {
          text += part.value;
          request.onDelta?.({ kind: 'text', text: part.value });
        } else if (part instanceof vscode.LanguageModelToolCallPart) {
          toolCalls.push({ id: part.callId, name: part.name, arguments: JSON.stringify(part.input ?? {}) });
        }
      }
      return { text, toolCalls, finishReason: toolCalls.length ? 'tool_calls' : 'stop' };
    } catch (error) {
      if (request.signal?.aborted) throw error;
      if (error instanceof vscode.LanguageModelError) {
        throw new LlmError(`The VS Code language model refused the request: ${error.message}`, 'Check that your chat extension is signed in and that Pipewright may use it.', { cause: error });
      }
      throw error;
    } finally {
      request.signal?.removeEventListener('abort', onAbort);
      cancel.dispose();
    }
  }
}

function toLmMessages(messages: ChatMessage[]): vscode.LanguageModelChatMessage[] {
  const out: vscode.LanguageModelChatMessage[] = [];
  for (const m of messages) {
    switch (m.role) {
      // vscode.lm has no system role: the instructions go first as a user message.
      case 'system':
      case 'user':
        out.push(vscode.LanguageModelChatMessage.User(m.content));
        break;
      case 'assistant': {
        const parts: (vscode.LanguageModelTextPart | vscode.LanguageModelToolCallPart)[] = [];
        if (m.content) parts.push(new vscode.LanguageModelTextPart(m.content));
        for (const call of m.toolCalls ?? []) parts.push(new vscode.LanguageModelToolCallPart(call.id, call.name, safeJson(call.arguments)));
        out.push(vscode.LanguageModelChatMessage.Assistant(parts));
        break;
      }
      case 'tool':
        out.push(vscode.LanguageModelChatMessage.User([new vscode.LanguageModelToolResultPart(m.toolCallId, [new vscode.LanguageModelTextPart(m.content)])]));
        break;
    }
  }
  return out;
}

function safeJson(text: string): object {
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' ? value : {};
  } catch {
    return {};
  }
}
