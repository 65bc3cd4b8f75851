// read_file through the real policy gate, the real tool and renderForModel, in a real git
// repository in a temp folder: project sources are read freely, ignored files and other files ask
// first (the card says which and why), an approval covers the content the user was asked about,
// credential files are refused by name and by content, and secret shapes never reach the model.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBConnector } from '../../src/core/connectors/duckdb';
import type { ApprovalRequest, ConnectionSummary } from '../../src/core/observability/events';
import type { ApprovalAnswer } from '../../src/core/policy/approvals';
import { authorize, DEFAULT_POLICY, PolicySession, type GateResult } from '../../src/core/policy/gate';
import { readFileTool } from '../../src/core/tools/fileTools';
import { renderForModel, ToolError } from '../../src/core/tools/tool';
import { MAX_READ_BYTES } from '../../src/core/tools/workspaceFiles';
import { makeTempDir, removeDir } from '../support/tempDirs';

const connection: ConnectionSummary = { id: 'files', label: 'Files', dialect: 'duckdb', environment: 'dev' };
// Not real keys: assembled here so no scanner flags this file.
const PEM_BODY = ['MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7', 'q9Zk3mT0pW8xLr2vY5nB1cD4eF6gH7iJ8kL9mN0oP1qR2sT3uV4wX5yZ6aB7cD8e'];
const pem = (eol = '\n', kind = 'PRIVATE KEY') => [`-----BEGIN ${kind}-----`, ...PEM_BODY, `-----END ${kind}-----`, ''].join(eol);
const AWS_ID = ['AKIA', 'Z7QX3JHT5KW2PLM4'].join('');
const AWS_SECRET = ['wJalrXUtnFEMI', 'K7MDENGbPxRfiCYzQ8nW2vLk4tT'].join('');

let root: string;
let connector: DuckDBConnector;
const savedEnv = { GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL, GIT_CONFIG_NOSYSTEM: process.env.GIT_CONFIG_NOSYSTEM };

