// Messages made with required encryption context by the official Python ESDK + Material
// Providers Library (tests/vectors/esdk/required-ec): through the wasm package in Node, each
// message with each reproduced context of the manifest, given as `expectedContext`, decrypts
// (one-shot on both engines, stream, range reader) exactly when the official ESDK's header
// check given the data key does; the raw AES keyring unwraps once the pairs are supplied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as callseal from '../../pkg/decrypt.js';

const DIR = new URL('../vectors/esdk/required-ec/', import.meta.url);
const m = JSON.parse(await readFile(new URL('manifest.json', DIR), 'utf8'));
const read = async (p) => new Uint8Array(await readFile(new URL(p, DIR)));
const b64 = (s) => new Uint8Array(Buffer.from(s, 'base64'));

async function stream(message, key, expectedContext) {
  const ts = callseal.decryptStream(key, { expectedContext });
  const out = [];
  const reading = (async () => { for await (const v of ts.readable) out.push(v); })();
  const writing = (async () => {
    const w = ts.writable.getWriter();
    for (let i = 0; i < message.length; i += 97) await w.write(message.slice(i, i + 97));
    await w.close();
  })();
  await Promise.all([reading, writing]); // the first failure; both are handled
  return Buffer.concat(out);
}

async function ranged(message, key, expectedContext) {
  const source = { size: message.length, read: async (o, n) => message.slice(o, o + n) };
  const r = await callseal.openRangeReader(source, key, { expectedContext });
  try { return await r.read(0, r.plaintextLength); } finally { r.close(); }
}

test('every message with every reproduced context, as the official ESDK', async () => {
  const seen = {};
  for (const t of m.tests) {
    const [message, plaintext, key] = [await read(t.ciphertext), await read(t.plaintext), b64(t.data_key)];
    for (const [name, check] of Object.entries(t.checks)) {
      const expectedContext = m.checks.contexts[name] ?? undefined;
      const official = check.with_data_key;
      seen[official] = (seen[official] ?? 0) + 1;
      const runs = {
        'one-shot (auto)': () => callseal.decrypt(message, key, { expectedContext }),
        'one-shot (rust)': () => callseal.decrypt(message, key, { expectedContext, engine: 'rust' }),
        stream: () => stream(message, key, expectedContext),
        range: () => ranged(message, key, expectedContext),
      };
      for (const [path, run] of Object.entries(runs)) {
        const what = `${t.id} with context ${name}: ${path}`;
        if (official === 'ok') {
          assert.deepEqual(new Uint8Array(await run()), plaintext, what);
        } else {
          const codes = official === 'error:context-mismatch' ? ['CONTEXT_MISMATCH'] : ['TAG_MISMATCH', 'CONTEXT_MISMATCH'];
          await assert.rejects(run(), (e) => codes.includes(e.code), what);
        }
      }
    }
  }
  assert.ok(seen.ok >= 80 && seen['error:header-auth-failed'] >= 100, JSON.stringify(seen));
});

test('the raw AES keyring unwraps a required-context message once the pairs are supplied', async () => {
  const keyring = { keyNamespace: m.keyring.key_namespace, keyName: m.keyring.key_name, key: b64(m.keyring.wrapping_key) };
  for (const t of m.tests.filter((t) => t.cmm === 'required-ec')) {
    const message = await read(t.ciphertext);
    assert.deepEqual(callseal.unwrapRawAesDataKey(message, keyring, { expectedContext: m.encryption_context }), b64(t.data_key), t.id);
    assert.throws(() => callseal.unwrapRawAesDataKey(message, keyring), (e) => e.code === 'KEY_UNWRAP_FAILED', t.id);
  }
});
