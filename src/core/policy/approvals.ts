// The approval gateway: a core interface every front end implements (the editor with a card in
// the chat panel, the CLI with flags or a prompt, tests with a script). An approval is bound to a
// hash of the exact tool, arguments and connection: a changed argument needs a new approval.
import { createHash, randomUUID } from 'node:crypto';
import type { ApprovalRequest } from '../observability/events';

export type ApprovalLevel = ApprovalRequest['level'];

export type { ApprovalRequest };

export interface ApprovalAnswer {
  decision: 'once' | 'session' | 'reject';
  /** What the user typed for a `confirm`. */
  typed?: string;
  /** Why it was refused when no one was asked (e.g. no terminal): said instead of "the user rejected it". */
  reason?: string;
}

export interface ApprovalGateway {
  request(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer>;
}

/** A gateway that says no to everything (CLI `--approve never`, untrusted contexts). */
export const rejectAll: ApprovalGateway = { request: async () => ({ decision: 'reject' }) };

/** JSON with object keys sorted, so the same arguments always hash the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function argsHash(tool: string, args: unknown, connection: Pick<ApprovalRequest['connection'], 'id' | 'dialect' | 'environment' | 'writable'>): string {
  // The connection's identity and mode are part of what was approved, not just its id.
  const where = { id: connection.id, dialect: connection.dialect, environment: connection.environment, writable: connection.writable === true };
  return createHash('sha256').update(canonicalJson({ tool, args, connection: where })).digest('hex');
}

export function newApprovalId(): string {
  return randomUUID();
}

/** Approvals "for this session": by exact argument hash, kept as long as the conversation. */
export class SessionApprovals {
  private readonly hashes = new Set<string>();
  has(hash: string): boolean {
    return this.hashes.has(hash);
  }
  add(hash: string): void {
    this.hashes.add(hash);
  }
  clear(): void {
    this.hashes.clear();
  }
}
