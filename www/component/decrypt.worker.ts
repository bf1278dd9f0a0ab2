/**
 * A player's decrypt worker: the only place that sees data keys. For each recording it reads the
 * (unauthenticated) header with a Range request, has the broker (or the host's keyProvider, on
 * the page: access.ts) unwrap the data key, opens
 * callseal's random-access reader over Range requests, wipes its copy of the key, and answers
 * the Service Worker's range requests with verified plaintext. Transcripts (and recordings
 * played without a Service Worker) are fetched whole and decrypted with `decrypt` (footer
 * signature included).
 *
 * A data key is only ever a Uint8Array here (opened from the broker's sealed answer,
 * www/lib/unwrap-protocol.ts): never a string, never in a message to the page or the Service Worker, an error
 * or a performance mark; it is zero-filled once callseal has taken its own copy.
 */
/// <reference lib="webworker" />
import type { MessageHeader, RangeReader, VerifiedMessageHeader } from 'callseal/decrypt';
import { Broker, checkKeyLength, headerMismatch, keyRequestOf } from '../lib/broker';
import { HttpRangeSource } from '../lib/range-source';
import { Intervals } from '../lib/intervals';
import { sniffAudio, type AudioFormat } from '../lib/audio-format';
import { toWire } from '../lib/errors';
import { brokerAccess, pageAsker, type Access } from './access';
import { verifyInBackground } from './verify';
import type { FromWorker, ObjectTarget, Stage, SwReply, SwRequest, ToWorker } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

/** Enough for any ESDK header with a few KMS data keys; more is read when the header says so. */
const HEADER_PROBE = 4096;
/**
 * The start and the end of the object come first, as pieces of their own (a 256 KiB block is
 * slower to arrive): the header and the first frames, then the final frame and the footer, for
 * 64 KiB frames (the recorder's; FRAME_SPAN with its sequence number, IV and tag). Opening the
 * reader needs nothing else. When the key is asked for at once (early), the head piece holds
 * five frames: what the element reads before it has its metadata (sw.ts: a first piece of
 * 64 KiB, then one of 256 KiB), so those reads wait for no block; else one, so that the header,
 * which the unwrap then waits for, arrives sooner.
 */
const FRAME_SPAN = 66 * 1024;
const TAIL_PIECE = 68 * 1024;

interface Stream {
  reader: RangeReader;
  source: HttpRangeSource;
  format: AudioFormat;
  fetched: Intervals;
  decrypted: Intervals;
  progressTimer?: ReturnType<typeof setTimeout>;
  /** The reads of this stream, one after another (see `readSerially`). */
  queue: Promise<unknown>;
  /** A first range has been answered (marked once, for the page's timings). */
  answered?: boolean;
  /** Stops the background signature check (verify.ts). */
  verifying: AbortController;
  /**
   * Starts that check (once), when the page says playback has started: its reads (the whole
   * object, at low priority) never compete with opening and the first audio.
   */
  startCheck: () => void;
}

const streams = new Map<string, Promise<Stream>>();
const post = (m: FromWorker, transfer: Transferable[] = []) => self.postMessage(m, transfer);
/** Epoch milliseconds (comparable across the page and its workers). */
const now = () => performance.timeOrigin + performance.now();
const stage = (stream: string, s: Stage) => post({ type: 'stage', stream, stage: s, at: now() });
const mark = (name: string, stream?: string) => post({ type: 'mark', stream, name, at: now() });
const page = pageAsker(post);
/** The page for what the host provides there (objectSource, keyProvider), else the target's broker. */
function accessFor(t: ObjectTarget): Access {
  const broker = t.broker ? brokerAccess(t.broker) : page.access;
  return { url: (t.fromPage.url ? page.access : broker).url, key: (t.fromPage.key ? page.access : broker).key };
}

// The wasm modules load while the first messages are handled: opening a recording starts with
// a broker round trip and a header fetch that need no wasm, so instantiation overlaps them
// instead of delaying them (a static import would hold every message until it finished). Both
// decrypt modules, before either is used: the entry, and the second half that the range reader
// (readHeader, openRangeReader) and parseHeader of a signed message need, which callseal would
// otherwise fetch at the first recording opened.
const callseal = import('callseal/decrypt').then((c) => c.preloadDecryptMore().then(() => mark('worker-wasm'), () => {}).then(() => c));
self.onmessage = onMessage;

