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
import { jsonLine, lines, terminalWriter, tt, visibleStream, type TerminalWriter } from './terminalText';
import { createTextRenderer } from './textRenderer';

/** Exit codes; the sql check verdict code is in sqlCheck.ts. */
const EXIT = { ok: 0, failed: 1, usage: 2, stopped: 130 } as const;

const ASK_USAGE = `Usage:
  pipewright ask "<question>" [--connection sample|duckdb:<file>|postgres://user@host/db|snowflake://...] [--environment dev|staging|prod] [--json] [--max-steps N]

Connections use your own credentials: PostgreSQL takes the password from PGPASSWORD or ~/.pgpass
(sslmode and sslrootcert go in the URL). Snowflake: --connection snowflake://user@account/DB/SCHEMA?warehouse=WH&role=ROLE
with SNOWFLAKE_PASSWORD, SNOWFLAKE_PRIVATE_KEY_PATH (+ SNOWFLAKE_PRIVATE_KEY_PASSPHRASE), SNOWFLAKE_TOKEN,
or browser SSO (&authenticator=externalbrowser).

  Approvals: --approve never|reads|prompt (default: prompt on a terminal, never otherwise).
  never refuses whatever needs approval, reads approves only large reads the cost gate held, prompt
  shows each one and asks (on stdin). Writes are offered only with --allow-writes, which opens the
  connection for writing; every change is still shown and needs approval (destructive ones the typed
  object name). File tools (read_file, write_file) are offered only with --workspace DIR. Every model
  call, tool call, decision and statement sent goes to a hash-chained audit log: --audit FILE
  (default under PIPEWRIGHT_HOME or ~/.cache/pipewright/audit/), anchored under
  $XDG_STATE_HOME/pipewright (default ~/.local/state/pipewright); PIPEWRIGHT_AUDIT_KEY (32+
  characters) HMACs every line.

Model (any OpenAI-compatible server):
  OPENAI_BASE_URL   e.g. https://api.openai.com/v1 or http://localhost:11434/v1 (Ollama)
  OPENAI_API_KEY    the key (use any non-empty value for servers without keys)
  PIPEWRIGHT_MODEL  the model name, e.g. gpt-4.1-mini or qwen2.5-coder

Exit codes: 0 answered, 1 failed, ${EXIT.usage} usage or configuration error, ${EXIT.stopped} stopped (Ctrl-C).
PIPEWRIGHT_DEBUG=1 adds stack traces to errors.`;

const CATALOG_USAGE = `Usage:
  pipewright catalog rank --tables FILE --questions FILE [--scope database|warehouse] [--top K]
      (schema linking: one JSON line per question, {"id", "tables": [best first]}; see catalog rank --help)`;

const SQL_USAGE = `Usage:
  pipewright sql check --dialect postgres|snowflake|duckdb [--fail-on confirm|deny] < statement.sql
      (the SQL guardrail: one JSON object {"decision": allow|approve|confirm|deny, "reasons", "statements"};
      see sql check --help)`;

const USAGE = `Usage:
  pipewright ask "<question>" [options]     ask about a warehouse (pipewright ask --help)
  pipewright catalog rank ...               rank the tables a question needs (pipewright catalog --help)
  pipewright sql check ...                  the SQL guardrail's verdict (pipewright sql --help)
  pipewright audit verify FILE [--json]     checks the audit log's hash chain (exit 1 when broken)
  pipewright audit show FILE [--limit N]    the audit log as readable markdown

Every command answers --help (or -h) with its own usage.`;

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const stderr = terminalWriter(process.stderr, { color: false });
  try {
    return await dispatch(argv, env, stderr);
  } catch (error) {
    // Unexpected: the message's first line, never a (minified) stack unless asked for.
    stderr(tt`pipewright: ${lines(describeError(error, env))}\n`);
    return EXIT.failed;
  }
}

async function dispatch(argv: string[], env: NodeJS.ProcessEnv, stderr: TerminalWriter): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? EXIT.ok : EXIT.usage;
  }
  if (command === 'catalog') {
    // Schema linking without a model: rank the tables a question needs from a catalog file.
    const { catalogRank, CATALOG_RANK_USAGE } = await import('./catalogRank');
    // Help wins over whatever else is on the line.
    if (wantsHelp(rest)) return printUsage(rest[0] === 'rank' ? CATALOG_RANK_USAGE : CATALOG_USAGE);
    if (rest[0] !== 'rank') return usageError(stderr, rest[0] ? `Unknown catalog subcommand "${rest[0]}".` : 'Give a subcommand: rank.', CATALOG_USAGE);
    return catalogRank(rest.slice(1), process.stdout, process.stderr);
  }
  if (command === 'sql') {
    const { sqlCheck, SQL_CHECK_USAGE } = await import('./sqlCheck');
    if (wantsHelp(rest)) return printUsage(rest[0] === 'check' ? SQL_CHECK_USAGE : SQL_USAGE);
    if (rest[0] !== 'check') return usageError(stderr, rest[0] ? `Unknown sql subcommand "${rest[0]}".` : 'Give a subcommand: check.', SQL_USAGE);
    return sqlCheck(rest.slice(1), process.stdin, process.stdout, process.stderr);
  }
  if (command === 'audit') {
    const { auditCommand, AUDIT_USAGE } = await import('./auditVerify');
    if (wantsHelp(rest)) return printUsage(AUDIT_USAGE);
    // `audit show` prints model and database text from the log: through the terminal boundary too.
    return auditCommand(rest, visibleStream(process.stdout), visibleStream(process.stderr), env);
  }
  if (command !== 'ask') return usageError(stderr, `Unknown command "${command}".`, USAGE);
  if (wantsHelp(rest)) return printUsage(ASK_USAGE);
  return ask(rest, env, stderr);
}

