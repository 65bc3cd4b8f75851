// Shapes of credentials that can be recognised without knowing their value: key blocks, cloud
// access keys, vendor tokens, bearer headers, JWTs. Each is masked wherever text leaves Pipewright
// (to the model, an event, an audit line). The patterns work on raw text and on text that was
// JSON-encoded first (newlines as `\n`, quotes as `\"`), because tool output is encoded before it
// is masked.

interface SecretShape {
  name: string;
  pattern: RegExp;
  /** Replacement: keep the label (`Bearer `, `-----BEGIN … KEY-----`), drop the value. */
  mask: string | ((match: string, ...groups: string[]) => string);
}

// A key block's body: base64 lines (raw, CRLF, or JSON-escaped `\n`/`\r` between them, indented
// as in YAML) and its headers. No dash, so it stops at the END line; every pattern here is linear in its input
// (no two ways to match the same text, runs started only where they begin, lengths bounded),
// because file content from the workspace is attacker-controlled.
const PEM_BODY = String.raw`(?:(?:Proc-Type|DEK-Info|Version|Comment|Hash): ?[^\r\n\\]{0,200}|\\{1,2}[rnt]|[A-Za-z0-9+/= \r\n\t])*`;

// Where a token may start: not inside a run of token characters (so each run is scanned once),
// and not right after a backslash, but right after a JSON escape (`\n`, `\t`) it may: a line of a
// JSON string starts there.
const startAfter = (tokenChars: string) => String.raw`(?<=^|[^${tokenChars}\\]|\\[nrt])`;
const startingToken = (body: string, flags = 'g', tokenChars = String.raw`A-Za-z0-9_\-`) => new RegExp(startAfter(tokenChars) + body, flags);

/**
 * A key that names a secret: its last word is a password, token, secret or key (DB_PASSWORD,
 * apiKey, client_secret, spring.datasource.password, PWD). `pass` only as a word of its own, so
 * `bypass` and `compass` are not. Bounded, for the masker's linear patterns.
 */
export const SECRET_KEY_NAME = String.raw`(?:[A-Za-z0-9_.\-]{0,64}?(?:password|passwd|passphrase|pwd|secret|token|api_?key|access_?key|account_?key|secret_?key|private_?key|auth_?key|master_?key)|(?:[A-Za-z0-9_.\-]{0,64}?[_.\-])?pass)`;

