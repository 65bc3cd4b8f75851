// The functions the guardrail refuses anywhere in a statement, per dialect: they run SQL given as
// text (which was never checked), dump whole databases or schemas, change state even inside a
// read-only transaction, touch files or the network, control the server or the session, or sleep.
// Pure data: test/unit/deniedFunctions.test.ts checks every entry's example is denied and, where a
// real engine is at hand, that the function really exists there (so a typo fails a test).

export type DeniedCategory =
  | 'runs-sql-text'
  | 'dumps-database'
  | 'writes-despite-read-only'
  | 'files'
  | 'network'
  | 'server-control'
  | 'session-state'
  | 'secrets'
  | 'sleeps';

export interface DeniedFunction {
  /** Lower case, without schema or quotes. With `family`, a prefix every member starts with. */
  name: string;
  category: DeniedCategory;
  /** Completes "name() ...": what it does, for the user. */
  reason: string;
  /** A statement that calls it; the guardrail must deny it. */
  example: string;
  /** A prefix family: real member names (the test checks they exist and start with `name`). */
  family?: string[];
  /** Provided by an extension: PostgreSQL's are created in the test when the server ships them;
   * DuckDB's are never loaded here (extensions are locked out), so those are checked by name only. */
  extension?: string;
}

const RUNS_SQL = 'runs SQL given as text, which Pipewright never checked';
const DUMPS = 'dumps whole tables, schemas or databases in one call';

