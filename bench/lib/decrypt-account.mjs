// What bench/profile-decrypt.mjs, bench/cpu-decrypt.mjs and bench/memory-decrypt.mjs share: one
// message made by the official ESDK in bench/out/<dir>, the bench's static server (cross-origin
// isolated) and Chromium, and a fresh bench page (bench/pages/decrypt.mjs) per contender, loaded
// and (unless asked not to) warmed up.
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { launchChromium } from '../../tests/support/browser.mjs';
import { serveStatic } from '../../tests/support/static-server.mjs';
import { makeMessages } from './messages.mjs';
import { openBenchPage } from './decrypt-page.mjs';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Makes the message of `suite` (a number) in `frameLength` frames, `mib` MiB, and starts the
 * server and browser (with `chromiumArgs`). Returns { meta, message, open(contender, chunkSize,
 * { warmUp }) -> { context, page, cdp, pid }, close() } (openBenchPage's page; close removes the
 * message).
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
      const p = await openBenchPage(browser, server.url, { file: `${dir}/${message.file}`, limit: meta.limit, floor, keyring: meta.keyring, contender, committing: message.committing, chunkSize });
      if (warmUp) await p.page.evaluate(() => window.bench.run());
      return p;
    },
    async close() {
      await browser.close();
      await server.close();
      rmSync(out, { recursive: true, force: true });
    },
  };
}
