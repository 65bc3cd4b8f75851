// The model behind an interface: the agent sees messages, tool specs and streamed deltas,
// never a vendor SDK. Implementations: OpenAI-compatible Chat Completions (here) and VS Code's
// language models (in src/extension).

export interface ToolCall {
  id: string;
  name: string;
  /** Raw JSON text exactly as the model produced it; validated by the tool layer, not here. */
  arguments: string;
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; content: string };

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
}

export type ChatDelta = { kind: 'text'; text: string } | { kind: 'thinking'; text: string };

export interface ChatRequest {
  messages: ChatMessage[];
  tools: ToolSpec[];
  signal?: AbortSignal;
  onDelta?: (delta: ChatDelta) => void;
}

export interface ChatResponse {
  text: string;
  toolCalls: ToolCall[];
  finishReason: string | null;
  usage?: { inputTokens: number; outputTokens: number };
}

export interface LlmProvider {
  /** Human-readable, e.g. `gpt-4.1 at api.openai.com`; never contains a secret. */
  readonly label: string;
  chat(request: ChatRequest): Promise<ChatResponse>;
  /** Masks the credentials this provider holds (its API key) in `text`. */
  redactSecrets?(text: string): string;
}

/** The model could not be reached or answered with an error; `hint` tells the user what to do. */
export class LlmError extends Error {
  constructor(message: string, readonly hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LlmError';
  }
}
