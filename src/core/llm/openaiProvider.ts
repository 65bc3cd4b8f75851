// Chat Completions through the official `openai` client: the API every OpenAI-compatible
// server implements (OpenAI, Azure OpenAI, Ollama, vLLM, LM Studio, ...).
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { hostOf } from './origin';
import { redact } from '../observability/redact';
import { LlmError, type ChatMessage, type ChatRequest, type ChatResponse, type LlmProvider, type ToolCall } from './provider';

export interface OpenAICompatibleConfig {
  baseUrl: string;
  apiKey: string;
  model: string;
  /** Per-request timeout; the agent's own Stop aborts sooner. */
  timeoutMs?: number;
}

export { hostOf };

export class OpenAICompatibleProvider implements LlmProvider {
  readonly label: string;
  private readonly client: OpenAI;

  constructor(private readonly config: OpenAICompatibleConfig) {
    this.client = new OpenAI({
      baseURL: config.baseUrl,
      apiKey: config.apiKey,
      timeout: config.timeoutMs ?? 120_000,
      maxRetries: 1,
    });
    this.label = `${config.model} at ${hostOf(config.baseUrl)}`;
  }

  redactSecrets(text: string): string {
    return redact(text, [this.config.apiKey]);
  }

  async chat(request: ChatRequest): Promise<ChatResponse> {
    const tools: ChatCompletionTool[] = request.tools.map((t) => ({
      type: 'function',
      function: { name: t.name, description: t.description, parameters: t.parameters },
    }));
    let stream;
    try {
      stream = await this.client.chat.completions.create(
        {
          model: this.config.model,
          messages: request.messages.map(toOpenAIMessage),
          ...(tools.length ? { tools } : {}),
          stream: true,
          // The server then sends one last chunk with the call's token counts (no choices).
          stream_options: { include_usage: true },
        },
        { signal: request.signal },
      );
    } catch (error) {
      throw translateError(error, this.config);
    }

    let text = '';
    let finishReason: string | null = null;
    let usage: ChatResponse['usage'];
    // Tool calls arrive in fragments keyed by index: id and name first, arguments in pieces.
    const calls = new Map<number, ToolCall>();
    let chunks = 0;
    try {
      for await (const chunk of stream) {
        chunks++;
        if (chunk.usage) usage = { inputTokens: chunk.usage.prompt_tokens, outputTokens: chunk.usage.completion_tokens };
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        const delta = choice.delta as ChatCompletionChunk.Choice.Delta & { reasoning_content?: string; reasoning?: string };
        const thinking = delta.reasoning_content ?? delta.reasoning;
        if (typeof thinking === 'string' && thinking) request.onDelta?.({ kind: 'thinking', text: thinking });
        if (typeof delta.content === 'string' && delta.content) {
          text += delta.content;
          request.onDelta?.({ kind: 'text', text: delta.content });
        }
        for (const fragment of delta.tool_calls ?? []) {
          const call = calls.get(fragment.index) ?? { id: '', name: '', arguments: '' };
          if (fragment.id) call.id = fragment.id;
          if (fragment.function?.name) call.name += fragment.function.name;
          if (fragment.function?.arguments) call.arguments += fragment.function.arguments;
          calls.set(fragment.index, call);
        }
        if (choice.finish_reason) finishReason = choice.finish_reason;
      }
    } catch (error) {
      throw translateError(error, this.config);
    }
    // A stream with no readable chunk, or one that stops mid-answer, is not an (empty) answer.
    if (chunks === 0) throw new LlmError(`The model server at ${hostOf(this.config.baseUrl)} sent no readable answer.`, 'Check that the base URL points at an OpenAI-compatible /v1 endpoint.');
    if (finishReason === null && !text && calls.size === 0) throw new LlmError(`The model server at ${hostOf(this.config.baseUrl)} ended its answer without finishing it.`);
    const toolCalls = [...calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, call]) => ({ ...call, id: call.id || `call_${index}` }));
    return { text, toolCalls, finishReason, usage };
  }
}

function toOpenAIMessage(message: ChatMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case 'assistant':
      return {
        role: 'assistant',
        content: message.content || null,
        ...(message.toolCalls?.length
          ? { tool_calls: message.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })) }
          : {}),
      };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
    default:
      return message;
  }
}

function translateError(error: unknown, config: OpenAICompatibleConfig): Error {
  const translated = translateErrorUnredacted(error, config);
  // A proxy may echo the request (and its key) in an error body: never pass the key on.
  if (translated instanceof LlmError) return new LlmError(redact(translated.message, [config.apiKey]), translated.hint, { cause: translated.cause });
  return translated;
}

function translateErrorUnredacted(error: unknown, config: OpenAICompatibleConfig): Error {
  if (error instanceof OpenAI.APIUserAbortError || (error instanceof Error && error.name === 'AbortError')) return error;
  const where = hostOf(config.baseUrl);
  if (error instanceof OpenAI.AuthenticationError) {
    return new LlmError(`The model server at ${where} rejected the API key (401).`, 'Set a valid key with "Pipewright: Set Model API Key" (or OPENAI_API_KEY for the CLI).', { cause: error });
  }
  if (error instanceof OpenAI.NotFoundError) {
    return new LlmError(`The model server at ${where} has no model "${config.model}" (404).`, 'Check the model name setting (PIPEWRIGHT_MODEL for the CLI).', { cause: error });
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return new LlmError(`Could not reach the model server at ${where}.`, 'Check the base URL setting (OPENAI_BASE_URL for the CLI) and that the server is running.', { cause: error });
  }
  if (error instanceof OpenAI.APIError) {
    return new LlmError(`The model server at ${where} answered with an error${error.status ? ` (${error.status})` : ''}: ${firstLine(error.message)}`, undefined, { cause: error });
  }
  return new LlmError(`The model's answer could not be read: ${firstLine(error instanceof Error ? error.message : String(error))}`, undefined, { cause: error });
}


function firstLine(text: string): string {
  return text.split('\n')[0].slice(0, 300);
}
