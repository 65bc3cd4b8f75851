// Functions that act outside the query: they change server or session state, touch files, reach
// the network or run SQL text. A SELECT that calls one anywhere in its tree is not a read, so any
// call to one is a deny. Names are compared in lower case, without schema or quotes.
import type { SqlDialect } from './guardrail';

const SERVER = 'controls server processes, replication or configuration';
const STATE = 'changes session or database state';
const FILES = 'reads or writes files on the server';
const NETWORK = 'opens connections to other databases or the network';
const RUNS_SQL = 'runs SQL text that was not checked';
const SLEEP = 'holds a connection and its locks for as long as it sleeps';

interface FunctionList {
  exact: Record<string, string>;
  /** Families of functions that share a prefix (pg_advisory_lock, pg_advisory_xact_lock_shared, ...). */
  prefixes: [string, string][];
}

const LISTS: Record<SqlDialect, FunctionList> = {
  postgres: {
    exact: {
      pg_terminate_backend: SERVER,
      pg_cancel_backend: SERVER,
      pg_reload_conf: SERVER,
      pg_rotate_logfile: SERVER,
      pg_promote: SERVER,
      pg_switch_wal: SERVER,
      pg_log_backend_memory_contexts: SERVER,
      pg_import_system_collations: SERVER,
      pg_stat_statements_reset: SERVER,
      pg_extension_config_dump: STATE,
      set_config: STATE,
      setval: STATE,
      nextval: STATE,
      pg_notify: STATE,
      pg_read_file: FILES,
      pg_read_binary_file: FILES,
      pg_stat_file: FILES,
      pg_logdir_ls: FILES,
      loread: FILES,
      lowrite: FILES,
      query_to_xml: RUNS_SQL,
      query_to_xmlschema: RUNS_SQL,
      query_to_xml_and_xmlschema: RUNS_SQL,
      cursor_to_xml: RUNS_SQL,
      cursor_to_xmlschema: RUNS_SQL,
      ts_stat: RUNS_SQL,
      ts_rewrite: RUNS_SQL,
    },
    prefixes: [
      ['pg_advisory_', STATE],
      ['pg_try_advisory_', STATE],
      ['pg_sleep', SLEEP],
      ['pg_stat_reset', SERVER],
      ['pg_backup_', SERVER],
      ['pg_start_backup', SERVER],
      ['pg_stop_backup', SERVER],
      ['pg_wal_replay_', SERVER],
      ['pg_create_', SERVER],
      ['pg_drop_', SERVER],
      ['pg_copy_', SERVER],
      ['pg_replication_', SERVER],
      ['pg_logical_', SERVER],
      ['pg_sync_replication_', SERVER],
      ['binary_upgrade_', STATE],
      ['pg_ls_', FILES],
      ['pg_file_', FILES],
      ['lo_', FILES],
      ['dblink', NETWORK],
    ],
  },
  snowflake: {
    exact: {
      get_presigned_url: FILES,
      build_scoped_file_url: FILES,
      build_stage_file_url: FILES,
      get_stage_location: FILES,
      get_relative_path: FILES,
      get_absolute_path: FILES,
      infer_schema: FILES,
      nextval: STATE,
    },
    // SYSTEM$CANCEL_ALL_QUERIES, SYSTEM$ABORT_SESSION, SYSTEM$WAIT, ...: account-level actions.
    prefixes: [['system$', 'is a SYSTEM$ function, which acts on the account']],
  },
  duckdb: {
    exact: {
      glob: FILES,
      sniff_csv: FILES,
      parquet_scan: FILES,
      csv_scan: FILES,
      json_scan: FILES,
      query: RUNS_SQL,
      query_table: RUNS_SQL,
      nextval: STATE,
      setseed: STATE,
      checkpoint: STATE,
      force_checkpoint: STATE,
      duckdb_secrets: 'lists stored secrets',
      which_secret: 'looks up stored secrets',
      load_aws_credentials: 'loads cloud credentials',
      getenv: 'reads environment variables',
      sleep_ms: SLEEP,
    },
    prefixes: [
      // read_csv, read_csv_auto, read_parquet, read_json*, read_ndjson*, read_text, read_blob, read_xlsx, ...
      ['read_', FILES],
      ['parquet_', FILES],
      ['iceberg_', FILES],
      ['delta_', FILES],
      ['st_read', FILES],
      ['from_substrait', RUNS_SQL],
      ['sqlite_', NETWORK],
      ['postgres_', NETWORK],
      ['mysql_', NETWORK],
      ['http_', NETWORK],
    ],
  },
};

/** Why calling `name` (already unquoted, any case, schema-qualified or not) is refused, or undefined. */
export function functionRisk(dialect: SqlDialect, name: string): string | undefined {
  const bare = name.toLowerCase();
  const list = LISTS[dialect];
  const why = Object.hasOwn(list.exact, bare) ? list.exact[bare] : list.prefixes.find(([prefix]) => bare.startsWith(prefix))?.[1];
  return why && `${bare}() ${why}`;
}

// DuckDB reads a file or URL when a table name is a quoted path ('data.csv', "s3://b/x.parquet"),
// and a table function given one may read it whatever it is called.
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const PATH_START = /^(\/|~|\.{1,2}[/\\]|[a-z]:[/\\]|\\\\)/i;
const DATA_FILE = /\.(csv|tsv|txt|parquet|json|jsonl|ndjson|arrow|feather|avro|orc|xlsx?|db|duckdb|sqlite3?|shp|gpkg|geojson|gz|zst|zstd|bz2|xz|zip|tar)$/i;

/** Whether a DuckDB table name or table-function argument looks like a file path, glob or URL. */
export function looksLikePath(text: string): boolean {
  return URL_SCHEME.test(text) || PATH_START.test(text) || DATA_FILE.test(text) || (/[*?]/.test(text) && /[/\\]/.test(text));
}
