// Signing in: the driver's connection options for each way to sign in, the secrets to mask, and
// login failures turned into errors that say what to check.
import type * as SnowflakeSdk from 'snowflake-sdk';
import { redact } from '../../observability/redact';
import { ConnectorError } from '../connector';
import { redactDriverText } from './driver';
import { errorParts } from './errors';
import { queryTagOf, type SnowflakeAuthentication, type SnowflakeConnectionOptions } from './options';

export function secretsOf(auth: SnowflakeAuthentication): string[] {
  switch (auth.kind) {
    case 'password':
      return [auth.password];
    case 'oauth':
      return [auth.token];
    case 'keypair': {
      // The whole PEM and each of its base64 lines, so a fragment of the key is masked too.
      const lines = auth.privateKey.split(/\r?\n/).filter((line) => line.length >= 16 && !line.startsWith('-----'));
      return [auth.privateKey, ...lines, ...(auth.passphrase ? [auth.passphrase] : [])];
    }
    case 'externalbrowser':
      return [];
  }
}

export function connectionOptions(options: SnowflakeConnectionOptions): SnowflakeSdk.ConnectionOptions {
  const auth = options.authentication;
  const base: SnowflakeSdk.ConnectionOptions = {
    account: options.account,
    username: options.username,
    warehouse: options.warehouse,
    role: options.role,
    database: options.database,
    schema: options.schema,
    application: 'Pipewright',
    queryTag: queryTagOf(options),
    // No heartbeat timer keeping the host alive, no token caches written to disk.
    clientSessionKeepAlive: false,
    clientStoreTemporaryCredential: false,
    clientRequestMFAToken: false,
    sfRetryMaxLoginRetries: options.maxLoginRetries ?? 2,
    // The driver's default is 1000 retries with no overall limit; a minute of backoff is enough.
    sfRetryMaxNumRetries: 7,
    timeout: options.requestTimeoutMs ?? 90_000,
    representNullAsStringNull: false,
    // Integers then skip the driver's Number() conversion, which reports "precision loss"
    // telemetry for big values; we read every number as text anyway.
    jsTreatIntegerAsBigInt: true,
    rowMode: 'array',
  } as SnowflakeSdk.ConnectionOptions;
  if (options.accessUrl) base.accessUrl = options.accessUrl;
  if (options.host) base.host = options.host;
  switch (auth.kind) {
    case 'password':
      return { ...base, authenticator: 'SNOWFLAKE', password: auth.password };
    case 'keypair':
      return { ...base, authenticator: 'SNOWFLAKE_JWT', privateKey: auth.privateKey, privateKeyPass: auth.passphrase };
    case 'oauth':
      return { ...base, authenticator: 'OAUTH', token: auth.token };
    case 'externalbrowser':
      return {
        ...base,
        authenticator: 'EXTERNALBROWSER',
        openExternalBrowserCallback: auth.openBrowser,
        disableConsoleLogin: !auth.consoleLogin,
        browserActionTimeout: auth.timeoutMs ?? 120_000,
      };
  }
}

export function loginError(error: unknown, options: SnowflakeConnectionOptions, secrets: readonly string[]): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const { code, message } = errorParts(error);
  const clean = redact(redactDriverText(message), secrets);
  const who = `${options.username} on ${options.account}`;
  const auth = options.authentication.kind;
  if (code === '390100' || code === '390144' || code === '390303' || code === '390318' || /incorrect username|jwt token is invalid|invalid oauth/i.test(message)) {
    const hint =
      auth === 'keypair'
        ? 'Check that the public key registered for this user (RSA_PUBLIC_KEY) matches your private key.'
        : auth === 'oauth'
          ? 'Get a fresh OAuth access token for this user.'
          : 'Check the user name and password.';
    return new ConnectorError(`Snowflake refused the login of ${who}: ${clean}${code ? ` (code ${code})` : ''}`, hint);
  }
  if (auth === 'keypair' && /bad decrypt|passphrase|DECODER|private key|asn1|PEM/i.test(message)) {
    return new ConnectorError(`Could not read the private key for ${who}: ${clean}`, 'Check the key file and its passphrase (an encrypted PKCS#8 PEM needs the passphrase).');
  }
  if (auth === 'externalbrowser' && /browser|SAML|timed out/i.test(message)) {
    return new ConnectorError(`Browser sign-in for ${who} did not complete: ${clean}`, 'Finish signing in in the browser window, then try again.');
  }
  return new ConnectorError(`Could not connect to Snowflake as ${who}: ${clean}${code ? ` (code ${code})` : ''}`, 'Check the account identifier, the network and the credentials.');
}
