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

/**
 * `options` for a stream or range reader: they release a signed message's frames before
 * (streams) or without (range readers) its footer signature check, which a caller opts in to
 * with `signedMessages: 'release-before-verify'`. The runs of those APIs over every suite opt in
 * (unless the options refuse signed messages); security-claims.test.mjs tests the refusal by
 * default.
 */
export function releasing(options) {
  const signedMessages = options?.signedMessages;
  return { ...options, signedMessages: signedMessages === undefined || signedMessages === 'verify' ? 'release-before-verify' : signedMessages };
}

async function streamDecrypt(callseal, message, dataKey, chunk, options) {
  const ts = callseal.decryptStream(dataKey, releasing(options));
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
        if (header.dataKeyLength !== dataKey.length) fail(t.id, `dataKeyLength ${header.dataKeyLength}, the data key has ${dataKey.length} bytes`);
        const pt = await callseal.decrypt(message, dataKey, options);
        if (!equalBytes(pt, expected)) fail(t.id, 'one-shot plaintext differs');
        for (const chunk of [7, 4096, message.length || 1]) {
          const { out } = await streamDecrypt(callseal, message, dataKey, chunk, options);
          if (!equalBytes(out, expected)) fail(t.id, `stream (chunk ${chunk}) plaintext differs`);
        }
        counts.stream++;
        if (t.frame_length > 0) {
          const reader = await callseal.openRangeReader(
            { size: message.length, read: async (off, len) => message.slice(off, off + len) }, dataKey, releasing(options));
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

const utf8 = (s) => new TextEncoder().encode(s);

/** The 46 key-commitment vectors (C, Python, Java, JavaScript SDKs). */
export async function runCommitmentVectors(callseal, load, baseOptions = {}) {
  const doc = JSON.parse(new TextDecoder().decode(await load('commitment-test-vectors.json')));
  const failures = [];
  let n = 0;
  for (const [i, t] of doc.tests.entries()) {
    n++;
    const id = `commitment #${i + 1} (${t.comment})`;
    const message = b64(t.ciphertext);
    try {
      const pt = await callseal.decrypt(message, b64(t['decrypted-dek']), baseOptions);
      if (t.exception) failures.push(`${id}: decrypted but should fail (${t.exception})`);
      else if (!equalBytes(pt, utf8(t['plaintext-frames'].join('')))) failures.push(`${id}: plaintext differs`);
    } catch (e) {
      if (!t.exception) failures.push(`${id}: unexpected ${e.code} ${e.message}`);
      else if (e.code !== 'COMMITMENT_MISMATCH') failures.push(`${id}: code ${e.code}, expected COMMITMENT_MISMATCH`);
    }
  }
  return { failures, count: n };
}

/** S3 Encryption Client objects made by the official Python S3EC (tests/vectors/s3ec). */
export async function runS3ecVectors(callseal, loadS3ec, baseOptions = {}) {
  const doc = JSON.parse(new TextDecoder().decode(await loadS3ec('python-4.0.0.json')));
  const failures = [];
  for (const c of doc.cases) {
    const body = b64(c.body);
    const key = b64(c.data_key);
    try {
      const info = await callseal.parseS3Metadata(c.metadata);
      if (JSON.stringify(Object.entries(info.kmsEncryptionContext).sort()) !== JSON.stringify(Object.entries(c.kms_encryption_context).sort())) {
        failures.push(`${c.id}: kmsEncryptionContext differs`);
      }
      const pt = await callseal.decryptS3Object(body, c.metadata, key, { ...baseOptions, expectedContext: c.expected_context });
      if (!equalBytes(pt, b64(c.plaintext))) failures.push(`${c.id}: plaintext differs`);
    } catch (e) {
      failures.push(`${c.id}: unexpected ${e.code} ${e.message}`);
    }
    const bad = body.slice();
    if (bad.length > 0) bad[bad.length >> 1] ^= 4;
    const wrongKey = key.slice(); wrongKey[0] ^= 1;
    for (const [what, b, k, want] of [['flipped byte', bad, key, ['TAG_MISMATCH']],
      ['wrong key', body, wrongKey, ['TAG_MISMATCH', 'COMMITMENT_MISMATCH']],
      ['truncated', body.subarray(0, Math.max(0, body.length - 1)), key, ['TAG_MISMATCH', 'TRUNCATED']]]) {
      try {
        await callseal.decryptS3Object(b, c.metadata, k, baseOptions);
        failures.push(`${c.id}: ${what} decrypted`);
      } catch (e) {
        if (!want.includes(e.code)) failures.push(`${c.id}: ${what}: code ${e.code} (${e.message})`);
      }
    }
  }
  return { failures, count: doc.cases.length };
}

/**
 * Tamper sweep on the sample messages in tests/vectors/esdk/tamper: flip bits (every
 * `stride`-th), truncate at lengths, append bytes; one-shot, stream and random access must all
 * fail and one-shot must release nothing.
 */
/**
 * Messages made with required encryption context (required-ec/, official Python ESDK + MPL):
 * each message with each reproduced context of the manifest, as `expectedContext`, must
 * decrypt (one-shot, stream, range reader) exactly when the ESDK's own header check given the
 * data key does, else fail with the matching code; the raw AES keyring unwraps once the pairs
 * are supplied. Returns failures and the count of (message, context) checks.
 */
export async function runRequiredEcVectors(callseal, load, baseOptions = {}) {
  const m = JSON.parse(new TextDecoder().decode(await load('required-ec/manifest.json')));
  const failures = [];
  let count = 0;
  const keyring = { keyNamespace: m.keyring.key_namespace, keyName: m.keyring.key_name, key: b64(m.keyring.wrapping_key) };
  for (const t of m.tests) {
    const [message, plaintext, key] = [await load(`required-ec/${t.ciphertext}`), await load(`required-ec/${t.plaintext}`), b64(t.data_key)];
    for (const [name, check] of Object.entries(t.checks)) {
      count++;
      const options = { ...baseOptions, expectedContext: m.checks.contexts[name] ?? undefined };
      const official = check.with_data_key;
      const runs = {
        'one-shot': () => callseal.decrypt(message, key, options),
        stream: async () => (await streamDecrypt(callseal, message, key, 97, options)).out,
        range: async () => {
          const r = await callseal.openRangeReader({ size: message.length, read: async (o, n) => message.slice(o, o + n) }, key, releasing(options));
          try { return await r.read(0, r.plaintextLength); } finally { r.close(); }
        },
      };
      for (const [path, run] of Object.entries(runs)) {
        const what = `${t.id} with context ${name}: ${path}`;
        try {
          const out = await run();
          if (official !== 'ok') failures.push(`${what}: decrypted, the ESDK says ${official}`);
          else if (!equalBytes(out, plaintext)) failures.push(`${what}: plaintext differs`);
        } catch (e) {
          const codes = official === 'error:context-mismatch' ? ['CONTEXT_MISMATCH'] : ['TAG_MISMATCH', 'CONTEXT_MISMATCH'];
          if (official === 'ok' || !codes.includes(e.code)) failures.push(`${what}: ${e.code} ${e.message} (the ESDK says ${official})`);
        }
      }
    }
    if (t.cmm === 'required-ec') {
      try {
        const dk = await callseal.unwrapRawAesDataKey(message, keyring, { expectedContext: m.encryption_context });
        if (!equalBytes(dk, key)) failures.push(`${t.id}: unwrapped data key differs`);
      } catch (e) {
        failures.push(`${t.id}: unwrap with the pairs: ${e.code} ${e.message}`);
      }
      try {
        await callseal.unwrapRawAesDataKey(message, keyring);
        failures.push(`${t.id}: unwrapped without the pairs`);
      } catch (e) {
        if (e.code !== 'KEY_UNWRAP_FAILED') failures.push(`${t.id}: unwrap without the pairs: ${e.code}`);
      }
    }
  }
  return { failures, count };
}

// Footer-only faults of tests/vectors/esdk/semantic: the range reader never reads the footer
// (signatures are not checked there: see random_access.rs), so it may read these back.
const FOOTER_ONLY = new Set(['signature-extra-byte', 'signature-non-minimal-integer', 'signature-raw-r-s', 'signed-no-footer']);

/**
 * The authenticated-but-semantically-invalid messages of tests/vectors/esdk/semantic (made by
 * tests/interop/make_semantic.py, each official SDK's outcome in the manifest): one-shot decrypt
 * (WebCrypto and pure-Rust engines), decryptStream (7-byte chunks), the range reader and the raw
 * AES keyring must each give the outcome the manifest lists for callseal (`callseal`, and
 * `callseal_buffered` where the APIs that hold a frame in memory differ), as
 * tests/esdk_semantic.rs asserts natively. Returns failures and the count of messages.
 */
export async function runSemanticVectors(callseal, load) {
  const m = JSON.parse(new TextDecoder().decode(await load('semantic/manifest.json')));
  const failures = [];
  const keyring = { keyNamespace: m.wrapping_key.key_namespace, keyName: m.wrapping_key.key_name, key: b64(m.wrapping_key.key) };
  /** '' if `run` behaved as `want` says ('plaintext' = these bytes), else what happened. */
  const verdict = async (run, want, plaintext) => {
    try {
      const pt = await run();
      if (want === 'plaintext') return equalBytes(pt, plaintext) ? '' : `plaintext of ${pt.length} bytes that differs`;
      return `expected ${want}, got ${pt.length} bytes of plaintext`;
    } catch (e) {
      if (!(e instanceof callseal.CallsealError)) return `not a CallsealError: ${e}`;
      return e.code === want ? '' : `expected ${want}, got ${e.code}: ${e.message}`;
    }
  };
  for (const t of m.tests) {
    const message = await load(`semantic/${t.ciphertext}`);
    const [key, plaintext] = [b64(t.data_key), b64(t.plaintext)];
    const buffered = t.callseal_buffered ?? t.callseal;
    const checks = [
      ['one-shot', () => callseal.decrypt(message, key), t.callseal],
      ['one-shot rust', () => callseal.decrypt(message, key, { engine: 'rust' }), buffered],
      ['stream', async () => (await streamDecrypt(callseal, message, key, 7)).out, buffered],
    ];
    for (const [api, run, want] of checks) {
      const v = await verdict(run, want, plaintext);
      if (v) failures.push(`${t.id}: ${api}: ${v}`);
    }
    let header = null;
    try { header = callseal.parseHeader(message); } catch { /* refused: checked above */ }
    // The range reader locates the final frame from the size, so where the sequential reader sees
    // what follows a frame it sees a misplaced one: any error will do when one is due; it never
    // reads the footer, so footer-only faults may read back the plaintext.
    if (header && header.frameLength > 0) {
      const v = await verdict(async () => {
        const r = await callseal.openRangeReader({ size: message.length, read: async (o, n) => message.slice(o, o + n) }, key, releasing());
        try { return await r.read(0, r.plaintextLength); } finally { r.close(); }
      }, 'plaintext', plaintext);
      const refused = v.startsWith('expected plaintext, got ');
      if (buffered === 'plaintext' ? v : !(refused || (FOOTER_ONLY.has(t.id) && !v))) {
        failures.push(`${t.id}: range reader: ${v || 'read back the plaintext'}`);
      }
    }
    if (header) {
      const v = await verdict(() => callseal.unwrapRawAesDataKey(message, keyring), 'plaintext', key);
      if (v) failures.push(`${t.id}: raw AES unwrap: ${v}`);
    }
  }
  return { failures, count: m.tests.length };
}

export async function runTamperSweep(callseal, load, { stride = 1, baseOptions = {} } = {}) {
  const manifest = JSON.parse(new TextDecoder().decode(await load('tamper/manifest.json')));
  const wk = manifest.wrapping_key;
  const keyring = { keyNamespace: wk.key_namespace, keyName: wk.key_name, key: b64(wk.key) };
  const failures = [];
  let attempts = 0;
  for (const t of manifest.tests) {
    const message = await load(`tamper/${t.ciphertext}`);
    const dataKey = await callseal.unwrapRawAesDataKey(message, keyring);
    const mustFail = async (bytes, what) => {
      attempts++;
      try {
        const pt = await callseal.decrypt(bytes, dataKey, baseOptions);
        failures.push(`${t.ciphertext} ${what}: one-shot released ${pt.length} bytes`);
      } catch (e) {
        if (!(e instanceof callseal.CallsealError)) failures.push(`${t.ciphertext} ${what}: ${e}`);
      }
      try {
        await streamDecrypt(callseal, bytes, dataKey, 97, baseOptions);
        failures.push(`${t.ciphertext} ${what}: stream ended without error`);
      } catch (e) {
        if (!(e instanceof callseal.CallsealError)) failures.push(`${t.ciphertext} ${what}: stream ${e}`);
      }
      if (t.frame_length > 0) {
        try {
          const r = await callseal.openRangeReader({ size: bytes.length, read: async (o, l) => bytes.slice(o, o + l) }, dataKey, releasing(baseOptions));
          const got = await r.read(0, r.plaintextLength);
          r.close();
          // Random access does not read the footer: damage confined to it is not its to see.
          if (!what.startsWith('append') && !inFooter(what)) failures.push(`${t.ciphertext} ${what}: range reader read ${got.length} bytes`);
        } catch (e) {
          if (!(e instanceof callseal.CallsealError)) failures.push(`${t.ciphertext} ${what}: range ${e}`);
        }
      }
    };
    // the byte offset where the footer starts (signed suites), to classify flips
    const genuine = await callseal.decrypt(message, dataKey, baseOptions);
    const footerStart = footerOffset(message, callseal.parseHeader(message));
    const inFooter = (what) => { const m = /^flip bit (\d+)/.exec(what); return m && Number(m[1]) >> 3 >= footerStart; };
    if (genuine.length === 0) failures.push(`${t.ciphertext}: genuine message decrypted to nothing`);
    for (let bit = 0; bit < message.length * 8; bit += stride) {
      const bad = message.slice();
      bad[bit >> 3] ^= 1 << (bit & 7);
      await mustFail(bad, `flip bit ${bit}`);
    }
    for (let cut = 0; cut < message.length; cut += Math.max(1, stride >> 2)) await mustFail(message.subarray(0, cut), `truncate to ${cut}`);
    for (const extra of [[0], [1, 2, 3]]) await mustFail(new Uint8Array([...message, ...extra]), `append ${extra.length}`);
  }
  return { failures, attempts };
}

/** Offset of the footer of a signed message (its length: the last 2 + DER bytes), else the length. */
function footerOffset(message, header) {
  if (!header.signed) return message.length;
  // The footer is u16 length + DER; find the split whose length field matches.
  for (let derLen = 64; derLen <= 110; derLen++) {
    const at = message.length - derLen - 2;
    if (at > 0 && ((message[at] << 8) | message[at + 1]) === derLen) return at;
  }
  return message.length;
}
