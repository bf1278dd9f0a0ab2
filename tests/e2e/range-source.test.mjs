// www/lib/range-source.ts (the player's ciphertext source over HTTP Range requests) against a
// local HTTP server with real bytes; no stack needed. `node --test tests/e2e/range-source.test.mjs`
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { tsImport } from 'tsx/esm/api';

const MODULE = process.env.CALLSEAL_RANGE_SOURCE ?? resolve(import.meta.dirname, '../../www/lib/range-source.ts');
const KIB = 1024;
const data = randomBytes(4 * 1024 * KIB + 777);
let HttpRangeSource, server, base;
/**
 * Per path: answers to give before serving normally ('403', '503', 'drop' = close the socket, 'cut'
 * = close it after 1 MiB of the body, 'hold' = send the first 64 KiB of the body and the rest once
 * `release()` is called).
 */
const faults = new Map();
let release = () => {};
const hits = [];
/** Per path: the object's ETag (default "v1"), and ETags to answer with first, one a request. */
const etags = new Map();
const nextEtags = new Map();

before(async () => {
  ({ HttpRangeSource } = await tsImport(MODULE, import.meta.url));
  server = createServer((req, res) => {
    hits.push({ path: req.url, range: req.headers.range, ifMatch: req.headers['if-match'] });
    const etag = nextEtags.get(req.url)?.shift() ?? etags.get(req.url) ?? '"v1"';
    if (req.headers['if-match'] && req.headers['if-match'] !== etag) {
      res.writeHead(412, { 'content-type': 'application/xml' }).end('<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>');
      return;
    }
    const fault = faults.get(req.url)?.shift();
    if (fault === 'drop') { req.socket.destroy(); return; }
    if (fault === '403') { res.writeHead(403, { 'content-type': 'application/xml' }).end('<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>'); return; }
    if (fault === 'cut') {
      // Headers and the first 1 MiB of the answer, then the connection drops.
      const start = Number(/^bytes=(\d+)-/.exec(req.headers.range)[1]);
      res.writeHead(206, { 'content-range': `bytes ${start}-${data.length - 1}/${data.length}`, 'content-length': data.length - start });
      res.write(data.subarray(start, start + 1024 * KIB), () => setTimeout(() => req.socket.destroy(), 50));
      return;
    }
    if (fault === 'hold') {
      const [, from, to] = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range).map(Number);
      res.writeHead(206, { 'content-range': `bytes ${from}-${to}/${data.length}`, 'content-length': to - from + 1, etag });
      res.write(data.subarray(from, from + 64 * KIB));
      release = () => res.end(data.subarray(from + 64 * KIB, to + 1));
      return;
    }
    if (fault === '503') { res.writeHead(503, { 'content-type': 'application/xml' }).end('<Error><Code>SlowDown</Code></Error>'); return; }
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (!m) { res.writeHead(200, { 'content-length': data.length }).end(data); return; }
    const start = Number(m[1]), end = Math.min(Number(m[2]), data.length - 1);
    // Under /hidden/ the answer has no Content-Range and no ETag, as a browser shows one whose CORS rules do not expose them.
    const range = req.url.startsWith('/hidden/') ? {} : { 'content-range': `bytes ${start}-${end}/${data.length}`, etag };
    res.writeHead(206, { ...range, 'content-length': end - start + 1 });
    res.end(data.subarray(start, end + 1));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => server?.close());

const same = (got, offset) => assert.ok(Buffer.from(got).equals(data.subarray(offset, offset + got.length)), `bytes at ${offset}`);

test('a read whose blocks are the oldest in the cache survives the eviction its own fetch causes', async () => {
  // 3 blocks of 64 KiB, no read-ahead: read blocks 1, 2, 3 (cache full, block 1 oldest), then a
  // read across blocks 0-1: fetching block 0 evicts one block, and must not evict block 1 (this
  // was a TypeError "reading 'promise'" in the player: the seek to 60 s then never resumed).
  const B = 64 * KIB;
  const src = new HttpRangeSource(`${base}/evict`, { size: data.length, blockSize: B, maxBlocks: 3, readAhead: 0 });
  for (const b of [1, 2, 3]) same(await src.read(b * B, 100), b * B);
  const at = B - 1000;
  const got = await src.read(at, 3000);
  assert.equal(got.length, 3000);
  same(got, at);
});

test('the player pattern with default sizes: play, seek far, seek back, play on; every read exact', async () => {
  const B = 16 * KIB; // small blocks: the 4 MiB object stands in for a long recording
  const src = new HttpRangeSource(`${base}/walk`, { size: data.length, blockSize: B });
  const walk = async (from, bytes, step) => { for (let p = from; p < from + bytes && p < data.length; p += step) same(await src.read(p, step), p); };
  await walk(0, 20 * B, 4100);
  await walk(Math.floor(data.length * 0.8), 20 * B, 4100);
  await walk(Math.floor(data.length * 0.25), 12 * B, 4100);
  await walk(7 * B - 1000, 40 * B, 4100);
  // Overlapping reads (two responses in flight after a seek).
  const offsets = Array.from({ length: 40 }, (_, i) => (i * 104_729) % (data.length - 5000));
  const all = await Promise.all(offsets.map((o) => src.read(o, 5000)));
  all.forEach((got, i) => same(got, offsets[i]));
});

/** Bytes of the distinct buffers a source's blocks and kept pieces hold on to (what the tab keeps for it). */
function heldBytes(src) {
  const buffers = new Set([...src.blocks.values()].filter((b) => b.bytes).map((b) => b.bytes.buffer));
  for (const p of src.pieces) buffers.add(p.bytes.buffer);
  return [...buffers].reduce((n, b) => n + b.byteLength, 0);
}

test('what the block cache holds stays within maxBlocks × blockSize (plus the kept pieces), whatever the seeks: an evicted block frees its bytes even when its request fetched its neighbours too', async () => {
  // Read-ahead fetches several blocks in one request; a block kept from such a request must not
  // keep the others' bytes alive after they are evicted. Seeks every 12 reads over the object.
  const B = 16 * KIB;
  const settings = { size: data.length, blockSize: B, maxBlocks: 8, readAhead: 4 };
  const src = new HttpRangeSource(`${base}/held`, settings);
  const pieces = [await src.readUncached(0, 5000, { keep: true }), await src.readUncached(data.length - 3000, 3000, { keep: true })];
  const bound = settings.maxBlocks * B + pieces.reduce((n, p) => n + p.length, 0);
  let most = 0;
  for (let seek = 0; seek < 12; seek++) {
    const from = Math.floor(((seek * 0.61803) % 1) * (data.length - 60 * KIB));
    for (let p = from, i = 0; i < 12; p += 4100, i++) {
      same(await src.read(p, 4100), p);
      most = Math.max(most, heldBytes(src));
    }
  }
  assert.ok(most <= bound, `held up to ${most} bytes, more than ${bound} (${settings.maxBlocks} blocks of ${B} and the pieces)`);
});

test('the blocks of one request settle as their bytes arrive: the read-ahead\'s first block is read while the rest of its request is still on its way', async () => {
  const B = 64 * KIB;
  const path = '/settle';
  // The first request (block 0) is answered at once; the read-ahead's (blocks 1-3) sends block 1, then waits.
  faults.set(path, ['', 'hold']);
  const src = new HttpRangeSource(`${base}${path}`, { size: data.length, blockSize: B, readAhead: 3 });
  same(await src.read(0, 100), 0);
  let timer;
  const stuck = new Promise((_, no) => { timer = setTimeout(() => no(new Error('block 1 waited for the whole read-ahead request')), 10_000); });
  try {
    same(await Promise.race([src.read(B + 5, 1000), stuck]), B + 5);
  } finally {
    clearTimeout(timer);
    release();
  }
  same(await src.read(3 * B, B), 3 * B);
  assert.deepEqual(hits.filter((h) => h.path === path).map((h) => h.range), [`bytes=0-${B - 1}`, `bytes=${B}-${4 * B - 1}`]);
});

test('a store that is briefly unreachable or answers 503 is retried; the bytes are exact', async () => {
  faults.set('/flaky', ['drop', '503']);
  const src = new HttpRangeSource(`${base}/flaky`, { size: data.length, readAhead: 0 });
  const got = await src.read(300_000, 10_000);
  same(got, 300_000);
  assert.equal(hits.filter((h) => h.path === '/flaky').length, 3, 'two failures, then the answer');
});

test('a store that stays unreachable fails, after the retries, with FetchError status 0', async () => {
  const src = new HttpRangeSource('http://127.0.0.1:1/x', { size: 10, readAhead: 0 }); // port 1: refused
  await assert.rejects(src.read(0, 5), (e) => e.name === 'FetchError' && e.status === 0 && /could not be reached/.test(e.message));
});

test('an S3 error answer (4xx) is not retried and is explained', async () => {
  faults.set('/denied', ['403']);
  const src = new HttpRangeSource(`${base}/denied`, { size: data.length, readAhead: 0 });
  await assert.rejects(src.read(0, 5), (e) => e.name === 'FetchError' && e.status === 403 && e.s3Code === 'AccessDenied' && !e.expired);
  assert.equal(hits.filter((h) => h.path === '/denied').length, 1);
});

test('readUncached: exactly the range asked, in one request; kept pieces answer the reads inside them, clear() drops them', async () => {
  const B = 64 * KIB;
  const src = new HttpRangeSource(`${base}/pieces`, { size: data.length, blockSize: B, readAhead: 0 });
  const count = () => hits.filter((h) => h.path === '/pieces').length;
  const head = await src.readUncached(0, 5000, { keep: true });
  assert.equal(head.length, 5000);
  same(head, 0);
  assert.deepEqual(hits.filter((h) => h.path === '/pieces').map((h) => h.range), ['bytes=0-4999']);
  const tailAt = data.length - 3000;
  same(await src.readUncached(tailAt, 10_000, { keep: true }), tailAt); // clipped at the end
  assert.equal(count(), 2);
  // Reads inside the pieces: no request, and each answer is a copy (a caller may wipe it).
  const inside = await src.read(100, 4000);
  same(inside, 100);
  inside.fill(0);
  same(await src.read(100, 4000), 100);
  same(await src.read(tailAt + 10, 2990), tailAt + 10);
  assert.equal(count(), 2);
  // A read reaching past a piece goes to the blocks.
  same(await src.read(4000, 2000), 4000);
  assert.equal(count(), 3);
  // Not kept: not reused.
  same(await src.readUncached(200_000, 100), 200_000);
  same(await src.read(200_000, 100), 200_000);
  assert.equal(count(), 5);
  src.clear();
  same(await src.read(100, 50), 100);
  assert.equal(count(), 6);
});

test('readAside (a pass beside playback, the signature check\'s): held pieces and blocks are reused, each missing stretch is one request, and the cache is left as it was', async () => {
  const B = 64 * KIB;
  const path = '/aside';
  const src = new HttpRangeSource(`${base}${path}`, { size: data.length, blockSize: B, maxBlocks: 8, readAhead: 2 });
  const asked = () => hits.filter((h) => h.path === path).map((h) => /^bytes=(\d+)-(\d+)$/.exec(h.range).slice(1).map(Number));
  // Playback: the header piece, then a read at block 10 (blocks 10-12 with the read-ahead).
  await src.readUncached(0, 5000, { keep: true });
  same(await src.read(10 * B + 7, 1000), 10 * B + 7);
  const cached = [...src.blocks.keys()];
  assert.deepEqual(cached, [10, 11, 12]);
  await Promise.all([...src.blocks.values()].map((b) => b.promise)); // the read-ahead's request made
  const before = asked().length;
  // The pass over the whole object, 1 MiB at a time (verifySignature's default chunk).
  const C = 1024 * KIB;
  for (let at = 0; at < data.length; at += C) same(await src.readAside(at, Math.min(C, data.length - at)), at);
  assert.deepEqual([...src.blocks.keys()], cached, 'no block added, evicted or moved in the LRU');
  const held = 5000 + 3 * B;
  assert.deepEqual(src.aside, { reused: held, fetched: data.length - held });
  // The two stretches playback does not hold (after the header piece up to block 10, after
  // block 12 to the end): one request each.
  assert.deepEqual(asked().slice(before), [[5000, 10 * B - 1], [13 * B, data.length - 1]]);
});

test('readAside: a held block whose fetch fails is fetched by the pass itself (and not kept)', async () => {
  const B = 64 * KIB;
  const path = '/aside-fail';
  const src = new HttpRangeSource(`${base}${path}`, { size: data.length, blockSize: B, readAhead: 0 });
  faults.set(path, ['403']);
  const playback = src.read(2 * B, 100); // block 2, in flight, answered 403
  const aside = src.readAside(2 * B - 50, 200);
  await assert.rejects(playback, (e) => e.status === 403);
  same(await aside, 2 * B - 50);
  assert.deepEqual(src.aside, { reused: 0, fetched: 200 });
  assert.equal(src.blocks.size, 0, 'the failed block is dropped, nothing added');
});

test('readAside in verifySignature\'s order (header, tail, chunks, the rest) on a source that holds nothing: the pieces on their own, the chunks from ONE request streaming in, every byte exact', async () => {
  const path = '/pass';
  const src = new HttpRangeSource(`${base}${path}`, { size: data.length, blockSize: 64 * KIB });
  same(await src.readAside(0, 4096), 0);
  same(await src.readAside(data.length - 106, 106), data.length - 106);
  const C = 512 * KIB, E = data.length - 700;
  for (let at = 0; at < E; at += C) {
    const got = await src.readAside(at, Math.min(C, E - at));
    assert.equal(got.length, Math.min(C, E - at));
    same(got, at);
    await new Promise((r) => setTimeout(r, 5)); // hashing
  }
  same(await src.readAside(E, data.length - E), E);
  const asked = hits.filter((h) => h.path === path).map((h) => h.range);
  assert.deepEqual(asked, ['bytes=0-4095', `bytes=${data.length - 106}-${data.length - 1}`, `bytes=0-${data.length - 1}`]);
  assert.deepEqual(src.aside, { reused: 0, fetched: 4096 + 106 + data.length });
  assert.equal(src.blocks.size, 0, 'nothing kept');
});

test('readAside: an aborted pass (its request aborted) fails with the abort\'s reason; a new pass at the same place asks again from there', async () => {
  const path = '/abort';
  const src = new HttpRangeSource(`${base}${path}`, { size: data.length });
  const ac = new AbortController();
  same(await src.readAside(0, 256 * KIB, { signal: ac.signal }), 0);
  ac.abort(new Error('closed'));
  await assert.rejects(src.readAside(256 * KIB, 256 * KIB, { signal: ac.signal }), /closed/);
  same(await src.readAside(256 * KIB, 256 * KIB), 256 * KIB);
  assert.deepEqual(hits.filter((h) => h.path === path).map((h) => h.range), [`bytes=0-${data.length - 1}`, `bytes=${256 * KIB}-${data.length - 1}`]);
});

test('a body cut short is asked again from where it stopped; the bytes are exact', async () => {
  const path = '/cut';
  faults.set(path, ['cut']);
  const src = new HttpRangeSource(`${base}${path}`, { size: data.length });
  same(await src.readAside(0, data.length), 0);
  const asked = hits.filter((h) => h.path === path).map((h) => /^bytes=(\d+)-/.exec(h.range)[1]);
  assert.equal(asked.length, 2);
  assert.equal(asked[0], '0');
  assert.ok(Number(asked[1]) > 0, `the second request starts where the first stopped (${asked[1]})`);
});

test('answers whose Content-Range is hidden (CORS) are read by the size given: blocks, pieces and a pass beside them, every byte exact', async () => {
  const src = new HttpRangeSource(`${base}/hidden/x`, { size: data.length, blockSize: 64 * KIB });
  same(await src.readUncached(0, 5000, { keep: true }), 0);
  same(await src.read(300_000, 10_000), 300_000);
  const got = await src.readAside(0, data.length);
  assert.equal(got.length, data.length);
  same(got, 0);
});

/** The typed error of an object replaced between two requests of one source. */
const changed = { name: 'FetchError', status: 412, s3Code: 'OBJECT_CHANGED' };

test('the object is pinned to the first answer\'s ETag, compared on every answer (no request carries If-Match, so none needs a CORS preflight); replaced, playback\'s reads and readAside fail with OBJECT_CHANGED, never bytes of the new version', async () => {
  const src = new HttpRangeSource(`${base}/pin`, { size: data.length, blockSize: 64 * KIB, readAhead: 0 });
  same(await src.read(0, 100), 0);
  same(await src.readAside(3 * 1024 * KIB, 100), 3 * 1024 * KIB);
  same(await src.read(1024 * KIB, 100), 1024 * KIB);
  assert.deepEqual(hits.filter((h) => h.path === '/pin').map((h) => h.ifMatch), [undefined, undefined, undefined]);
  etags.set('/pin', '"v2"');
  await assert.rejects(src.read(2 * 1024 * KIB, 100), changed);
  await assert.rejects(src.readAside(3.5 * 1024 * KIB, 100), changed);
  await assert.rejects(src.readUncached(data.length - 100, 100), changed);
  assert.equal(hits.filter((h) => h.path === '/pin').length, 6, 'each rejected read asked once (the change is not retried)');
});

test('two requests in flight before either answered: an answer with another ETag than the first is OBJECT_CHANGED', async () => {
  nextEtags.set('/race', ['"v1"', '"v2"']);
  const src = new HttpRangeSource(`${base}/race`, { size: data.length, blockSize: 64 * KIB, readAhead: 0 });
  const [a, b] = await Promise.allSettled([src.read(0, 100), src.read(2 * 1024 * KIB, 100)]);
  const rejected = [a, b].filter((r) => r.status === 'rejected');
  assert.equal(rejected.length, 1, 'one of the two answers is of another version');
  assert.equal(rejected[0].reason.s3Code, 'OBJECT_CHANGED');
  const ok = [a, b].find((r) => r.status === 'fulfilled');
  same(ok.value, ok === a ? 0 : 2 * 1024 * KIB);
});

test('answers whose ETag is hidden (CORS) pin nothing: no request carries If-Match', async () => {
  const src = new HttpRangeSource(`${base}/hidden/unpinned`, { size: data.length, blockSize: 64 * KIB, readAhead: 0 });
  same(await src.read(0, 100), 0);
  same(await src.read(1024 * KIB, 100), 1024 * KIB);
  assert.deepEqual(hits.filter((h) => h.path === '/hidden/unpinned').map((h) => h.ifMatch), [undefined, undefined]);
});

test('a pass beside playback allocates nothing per read: each readAside answer is taken into the buffer of the one before (the caller copies what it keeps)', async () => {
  const src = new HttpRangeSource(`${base}/reuse`, { size: data.length, blockSize: 64 * KIB });
  const C = 256 * KIB;
  let buffer;
  for (let at = 0; at < data.length; at += C) {
    const got = await src.readAside(at, Math.min(C, data.length - at));
    same(got, at);
    if (at > 0) assert.equal(got.buffer, buffer, `the read at ${at} is in the first read's buffer`);
    buffer = got.buffer;
  }
});

test('a body that is not a byte stream (no BYOB reader) is read in the chunks it comes in: the player pattern, a pass beside it and a cut body, every byte exact', async (t) => {
  const getReader = ReadableStream.prototype.getReader;
  t.after(() => { ReadableStream.prototype.getReader = getReader; });
  ReadableStream.prototype.getReader = function (options) {
    if (options?.mode === 'byob') throw new TypeError('not a byte stream');
    return getReader.call(this, options);
  };
  const src = new HttpRangeSource(`${base}/chunks`, { size: data.length, blockSize: 16 * KIB });
  for (const from of [0, Math.floor(data.length * 0.7), 5 * KIB]) {
    for (let p = from, i = 0; i < 30; p += 4100, i++) same(await src.read(p, 4100), p);
  }
  for (let at = 0; at < data.length; at += 300 * KIB) same(await src.readAside(at, Math.min(300 * KIB, data.length - at)), at);
  faults.set('/chunks-cut', ['cut']);
  same(await new HttpRangeSource(`${base}/chunks-cut`, { size: data.length }).readAside(0, data.length), 0);
});