function onMessage(ev: MessageEvent<ToWorker>): void {
  const m = ev.data;
  switch (m.type) {
    case 'open':
      streams.set(m.stream, open(m.stream, m.target));
      streams.get(m.stream)!.catch((e) => post({ type: 'error', stream: m.stream, error: toWire(e) }));
      break;
    case 'close': {
      const s = streams.get(m.stream);
      streams.delete(m.stream);
      // After the read in progress (if any): closing frees the reader under it.
      s?.then((st) => { st.verifying.abort(); return st.queue.then(() => { st.reader.close(); st.source.clear(); clearTimeout(st.progressTimer); }); }, () => {});
      break;
    }
    case 'warm':
      void new Broker(m.broker.base, m.broker.token).warmUp().then(() => mark('broker-warm'));
      break;
    case 'answer':
      page.answered(m);
      break;
    case 'playing':
      streams.get(m.stream)?.then((st) => st.startCheck(), () => {});
      break;
    case 'object':
      wholeObject(m.target).then(({ plain, suite }) => {
        if (m.as === 'bytes') return post({ type: 'object', req: m.req, bytes: plain, suite, format: sniffAudio(plain.subarray(0, 64 * 1024), plain.length) }, [plain.buffer]);
        try {
          post({ type: 'object', req: m.req, text: new TextDecoder('utf-8', { fatal: true }).decode(plain) });
        } finally {
          plain.fill(0);
        }
      }).catch((e) => post({ type: 'object', req: m.req, error: toWire(e) }));
      break;
    case 'sw-port': {
      const swPort = ev.ports[0];
      if (swPort) {
        swPort.onmessage = (e: MessageEvent<SwRequest>) => { if (e.ports[0]) void answer(e.data, e.ports[0]); };
      }
      break;
    }
    case 'meta':
    case 'read': {
      const port = ev.ports[0];
      if (port) void answer(m, port);
      break;
    }
  }
}

async function resolveUrl(access: Access, t: ObjectTarget): Promise<{ url: string; size?: number }> {
  if (t.url && (t.urlExpiresAt === undefined || Date.now() < t.urlExpiresAt)) return { url: t.url, size: t.size };
  const u = await access.url(t.objectId);
  return { url: u.url, size: u.size ?? t.size };
}

/**
 * Asks for the data key at once when the listing gave the unwrap request (the broker read the
 * object's header when listing), in parallel with fetching the object; else undefined (the key is
 * asked for once the header is read). A key that arrives for nothing (the open failed or the
 * header did not match) is wiped.
 */
function earlyKey(access: Access, t: ObjectTarget, id?: string) {
  if (!t.keyRequest) return undefined;
  const key = access.key(t.objectId, t.keyRequest);
  if (id) key.then(() => mark('key-done', id), () => undefined);
  key.catch(() => undefined); // awaited (and reported) after the header check
  return { key, discard: () => { key.then((k) => k.fill(0), () => undefined); } };
}

/**
 * The data key for the fetched header: the early one after checking that the header is the one it
 * was asked for, else asked for now. The check gives a clear error when the object changed since
 * the listing (or was altered); it is not what makes decryption safe: the reader (and decrypt)
 * authenticate the whole header, context and data keys included, with the key derived from this
 * data key, and a key for another header fails there (commitment and header tag).
 */
async function keyFor(access: Access, t: ObjectTarget, header: MessageHeader, early: ReturnType<typeof earlyKey>) {
  if (!early || !t.keyRequest) return checkKeyLength(await access.key(t.objectId, keyRequestOf(header), header.dataKeyLength), header);
  const mismatch = headerMismatch(header, t.keyRequest);
  if (mismatch) {
    early.discard();
    throw Object.assign(new Error(`the object's header is not the one listed for it (${mismatch}): reload the list`), { name: 'HeaderMismatch' });
  }
  // Asked for before the header was known: its length is checked against the header's suite now.
  return checkKeyLength(await early.key, header);
}

async function open(id: string, t: ObjectTarget): Promise<Stream> {
  const access = accessFor(t);
  const early = earlyKey(access, t, id);
  try {
    return await openWith(id, t, access, early);
  } catch (e) {
    early?.discard();
    throw e;
  }
}

