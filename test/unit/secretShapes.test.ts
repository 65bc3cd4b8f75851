// The shared masker: each credential shape is masked raw and after JSON encoding (tool output is
// encoded before it is masked), and ordinary data-engineering text is left alone.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { redact } from '../../src/core/observability/redact';

// Built at run time so no scanner mistakes this file for a leak (and none of these are real).
const AWS_ID = ['AKIA', 'Z7QX3JHT5KW2PLM4'].join('');
const AWS_SECRET = ['wJalrXUtnFEMI', 'K7MDENGbPxRfiCYzQ8nW2vLk4tT'].join('');
const PEM_BODY = ['MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7', 'q9Zk3mT0pW8xLr2vY5nB1cD4eF6gH7iJ8kL9mN0oP1qR2sT3uV4wX5yZ6aB7cD8e'].join('\n');
const pem = (eol: string) => `-----BEGIN PRIVATE KEY-----${eol}${PEM_BODY.replace(/\n/g, eol)}${eol}-----END PRIVATE KEY-----${eol}`;

/** Secret value -> a text holding it. Each must lose the value, raw and JSON-encoded. */
const SHAPES: { name: string; secret: string; text: string }[] = [
  { name: 'PEM private key (LF)', secret: 'MIIEvQIBADANBgkqhkiG9w0BAQEF', text: `key:\n${pem('\n')}rest` },
  { name: 'PEM private key (CRLF)', secret: 'MIIEvQIBADANBgkqhkiG9w0BAQEF', text: `key:\r\n${pem('\r\n')}rest` },
  { name: 'RSA key cut short (no END line)', secret: 'MIIEvQIBADANBgkqhkiG9w0BAQEF', text: `-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}` },
  { name: 'encrypted OpenSSH key', secret: 'MIIEvQIBADANBgkqhkiG9w0BAQEF', text: `-----BEGIN OPENSSH PRIVATE KEY-----\n${PEM_BODY}\n-----END OPENSSH PRIVATE KEY-----` },
  { name: 'encrypted PEM with headers', secret: 'MIIEvQIBADANBgkqhkiG9w0BAQEF', text: `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17F5316E2BAC89\n\n${PEM_BODY}\n-----END RSA PRIVATE KEY-----` },
  { name: 'PGP private key with a Version header', secret: 'MIIEvQIBADANBgkqhkiG9w0BAQEF', text: `-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\n${PEM_BODY}\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----` },
  { name: 'base64-wrapped key block', secret: Buffer.from(pem('\n')).toString('base64').slice(30, 70), text: `tls.key: ${Buffer.from(pem('\n')).toString('base64')}` },
  { name: 'PEM indented in YAML', secret: 'q9Zk3mT0pW8xLr2vY5nB1cD4eF6gH7iJ', text: `tls:\n  key: |\n    ${pem('\n    ')}done: true` },
  { name: 'base64-wrapped key block, wrapped at 76 columns', secret: Buffer.from(pem('\n')).toString('base64').slice(100, 140), text: `key:\n${Buffer.from(pem('\n')).toString('base64').replace(/(.{76})/g, '$1\n')}` },
  { name: 'base64-wrapped key block, shifted by one byte', secret: Buffer.from(`x${pem('\n')}`).toString('base64').slice(30, 70), text: `v=${Buffer.from(`x${pem('\n')}`).toString('base64')}` },
  { name: 'GCP private_key field', secret: 'MIIEvQIBADANBgkqhkiG9w0BAQEF', text: JSON.stringify({ type: 'service_account', private_key: pem('\n') }) },
  { name: 'GCP private_key_id', secret: '3f8a9c2e1d7b6a5f4e3d2c1b0a9f8e7d6c5b4a39', text: JSON.stringify({ private_key_id: '3f8a9c2e1d7b6a5f4e3d2c1b0a9f8e7d6c5b4a39' }) },
  { name: 'AWS access key id', secret: AWS_ID, text: `export AWS_ACCESS_KEY_ID=${AWS_ID}` },
  { name: 'AWS secret key (named)', secret: AWS_SECRET, text: `aws_secret_access_key = ${AWS_SECRET}` },
  { name: 'AWS secret key (next to its id)', secret: AWS_SECRET, text: `creds: ${AWS_ID} ${AWS_SECRET}` },
  { name: 'AWS temporary key id', secret: `ASIA${AWS_ID.slice(4)}`, text: `id ASIA${AWS_ID.slice(4)}` },
  { name: 'GitHub token', secret: `ghp_${'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'}`, text: `token: ghp_${'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'}` },
  { name: 'GitHub fine-grained token', secret: `github_pat_${'11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz'}`, text: `x github_pat_${'11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz'} y` },
  { name: 'GitLab token', secret: `glpat-${'xYz12AbC34dEf56GhI78'}`, text: `GITLAB_TOKEN=glpat-${'xYz12AbC34dEf56GhI78'}` },
  { name: 'Slack token', secret: `xoxb-${'123456789012-1234567890123-AbCdEfGhIjKlMnOp'}`, text: `slack: xoxb-${'123456789012-1234567890123-AbCdEfGhIjKlMnOp'}` },
  { name: 'OpenAI-style key', secret: `sk-proj-${'Ab12Cd34Ef56Gh78Ij90Kl12'}`, text: `OPENAI_API_KEY=sk-proj-${'Ab12Cd34Ef56Gh78Ij90Kl12'}` },
  { name: 'Authorization: Bearer', secret: 'abc.def-ghi_12345', text: 'curl -H "Authorization: Bearer abc.def-ghi_12345" https://api.example.com' },
  { name: 'Authorization: Basic', secret: 'dXNlcjpwYXNzd29yZA==', text: 'Authorization: Basic dXNlcjpwYXNzd29yZA==' },
  { name: 'bearer token in prose', secret: 'Zx81kQp02LmNvB7cWe3R', text: 'use bearer Zx81kQp02LmNvB7cWe3R for it' },
  { name: 'JWT', secret: 'eyJzdWIiOiIxMjM0NTY3ODkwIn0', text: 'session=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk' },
  { name: 'URL with user:password@', secret: 's3cret-pw', text: 'failed: postgres://analyst:s3cret-pw@db/x' },
  { name: 'URL password with a slash', secret: 'ab/cd+ef', text: 'snowflake://me:ab/cd+ef@acct/DB' },
  { name: 'JDBC password query parameter', secret: 'Pw-9f3kQ', text: 'jdbc:snowflake://acme.snowflakecomputing.com/?user=loader&password=Pw-9f3kQ&warehouse=wh' },
  { name: 'ADO.NET connection string', secret: 'Pw-9f3kQ', text: 'Server=tcp:db.example.net,1433;Database=dw;User ID=loader;Password = Pw-9f3kQ;Encrypt=True' },
  { name: 'ODBC PWD in braces', secret: 'Pw;9f 3kQ', text: 'Driver={PostgreSQL Unicode};Server=db;Uid=me;PWD={Pw;9f 3kQ};' },
  { name: 'Azure storage AccountKey', secret: 'q9Zk3mT0pW8xLr2v+Y5n==', text: 'DefaultEndpointsProtocol=https;AccountName=dl;AccountKey=q9Zk3mT0pW8xLr2v+Y5n==;EndpointSuffix=core.windows.net' },
  { name: 'access_token query parameter', secret: 'Zx81kQp02LmN', text: 'GET https://api.example.com/v1/items?access_token=Zx81kQp02LmN&page=2' },
  { name: 'dotenv password, quoted', secret: 'Pw-9f3kQ', text: 'DATABASE_HOST=db\nDATABASE_PASSWORD="Pw-9f3kQ"\n' },
  { name: 'PuTTY private key lines', secret: 'yZ6aB7cD8eQ9fR0gS1hT2iU3jV4kW5lX6mY7nZ8oA9pB0qC1rD2sE3tF4uG5vH6w', text: 'PuTTY-User-Key-File-3: ssh-rsa\nPublic-Lines: 1\nAAAAB3NzaC1yc2E\nPrivate-Lines: 2\nAAABAQCs9Zx1kQ3mT0pW8xLr2vY5nB1cD4eF6gH7iJ8kL9mN0oP1qR2sT3uV4wX5\nyZ6aB7cD8eQ9fR0gS1hT2iU3jV4kW5lX6mY7nZ8oA9pB0qC1rD2sE3tF4uG5vH6w\nPrivate-MAC: 5b0b3f0e\n' },
];

