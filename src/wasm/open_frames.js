// The WebCrypto frame loop of callseal's decryption: opens a batch of AES-GCM frames and writes
// the plaintexts, in order, into one output buffer (or returns them as WebCrypto gave them).
// Several calls are kept in flight, which overlaps them in Node (libuv's thread pool); Chromium
// runs each call synchronously on this thread, so there the loop costs one WebCrypto call per
// frame and little else.
// It lives in JS because each WebCrypto call is a promise: driving thousands of them from
// wasm (a future and two closures per frame) cost more than the AES itself. The frame layout
// (ranges, IVs, AADs) comes from the Rust decryptor; nothing here parses the message.

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
  const start = (i) => {
    const p = globalThis.crypto.subtle.decrypt(
      {
        name: 'AES-GCM',
        iv: ivs.subarray(i * 12, i * 12 + 12),
        additionalData: aads.subarray(i === 0 ? 0 : aadEnds[i - 1], aadEnds[i]),
        tagLength: 128,
      },
      key,
      source.subarray(ranges[2 * i], ranges[2 * i + 1]),
    );
    p.catch(() => {}); // a later frame's failure is reported only if reached
    return p;
  };
  const queue = [];
  let next = 0;
  while (next < n && queue.length < inFlight) queue.push(start(next++));
  const pieces = [];
  let written = outOffset;
  for (let i = 0; i < n; i++) {
    let plaintext;
    try {
      plaintext = new Uint8Array(await queue.shift());
    } catch (cause) {
      throw { frameIndex: i, cause };
    }
    if (next < n) queue.push(start(next++));
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
