// TLS like libpq, against two real servers: one with ssl=on that takes TCP connections only over
// TLS (a CA and server certificate made with openssl for this run), and one without TLS. What
// each sslmode does, what the connector says it used, and that no mode at require or above ever
// falls back to an unencrypted connection.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConnectorError, readAll } from '../../src/core/connectors/connector';
import { connectionSecretKey, parseConnectionConfigs, type ConnectionConfig } from '../../src/core/connectors/connectionConfig';
import { openConfigured, openConnection } from '../../src/core/connectors/open';
import { PostgresConnector, postgresOptionsFromUrl, type PostgresConnectionOptions, type SslSettings } from '../../src/core/connectors/postgres';
import { startPostgres, type TestPostgres } from '../support/postgresServer';
import { hasOpenssl, makeTestCertificates, type TestCertificates } from '../support/testCertificates';
import { makeTempDir, removeDir } from '../support/tempDirs';

const skip = !hasOpenssl() ? 'the openssl CLI is not installed' : process.env.PIPEWRIGHT_TEST_PG_URL ? 'TLS tests need the embedded server' : false;

describe('PostgreSQL TLS follows libpq', { skip }, () => {
  let certs: TestCertificates;
  let tlsServer: TestPostgres;
  let plainServer: TestPostgres;
  let storageDir: string;

  const options = (server: TestPostgres, ssl?: SslSettings, host = 'localhost'): PostgresConnectionOptions => ({
    id: 'pg-tls', host, port: server.port, database: server.database, user: server.reader.user, password: server.reader.password, ...(ssl ? { ssl } : {}),
  });
  /** What the server itself says about our backend's connection. */
  const serverSide = async (connector: PostgresConnector) =>
    (await readAll(await connector.query('SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()'))).rows[0] as [boolean, string | null];
  const withConnector = async <T>(opts: PostgresConnectionOptions, use: (c: PostgresConnector) => Promise<T>): Promise<T> => {
    const connector = await PostgresConnector.open(opts);
    try {
      return await use(connector);
    } finally {
      await connector.close();
    }
  };
  const refused = (pattern: RegExp, hint?: RegExp) => (error: unknown) => {
    assert.ok(error instanceof ConnectorError, String(error));
    assert.match(error.message, pattern);
    if (hint) assert.match(error.hint ?? '', hint);
    return true;
  };

  before(async () => {
    certs = makeTestCertificates('localhost');
    tlsServer = await startPostgres({ tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile }, tlsOnly: true });
    plainServer = await startPostgres();
    storageDir = makeTempDir('pg-tls');
  });

  after(async () => {
    await tlsServer?.stop();
    await plainServer?.stop();
    certs?.remove();
    if (storageDir) removeDir(storageDir);
  });

  test('prefer is the default: TLS when the server offers it, and every pooled connection keeps it', async () => {
    await withConnector(options(tlsServer), async (connector) => {
      assert.match(connector.transport, /^TLS 1\.[23], certificate not verified \(sslmode=prefer\)$/);
      const sides = await Promise.all([serverSide(connector), serverSide(connector), serverSide(connector)]);
      for (const [ssl, version] of sides) assert.deepEqual([ssl, /^TLSv1\.[23]$/.test(version ?? '')], [true, true]);
    });
  });

  test('prefer falls back when the server has no TLS, and says so', async () => {
    await withConnector(options(plainServer), async (connector) => {
      assert.equal(connector.transport, 'no TLS: the server does not offer it (sslmode=prefer)');
      assert.deepEqual(await serverSide(connector), [false, null]);
    });
  });

  test('require, verify-ca and verify-full never fall back to an unencrypted connection', async () => {
    for (const mode of ['require', 'verify-ca', 'verify-full'] as const) {
      await assert.rejects(PostgresConnector.open(options(plainServer, { mode, caFile: certs.caFile })), refused(/does not support SSL/, /does not offer TLS, and sslmode=/), mode);
    }
  });

  test('allow tries without TLS first, and uses TLS when the server insists', async () => {
    await withConnector(options(plainServer, { mode: 'allow' }), async (connector) => {
      assert.equal(connector.transport, 'no TLS: the server accepted an unencrypted connection (sslmode=allow)');
    });
    await withConnector(options(tlsServer, { mode: 'allow' }), async (connector) => {
      assert.match(connector.transport, /^TLS 1\.[23], certificate not verified \(sslmode=allow\)$/);
      assert.equal((await serverSide(connector))[0], true);
    });
  });

  test('disable sends no TLS request (a TLS-only server turns it away)', async () => {
    await assert.rejects(PostgresConnector.open(options(tlsServer, { mode: 'disable' })), refused(/no encryption/));
    await withConnector(options(plainServer, { mode: 'disable' }), async (connector) => assert.equal(connector.transport, 'no TLS: sslmode=disable'));
  });

  test('verify-full succeeds with the right CA and host name', async () => {
    await withConnector(options(tlsServer, { mode: 'verify-full', caFile: certs.caFile }), async (connector) => {
      assert.match(connector.transport, new RegExp(`^TLS 1\\.[23], certificate and host name verified against ${certs.caFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(sslmode=verify-full\\)$`));
      assert.equal((await serverSide(connector))[0], true);
    });
  });

  test('verify-full refuses a host name the certificate does not name, an unknown CA, and (without a CA file) a certificate the system store does not trust', async () => {
    await assert.rejects(PostgresConnector.open(options(tlsServer, { mode: 'verify-full', caFile: certs.caFile }, '127.0.0.1')), refused(/altnames|does not match/i, /certificate was not accepted/));
    await assert.rejects(PostgresConnector.open(options(tlsServer, { mode: 'verify-full', caFile: certs.otherCaFile })), refused(/certificate/i, /sslrootcert/));
    await assert.rejects(PostgresConnector.open(options(tlsServer, { mode: 'verify-full' })), refused(/certificate/i, /sslrootcert/));
    await assert.rejects(PostgresConnector.open(options(tlsServer, { mode: 'verify-full', caFile: 'system' })), refused(/certificate/i));
  });

  test('verify-ca checks the chain but not the host name; require with a CA file verifies the chain, as libpq does', async () => {
    await withConnector(options(tlsServer, { mode: 'verify-ca', caFile: certs.caFile }, '127.0.0.1'), async (connector) => {
      assert.match(connector.transport, /certificate chain \(host name not checked\) verified against .*\(sslmode=verify-ca\)$/);
    });
    await assert.rejects(PostgresConnector.open(options(tlsServer, { mode: 'verify-ca', caFile: certs.otherCaFile })), refused(/certificate/i));
    await assert.rejects(PostgresConnector.open(options(tlsServer, { mode: 'require', caFile: certs.otherCaFile })), refused(/certificate/i));
    await withConnector(options(tlsServer, { mode: 'require' }), async (connector) => assert.match(connector.transport, /^TLS 1\.[23], certificate not verified \(sslmode=require\)$/));
  });

  test('unreadable certificate files and half a client certificate are clear errors, not a fallback', async () => {
    await assert.rejects(PostgresConnector.open(options(plainServer, { mode: 'prefer', certFile: certs.serverCertFile })), refused(/needs both sslcert and sslkey/));
    await assert.rejects(PostgresConnector.open(options(tlsServer, { mode: 'verify-full', caFile: '/nonexistent/ca.pem' })), refused(/Cannot read the CA certificate \(sslrootcert\) file \/nonexistent\/ca\.pem/));
  });

  test('the URL carries sslmode and files; a repeated or unknown parameter is refused', () => {
    const parsed = postgresOptionsFromUrl('postgres://a@db.example.com/w?sslmode=verify-full&sslrootcert=/ca.pem&sslcert=/c.pem&sslkey=/k.pem');
    assert.deepEqual(parsed.ssl, { mode: 'verify-full', caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem' });
    assert.equal(postgresOptionsFromUrl('postgres://a@db.example.com/w').ssl, undefined, 'no setting: the connector uses prefer');
    assert.deepEqual(postgresOptionsFromUrl('postgres://a@db.example.com/w?sslrootcert=/ca.pem').ssl, { mode: 'prefer', caFile: '/ca.pem' });
    assert.throws(() => postgresOptionsFromUrl('postgres://a@h/d?sslmode=verify-full&sslmode=disable'), refused(/gives "sslmode" more than once/));
    assert.throws(() => postgresOptionsFromUrl('postgres://a@h/d?sslmode=VERIFY-FULL'), refused(/Unknown sslmode "VERIFY-FULL"/, /disable, allow, prefer, require, verify-ca, verify-full/));
    // A TLS parameter that would be ignored (a typo, or another client's spelling) leaves the default: refused.
    for (const param of ['sslMode=verify-full', 'SSLMODE=verify-full', 'ssl=true', 'sslcrl=/crl.pem']) {
      assert.throws(() => postgresOptionsFromUrl(`postgres://a@h/d?${param}`), refused(/unsupported parameter/, /sslmode, sslrootcert, sslcert, sslkey/), param);
    }
    // sslrootcert=system means verify-full (as in libpq); a weaker mode with it is refused.
    assert.deepEqual(postgresOptionsFromUrl('postgres://a@h/d?sslrootcert=system').ssl, { mode: 'verify-full', caFile: 'system' });
  });

  test('sslrootcert=system with a weaker sslmode is refused before connecting', async () => {
    for (const mode of ['prefer', 'require', 'verify-ca'] as const) {
      await assert.rejects(PostgresConnector.open(options(tlsServer, { mode, caFile: 'system' })), refused(/sslrootcert=system needs sslmode=verify-full/), mode);
    }
  });

  test('the CLI path: URL sslmode, else PGSSLMODE; the transport is reported', async () => {
    const url = `postgres://${plainServer.reader.user}@localhost:${plainServer.port}/${plainServer.database}`;
    const env = { PGPASSWORD: plainServer.reader.password };
    await assert.rejects(openConnection(`${url}?sslmode=require`, { storageDir, env }), refused(/does not support SSL/));
    await assert.rejects(openConnection(url, { storageDir, env: { ...env, PGSSLMODE: 'require' } }), refused(/does not support SSL/));
    const opened = await openConnection(url, { storageDir, env });
    try {
      assert.equal(opened.transport, 'no TLS: the server does not offer it (sslmode=prefer)');
    } finally {
      await opened.connector.close();
    }
  });

  test('a saved connection: its TLS settings apply, a URL that disagrees is refused, and the secret is bound to them', async () => {
    const saved = (extra: Record<string, unknown>, url = `postgres://${tlsServer.reader.user}@localhost:${tlsServer.port}/${tlsServer.database}`) => {
      const { configs, problems } = parseConnectionConfigs([{ id: 'wh', kind: 'postgres', label: 'Warehouse', url, environment: 'prod', ...extra }]);
      assert.deepEqual(problems, []);
      return configs[0] as Extract<ConnectionConfig, { kind: 'postgres' }>;
    };
    const strict = saved({ sslmode: 'verify-full', sslrootcert: certs.caFile });
    const opened = await openConfigured(strict, tlsServer.reader.password, { storageDir });
    try {
      assert.match(opened.transport ?? '', /certificate and host name verified .*\(sslmode=verify-full\)$/);
    } finally {
      await opened.connector.close();
    }
    // A URL parameter must not quietly weaken (or change) what was saved.
    const weakened = saved({ sslmode: 'verify-full', sslrootcert: certs.caFile }, `postgres://${tlsServer.reader.user}@localhost:${tlsServer.port}/${tlsServer.database}?sslmode=disable`);
    await assert.rejects(openConfigured(weakened, tlsServer.reader.password, { storageDir }), refused(/sets sslmode to "verify-full", but its URL says "disable"/, /Keep sslmode in one place/));
    const otherCa = saved({ sslrootcert: certs.caFile }, `postgres://${tlsServer.reader.user}@localhost:${tlsServer.port}/${tlsServer.database}?sslrootcert=${encodeURIComponent(certs.otherCaFile)}`);
    await assert.rejects(openConfigured(otherCa, tlsServer.reader.password, { storageDir }), refused(/sets sslrootcert/));
    // Saved require on a server without TLS: refused, never a fallback.
    const plainRequire = saved({ sslmode: 'require' }, `postgres://${plainServer.reader.user}@localhost:${plainServer.port}/${plainServer.database}`);
    await assert.rejects(openConfigured(plainRequire, plainServer.reader.password, { storageDir }), refused(/does not support SSL/));
    // Weakening the saved TLS settings changes the secret's key: the stored password does not follow.
    assert.notEqual(connectionSecretKey(strict), connectionSecretKey(saved({ sslmode: 'disable', sslrootcert: certs.caFile })));
    assert.equal(connectionSecretKey(saved({})), connectionSecretKey(saved({})));
    assert.ok(parseConnectionConfigs([{ id: 'x', kind: 'postgres', label: 'X', url: 'postgres://a@h/d', environment: 'dev', sslmode: 'bogus' }]).problems[0]?.includes('sslmode'));
  });
});
