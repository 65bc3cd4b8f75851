// Files that hold credentials are never handed to the model, whatever the prompt says and whatever
// the user approves. Known by name (wherever they sit in the tree, any case) and by what they
// hold: a key file or a cloud credential under an innocent name is refused as well.

/** Names and folders of credential files, matched against the whole workspace-relative path. */
const CREDENTIAL_NAMES: readonly { pattern: RegExp; what: string }[] = [
  { pattern: /(^|\/)\.env(\.[^/]*)?$/i, what: 'an environment file' },
  { pattern: /(^|\/)\.envrc$/i, what: 'an environment file' },
  { pattern: /\.(pem|key|p8|p12|pfx|jks|keystore|ppk|keytab|sso)$/i, what: 'a key file' },
  { pattern: /(^|\/)id_(rsa|dsa|ecdsa|ed25519)(_sk)?(\.|$)/i, what: 'an SSH key' },
  { pattern: /(^|\/)\.(ssh|aws|gnupg|azure|kube|docker)(\/|$)/i, what: 'a credentials folder' },
  { pattern: /(^|\/)\.config\/(gcloud|gh|hub)(\/|$)/i, what: 'a credentials folder' },
  { pattern: /(^|\/)application_default_credentials\.json$/i, what: 'a cloud credential' },
  { pattern: /service[-_ ]?account[^/]*\.json$/i, what: 'a cloud service-account key' },
  { pattern: /(^|\/)\.snowflake\/(connections|config)\.toml$/i, what: 'Snowflake connection settings' },
  { pattern: /(^|\/)\.databrickscfg$/i, what: 'Databricks settings' },
  { pattern: /(^|\/)(\.|_)netrc$/i, what: 'a netrc file' },
  { pattern: /(^|\/)\.(npmrc|pypirc|pgpass|my\.cnf|s3cfg|boto|vault-token|htpasswd|terraformrc|git-credentials)$/i, what: 'a credentials file' },
  { pattern: /(^|\/)terraform\.rc$/i, what: 'a credentials file' },
  { pattern: /(^|\/)\.(cargo|gem)\/credentials(\.toml)?$/i, what: 'a credentials file' },
  { pattern: /(^|\/)\.docker\/config\.json$/i, what: 'Docker registry credentials' },
  { pattern: /(^|\/)([^/]*\.)?kubeconfig(\.ya?ml)?$/i, what: 'a kubeconfig' },
  { pattern: /\.tfstate(\.backup)?$/i, what: 'Terraform state (it stores secrets in plain text)' },
  { pattern: /\.tfvars(\.json)?$/i, what: 'Terraform variables' },
  { pattern: /(^|\/)\.git\/config$/i, what: 'git configuration' },
  { pattern: /(^|\/)profiles\.yml$/i, what: 'dbt connection profiles' },
  { pattern: /(^|\/)credentials(\.json|\.toml|\.ya?ml)?$/i, what: 'a credentials file' },
  { pattern: /(^|\/)secrets?\.(json|ya?ml|toml|env)$/i, what: 'a secrets file' },
];

/** Why `relativePath` names a credential file, or undefined. `relativePath` uses `/` or `\`. */
export function credentialFileName(relativePath: string): string | undefined {
  const path = relativePath.normalize('NFKC').replace(/\\/g, '/');
  return CREDENTIAL_NAMES.find((c) => c.pattern.test(path))?.what;
}

const PRIVATE_KEY = /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----/;
const BASE64_RUN = /[A-Za-z0-9+/]{80,}={0,2}/g;

