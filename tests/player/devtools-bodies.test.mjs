// The memory bench's instrument (bench/lib/memory-2h.mjs): Playwright's DevTools session keeps
// every fetch() response body a worker receives in the renderer (Blink's buffer partition);
// withoutResponseBodies measures the tab as a user's, without that buffer.
// `node --test tests/player/devtools-bodies.test.mjs`
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { launchChromium, withoutResponseBodies } from '../support/browser.mjs';
import { rendererAccounts } from '../../bench/lib/memory-2h.mjs';

const MiB = 1048576;
const PIECES = 24; // 1 MiB each, fetched by a dedicated worker as the decrypt worker fetches blocks
let server, origin;
before(async () => {
  const piece = Buffer.alloc(MiB, 7);
  server = createServer((req, res) => {
    if (req.url.startsWith('/piece')) { res.writeHead(200, { 'content-type': 'application/octet-stream' }); return res.end(piece); }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>bodies</title>');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${server.address().port}`;
});
after(() => server?.close());

/** Blink's buffer partition (MiB) grown by a worker fetching PIECES bodies and letting them go. */
async function heldByFetches() {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    const before = (await rendererAccounts(browser)).blinkBuffers;
    await page.evaluate(async (n) => {
      const code = `onmessage = async (e) => { let got = 0; try { for (let i = 0; i < e.data; i++) got += (await (await fetch('${location.origin}/piece' + i)).arrayBuffer()).byteLength; } finally { postMessage(got); } };`;
      const w = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
      const got = await new Promise((r) => { w.onmessage = (e) => r(e.data); w.postMessage(n); });
      if (got !== n * 1048576) throw new Error(`fetched ${got}`);
    }, PIECES);
    return ((await rendererAccounts(browser)).blinkBuffers - before) / MiB;
  } finally {
    await browser.close();
  }
}

test('Playwright\'s DevTools session keeps the bodies a worker fetched; withoutResponseBodies keeps none', async () => {
  const kept = await heldByFetches();
  assert.ok(kept >= PIECES * 0.8, `with Playwright's default, ${kept.toFixed(1)} MiB held after ${PIECES} MiB fetched`);
  const without = await withoutResponseBodies(heldByFetches);
  assert.ok(without < PIECES * 0.2, `without response bodies, ${without.toFixed(1)} MiB held after ${PIECES} MiB fetched`);
});