export const POSTGRES_DENIED: DeniedFunction[] = [
  // SQL given as text
  { name: 'query_to_xml', family: ['query_to_xml', 'query_to_xmlschema', 'query_to_xml_and_xmlschema'], category: 'runs-sql-text', reason: RUNS_SQL, example: "SELECT query_to_xml('DELETE FROM t RETURNING *', true, false, '')" },
  { name: 'cursor_to_xml', family: ['cursor_to_xml', 'cursor_to_xmlschema'], category: 'runs-sql-text', reason: 'fetches from a cursor opened outside the checked statement', example: "SELECT cursor_to_xml('c', 10, true, false, '')" },
  { name: 'ts_stat', category: 'runs-sql-text', reason: RUNS_SQL, example: "SELECT * FROM ts_stat('SELECT to_tsvector(body) FROM docs')" },
  { name: 'ts_rewrite', category: 'runs-sql-text', reason: 'runs the SQL text given as its second argument', example: "SELECT ts_rewrite('a & b'::tsquery, 'SELECT t, s FROM aliases')" },
  { name: 'crosstab', family: ['crosstab', 'crosstab2', 'crosstab3', 'crosstab4'], extension: 'tablefunc', category: 'runs-sql-text', reason: RUNS_SQL, example: "SELECT * FROM crosstab('SELECT r, c, v FROM t') AS ct(r text, a int, b int)" },
  { name: 'connectby', extension: 'tablefunc', category: 'runs-sql-text', reason: 'builds and runs SQL from the table and column names it is given', example: "SELECT * FROM connectby('tree', 'id', 'parent', '1', 0) AS t(id text, parent text, level int)" },
  { name: 'dblink', family: ['dblink', 'dblink_exec', 'dblink_connect', 'dblink_connect_u', 'dblink_open', 'dblink_send_query', 'dblink_get_result'], extension: 'dblink', category: 'network', reason: 'opens connections to other databases and runs SQL text there', example: "SELECT * FROM dblink('dbname=postgres', 'DELETE FROM t') AS r(x int)" },
  // whole-database dumps
  { name: 'table_to_xml', family: ['table_to_xml', 'table_to_xmlschema', 'table_to_xml_and_xmlschema'], category: 'dumps-database', reason: DUMPS, example: "SELECT table_to_xml('users', true, false, '')" },
  { name: 'schema_to_xml', family: ['schema_to_xml', 'schema_to_xmlschema', 'schema_to_xml_and_xmlschema'], category: 'dumps-database', reason: DUMPS, example: "SELECT schema_to_xml('public', true, false, '')" },
  { name: 'database_to_xml', family: ['database_to_xml', 'database_to_xmlschema', 'database_to_xml_and_xmlschema'], category: 'dumps-database', reason: DUMPS, example: "SELECT database_to_xml(true, false, '')" },
  // writes that a read-only transaction does not stop
  { name: 'brin_summarize_new_values', category: 'writes-despite-read-only', reason: 'writes index pages, even in a read-only transaction', example: "SELECT brin_summarize_new_values('orders_brin')" },
  { name: 'brin_summarize_range', category: 'writes-despite-read-only', reason: 'writes index pages, even in a read-only transaction', example: "SELECT brin_summarize_range('orders_brin', 0)" },
  { name: 'brin_desummarize_range', category: 'writes-despite-read-only', reason: 'writes index pages, even in a read-only transaction', example: "SELECT brin_desummarize_range('orders_brin', 0)" },
  { name: 'gin_clean_pending_list', category: 'writes-despite-read-only', reason: 'writes index pages, even in a read-only transaction', example: "SELECT gin_clean_pending_list('docs_gin')" },
  { name: 'pg_stat_reset', family: ['pg_stat_reset', 'pg_stat_reset_shared', 'pg_stat_reset_single_table_counters', 'pg_stat_reset_single_function_counters', 'pg_stat_reset_slru', 'pg_stat_reset_replication_slot', 'pg_stat_reset_subscription_stats'], category: 'writes-despite-read-only', reason: 'erases the server statistics', example: 'SELECT pg_stat_reset()' },
  { name: 'pg_stat_statements_reset', extension: 'pg_stat_statements', category: 'writes-despite-read-only', reason: 'erases the query statistics', example: 'SELECT pg_stat_statements_reset()' },
  { name: 'pg_advisory_', family: ['pg_advisory_lock', 'pg_advisory_lock_shared', 'pg_advisory_xact_lock', 'pg_advisory_unlock', 'pg_advisory_unlock_all'], category: 'writes-despite-read-only', reason: 'takes or releases locks that block other sessions', example: 'SELECT pg_advisory_lock(1)' },
  { name: 'pg_try_advisory_', family: ['pg_try_advisory_lock', 'pg_try_advisory_xact_lock', 'pg_try_advisory_lock_shared'], category: 'writes-despite-read-only', reason: 'takes locks that block other sessions', example: 'SELECT pg_try_advisory_lock(1)' },
  { name: 'pg_notify', category: 'writes-despite-read-only', reason: 'signals other sessions', example: "SELECT pg_notify('jobs', 'run')" },
  { name: 'nextval', category: 'writes-despite-read-only', reason: 'advances a sequence, which no rollback undoes', example: "SELECT nextval('orders_id_seq')" },
  { name: 'setval', category: 'writes-despite-read-only', reason: 'resets a sequence, which no rollback undoes', example: "SELECT setval('orders_id_seq', 1)" },
  { name: 'pg_logical_emit_message', category: 'writes-despite-read-only', reason: 'writes to the write-ahead log', example: "SELECT pg_logical_emit_message(true, 'p', 'x')" },
  { name: 'pg_logical_slot_', family: ['pg_logical_slot_get_changes', 'pg_logical_slot_get_binary_changes', 'pg_logical_slot_peek_changes'], category: 'server-control', reason: 'consumes or reads a replication slot', example: "SELECT * FROM pg_logical_slot_get_changes('s', NULL, NULL)" },
  { name: 'pg_create_', family: ['pg_create_physical_replication_slot', 'pg_create_logical_replication_slot', 'pg_create_restore_point'], category: 'server-control', reason: 'creates replication slots or restore points', example: "SELECT pg_create_physical_replication_slot('s')" },
  { name: 'pg_drop_replication_slot', category: 'server-control', reason: 'drops a replication slot', example: "SELECT pg_drop_replication_slot('s')" },
  { name: 'pg_copy_', family: ['pg_copy_physical_replication_slot', 'pg_copy_logical_replication_slot'], category: 'server-control', reason: 'creates replication slots', example: "SELECT pg_copy_physical_replication_slot('a', 'b')" },
  { name: 'pg_replication_', family: ['pg_replication_slot_advance', 'pg_replication_origin_create', 'pg_replication_origin_drop', 'pg_replication_origin_session_setup', 'pg_replication_origin_advance'], category: 'server-control', reason: 'changes replication state', example: "SELECT pg_replication_origin_create('o')" },
  { name: 'pg_sync_replication_slots', category: 'server-control', reason: 'changes replication state', example: 'SELECT pg_sync_replication_slots()' },
  { name: 'lo_', family: ['lo_import', 'lo_export', 'lo_create', 'lo_unlink', 'lo_from_bytea', 'lo_put', 'lo_get', 'lo_open', 'lo_truncate'], category: 'files', reason: 'reads or writes large objects and server files', example: "SELECT lo_import('/etc/passwd')" },
  { name: 'loread', category: 'files', reason: 'reads large objects', example: 'SELECT loread(0, 10)' },
  { name: 'lowrite', category: 'writes-despite-read-only', reason: 'writes large objects', example: "SELECT lowrite(0, '\\x00')" },
  // session and server control
  { name: 'set_config', category: 'session-state', reason: 'changes session settings (it can switch off read-only mode)', example: "SELECT set_config('default_transaction_read_only', 'off', false)" },
  { name: 'pg_terminate_backend', category: 'server-control', reason: 'stops other sessions', example: 'SELECT pg_terminate_backend(1)' },
  { name: 'pg_cancel_backend', category: 'server-control', reason: 'cancels queries of other sessions', example: 'SELECT pg_cancel_backend(1)' },
  { name: 'pg_reload_conf', category: 'server-control', reason: 'reloads the server configuration', example: 'SELECT pg_reload_conf()' },
  { name: 'pg_rotate_logfile', category: 'server-control', reason: 'rotates the server log', example: 'SELECT pg_rotate_logfile()' },
  { name: 'pg_promote', category: 'server-control', reason: 'promotes a standby server', example: 'SELECT pg_promote()' },
  { name: 'pg_switch_wal', category: 'server-control', reason: 'forces a write-ahead log switch', example: 'SELECT pg_switch_wal()' },
  { name: 'pg_backup_', family: ['pg_backup_start', 'pg_backup_stop'], category: 'server-control', reason: 'starts or stops a server backup', example: "SELECT pg_backup_start('x')" },
  { name: 'pg_wal_replay_', family: ['pg_wal_replay_pause', 'pg_wal_replay_resume'], category: 'server-control', reason: 'pauses or resumes recovery', example: 'SELECT pg_wal_replay_pause()' },
  { name: 'pg_log_backend_memory_contexts', category: 'server-control', reason: 'makes another session write to the server log', example: 'SELECT pg_log_backend_memory_contexts(1)' },
  { name: 'pg_log_standby_snapshot', category: 'writes-despite-read-only', reason: 'writes to the write-ahead log', example: 'SELECT pg_log_standby_snapshot()' },
  { name: 'pg_import_system_collations', category: 'writes-despite-read-only', reason: 'adds collations to the catalog', example: "SELECT pg_import_system_collations('pg_catalog')" },
  { name: 'pg_extension_config_dump', category: 'session-state', reason: 'changes what pg_dump saves of an extension', example: "SELECT pg_extension_config_dump('t', '')" },
  { name: 'pg_prewarm', extension: 'pg_prewarm', category: 'server-control', reason: 'loads whole relations into the shared buffers of the server', example: "SELECT pg_prewarm('orders')" },
  { name: 'binary_upgrade_', family: ['binary_upgrade_set_next_pg_type_oid', 'binary_upgrade_set_record_init_privs'], category: 'session-state', reason: 'is meant only for pg_upgrade and changes catalog state', example: 'SELECT binary_upgrade_set_record_init_privs(true)' },
  // server files
  { name: 'pg_read_file', category: 'files', reason: 'reads files on the server', example: "SELECT pg_read_file('/etc/passwd')" },
  { name: 'pg_read_binary_file', category: 'files', reason: 'reads files on the server', example: "SELECT pg_read_binary_file('/etc/passwd')" },
  { name: 'pg_stat_file', category: 'files', reason: 'inspects files on the server', example: "SELECT pg_stat_file('postgresql.conf')" },
  { name: 'pg_ls_', family: ['pg_ls_dir', 'pg_ls_logdir', 'pg_ls_waldir', 'pg_ls_tmpdir', 'pg_ls_archive_statusdir', 'pg_ls_logicalsnapdir', 'pg_ls_logicalmapdir', 'pg_ls_replslotdir'], category: 'files', reason: 'lists directories on the server', example: "SELECT pg_ls_dir('.')" },
  { name: 'pg_file_', family: ['pg_file_write', 'pg_file_rename', 'pg_file_unlink'], extension: 'adminpack', category: 'files', reason: 'writes files on the server', example: "SELECT pg_file_write('x', 'y', false)" },
  { name: 'pg_logdir_ls', extension: 'adminpack', category: 'files', reason: 'lists the server log directory', example: 'SELECT * FROM pg_logdir_ls()' },
  // sleeping holds a connection and its locks
  { name: 'pg_sleep', family: ['pg_sleep', 'pg_sleep_for', 'pg_sleep_until'], category: 'sleeps', reason: 'holds a connection and its locks for as long as it sleeps', example: 'SELECT pg_sleep(600)' },
];

