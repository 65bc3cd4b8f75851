// Files that hold credentials are never handed to the model, whatever the prompt says and whatever
// the user approves. Known by name (wherever they sit in the tree, any case) and by what they
// hold: a key file or a cloud credential under an innocent name is refused as well.
import { maskSecretShapes, SECRET_KEY_NAME } from '../observability/secretShapes';

/** Names and folders of credential files, matched against the whole workspace-relative path. */
const CREDENTIAL_NAMES: readonly { pattern: RegExp; what: string }[] = [
  { pattern: /(^|\/)\.env(\.[^/]*)?$/i, what: 'an environment file' },
  // prod.env, app.env.local: an env_file under its own name (not prod.env.sql, a project source).
  { pattern: /(^|\/)[^/]+\.env(\.(?!(sql|ya?ml|md|markdown|jinja2?|j2)$)[^/.]+)?$/i, what: 'an environment file' },
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
  { what: 'a PuTTY private key', test: (t) => /^PuTTY-User-Key-File-\d+:/m.test(t) },
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
  { what: 'a literal password, token or key (set to a value, not a reference to one)', test: (t) => literalSecretSetting(t) },
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

const SECRET_KEY = new RegExp(`^${SECRET_KEY_NAME}$`, 'i');
// A setting at the start of a line: YAML `key: v` (maybe a list item), dotenv `KEY=v` (maybe
// exported), INI `key = v`, JSON `"key": "v"`, a Python or TypeScript `key = "v"` / `key: "v"`.
const SETTING = /^(\s*)(?:-\s+)?(?:export\s+)?(?:(["'])([A-Za-z_][\w.-]{0,100})\2|([A-Za-z_][\w.-]{0,100}))(\s*)([=:])(\s*)(.*)$/;
// The same anywhere in a line: a JSON or Python member (minified JSON, a dict literal, a YAML flow
// map `{user: a, password: "v"}`) with a quoted value (looked ahead at: a value's closing quote may open the next key), an XML element (`<password>v</password>`, Maven's settings.xml).
const QUOTED_MEMBER = /(?:(["'])([A-Za-z_][\w.-]{0,100})\1|(?<=[{,]\s{0,20})([A-Za-z_][\w.-]{0,100}))\s*:\s*(?=(["'])([^"'\r\n]{0,512})\4)/g;
const XML_ELEMENT = /<([A-Za-z_][\w.-]{0,100})>([^<\r\n]{1,512})<\/\1>/g;
// A YAML block scalar (`password: |`), whose value is on the next line.
const BLOCK_SCALAR = /^[|>][-+]?\d?$/;
// Not the secret itself: a variable (${PW}, $PW, $(cmd)), a template ({{ env_var('PW') }}, {% %}),
// configparser's %(pw)s, env("PW"), a YAML tag or alias (!Ref, *pw), a placeholder (<password>, ****, ...).
const REFERENCE = /^(\$|%\(|[!*&]|<.*>$|\.\.\.|(your|my)[_-]|change_?me$|redacted$)|\{\{|\{%|\benv(_var)?\s*\(|\bos\.environ|\bprocess\.env|\bgetenv\s*\(/i;
// Bare values that are a YAML keyword or a type annotation (`password: str`), not a value.
const KEYWORD = /^(null|none|nil|~|true|false|yes|no|on|off|undefined|string|str|number|int|integer|bool|boolean|any|bytes|secret|password|required|optional)$/i;
// A bare value that is code, not a setting: a call, a member (`config.password`), an indexing.
const CODE = /[()[\]{}]|^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/;

/**
 * A key named like a secret set to a literal value that the masker would not hide: a password in
 * a YAML or JSON config, a token in an INI without a section. A value the masker hides anyway (a
 * token of a known shape, a `password=` pair) is left to it, so a document quoting one stays readable.
 */
function literalSecretSetting(text: string): boolean {
  // Every line counts (no padding hides one); a setting is judged on its first 2000 characters.
  const lines = text.split(/\r?\n/);
  return lines.some((line, i) => {
    // JSON inside a JSON string (`"{\"password\":\"v\"}"`) is read unescaped too.
    const unescaped = line.replace(/\\+"/g, '"');
    return [line, unescaped].some((l) => lineSetsSecret(l.slice(0, 2000), (lines[i + 1] ?? '').slice(0, 2000)) || memberSetsSecret(l));
  });
}

function lineSetsSecret(line: string, next: string): boolean {
  const m = SETTING.exec(line);
  if (!m) return false;
  const [, indent, , quotedKey, bareKey, before, sep, after, rest] = m;
  const key = quotedKey ?? bareKey;
  // PWD is the shell's working directory, not a password.
  if (!SECRET_KEY.test(key) || key === 'PWD') return false;
  const quoted = /^(["'])(.*?)\1\s*(?:[,;]\s*)?(?:(?:#|\/\/).*)?$/.exec(rest);
  if (quoted) return isLiteralSecret(quoted[2], key, line);
  // YAML's value on the next, deeper-indented line: after a block indicator, or after nothing.
  if (sep === ':' && (BLOCK_SCALAR.test(rest.trim()) || rest.trim() === '')) {
    const deeper = /^(\s*)(\S.*)$/.exec(next);
    if (!deeper || deeper[1].length <= indent.length) return false;
    const value = deeper[2].trim();
    // A nested mapping or list is not a value.
    if (rest.trim() === '' && (/^-(\s|$)/.test(value) || /^[^\s'"]+:(\s|$)/.test(value) || value.startsWith('#'))) return false;
    return !KEYWORD.test(value) && isLiteralSecret(value.replace(/^(["'])(.*)\1$/, '$2'), key, next);
  }
  // A bare value: YAML (`key: value`, one word, then maybe a comment) or dotenv (`KEY=value`,
  // unindented, no spaces: indented `key=value` is a keyword argument in code).
  const bare = /^([^\s#'"]+)\s*(#.*)?$/.exec(rest)?.[1].replace(/[,;]$/, '');
  if (!bare || CODE.test(bare) || KEYWORD.test(bare)) return false;
  const yaml = sep === ':' && after.length > 0 && quotedKey === undefined;
  const dotenv = sep === '=' && indent === '' && before === '' && after === '';
  return (yaml || dotenv) && isLiteralSecret(bare, key, line);
}

function memberSetsSecret(line: string): boolean {
  for (const m of line.matchAll(QUOTED_MEMBER)) {
    const key = m[2] ?? m[3];
    if (SECRET_KEY.test(key) && isLiteralSecret(m[5], key, line)) return true;
  }
  for (const m of line.matchAll(XML_ELEMENT)) if (SECRET_KEY.test(m[1]) && !KEYWORD.test(m[2].trim()) && isLiteralSecret(m[2], m[1], line)) return true;
  return false;
}

function isLiteralSecret(value: string, key: string, line: string): boolean {
  const v = value.trim();
  if (v.length < 4 || REFERENCE.test(v) || /^(.)\1*$/.test(v)) return false;
  // Counts and limits (`max_token: 4096`) are numbers; a numeric password is kept as one.
  if (/token$/i.test(key) && /^\d+$/.test(v)) return false;
  // What the masker hides never reaches the model.
  return maskSecretShapes(line).includes(v);
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
