// Decryption of large signed messages in Chromium, where the footer's hash runs in a Worker
// (src/wasm/hash_worker.*) while the page opens frames (one-shot, and streams past 1 MiB): messages made by the official
// AWS Encryption SDK for JavaScript (@aws-crypto/client-node) decrypt; a signature that does not
// verify, a tampered frame and a truncated message are refused; and the same holds where no
// Worker can start (Worker removed, or a content security policy that forbids workers), where
// WebCrypto verifies the signature instead.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { buildClient, CommitmentPolicy, RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node';
import { serveStatic } from '../support/static-server.mjs';
import { launchChromium } from '../support/browser.mjs';
import * as enc from '../../pkg/encrypt.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KEYRING = { keyNamespace: 'callseal-test', keyName: 'hash-worker' };
const wrappingKey = randomBytes(32);
let server, browser;
const messages = {}; // name -> { bytes, plaintext }
const small = {}; // messages below the sizes from which the Worker hashes

before(async () => {
  const keyring = new RawAesKeyringNode({
    ...KEYRING, unencryptedMasterKey: new Uint8Array(wrappingKey),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
  // Above the 16 MiB from which the Worker hashes; sizes not multiples of the frame length.
  const made = [
    ['0578-4k', 0x0578, 4096, 16 * 1048576 + 123],
    ['0378-64k', 0x0378, 65536, 17 * 1048576 + 7],
    ['0214-16k', 0x0214, 16384, 16 * 1048576 + 4097],
  ];
  for (const [name, suiteId, frameLength, size] of made) {
    const { encrypt } = buildClient(suiteId >= 0x0478 ? CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT : CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);
    const plaintext = randomBytes(size);
    const { result } = await encrypt(keyring, plaintext, { suiteId, frameLength, encryptionContext: { 'contact-id': name } });
    messages[name] = { bytes: new Uint8Array(result), plaintext: new Uint8Array(plaintext) };
  }
  {
    const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const plaintext = randomBytes(900 * 1024);
    const { result } = await encrypt(keyring, plaintext, { suiteId: 0x0578, frameLength: 4096 });
    small['0578-900k'] = { bytes: new Uint8Array(result), plaintext: new Uint8Array(plaintext) };
  }
  // Non-framed (client-node writes framed messages only): callseal/encrypt, which client-node
  // decrypts in encrypt-node.test.mjs.
  const plaintext = new Uint8Array(randomBytes(16 * 1048576 + 5));
  messages['0578-nonframed'] = {
    bytes: enc.encryptWithRawAes(plaintext, { ...KEYRING, key: new Uint8Array(wrappingKey) }, { suiteId: 0x0578, frameLength: 0 }),
    plaintext,
  };
  server = await serveStatic(ROOT);
  browser = await launchChromium();
});
after(async () => { await browser?.close(); await server?.close(); });

/** A page with the package loaded, counting the blob: Workers it starts and WebCrypto verify calls. */
async function openPage({ noWorker = false, csp = false, stall = false, breakAt = 0 } = {}) {
  const context = await browser.newContext();
  await context.addInitScript(({ noWorker, stall, breakAt }) => {
    window.blobWorkers = 0;
    window.keptPosts = 0; // bytes posted by a stream's hash (which keeps a copy)
    window.cancelPosts = 0; // jobs the page told the Worker to drop
    window.bytesPosts = 0; // bytes posted to the page's Workers
    window.workerReady = false; // the Worker said it has instantiated the module
    window.liveWorkers = 0; // blob: Workers started and not yet terminated
    window.mostLiveWorkers = 0;
    window.webCryptoVerifies = 0;
    const verify = SubtleCrypto.prototype.verify;
    SubtleCrypto.prototype.verify = function (...args) { window.webCryptoVerifies++; return verify.apply(this, args); };
    if (noWorker) { delete window.Worker; return; }
    const Native = window.Worker;
    window.Worker = class extends Native {
      constructor(url, options) {
        super(url, options);
        if (!String(url).startsWith('blob:')) return;
        window.blobWorkers++;
        window.mostLiveWorkers = Math.max(window.mostLiveWorkers, ++window.liveWorkers);
        this.terminate = function () { window.liveWorkers--; Native.prototype.terminate.call(this); };
        this.addEventListener('message', ({ data }) => { if (data?.ready) window.workerReady = true; });
        // A Worker that goes silent: every message after the third is dropped.
        let sent = 0;
        window.stalledPosts = 0; // messages the page tried to post to a stalled Worker
        if (stall) this.postMessage = function (...args) { window.stalledPosts++; if (++sent <= 3) Native.prototype.postMessage.apply(this, args); };
        // The breakAt-th bytes the page posts (to any of its Workers: one that ended idle is
        // followed by another) arrive as something the Worker cannot hash: that job fails there.
        if (!stall) {
          this.postMessage = function (message, transfer) {
            if (message?.cancel) window.cancelPosts++;
            if (message?.bytes) {
              if (message.keep) window.keptPosts++;
              if (++window.bytesPosts === breakAt) message = { id: message.id, bytes: { length: 5 }, keep: message.keep };
            }
            Native.prototype.postMessage.call(this, message, transfer);
          };
        }
      }
    };
  }, { noWorker, stall, breakAt });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  for (const [name, m] of Object.entries({ ...messages, ...small })) {
    await page.route(`**/hash-worker/${name}.bin`, (route) => route.fulfill({ body: Buffer.from(m.bytes), contentType: 'application/octet-stream' }));
  }
  const policy = csp ? `<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; worker-src 'none'">` : '';
  await page.route('**/hash-worker/page.html', (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><meta charset="utf-8">${policy}<script type="module">
      import * as callseal from '/pkg/decrypt.js';
      window.callseal = callseal;
      const keyring = { ...${JSON.stringify(KEYRING)}, key: Uint8Array.from(atob('${wrappingKey.toString('base64')}'), (c) => c.charCodeAt(0)) };
      // Message \`name\` and its data key, after \`tamper\`: { flip: [index (< 0: from the end), mask] } or { cut: bytes }.
      window.load = async (name, tamper = {}) => {
        const m = new Uint8Array(await (await fetch('/hash-worker/' + name + '.bin')).arrayBuffer());
        const dataKey = await callseal.unwrapRawAesDataKey(m, keyring);
        if (tamper.flip) m[tamper.flip[0] < 0 ? m.length + tamper.flip[0] : tamper.flip[0]] ^= tamper.flip[1];
        return { message: tamper.cut ? m.subarray(0, m.length - tamper.cut) : m, dataKey };
      };
      // \`bytes\` as a stream of \`chunk\`-byte pieces; each pause (at a piece's offset) is awaited there.
      window.chunks = (bytes, chunk = 65536, pauses = []) => {
        let at = 0;
        return new ReadableStream({
          async pull(controller) {
            if (at >= bytes.length) { controller.close(); return; }
            for (const pause of [pauses].flat()) if (at === pause.at) await pause.wait();
            controller.enqueue(bytes.slice(at, at + chunk));
            at += chunk;
          },
        });
      };
      // The signed messages here are streamed opted in to releasing frames before the signature.
      window.RELEASE = { signedMessages: 'release-before-verify' };
      // A pause for window.chunks at 3 MiB, past the 1 MiB from which a stream starts the Worker:
      // it waits (at most 60 s) for the Worker to be ready, which takes longer on a busy machine.
      window.workerStarted = () => ({
        at: 3 << 20,
        async wait() {
          const start = performance.now();
          while (!window.workerReady && performance.now() - start < 60_000) await new Promise((resolve) => setTimeout(resolve, 10));
        },
      });
      // Reads a signed stream until it has posted bytes to the Worker (its hash moves there once
      // the Worker is ready): the plaintext bytes read, and whether it was posting by then.
      window.readUntilHashing = async (reader) => {
        let length = 0;
        while (window.keptPosts === 0) {
          const { done, value } = await reader.read();
          if (done) break;
          length += value.length;
        }
        return { length, posting: window.keptPosts > 0 };
      };
      window.checksum = (bytes, h = 0) => {
        for (let i = 0; i < bytes.length; i++) h = (Math.imul(h, 31) + bytes[i]) | 0;
        return h;
      };
      window.ready = true;
    </script>`,
  }));
  await page.goto(`${server.url}/hash-worker/page.html`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 30_000 });
  return { page, close: () => context.close() };
}

/** Decrypts message `name` in the page after `tamper` (see `window.load`). */
function decryptIn(page, name, tamper = {}) {
  return page.evaluate(async ({ name, tamper }) => {
    const { message, dataKey } = await window.load(name, tamper);
    try {
      const out = await window.callseal.decrypt(message, dataKey);
      return { ok: true, length: out.length, hash: window.checksum(out) };
    } catch (e) {
      return { ok: false, code: e.code, message: e.message };
    }
  }, { name, tamper });
}

/** Streams message `name` through decryptStream in `chunk`-byte pieces, after `tamper`. */
function streamIn(page, name, tamper = {}, chunk = 65536) {
  return page.evaluate(async ({ name, tamper, chunk }) => {
    const { message, dataKey } = await window.load(name, tamper);
    let h = 0;
    let length = 0;
    try {
      const reader = window.chunks(message, chunk).pipeThrough(window.callseal.decryptStream(dataKey, window.RELEASE)).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        h = window.checksum(value, h);
        length += value.length;
      }
      return { ok: true, length, hash: h };
    } catch (e) {
      return { ok: false, code: e.code, message: e.message, released: length };
    }
  }, { name, tamper, chunk });
}

function plainHash(bytes) {
  let h = 0;
  for (let i = 0; i < bytes.length; i++) h = (Math.imul(h, 31) + bytes[i]) | 0;
  return h;
}

// The footer is the last bytes: a 2-byte length and a DER signature. Flipping a bit of its
// last byte keeps the DER well formed in most cases and always breaks the signature.
const FLIP_SIGNATURE = { flip: [-1, 0x01] };
const FLIP_MIDDLE = { flip: [8 * 1048576 + 1000, 0x40] }; // inside a frame of every message here
const TRUNCATE = { cut: 200 };

for (const variant of [{ label: 'hash in a Worker' }, { label: 'no Worker', noWorker: true }, { label: 'workers forbidden by CSP', csp: true }]) {
  test(`large signed messages from client-node decrypt in Chromium (${variant.label})`, async () => {
    const { page, close } = await openPage(variant);
    try {
      const verifies = () => page.evaluate(() => window.webCryptoVerifies);
      for (const [name, m] of Object.entries(messages)) {
        const before = await verifies();
        const r = await decryptIn(page, name);
        assert.deepEqual(r, { ok: true, length: m.plaintext.length, hash: plainHash(m.plaintext) }, name);
        const sig = await decryptIn(page, name, FLIP_SIGNATURE);
        assert.equal(sig.ok, false, `${name}: a broken signature was accepted`);
        assert.equal(sig.code, 'SIGNATURE_INVALID', `${name}: ${sig.message}`);
        const mid = await decryptIn(page, name, FLIP_MIDDLE);
        assert.equal(mid.ok, false, `${name}: a flipped body byte was accepted`);
        assert.ok(['TAG_MISMATCH', 'MALFORMED_BODY'].includes(mid.code), `${name}: ${mid.code} ${mid.message}`);
        const cut = await decryptIn(page, name, TRUNCATE);
        assert.equal(cut.ok, false, `${name}: a truncated message was accepted`);
        // Intact and with a broken signature, the footer is reached: its signature was checked
        // by WebCrypto unless the Worker hashed the message (framed messages, Worker allowed).
        const byWebCrypto = (await verifies()) - before;
        if (variant.noWorker || variant.csp || name.endsWith('nonframed')) assert.ok(byWebCrypto >= 2, `${name}: WebCrypto verified ${byWebCrypto}`);
        else assert.equal(byWebCrypto, 0, `${name}: the Worker hashed it; WebCrypto verified none`);
      }
      const { workers, mostLive } = await page.evaluate(() => ({ workers: window.blobWorkers, mostLive: window.mostLiveWorkers }));
      // Under the policy Chromium constructs the Worker and refuses its script afterwards:
      // the first decryption falls back, and no later one tries again.
      if (variant.noWorker) assert.equal(workers, 0);
      else if (variant.csp) assert.equal(workers, 1, 'the Worker was refused once, and not tried again');
      // One Worker at a time, reused by the decryptions that come while it lives: it ends after
      // 5 s without a job, which a busy machine can leave between two decryptions here (each
      // fetches and prepares a 16 MiB message), and the next decryption starts another.
      else assert.equal(mostLive, 1, `one hash Worker at a time (${workers} started)`);
    } finally {
      await close();
    }
  });
}

test('concurrent large signed decryptions share the Worker and each gets its own verdict', async () => {
  const { page, close } = await openPage();
  try {
    const names = Object.keys(messages);
    const results = await Promise.all([
      ...names.map((n) => decryptIn(page, n)),
      decryptIn(page, '0578-4k', FLIP_SIGNATURE),
    ]);
    names.forEach((n, i) => assert.equal(results[i].ok, true, `${n}: ${results[i].message}`));
    assert.equal(results.at(-1).code, 'SIGNATURE_INVALID');
  } finally {
    await close();
  }
});

test('a hash Worker that goes silent is stopped, and WebCrypto verifies instead from then on', async () => {
  const { page, close } = await openPage({ stall: true });
  try {
    const m = messages['0578-4k'];
    const r = await decryptIn(page, '0578-4k');
    assert.deepEqual(r, { ok: true, length: m.plaintext.length, hash: plainHash(m.plaintext) });
    const before = await page.evaluate(() => ({ posts: window.stalledPosts, live: window.liveWorkers }));
    assert.equal(before.live, 0, 'the silent Worker was stopped');
    const sig = await decryptIn(page, '0578-4k', FLIP_SIGNATURE);
    assert.equal(sig.code, 'SIGNATURE_INVALID');
    // The second decryption did not wait for the silent Worker again: it posted it nothing and
    // started no other (what it costs in time depends on the machine).
    assert.equal(await page.evaluate(() => window.stalledPosts), before.posts, 'nothing was posted to the stopped Worker');
    assert.equal(await page.evaluate(() => window.webCryptoVerifies), 2);
    assert.equal(await page.evaluate(() => window.blobWorkers), 1);
  } finally {
    await close();
  }
});

test('a job that fails in the Worker falls back to WebCrypto; the Worker serves the next one', async () => {
  const { page, close } = await openPage({ breakAt: 1 });
  try {
    const m = messages['0578-4k'];
    const expected = { ok: true, length: m.plaintext.length, hash: plainHash(m.plaintext) };
    assert.deepEqual(await decryptIn(page, '0578-4k'), expected);
    assert.equal(await page.evaluate(() => window.webCryptoVerifies), 1, 'the failed job was verified by WebCrypto');
    assert.deepEqual(await decryptIn(page, '0578-4k'), expected);
    assert.equal((await decryptIn(page, '0578-4k', FLIP_SIGNATURE)).code, 'SIGNATURE_INVALID');
    assert.equal(await page.evaluate(() => window.webCryptoVerifies), 1, 'later jobs were hashed in the Worker');
    // The same Worker while it lives; one that ended idle (5 s without a job, which a busy
    // machine can leave between two decryptions) is followed by another, never two at once.
    assert.equal(await page.evaluate(() => window.mostLiveWorkers), 1);
  } finally {
    await close();
  }
});

// Streams: the hash starts on the page and moves to the Worker past 1 MiB, keeping a copy of
// what the Worker has not confirmed; a Worker that fails hands the hash back to the page.
for (const variant of [{ label: 'hash in a Worker' }, { label: 'no Worker', noWorker: true }, { label: 'workers forbidden by CSP', csp: true }]) {
  test(`large signed messages from client-node stream in Chromium (${variant.label})`, async () => {
    const { page, close } = await openPage(variant);
    try {
      for (const [name, m] of Object.entries(messages)) {
        if (name.endsWith('nonframed')) continue; // streams hold one frame: this one is 16 MiB
        const kept = await page.evaluate(() => window.keptPosts);
        const r = await streamIn(page, name);
        assert.deepEqual(r, { ok: true, length: m.plaintext.length, hash: plainHash(m.plaintext) }, name);
        const posted = (await page.evaluate(() => window.keptPosts)) - kept;
        if (variant.noWorker || variant.csp) assert.equal(posted, 0, name);
        // How many posts carry the stream depends on how fast the Worker answers (a busy machine
        // batches more per post: one post seen under load 8); that it took the stream is the state.
        else assert.ok(posted >= 1, `${name}: the Worker hashed the stream (${posted} posts)`);
        const sig = await streamIn(page, name, FLIP_SIGNATURE, 1 << 20);
        assert.equal(sig.code, 'SIGNATURE_INVALID', `${name}: ${sig.message}`);
        assert.ok(sig.released < m.plaintext.length, `${name}: the last frames were released before the signature failed`);
        const mid = await streamIn(page, name, FLIP_MIDDLE);
        assert.ok(['TAG_MISMATCH', 'MALFORMED_BODY'].includes(mid.code), `${name}: ${mid.code} ${mid.message}`);
        const cut = await streamIn(page, name, TRUNCATE);
        assert.equal(cut.ok, false, `${name}: a truncated stream was accepted`);
      }
    } finally {
      await close();
    }
  });
}

for (const breakAt of [1, 6]) {
  test(`a stream whose hash job fails in the Worker (bytes post ${breakAt}) finishes the hash on the page`, async () => {
    const { page, close } = await openPage({ breakAt });
    try {
      const m = messages['0578-4k'];
      assert.deepEqual(await streamIn(page, '0578-4k'), { ok: true, length: m.plaintext.length, hash: plainHash(m.plaintext) });
      const sig = await streamIn(page, '0578-4k', FLIP_SIGNATURE);
      assert.equal(sig.code, 'SIGNATURE_INVALID', sig.message);
      assert.ok(await page.evaluate(() => window.keptPosts) > 10, 'the Worker hashed the second stream');
    } finally {
      await close();
    }
  });
}

test('a stream whose hash Worker goes silent finishes the hash on the page', async () => {
  const { page, close } = await openPage({ stall: true });
  try {
    const m = messages['0378-64k'];
    assert.deepEqual(await streamIn(page, '0378-64k'), { ok: true, length: m.plaintext.length, hash: plainHash(m.plaintext) });
    const started = Date.now();
    assert.equal((await streamIn(page, '0378-64k', FLIP_SIGNATURE)).code, 'SIGNATURE_INVALID');
    assert.ok(Date.now() - started < 8000, 'the second stream did not wait for the silent Worker again');
  } finally {
    await close();
  }
});

test('a signed stream under 1 MiB is hashed on the page and starts no Worker', async () => {
  const { page, close } = await openPage();
  try {
    const m = small['0578-900k'];
    assert.deepEqual(await streamIn(page, '0578-900k'), { ok: true, length: m.plaintext.length, hash: plainHash(m.plaintext) });
    assert.equal((await streamIn(page, '0578-900k', FLIP_SIGNATURE)).code, 'SIGNATURE_INVALID');
    assert.equal(await page.evaluate(() => window.blobWorkers), 0);
  } finally {
    await close();
  }
});

// Chromium 156 does not call a transformer's cancel() when the readable side is cancelled (Node
// does): the job is then given back after 5 s without a push.
test('a signed stream cancelled midway drops its hash job in the Worker', async () => {
  const { page, close } = await openPage();
  try {
    const r = await page.evaluate(async () => {
      const { message, dataKey } = await window.load('0578-4k');
      const reader = window.chunks(message, 65536, window.workerStarted()).pipeThrough(window.callseal.decryptStream(dataKey, window.RELEASE)).getReader();
      const { posting } = await window.readUntilHashing(reader);
      const posted = window.keptPosts;
      await reader.cancel('seeked away');
      const cancelled = performance.now();
      while (window.cancelPosts === 0 && performance.now() - cancelled < 8000) await new Promise((resolve) => setTimeout(resolve, 100));
      return { posting, posted, cancels: window.cancelPosts, ms: performance.now() - cancelled };
    });
    assert.ok(r.posting && r.posted > 0, 'the stream was hashing in the Worker');
    assert.equal(r.cancels, 1, 'the cancelled stream told the Worker to drop its job');
  } finally {
    await close();
  }
});

test('a signed stream paused for longer than the Worker waits gives its job back and finishes right', async () => {
  const { page, close } = await openPage();
  try {
    const r = await page.evaluate(async () => {
      const { message, dataKey } = await window.load('0578-4k');
      let postedBefore = 0;
      let postingWhenPaused = false;
      // The stream hashes in the Worker from the first pause on (it waits for the Worker to be
      // ready); at the second it stops until the Worker's job is given back (IDLE_MS, 5 s, of
      // silence), however long that takes on a busy machine (at most 60 s).
      const pause = {
        at: 8 << 20,
        async wait() {
          postingWhenPaused = window.keptPosts > 0;
          const start = performance.now();
          while (window.cancelPosts === 0 && performance.now() - start < 60_000) await new Promise((resolve) => setTimeout(resolve, 100));
          postedBefore = window.keptPosts;
        },
      };
      let h = 0;
      let length = 0;
      const reader = window.chunks(message, 65536, [window.workerStarted(), pause]).pipeThrough(window.callseal.decryptStream(dataKey, window.RELEASE)).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        h = window.checksum(value, h);
        length += value.length;
      }
      return { length, hash: h, postingWhenPaused, cancels: window.cancelPosts, postedAfter: window.keptPosts - postedBefore };
    });
    const m = messages['0578-4k'];
    assert.equal(r.length, m.plaintext.length);
    assert.equal(r.hash, plainHash(m.plaintext));
    assert.equal(r.postingWhenPaused, true, 'the stream hashed in the Worker before the pause');
    assert.ok(r.cancels >= 1, 'the paused job was given back');
    assert.ok(r.postedAfter >= 2, `the stream went back to the Worker after the pause (${r.postedAfter} posts)`);
  } finally {
    await close();
  }
});

test('aborting a signed stream through its signal errors it and drops its Worker job at once', async () => {
  const { page, close } = await openPage();
  try {
    const r = await page.evaluate(async () => {
      const { message, dataKey } = await window.load('0578-4k');
      const control = new AbortController();
      const reader = window.chunks(message, 65536, window.workerStarted()).pipeThrough(window.callseal.decryptStream(dataKey, { ...window.RELEASE, signal: control.signal })).getReader();
      // Aborted while it hashes in the Worker: the reads go on until it does.
      const { posting } = await window.readUntilHashing(reader);
      const posted = window.keptPosts;
      control.abort(new Error('seeked away'));
      // At once, or when a push in flight at the abort settles (the Worker acknowledges the bytes
      // posted before it): before the 5 s idle hand-back that would drop the job anyway.
      const aborted = performance.now();
      while (window.cancelPosts === 0 && performance.now() - aborted < 4000) await new Promise((resolve) => setTimeout(resolve, 10));
      const cancels = window.cancelPosts;
      let error;
      try {
        for (;;) if ((await reader.read()).done) break;
      } catch (e) {
        error = e.message;
      }
      return { posting, posted, cancels, error };
    });
    assert.ok(r.posting && r.posted > 0, 'the stream was hashing in the Worker');
    assert.equal(r.cancels, 1, 'the abort told the Worker to drop the job within 4 s');
    assert.equal(r.error, 'seeked away');
  } finally {
    await close();
  }
});
