// SQL the user runs from the editor (a CodeLens, a selection, a whole file): no model, but the
// same policy gate as a model's call. Each statement is classified by the dialect's parser and
// goes through run_sql (reads; large reads ask) or execute_sql (writes ask, destructive ones need
// the object's name typed, read-only connections refuse), denials are refused with the reason,
// and every step is audited as a user-initiated run and streamed as the usual run events.
import { randomUUID } from 'node:crypto';
import { QueryCancelledError, ConnectorError, type Connector } from '../connectors/connector';
import { createEmitter, type ConnectionSummary, type RunEvent } from '../observability/events';
import { argsHash } from '../policy/approvals';
import { authorize, DEFAULT_POLICY } from '../policy/gate';
import { checkSql } from '../sql/guardrail';
import { ToolError, type Permission, type ToolContext } from '../tools/tool';
import { runSqlTool } from '../tools/warehouseTools';
import { executeSqlTool } from '../tools/writeTools';
import type { AskResult, AuditSink, PolicyOptions } from './askAgent';

export interface UserSqlOptions {
  /** One line for the panel and the audit log, e.g. "Run SQL from orders.sql (line 3)". */
  title: string;
  /** Statements in order, each exactly as it will be sent. */
  statements: readonly string[];
  connector: Connector;
  connection: ConnectionSummary;
  policy: PolicyOptions;
  onEvent: (event: RunEvent) => void;
  audit?: AuditSink;
  signal?: AbortSignal;
  runId?: string;
  previewRows?: number;
  queryTimeoutMs?: number;
}

