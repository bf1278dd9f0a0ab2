/**
 * Token buckets per key (a user, a source address, or one key for a global budget): `perMinute`
 * tokens refilled continuously, bursts up to `perMinute`. The map is bounded: a bucket that has
 * refilled is the same as none and is dropped (checked once a minute), and beyond `maxKeys` the
 * least recently used bucket goes (its key starts afresh: a global budget bounds what that gives).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private prunedAt: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {
    this.prunedAt = now();
  }

  /** Buckets held (at most maxKeys). */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes a token; returns 0 when allowed, else the seconds to wait. */
  take(key: string): number {
    const t = this.now();
    const rate = this.perMinute / 60_000;
    if (t - this.prunedAt >= 60_000) this.prune(t, rate);
    const b = this.buckets.get(key) ?? { tokens: this.perMinute, at: t };
    b.tokens = Math.min(this.perMinute, b.tokens + (t - b.at) * rate);
    b.at = t;
    this.buckets.delete(key); // re-inserted last: the map's order is least recently used first
    this.buckets.set(key, b);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000));
  }

  /** Drops the buckets that have refilled since they were last used. */
  private prune(t: number, rate: number) {
    this.prunedAt = t;
    for (const [key, b] of this.buckets) if (b.tokens + (t - b.at) * rate >= this.perMinute) this.buckets.delete(key);
  }
}

