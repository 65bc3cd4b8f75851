// The strongest check that nothing reaches the database unaudited: PostgreSQL's own statement log
// (log_statement=all) against the audit file, for an ask by the read-only role on the real server.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { runAsk } from '../../src/core/agents/askAgent';
import { openConnection } from '../../src/core/connectors/open';
import { OpenAICompatibleProvider } from '../../src/core/llm/openaiProvider';
import { AuditLog, type AuditRecord } from '../../src/core/observability/auditLog';
import { SQL_SENT } from '../../src/core/observability/auditedConnector';
import { PolicySession } from '../../src/core/policy/gate';
import { startScriptedModel, type ScriptedModel } from '../support/scriptedModelServer';
import { seedCrm, startPostgres, type TestPostgres } from '../support/postgresServer';
import { makeTempDir, removeDir } from '../support/tempDirs';

const READ = 'SELECT region, sum(arr) AS arr FROM crm.accounts GROUP BY region ORDER BY arr DESC';
// What the connector itself sends around a statement: transaction control and its timeout.
const CONNECTOR_FRAMING = /^(BEGIN READ ONLY|BEGIN READ WRITE|COMMIT|ROLLBACK|SET LOCAL statement_timeout = \d+)$/;

describe('PostgreSQL\'s statement log against the audit log', { skip: process.env.PIPEWRIGHT_TEST_PG_URL ? 'needs the embedded server\'s log' : undefined }, () => {
  let server: TestPostgres;
  let model: ScriptedModel;
  let dir: string;
  const serverLog: string[] = [];

  before(async () => {
    server = await startPostgres({
      postgresFlags: ['-c', 'log_statement=all', '-c', 'log_line_prefix=%m [%u] ', '-c', 'log_timezone=UTC'],
      onLog: (message) => serverLog.push(...String(message).split('\n')),
    });
    await seedCrm(server);
    model = await startScriptedModel((request) => {
      const turns = request.body.messages.filter((m) => m.role === 'tool').length;
      if (turns === 0) return { toolCalls: [{ name: 'list_tables', arguments: { schema: 'crm' } }] };
      if (turns === 1) return { toolCalls: [{ name: 'describe_table', arguments: { table: 'crm.accounts' } }] };
      if (turns === 2) return { toolCalls: [{ name: 'run_sql', arguments: { sql: READ } }] };
      return { text: 'done' };
    });
    dir = makeTempDir('pg-audit');
  });
  after(async () => {
    await model?.close();
    await server?.stop();
    removeDir(dir);
  });

  test('every statement the reader role sent was audited first', async () => {
    const path = join(dir, 'audit.jsonl');
    const log = await AuditLog.open(path);
    const opened = await openConnection(`postgres://${server.reader.user}@${server.host}:${server.port}/${server.database}`, {
      storageDir: dir, env: { PGPASSWORD: server.reader.password }, environment: 'dev',
    });
    const startedAt = new Date().toISOString();
    try {
      const result = await runAsk({
        question: 'which region has the most ARR?',
        connector: opened.connector,
        connection: opened.summary,
        llm: new OpenAICompatibleProvider({ baseUrl: model.baseUrl, apiKey: 'test-key', model: 'scripted' }),
        onEvent: () => undefined,
        policy: { gateway: { request: async () => ({ decision: 'reject' }) }, session: new PolicySession() },
        audit: log,
      });
      assert.equal(result.status, 'completed', result.error);
    } finally {
      await opened.connector.close();
      await log.close();
    }
    const sent = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditRecord).filter((r) => r.type === SQL_SENT);
    // "2026-12-01 22:40:00.123 UTC [pw_reader] LOG:  statement: ..." or "... execute <unnamed>: ..."
    const statements = serverLog
      .map((line) => /^(\S+ \S+) UTC \[([^\]]*)\] LOG:\s+(?:statement|execute [^:]*): ([\s\S]*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null && m[2] === server.reader.user)
      .map((m) => ({ at: new Date(`${m[1].replace(' ', 'T')}Z`).toISOString(), sql: m[3].trim() }))
      .filter((s) => s.at >= startedAt);
    assert.ok(statements.some((s) => s.sql === READ), `the read reached the server: ${JSON.stringify(statements)}`);
    assert.ok(statements.some((s) => s.sql.startsWith('EXPLAIN') && s.sql.includes(READ)), 'the gate\'s EXPLAIN reached the server');
    for (const statement of statements) {
      if (CONNECTOR_FRAMING.test(statement.sql)) continue;
      // User SQL is audited verbatim; the connector's own catalog SQL under its catalog call.
      const audited = sent.filter((r) => r.at <= statement.at && (typeof r.data.sql === 'string' ? statement.sql.includes(r.data.sql) : r.data.call !== undefined));
      assert.ok(audited.length, `reached PostgreSQL with no audit line before it: ${statement.sql.slice(0, 200)}`);
    }
    const users = sent.filter((r) => typeof r.data.sql === 'string').map((r) => r.data.sql as string);
    for (const sql of users) assert.ok(statements.some((s) => s.sql.includes(sql)), `audited, and the server saw it: ${sql}`);
  });
});