export const SECRET_SHAPES: readonly SecretShape[] = [
  {
    // A whole private key block, CRLF or LF, with Proc-Type/DEK-Info headers; also one cut short (no END line).
    name: 'private key block',
    pattern: new RegExp(String.raw`(-----BEGIN ((?:[A-Z0-9]{1,20} ){0,4}PRIVATE KEY(?: BLOCK)?)-----)${PEM_BODY}(?:-----END [A-Z0-9 ]{0,60}-----)?`, 'g'),
    mask: (_m, begin: string, kind: string) => `${begin}***-----END ${kind}-----`,
  },
  {
    // The same block base64-encoded once more (a Kubernetes secret, a CI variable): "-----BEGIN" in base64, at any alignment.
    name: 'base64-wrapped key block',
    // Wrapped at 64 or 76 columns, the lines after the first are the key too.
    pattern: startingToken(String.raw`[A-Za-z0-9+/=]*?(?:LS0tLS1CRUdJT|0tLS0tQkVHSU|tLS0tLUJFR0lO)[A-Za-z0-9+/=]{20,}(?:(?:\r?\n|\\{1,2}r?\\{1,2}n|\\{1,2}n)[ \t]*[A-Za-z0-9+/=]{4,})*`, 'g', 'A-Za-z0-9+/='),
    mask: '***',
  },
  {
    // The private_key of a service-account JSON and its id, JSON-escaped or not.
    name: 'private key field',
    pattern: /(\\?"private_key(?:_id)?\\?"\s*:\s*\\?")((?:[^"\\]|\\\\|\\[^"\\])*)/g,
    mask: (_m, key: string) => `${key}***`,
  },
  {
    // An AWS secret key: named (ini, env, JSON) ...
    name: 'AWS secret access key (named)',
    pattern: /((?:aws_?)?secret_?access_?key\\?"?'?\s*[:=]\s*\\?"?'?)([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi,
    mask: (_m, key: string) => `${key}***`,
  },
  {
    // ... or standing within a few lines after its access key id.
    name: 'AWS secret access key (next to its id)',
    pattern: startingToken(String.raw`((?:AKIA|ASIA)[A-Z0-9]{16}\b[\s\S]{0,200}?)(?<=[^A-Za-z0-9/+=\\]|\\[nrt])([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])`),
    mask: (_m, before: string) => `${before}***`,
  },
  { name: 'AWS access key id', pattern: startingToken(String.raw`(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|A3T[A-Z0-9])[A-Z0-9]{16}\b`), mask: '***' },
  { name: 'GitHub token', pattern: startingToken(String.raw`(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})`), mask: '***' },
  { name: 'GitLab token', pattern: startingToken(String.raw`gl(?:pat|dt|rt|cbt|ptt|ft|imt|agent)-[A-Za-z0-9_-]{20,}`), mask: '***' },
  { name: 'Slack token', pattern: startingToken(String.raw`xox[abposre]-[A-Za-z0-9-]{10,}`), mask: '***' },
  { name: 'Slack webhook', pattern: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/]+/g, mask: 'https://hooks.slack.com/services/***' },
  // OpenAI (sk-, sk-proj-), Anthropic (sk-ant-) and Stripe (sk_live_, rk_test_) keys. Not `sk_…`
  // alone: that is how warehouses name surrogate keys.
  { name: 'API secret key', pattern: startingToken(String.raw`(?:sk-[A-Za-z0-9_-]{20,}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,})`), mask: '***' },
  { name: 'Google API key', pattern: startingToken(String.raw`AIza[0-9A-Za-z_-]{35}\b`), mask: '***' },
  { name: 'npm token', pattern: startingToken(String.raw`npm_[A-Za-z0-9]{36}\b`), mask: '***' },
  { name: 'Hugging Face token', pattern: startingToken(String.raw`hf_[A-Za-z0-9]{30,}\b`), mask: '***' },
  // An Authorization header's credentials (any scheme), and a bearer token wherever it is quoted.
  {
    name: 'authorization header',
    pattern: /(\bAuthorization\\?"?'?\s*[:=]\s*\\?"?'?(?:(?:Bearer|Basic|Token|Digest)\s+)?)[A-Za-z0-9._~+/=-]{6,}/gi,
    mask: (_m, head: string) => `${head}***`,
  },
  { name: 'bearer token', pattern: /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{16,}/gi, mask: (_m, head: string) => `${head}***` },
  { name: 'JWT', pattern: startingToken(String.raw`eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{8,}`), mask: '***' },
  {
    // A PuTTY key file's private lines (its public lines are public).
    name: 'PuTTY private key',
    pattern: /(Private-Lines: ?\d{1,4})(?:(?:\r?\n|(?:\\{1,2}r)?\\{1,2}n)(?!Private-)[A-Za-z0-9+/=]{1,256})+/g,
    mask: (_m, head: string) => `${head} ***`,
  },
  {
    // password=… (or pwd=, token=, AccountKey=…) as a URL query parameter, in a `;`-separated
    // connection string (JDBC, ADO.NET, ODBC, Azure) or a dotenv line: the value ends at `&`, `;`,
    // a quote or a space; ODBC's braces hold any character. `==` is a comparison, not a value.
    name: 'key=value credential',
    pattern: startingToken(String.raw`(${SECRET_KEY_NAME}\s*=(?!=)\s*(?:\\{0,3}["'])?)(\{[^}\r\n]{0,256}\}|(?:[^\s;&"'\\]|\\\\){1,256})`, 'gi', String.raw`A-Za-z0-9_.\-`),
    mask: (_m, head: string) => `${head}***`,
  },
  {
    // scheme://user:password@host. A "password" that is a port and a path (host:8080/a@b) is left alone.
    name: 'URL credentials',
    pattern: startingToken(String.raw`([a-z][a-z0-9+.-]{0,30}:\/\/[^\s:/@"\\]{1,256}):(?!\d*(?:[/?#"\\]|$))[^\s@"\\]{0,256}@`, 'gi'),
    mask: (_m, head: string) => `${head}:***@`,
  },
];

// Something every shape starts with or contains: most strings (every string of every audit line)
// hold none of these and skip the patterns entirely.
const ANY_SHAPE_HINT = /-----BEGIN|LS0tLS1CRUdJT|0tLS0tQkVHSU|tLS0tLUJFR0lO|private_key|secret_?access|A(?:KIA|SIA|GPA|IDA|ROA|IPA|NPA|NVA|3T)|gh[pousr]_|github_pat_|gl[a-z]+-|xox|[sr]k[-_]|AIza|npm_|hf_|authorization|bearer|eyJ|:\/\/|pass|pwd|secret|token|key|Private-Lines/i;

/** Masks every secret shape in `text`. */
export function maskSecretShapes(text: string): string {
  if (!ANY_SHAPE_HINT.test(text)) return text;
  let out = text;
  for (const shape of SECRET_SHAPES) out = out.replace(shape.pattern, shape.mask as (substring: string, ...args: string[]) => string);
  return out;
}
