// The optional HMAC key of an audit log. With it, each line's hash is HMAC-SHA256 over the same
// canonical text, so someone who rewrites the file cannot recompute a chain that verifies. Lines
// carry only the key's id (a hash of it), never the key.
import { createHash, createHmac, randomBytes } from 'node:crypto';

export const MAC_ALGORITHM = 'hmac-sha256';
const MIN_KEY_CHARS = 32;

export interface AuditKey {
  /** 16 hex characters that name the key in each line and in the anchor. */
  readonly id: string;
  mac(canonical: Buffer | string): string;
}

/** A key from its text form (PIPEWRIGHT_AUDIT_KEY, or the editor's secret); throws a readable error when too short. */
export function auditKeyFromText(text: string, source = 'the audit key'): AuditKey {
  const secret = text.trim();
  if (secret.length < MIN_KEY_CHARS) {
    throw new Error(`${source} is ${secret.length} characters long; use at least ${MIN_KEY_CHARS} random characters (e.g. the output of \`openssl rand -base64 32\`).`);
  }
  const id = createHash('sha256').update(`pipewright audit key id\0${secret}`).digest('hex').slice(0, 16);
  return { id, mac: (canonical) => createHmac('sha256', secret).update(canonical).digest('hex') };
}

/** A fresh random key in its text form (the editor keeps it in SecretStorage). */
export function newAuditKeyText(): string {
  return randomBytes(32).toString('base64url');
}
