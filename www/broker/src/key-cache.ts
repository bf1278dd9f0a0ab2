/**
 * Data keys already unwrapped for a user, so that re-opening, seeking and switching format do not
 * call KMS again. One entry per user, object, wrapped key and encryption context; kept at most
 * `ttlMs` (5 minutes at most) and `max` entries (beyond, the oldest goes). A key leaving the cache
 * (expired, evicted, replaced, cleared) is zero-filled. The cache owns the buffers it is given and
 * hands out copies (an answer's buffer is zero-filled once sent). It decides nothing: the broker asks for a
 * hit only after the same checks as for a miss (the object's context, mayRead).
 */
import { createHash } from 'node:crypto';

export const MAX_KEY_CACHE_MS = 5 * 60_000;

interface Entry {
  key: Buffer;
  expires: number;
  kmsRequestId?: string;
}

export class DataKeyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly ttlMs: number, private readonly max: number, private readonly now: () => number = Date.now) {
    if (ttlMs > MAX_KEY_CACHE_MS) throw new Error(`a data key is cached ${MAX_KEY_CACHE_MS / 1000} s at most`);
    this.timer = setInterval(() => this.sweep(), Math.max(1000, Math.min(ttlMs, 60_000)));
    this.timer.unref();
  }

  /** The entry's name: a hash of who, which object, which wrapped key and which context. */
  static id(user: string, objectId: string, ciphertext: Uint8Array, context: Record<string, string>): string {
    const pairs = Object.keys(context).sort().map((k) => [k, context[k]]);
    return createHash('sha256').update(JSON.stringify([user, objectId, Buffer.from(ciphertext).toString('base64'), pairs])).digest('hex');
  }

  get size(): number {
    return this.entries.size;
  }

  /** A copy of the cached key (the caller zero-fills it), or undefined. */
  get(id: string): { key: Buffer; kmsRequestId?: string } | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.drop(id, e);
      return undefined;
    }
    const key = Buffer.alloc(e.key.length);
    e.key.copy(key);
    return { key, kmsRequestId: e.kmsRequestId };
  }

  /** Keeps `key` (the cache owns it from now on: give it a copy of a key that is sent). */
  put(id: string, key: Buffer, kmsRequestId?: string) {
    const old = this.entries.get(id);
    if (old) this.drop(id, old);
    this.entries.set(id, { key, expires: this.now() + this.ttlMs, kmsRequestId });
    while (this.entries.size > this.max) {
      const [oldestId, oldest] = this.entries.entries().next().value!;
      this.drop(oldestId, oldest);
    }
  }

  /** Zero-fills and forgets every key. */
  clear() {
    for (const [id, e] of this.entries) this.drop(id, e);
    clearInterval(this.timer);
  }

  private sweep() {
    const t = this.now();
    for (const [id, e] of this.entries) if (e.expires <= t) this.drop(id, e);
  }

  private drop(id: string, e: Entry) {
    e.key.fill(0);
    this.entries.delete(id);
  }
}
