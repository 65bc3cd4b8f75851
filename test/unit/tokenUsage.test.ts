// Token usage end to end: the real `openai` client asks the scripted server for usage in the
// stream, the final usage chunk becomes typed events (per model call and summed per run), the
// audit log's run.finished line records the sums, and the CLI prints them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runAsk } from '../../src/core/agents/askAgent';
import { DuckDBConnector } from '../../src/core/connectors/duckdb';
import { SAMPLE_CONNECTION } from '../../src/core/connectors/open';
import { OpenAICompatibleProvider } from '../../src/core/llm/openaiProvider';
import { AuditLog } from '../../src/core/observability/auditLog';
import { RunEventSchema, type RunEvent } from '../../src/core/observability/events';
import { ensureSampleWarehouse } from '../../src/core/sample/sampleWarehouse';
import { createTextRenderer } from '../../src/cli/textRenderer';
import { terminalWriter } from '../../src/cli/terminalText';
import { startScriptedModel } from '../support/scriptedModelServer';
import { makeTempDir, removeDir } from '../support/tempDirs';

describe('token usage', () => {
  let dir: string;
  let db: DuckDBConnector;

  before(async () => {
    dir = makeTempDir('usage');
    db = await DuckDBConnector.open({ id: 'sample', path: await ensureSampleWarehouse(dir) });
  });
  after(async () => {
    await db?.close();
    removeDir(dir);
  });

  test('the provider asks for usage in the stream and returns the final chunk\'s counts', async () => {
    const model = await startScriptedModel([{ text: 'hello', usage: { prompt_tokens: 1234, completion_tokens: 56 } }]);
    try {
      const provider = new OpenAICompatibleProvider({ baseUrl: model.baseUrl, apiKey: 'sk-usage', model: 'scripted' });
      const response = await provider.chat({ messages: [{ role: 'user', content: 'hi' }], tools: [] });
      assert.equal(model.requests[0].body.stream_options?.include_usage, true);
      assert.equal(response.text, 'hello');
      assert.deepEqual(response.usage, { inputTokens: 1234, outputTokens: 56 });
    } finally {
      await model.close();
    }
  });

  test('a run sums usage over its model calls into run.finished, the audit log and the CLI', async () => {
    const model = await startScriptedModel([
      { toolCalls: [{ name: 'run_sql', arguments: { sql: 'SELECT count(*) AS n FROM orders' } }], usage: { prompt_tokens: 1000, completion_tokens: 40 } },
      { text: 'There are some orders.', usage: { prompt_tokens: 1500, completion_tokens: 25 } },
    ]);
    const auditPath = join(dir, 'audit.jsonl');
    const audit = await AuditLog.open(auditPath);
    const events: RunEvent[] = [];
    const out = new PassThrough();
    let printed = '';
    out.on('data', (chunk) => (printed += String(chunk)));
    const render = createTextRenderer(terminalWriter(out, { color: false }));
    try {
      const result = await runAsk({
        question: 'how many orders?',
        connector: db,
        connection: SAMPLE_CONNECTION,
        llm: new OpenAICompatibleProvider({ baseUrl: model.baseUrl, apiKey: 'sk-usage', model: 'scripted' }),
        audit,
        onEvent: (event) => {
          events.push(RunEventSchema.parse(event));
          render(event);
        },
      });
      assert.equal(result.status, 'completed');
    } finally {
      await audit.close();
      await model.close();
    }
    const calls = events.filter((e) => e.type === 'model.completed').map((e) => e.usage);
    assert.deepEqual(calls, [{ inputTokens: 1000, outputTokens: 40 }, { inputTokens: 1500, outputTokens: 25 }]);
    const finished = events.find((e) => e.type === 'run.finished');
    assert.deepEqual(finished?.type === 'run.finished' ? finished.usage : undefined, { inputTokens: 2500, outputTokens: 65 });

    const lines = readFileSync(auditPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> });
    const runFinished = lines.find((l) => l.type === 'run.finished');
    assert.deepEqual(runFinished?.data.usage, { inputTokens: 2500, outputTokens: 65 });
    assert.match(printed, /Tokens: 2,500 prompt, 65 completion\./);
  });

  test('a server that reports no usage leaves it out rather than reporting zero', async () => {
    // A raw stream without the usage chunk, as a server that ignores stream_options sends it.
    const chunk = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const model = await startScriptedModel([{ raw: chunk({ role: 'assistant', content: 'plain answer' }) + chunk({}, 'stop') + 'data: [DONE]\n\n' }]);
    const events: RunEvent[] = [];
    try {
      await runAsk({
        question: 'anything',
        connector: db,
        connection: SAMPLE_CONNECTION,
        llm: new OpenAICompatibleProvider({ baseUrl: model.baseUrl, apiKey: 'sk-usage', model: 'scripted' }),
        onEvent: (event) => events.push(event),
      });
    } finally {
      await model.close();
    }
    const finished = events.find((e) => e.type === 'run.finished');
    assert.equal(finished?.type, 'run.finished');
    assert.equal(finished?.type === 'run.finished' ? finished.usage : 'missing', undefined);
  });
});
