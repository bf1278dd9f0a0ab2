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

test('WebCrypto engine is the default in a secure context', async () => {
  assert.equal(await page.evaluate(() => window.callseal.defaultEngine()), 'webcrypto');
});

for (const engine of ['auto', 'rust']) {
  test(`ESDK manifest vectors in Chromium (${engine})`, async () => {
    const { failures, counts } = await page.evaluate((engine) => window.runVectors({ engine }), engine);
    assert.deepEqual(failures, []);
    assert.deepEqual(counts, { plaintext: 134, error: 88, stream: 134, range: 90 });
  });
  test(`key-commitment vectors in Chromium (${engine})`, async () => {
    const { failures, count } = await page.evaluate((engine) => window.runCommitment({ engine }), engine);
    assert.deepEqual(failures, []);
    assert.equal(count, 46);
  });
  test(`required encryption context messages in Chromium (${engine})`, async () => {
    const { failures, count } = await page.evaluate((engine) => window.runRequiredEc({ engine }), engine);
    assert.deepEqual(failures, []);
    assert.equal(count, 38 * 8);
  });
  test(`S3EC objects in Chromium (${engine})`, async () => {
    const { failures } = await page.evaluate((engine) => window.runS3ec({ engine }), engine);
    assert.deepEqual(failures, []);
  });
}

test('semantic vectors in Chromium: every message has the listed outcome in every API', async () => {
  const { failures, count } = await page.evaluate(() => window.runSemantic());
  assert.deepEqual(failures, []);
  assert.ok(count >= 55);
});

test('tamper sweep in Chromium (every 7th bit, truncations, appends)', async () => {
  const { failures, attempts } = await page.evaluate(() => window.runTamper(7));
  assert.deepEqual(failures, []);
  assert.ok(attempts > 4000, `${attempts}`);
});
