// `pipewright` without an editor: the same core, driven from a terminal or CI.
import { resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';
import { runAsk } from '../core/agents/askAgent';
import { catalogCachePath, linkSchema } from '../core/catalog/schemaContext';
import { stopLinkWorker } from '../core/catalog/linkWorker';
import { ConnectorError } from '../core/connectors/connector';
import { openConnection } from '../core/connectors/open';
import { OpenAICompatibleProvider } from '../core/llm/openaiProvider';
import { defaultStorageDir } from '../core/sample/sampleWarehouse';
import { AuditLog } from '../core/observability/auditLog';
import { defaultAnchorDir, FileAnchorStore } from '../core/observability/auditAnchorFile';
import { auditedConnector } from '../core/observability/auditedConnector';
import { auditKeyFromText } from '../core/observability/auditKey';
import { redact } from '../core/observability/redact';
import { PolicySession } from '../core/policy/gate';
import { defaultAuditPath } from '../core/observability/auditPath';
import { cliGateway } from './approvalPrompt';
import { createTextRenderer } from './textRenderer';

const USAGE = `Usage:
  pipewright ask "<question>" [--connection sample|duckdb:<file>|postgres://user@host/db] [--environment dev|staging|prod] [--json] [--max-steps N]

Connections use your own credentials: PostgreSQL takes the password from PGPASSWORD or ~/.pgpass
(sslmode and sslrootcert go in the URL). Snowflake: --connection snowflake://user@account/DB/SCHEMA?warehouse=WH&role=ROLE
with SNOWFLAKE_PASSWORD, SNOWFLAKE_PRIVATE_KEY_PATH (+ SNOWFLAKE_PRIVATE_KEY_PASSPHRASE), SNOWFLAKE_TOKEN,
or browser SSO (&authenticator=externalbrowser).

  Approvals (ask): --approve never|reads|prompt (default: prompt on a terminal, never otherwise).
  Writes are offered only with --allow-writes, which opens the connection for writing; every change
  is still shown and needs approval (destructive ones the typed object name). File tools
  (read_file, write_file) are offered only with --workspace DIR. Every model call,
  tool call, decision and statement sent goes to a hash-chained audit log: --audit FILE (default
  under PIPEWRIGHT_HOME or ~/.cache/pipewright/audit/), anchored under $XDG_STATE_HOME/pipewright
  (default ~/.local/state/pipewright); PIPEWRIGHT_AUDIT_KEY (32+ characters) HMACs every line.

  pipewright catalog rank --tables FILE --questions FILE [--scope database|warehouse] [--top K]
      (schema linking: one JSON line per question, {"id", "tables": [best first]})

  pipewright sql check --dialect postgres|snowflake|duckdb < statement.sql
      (the SQL guardrail: one JSON object {"decision": allow|approve|confirm|deny, "reasons", "statements"})

  pipewright audit verify FILE [--json]     checks the audit log's chain, anchor and MACs (exit 1 when broken, 3 when keyed and no key)
  pipewright audit show FILE [--limit N]    the audit log as readable markdown

Model (any OpenAI-compatible server):
  OPENAI_BASE_URL   e.g. https://api.openai.com/v1 or http://localhost:11434/v1 (Ollama)
  OPENAI_API_KEY    the key (use any non-empty value for servers without keys)
  PIPEWRIGHT_MODEL  the model name, e.g. gpt-4.1-mini or qwen2.5-coder

Exit codes: 0 answered, 1 failed, 2 usage or configuration error, 130 stopped (Ctrl-C).`;

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  if (command === 'catalog') {
    // Schema linking without a model: rank the tables a question needs from a catalog file.
    if (rest[0] !== 'rank') return usageError('Usage: pipewright catalog rank --tables FILE --questions FILE [--scope database|warehouse] [--top K]');
    const { catalogRank } = await import('./catalogRank');
    return catalogRank(rest.slice(1), process.stdout, process.stderr);
  }
  if (command === 'sql') {
    if (rest[0] !== 'check') return usageError('Usage: pipewright sql check --dialect postgres|snowflake|duckdb < statement.sql');
    const { sqlCheck } = await import('./sqlCheck');
    return sqlCheck(rest.slice(1), process.stdin, process.stdout, process.stderr);
  }
  if (command === 'audit') {
    const { auditCommand } = await import('./auditVerify');
    return auditCommand(rest, process.stdout, process.stderr, env);
  }
  if (command !== 'ask') return usageError(`Unknown command "${command}".`);

  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        connection: { type: 'string', short: 'c', default: 'sample' },
        environment: { type: 'string', short: 'e', default: 'dev' },
        json: { type: 'boolean', default: false },
        'max-steps': { type: 'string', default: '12' },
        approve: { type: 'string' },
        'allow-writes': { type: 'boolean', default: false },
        audit: { type: 'string' },
        workspace: { type: 'string' },
      },
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const question = parsed.positionals.join(' ').trim();
  if (!question) return usageError('Give a question, e.g. pipewright ask "top 5 customers by revenue".');
  const maxSteps = Number.parseInt(parsed.values['max-steps'] ?? '12', 10);
  if (!Number.isInteger(maxSteps) || maxSteps < 1 || maxSteps > 100) return usageError('--max-steps must be a whole number from 1 to 100.');

  const approveMode = parsed.values.approve ?? (process.stdin.isTTY ? 'prompt' : 'never');
  if (approveMode !== 'never' && approveMode !== 'reads' && approveMode !== 'prompt') return usageError('--approve must be never, reads or prompt.');
  const allowWrites = parsed.values['allow-writes'] === true;

  const environment = parsed.values.environment;
  if (environment !== 'dev' && environment !== 'staging' && environment !== 'prod') return usageError('--environment must be dev, staging or prod.');

  const baseUrl = env.OPENAI_BASE_URL?.trim();
  const apiKey = env.OPENAI_API_KEY?.trim();
  const model = env.PIPEWRIGHT_MODEL?.trim();
  const missing = [!baseUrl && 'OPENAI_BASE_URL', !apiKey && 'OPENAI_API_KEY', !model && 'PIPEWRIGHT_MODEL'].filter(Boolean);
  if (missing.length) return usageError(`No model configured: set ${missing.join(', ')}.`);

  let opened;
  try {
    opened = await openConnection(parsed.values.connection ?? 'sample', {
      storageDir: defaultStorageDir(env),
      env,
      environment,
      writable: allowWrites,
      onLog: (level, message) => { if (level !== 'info') process.stderr.write(`pipewright: ${message}\n`); },
    });
  } catch (error) {
    const hint = error instanceof ConnectorError && error.hint ? `\n${error.hint}` : '';
    process.stderr.write(`pipewright: ${(error as Error).message}${hint}\n`);
    return 2;
  }

  const auditPath = parsed.values.audit ?? env.PIPEWRIGHT_AUDIT_LOG ?? defaultAuditPath(defaultStorageDir(env), process.cwd());
  let audit: AuditLog;
  try {
    const key = env.PIPEWRIGHT_AUDIT_KEY ? auditKeyFromText(env.PIPEWRIGHT_AUDIT_KEY, 'PIPEWRIGHT_AUDIT_KEY') : undefined;
    audit = await AuditLog.open(auditPath, { redact, key, anchors: new FileAnchorStore(defaultAnchorDir(env)) });
  } catch (error) {
    await opened.connector.close();
    process.stderr.write(`pipewright: the audit log ${auditPath} could not be opened: ${(error as Error).message}\nSet another path with --audit FILE.\n`);
    return 2;
  }

  // Schema linking's catalog reads are audited too, not only the run's own statements.
  const connector = auditedConnector(opened.connector, audit);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const render = parsed.values.json
    ? (event: unknown) => process.stdout.write(`${JSON.stringify(event)}\n`)
    : createTextRenderer(process.stdout, { color: Boolean(process.stdout.isTTY) && !env.NO_COLOR });
  try {
    const result = await runAsk({
      question,
      connector,
      connection: opened.summary,
      llm: new OpenAICompatibleProvider({ baseUrl: baseUrl!, apiKey: apiKey!, model: model! }),
      onEvent: render,
      signal: controller.signal,
      maxSteps,
      policy: {
        gateway: cliGateway(approveMode, { input: process.stdin, output: process.stderr }),
        session: new PolicySession(),
        grants: new Set(allowWrites ? ['read', 'write'] : ['read']),
      },
      audit,
      // File tools only for a folder named on purpose: never the directory the CLI happens to run in.
      workspaceRoot: parsed.values.workspace ? resolvePath(parsed.values.workspace) : undefined,
      linkSchema: (q, signal) => linkSchema(connector, catalogCachePath(defaultStorageDir(env), opened.summary.id), q, signal),
    });
    return result.status === 'completed' ? 0 : result.status === 'stopped' ? 130 : 1;
  } finally {
    process.off('SIGINT', onSigint);
    await stopLinkWorker();
    await opened.connector.close();
    await audit.close();
  }
}

function usageError(message: string): number {
  process.stderr.write(`pipewright: ${message}\n\n${USAGE}\n`);
  return 2;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (error) => { process.stderr.write(`pipewright: ${error instanceof Error ? error.message : String(error)}\n`); process.exitCode = 1; },
  );
}
