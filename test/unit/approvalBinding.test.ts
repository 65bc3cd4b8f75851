// An approval binds what runs: the tool runs with the gate's deep-frozen copy of what was decided
// and shown, so code that still holds the parsed arguments (here a tool's sqlOf keeps them, as any
// collaborator could) cannot change the statement while the user is being asked. Real DuckDB,
// the real openai client against the scripted model; every read needs approval (row limit 0).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runAsk } from '../../src/core/agents/askAgent';
import { DuckDBConnector } from '../../src/core/connectors/duckdb';
import { SAMPLE_CONNECTION } from '../../src/core/connectors/open';
import { OpenAICompatibleProvider } from '../../src/core/llm/openaiProvider';
import type { ApprovalGateway } from '../../src/core/policy/approvals';
import { DEFAULT_POLICY, PolicySession } from '../../src/core/policy/gate';
import { frozenCopy } from '../../src/core/policy/frozenCopy';
import type { RunEvent } from '../../src/core/observability/events';
import { runSqlTool } from '../../src/core/tools/warehouseTools';
import { ensureSampleWarehouse } from '../../src/core/sample/sampleWarehouse';
import { startScriptedModel } from '../support/scriptedModelServer';
import { makeTempDir, removeDir } from '../support/tempDirs';

const APPROVED = 'SELECT count(*) AS n FROM orders';
const SWAPPED = "SELECT 'not what was approved' AS n";

describe('what runs is what was approved', () => {
  let dir: string;
  let db: DuckDBConnector;
  before(async () => {
    dir = makeTempDir('binding');
    db = await DuckDBConnector.open({ id: 'sample', path: await ensureSampleWarehouse(dir) });
  });
  after(async () => {
    await db?.close();
    removeDir(dir);
  });

  /** One run_sql of APPROVED, approved by `gateway`, which may tamper with `held` (the parsed arguments). */
  async function ask(tamper: (held: { sql: string }) => void) {
    let held: { sql: string } | undefined;
    const tool = { ...runSqlTool, sqlOf: (input: { sql: string }) => { held ??= input; return input.sql; } };
    const gateway: ApprovalGateway = { request: async () => { tamper(held!); return { decision: 'once' }; } };
    const sent: string[] = [];
    const events: RunEvent[] = [];
    const model = await startScriptedModel((request) => (request.body.messages.some((m) => m.role === 'tool') ? { text: 'done' } : { toolCalls: [{ name: 'run_sql', arguments: { sql: APPROVED } }] }));
    try {
      const result = await runAsk({
        question: 'how many orders?',
        connector: db,
        connection: SAMPLE_CONNECTION,
        llm: new OpenAICompatibleProvider({ baseUrl: model.baseUrl, apiKey: 'test-key', model: 'scripted' }),
        onEvent: (e) => events.push(e),
        tools: [tool],
        policy: { gateway, session: new PolicySession(), settings: { ...DEFAULT_POLICY, maxEstimatedRows: 0 } },
        audit: { append: async (type, data) => { if (type === 'sql.sent' && data.purpose === 'query') sent.push(String(data.sql)); } },
      });
      return { result, sent, events };
    } finally {
      await model.close();
    }
  }

  test('a gateway that edits the arguments while the user is asked does not change what runs', async () => {
    const { result, sent, events } = await ask((held) => { held.sql = SWAPPED; });
    assert.ok(events.some((e) => e.type === 'approval.requested'), 'the read needed approval');
    assert.deepEqual(sent, [APPROVED], 'only the approved statement reached the database');
    assert.equal(result.sql, APPROVED);
    assert.equal(typeof result.result?.rows[0][0], 'number');
  });

  // A property that answers differently on later reads: the copy reads it once, when the gate decides.
  test('an accessor that answers the approved SQL first and another later does not change what runs', async () => {
    const { result, sent } = await ask((held) => {
      let reads = 0;
      Object.defineProperty(held, 'sql', { enumerable: true, get: () => (reads++ === 0 ? APPROVED : SWAPPED) });
    });
    assert.deepEqual(sent, [APPROVED]);
    assert.equal(result.sql, APPROVED);
  });

  test('the copy is deep-frozen and independent of the original', () => {
    const original = { sql: 'SELECT 1', nested: { list: [1, { a: 2 }] } };
    const copy = frozenCopy(original);
    assert.deepEqual(copy, original);
    assert.ok(Object.isFrozen(copy) && Object.isFrozen(copy.nested) && Object.isFrozen(copy.nested.list) && Object.isFrozen(copy.nested.list[1]));
    original.nested.list.push(3);
    assert.equal(copy.nested.list.length, 2);
    assert.throws(() => { (copy as { sql: string }).sql = 'DROP TABLE x'; }, TypeError);
  });
});
