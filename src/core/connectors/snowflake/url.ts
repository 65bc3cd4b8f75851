// The snowflake:// URL form for the CLI and named connections, with credentials from the
// environment only.
import { readFileSync } from 'node:fs';
import { redact } from '../../observability/redact';
import { ConnectorError } from '../connector';
import type { SnowflakeAuthentication, SnowflakeConnectionOptions } from './options';

/**
 * `snowflake://[user@]account/DATABASE/SCHEMA?warehouse=WH&role=ROLE&authenticator=...`, with the
 * credentials from the environment (never from the URL): SNOWFLAKE_USER, SNOWFLAKE_PASSWORD,
 * SNOWFLAKE_PRIVATE_KEY_PATH or SNOWFLAKE_PRIVATE_KEY_RAW (+ SNOWFLAKE_PRIVATE_KEY_PASSPHRASE),
 * SNOWFLAKE_TOKEN; SNOWFLAKE_AUTHENTICATOR picks one when several are set. Browser sign-in only
 * when asked for (authenticator=externalbrowser); no credential at all is a ConnectorError naming them.
 */
export function snowflakeOptionsFromUrl(url: string, env: NodeJS.ProcessEnv = {}): SnowflakeConnectionOptions {
  const example = 'Example: snowflake://analyst@myorg-myaccount/ANALYTICS/PUBLIC?warehouse=WH&role=ANALYST';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConnectorError(`${redact(url)} is not a valid Snowflake URL.`, example);
  }
  if (parsed.protocol !== 'snowflake:') throw new ConnectorError(`${redact(url)} is not a snowflake:// URL.`, example);
  if (parsed.password) {
    throw new ConnectorError('A password in a snowflake:// URL is not accepted (it would end up in history and settings).', 'Put it in SNOWFLAKE_PASSWORD (CLI) or in the editor\'s secret storage.');
  }
  const account = decodeURIComponent(parsed.hostname);
  const [database, schema] = parsed.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const params = parsed.searchParams;
  const username = decodeURIComponent(parsed.username) || params.get('user') || env.SNOWFLAKE_USER || '';
  if (!account || !username) throw new ConnectorError(`The Snowflake URL ${redact(url)} needs an account and a user (in the URL or SNOWFLAKE_USER).`, example);
  const accessUrl = params.get('accessUrl') ?? undefined;
  if (accessUrl && !isTrustedEndpoint(accessUrl)) {
    throw new ConnectorError(`accessUrl ${accessUrl} is neither a Snowflake host nor this machine.`, 'Credentials are only sent to *.snowflakecomputing.com (or .cn) or to localhost.');
  }
  const chosen = (params.get('authenticator') ?? env.SNOWFLAKE_AUTHENTICATOR ?? '').toLowerCase();
  const authentication = authenticationFromEnv(chosen, env);
  const timeout = params.get('statementTimeoutSeconds');
  return {
    id: redact(url),
    account,
    username,
    authentication,
    database,
    schema,
    warehouse: params.get('warehouse') ?? undefined,
    role: params.get('role') ?? undefined,
    accessUrl,
    statementTimeoutSeconds: timeout ? Number(timeout) : undefined,
  };
}

const CREDENTIAL_HINT =
  'Set SNOWFLAKE_PASSWORD (password), SNOWFLAKE_PRIVATE_KEY_PATH or SNOWFLAKE_PRIVATE_KEY_RAW (key pair; plus SNOWFLAKE_PRIVATE_KEY_PASSPHRASE for an encrypted key) ' +
  'or SNOWFLAKE_TOKEN (OAuth), or add &authenticator=externalbrowser to the URL to sign in in the browser.';

function authenticationFromEnv(chosen: string, env: NodeJS.ProcessEnv): SnowflakeAuthentication {
  const keyPath = env.SNOWFLAKE_PRIVATE_KEY_PATH;
  const keyRaw = env.SNOWFLAKE_PRIVATE_KEY_RAW;
  const passphrase = env.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE || undefined;
  const keypair = (): SnowflakeAuthentication => {
    let privateKey = keyRaw;
    if (!privateKey && keyPath) {
      try {
        privateKey = readFileSync(keyPath, 'utf8');
      } catch (error) {
        throw new ConnectorError(`Could not read the private key file ${keyPath}: ${(error as Error).message}`, 'Check SNOWFLAKE_PRIVATE_KEY_PATH.');
      }
    }
    if (!privateKey) throw new ConnectorError('Key-pair sign-in needs SNOWFLAKE_PRIVATE_KEY_PATH or SNOWFLAKE_PRIVATE_KEY_RAW.', 'Set SNOWFLAKE_PRIVATE_KEY_PATH to the PEM file (and SNOWFLAKE_PRIVATE_KEY_PASSPHRASE if it is encrypted).');
    return { kind: 'keypair', privateKey, passphrase };
  };
  switch (chosen) {
    case 'snowflake':
    case 'password':
      if (!env.SNOWFLAKE_PASSWORD) throw new ConnectorError('Password sign-in needs SNOWFLAKE_PASSWORD.', 'Set SNOWFLAKE_PASSWORD in the environment (a password in the URL is not accepted).');
      return { kind: 'password', password: env.SNOWFLAKE_PASSWORD };
    case 'snowflake_jwt':
    case 'keypair':
      return keypair();
    case 'oauth':
      if (!env.SNOWFLAKE_TOKEN) throw new ConnectorError('OAuth sign-in needs SNOWFLAKE_TOKEN.', 'Set SNOWFLAKE_TOKEN to an OAuth access token for this user.');
      return { kind: 'oauth', token: env.SNOWFLAKE_TOKEN };
    case 'externalbrowser':
      return { kind: 'externalbrowser' };
    case '':
      if (keyPath || keyRaw) return keypair();
      if (env.SNOWFLAKE_TOKEN) return { kind: 'oauth', token: env.SNOWFLAKE_TOKEN };
      if (env.SNOWFLAKE_PASSWORD) return { kind: 'password', password: env.SNOWFLAKE_PASSWORD };
      // Said before the driver is loaded: a silent fall back to browser sign-in would leave a
      // terminal waiting on a browser window.
      throw new ConnectorError('No Snowflake credentials were found in the environment.', CREDENTIAL_HINT);
    default:
      throw new ConnectorError(`Unknown Snowflake authenticator "${chosen}".`, 'Use password, keypair, oauth or externalbrowser.');
  }
}

function isTrustedEndpoint(url: string): boolean {
  try {
    const u = new URL(url);
    if (['localhost', '127.0.0.1', '[::1]'].includes(u.hostname)) return u.protocol === 'http:' || u.protocol === 'https:';
    return u.protocol === 'https:' && /(^|\.)snowflakecomputing\.(com|cn)$/i.test(u.hostname);
  } catch {
    return false;
  }
}
