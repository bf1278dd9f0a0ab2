// www/component/range-body.ts (the Service Worker's response body) in Node: the element cancelling a
// response (a seek) abandons the piece being asked for, enqueues nothing after, asks no more.
// `node --test tests/player/range-body.test.mjs`
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { tsImport } from 'tsx/esm/api';

let rangeBody;
before(async () => {
  ({ rangeBody } = await tsImport(resolve(import.meta.dirname, '../../www/component/range-body.ts'), import.meta.url));
});

const plaintext = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);

/** A decrypt worker that answers reads from `plaintext`, each answer released by `release()`. */
function worker() {
  const asked = [];
  const pending = [];
  const ask = (req, signal) => new Promise((done) => {
    asked.push({ ...req, signal });
    pending.push(() => done({ ok: true, total: plaintext.length, mime: 'audio/wav', bytes: plaintext.slice(req.start, req.end) }));
  });
  return { ask, asked, release: () => pending.shift()?.() };
}

test('reads the range piece by piece and closes at its end', async () => {
  const w = worker();
  const body = rangeBody(w.ask, { stream: 's', start: 100, end: 700, firstChunk: 64, chunk: 256 });
  const reader = body.getReader();
  const got = [];
  for (;;) {
    const next = reader.read();
    await new Promise((r) => setImmediate(r));
    w.release();
    const { done, value } = await next;
    if (done) break;
    got.push(...value);
  }
  assert.deepEqual(Uint8Array.from(got), plaintext.slice(100, 700));
  assert.deepEqual(w.asked.map((a) => [a.start, a.end]), [[100, 164], [164, 420], [420, 676], [676, 700]]);
});

test('cancel while a piece is on its way: the ask is abandoned (signal aborted), no error, no further ask', async () => {
  const w = worker();
  const body = rangeBody(w.ask, { stream: 's', start: 0, end: 1000, firstChunk: 64, chunk: 256 });
  const reader = body.getReader();
  const first = reader.read();
  await new Promise((r) => setImmediate(r));
  w.release();
  assert.equal((await first).value.length, 64);
  await new Promise((r) => setImmediate(r)); // the read-ahead asks for the next piece
  const inFlight = w.asked.at(-1);
  assert.equal(inFlight.signal.aborted, false);
  await reader.cancel(); // the element lets go (seek)
  assert.equal(inFlight.signal.aborted, true, 'the piece being asked for is abandoned');
  const asked = w.asked.length;
  w.release(); // its answer arrives anyway: dropped, not enqueued into the cancelled stream
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(w.asked.length, asked, 'nothing more is asked after the cancel');
});

test('a failed read errors the body with the worker\'s message', async () => {
  const ask = async () => ({ ok: false, status: 500, message: 'TAG_MISMATCH at frame 3' });
  const reader = rangeBody(ask, { stream: 's', start: 0, end: 100, firstChunk: 64, chunk: 256 }).getReader();
  await assert.rejects(reader.read(), /TAG_MISMATCH at frame 3/);
});
