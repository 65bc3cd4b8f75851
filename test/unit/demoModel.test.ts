// The offline demo's stand-in model, played through the real pipeline: the real `openai` client
// (OpenAICompatibleProvider) against the stand-in server, runAsk with the real tools and policy
// gate, on a writable scratch copy of the real sample warehouse. Only the model is scripted.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runAsk } from '../../src/core/agents/askAgent';
import { readAll } from '../../src/core/connectors/connector';
import { DuckDBConnector } from '../../src/core/connectors/duckdb';
import { OpenAICompatibleProvider } from '../../src/core/llm/openaiProvider';
import type { ConnectionSummary, RunEvent } from '../../src/core/observability/events';
import type { ApprovalAnswer, ApprovalGateway, ApprovalRequest } from '../../src/core/policy/approvals';
import { PolicySession } from '../../src/core/policy/gate';
import { ensureSampleWarehouse } from '../../src/core/sample/sampleWarehouse';
import { DEMO_DELETE_SQL, DEMO_DROP_SQL, DEMO_TOP_CUSTOMERS_SQL, DEMO_UPDATE_SQL, demoScenario, startDemoModel } from '../../scripts/demoModel';
import type { ScriptedModel } from '../support/scriptedModelServer';
import { makeTempDir, removeDir } from '../support/tempDirs';

const STAND_IN = /Scripted stand-in model/;
const SCRATCH: ConnectionSummary = { id: 'demo-scratch', label: 'Sample warehouse (scratch copy, writable)', dialect: 'duckdb', environment: 'dev', writable: true };

describe('the demo stand-in model through the real pipeline', () => {
  let dir: string;
  let model: ScriptedModel;
  let db: DuckDBConnector;

  before(async () => {
    dir = makeTempDir('demo-model');
    db = await DuckDBConnector.open({ id: 'demo-scratch', path: await ensureSampleWarehouse(dir), writable: true });
    model = await startDemoModel();
  });

  after(async () => {
    await db?.close();
    await model?.close();
    removeDir(dir);
  });

  /** One question; `answer` plays the user at the approval step and records what was asked. */
  async function ask(question: string, answer: (r: ApprovalRequest) => ApprovalAnswer = () => ({ decision: 'reject' })) {
    const asked: ApprovalRequest[] = [];
    const gateway: ApprovalGateway = { request: async (r) => { asked.push(r); return answer(r); } };
    const events: RunEvent[] = [];
    const result = await runAsk({
      question,
      connector: db,
      connection: SCRATCH,
      llm: new OpenAICompatibleProvider({ baseUrl: model.baseUrl, apiKey: 'scripted-demo', model: 'scripted-stand-in' }),
      signal: new AbortController().signal,
      onEvent: (e) => events.push(e),
      policy: { gateway, session: new PolicySession(), grants: new Set(['read', 'write']) },
    });
    assert.equal(result.status, 'completed', result.error);
    const tools = events.flatMap((e) => (e.type === 'tool.started' ? [e.tool] : []));
    return { answer: result.answer ?? '', asked, tools, sql: result.sql };
  }

  const count = async (sql: string) => Number((await readAll(await db.query(sql))).rows[0][0]);

  test('the scenario follows the question', () => {
    const cases: [string, ReturnType<typeof demoScenario>][] = [
      ['Which tables are there?', 'tables'],
      ['what columns does the schema have', 'tables'],
      ['top 5 customers by revenue last quarter', 'top-customers'],
      ['Who are our biggest customers?', 'top-customers'],
      ['delete the payments without a method', 'delete'],
      ['please clean up old payments', 'delete'],
      ['update customer segments', 'update'],
      ['DROP the payments table', 'drop'],
      ['drop and delete everything', 'drop'],
      ['what is the weather like?', 'help'],
      ['top products', 'help'],
    ];
    for (const [question, scenario] of cases) assert.equal(demoScenario(question), scenario, question);
  });

  test('a question about tables lists the real tables, and says it is a stand-in', async () => {
    const run = await ask('which tables are there?');
    assert.deepEqual(run.tools, ['list_tables']);
    assert.match(run.answer, STAND_IN);
    for (const table of ['main.customers', 'main.orders', 'main.order_items', 'main.payments', 'main.products']) assert.ok(run.answer.includes(table), table);
  });

  test('top customers by revenue runs a real query and answers from its rows', async () => {
    const run = await ask('top 5 customers by revenue last quarter');
    assert.deepEqual(run.tools, ['describe_table', 'run_sql']);
    assert.equal(run.sql, DEMO_TOP_CUSTOMERS_SQL);
    const top = String((await readAll(await db.query(DEMO_TOP_CUSTOMERS_SQL))).rows[0][1]);
    assert.ok(run.answer.includes(`1. **${top}**`), run.answer);
    assert.match(run.answer, STAND_IN);
  });

  test('delete and update propose a write that needs approval; rejected, nothing changes', async () => {
    const before = await count('SELECT count(*) FROM payments WHERE method IS NULL');
    assert.ok(before > 0, 'the sample has payments without a method');
    for (const [question, sql] of [['delete the payments without a method', DEMO_DELETE_SQL], ['update customer segments', DEMO_UPDATE_SQL]]) {
      const run = await ask(question);
      assert.deepEqual(run.tools, ['execute_sql']);
      assert.equal(run.asked.length, 1, question);
      assert.equal(run.asked[0].level, 'approve');
      assert.equal(run.asked[0].sql, sql);
      assert.match(run.answer, STAND_IN);
      assert.match(run.answer, /Nothing changed/);
    }
    assert.equal(await count('SELECT count(*) FROM payments WHERE method IS NULL'), before);
  });

  test('drop asks for the table name to be typed; typed right, the approved DROP runs', async () => {
    const wrong = await ask('drop the payments table', () => ({ decision: 'once', typed: 'orders' }));
    assert.equal(wrong.asked[0].level, 'confirm');
    assert.equal(wrong.asked[0].sql, DEMO_DROP_SQL);
    assert.equal(wrong.asked[0].confirmText, 'payments');
    assert.match(wrong.answer, /Nothing changed.*typed confirmation did not match/s);
    assert.ok(await count("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'payments'") === 1, 'still there');

    const right = await ask('drop the payments table', (r) => ({ decision: 'once', typed: r.confirmText }));
    assert.match(right.answer, /You approved it, so it ran/);
    assert.equal(await count("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'payments'"), 0);
  });

  test('anything else: it says plainly it is a stand-in and lists what it can show, calling no tool', async () => {
    const run = await ask('what is the weather like?');
    assert.deepEqual(run.tools, []);
    assert.match(run.answer, STAND_IN);
    assert.match(run.answer, /which tables are there/);
    assert.match(run.answer, /drop the payments table/);
  });
});
