// Turns a connection name or URL into an open connector. The skeleton knows the embedded
// sample warehouse and DuckDB files; the PostgreSQL and Snowflake connectors plug in here.
import { resolve } from 'node:path';
import type { ConnectionSummary } from '../observability/events';
import { ensureSampleWarehouse } from '../sample/sampleWarehouse';
import { ConnectorError, type Connector } from './connector';
import { DuckDBConnector } from './duckdb';

export const SAMPLE_CONNECTION: ConnectionSummary = { id: 'sample', label: 'Sample warehouse', dialect: 'duckdb', environment: 'dev' };

export interface OpenedConnection {
  connector: Connector;
  summary: ConnectionSummary;
}

export async function openConnection(spec: string, options: { storageDir: string; cwd?: string }): Promise<OpenedConnection> {
  if (spec === 'sample') {
    const path = await ensureSampleWarehouse(options.storageDir);
    return { connector: await DuckDBConnector.open({ id: 'sample', path }), summary: SAMPLE_CONNECTION };
  }
  if (spec.startsWith('duckdb:')) {
    const path = resolve(options.cwd ?? process.cwd(), spec.slice('duckdb:'.length));
    const summary: ConnectionSummary = { id: spec, label: path, dialect: 'duckdb', environment: 'dev' };
    return { connector: await DuckDBConnector.open({ id: spec, path }), summary };
  }
  throw new ConnectorError(`Unknown connection "${spec}".`, 'Use "sample" or "duckdb:<path to file>".');
}
