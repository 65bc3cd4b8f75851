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

/** `value` with `mask` applied to every string in it (keys too): for events and audit records. */
export function redactDeep<T>(value: T, mask: (text: string) => string): T {
  return walk(value, mask, 0) as T;
}

function walk(value: unknown, mask: (text: string) => string, depth: number): unknown {
  if (typeof value === 'string') return mask(value);
  // Deeper than any event or record nests: nothing there is expected, so nothing is kept.
  if (depth > 32) return undefined;
  if (Array.isArray(value)) return value.map((v) => walk(v, mask, depth + 1));
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [mask(k), walk(v, mask, depth + 1)]));
  }
  return value;
}
