// In Chromium, from a plain static server (a secure context: WebCrypto is the engine), a page
// that imports callseal/decrypt and decrypts an unsigned official message, one-shot and streamed,
// fetches the decrypt entry's wasm and never the second half's (callseal_decrypt_more: S3EC
// objects and range reads); readHeader fetches it then, once, and a range reader reuses it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { serveStatic } from '../support/static-server.mjs';
import { launchChromium } from '../support/browser.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ESDK = '/tests/vectors/esdk/python-4.0.7/';
const manifest = JSON.parse(readFileSync(`${ROOT}${ESDK}manifest.json`, 'utf8'));
const vector = manifest.tests.find((t) => t.id === '119-0478-f4096-n10000');
let server, browser;
before(async () => { server = await serveStatic(ROOT); browser = await launchChromium(); });
after(async () => { await browser?.close(); await server?.close(); });

test('an unsigned message decrypts, one-shot and streamed, without fetching the second half; readHeader fetches it', async () => {
  const page = await browser.newPage();
  try {
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/tests/wasm/split-page.html`);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 30_000 });
    const wasm = () => server.requests.map((r) => r.path).filter((p) => p.endsWith('.wasm'));
    const glue = () => server.requests.map((r) => r.path).filter((p) => p.includes('callseal_decrypt_more'));
    assert.deepEqual(wasm(), ['/pkg/wasm/callseal_decrypt_bg.wasm'], 'at load');
    const files = { message: `${ESDK}${vector.ciphertext}`, plaintext: `${ESDK}${vector.plaintext}`, key: vector.data_key };
    const decrypted = await page.evaluate(async ({ message, plaintext, key }) => {
      const { callseal } = window;
      const bytes = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());
      const [ct, pt] = [await bytes(message), await bytes(plaintext)];
      const dataKey = Uint8Array.from(atob(key), (c) => c.charCodeAt(0));
      const same = (a) => a.length === pt.length && a.every((b, i) => b === pt[i]);
      const oneShot = same(await callseal.decrypt(ct, dataKey));
      const stream = new Blob([ct]).stream().pipeThrough(callseal.decryptStream(dataKey));
      const streamed = same(new Uint8Array(await new Response(stream).arrayBuffer()));
      return { engine: callseal.defaultEngine(), suite: callseal.parseHeader(ct).suite, oneShot, streamed };
    }, files);
    assert.deepEqual(decrypted, { engine: 'webcrypto', suite: '0478', oneShot: true, streamed: true });
    assert.deepEqual(wasm(), ['/pkg/wasm/callseal_decrypt_bg.wasm'], 'after decrypting');
    assert.deepEqual(glue(), [], 'nothing of the second half was fetched');
    const ranged = await page.evaluate(async ({ message, plaintext, key }) => {
      const { callseal } = window;
      const ct = new Uint8Array(await (await fetch(message)).arrayBuffer());
      const source = { size: ct.length, read: async (offset, length) => ct.slice(offset, offset + length) };
      const header = await callseal.readHeader(source);
      const reader = await callseal.openRangeReader(source, Uint8Array.from(atob(key), (c) => c.charCodeAt(0)));
      const pt = new Uint8Array(await (await fetch(plaintext)).arrayBuffer());
      const part = await reader.read(5000, 100);
      reader.close();
      return { suite: header.suite, same: part.every((b, i) => b === pt[5000 + i]) && part.length === 100 };
    }, files);
    assert.deepEqual(ranged, { suite: '0478', same: true });
    assert.deepEqual(wasm(), ['/pkg/wasm/callseal_decrypt_bg.wasm', '/pkg/wasm/callseal_decrypt_more_bg.wasm'], 'after the range reads');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('preloadDecryptMore fetches the second half ahead; the range reads after it fetch no wasm', async () => {
  const page = await browser.newPage();
  try {
    const start = server.requests.length;
    const wasm = () => server.requests.slice(start).map((r) => r.path).filter((p) => p.endsWith('.wasm'));
    await page.goto(`${server.url}/tests/wasm/split-page.html`);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 30_000 });
    assert.deepEqual(wasm(), ['/pkg/wasm/callseal_decrypt_bg.wasm'], 'at load');
    await page.evaluate(() => window.callseal.preloadDecryptMore());
    const preloaded = wasm();
    assert.deepEqual(preloaded, ['/pkg/wasm/callseal_decrypt_bg.wasm', '/pkg/wasm/callseal_decrypt_more_bg.wasm'], 'after preloadDecryptMore');
    const suite = await page.evaluate(async (message) => {
      const ct = new Uint8Array(await (await fetch(message)).arrayBuffer());
      return (await window.callseal.readHeader({ size: ct.length, read: async (offset, length) => ct.slice(offset, offset + length) })).suite;
    }, `${ESDK}${vector.ciphertext}`);
    assert.equal(suite, '0478');
    assert.deepEqual(wasm(), preloaded, 'readHeader fetched no more wasm');
  } finally {
    await page.close();
  }
});
