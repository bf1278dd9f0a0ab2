/**
 * A `RangeSource` (callseal's random-access input) over HTTP Range requests on a pre-signed URL.
 *
 * The reader asks for small pieces (a header, one frame, a few frames); one HTTP request per
 * piece would be slow, so reads go through aligned blocks of ciphertext kept in a small LRU
 * (ciphertext only: nothing decrypted is cached here) and the next block is fetched ahead
 * while the current one is consumed. A `403` (pre-signed URL expired) asks `refreshUrl` for a
 * new URL once and retries. A reader beside playback (`readAside`) takes what the cache holds and
 * fetches the rest without keeping it.
 */
import type { RangeSource } from 'callseal/decrypt';

/** An HTTP failure of the object store, with what the page needs to explain it. */
export class FetchError extends Error {
  override readonly name = 'FetchError';
  constructor(
    /** HTTP status (0 = network error / CORS). */
    readonly status: number,
    /** S3's error code from the XML body when there is one (`AccessDenied`, `NoSuchKey`...). */
    readonly s3Code: string,
    message: string,
    /** True when S3 said the pre-signed URL has expired. */
    readonly expired = false,
  ) {
    super(message);
  }
}

export interface HttpRangeSourceOptions {
  /** Total size of the object when the listing gave it. */
  size?: number;
  /** Bytes per cached block (default 256 KiB). */
  blockSize?: number;
  /** Blocks kept in memory (default 48). */
  maxBlocks?: number;
  /** Blocks fetched ahead of the last one read (default 4: 1 MiB). */
  readAhead?: number;
  /** Asks the broker for a fresh pre-signed URL when S3 answers 403 (expired). */
  refreshUrl?: () => Promise<string>;
  /** Told of every HTTP request: [start, end) of the object and the time it took. */
  onFetch?: (start: number, end: number, millis: number) => void;
  signal?: AbortSignal;
  /** The fetches' priority (`low` for background reads: the page's other requests go first). */
  priority?: RequestPriority;
}

/** Pauses (ms) before retrying a request the store did not answer or answered with 5xx. */
const TRANSIENT_RETRIES = [300, 1000, 2500];
/** Deadline of one Range request, body included (a block run is at most ~1.25 MiB). */
const REQUEST_TIMEOUT_MS = 20_000;

/** One request's own settings (`readAside`'s): else the source's options apply. */
interface FetchHow {
  priority?: RequestPriority;
  signal?: AbortSignal;
  /** False: not told to `onFetch` (bytes the source does not keep). */
  report?: boolean;
}

interface Block {
  promise: Promise<Uint8Array>;
  bytes?: Uint8Array;
}

export class HttpRangeSource {
  size?: number;
  private url: string;
  private readonly blockSize: number;
  private readonly maxBlocks: number;
  private readonly readAhead: number;
  private readonly blocks = new Map<number, Block>();
  /** Small pieces fetched on their own (`readUncached` with `keep`): header, final frame. */
  private pieces: { start: number; bytes: Uint8Array }[] = [];
  private refreshing?: Promise<string>;
  /** Bytes the `readAside` calls took from this source's blocks and pieces, and fetched themselves. */
  readonly aside = { reused: 0, fetched: 0 };

  constructor(url: string, private readonly opts: HttpRangeSourceOptions = {}) {
    this.url = url;
    this.size = opts.size;
    this.blockSize = opts.blockSize ?? 256 * 1024;
    this.maxBlocks = opts.maxBlocks ?? 48;
    this.readAhead = opts.readAhead ?? 4;
  }

  /** This source as callseal's `RangeSource`, once its size is known (given, or from a Content-Range). */
  asRangeSource(): RangeSource {
    const size = this.size;
    if (size === undefined) throw new FetchError(0, '', 'object size unknown: no answer so far had a Content-Range');
    return { size, read: (offset, length) => this.read(offset, length) };
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new RangeError(`bad range ${offset}+${length}`);
    }
    const end = this.size === undefined ? offset + length : Math.min(offset + length, this.size);
    if (end <= offset) return new Uint8Array(0);
    for (const p of this.pieces) {
      if (offset >= p.start && end <= p.start + p.bytes.length) return p.bytes.slice(offset - p.start, end - p.start);
    }
    const first = Math.floor(offset / this.blockSize);
    const last = Math.floor((end - 1) / this.blockSize);
    // Read ahead (in the same request when the blocks are missing too): the reader walks
    // forward through the object while audio plays. Reads near the end (the final frame) don't.
    const nearEnd = this.size !== undefined && this.size - end < this.blockSize;
    this.ensure(first, last);
    // Hold the blocks of this read before anything is evicted: they may be the oldest in the
    // LRU, and the read-ahead (or another read while this one waits) must not drop them.
    const wanted: Block[] = [];
    for (let b = first; b <= last; b++) { this.touch(b); wanted.push(this.blocks.get(b)!); }
    if (!nearEnd) this.ensure(last + 1, last + this.readAhead);
    this.evict();