async function openWith(id: string, t: ObjectTarget, access: Access, early: ReturnType<typeof earlyKey>): Promise<Stream> {
  stage(id, 'url');
  const { url, size } = await resolveUrl(access, t);
  mark('url-done', id);
  const fetched = new Intervals();
  const decrypted = new Intervals();
  let stream: Stream | undefined;
  const source = new HttpRangeSource(url, {
    size,
    refreshUrl: async () => (await access.url(t.objectId)).url,
    onFetch: (start, end) => { fetched.add(start, end); if (stream) scheduleProgress(id, stream); },
  });

  // The final frame (which the reader authenticates before anything is played) comes as a piece
  // of its own, like the start (see FRAME_SPAN). When the key is already being asked for (early),
  // the header is no longer the only step before the unwrap: both ends are fetched at once.
  const fetchTail = () => {
    const size = source.size;
    if (size === undefined) return;
    const tail = Math.min(size, TAIL_PIECE);
    void source.readUncached(size - tail, tail, { keep: true }).then(() => mark('tail-done', id), () => undefined);
  };
  if (early) fetchTail();

  stage(id, 'header');
  // The first request: the header and the first frames (see FRAME_SPAN), kept by the source for
  // the reader. readHeader reads the header from it (and reads more when the header is longer).
  const headEnd = HEADER_PROBE + (early ? 5 : 1) * FRAME_SPAN;
  const head = source.readUncached(0, headEnd, { keep: true });
  const { readHeader, openRangeReader } = await callseal;
  await head;
  const header = await readHeader(source.asRangeSource());
  mark('header-done', id);

  // While the broker unwraps the key, fetch the object's end and the blocks after the head piece
  // (with the read-ahead), for the element's next reads.
  void source.read(headEnd, 1).catch(() => undefined);
  if (!early) fetchTail();
  stage(id, 'key');
  const dataKey = await keyFor(access, t, header, early);

  stage(id, 'verify');
  let reader: RangeReader;
  try {
    // The recordings are signed (suite 0578) and a range reader never checks the footer
    // signature: the player opts in to frame-authenticated plaintext, so any holder of the data
    // key could have written what it plays (SECURITY.md, "Tampered objects").
    reader = await openRangeReader(source.asRangeSource(), dataKey, { expectedContext: t.expectedContext, signedMessages: 'release-before-verify' });
  } finally {
    dataKey.fill(0); // the reader keeps its own derived key (wiped by close())
  }
  try {
    mark('reader-open', id);
    const head = await reader.read(0, Math.min(reader.plaintextLength, 64 * 1024));
    mark('head-read', id);
    decrypted.add(0, head.length);
    const format = sniffAudio(head, reader.plaintextLength);
    head.fill(0);
    const verifying = new AbortController();
    let check: (() => void) | undefined = reader.header.signed && source.size !== undefined
      ? () => checkSignature(id, verifying.signal, source, reader.header)
      : undefined;
    const startCheck = () => { const c = check; check = undefined; c?.(); };
    stream = { reader, source, format, fetched, decrypted, queue: Promise.resolve(), verifying, startCheck };
    post({
      type: 'opened', stream: id, plaintextLength: reader.plaintextLength, format,
      suite: header.suite, frameLength: reader.frameLength, ciphertextLength: source.size ?? 0,
    });
    scheduleProgress(id, stream);
    return stream;
  } catch (e) {
    reader.close();
    throw e;
  }
}

/** The footer signature, checked while the recording plays (beside it, on its source); a failure stops the stream. */
function checkSignature(id: string, signal: AbortSignal, source: HttpRangeSource, header: VerifiedMessageHeader): void {
  if (signal.aborted) return;
  post({ type: 'signature', stream: id, state: 'verifying' });
  verifyInBackground({ source, header, signal }).then(
    (read) => post({ type: 'signature', stream: id, state: 'verified', ...read }),
    (e) => { if (!signal.aborted) post({ type: 'signature', stream: id, state: 'failed', error: toWire(e) }); },
  );
}

function scheduleProgress(id: string, s: Stream): void {
  if (s.progressTimer !== undefined) return;
  s.progressTimer = setTimeout(() => {
    s.progressTimer = undefined;
    const cipherTotal = s.source.size ?? 0;
    post({
      type: 'progress', stream: id,
      fetched: s.fetched.fractions(cipherTotal), decrypted: s.decrypted.fractions(s.reader.plaintextLength),
      fetchedBytes: s.fetched.covered, decryptedBytes: s.decrypted.covered,
    });
  }, 150);
}

