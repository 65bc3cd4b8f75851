// Loading the driver (its cloud probes and telemetry off before it is first required) and its one
// process-wide logger, routed to the open connectors' sinks with every secret masked.
import type * as SnowflakeSdk from 'snowflake-sdk';
import { redact } from '../../observability/redact';
import type { LogSink, SnowflakeDriverLogLevel } from './options';

type Sdk = typeof SnowflakeSdk;
type DriverModule = typeof import('./sdk');

let driverPromise: Promise<DriverModule> | undefined;

/** The driver module (sdk plus the statement-type reader), loaded once. */
export function loadDriver(): Promise<DriverModule> {
  driverPromise ??= (async () => {
    // Read once at module load by the driver: set before the first require.
    process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION = 'true'; // no probes of cloud metadata addresses
    process.env.SF_TELEMETRY_DISABLE_CONNECTION_SHAPE = '1'; // no connection-shape telemetry event
    process.env.SNOWFLAKE_DISABLE_MINICORE = '1'; // no native helper, so no 'minicore_error' telemetry either
    const mod = await import('./sdk');
    // From here on every driver log line goes through routeDriverLog; never to snowflake.log.
    mod.sdk.configure({ logLevel: 'WARN', customLogger: DRIVER_LOGGER });
    return mod;
  })();
  return driverPromise;
}

/** Loaded on first use, with its cloud probes and telemetry switched off before it is first required. */
export async function loadSnowflake(): Promise<Sdk> {
  return (await loadDriver()).sdk;
}

/** Puts our logger back (a user's sf_client_config.json "easy logging" reconfigures it during connect). */
export function configureDriverLog(sdk: Sdk, level: SnowflakeDriverLogLevel | undefined): void {
  sdk.configure({ logLevel: level ?? 'WARN', customLogger: DRIVER_LOGGER });
}

// The driver has one process-wide logger: lines go to every open connector's sink, with every open
// connector's secrets removed first.
export interface LogListener {
  sink: LogSink;
  secrets: readonly string[];
}
const logListeners = new Set<LogListener>();
const secretHolders = new Set<LogListener>();

/** Secrets are registered before the driver sees them, so even its first log lines are clean. */
export function addLogListener(listener: LogListener, hasSink: boolean): void {
  secretHolders.add(listener);
  if (hasSink) logListeners.add(listener);
}

export function removeLogListener(listener: LogListener): void {
  logListeners.delete(listener);
  secretHolders.delete(listener);
}

function routeDriverLog(level: 'error' | 'warn' | 'info' | 'debug' | 'trace', message: string): void {
  if (logListeners.size === 0) return;
  let text = redactDriverText(String(message));
  for (const entry of secretHolders) text = redact(text, entry.secrets);
  const mapped = level === 'error' ? 'error' : level === 'warn' ? 'warn' : 'info';
  for (const entry of logListeners) {
    try {
      entry.sink(mapped, `snowflake-sdk: ${text}`);
    } catch {
      // A failing log sink must never break a query.
    }
  }
}

const DRIVER_LOGGER: SnowflakeSdk.SnowflakeLogger = {
  error: (m) => routeDriverLog('error', m),
  warn: (m) => routeDriverLog('warn', m),
  info: (m) => routeDriverLog('info', m),
  debug: (m) => routeDriverLog('debug', m),
  trace: (m) => routeDriverLog('trace', m),
};

/** Masks credential-shaped text the driver may print (session tokens, JSON credential fields). */
export function redactDriverText(text: string): string {
  return text
    .replace(/(Snowflake Token=")[^"]*/g, '$1***')
    .replace(/("(?:PASSWORD|TOKEN|PASSCODE|PRIVATE_KEY|PROOF_KEY|masterToken|sessionToken|token|idToken|mfaToken|oldSessionToken)"\s*:\s*")[^"]*/gi, '$1***')
    .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, '[private key]');
}