/** Content checks: each recognises one kind of credential document by what it holds. */
const CREDENTIAL_CONTENT: readonly { what: string; test: (text: string) => boolean }[] = [
  // The most specific first: a service-account JSON holds a private key too.
  { what: 'a cloud credential (service account or user refresh token)', test: (t) => cloudCredentialJson(t) },
  { what: 'a private key', test: (t) => PRIVATE_KEY.test(t) },
  { what: 'a base64-encoded private key', test: (t) => base64Runs(t).some((decoded) => PRIVATE_KEY.test(decoded)) },
  { what: 'AWS credentials', test: (t) => /^[ \t]*aws_(secret_access_key|session_token)\s*=\s*\S/im.test(t) },
  {
    what: 'a kubeconfig with user credentials',
    test: (t) => /^[ \t]*kind:\s*["']?Config["']?\s*$/m.test(t) && /^[ \t]*users:/m.test(t) && /^[ \t]*(token|client-key-data|password|id-token|refresh-token):\s*\S/m.test(t),
  },
  { what: 'registry credentials', test: (t) => /"auths"\s*:/.test(t) && /"(auth|identitytoken)"\s*:\s*"[^"]+"/.test(t) },
  { what: 'netrc credentials', test: (t) => netrcWithPassword(t) },
  { what: 'package registry tokens', test: (t) => /^[ \t]*(\/\/[^\s=]+:)?_(authToken|auth|password)\s*=\s*\S/m.test(t) || /^[ \t]*npmAuth(Token|Ident):\s*["']?[^\s"'$]/m.test(t) },
  { what: 'connection settings with a password or token', test: (t) => sectionWithSecret(t) },
  { what: 'a pgpass file', test: (t) => linesAll(t, /^[^\s:#][^:\s]*:(\d+|\*):[^:\s]+:[^:\s]+:\S+$/) },
  { what: 'stored git credentials', test: (t) => linesAll(t, /^[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s@]+@\S+$/i) },
  { what: 'Terraform state', test: (t) => /"terraform_version"\s*:/.test(t) && /"resources"\s*:/.test(t) },
];

/** Why `text` is a credential document, or undefined. */
export function credentialContent(text: string): string | undefined {
  return CREDENTIAL_CONTENT.find((c) => c.test(text))?.what;
}

/** Long base64 runs, decoded (a key block wrapped once more, as in a Kubernetes secret). */
function base64Runs(text: string): string[] {
  // Lines of a wrapped encoding (64 or 76 columns, maybe indented) are one run.
  const runs = text.replace(/\r?\n[ \t]*/g, '').match(BASE64_RUN) ?? [];
  // Decoding is bounded: a huge file of base64 is scanned in its first runs only.
  return runs.slice(0, 200).flatMap((run) => [0, 1, 2, 3].map((shift) => Buffer.from(run.slice(shift), 'base64').toString('latin1')));
}

function cloudCredentialJson(text: string): boolean {
  const typed = /"type"\s*:\s*"(service_account|authorized_user|impersonated_service_account)"/.exec(text);
  if (!typed) return false;
  return /"(private_key|refresh_token|client_secret)"\s*:\s*"[^"]/.test(text);
}

/** An INI or TOML section (`[default]`, `[connections.prod]`, `[pypi]`) with a literal password, token or key. */
function sectionWithSecret(text: string): boolean {
  if (!/^[ \t]*\[[^\]\n]+\]\s*$/m.test(text)) return false;
  // A reference to a variable (${PW}, {{ env_var('PW') }}, %(pw)s) is not the secret itself.
  return /^[ \t]*(password|passwd|token|private_key|private_key_passphrase|private_key_file_pwd|client_secret|api_key|secret)\s*=\s*(?!["']?\s*["']?\s*$)(?!["']?(\$\{|\$[A-Z_]|\{\{|%\())\S/im.test(text);
}

/** A netrc: `machine <host>` (or `default`) entries, one of them with a password. Tokens, not a regex: it is linear. */
function netrcWithPassword(text: string): boolean {
  const tokens = text.split(/\s+/, 200_000);
  const entry = tokens.findIndex((t) => t === 'machine' || t === 'default');
  if (entry < 0) return false;
  const password = tokens.indexOf('password', entry);
  return password > 0 && password + 1 < tokens.length && tokens[password + 1] !== '';
}

/** Every non-empty, non-comment line matches `line` (and there is at least one). */
function linesAll(text: string, line: RegExp): boolean {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  return lines.length > 0 && lines.length <= 1000 && lines.every((l) => line.test(l));
}