function put(path: string, content: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

function git(...args: string[]): void {
  execFileSync('git', args, { cwd: root, stdio: 'ignore' });
}

interface Read {
  gate: GateResult;
  asked: ApprovalRequest[];
  /** What the model would receive: the tool's output through renderForModel, or the tool's error. */
  model?: string;
  error?: string;
}

/** One read_file call as the agent makes it: gate, then (if allowed) the tool with the approved content hash, then the model's view. */
async function readAs(path: string, answer: (r: ApprovalRequest) => ApprovalAnswer = () => ({ decision: 'once' }), session = new PolicySession(), workspace = root): Promise<Read> {
  const asked: ApprovalRequest[] = [];
  const gate = await authorize(readFileTool, { path }, {
    connector, connection, session, settings: DEFAULT_POLICY, grants: new Set(['read']), signal: new AbortController().signal, workspaceRoot: workspace,
    gateway: { request: async (r) => (asked.push(r), answer(r)) },
  });
  if (!gate.allowed) return { gate, asked };
  try {
    const outcome = await readFileTool.run({ connector, signal: new AbortController().signal, previewRows: 10, queryTimeoutMs: 1000, workspaceRoot: workspace, ...(gate.fileSha256 ? { approvedFileSha256: gate.fileSha256 } : {}) }, { path });
    return { gate, asked, model: renderForModel(outcome.content) };
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    return { gate, asked, error: error.message };
  }
}

before(async () => {
  root = makeTempDir('file-reads');
  // The user's own git configuration stays out of it: the repository's rules are what is tested.
  writeFileSync(join(root, '..', `${root.split('/').pop()}.gitconfig`), '');
  process.env.GIT_CONFIG_GLOBAL = join(root, '..', `${root.split('/').pop()}.gitconfig`);
  process.env.GIT_CONFIG_NOSYSTEM = '1';
  git('init', '-q');
  put('.gitignore', 'data/\n*.local.yml\n!keep.local.yml\n');
  put('models/.gitignore', 'scratch.sql\n');
  put('models/orders.sql', 'select * from orders\n');
  put('models/schema.yml', 'version: 2\n');
  put('README.md', '# Project\n');
  put('models/scratch.sql', 'select 1 -- my scratch\n');
  put('data/export.csv', 'id,email\n1,a@example.com\n');
  put('data/tracked.sql', 'select 2\n');
  put('dev.local.yml', 'target: me\n');
  put('keep.local.yml', 'kept: true\n');
  put('notes.txt', 'plain notes\n');
  git('add', 'models/orders.sql', '.gitignore', 'models/.gitignore');
  git('add', '-f', 'data/tracked.sql');
  connector = await DuckDBConnector.open({ id: 'files', path: join(root, '..', `${root.split('/').pop()}.duckdb`), writable: true });
});

after(async () => {
  await connector?.close();
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  removeDir(root);
});

describe('which reads ask first', () => {
  test('project sources git does not ignore are read without asking', async () => {
    for (const path of ['models/orders.sql', 'models/schema.yml', 'README.md', 'keep.local.yml', 'data/tracked.sql', 'MODELS/../models/orders.sql'.replace('MODELS/../', '')]) {
      const read = await readAs(path);
      assert.equal(read.gate.decision, 'allow', path);
      assert.equal(read.asked.length, 0, path);
      assert.ok(read.model, path);
    }
  });

  test('a file git ignores asks first, by nested .gitignore too, and the card says why', async () => {
    for (const path of ['models/scratch.sql', 'dev.local.yml', 'data/export.csv']) {
      const read = await readAs(path);
      assert.equal(read.asked.length, 1, path);
      assert.equal(read.asked[0].level, 'approve');
      assert.equal(read.asked[0].path, path);
      assert.match(read.asked[0].reasons.join(' '), /ignored by git/, path);
      assert.match(read.asked[0].title, new RegExp(`Read ${path.replace('.', '\\.')}`));
    }
    // Ignored and not a project source: both reasons are shown.
    const csv = await readAs('data/export.csv');
    assert.match(csv.asked[0].reasons.join(' '), /not a project source/);
  });

  test('a file that is not a project source asks first; rejected, nothing reaches the model', async () => {
    const read = await readAs('notes.txt', () => ({ decision: 'reject' }));
    assert.equal(read.asked.length, 1);
    assert.match(read.asked[0].reasons.join(' '), /notes\.txt is not a project source/);
    // The card shows what the model would read.
    assert.equal(read.asked[0].content, 'plain notes\n');
    assert.equal(read.gate.allowed, false);
    assert.equal(read.model, undefined);
  });

  test('a symlinked .gitignore does not make a file readable without asking', async () => {
    const sub = join(root, 'linked');
    mkdirSync(sub);
    writeFileSync(join(root, 'ignore-rules.txt'), '*.sql\n');
    symlinkSync(join(root, 'ignore-rules.txt'), join(sub, '.gitignore'));
    writeFileSync(join(sub, 'private.txt'), 'x\n');
    const read = await readAs('linked/private.txt');
    assert.equal(read.gate.decision, 'approve');
  });

  test('a hard link (perhaps to a file outside the workspace) asks first, even as a project source', async () => {
    const outside = join(root, '..', `${root.split('/').pop()}-outside.sql`);
    writeFileSync(outside, 'select 1 -- from outside\n');
    linkSync(outside, join(root, 'models', 'linked.sql'));
    try {
      const read = await readAs('models/linked.sql');
      assert.equal(read.gate.decision, 'approve');
      assert.match(read.asked[0].reasons.join(' '), /hard link/);
    } finally {
      rmSync(outside);
    }
  });

  test('outside a git repository, project sources are free and the rest asks', async () => {
    const plain = makeTempDir('file-reads-plain');
    try {
      writeFileSync(join(plain, 'a.sql'), 'select 1\n');
      writeFileSync(join(plain, 'b.txt'), 'b\n');
      assert.equal((await readAs('a.sql', undefined, undefined, plain)).gate.decision, 'allow');
      assert.equal((await readAs('b.txt', undefined, undefined, plain)).gate.decision, 'approve');
    } finally {
      removeDir(plain);
    }
  });
});

describe('an approval covers the content the user was asked about', () => {
  test('a file swapped after approval is refused', async () => {
    put('swap.txt', 'harmless\n');
    const read = await readAs('swap.txt', () => {
      // While the card is open, the file changes under it.
      writeFileSync(join(root, 'swap.txt'), `${pem()}`);
      return { decision: 'once' };
    });
    assert.equal(read.gate.allowed, true);
    assert.equal(read.model, undefined);
    assert.match(read.error ?? '', /holds credentials|changed after the read was approved/);
    put('swap2.txt', 'harmless\n');
    const edited = await readAs('swap2.txt', () => (writeFileSync(join(root, 'swap2.txt'), 'other text\n'), { decision: 'once' }));
    assert.match(edited.error ?? '', /changed after the read was approved/);
  });

  test('a session approval is for that content: once the file changes, it asks again', async () => {
    const session = new PolicySession();
    put('session.txt', 'v1\n');
    const first = await readAs('session.txt', () => ({ decision: 'session' }), session);
    assert.equal(first.asked.length, 1);
    const again = await readAs('session.txt', () => ({ decision: 'reject' }), session);
    assert.equal(again.gate.approval, 'session-reuse');
    assert.match(again.model ?? '', /v1/);
    put('session.txt', 'v2\n');
    const changed = await readAs('session.txt', () => ({ decision: 'reject' }), session);
    assert.equal(changed.asked.length, 1);
    assert.equal(changed.gate.allowed, false);
  });
});

describe('credential files are refused, by name and by content', () => {
  const BY_NAME: [string, string][] = [
    ['application_default_credentials.json', '{}'],
    ['keys/prod-service-account.json', '{}'],
    ['keys/my_service_account_key.json', '{}'],
    ['.aws/credentials', '[default]\n'],
    ['.aws/config', '[default]\nregion = eu-west-1\n'],
    ['.azure/msal_token_cache.json', '{}'],
    ['.config/gcloud/credentials.db', 'x'],
    ['.snowflake/connections.toml', '[default]\n'],
    ['.databrickscfg', '[DEFAULT]\n'],
    ['.netrc', 'x'],
    ['sub/_netrc', 'x'],
    ['.npmrc', 'registry=https://registry.example.com\n'],
    ['.pypirc', '[pypi]\n'],
    ['.docker/config.json', '{}'],
    ['kubeconfig', 'x'],
    ['deploy/staging.kubeconfig', 'x'],
    ['infra/terraform.tfstate', '{}'],
    ['infra/terraform.tfstate.backup', '{}'],
    ['infra/prod.tfvars', 'x = 1\n'],
    ['.env', 'A=1\n'],
    ['services/api/.ENV.Local', 'A=1\n'],
    ['.pgpass', 'x'],
    ['.git-credentials', 'x'],
    ['home/.ssh/config', 'Host x\n'],
    ['id_ed25519', 'x'],
    ['certs/server.PEM', 'x'],
    ['profiles.yml', 'x: 1\n'],
    ['secrets.yaml', 'x: 1\n'],
    ['\uFF0Eenv', 'A=1\n'], // a fullwidth dot: the same name once normalised
    ['deploy/prod.env', 'A=1\n'],
    ['deploy/app.env.local', 'A=1\n'],
  ];
  for (const [path, content] of BY_NAME) {
    test(`by name: ${path}`, async () => {
      put(path, content);
      const read = await readAs(path);
      assert.equal(read.gate.decision, 'deny', path);
      assert.equal(read.asked.length, 0, 'the user is not asked about a file that is never read');
      assert.match(read.gate.reasons.join(' '), /never hands credential files to the model/);
      // The tool refuses it too, even called without the gate.
      await assert.rejects(readFileTool.run({ connector, signal: new AbortController().signal, previewRows: 1, queryTimeoutMs: 1, workspaceRoot: root }, { path }), /holds credentials/);
    });
  }

  const BY_CONTENT: [string, string, RegExp][] = [
    ['notes/key.txt', `here it is\n${pem()}`, /private key/],
    ['notes/key-crlf.txt', pem('\r\n', 'RSA PRIVATE KEY'), /private key/],
    ['notes/openssh.txt', pem('\n', 'OPENSSH PRIVATE KEY'), /private key/],
    ['notes/pgp.asc', pem('\n', 'PGP PRIVATE KEY BLOCK'), /private key/],
    ['deploy/tls.yaml', `apiVersion: v1\nkind: Secret\ndata:\n  tls.key: ${Buffer.from(pem()).toString('base64')}\n`, /base64-encoded private key/],
    ['deploy/tls-wrapped.txt', Buffer.from(pem()).toString('base64').replace(/(.{64})/g, '$1\n  '), /base64-encoded private key/],
    ['data/innocent.json', JSON.stringify({ type: 'service_account', project_id: 'p', private_key_id: 'abc', private_key: pem(), client_email: 'x@p.iam.gserviceaccount.com' }, null, 2), /cloud credential/],
    ['data/adc.json', JSON.stringify({ type: 'authorized_user', client_id: 'c', client_secret: 's', refresh_token: 'r' }), /cloud credential/],
    ['config/settings.ini', `[default]\naws_access_key_id = ${AWS_ID}\naws_secret_access_key = ${AWS_SECRET}\n`, /AWS credentials/],
    ['ops/cluster.yaml', 'apiVersion: v1\nkind: Config\nclusters:\n- name: c\nusers:\n- name: me\n  user:\n    token: abc123def456\n', /kubeconfig/],
    ['ops/registry.json', JSON.stringify({ auths: { 'registry.example.com': { auth: 'dXNlcjpwYXNz' } } }), /registry credentials/],
    ['ops/machines.txt', 'machine db.example.com\n  login me\n  password hunter22\n', /netrc/],
    ['ops/conn.toml', '[connections.prod]\naccount = "acct"\nuser = "me"\npassword = "hunter22"\n', /password or token/],
    ['ops/db.txt', 'db.example.com:5432:shop:analyst:hunter22\n', /pgpass/],
    ['ops/state.json', JSON.stringify({ version: 4, terraform_version: '1.9.0', resources: [] }), /Terraform state/],
    ['keys/ci.txt', 'PuTTY-User-Key-File-2: ssh-ed25519\nEncryption: none\nPublic-Lines: 1\nAAAAC3Nz\nPrivate-Lines: 1\nAAAAIBx9\nPrivate-MAC: 0f\n', /PuTTY private key/],
    ['config/app.yaml', 'db:\n  host: db.internal\n  password: hunter22-prod\n', /literal password/],
    ['config/app.json', JSON.stringify({ db: { host: 'db', user: 'a', password: 'hunter22-prod' } }), /literal password/],
    ['config/values.yaml', 'warehouse:\n  private_key_passphrase: |\n    hunter22-prod\n', /literal password/],
    ['config/flow.yml', 'db: {user: loader, apiKey: "hunter22-prod"}\n', /literal password/],
    ['config/embedded.json', JSON.stringify({ settings: JSON.stringify({ client_secret: 'hunter22-prod' }) }), /literal password/],
    // Padding before or after the setting does not hide it.
    ['config/padded.yml', `${'a: 1\n'.repeat(25_000)}password: "hunter22-prod"${' '.repeat(3000)}\n`, /literal password/],
    ['maven/settings.xml', '<settings><servers><server><id>repo</id><password>hunter22-prod</password></server></servers></settings>\n', /literal password/],
  ];
  for (const [path, content, what] of BY_CONTENT) {
    test(`by content under an innocent name: ${path}`, async () => {
      put(path, content);
      const read = await readAs(path);
      assert.equal(read.gate.decision, 'deny', path);
      assert.match(read.gate.reasons.join(' '), what);
      assert.equal(read.asked.length, 0);
      await assert.rejects(readFileTool.run({ connector, signal: new AbortController().signal, previewRows: 1, queryTimeoutMs: 1, workspaceRoot: root }, { path }), /holds credentials/);
    });
  }

  test('settings that only name a secret, or prose about one, are not credentials', async () => {
    const ORDINARY: [string, string][] = [
      ['models/users.yml', 'version: 2\nmodels:\n  - name: users\n    description: "Users and their password hashes"\n    columns:\n      - name: password\n        description: bcrypt hash of the password\n'],
      ['profiles/dev.yml', "dev:\n  type: postgres\n  password: \"{{ env_var('PG_PASSWORD') }}\"\n  token: ${API_TOKEN}\n  secret: !Ref DbSecret\n"],
      ['docs/setup.md', '# Setup\n\nPassword: ask the admin for it.\nYou will need a password: it is in the vault.\n\n    password: "<your password>"\n'],
      ['src/conn.ts', 'interface Conn {\n  password: string;\n  token?: string;\n}\nconst c = { password: opts.password, token };\n'],
      ['src/conn.py', 'def connect(password: str = None):\n    return driver.connect(\n        password=password,\n    )\ntoken = os.environ["TOKEN"]\n'],
      ['models/limits.yml', 'max_token: 4096\nsecret: true\npassword:\n  - required\n'],
    ];
    for (const [path, content] of ORDINARY) {
      put(path, content);
      git('add', path);
      const read = await readAs(path);
      assert.notEqual(read.gate.decision, 'deny', `${path}: ${read.gate.reasons.join(' ')}`);
    }
  });

  test('a connection file that only names variables is not a credential', async () => {
    put('ops/conn-vars.toml', '[connections.prod]\naccount = "acct"\npassword = "${SNOWFLAKE_PASSWORD}"\n');
    assert.equal((await readAs('ops/conn-vars.toml')).gate.decision, 'approve');
  });
});

describe('what is read is masked before the model sees it', () => {
  test('every secret shape in a project source is masked', async () => {
    const secrets = {
      awsId: AWS_ID,
      awsSecret: AWS_SECRET,
      github: `ghp_${'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'}`,
      gitlab: `glpat-${'xYz12AbC34dEf56GhI78'}`,
      slack: `xoxb-${'123456789012-1234567890123-AbCdEfGhIjKlMnOp'}`,
      openai: `sk-proj-${'Ab12Cd34Ef56Gh78Ij90Kl12'}`,
      bearer: 'Zx81kQp02LmNvB7cWe3RtY',
      jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk',
      urlPassword: 'pg-Pa55/word',
      gcpKeyId: '3f8a9c2e1d7b6a5f4e3d2c1b0a9f8e7d6c5b4a39',
    };
    put('docs/runbook.md', [
      '# Runbook',
      `Old keys: ${secrets.awsId} / ${secrets.awsSecret}`,
      `GitHub: ${secrets.github}, GitLab: ${secrets.gitlab}, Slack: ${secrets.slack}`,
      `export OPENAI_API_KEY=${secrets.openai}`,
      `curl -H "Authorization: Bearer ${secrets.bearer}" https://api.example.com`,
      `cookie: session=${secrets.jwt}`,
      `psql postgres://analyst:${secrets.urlPassword}@db.example.com/shop`,
      `"private_key_id": "${secrets.gcpKeyId}"`,
      'The orders table has 42 rows.',
    ].join('\n'));
    const read = await readAs('docs/runbook.md');
    assert.equal(read.gate.decision, 'allow');
    for (const [name, value] of Object.entries(secrets)) assert.ok(!read.model!.includes(value), `${name} reached the model`);
    assert.match(read.model!, /The orders table has 42 rows/);
  });

  test('a huge file is read only up to the limit', async () => {
    put('models/huge.sql', `-- ${'x'.repeat(80)}\n`.repeat(Math.ceil((5 * 2 ** 20) / 84)));
    const outcome = await readFileTool.run({ connector, signal: new AbortController().signal, previewRows: 1, queryTimeoutMs: 1, workspaceRoot: root }, { path: 'models/huge.sql' });
    const content = outcome.content as { content: string; truncated: boolean };
    assert.equal(content.truncated, true);
    assert.ok(content.content.length <= MAX_READ_BYTES);
  });

  test('a named pipe is refused as not a file (and does not hang)', async () => {
    execFileSync('mkfifo', [join(root, 'models', 'pipe.sql')]);
    const read = await readAs('models/pipe.sql');
    assert.equal(read.gate.decision, 'deny');
    assert.match(read.gate.reasons.join(' '), /not a file/);
  });

  test('path tricks are refused before anything is read', async () => {
    for (const path of ['../outside.sql', '/etc/passwd', 'models/../../x.sql', 'C:/x.sql', 'PACKAG~1.JSO', 'models/orders.sql.']) {
      const read = await readAs(path);
      assert.equal(read.gate.decision, 'deny', path);
      assert.equal(read.asked.length, 0, path);
    }
  });
});