/** Answers a Service Worker request on its port; plaintext is transferred, not copied. */
async function answer(req: SwRequest, port: MessagePort): Promise<void> {
  const pending = streams.get(req.stream);
  const reply = (r: SwReply, transfer: Transferable[] = []) => { port.postMessage(r, transfer); port.close(); };
  if (!pending) return reply({ ok: false, status: 404, message: 'no such stream (closed or from another tab)' });
  let s: Stream;
  try {
    // The element may ask before the recording has opened (its source is set at the click): the
    // answer waits for the stream, and no byte goes out before the reader authenticated it.
    s = await pending;
  } catch (e) {
    return reply({ ok: false, status: 500, message: String((e as Error).message) });
  }
  if (streams.get(req.stream) !== pending) return reply({ ok: false, status: 404, message: 'stream closed' });
  const total = s.reader.plaintextLength;
  if (req.type === 'meta') return reply({ ok: true, total, mime: s.format.mime });
  // A first piece asked with the range's start only (see sw.ts) may lie past the end: the
  // Service Worker then answers 416 from `total`.
  let end = Math.min(req.end, total);
  if (req.start >= end) return reply({ ok: true, total, mime: s.format.mime, bytes: new Uint8Array(0) });
  // The piece ends where a frame ends, when one ends inside it (the Service Worker asks for the
  // rest next): the reader answers whole frames with the buffer it opened them into, no copy.
  const cut = end - (end % s.reader.frameLength);
  if (cut > req.start) end = cut;
  try {
    const bytes = own(await readSerially(s, req.start, end - req.start));
    if (!s.answered) { s.answered = true; mark('first-piece', req.stream); }
    s.decrypted.add(req.start, req.start + bytes.length);
    scheduleProgress(req.stream, s);
    reply({ ok: true, total, mime: s.format.mime, bytes }, [bytes.buffer]);
  } catch (e) {
    const error = toWire(e);
    // A closed reader is a contact switch, not an error worth showing.
    if (error.code !== 'INVALID_STATE' || streams.has(req.stream)) post({ type: 'error', stream: req.stream, error });
    reply({ ok: false, status: 500, message: error.message });
  }
}

/**
 * One read at a time per reader. callseal's RangeReader is not safe for overlapping reads: while
 * one read waits for WebCrypto, the reader's state (its derived key) is taken out, and a second
 * read started meanwhile rejects with INVALID_STATE "range reader is closed" (reproduced in Node
 * against pkg/). Reads can overlap whenever the element has two requests open (a seek while the
 * previous response is still being pulled), and the error would stop playback. Ciphertext is
 * still fetched ahead by the source (read-ahead), so waiting here costs little.
 */
function readSerially(s: Stream, offset: number, length: number): Promise<Uint8Array> {
  const run = s.queue.then(() => s.reader.read(offset, length));
  s.queue = run.catch(() => {});
  return run;
}

/** A Uint8Array that owns its whole ArrayBuffer (safe to transfer: never a view of wasm memory). */
function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes as Uint8Array<ArrayBuffer>;
  }
  return bytes.slice();
}

/** The object fetched whole and decrypted, its footer signature checked (nothing is released before). */
async function wholeObject(t: ObjectTarget): Promise<{ plain: Uint8Array; suite: string }> {
  const access = accessFor(t);
  const early = earlyKey(access, t);
  try {
    return await wholeObjectWith(t, access, early);
  } catch (e) {
    early?.discard();
    throw e;
  }
}

async function wholeObjectWith(t: ObjectTarget, access: Access, early: ReturnType<typeof earlyKey>): Promise<{ plain: Uint8Array; suite: string }> {
  let { url } = await resolveUrl(access, t);
  const get = () => fetch(url, { cache: 'no-store', credentials: 'omit' }).catch((e: Error) => {
    throw Object.assign(new Error(`the object store could not be reached (${e.message})`), { name: 'FetchError', status: 0, s3Code: '' });
  });
  let res = await get();
  let body = res.ok ? '' : await res.text();
  // The listing's URL expired meanwhile (the page keeps it only while fresh, but clocks differ):
  // a fresh one from the broker, once.
  if (res.status === 403 && t.url && /expired/i.test(body)) {
    url = (await access.url(t.objectId)).url;
    res = await get();
    body = res.ok ? '' : await res.text();
  }
  if (!res.ok) {
    throw Object.assign(new Error(`object store: HTTP ${res.status}`), {
      name: 'FetchError', status: res.status, s3Code: /<Code>([^<]*)</.exec(body)?.[1] ?? '', expired: /expired/i.test(body),
    });
  }
  const message = new Uint8Array(await res.arrayBuffer());
  const { decrypt, parseHeader } = await callseal;
  const header = parseHeader(message);
  const dataKey = await keyFor(access, t, header, early);
  try {
    return { plain: await decrypt(message, dataKey, { expectedContext: t.expectedContext }), suite: header.suite };
  } finally {
    dataKey.fill(0);
  }
}
