// The wasm package (pkg/) in headless Chromium, loaded from a plain static server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '../support/static-server.mjs';
import { launchChromium } from '../support/browser.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let server, browser, page;

before(async () => {
  server = await serveStatic(ROOT);
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  await page.goto(`${server.url}/tests/wasm/page.html`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 30_000 });
});
after(async () => { await browser?.close(); await server?.close(); });

test('ESDK vectors through the wasm package in Chromium', async () => {
  const { failures, counts } = await page.evaluate(() => window.runVectors());
  assert.deepEqual(failures, []);
  assert.ok(counts.plaintext >= 134 && counts.error >= 80, JSON.stringify(counts));
});

test('WebCrypto engine is used in a secure context', async () => {
  const engine = await page.evaluate(() => window.callseal.defaultEngine());
  assert.equal(engine, 'webcrypto');
});
