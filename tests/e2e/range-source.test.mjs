// www/lib/range-source.ts (the player's ciphertext source over HTTP Range requests) against a
// local HTTP server with real bytes; no stack needed. `node --test tests/e2e/range-source.test.mjs`
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { tsImport } from 'tsx/esm/api';

const MODULE = process.env.CALLSEAL_RANGE_SOURCE ?? resolve(import.meta.dirname, '../../www/lib/range-source.ts');
const READ_AHEAD = resolve(import.meta.dirname, '../../www/lib/read-ahead.ts');
const KIB = 1024;
const data = randomBytes(4 * 1024 * KIB + 777);
let HttpRangeSource, readingAhead, server, base;
/** Per path: answers to give before serving normally ('403', '503', or 'drop' = close the socket). */
const faults = new Map();
const hits = [];

before(async () => {
  ({ HttpRangeSource } = await tsImport(MODULE, import.meta.url));
  ({ readingAhead } = await tsImport(READ_AHEAD, import.meta.url));
  server = createServer((req, res) => {
    hits.push({ path: req.url, range: req.headers.range });
    const fault = faults.get(req.url)?.shift();
    if (fault === 'drop') { req.socket.destroy(); return; }
    if (fault === '403') { res.writeHead(403, { 'content-type': 'application/xml' }).end('<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>'); return; }
    if (fault === '503') { res.writeHead(503, { 'content-type': 'application/xml' }).end('<Error><Code>SlowDown</Code></Error>'); return; }
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (!m) { res.writeHead(200, { 'content-length': data.length }).end(data); return; }
    const start = Number(m[1]), end = Math.min(Number(m[2]), data.length - 1);
    res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${data.length}`, 'content-length': end - start + 1 });
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

test('readAside (a pass beside playback, the signature check\'s): held pieces and blocks are reused, only the rest is fetched, and the cache is left as it was', async () => {
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
  const own = asked().slice(before);
  assert.equal(own.reduce((n, [s, e]) => n + e - s + 1, 0), data.length - held, 'the pass fetched only what playback did not hold');
  for (const [s, e] of own) {
    assert.ok(s >= 5000, `bytes=${s}-${e} do not refetch the header piece`);
    assert.ok(e < 10 * B || s >= 13 * B, `bytes=${s}-${e} do not refetch blocks 10-12`);
  }
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

test('readingAhead over readAside, in verifySignature\'s order (header, tail, chunks, the rest): every byte exact, the chunks read ahead while one is consumed, none fetched twice', async () => {
  const path = '/ahead';
  const src = new HttpRangeSource(`${base}${path}`, { size: data.length, blockSize: 64 * KIB });
  let inFlight = 0, most = 0;
  const read = readingAhead(async (o, l) => { inFlight++; most = Math.max(most, inFlight); try { return await src.readAside(o, l); } finally { inFlight--; } }, data.length, 2);
  same(await read(0, 100), 0);
  same(await read(data.length - 1000, 1000), data.length - 1000);
  const C = 512 * KIB, E = data.length - 700;
  for (let at = 0; at < E; at += C) {
    same(await read(at, Math.min(C, E - at)), at);
    await new Promise((r) => setTimeout(r, 5)); // hashing
  }
  same(await read(E, data.length - E), E);
  assert.ok(most >= 2, `reads overlapped (${most} at once)`);
  const asked = hits.filter((h) => h.path === path).map((h) => /^bytes=(\d+)-(\d+)$/.exec(h.range).slice(1).map(Number));
  const chunkBytes = asked.filter(([s0, e0]) => e0 - s0 + 1 > 1000).reduce((n, [s0, e0]) => n + e0 - s0 + 1, 0);
  assert.ok(chunkBytes <= data.length, `the chunks' requests cover ${chunkBytes} bytes of ${data.length}`);
});