describe('secret shapes are masked', () => {
  for (const shape of SHAPES) {
    test(shape.name, () => {
      assert.ok(shape.text.includes(shape.secret), 'the case holds its secret');
      const raw = redact(shape.text);
      assert.ok(!raw.includes(shape.secret), `raw: ${raw}`);
      assert.match(raw, /\*\*\*/);
      const encoded = redact(JSON.stringify({ content: shape.text }));
      assert.ok(!encoded.includes(shape.secret), `encoded: ${encoded}`);
      // Masking keeps the encoded text valid JSON.
      JSON.parse(encoded);
    });
  }
});

describe('a token at the start of a line is masked in JSON-encoded text too', () => {
  const TOKENS = [AWS_ID, `ghp_${'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'}`, `glpat-${'xYz12AbC34dEf56GhI78'}`, `xoxb-${'123456789012-AbCdEfGhIjKlMnOp'}`, `sk-proj-${'Ab12Cd34Ef56Gh78Ij90Kl12'}`, 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk', 'postgres://me:pw-1234@db/x'];
  for (const token of TOKENS) {
    test(token.slice(0, 8), () => {
      for (const text of [`first line\n${token}`, `first line\r\n\t${token}`]) {
        const encoded = redact(JSON.stringify({ content: text }));
        assert.ok(!encoded.includes(token.includes('@') ? 'pw-1234' : token), encoded);
        JSON.parse(encoded);
        // Twice encoded (a tool result that holds JSON text).
        const twice = redact(JSON.stringify({ content: JSON.stringify({ text }) }));
        assert.ok(!twice.includes(token.includes('@') ? 'pw-1234' : token), twice);
        JSON.parse(twice);
      }
    });
  }
});

describe('ordinary text is left alone', () => {
  const ORDINARY = [
    'SELECT customer_sk, sk_customer_lifetime_value_total FROM dim_customer',
    'Basic information about the bearer of this token',
    'https://example.com:443/users/@me',
    'see https://docs.example.com/a@b and mail me@example.com',
    'commit 3f8a9c2e1d7b6a5f4e3d2c1b0a9f8e7d6c5b4a39',
    '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkq\n-----END PUBLIC KEY-----',
    'postgres://analyst@db.example.com:5432/warehouse',
    'postgres://analyst@db.example.com:5432/warehouse?sslmode=verify-full&application_name=dbt',
    'bypass=1 compass=north password_reset=true',
    'if token == expected: return',
    'PuTTY-User-Key-File-3: ssh-rsa\nPublic-Lines: 1\nAAAAB3NzaC1yc2E\n',
  ];
  for (const text of ORDINARY) test(text.slice(0, 40), () => assert.equal(redact(text), text));

  test('the text around a key block is kept', () => {
    assert.equal(redact(`before\n${pem('\n')}after the key.`), 'before\n-----BEGIN PRIVATE KEY-----***-----END PRIVATE KEY-----\nafter the key.');
  });

  test('known secret values are masked too', () => {
    assert.equal(redact('token abcd1234 leaked', ['abcd1234']), 'token *** leaked');
  });
});
