// Keeps secrets out of every message a user, a log or a model can see: known secret values are
// replaced, and anything shaped like a credential (key blocks, access keys, tokens, bearer
// headers, JWTs, user:password@ in URLs) is masked, whoever put it there.
import { maskSecretShapes } from './secretShapes';

export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) {
    // Very short values would mask ordinary words; they are not secrets worth the name anyway.
    if (secret && secret.length >= 4 && out.includes(secret)) out = out.split(secret).join('***');
  }
  return maskSecretShapes(out);
}

/** A masker that knows `secrets`, for the places that hold a connection's or a model's credentials. */
export function redactorFor(secrets: readonly (string | undefined)[]): (text: string) => string {
  return (text) => redact(text, secrets);
}