    const out = new Uint8Array(end - offset);
    let filled = 0;
    for (let b = first; b <= last; b++) {
      const block = await wanted[b - first]!.promise;
      const blockStart = b * this.blockSize;
      const from = Math.max(offset, blockStart) - blockStart;
      const to = Math.min(end, blockStart + block.length) - blockStart;
      if (to <= from) break; // object ended inside this block
      out.set(block.subarray(from, to), filled);
      filled += to - from;
      if (block.length < this.blockSize) break;
    }
    return filled === out.length ? out : out.subarray(0, filled);
  }

  /**
   * Bytes [offset, offset + length) in one request of exactly that range, outside the block
   * cache and without read-ahead: a small piece wanted sooner than its 256 KiB block would
   * arrive (the header; the final frame). With `keep`, the piece (ciphertext) also answers later
   * reads that fall inside it, until `clear()`.
   */
  async readUncached(offset: number, length: number, { keep = false } = {}): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new RangeError(`bad range ${offset}+${length}`);
    }
    const end = this.size === undefined ? offset + length : Math.min(offset + length, this.size);
    if (end <= offset) return new Uint8Array(0);
    const bytes = await this.fetchRange(offset, end);
    if (keep) this.pieces.push({ start: offset, bytes });
    return bytes;
  }

  /**
   * Bytes [offset, offset + length) for a reader beside playback (the signature check's pass over
   * the whole object): what this source holds (blocks, settled or in flight, and kept pieces) is
   * copied out; only the parts it does not hold are fetched, at `priority`, and they are not kept.
   * The cache is left as it was: no block added, evicted or moved in the LRU, so such a pass
   * costs playback neither memory nor its blocks. `reused` and `fetched` count the bytes of each.
   */
  async readAside(offset: number, length: number, { priority = 'low', signal }: { priority?: RequestPriority; signal?: AbortSignal } = {}): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new RangeError(`bad range ${offset}+${length}`);
    }
    const end = this.size === undefined ? offset + length : Math.min(offset + length, this.size);
    if (end <= offset) return new Uint8Array(0);
    const parts: { at: number; bytes: Promise<Uint8Array>; fetched?: true }[] = [];
    const fetchAside = (from: number, to: number) => {
      this.aside.fetched += to - from;
      return this.fetchRange(from, to, { priority, signal, report: false });
    };
    for (let p = offset; p < end;) {
      const held = this.heldAt(p, end);
      if (held) {
        const { from, to, bytes } = held;
        this.aside.reused += to - from;
        // A block whose fetch fails is fetched here instead (and not kept either).
        parts.push({ at: from, bytes: bytes.then((b) => (b.length >= to - from ? b.subarray(0, to - from) : Promise.reject(new Error('short block'))))
          .catch(() => { this.aside.reused -= to - from; return fetchAside(from, to); }) });
        p = to;
      } else {
        const to = this.nextHeld(p, end);
        parts.push({ at: p, bytes: fetchAside(p, to), fetched: true });
        p = to;
      }
    }
    // One fetched part is the answer as it came (nothing else holds its buffer).
    if (parts.length === 1 && parts[0]!.fetched) return parts[0]!.bytes;
    const out = new Uint8Array(end - offset);
    let filled = 0;
    for (const part of parts) {
      const bytes = await part.bytes;
      out.set(bytes, part.at - offset);
      filled = part.at - offset + bytes.length;
    }
    return filled === out.length ? out : out.subarray(0, filled);
  }

  /** What this source holds from `p` on (at most up to `end`): a kept piece's bytes or a block's. */
  private heldAt(p: number, end: number): { from: number; to: number; bytes: Promise<Uint8Array> } | undefined {
    for (const piece of this.pieces) {
      const pieceEnd = piece.start + piece.bytes.length;
      if (p >= piece.start && p < pieceEnd) {
        const to = Math.min(end, pieceEnd);
        return { from: p, to, bytes: Promise.resolve(piece.bytes.subarray(p - piece.start, to - piece.start)) };
      }
    }
    const b = Math.floor(p / this.blockSize);
    const block = this.blocks.get(b);
    if (!block) return undefined;
    const blockStart = b * this.blockSize;
    const to = Math.min(end, blockStart + this.blockSize);
    const cut = (bytes: Uint8Array) => bytes.subarray(Math.min(p - blockStart, bytes.length), Math.min(to - blockStart, bytes.length));
    return { from: p, to, bytes: block.bytes ? Promise.resolve(cut(block.bytes)) : block.promise.then(cut) };
  }

  /** Where, after `p` (which this source does not hold), the next held byte is; `end` if none before it. */
  private nextHeld(p: number, end: number): number {
    let next = end;
    for (const piece of this.pieces) if (piece.start > p && piece.start < next) next = piece.start;
    for (let b = Math.floor(p / this.blockSize) + 1; b * this.blockSize < next; b++) {
      if (this.blocks.has(b)) return b * this.blockSize;
    }
    return next;
  }

  /** Drops cached ciphertext and cancels nothing in flight (responses are small). */
  clear(): void {
    this.blocks.clear();
    this.pieces = [];
  }

  /** Starts fetching the missing blocks in [first, last], consecutive ones in one request (no eviction). */
  private ensure(first: number, last: number): void {
    let runStart = -1;
    for (let b = first; b <= last + 1; b++) {
      const missing = b <= last && !this.blocks.has(b) && (this.size === undefined || b * this.blockSize < this.size);
      if (missing && runStart < 0) runStart = b;
      if (!missing && runStart >= 0) {
        this.fetchRun(runStart, b - 1);
        runStart = -1;
      }
    }
  }

  private fetchRun(first: number, last: number): void {
    const start = first * this.blockSize;
    let end = (last + 1) * this.blockSize;
    if (this.size !== undefined) end = Math.min(end, this.size);
    const run = this.fetchRange(start, end);
    for (let b = first; b <= last; b++) {
      const at = (b - first) * this.blockSize;
      const block: Block = {
        promise: run.then((bytes) => {
          const piece = bytes.subarray(Math.min(at, bytes.length), Math.min(at + this.blockSize, bytes.length));
          block.bytes = piece;
          return piece;
        }),
      };
      // A failed fetch must not stay cached: the next read retries.
      block.promise.catch(() => { if (this.blocks.get(b) === block) this.blocks.delete(b); });
      this.blocks.set(b, block);
    }
  }

  /**
   * GET bytes [start, end) with one Range request; retries once with a fresh URL on 403, and
   * a few times (with a pause) when the store cannot be reached or answers 5xx: a restarting
   * or briefly overloaded store should not stop playback.
   */
  private async fetchRange(start: number, end: number, how: FetchHow = {}, retried = false): Promise<Uint8Array> {
    const signal = how.signal ?? this.opts.signal;
    const t0 = performance.now();
    let res: Response | undefined;
    let body = new ArrayBuffer(0);
    for (let attempt = 0; ; attempt++) {
      let failure: FetchError | undefined;
      try {
        res = await fetch(this.url, {
          headers: { Range: `bytes=${start}-${end - 1}` },
          cache: 'no-store',
          credentials: 'omit',
          priority: how.priority ?? this.opts.priority ?? 'auto',
          // A request that hangs (store restarting, connection lost) fails and is retried
          // instead of stalling every read behind it.
          signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]) : AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        // The body arrives within the same deadline (the signal covers it).
        body = await res.arrayBuffer();
      } catch (e) {
        if (signal?.aborted) throw e;
        failure = new FetchError(0, '', `the object store could not be reached (${(e as Error).message})`);
      }
      const transient = failure !== undefined || (res!.status >= 500 && res!.status !== 501);
      if (!transient || attempt >= TRANSIENT_RETRIES.length) {
        if (failure) throw failure;
        break;
      }
      await new Promise((r) => setTimeout(r, TRANSIENT_RETRIES[attempt]));
    }
    if (!res) throw new FetchError(0, '', 'the object store could not be reached');
    if (res.status === 403 && !retried && this.opts.refreshUrl) {
      const text = new TextDecoder().decode(body);
      if (/expired/i.test(text)) {
        this.refreshing ??= this.opts.refreshUrl().finally(() => { this.refreshing = undefined; });
        this.url = await this.refreshing;
        return this.fetchRange(start, end, how, true);
      }
      throw s3Error(403, text);
    }
    if (res.status === 416) return new Uint8Array(0);
    if (res.status !== 206 && res.status !== 200) throw s3Error(res.status, new TextDecoder().decode(body));
    const range = res.headers.get('content-range');
    const total = range ? /\/(\d+)$/.exec(range)?.[1] : undefined;
    if (total !== undefined) this.size = Number(total);
    let bytes = new Uint8Array(body);
    if (res.status === 200) {
      // A server that ignored Range sent the whole object: keep the part asked for.
      this.size = bytes.length;
      bytes = bytes.slice(start, end);
    } else if (range && !range.startsWith(`bytes ${start}-`)) {
      throw new FetchError(res.status, '', `the object store answered range ${range} for bytes ${start}-${end - 1}`);
    }
    if (how.report !== false) this.opts.onFetch?.(start, start + bytes.length, performance.now() - t0);
    return bytes;
  }

  private touch(b: number): void {
    const block = this.blocks.get(b);
    if (block) { this.blocks.delete(b); this.blocks.set(b, block); }
  }

  private evict(): void {
    for (const [b, block] of this.blocks) {
      if (this.blocks.size <= this.maxBlocks) break;
      if (block.bytes) this.blocks.delete(b); // oldest settled first; in-flight blocks stay
    }
  }
}

function s3Error(status: number, body: string): FetchError {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1] ?? '';
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1] ?? body.slice(0, 200);
  const expired = status === 403 && /expired/i.test(body);
  return new FetchError(status, code, `object store: HTTP ${status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`, expired);
}
