// The Snowflake connector: sign-in and the URL form (url.ts, signIn.ts), the driver and its log
// (driver.ts, sdk.ts), statement kinds and the describe-only wall (statements.ts), values
// (values.ts), catalog reads (catalog.ts), Stop (stop.ts) and the connector that ties them (connector.ts).
export { SnowflakeConnector } from './connector';
export { loadSnowflake } from './driver';
export { quoteIdent } from './catalog';
export { leadingKind } from './statements';
export { snowflakeOptionsFromUrl } from './url';
export type { SnowflakeAuthentication, SnowflakeConnectionOptions, SnowflakeDriverLogLevel, SnowflakeExplainResult, SnowflakeQueryOptions } from './options';
