// Runs the shared ESDK vectors through the callseal npm package. The same function runs in
// Node (tests/wasm/node.test.mjs) and in headless Chromium (tests/wasm/chromium.test.mjs), so
// both environments are held to exactly the same expectations.
//
// `callseal` is the imported package; `load(path)` returns the bytes of a file under
// tests/vectors/esdk/ (fs in Node, fetch in the browser).

/** Error codes acceptable for each kind of damage in the manifest (`reason`). */
export const EXPECTED_CODES = {
  'truncate-1': ['TRUNCATED'],
  'truncate-half': ['TRUNCATED'],
  'append-byte': ['TRAILING_BYTES'],
  'flip-last-byte': ['SIGNATURE_INVALID', 'TAG_MISMATCH', 'MALFORMED_BODY'],
  'flip-middle-byte': ['TAG_MISMATCH', 'MALFORMED_BODY'],
  'flip-header-byte-3': ['MALFORMED_HEADER', 'UNSUPPORTED_SUITE', 'TAG_MISMATCH', 'COMMITMENT_MISMATCH',
    'CONTEXT_MISMATCH', 'WRONG_KEY_LENGTH'],
  'wrong-data-key': ['TAG_MISMATCH', 'COMMITMENT_MISMATCH'],
  'expected-context-mismatch': ['CONTEXT_MISMATCH'],
};

const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function streamDecrypt(callseal, message, dataKey, chunk, options) {
  const ts = callseal.decryptStream(dataKey, options);
  const writer = ts.writable.getWriter();
  const reader = ts.readable.getReader();
  const parts = [];
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      parts.push(value);
    }
  })();
  try {
    for (let i = 0; i < message.length; i += chunk) await writer.write(message.subarray(i, i + chunk));
    await writer.close();
  } catch (e) {
    await pump.catch(() => {});
    throw e;
  }
  await pump;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return { out, parts };
}

/** Returns a list of failures (empty when every case behaved as listed) and counts. */
export async function runEsdkVectors(callseal, load, baseOptions = {}) {
  const manifest = JSON.parse(new TextDecoder().decode(await load('python-4.0.7/manifest.json')));
  const failures = [];
  const counts = { plaintext: 0, error: 0, stream: 0, range: 0 };
  const fail = (id, what) => failures.push(`${id}: ${what}`);
  for (const t of manifest.tests) {
    const message = await load(`python-4.0.7/${t.ciphertext}`);
    const dataKey = b64(t.data_key);
    const options = t.expected_context ? { ...baseOptions, expectedContext: t.expected_context } : { ...baseOptions };
    if (t.expect === 'plaintext') {
      const expected = await load(`python-4.0.7/${t.plaintext}`);
      counts.plaintext++;
      try {
        const header = callseal.parseHeader(message);
        if (header.suiteId !== parseInt(t.suite, 16)) fail(t.id, `header suite ${header.suiteId}`);
        if (JSON.stringify(Object.entries(header.encryptionContext).filter(([k]) => k !== 'aws-crypto-public-key').sort())
            !== JSON.stringify(Object.entries(t.encryption_context).sort())) fail(t.id, 'header context differs');
        if (header.frameLength !== t.frame_length) fail(t.id, `frame length ${header.frameLength}`);
        const pt = await callseal.decrypt(message, dataKey, options);
        if (!equalBytes(pt, expected)) fail(t.id, 'one-shot plaintext differs');
        for (const chunk of [7, 4096, message.length || 1]) {
          const { out } = await streamDecrypt(callseal, message, dataKey, chunk, options);
          if (!equalBytes(out, expected)) fail(t.id, `stream (chunk ${chunk}) plaintext differs`);
        }
        counts.stream++;
        if (t.frame_length > 0) {
          const reader = await callseal.openRangeReader(
            { size: message.length, read: async (off, len) => message.slice(off, off + len) }, dataKey, options);
          if (reader.plaintextLength !== expected.length) fail(t.id, `range reader length ${reader.plaintextLength}`);
          const spots = [[0, 1], [0, expected.length], [Math.floor(expected.length / 3), 300], [Math.max(0, expected.length - 5), 5]];
          for (const [off, len] of spots) {
            const want = expected.subarray(off, Math.min(off + len, expected.length));
            const got = await reader.read(off, len);
            if (!equalBytes(got, want)) fail(t.id, `range read(${off}, ${len}) differs`);
          }
          reader.close();
          counts.range++;
        }
      } catch (e) {
        fail(t.id, `unexpected error ${e.code ?? ''} ${e.message}`);
      }
    } else {
      counts.error++;
      const allowed = EXPECTED_CODES[t.reason];
      let released = null;
      try {
        released = await callseal.decrypt(message, dataKey, options);
        fail(t.id, `decrypted (${released.length} bytes) but should fail (${t.reason})`);
      } catch (e) {
        if (!(e instanceof callseal.CallsealError)) fail(t.id, `not a CallsealError: ${e}`);
        else if (!allowed.includes(e.code)) fail(t.id, `code ${e.code} not in ${allowed} (${e.message})`);
      }
      // Streaming: it may release verified frames before the damage, but it must end in an error
      // and never release bytes that differ from the genuine plaintext.
      try {
        await streamDecrypt(callseal, message, dataKey, 4096, options);
        fail(t.id, 'stream ended without error');
      } catch (e) {
        if (!allowed.includes(e.code)) fail(t.id, `stream code ${e.code} not in ${allowed} (${e.message})`);
      }
    }
  }
  return { failures, counts };
}
