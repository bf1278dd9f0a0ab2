// The WebCrypto frame loop of callseal's decryption: opens a batch of AES-GCM frames and writes
// the plaintexts, in order, into one output buffer (or returns them as WebCrypto gave them).
// Several calls are kept in flight, which overlaps them in Node (libuv's thread pool); Chromium
// runs each call synchronously on this thread, so there the loop costs one WebCrypto call per
// frame and little else. Per frame only the view of its sealed bytes, the call's promises and
// its result are made: every call gets the same parameter object, IV buffer and AAD buffer (one
// per AAD length), refilled with the frame's bytes (WebCrypto copies what it is given when it is
// called, as the spec says, in Node and Chromium alike), and the calls in flight sit in a ring.
// It lives in JS because each WebCrypto call is a promise: driving thousands of them from
// wasm (a future and two closures per frame) cost more than the AES itself. The frame layout
// (ranges, IVs, AADs) comes from the Rust decryptor; nothing here parses the message.

/** Marks a call in flight as handled: a later frame's failure is reported only if reached. */
const unreported = () => {};

/**
 * @param {CryptoKey} key AES-GCM key (decrypt)
 * @param {Uint8Array} source bytes holding the sealed frames
 * @param {Uint32Array} ranges [start, end) of each frame's ciphertext ‖ tag in `source`
 * @param {Uint8Array} ivs 12 bytes per frame
 * @param {Uint8Array} aads the frames' AADs, back to back
 * @param {Uint32Array} aadEnds end offset of each frame's AAD in `aads`
 * @param {Uint8Array | undefined} out where plaintext goes, from `outOffset`; without it each
 *   frame's plaintext is returned as WebCrypto gave it (streams of large frames: no copy)
 * @param {number} inFlight how many WebCrypto calls run at once
 * @returns {Promise<number | Uint8Array[]>} bytes written (or the plaintexts, in order); rejects
 *   with { frameIndex, cause } on failure
 */
export async function openFrames(key, source, ranges, ivs, aads, aadEnds, out, outOffset, inFlight) {
  const n = aadEnds.length;
  const subtle = globalThis.crypto.subtle;
  const iv = new Uint8Array(12);
  const aadBuffers = []; // by length
  const params = { name: 'AES-GCM', iv, additionalData: iv, tagLength: 128 };
  const ring = Math.max(1, Math.min(inFlight, n));
  const calls = new Array(ring); // frame i's call is calls[i % ring]
  let next = 0;
  const start = () => {
    const i = next++;
    for (let b = 0, at = i * 12; b < 12; b++) iv[b] = ivs[at + b];
    const aadStart = i === 0 ? 0 : aadEnds[i - 1];
    const aadLength = aadEnds[i] - aadStart;
    const aad = (aadBuffers[aadLength] ??= new Uint8Array(aadLength));
    for (let b = 0; b < aadLength; b++) aad[b] = aads[aadStart + b];
    params.additionalData = aad;
    const call = subtle.decrypt(params, key, source.subarray(ranges[2 * i], ranges[2 * i + 1]));
    call.catch(unreported);
    calls[i % ring] = call;
  };
  while (next < ring) start();
  const pieces = out ? undefined : [];
  let written = outOffset;
  for (let i = 0, slot = 0; i < n; i++) {
    let plaintext;
    try {
      plaintext = new Uint8Array(await calls[slot]);
    } catch (cause) {
      throw { frameIndex: i, cause };
    }
    calls[slot] = undefined;
    if (next < n) start();
    if (++slot === ring) slot = 0;
    if (!out) {
      pieces.push(plaintext);
      continue;
    }
    if (written + plaintext.length > out.length) throw { frameIndex: i, cause: new RangeError('plaintext exceeds the output') };
    out.set(plaintext, written);
    written += plaintext.length;
  }
  return out ? written : pieces;
}
