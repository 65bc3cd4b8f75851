// Every statement Pipewright sends goes through here first: a Connector that writes an `sql.sent`
// audit record (what for, the SQL or the catalog call, the connection) and waits for it to be on
// disk before it delegates. If the record cannot be written, the call fails and nothing is sent.
// Wrapping at this one interface covers tools, the policy gate's EXPLAIN, catalog sync and the
// editor's table list alike.
import type { Connector, QueryOptions } from '../connectors/connector';

export interface AuditAppender {
  append(type: string, data: Record<string, unknown>): Promise<unknown>;
}

export type SqlPurpose = 'query' | 'explain' | 'describe' | 'describeTable' | 'listTables' | 'listColumns' | 'streamColumns' | 'tableVersions' | 'execute' | 'estimate';

export const SQL_SENT = 'sql.sent';

// The unwrapped connector, so wrapping again (a run inside the editor's audited hub) replaces the
// outer wrapper instead of writing every line twice.
const INNER = Symbol('pipewright.auditedConnector.inner');

/** `inner`, auditing every call that reaches the database; `context` goes into every record (e.g. the run id). */
export function auditedConnector(inner: Connector, sink: AuditAppender, context: Record<string, unknown> = {}): Connector {
  const raw = (inner as { [INNER]?: Connector })[INNER] ?? inner;
  const sent = (purpose: SqlPurpose, detail: Record<string, unknown>) => sink.append(SQL_SENT, { ...context, purpose, connection: raw.id, dialect: raw.dialect, ...detail });
  const wrapped: Connector & { [INNER]: Connector } = {
    [INNER]: raw,
    get dialect() { return raw.dialect; },
    get id() { return raw.id; },
    async query(sql: string, options?: QueryOptions) {
      await sent('query', { sql });
      return raw.query(sql, options);
    },
    async explain(sql, options) {
      await sent('explain', { sql });
      return raw.explain(sql, options);
    },
    async describeStatement(sql) {
      await sent('describe', { sql });
      return raw.describeStatement(sql);
    },
    async listTables(options) {
      await sent('listTables', { call: { ...options } });
      return raw.listTables(options);
    },
    async describeTable(table) {
      await sent('describeTable', { call: { table } });
      return raw.describeTable(table);
    },
    close: () => raw.close(),
  };
  // Optional methods stay optional: callers test for them to choose a path.
  if (raw.listColumns) {
    wrapped.listColumns = async (options) => {
      await sent('listColumns', { call: catalogCall(options) });
      return raw.listColumns!(options);
    };
  }
  if (raw.streamColumns) {
    wrapped.streamColumns = (options) => ({
      async *[Symbol.asyncIterator]() {
        // Audited when iteration starts: that is when the inner stream sends its query.
        await sent('streamColumns', { call: catalogCall(options) });
        yield* raw.streamColumns!(options);
      },
    });
  }
  if (raw.tableVersions) {
    wrapped.tableVersions = async () => {
      await sent('tableVersions', { call: {} });
      return raw.tableVersions!();
    };
  }
  if (raw.execute) {
    wrapped.execute = async (sql, options) => {
      await sent('execute', { sql });
      return raw.execute!(sql, options);
    };
  }
  if (raw.estimateAffectedRows) {
    wrapped.estimateAffectedRows = async (sql, options) => {
      await sent('estimate', { sql });
      return raw.estimateAffectedRows!(sql, options);
    };
  }
  // Sends nothing: masking with the connection's own credentials must survive the wrapping.
  if (raw.redactSecrets) wrapped.redactSecrets = (text) => raw.redactSecrets!(text);
  return wrapped;
}

// Every member of Connector, and whether the wrapper audits it: a member added to the interface
// fails the typecheck here until someone decides (a dropped optional method fails silently).
const MEMBERS: Record<keyof Connector, 'audited' | 'forwarded'> = {
  dialect: 'forwarded', id: 'forwarded', close: 'forwarded', redactSecrets: 'forwarded',
  query: 'audited', explain: 'audited', describeStatement: 'audited', listTables: 'audited', describeTable: 'audited',
  listColumns: 'audited', streamColumns: 'audited', tableVersions: 'audited', execute: 'audited', estimateAffectedRows: 'audited',
};
void MEMBERS;

/** Catalog call options without the signal; a long table list is summarised, not copied. */
function catalogCall(options: { pageSize?: number; pageToken?: string; tables?: { schema: string; name: string }[] } | undefined): Record<string, unknown> {
  const { pageSize, pageToken, tables } = options ?? {};
  return {
    ...(pageSize !== undefined ? { pageSize } : {}),
    ...(pageToken !== undefined ? { pageToken } : {}),
    ...(tables ? { tables: tables.length > 20 ? { count: tables.length, first: tables.slice(0, 20).map((t) => `${t.schema}.${t.name}`) } : tables.map((t) => `${t.schema}.${t.name}`) } : {}),
  };
}