export const DUCKDB_DENIED: DeniedFunction[] = [
  { name: 'query', category: 'runs-sql-text', reason: RUNS_SQL, example: "SELECT * FROM query('SELECT 1')" },
  { name: 'query_table', category: 'runs-sql-text', reason: 'reads tables named at run time, which Pipewright never checked', example: "SELECT * FROM query_table('orders')" },
  { name: 'json_execute_serialized_sql', category: 'runs-sql-text', reason: 'runs a serialized statement, which Pipewright never checked', example: "SELECT * FROM json_execute_serialized_sql('{}')" },
  { name: 'checkpoint', category: 'writes-despite-read-only', reason: 'writes the database file', example: 'SELECT * FROM checkpoint()' },
  { name: 'force_checkpoint', category: 'writes-despite-read-only', reason: 'writes the database file', example: 'SELECT * FROM force_checkpoint()' },
  { name: 'nextval', category: 'writes-despite-read-only', reason: 'advances a sequence', example: "SELECT nextval('orders_id_seq')" },
  { name: 'setseed', category: 'session-state', reason: 'changes the session random seed', example: 'SELECT setseed(0.5)' },
  { name: 'enable_logging', category: 'session-state', reason: 'changes logging settings', example: 'SELECT * FROM enable_logging()' },
  { name: 'disable_logging', category: 'session-state', reason: 'changes logging settings', example: 'SELECT * FROM disable_logging()' },
  { name: 'truncate_duckdb_logs', category: 'writes-despite-read-only', reason: 'erases the logs', example: 'SELECT * FROM truncate_duckdb_logs()' },
  { name: 'write_log', category: 'writes-despite-read-only', reason: 'writes to the logs', example: "SELECT write_log('x')" },
  { name: 'duckdb_logs', category: 'secrets', reason: 'reads the logs, which may hold other statements', example: 'SELECT * FROM duckdb_logs()' },
  { name: 'enable_profiling', category: 'session-state', reason: 'changes profiling settings', example: 'SELECT * FROM enable_profiling()' },
  { name: 'disable_profiling', category: 'session-state', reason: 'changes profiling settings', example: 'SELECT * FROM disable_profiling()' },
  { name: 'enable_peg_parser', category: 'session-state', reason: 'changes how the session parses SQL', example: 'SELECT * FROM enable_peg_parser()' },
  { name: 'disable_peg_parser', category: 'session-state', reason: 'changes how the session parses SQL', example: 'SELECT * FROM disable_peg_parser()' },
  { name: 'arrow_scan', family: ['arrow_scan', 'arrow_scan_dumb'], category: 'files', reason: 'reads memory at an address it is given', example: 'SELECT * FROM arrow_scan(0, 0, 0)' },
  { name: 'duckdb_secrets', category: 'secrets', reason: 'lists stored secrets', example: 'SELECT * FROM duckdb_secrets()' },
  { name: 'which_secret', category: 'secrets', reason: 'looks up stored secrets', example: "SELECT * FROM which_secret('s3://b/x', 's3')" },
  { name: 'load_aws_credentials', extension: 'aws', category: 'secrets', reason: 'loads cloud credentials', example: 'SELECT load_aws_credentials()' },
  // Only the DuckDB command-line shell defines it; denied in case an embedding does too.
  { name: 'getenv', extension: 'shell', category: 'secrets', reason: 'reads environment variables', example: "SELECT getenv('HOME')" },
  { name: 'sleep_ms', category: 'sleeps', reason: 'holds a connection for as long as it sleeps', example: 'SELECT sleep_ms(600000)' },
  { name: 'pg_sleep', category: 'sleeps', reason: 'holds a connection for as long as it sleeps', example: 'SELECT pg_sleep(600)' },
  { name: 'read_', family: ['read_csv', 'read_csv_auto', 'read_parquet', 'read_json', 'read_json_auto', 'read_ndjson', 'read_text', 'read_blob', 'read_duckdb'], category: 'files', reason: 'reads files or URLs', example: "SELECT * FROM read_csv('/etc/passwd')" },
  { name: 'glob', category: 'files', reason: 'lists files', example: "SELECT * FROM glob('/*')" },
  { name: 'sniff_csv', category: 'files', reason: 'reads files', example: "SELECT * FROM sniff_csv('/etc/passwd')" },
  { name: 'parquet_', family: ['parquet_scan', 'parquet_metadata', 'parquet_schema', 'parquet_file_metadata', 'parquet_kv_metadata'], category: 'files', reason: 'reads files', example: "SELECT * FROM parquet_metadata('x.parquet')" },
  { name: 'iceberg_', extension: 'iceberg', category: 'files', reason: 'reads files or URLs', example: "SELECT * FROM iceberg_scan('s3://b/t')" },
  { name: 'delta_', extension: 'delta', category: 'files', reason: 'reads files or URLs', example: "SELECT * FROM delta_scan('s3://b/t')" },
  { name: 'st_read', extension: 'spatial', category: 'files', reason: 'reads files', example: "SELECT * FROM st_read('x.shp')" },
  { name: 'from_substrait', extension: 'substrait', category: 'runs-sql-text', reason: 'runs a plan given as data, which Pipewright never checked', example: "SELECT * FROM from_substrait('\\x00'::BLOB)" },
  { name: 'sqlite_', extension: 'sqlite', category: 'files', reason: 'opens other database files', example: "SELECT * FROM sqlite_scan('x.db', 't')" },
  { name: 'postgres_', extension: 'postgres', category: 'network', reason: 'opens connections to other databases', example: "SELECT * FROM postgres_query('db', 'DELETE FROM t')" },
  { name: 'mysql_', extension: 'mysql', category: 'network', reason: 'opens connections to other databases', example: "SELECT * FROM mysql_query('db', 'DELETE FROM t')" },
  { name: 'http_', extension: 'http_client', category: 'network', reason: 'reaches the network', example: "SELECT http_get('https://example.com')" },
];

