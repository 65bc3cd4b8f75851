// Catalog reads: tables and views with keyset paging, one table's columns and keys, every column
// of the database streamed chunk by chunk, and per-table fingerprints for incremental syncs. All
// of it is our own SQL (names as binds or quoted identifiers) run through the connector's
// unwalled statement path.
import { createHash } from 'node:crypto';
import {
  ConnectorError,
  QueryCancelledError,
  type ColumnDetail,
  type ColumnInfo,
  type ColumnRecord,
  type JsonValue,
  type Page,
  type QueryStream,
  type Row,
  type TableDetail,
  type TableInfo,
  type TableRef,
} from '../connector';

/** Catalog pages are fetched with keyset paging; a page is never larger than this. */
const MAX_PAGE = 5000;
/** Tables named in one filtered COLUMNS statement (two binds or fewer each). */
const TABLES_PER_STATEMENT = 1000;

/** What the catalog needs from the connection: our own statements, and a log. */
export interface CatalogStatements {
  stream(sql: string, options?: { binds?: readonly (string | number | null)[]; signal?: AbortSignal }): Promise<QueryStream>;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  /** The database and schema the connection was opened with (used when the server reports none). */
  readonly defaults: { database?: string; schema?: string };
}

export class SnowflakeCatalog {
  private namespace: Promise<{ database: string | null; schema: string | null }> | undefined;

  constructor(private readonly statements: CatalogStatements) {}

  async listTables(options: { schema?: string; pageSize?: number; pageToken?: string } = {}): Promise<Page<TableInfo>> {
    const pageSize = Math.max(1, Math.min(options.pageSize ?? 500, MAX_PAGE));
    const database = await this.requireDatabase();
    const after = options.pageToken ? decodePageToken(options.pageToken) : undefined;
    // Keyset paging on (schema, name): each page costs the same on a 50,000-table account.
    const where = ["TABLE_SCHEMA <> 'INFORMATION_SCHEMA'"];
    const binds: string[] = [];
    if (options.schema !== undefined) {
      where.push('TABLE_SCHEMA = ?');
      binds.push(options.schema);
    }
    if (after) {
      where.push('(TABLE_SCHEMA > ? OR (TABLE_SCHEMA = ? AND TABLE_NAME > ?))');
      binds.push(after[0], after[0], after[1]);
    }
    const { rows } = await this.all(
      `SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, COMMENT, ROW_COUNT
         FROM ${quoteIdent(database)}.INFORMATION_SCHEMA.TABLES
        WHERE ${where.join(' AND ')}
        ORDER BY TABLE_SCHEMA, TABLE_NAME
        LIMIT ${pageSize + 1}`,
      binds,
    );
    const items = rows.slice(0, pageSize).map(tableInfo);
    if (rows.length <= pageSize) return { items };
    const last = items[items.length - 1];
    return { items, next: encodePageToken([last.schema, last.name]) };
  }

  async describeTable(ref: TableRef): Promise<TableDetail> {
    const namespace = await this.currentNamespace();
    const database = ref.database ?? namespace.database;
    if (!database) throw new ConnectorError('No database is selected for this Snowflake connection.', 'Give a database in the connection settings or in the table name.');
    const schema = ref.schema ?? namespace.schema ?? 'PUBLIC';
    // Unquoted names are stored upper-cased in Snowflake; accept both spellings, exact first.
    const schemas = unique([schema, schema.toUpperCase()]);
    const names = unique([ref.name, ref.name.toUpperCase()]);
    const { rows } = await this.inDatabase(database, (db) =>
      this.all(
        `SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, COMMENT, ROW_COUNT
           FROM ${quoteIdent(db)}.INFORMATION_SCHEMA.TABLES
          WHERE TABLE_SCHEMA IN (${schemas.map(() => '?').join(', ')}) AND TABLE_NAME IN (${names.map(() => '?').join(', ')})`,
        [...schemas, ...names],
      ),
    );
    const found = rows.map(tableInfo).sort((a, b) => matchRank(a, schema, ref.name) - matchRank(b, schema, ref.name))[0];
    if (!found) {
      throw new ConnectorError(`No table or view named ${database}.${schema}.${ref.name}, or no privilege to see it.`, 'Call list_tables to see the available tables.');
    }
    const columnRows = await this.all(
      `SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, IS_NULLABLE, COMMENT
         FROM ${quoteIdent(found.database)}.INFORMATION_SCHEMA.COLUMNS
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
        ORDER BY ORDINAL_POSITION`,
      [found.schema, found.name],
    );
    const columns: ColumnDetail[] = columnRows.rows.map(([name, type, length, precision, scale, nullable, comment]) => ({
      name: String(name),
      type: informationSchemaType(String(type), length, precision, scale),
      nullable: String(nullable).toUpperCase() === 'YES',
      comment: comment === null || comment === '' ? null : String(comment),
    }));
    const { primaryKey, foreignKeys } = found.kind === 'table' ? await this.keys(found) : { primaryKey: [], foreignKeys: [] };
    return { ...found, columns, primaryKey, foreignKeys };
  }

