/**
 * A `RangeSource` (callseal's random-access input) over HTTP Range requests on a pre-signed URL.
 *
 * The reader asks for small pieces (a header, one frame, a few frames); one HTTP request per
 * piece would be slow, so reads go through aligned blocks of ciphertext kept in a small LRU
 * (ciphertext only: nothing decrypted is cached here) and the next block is fetched ahead
 * while the current one is consumed. A `403` (pre-signed URL expired) asks `refreshUrl` for a
 * new URL once and retries. A reader beside playback (`readAside`) takes what the cache holds and
 * streams the rest, one request per missing stretch, without keeping it. Every answer must carry
 * the first answer's ETag: an object replaced since is `OBJECT_CHANGED`, never bytes of two
 * objects. (Compared, not sent as `If-Match`: a Range-only request needs no CORS preflight.)
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
  /**
   * Blocks kept in memory (default 16: 4 MiB of 256 KiB blocks). Playback needs a read's blocks
   * (two at most) and the read-ahead's, for each of the two responses the element may have
   * open across a seek: 12.
   */
  maxBlocks?: number;
  /** Blocks fetched ahead of the last one read (default 4: 1 MiB). */
  readAhead?: number;
  /** Asks the broker for a fresh pre-signed URL when S3 answers 403 (expired). */
  refreshUrl?: () => Promise<string>;
  /** Told of every HTTP request this source keeps the bytes of: [start, end) of the object. */
  onFetch?: (start: number, end: number) => void;
  signal?: AbortSignal;
  /** The fetches' priority (`low` for background reads: the page's other requests go first). */
  priority?: RequestPriority;
}

/** Pauses (ms) before retrying a request the store did not answer or answered with 5xx. */
const TRANSIENT_RETRIES = [300, 1000, 2500];
/** Deadline of a Range request's answer, and of each piece of its body. */
const REQUEST_TIMEOUT_MS = 20_000;
/** A missing part of a `readAside` read shorter than this, that no stretch continues, is fetched on its own. */
const PIECE = 64 * 1024;

/** One request's own settings (`readAside`'s): else the source's options apply. */
interface FetchHow {
  priority?: RequestPriority;
  signal?: AbortSignal;
  /** False: not told to `onFetch` (bytes the source does not keep). */
  report?: boolean;
}

/** An answer's body being read (`open`): `deadline` aborts its request. */
interface Body extends BodyReader {
  deadline: AbortController;
}

/** Reads a body piece by piece (`reading`). */
interface BodyReader {
  /** The next piece of the body: valid until the next call (a BYOB read reuses the buffer of the one before). */
  next(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(): void;
}

/** Bytes [at, end) of the object from one Range request, taken in order as its body arrives. */
interface Stretch {
  at: number;
  end: number;
  /** The next `n` bytes (fewer where the object ends), in `into` when it is large enough, else in a buffer of their own. */
  take(n: number, into?: ArrayBuffer): Promise<Uint8Array>;
  cancel(): void;
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
  /** The stretch `readAside` takes its missing bytes from (one Range request streaming in). */
  private stretch?: Stretch;
  /** The ETag of the first answer: the object version every later answer must be. */
  private etag?: string;
  /** Bytes the `readAside` calls took from this source's blocks and pieces, and fetched themselves. */
  readonly aside = { reused: 0, fetched: 0 };
  /** The buffer `readAside` takes fetched bytes into, reused from one call to the next. */
  private asideBuffer?: ArrayBuffer;

  constructor(url: string, private readonly opts: HttpRangeSourceOptions = {}) {
    this.url = url;
    this.size = opts.size;
    this.blockSize = opts.blockSize ?? 256 * 1024;
    this.maxBlocks = opts.maxBlocks ?? 16;
    this.readAhead = opts.readAhead ?? 4;
  }

