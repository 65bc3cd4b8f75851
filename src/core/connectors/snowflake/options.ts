// What a Snowflake connection is opened with, and what its reads accept and return.
import type { ExplainResult, QueryOptions } from '../connector';

export type SnowflakeAuthentication =
  | { kind: 'password'; password: string }
  /** PEM private key; an encrypted PKCS#8 key needs its passphrase. */
  | { kind: 'keypair'; privateKey: string; passphrase?: string }
  | { kind: 'oauth'; token: string }
  | {
      kind: 'externalbrowser';
      /** Opens the SSO page; defaults to the system browser. The editor passes its own opener. */
      openBrowser?: (url: string) => void;
      /**
       * true: the driver builds a Snowsight console login URL itself (`/console/login` with a proof
       * key). false (the driver's default): it first asks the server for the identity provider's URL
       * (`/session/authenticator-request`, always over https on port 443).
       */
      consoleLogin?: boolean;
      timeoutMs?: number;
    };

export type SnowflakeDriverLogLevel = 'OFF' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE';

export type LogSink = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface SnowflakeConnectionOptions {
  id?: string;
  /** Account identifier, e.g. `myorg-myaccount` or `xy12345.eu-west-1`. */
  account: string;
  username: string;
  authentication: SnowflakeAuthentication;
  warehouse?: string;
  role?: string;
  database?: string;
  schema?: string;
  /** Full endpoint instead of `https://<account>.snowflakecomputing.com`, e.g. a private link or a local emulator. */
  accessUrl?: string;
  host?: string;
  /** Shown in the user's query history; default `pipewright` (plus `/<runId>`). */
  queryTag?: string;
  runId?: string;
  /** Server-side ceiling for every statement that has no timeoutMs of its own (default 300). */
  statementTimeoutSeconds?: number;
  /** Where the driver's own log goes (redacted). Without it the driver's log is dropped, never written to a file. */
  onLog?: LogSink;
  /** Allow `execute` of approved writes (the user opened the connection for writing). */
  writable?: boolean;
  /** How much the driver logs (process-wide: the driver has one logger). Default WARN. */
  driverLogLevel?: SnowflakeDriverLogLevel;
  /** Login attempts after a network failure (default 2). */
  maxLoginRetries?: number;
  /** Per HTTP request, in ms (default 90 s; query polling answers well within it). */
  requestTimeoutMs?: number;
}

export interface SnowflakeQueryOptions extends QueryOptions {
  /** Values for `?` placeholders, sent as Snowflake binds (never spliced into the text). */
  binds?: readonly (string | number | boolean | null)[];
}

export interface SnowflakeExplainResult extends ExplainResult {
  /** Micro-partitions of the tables the plan reads, before and after compile-time pruning. */
  partitionsTotal: number | null;
  partitionsAssigned: number | null;
  bytesAssigned: number | null;
}

export function queryTagOf(options: SnowflakeConnectionOptions): string {
  return options.queryTag ?? (options.runId ? `pipewright/${options.runId}` : 'pipewright');
}