  /**
   * Columns of every table and view (or of `tables`) from INFORMATION_SCHEMA.COLUMNS: one statement
   * for the whole database (one per 1,000 named tables), read chunk by chunk as the driver
   * downloads them, so a million columns never sit in memory at once. Stop aborts the statement
   * or stops the downloads.
   */
  async *streamColumns(options: { tables?: readonly { schema: string; name: string }[]; signal?: AbortSignal } = {}): AsyncGenerator<ColumnRecord[]> {
    const { tables, signal } = options;
    if (signal?.aborted) throw new QueryCancelledError();
    const database = await this.requireDatabase();
    if (tables) {
      // Sorted like the result, so several statements still deliver (schema, table) order.
      const wanted = [...new Map(tables.map((t) => [JSON.stringify([t.schema, t.name]), t])).values()].sort(
        (a, b) => compareText(a.schema, b.schema) || compareText(a.name, b.name),
      );
      for (let i = 0; i < wanted.length; i += TABLES_PER_STATEMENT) {
        yield* this.columnsWhere(database, tablesFilter(wanted.slice(i, i + TABLES_PER_STATEMENT)), signal);
      }
      return;
    }
    let yielded = false;
    try {
      for await (const batch of this.columnsWhere(database, { where: [], binds: [] }, signal)) {
        yielded = true;
        yield batch;
      }
      return;
    } catch (error) {
      if (yielded || !(error instanceof ConnectorError) || !/\b090030\b/.test(error.message)) throw error;
    }
    // 090030 "Information schema query returned too much data" (very large databases): the server
    // wants a selective predicate, so one statement per schema, still not one per table.
    this.statements.log('info', `INFORMATION_SCHEMA.COLUMNS of ${database} is too large for one statement; reading it schema by schema.`);
    const schemas = await this.all(
      `SELECT SCHEMA_NAME FROM ${quoteIdent(database)}.INFORMATION_SCHEMA.SCHEMATA WHERE SCHEMA_NAME <> 'INFORMATION_SCHEMA' ORDER BY SCHEMA_NAME`,
      [],
      signal,
    );
    for (const [schema] of schemas.rows) yield* this.columnsWhere(database, { where: ['TABLE_SCHEMA = ?'], binds: [String(schema)] }, signal);
  }

  /**
   * 'SCHEMA.TABLE' (as listTables names them) -> a fingerprint of LAST_ALTERED, the table type and
   * the comment, from one INFORMATION_SCHEMA.TABLES statement. LAST_ALTERED is read as epoch
   * nanoseconds so the session's timestamp output format cannot round it away. It also moves on
   * DML (and background maintenance), so busy tables are re-read more often than their definition
   * changes: acceptable, as all changed tables share one filtered COLUMNS statement per 1,000.
   */
  async tableVersions(): Promise<Map<string, string>> {
    const database = await this.requireDatabase();
    const stream = await this.statements.stream(
      `SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, EXTRACT(EPOCH_NANOSECOND FROM LAST_ALTERED), COMMENT
         FROM ${quoteIdent(database)}.INFORMATION_SCHEMA.TABLES
        WHERE TABLE_SCHEMA <> 'INFORMATION_SCHEMA'`,
    );
    const versions = new Map<string, string>();
    for await (const batch of stream.batches()) {
      for (const [schema, name, type, altered, comment] of batch) {
        const commentHash = comment === null || comment === '' ? '' : createHash('sha256').update(String(comment)).digest('base64url').slice(0, 12);
        versions.set(`${schema}.${name}`, `${altered ?? ''}:${type}:${commentHash}`);
      }
    }
    return versions;
  }

