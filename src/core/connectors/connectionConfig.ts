// A saved connection as it lives in settings: everything but the secret. The secret (a password)
// lives in SecretStorage or the environment and is bound to the exact URL it was given for.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { SSL_MODES } from './postgresTls';

export const ConnectionConfigSchema = z.discriminatedUnion('kind', [
  z.object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'Use lower-case letters, digits, - and _'),
    kind: z.literal('postgres'),
    label: z.string().min(1).max(100),
    /** postgres://user@host:port/db?sslmode=..&sslrootcert=.. — never with a password. */
    url: z.string().min(1).max(2000).refine((u) => !URL.canParse(u) || !new URL(u).password, 'Remove the password from the URL: it belongs in secret storage'),
    /** libpq's TLS settings, as an alternative to URL parameters (both may not disagree). Default sslmode: prefer. */
    sslmode: z.enum(SSL_MODES).optional(),
    /** A CA file, or "system" for the system trust store. */
    sslrootcert: z.string().min(1).max(4000).optional(),
    sslcert: z.string().min(1).max(4000).optional(),
    sslkey: z.string().min(1).max(4000).optional(),
    environment: z.enum(['dev', 'staging', 'prod']),
    readOnly: z.boolean().default(true),
  }),
  z.object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'Use lower-case letters, digits, - and _'),
    kind: z.literal('snowflake'),
    label: z.string().min(1).max(100),
    /** snowflake://user@account/DB/SCHEMA?warehouse=..&role=..&authenticator=password|keypair|oauth|externalbrowser */
    url: z.string().min(1).max(2000).refine((u) => !URL.canParse(u) || !new URL(u).password, 'Remove the password from the URL: it belongs in secret storage'),
    /** Key-pair sign-in: the PKCS#8 key file (its passphrase, if any, is the secret). */
    privateKeyPath: z.string().min(1).max(4000).optional(),
    environment: z.enum(['dev', 'staging', 'prod']),
    readOnly: z.boolean().default(true),
  }),
  z.object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'Use lower-case letters, digits, - and _'),
    kind: z.literal('duckdb'),
    label: z.string().min(1).max(100),
    path: z.string().min(1).max(4000),
    environment: z.enum(['dev', 'staging', 'prod']),
    readOnly: z.boolean().default(true),
  }),
]);
export type ConnectionConfig = z.infer<typeof ConnectionConfigSchema>;

/** Parses the settings array; a broken entry is reported, the rest still load. */
export function parseConnectionConfigs(raw: unknown): { configs: ConnectionConfig[]; problems: string[] } {
  const configs: ConnectionConfig[] = [];
  const problems: string[] = [];
  const seen = new Set<string>(['sample']);
  for (const [index, entry] of (Array.isArray(raw) ? raw : []).entries()) {
    const parsed = ConnectionConfigSchema.safeParse(entry);
    if (!parsed.success) {
      problems.push(`Connection #${index + 1} in "pipewright.connections" is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'entry'}: ${i.message}`).join('; ')}`);
      continue;
    }
    if (seen.has(parsed.data.id)) {
      problems.push(`Connection id "${parsed.data.id}" is used twice in "pipewright.connections"; the second is ignored.`);
      continue;
    }
    seen.add(parsed.data.id);
    configs.push(parsed.data);
  }
  return { configs, problems };
}

/** The SecretStorage key of a connection's password: bound to its id and its exact target. */
export function connectionSecretKey(config: ConnectionConfig): string {
  const target = config.kind === 'duckdb' ? config.path : config.kind === 'snowflake' ? `${config.url}\n${config.privateKeyPath ?? ''}` : postgresTarget(config);
  return `pipewright.connection:${config.id}:${createHash('sha256').update(target).digest('hex').slice(0, 16)}`;
}

/** The URL, and the saved TLS settings when there are any: weakening them must not keep the stored password. */
function postgresTarget(config: Extract<ConnectionConfig, { kind: 'postgres' }>): string {
  const tls = [config.sslmode, config.sslrootcert, config.sslcert, config.sslkey];
  return tls.some((v) => v !== undefined) ? `${config.url}\n${tls.map((v) => v ?? '').join('\n')}` : config.url;
}

/** What a Snowflake connection's secret is, by its URL's authenticator. */
export function snowflakeSecretKind(url: string): 'password' | 'passphrase' | 'token' | 'none' {
  const authenticator = (URL.canParse(url) ? new URL(url).searchParams.get('authenticator') ?? '' : '').toLowerCase();
  if (authenticator === 'keypair' || authenticator === 'snowflake_jwt') return 'passphrase';
  if (authenticator === 'oauth') return 'token';
  if (authenticator === 'externalbrowser') return 'none';
  return 'password';
}
