// What bench/profile-decrypt.mjs, bench/cpu-decrypt.mjs and bench/memory-decrypt.mjs share: one
// message made by the official ESDK in bench/out/<dir>, the bench's static server (cross-origin
// isolated) and Chromium, and a fresh bench page (bench/pages/decrypt.mjs) per contender, loaded
// and (unless asked not to) warmed up.
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { launchChromium } from '../../tests/support/browser.mjs';
import { serveStatic } from '../../tests/support/static-server.mjs';
import { makeMessages } from './messages.mjs';
import { grownRenderer, renderersRss } from './procmem.mjs';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Makes the message of `suite` (a number) in `frameLength` frames, `mib` MiB, and starts the
 * server and browser (with `chromiumArgs`). Returns { meta, message, open(contender, chunkSize,
 * { warmUp }) -> { context, page, pid }, close() } (`pid`: the page's renderer, the one that grew
 * by the loaded input; close removes the message).
 */
export async function decryptAccount(dir, { suite, frameLength, mib, chromiumArgs = [] }) {
  const out = join(ROOT, 'bench/out', dir);
  const meta = await makeMessages(out, { size: mib * 1048576, suites: [suite], frameLengths: [frameLength] });
  const message = meta.messages[0];
  const server = await serveStatic(ROOT, { headers: { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } });
  const browser = await launchChromium(chromiumArgs);
  const floor = { ...meta.floors[frameLength], file: `${dir}/${meta.floors[frameLength].file}` };
  return {
    meta,
    message,
    async open(contender, chunkSize = 65536, { warmUp = true } = {}) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${server.url}/bench/pages/decrypt.html`);
      await page.waitForFunction(() => window.ready === true, null, { timeout: 60_000 });
      const before = renderersRss();
      const { inputBytes } = await page.evaluate((a) => window.bench.prepare(a), { file: `${dir}/${message.file}`, limit: meta.limit, floor, keyring: meta.keyring, contender, committing: message.committing, chunkSize });
      const pid = grownRenderer(before, inputBytes / 2);
      if (warmUp) await page.evaluate(() => window.bench.run());
      return { context, page, pid };
    },
    async close() {
      await browser.close();
      await server.close();
      rmSync(out, { recursive: true, force: true });
    },
  };
}
