// Turns a connection name or URL into an open connector, with the caller's own credentials
// (from the URL, the environment or the platform's credential files; never a shared identity).
import { resolve } from 'node:path';
import type { ConnectionSummary } from '../observability/events';
import { redact } from '../observability/redact';
import { ensureSampleWarehouse } from '../sample/sampleWarehouse';
import { snowflakeSecretKind, type ConnectionConfig } from './connectionConfig';
import { ConnectorError, type Connector } from './connector';
import { defaultSslMode, type SslSettings } from './postgresTls';

export const SAMPLE_CONNECTION: ConnectionSummary = { id: 'sample', label: 'Sample warehouse', dialect: 'duckdb', environment: 'dev' };

export type Environment = ConnectionSummary['environment'];

export interface OpenedConnection {
  connector: Connector;
  summary: ConnectionSummary;
  /** What protects the connection (PostgreSQL: TLS version and what the certificate was checked against, or why there is no TLS). */
  transport?: string;
}

export interface OpenOptions {
  storageDir: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  environment?: Environment;
  /** Open for writing (approved changes may run; reads stay read-only). Default: read-only. */
  writable?: boolean;
  onLog?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/**
 * `sample`, `duckdb:<file>`, `postgres://user@host:port/db?sslmode=...` (password from the URL,
 * PGPASSWORD, or ~/.pgpass), or `snowflake://user@account/DB/SCHEMA?warehouse=..&role=..`
 * (credentials from SNOWFLAKE_PASSWORD, SNOWFLAKE_PRIVATE_KEY_PATH/_RAW and _PASSPHRASE,
 * SNOWFLAKE_TOKEN, or browser SSO). Drivers load only when their kind of connection is opened.
 */
export async function openConnection(spec: string, options: OpenOptions): Promise<OpenedConnection> {
  const environment = options.environment ?? 'dev';
  if (spec === 'sample') {
    const { DuckDBConnector } = await import('./duckdb');
    const path = await ensureSampleWarehouse(options.storageDir);
    return { connector: await DuckDBConnector.open({ id: 'sample', path }), summary: SAMPLE_CONNECTION };
  }
  if (spec.startsWith('duckdb:')) {
    const { DuckDBConnector } = await import('./duckdb');
    const path = resolve(options.cwd ?? process.cwd(), spec.slice('duckdb:'.length));
    const summary: ConnectionSummary = { id: spec, label: path, dialect: 'duckdb', environment, ...(options.writable ? { writable: true } : {}) };
    return { connector: await DuckDBConnector.open({ id: spec, path, writable: options.writable }), summary };
  }
  if (/^postgres(ql)?:\/\//i.test(spec)) {
    const { PostgresConnector, postgresOptionsFromUrl, sslFromParams } = await import('./postgres');
    const config = postgresOptionsFromUrl(spec, redact(spec));
    config.password ??= options.env?.PGPASSWORD || undefined;
    // As libpq: each sslmode/sslrootcert/sslcert/sslkey from the URL, else from PGSSLMODE, PGSSLROOTCERT, ...
    const params = new URL(spec).searchParams;
    config.ssl = sslFromParams({ get: (name) => params.get(name) ?? options.env?.[`PG${name.toUpperCase()}`] }, `the URL ${redact(spec)} or the PGSSL* variables`);
    config.onLog = options.onLog;
    config.writable = options.writable;
    const label = `${config.user}@${config.host}:${config.port ?? 5432}/${config.database}`;
    const connector = await PostgresConnector.open(config);
    return { connector, summary: { id: redact(spec), label, dialect: 'postgres', environment, ...(options.writable ? { writable: true } : {}) }, transport: connector.transport };
  }
  if (/^snowflake:\/\//i.test(spec)) {
    const { SnowflakeConnector, snowflakeOptionsFromUrl } = await import('./snowflake');
    const config = snowflakeOptionsFromUrl(spec, options.env ?? process.env);
    config.onLog = options.onLog;
    config.writable = options.writable;
    const where = config.database ? `/${config.database}${config.schema ? `.${config.schema}` : ''}` : '';
    return { connector: await SnowflakeConnector.open(config), summary: { id: config.id ?? redact(spec), label: `${config.username}@${config.account}${where}`, dialect: 'snowflake', environment, ...(options.writable ? { writable: true } : {}) } };
  }
  throw new ConnectorError(
    `Unknown connection "${redact(spec)}".`,
    'Use "sample", "duckdb:<path to file>", "postgres://user@host:port/database" or "snowflake://user@account/DATABASE/SCHEMA?warehouse=WH&role=ROLE".',
  );
}

/** Opens a saved connection with its secret (from SecretStorage or the environment). */
export async function openConfigured(config: ConnectionConfig, secret: string | undefined, options: OpenOptions): Promise<OpenedConnection> {
  const summary: ConnectionSummary = { id: config.id, label: config.label, dialect: config.kind, environment: config.environment, ...(config.readOnly ? {} : { writable: true }) };
  if (config.kind === 'duckdb') {
    const { DuckDBConnector } = await import('./duckdb');
    return { connector: await DuckDBConnector.open({ id: config.id, path: resolve(options.cwd ?? process.cwd(), config.path), writable: !config.readOnly }), summary };
  }
  if (config.kind === 'snowflake') {
    const { SnowflakeConnector, snowflakeOptionsFromUrl } = await import('./snowflake');
    // The secret goes where the URL's authenticator expects it; nothing else from the environment.
    const secretEnv: NodeJS.ProcessEnv = { SNOWFLAKE_AUTHENTICATOR: 'password' };
    const kind = snowflakeSecretKind(config.url);
    if ((kind === 'password' || kind === 'token') && !secret) throw new ConnectorError(`No ${kind} is stored for the connection "${config.label}".`, 'Run "Pipewright: Edit Connection" to enter it.');
    if (kind === 'passphrase' && !config.privateKeyPath) throw new ConnectorError(`The connection "${config.label}" signs in with a key pair but names no key file.`, 'Run "Pipewright: Edit Connection" to choose the private key file.');
    if (kind === 'password') secretEnv.SNOWFLAKE_PASSWORD = secret;
    if (kind === 'token') secretEnv.SNOWFLAKE_TOKEN = secret;
    if (kind === 'passphrase') Object.assign(secretEnv, { SNOWFLAKE_PRIVATE_KEY_PATH: config.privateKeyPath, SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: secret });
    const sfOptions = snowflakeOptionsFromUrl(config.url, secretEnv);
    sfOptions.id = config.id;
    sfOptions.onLog = options.onLog;
    sfOptions.writable = !config.readOnly;
    return { connector: await SnowflakeConnector.open(sfOptions), summary };
  }
  const { PostgresConnector, postgresOptionsFromUrl } = await import('./postgres');
  const pgOptions = postgresOptionsFromUrl(config.url, config.id);
  pgOptions.ssl = savedSsl(config, pgOptions.ssl);
  pgOptions.password = secret || pgOptions.password;
  pgOptions.onLog = options.onLog;
  pgOptions.applicationName = `pipewright (${config.label})`;
  pgOptions.writable = !config.readOnly;
  const connector = await PostgresConnector.open(pgOptions);
  return { connector, summary, transport: connector.transport };
}

/**
 * A saved connection's own TLS settings together with its URL's. Where both name the same setting
 * they must agree: a URL parameter never silently overrides (or weakens) what was saved.
 */
function savedSsl(config: Extract<ConnectionConfig, { kind: 'postgres' }>, fromUrl: SslSettings | undefined): SslSettings | undefined {
  const saved = { mode: config.sslmode, caFile: config.sslrootcert, certFile: config.sslcert, keyFile: config.sslkey };
  const url = { mode: fromUrl && new URL(config.url).searchParams.get('sslmode') ? fromUrl.mode : undefined, caFile: fromUrl?.caFile, certFile: fromUrl?.certFile, keyFile: fromUrl?.keyFile };
  const names = { mode: 'sslmode', caFile: 'sslrootcert', certFile: 'sslcert', keyFile: 'sslkey' } as const;
  for (const key of Object.keys(names) as (keyof typeof names)[]) {
    if (saved[key] !== undefined && url[key] !== undefined && saved[key] !== url[key]) {
      throw new ConnectorError(
        `The connection "${config.label}" sets ${names[key]} to "${saved[key]}", but its URL says "${url[key]}".`,
        `Keep ${names[key]} in one place: remove it from the URL or from the connection's settings.`,
      );
    }
  }
  const mode = saved.mode ?? url.mode;
  const merged = { caFile: saved.caFile ?? url.caFile, certFile: saved.certFile ?? url.certFile, keyFile: saved.keyFile ?? url.keyFile };
  if (!mode && !merged.caFile && !merged.certFile && !merged.keyFile) return undefined;
  return { mode: mode ?? defaultSslMode(merged.caFile), ...Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) };
}