/** Runs the statements one after another; the first refused, rejected or failed one ends the run. */
export async function runUserSql(options: UserSqlOptions): Promise<AskResult> {
  const runId = options.runId ?? randomUUID();
  const emit = createEmitter(runId, options.onEvent);
  const signal = options.signal ?? new AbortController().signal;
  const started = Date.now();
  // The user holds both permissions; every write still asks, exactly as for the model.
  const grants = options.policy.grants ?? new Set<Permission>(['read', 'write']);
  const audit = async (type: string, data: Record<string, unknown>) => {
    await options.audit?.append(type, { runId, origin: 'user', connection: options.connection.id, environment: options.connection.environment, ...data });
  };
  const ctx: ToolContext = { connector: options.connector, signal, previewRows: options.previewRows ?? 500, queryTimeoutMs: options.queryTimeoutMs ?? 120_000 };
  let last: Pick<AskResult, 'sql' | 'result'> = {};

  const finish = async (status: AskResult['status'], error?: string, hint?: string): Promise<AskResult> => {
    try {
      await audit('run.finished', { status, durationMs: Date.now() - started, ...(error ? { error } : {}) });
    } catch (auditError) {
      error ??= `The audit log could not be written: ${(auditError as Error).message}`;
    }
    emit({ type: 'run.finished', status, durationMs: Date.now() - started, ...(error ? { error } : {}), ...(hint ? { hint } : {}) });
    return { runId, status, ...last, ...(error ? { error } : {}) };
  };

  emit({ type: 'run.started', question: options.title, connection: options.connection, model: 'you (no model)' });
  try {
    await audit('run.started', { question: options.title, statements: options.statements.length });
  } catch (error) {
    return finish('failed', `The audit log could not be written: ${(error as Error).message}`, 'Check the audit log path (setting pipewright.audit.path) and its folder\'s permissions.');
  }
  if (options.statements.length === 0) return finish('failed', 'There is no statement to run.', 'Put the cursor in a statement, or select one.');

  for (const [index, sql] of options.statements.entries()) {
    const step = index + 1;
    const callId = `user-${step}`;
    if (signal.aborted) return finish('stopped');
    // Which tool is decided from the parsed statement, as the gate will decide it again.
    const verdict = await checkSql(options.connector.dialect, sql);
    const tool = verdict.decision === 'allow' || verdict.decision === 'deny' ? runSqlTool : executeSqlTool;
    const input = { sql };
    emit({ type: 'tool.started', step, callId, tool: tool.name, args: input, sql });
    const toolStarted = Date.now();
    const record: Record<string, unknown> = { step, callId, tool: tool.name, args: input, sql };
    try {
      const gate = await authorize(tool, input, {
        connector: options.connector,
        connection: options.connection,
        gateway: options.policy.gateway,
        session: options.policy.session,
        settings: options.policy.settings ?? DEFAULT_POLICY,
        grants,
        signal,
        onApprovalRequest: (request) => emit({ type: 'approval.requested', step, callId, request }),
      });
      Object.assign(record, { decision: gate.decision, allowed: gate.allowed, reasons: gate.reasons, argsHash: gate.argsHash, ...(gate.approval ? { approval: gate.approval } : {}) });
      emit({ type: 'tool.decision', step, callId, tool: tool.name, decision: gate.decision, allowed: gate.allowed, reasons: gate.reasons, ...(gate.approval ? { approval: gate.approval } : {}) });
      await audit('tool.authorized', record);
      if (signal.aborted) throw new QueryCancelledError();
      if (!gate.allowed) throw new ToolError(`Refused by Pipewright's policy: ${userReasons(gate.reasons).join(' ')}`);
      if (argsHash(tool.name, input, options.connection) !== gate.argsHash) throw new ToolError('The statement changed after approval.');
      const outcome = await tool.run(ctx, input);
      emit({ type: 'tool.finished', step, callId, tool: tool.name, ok: true, durationMs: Date.now() - toolStarted, summary: outcome.summary, ...(outcome.rowCount !== undefined ? { rowCount: outcome.rowCount } : {}), ...(outcome.truncated !== undefined ? { truncated: outcome.truncated } : {}) });
      await audit('tool.finished', { step, callId, tool: tool.name, ok: true, durationMs: Date.now() - toolStarted, summary: outcome.summary, ...(outcome.rowCount !== undefined ? { rows: outcome.rowCount } : {}) });
      last = { sql, ...(outcome.preview ? { result: outcome.preview } : {}) };
      const label = options.statements.length > 1 ? `Statement ${step} of ${options.statements.length}: ${outcome.summary}.` : `${outcome.summary}.`;
      emit({ type: 'answer', text: label, sql, ...(outcome.preview ? { result: outcome.preview } : {}) });
    } catch (error) {
      if (error instanceof QueryCancelledError || signal.aborted) {
        emit({ type: 'tool.finished', step, callId, tool: tool.name, ok: false, durationMs: Date.now() - toolStarted, summary: 'stopped', error: 'The query was stopped.' });
        await audit('tool.finished', { step, callId, tool: tool.name, ok: false, durationMs: Date.now() - toolStarted, outcome: 'stopped' }).catch(() => undefined);
        return finish('stopped');
      }
      const message = error instanceof Error ? error.message + (error instanceof ConnectorError && error.hint ? ` ${error.hint}` : '') : String(error);
      emit({ type: 'tool.finished', step, callId, tool: tool.name, ok: false, durationMs: Date.now() - toolStarted, summary: 'error', error: message });
      await audit('tool.finished', { ...record, ok: false, durationMs: Date.now() - toolStarted, error: message }).catch(() => undefined);
      const rest = options.statements.length - step;
      return finish('failed', message, rest > 0 ? `The ${rest} statement${rest === 1 ? '' : 's'} after it did not run.` : undefined);
    }
  }
  return finish('completed');
}

/** The gate's reasons minus the advice meant for a model ("use execute_sql"): the user picks no tool. */
function userReasons(reasons: readonly string[]): string[] {
  const kept = reasons.filter((r) => !/\b(run_sql|execute_sql)\b/.test(r));
  return (kept.length ? kept : reasons).map((r) => (/[.!?]$/.test(r) ? r : `${r}.`));
}
