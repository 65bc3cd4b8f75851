// Keeps secrets out of every message a user, a log or a model can see: known secret values are
// replaced, and credentials inside connection URLs (user:password@) are masked.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+):[^\s@/]*@/gi;

export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  // The checks first: this runs on every string of every audit line, and most hold no secret.
  let out = text.includes('@') ? text.replace(URL_CREDENTIALS, '$1:***@') : text;
  for (const secret of secrets) {
    // Very short values would mask ordinary words; they are not secrets worth the name anyway.
    if (secret && secret.length >= 4 && out.includes(secret)) out = out.split(secret).join('***');
  }
  return out;
}