  /** This source as callseal's `RangeSource`, once its size is known (given, or from a Content-Range). */
  asRangeSource(): RangeSource {
    const size = this.size;
    if (size === undefined) throw new FetchError(0, '', 'object size unknown (no Content-Range yet)');
    return { size, read: (offset, length) => this.read(offset, length) };
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = this.endOf(offset, length);
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
    const end = this.endOf(offset, length);
    if (end <= offset) return new Uint8Array(0);
    const bytes = await this.fetchRange(offset, end);
    if (keep) this.pieces.push({ start: offset, bytes });
    return bytes;
  }

  /**
   * Bytes [offset, offset + length) for a reader that walks forward beside playback (the signature
   * check's pass over the whole object, one read at a time): what this source holds (blocks,
   * settled or in flight, and kept pieces) is copied out; a stretch it does not hold is fetched
   * at `priority` by ONE Range request for the whole stretch (up to the next held byte), whose
   * body the following reads take as it streams in (one piece of it held at a time: the body
   * waits until it is read). A missing part shorter than `PIECE` that no stretch continues (the
   * header, the footer) is fetched on its own. Nothing is kept: no block added, evicted or moved
   * in the LRU, so such a pass costs playback neither memory nor its blocks. `reused` and
   * `fetched` count the bytes of each. Aborting `signal` cancels the stretch's body. The answer
   * is valid until the next `readAside`: fetched bytes are taken into one buffer that each call
   * reuses (a pass over a whole recording allocates nothing per read), so a caller copies what
   * it keeps (callseal's `verifySignature` hashes each read before asking for the next).
   */
  async readAside(offset: number, length: number, { priority = 'low', signal }: { priority?: RequestPriority; signal?: AbortSignal } = {}): Promise<Uint8Array> {
    const end = this.endOf(offset, length);
    const how: FetchHow = { priority, signal, report: false };
    let out: Uint8Array | undefined;
    let p = offset;
    while (p < end) {
      let s = this.stretch;
      // The stretch goes on where this read starts: its body is taken on, held bytes or not.
      const goesOn = s !== undefined && s.at === p && p < s.end;
      const held = goesOn ? undefined : this.heldAt(p, end);
      // A held block whose fetch failed (or came short) is fetched here instead (and not kept either).
      let bytes = await held?.bytes.then((b) => (b.length < held.to - p ? undefined : b), () => undefined);
      if (bytes) {
        this.aside.reused += bytes.length;
      } else {
        if (!goesOn) {
          s?.cancel();
          const to = held?.to ?? this.nextHeld(p, this.size ?? end);
          const near = Math.min(end, to);
          s = this.stretch = this.streamRange(p, near - p < PIECE ? near : to, how);
        }
        bytes = await s!.take(end - p, this.asideBuffer);
        this.asideBuffer = bytes.buffer as ArrayBuffer;
        this.aside.fetched += bytes.length;
        // A read answered by one fetched part is that part (nothing else holds its buffer).
        if (p === offset && bytes.length === end - offset) return bytes;
      }
      (out ??= new Uint8Array(end - offset)).set(bytes, p - offset);
      if (!bytes.length) break; // the object ended
      p += bytes.length;
    }
    return out?.subarray(0, p - offset) ?? new Uint8Array(0);
  }

  /** Where a read of [offset, offset + length) ends: at the object's end if it is known and comes first. */
  private endOf(offset: number, length: number): number {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new RangeError(`bad range ${offset}+${length}`);
    }
    return this.size === undefined ? offset + length : Math.min(offset + length, this.size);
  }

