// Stop: the caller's signal and our own deadline, both ending in a server-side abort.
import { QueryCancelledError, QueryTimeoutError } from '../connector';

/** After Stop, how long to wait for the server to end the request before giving up on it locally. */
const CANCEL_GRACE_MS = 10_000;

export class StopControl {
  reason: 'cancel' | 'timeout' | undefined;
  onStop: (() => void) | undefined;
  /** Rejects if the server never ends the request after an abort: the caller is not kept waiting. */
  readonly gaveUp: Promise<never>;
  private giveUp!: (error: Error) => void;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private grace: ReturnType<typeof setTimeout> | undefined;
  private readonly onAbort = () => this.stop('cancel');

  constructor(
    private readonly signal: AbortSignal | undefined,
    private readonly clientTimeoutMs: number | undefined,
    private readonly serverTimeoutS: number,
  ) {
    this.gaveUp = new Promise<never>((_, reject) => (this.giveUp = reject));
    this.gaveUp.catch(() => undefined);
  }

  arm(): void {
    this.signal?.addEventListener('abort', this.onAbort);
    if (this.signal?.aborted) this.stop('cancel');
    // Our own deadline: the server's STATEMENT_TIMEOUT_IN_SECONDS has whole-second granularity and
    // does not cover reading the result.
    if (this.clientTimeoutMs) this.timer = setTimeout(() => this.stop('timeout'), this.clientTimeoutMs);
  }

  timeoutMs(): number {
    return this.clientTimeoutMs ?? this.serverTimeoutS * 1000;
  }

  private stop(reason: 'cancel' | 'timeout'): void {
    if (this.reason) return;
    this.reason = reason;
    this.onStop?.();
    this.grace = setTimeout(() => this.giveUp(reason === 'cancel' ? new QueryCancelledError() : new QueryTimeoutError(this.timeoutMs())), CANCEL_GRACE_MS);
    this.grace.unref?.();
  }

  finish(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
    if (this.timer) clearTimeout(this.timer);
    if (this.grace) clearTimeout(this.grace);
    this.onStop = undefined;
  }
}
