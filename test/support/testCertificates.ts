// A throwaway certificate authority and a server certificate it signed, made with the `openssl`
// CLI in a temp folder, for TLS tests against a real server. Also a second, unrelated CA (one the
// server's certificate does not chain to).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  dir: string;
  /** The CA that signed the server certificate. */
  caFile: string;
  /** A CA that signed nothing here. */
  otherCaFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  /** The only host name the server certificate names. */
  hostName: string;
  remove(): void;
}

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function makeTestCertificates(hostName = 'localhost'): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'pw-certs-'));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const makeCa = (name: string, subject: string) =>
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', subject,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  makeCa('ca', '/CN=Pipewright test CA');
  makeCa('other-ca', '/CN=Some other CA');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${hostName}`);
  writeFileSync(at('server.ext'), `subjectAltName=DNS:${hostName}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
  return {
    dir,
    caFile: at('ca.pem'),
    otherCaFile: at('other-ca.pem'),
    serverCertFile: at('server.pem'),
    serverKeyFile: at('server.key'),
    hostName,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