async function ask(args: string[], env: NodeJS.ProcessEnv, stderr: TerminalWriter): Promise<number> {
  const usage = (message: string) => usageError(stderr, message, ASK_USAGE);
  let parsed;
  try {
    parsed = parseArgs({
      args,
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
    return usage((error as Error).message);
  }
  const question = parsed.positionals.join(' ').trim();
  if (!question) return usage('Give a question, e.g. pipewright ask "top 5 customers by revenue".');
  const maxSteps = Number.parseInt(parsed.values['max-steps'] ?? '12', 10);
  if (!Number.isInteger(maxSteps) || maxSteps < 1 || maxSteps > 100) return usage('--max-steps must be a whole number from 1 to 100.');

  const approveMode = parsed.values.approve ?? (process.stdin.isTTY ? 'prompt' : 'never');
  if (approveMode !== 'never' && approveMode !== 'reads' && approveMode !== 'prompt') return usage('--approve must be never, reads or prompt.');
  const allowWrites = parsed.values['allow-writes'] === true;

  const environment = parsed.values.environment;
  if (environment !== 'dev' && environment !== 'staging' && environment !== 'prod') return usage('--environment must be dev, staging or prod.');

  const baseUrl = env.OPENAI_BASE_URL?.trim();
  const apiKey = env.OPENAI_API_KEY?.trim();
  const model = env.PIPEWRIGHT_MODEL?.trim();
  const missing = [!baseUrl && 'OPENAI_BASE_URL', !apiKey && 'OPENAI_API_KEY', !model && 'PIPEWRIGHT_MODEL'].filter(Boolean);
  if (missing.length) return usage(`No model configured: set ${missing.join(', ')}.`);

  let opened;
  try {
    opened = await openConnection(parsed.values.connection ?? 'sample', {
      storageDir: defaultStorageDir(env),
      env,
      environment,
      writable: allowWrites,
      // Drivers log stacks of minified code: the first line, unless PIPEWRIGHT_DEBUG=1.
      onLog: (level, message) => { if (level !== 'info') stderr(tt`pipewright: ${lines(firstLine(message, env))}\n`); },
    });
  } catch (error) {
    return configError(stderr, error, env);
  }
  // What protects the connection (TLS or why not), on stderr so --json output stays events only.
  if (opened.transport) process.stderr.write(`pipewright: connection: ${opened.transport}\n`);

  const auditPath = parsed.values.audit ?? env.PIPEWRIGHT_AUDIT_LOG ?? defaultAuditPath(defaultStorageDir(env), process.cwd());
  let audit: AuditLog;
  try {
    const key = env.PIPEWRIGHT_AUDIT_KEY ? auditKeyFromText(env.PIPEWRIGHT_AUDIT_KEY, 'PIPEWRIGHT_AUDIT_KEY') : undefined;
    audit = await AuditLog.open(auditPath, { redact, key, anchors: new FileAnchorStore(defaultAnchorDir(env)) });
  } catch (error) {
    await opened.connector.close();
    stderr(tt`pipewright: the audit log ${auditPath} could not be opened: ${(error as Error).message}\nSet another path with --audit FILE.\n`);
    return EXIT.usage;
  }

  // Schema linking's catalog reads are audited too, not only the run's own statements.
  const connector = auditedConnector(opened.connector, audit);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const render = parsed.values.json
    ? (event: unknown) => process.stdout.write(jsonLine(event))
    : createTextRenderer(terminalWriter(process.stdout, { color: Boolean(process.stdout.isTTY) && !env.NO_COLOR }));
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
    return result.status === 'completed' ? EXIT.ok : result.status === 'stopped' ? EXIT.stopped : EXIT.failed;
  } finally {
    process.off('SIGINT', onSigint);
    await stopLinkWorker();
    await opened.connector.close();
    await audit.close();
  }
}

/** --help or -h anywhere before "--" (after it, words are the question's). */
function wantsHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

function printUsage(usage: string): number {
  process.stdout.write(`${usage}\n`);
  return EXIT.ok;
}

function usageError(stderr: TerminalWriter, message: string, usage: string): number {
  stderr(tt`pipewright: ${lines(message)}\n\n${lines(usage)}\n`);
  return EXIT.usage;
}

/**
 * A connection that cannot open is a configuration problem, whatever the driver threw: one exit
 * code, the message and what to do, and no stack (drivers put minified code in theirs).
 */
function configError(stderr: TerminalWriter, error: unknown, env: NodeJS.ProcessEnv): number {
  const hint = error instanceof ConnectorError && error.hint ? tt`\n${lines(error.hint)}` : tt``;
  stderr(tt`pipewright: ${lines(describeError(error, env))}${hint}\n`);
  return EXIT.usage;
}

/** The first line of the message; the whole stack only with PIPEWRIGHT_DEBUG=1. */
function describeError(error: unknown, env: NodeJS.ProcessEnv): string {
  if (debugging(env) && error instanceof Error && error.stack) return error.stack;
  return firstLine(error instanceof Error ? error.message : String(error), env);
}

function firstLine(message: string, env: NodeJS.ProcessEnv): string {
  if (debugging(env)) return message;
  const rest = message.trim().split('\n');
  const first = rest.find((line) => line.trim() !== '')?.trim() ?? 'Unknown error.';
  return rest.length > 1 ? `${first} (PIPEWRIGHT_DEBUG=1 shows the rest)` : first;
}

function debugging(env: NodeJS.ProcessEnv): boolean {
  return env.PIPEWRIGHT_DEBUG === '1';
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
