// Launches Debian's Chromium headless through playwright-core (never a downloaded browser).
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

/** Playwright's own modules (their internals: see withoutResponseBodies). */
const playwrightRequire = createRequire(createRequire(import.meta.url).resolve('playwright-core/package.json'));

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

export async function launchChromium(extraArgs = []) {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** Opens `url`, forwards page errors to the test log, returns { browser, page }. */
export async function openPage(url, { browser } = {}) {
  browser ??= await launchChromium();
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  page.on('console', (m) => { if (m.type() === 'error') console.error('[page console]', m.text()); });
  await page.goto(url);
  return { browser, page };
}

/**
 * Runs `fn` with DevTools keeping no response bodies. Playwright enables DevTools' Network domain
 * on every page and worker it drives (Network.enable, without buffer sizes), and Chromium then
 * keeps each fetch() response body in the renderer (Blink's buffer partition), up to its default
 * budget per page and per worker, for Network.getResponseBody. A user's tab has no DevTools
 * attached: memory measured with that buffer is the instrument's, not the page's. Within `fn`,
 * each Network.enable asks for a one-byte budget (Playwright's own CDP session: it has no option
 * for it); response bodies are then not available to Playwright (response.body()).
 */
export async function withoutResponseBodies(fn) {
  const { CRSession } = playwrightRequire('./lib/server/chromium/crConnection.js');
  if (typeof CRSession?.prototype?.send !== 'function') throw new Error('playwright-core: CRSession.send not found (its internals changed)');
  const send = CRSession.prototype.send;
  CRSession.prototype.send = function (method, params) {
    return send.call(this, method, method === 'Network.enable' ? { ...params, maxTotalBufferSize: 1, maxResourceBufferSize: 1 } : params);
  };
  try {
    return await fn();
  } finally {
    CRSession.prototype.send = send;
  }
}