  private async *columnsWhere(database: string, filter: { where: string[]; binds: string[] }, signal: AbortSignal | undefined): AsyncGenerator<ColumnRecord[]> {
    const stream = await this.statements.stream(
      `SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, IS_NULLABLE, COMMENT, ORDINAL_POSITION
         FROM ${quoteIdent(database)}.INFORMATION_SCHEMA.COLUMNS
        WHERE ${["TABLE_SCHEMA <> 'INFORMATION_SCHEMA'", ...filter.where].join(' AND ')}
        ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
      { binds: filter.binds, signal },
    );
    for await (const rows of stream.batches()) yield rows.map(columnRecord);
  }

  /** Keys live only in SHOW output (INFORMATION_SCHEMA has constraints but not their columns). */
  private async keys(table: TableInfo): Promise<Pick<TableDetail, 'primaryKey' | 'foreignKeys'>> {
    const name = [table.database, table.schema, table.name].map(quoteIdent).join('.');
    const primaryKey: string[] = [];
    const foreignKeys: TableDetail['foreignKeys'] = [];
    try {
      const pk = byName(await this.all(`SHOW PRIMARY KEYS IN TABLE ${name}`, []));
      pk.sort((a, b) => Number(a.key_sequence) - Number(b.key_sequence));
      primaryKey.push(...pk.map((r) => String(r.column_name)));
      const fk = byName(await this.all(`SHOW IMPORTED KEYS IN TABLE ${name}`, []));
      fk.sort((a, b) => String(a.fk_name).localeCompare(String(b.fk_name)) || Number(a.key_sequence) - Number(b.key_sequence));
      const groups = new Map<string, TableDetail['foreignKeys'][number]>();
      for (const r of fk) {
        const refTable =
          r.pk_database_name === table.database && r.pk_schema_name === table.schema
            ? String(r.pk_table_name)
            : [r.pk_database_name, r.pk_schema_name, r.pk_table_name].map(String).join('.');
        const key = String(r.fk_name ?? `${refTable}`);
        let group = groups.get(key);
        if (!group) groups.set(key, (group = { columns: [], references: { table: refTable, columns: [] } }));
        group.columns.push(String(r.fk_column_name));
        group.references.columns.push(String(r.pk_column_name));
      }
      foreignKeys.push(...groups.values());
    } catch (error) {
      if (error instanceof QueryCancelledError) throw error;
      // Keys are a bonus: columns without them are still worth returning.
      this.statements.log('warn', `Could not read the keys of ${table.schema}.${table.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { primaryKey, foreignKeys };
  }

  /** Runs one of our own catalog statements with binds and reads it whole. */
  private async all(sql: string, binds: readonly (string | number | null)[], signal?: AbortSignal): Promise<{ columns: ColumnInfo[]; rows: Row[] }> {
    const stream = await this.statements.stream(sql, { binds, signal });
    const rows: Row[] = [];
    for await (const batch of stream.batches()) rows.push(...batch);
    return { columns: [...stream.columns], rows };
  }

  /**
   * The session's database and schema as the server resolved them: `analytics` in the settings is
   * the ANALYTICS database (unquoted names are upper-cased), and only the server knows for sure.
   */
  private async currentNamespace(): Promise<{ database: string | null; schema: string | null }> {
    this.namespace ??= this.all('SELECT CURRENT_DATABASE(), CURRENT_SCHEMA()', []).then(
      ({ rows }) => ({
        database: rows[0]?.[0] == null ? (this.statements.defaults.database ?? null) : String(rows[0][0]),
        schema: rows[0]?.[1] == null ? (this.statements.defaults.schema ?? null) : String(rows[0][1]),
      }),
      (error: unknown) => {
        this.namespace = undefined; // a failed lookup (e.g. Stop) is not cached
        throw error;
      },
    );
    return this.namespace;
  }

  /** Runs `body` on the database name as given, then upper-cased if Snowflake says it does not exist. */
  private async inDatabase<T>(database: string, body: (database: string) => Promise<T>): Promise<T> {
    try {
      return await body(database);
    } catch (error) {
      const upper = database.toUpperCase();
      if (upper === database || !(error instanceof ConnectorError) || !/\b002003\b/.test(error.message)) throw error;
      return body(upper);
    }
  }

  private async requireDatabase(): Promise<string> {
    const { database } = await this.currentNamespace();
    if (!database) throw new ConnectorError('No database is selected for this Snowflake connection.', 'Give a database in the connection settings (snowflake://account/DATABASE/SCHEMA).');
    return database;
  }
}

function tableInfo(row: Row): TableInfo {
  const [database, schema, name, type, comment, rowCount] = row;
  return {
    database: String(database),
    schema: String(schema),
    name: String(name),
    kind: /VIEW/i.test(String(type)) ? 'view' : 'table',
    comment: comment === null || comment === '' ? null : String(comment),
    rowEstimate: rowCount === null || rowCount === undefined ? null : Number(rowCount),
  };
}

function matchRank(table: TableInfo, schema: string, name: string): number {
  return (table.schema === schema ? 0 : 2) + (table.name === name ? 0 : 1);
}

/** INFORMATION_SCHEMA.COLUMNS spells types its own way (TEXT, NUMBER without precision). */
function informationSchemaType(dataType: string, length: JsonValue, precision: JsonValue, scale: JsonValue): string {
  const type = dataType.toUpperCase();
  if (type === 'NUMBER' || type === 'DECIMAL' || type === 'NUMERIC') return `NUMBER(${precision ?? 38},${scale ?? 0})`;
  if (type === 'TEXT' || type === 'VARCHAR' || type === 'STRING') {
    return length === null || Number(length) >= 16_777_216 ? 'VARCHAR' : `VARCHAR(${length})`;
  }
  return type;
}

function columnRecord([schema, table, name, type, length, precision, scale, nullable, comment]: Row): ColumnRecord {
  return {
    schema: String(schema),
    table: String(table),
    name: String(name),
    type: informationSchemaType(String(type), length, precision, scale),
    nullable: String(nullable).toUpperCase() === 'YES',
    comment: comment === null || comment === '' ? null : String(comment),
  };
}

/** `(TABLE_SCHEMA = ? AND TABLE_NAME IN (?, ...)) OR ...`: names as binds, grouped by schema. */
function tablesFilter(tables: readonly { schema: string; name: string }[]): { where: string[]; binds: string[] } {
  const bySchema = new Map<string, string[]>();
  for (const t of tables) bySchema.set(t.schema, [...(bySchema.get(t.schema) ?? []), t.name]);
  const parts: string[] = [];
  const binds: string[] = [];
  for (const [schema, names] of bySchema) {
    parts.push(`(TABLE_SCHEMA = ? AND TABLE_NAME IN (${names.map(() => '?').join(', ')}))`);
    binds.push(schema, ...names);
  }
  return { where: [`(${parts.join(' OR ')})`], binds };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** SHOW output columns are lower-case names; read them by name, not by position. */
function byName(result: { columns: ColumnInfo[]; rows: Row[] }): Record<string, JsonValue>[] {
  const names = result.columns.map((c) => c.name.toLowerCase());
  return result.rows.map((row) => Object.fromEntries(names.map((name, i) => [name, row[i]])));
}

export function numberOrNull(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(n) ? n : null;
}

function encodePageToken(key: [string, string]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodePageToken(token: string): [string, string] {
  try {
    const key = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === 2 && key.every((k) => typeof k === 'string')) return key as [string, string];
  } catch {
    // fall through
  }
  throw new ConnectorError('The page token is not one this connector issued.', 'Start listing from the first page.');
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

