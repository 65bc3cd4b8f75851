// A scripted OpenAI-compatible server on loopback. The real `openai` client talks to it over
// HTTP; the script decides what the "model" answers (text, thinking, tool calls, errors) and every
// request is recorded so tests can assert exactly what the model was sent.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedToolCall {
  name: string;
  /** An object is sent as JSON; a string is sent as is (to script garbage arguments). */
  arguments: unknown;
}

export interface ScriptedReply {
  text?: string;
  thinking?: string;
  toolCalls?: ScriptedToolCall[];
  /** Wait before answering (to test Stop while the model "thinks"). */
  delayMs?: number;
  /** Answer with this HTTP status and an error body instead. */
  status?: number;
  /** Send this raw body instead of a well-formed stream (to test garbage). */
  raw?: string;
  /** Token counts for the usage chunk (sent only when the request asks for it); default: about 4 characters a token. */
  usage?: { prompt_tokens: number; completion_tokens: number };
}

export interface RecordedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: {
    model: string;
    stream?: boolean;
    stream_options?: { include_usage?: boolean };
    messages: { role: string; content: string | null; tool_calls?: { id: string; function: { name: string; arguments: string } }[]; tool_call_id?: string }[];
    tools?: { type: string; function: { name: string; description: string; parameters: unknown } }[];
  };
}

export type Script = (request: RecordedRequest, index: number) => ScriptedReply | Promise<ScriptedReply>;

export interface ScriptedModel {
  baseUrl: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startScriptedModel(script: Script | ScriptedReply[], options: { port?: number } = {}): Promise<ScriptedModel> {
  const requests: RecordedRequest[] = [];
  const next: Script = Array.isArray(script)
    ? (_request, index) => script[index] ?? { text: '(script exhausted)' }
    : script;

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '').replace(/\?.*$/, '');
    if (req.method === 'GET' && path.endsWith('/models')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'scripted', object: 'model' }] }));
      return;
    }
    if (req.method !== 'POST' || !path.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
      return;
    }
    const recorded: RecordedRequest = { path, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
    const index = requests.push(recorded) - 1;
    let reply: ScriptedReply;
    try {
      reply = await next(recorded, index);
    } catch (error) {
      reply = { status: 500, text: String(error) };
    }
    if (reply.delayMs) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, reply.delayMs);
        res.on('close', () => { clearTimeout(timer); resolve(); });
      });
      if (res.destroyed || res.writableEnded) return;
    }
    if (reply.status) {
      res.writeHead(reply.status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: reply.text ?? 'scripted error', type: 'scripted' } }));
      return;
    }
    if (reply.raw !== undefined) {
      res.writeHead(200, { 'content-type': recorded.body.stream ? 'text/event-stream' : 'application/json' }).end(reply.raw);
      return;
    }
    const model = recorded.body.model;
    const toolCalls = (reply.toolCalls ?? []).map((call, i) => ({
      index: i,
      id: `call_${index}_${i}`,
      type: 'function' as const,
      function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
    }));
    const finishReason = toolCalls.length ? 'tool_calls' : 'stop';
    if (!recorded.body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        id: `chatcmpl-${index}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model,
        choices: [{ index: 0, finish_reason: finishReason, message: { role: 'assistant', content: reply.text ?? null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) } }],
      }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (delta: Record<string, unknown>, finish: string | null = null) =>
      res.write(`data: ${JSON.stringify({ id: `chatcmpl-${index}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
    send({ role: 'assistant', content: '' });
    for (const piece of pieces(reply.thinking)) send({ reasoning_content: piece });
    for (const piece of pieces(reply.text)) send({ content: piece });
    for (const call of toolCalls) {
      // Like real servers: id and name first, then the arguments in fragments.
      send({ tool_calls: [{ index: call.index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] });
      for (const piece of pieces(call.function.arguments, 16)) send({ tool_calls: [{ index: call.index, function: { arguments: piece } }] });
    }
    send({}, finishReason);
    if (recorded.body.stream_options?.include_usage) {
      // Like OpenAI: a last chunk with no choices and the whole call's usage.
      const usage = reply.usage ?? {
        prompt_tokens: Math.ceil(JSON.stringify(recorded.body.messages).length / 4),
        completion_tokens: Math.ceil(((reply.text ?? '').length + (reply.thinking ?? '').length + toolCalls.reduce((n, c) => n + c.function.arguments.length, 0)) / 4),
      };
      res.write(`data: ${JSON.stringify({ id: `chatcmpl-${index}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model, choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } })}\n\n`);
    }
    res.end('data: [DONE]\n\n');
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function pieces(text: string | undefined, size = 12): string[] {
  if (!text) return [];
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** The messages of the last request that came from tools, parsed back out of their data fence. */
export function lastToolOutput(request: RecordedRequest): unknown {
  const last = [...request.body.messages].reverse().find((m) => m.role === 'tool');
  if (!last?.content) return undefined;
  const match = /<data-[0-9a-f]+>\n([\s\S]*)\n<\/data-[0-9a-f]+>/.exec(last.content);
  return match ? JSON.parse(match[1]) : last.content;
}