  /** What this source holds from `p` on (at most up to `end`): a kept piece's bytes or a block's. */
  private heldAt(p: number, end: number): { to: number; bytes: Promise<Uint8Array> } | undefined {
    for (const piece of this.pieces) {
      const pieceEnd = piece.start + piece.bytes.length;
      if (p >= piece.start && p < pieceEnd) {
        const to = Math.min(end, pieceEnd);
        return { to, bytes: Promise.resolve(piece.bytes.subarray(p - piece.start, to - piece.start)) };
      }
    }
    const b = Math.floor(p / this.blockSize);
    const block = this.blocks.get(b);
    if (!block) return undefined;
    const blockStart = b * this.blockSize;
    const to = Math.min(end, blockStart + this.blockSize);
    const cut = (bytes: Uint8Array) => bytes.subarray(Math.min(p - blockStart, bytes.length), Math.min(to - blockStart, bytes.length));
    return { to, bytes: block.bytes ? Promise.resolve(cut(block.bytes)) : block.promise.then(cut) };
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

  /** Drops cached ciphertext and cancels nothing in flight (block responses are small; `readAside`'s signal cancels its stretch). */
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

  /**
   * One request for the blocks [first, last]; each block takes its own bytes from the body as
   * they arrive, in a buffer of its own (no buffer of the whole run, no view keeping the others'
   * bytes alive after their eviction), and settles as soon as it is whole.
   */
  private fetchRun(first: number, last: number): void {
    const end = Math.min((last + 1) * this.blockSize, this.size ?? Infinity);
    const run = this.streamRange(first * this.blockSize, end, {});
    let before: Promise<unknown> = Promise.resolve();
    for (let b = first; b <= last; b++) {
      const at = b * this.blockSize;
      const block: Block = {
        promise: before.then(() => run.take(Math.min(this.blockSize, end - at))).then((bytes) => {
          block.bytes = bytes;
          this.opts.onFetch?.(at, at + bytes.length);
          return bytes;
        }),
      };
      before = block.promise;
      // A failed fetch must not stay cached: the next read retries.
      block.promise.catch(() => { if (this.blocks.get(b) === block) this.blocks.delete(b); });
      this.blocks.set(b, block);
    }
  }

  /** GET bytes [start, end) with one Range request (`streamRange`), read whole. */
  private async fetchRange(start: number, end: number, how: FetchHow = {}): Promise<Uint8Array> {
    const bytes = await this.streamRange(start, end, how).take(end - start);
    if (how.report !== false) this.opts.onFetch?.(start, start + bytes.length);
    return bytes;
  }

  /**
   * Bytes [start, end) of one Range request, taken in order (`take`, one call at a time) as its
   * body arrives: the request is made by the first `take`, one piece of the body is held at a
   * time, and a body that stops short (or sends nothing for `REQUEST_TIMEOUT_MS`) is asked again
   * from where it stopped, a few times.
   */
  private streamRange(start: number, end: number, how: FetchHow): Stretch {
    let body: Body | undefined;
    let piece: Uint8Array = new Uint8Array(0);
    let resumes = 0;
    const s: Stretch = {
      at: start,
      end,
      take: async (n, into) => {
        body ??= await this.open(s.at, end, how);
        s.end = Math.min(end, this.size ?? end);
        const length = body ? Math.min(n, s.end - s.at) : 0;
        const out = into && into.byteLength >= length ? new Uint8Array(into, 0, length) : new Uint8Array(length);
        for (let filled = 0; filled < out.length;) {
          if (!piece.length) {
            const timer = expire(body!.deadline);
            try {
              const r = await body!.next();
              if (r.done) throw new Error('answer cut');
              piece = r.value;
            } catch (e) {
              if ((how.signal ?? this.opts.signal)?.aborted) throw e;
              if (resumes++ >= TRANSIENT_RETRIES.length) throw unreachable(e);
              body = await this.open(s.at, end, how);
            } finally {
              clearTimeout(timer);
            }
            continue;
          }
          const k = Math.min(out.length - filled, piece.length);
          out.set(piece.subarray(0, k), filled);
          piece = piece.subarray(k);
          filled += k;
          s.at += k;
        }
        return out;
      },
      cancel: () => body?.cancel(),
    };
    return s;
  }

  /**
   * Asks for bytes [start, end) and checks the answer's status and range, leaving its body to
   * the caller (undefined: nothing there, 416). Retries once with a fresh URL on 403, and a few
   * times (with a pause) when the store cannot be reached or answers 5xx: a restarting or
   * briefly overloaded store should not stop playback.
   */
  private async open(start: number, end: number, how: FetchHow, retried = false): Promise<Body | undefined> {
    const signal = how.signal ?? this.opts.signal;
    let res!: Response;
    let text = '';
    let deadline = new AbortController();
    for (let attempt = 0; ; attempt++) {
      let failure: FetchError | undefined;
      deadline = new AbortController();
      // A request that hangs (store restarting, connection lost) fails and is retried
      // instead of stalling every read behind it.
      const timer = expire(deadline);
      try {
        res = await fetch(this.url, {
          headers: { Range: `bytes=${start}-${end - 1}` },
          cache: 'no-store',
          credentials: 'omit',
          priority: how.priority ?? this.opts.priority ?? 'auto',
          signal: signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal,
        });
        // An error answer is read within the same deadline.
        if (!res.ok) text = await res.text();
      } catch (e) {
        if (signal?.aborted) throw e;
        failure = unreachable(e);
      } finally {
        clearTimeout(timer);
      }
      const transient = failure !== undefined || (res.status >= 500 && res.status !== 501);
      if (!transient || attempt >= TRANSIENT_RETRIES.length) {
        if (failure) throw failure;
        break;
      }
      await new Promise((r) => setTimeout(r, TRANSIENT_RETRIES[attempt]));
    }
    const etag = res.headers.get('etag');
    if (etag && (this.etag ??= etag) !== etag) {
      throw new FetchError(412, 'OBJECT_CHANGED', 'the object changed between its range requests (another ETag)');
    }
    if (res.status === 403 && !retried && this.opts.refreshUrl) {
      if (/expired/i.test(text)) {
        this.refreshing ??= this.opts.refreshUrl().finally(() => { this.refreshing = undefined; });
        this.url = await this.refreshing;
        return this.open(start, end, how, true);
      }
      throw s3Error(403, text);
    }
    if (res.status === 416) return undefined;
    // Only a 206 is the range asked for (a 200 is a server that ignored Range); its Content-Range
    // may be hidden (CORS).
    if (res.status !== 206) throw s3Error(res.status, text);
    const range = res.headers.get('content-range');
    if (range && !range.startsWith(`bytes ${start}-`)) {
      throw new FetchError(res.status, '', `the object store answered range ${range} for bytes ${start}-${end - 1}`);
    }
    const total = range && /\/(\d+)$/.exec(range)?.[1];
    if (total) this.size = +total;
    return { ...reading(res.body!), deadline };
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

/**
 * Reads `body` piece by piece: into one buffer of 64 KiB, reused for every piece, when
 * the stream is a byte stream (a fetch's body is: a BYOB read copies the body's bytes straight
 * into it), else in the chunks the stream allocates.
 */
function reading(body: ReadableStream<Uint8Array>): BodyReader {
  let byob: ReadableStreamBYOBReader | undefined;
  try { byob = body.getReader({ mode: 'byob' }); } catch { /* not a byte stream */ }
  const reader = byob ?? body.getReader();
  let buffer = new Uint8Array(64 * 1024);
  return {
    next: async () => {
      if (!byob) return (reader as ReadableStreamDefaultReader<Uint8Array>).read();
      // The read takes the buffer and hands it back as the result's (the same memory).
      const r = await byob.read(buffer);
      if (r.value) buffer = new Uint8Array(r.value.buffer);
      return r;
    },
    cancel: () => { reader.cancel().catch(() => undefined); },
  };
}

/** Aborts `c` after `REQUEST_TIMEOUT_MS` (unless the timer is cleared). */
function expire(c: AbortController): ReturnType<typeof setTimeout> {
  return setTimeout(() => c.abort(), REQUEST_TIMEOUT_MS);
}

function unreachable(e: unknown): FetchError {
  return new FetchError(0, '', `the object store could not be reached (${(e as Error).message})`);
}

function s3Error(status: number, body: string): FetchError {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1] ?? '';
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1] ?? body.slice(0, 200);
  const expired = status === 403 && /expired/i.test(body);
  return new FetchError(status, code, `object store: HTTP ${status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`, expired);
}
