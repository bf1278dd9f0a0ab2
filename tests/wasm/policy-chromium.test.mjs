// The policy corpora through the wasm package in headless Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
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
  await page.goto(`${server.url}/tests/wasm/policy-page.html`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 30_000 });
});
after(async () => { await browser?.close(); await server?.close(); });

test('validation corpus in Chromium', async () => {
  const { failures, ran } = await page.evaluate(() => window.runValidate());
  assert.deepEqual(failures, []);
  assert.ok(ran >= 200, `${ran}`);
});

test('evaluation corpus in Chromium', async () => {
  const files = (await readdir(new URL('../policy/evaluate/', import.meta.url))).filter((f) => f.endsWith('.json')).sort();
  const { failures, ran } = await page.evaluate((files) => window.runEvaluate(files), files);
  assert.deepEqual(failures, []);
  assert.ok(ran >= 300, `${ran}`);
});