// No real Snowflake runs here: entries are checked by name against the guardrail only.
export const SNOWFLAKE_DENIED: DeniedFunction[] = [
  { name: 'system$', family: ['system$cancel_all_queries', 'system$abort_session', 'system$wait', 'system$explain_plan_json', 'system$send_email'], category: 'server-control', reason: 'is a SYSTEM$ function, which acts on the account (or runs SQL text)', example: "SELECT SYSTEM$CANCEL_ALL_QUERIES(1)" },
  { name: 'get_presigned_url', category: 'files', reason: 'hands out a URL to a staged file', example: "SELECT GET_PRESIGNED_URL('@st', 'a.csv')" },
  { name: 'build_scoped_file_url', category: 'files', reason: 'hands out a URL to a staged file', example: "SELECT BUILD_SCOPED_FILE_URL('@st', 'a.csv')" },
  { name: 'build_stage_file_url', category: 'files', reason: 'hands out a URL to a staged file', example: "SELECT BUILD_STAGE_FILE_URL('@st', 'a.csv')" },
  { name: 'get_stage_location', category: 'files', reason: 'reveals where a stage stores files', example: "SELECT GET_STAGE_LOCATION('@st')" },
  { name: 'get_relative_path', category: 'files', reason: 'reads stage file paths', example: "SELECT GET_RELATIVE_PATH('@st', 's3://b/a.csv')" },
  { name: 'get_absolute_path', category: 'files', reason: 'reads stage file paths', example: "SELECT GET_ABSOLUTE_PATH('@st', 'a.csv')" },
  { name: 'infer_schema', category: 'files', reason: 'reads staged files', example: "SELECT * FROM TABLE(INFER_SCHEMA(LOCATION => 'st', FILE_FORMAT => 'f'))" },
  { name: 'generate_column_description', category: 'files', reason: 'reads staged files', example: "SELECT GENERATE_COLUMN_DESCRIPTION(ARRAY_AGG(OBJECT_CONSTRUCT(*)), 'table') FROM TABLE(INFER_SCHEMA(LOCATION => 'st', FILE_FORMAT => 'f'))" },
  { name: 'nextval', category: 'writes-despite-read-only', reason: 'advances a sequence', example: 'SELECT NEXTVAL(seq1)' },
  // The table-function form of NEXTVAL: it advances the sequence just the same.
  { name: 'getnextval', category: 'writes-despite-read-only', reason: 'advances a sequence', example: 'SELECT NEXTVAL FROM TABLE(GETNEXTVAL(seq1))' },
];
