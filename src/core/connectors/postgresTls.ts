// TLS for PostgreSQL the way libpq does it: the six sslmodes, `prefer` by default, client
// certificates, and a plain statement of what the connection ended up using. node-postgres only
// knows "TLS or not"; the fallbacks of prefer/allow are decided in postgres.ts from the server's
// own answer, and never for require or stricter.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { ConnectorError } from './connector';

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface SslSettings {
  mode: SslMode;
  /** sslrootcert: a CA file, or "system" for the system trust store. Absent: the system trust store when verifying. */
  caFile?: string;
  /** sslcert / sslkey: a client certificate and its key, for servers that ask for one. */
  certFile?: string;
  keyFile?: string;
}

/** The sslmode libpq uses when none is given. */
export const DEFAULT_SSL_MODE: SslMode = 'prefer';

/** As libpq: with sslrootcert=system and no sslmode, verify-full. */
export function defaultSslMode(caFile: string | undefined): SslMode {
  return caFile === 'system' ? 'verify-full' : DEFAULT_SSL_MODE;
}

/** Combinations libpq refuses, refused the same way (a system trust store with no host check would trust any public certificate). */
export function checkSslSettings(ssl: SslSettings): void {
  if (ssl.caFile === 'system' && ssl.mode !== 'verify-full') {
    throw new ConnectorError(`sslrootcert=system needs sslmode=verify-full (it is sslmode=${ssl.mode}).`, 'Use sslmode=verify-full, or give the CA file of your server as sslrootcert.');
  }
}

/** Stricter modes protect against more; used to refuse a URL that weakens a saved setting. */
export function sslModeStrength(mode: SslMode): number {
  return SSL_MODES.indexOf(mode);
}

export function parseSslMode(value: string, where: string): SslMode {
  if ((SSL_MODES as readonly string[]).includes(value)) return value as SslMode;
  throw new ConnectorError(`Unknown sslmode "${value}" in ${where}.`, `Use one of ${SSL_MODES.join(', ')} (lower-case), as libpq does.`);
}

/** Whether the first attempt uses TLS (allow tries without first, as libpq does). */
export function triesTlsFirst(mode: SslMode): boolean {
  return mode !== 'disable' && mode !== 'allow';
}

/** Whether a refusal on the first attempt may be retried the other way (never for require or stricter). */
export function mayFallBack(mode: SslMode): boolean {
  return mode === 'prefer' || mode === 'allow';
}

/** require with a CA file verifies the chain, as libpq does for compatibility. */
function verifiesChain(ssl: SslSettings): boolean {
  return ssl.mode === 'verify-ca' || ssl.mode === 'verify-full' || (ssl.mode === 'require' && Boolean(ssl.caFile) && ssl.caFile !== 'system');
}

function usesSystemStore(ssl: SslSettings): boolean {
  return !ssl.caFile || ssl.caFile === 'system';
}

function readPem(path: string, what: string, setting: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConnectorError(`Cannot read the ${what} file ${path}: ${(error as Error).message}`, `Check the path given as ${setting}.`);
  }
}

/** The system's trusted roots where this Node can read them (22.15+), with Node's own bundle. */
function systemRoots(): { ca: string[]; name: string } {
  const get = (tls as unknown as { getCACertificates?: (kind: string) => string[] }).getCACertificates;
  if (get) return { ca: [...new Set([...get('bundled'), ...get('system'), ...get('extra')])], name: 'the system trust store' };
  return { ca: [...tls.rootCertificates], name: "the system trust store (Node's bundled roots)" };
}

/** The TLS options for node-postgres when this attempt uses TLS; `trust` says what the certificate was checked against. */
export function tlsOptions(ssl: SslSettings): { options: tls.ConnectionOptions; trust: string | undefined } {
  const client: tls.ConnectionOptions = {};
  if (ssl.certFile || ssl.keyFile) {
    if (!ssl.certFile || !ssl.keyFile) throw new ConnectorError('A client certificate needs both sslcert and sslkey.', 'Give both files, or neither.');
    client.cert = readPem(ssl.certFile, 'client certificate (sslcert)', 'sslcert');
    client.key = readPem(ssl.keyFile, 'client key (sslkey)', 'sslkey');
  }
  if (!verifiesChain(ssl)) return { options: { ...client, rejectUnauthorized: false }, trust: undefined };
  const roots = usesSystemStore(ssl) ? systemRoots() : { ca: [readPem(ssl.caFile as string, 'CA certificate (sslrootcert)', 'sslrootcert')], name: ssl.caFile as string };
  // verify-ca checks the chain only; verify-full (and sslrootcert=system, as in libpq) also the host name.
  const checkHost = ssl.mode === 'verify-full' || ssl.caFile === 'system';
  return {
    options: { ...client, ca: roots.ca, rejectUnauthorized: true, ...(checkHost ? {} : { checkServerIdentity: () => undefined }) },
    trust: `${checkHost ? 'certificate and host name' : 'certificate chain (host name not checked)'} verified against ${roots.name}`,
  };
}

/** One line for the CLI and Test Connection: what protects this connection. */
export function describeTransport(mode: SslMode, socket: unknown, trust: string | undefined, fellBack: boolean): string {
  const stream = socket as { encrypted?: boolean; getProtocol?: () => string | null } | undefined;
  if (stream?.encrypted) {
    const protocol = (stream.getProtocol?.() ?? 'TLS').replace(/^TLSv/, 'TLS ');
    return `${protocol}, ${trust ?? 'certificate not verified'} (sslmode=${mode})`;
  }
  if (mode === 'disable') return 'no TLS: sslmode=disable';
  if (fellBack && mode === 'prefer') return 'no TLS: the server does not offer it (sslmode=prefer)';
  return `no TLS: the server accepted an unencrypted connection (sslmode=${mode})`;
}

/** The server answered the TLS request with "no" (node-postgres's wording). */
export function isTlsRefused(error: unknown): boolean {
  return error instanceof Error && /does not support SSL/i.test(error.message);
}

/** The server turned down an unencrypted connection (pg_hba.conf has only hostssl for us). */
export function isPlaintextRefused(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e.code === '28000' && /no encryption|SSL off/i.test(e.message ?? '');
}
