// Per-session rate limits from tool declarations (`30/minute`): a model stuck in a loop, or one
// trying to hammer the warehouse, gets a tool error instead of another query.
const UNIT_MS = { second: 1000, minute: 60_000, hour: 3_600_000 } as const;

export function parseRateLimit(text: string): { count: number; windowMs: number } {
  const match = /^(\d+)\/(second|minute|hour)$/.exec(text);
  if (!match || Number(match[1]) < 1) throw new Error(`Invalid rate limit "${text}": use N/second, N/minute or N/hour.`);
  return { count: Number(match[1]), windowMs: UNIT_MS[match[2] as keyof typeof UNIT_MS] };
}

export class RateLimiter {
  private readonly calls = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records a call and says whether it is within `limit`; refused calls are not counted. */
  take(key: string, limit: string): boolean {
    const { count, windowMs } = parseRateLimit(limit);
    const at = this.now();
    const recent = (this.calls.get(key) ?? []).filter((t) => at - t < windowMs);
    const allowed = recent.length < count;
    if (allowed) recent.push(at);
    this.calls.set(key, recent);
    return allowed;
  }
}
