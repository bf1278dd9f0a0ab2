// Copies the windows of a message the wasm decryptor reads of small frames (their heads), many
// in one call (feed.rs): a copy call per frame cost as much as copying the whole frame.

/**
 * @param {Uint8Array} source the message (or a stream's push)
 * @param {number} first where the first window starts in `source`
 * @param {number} stride bytes from one window's start to the next's
 * @param {number} width bytes per window
 * @param {number} count windows, all within `source`
 * @returns {Uint8Array} the windows back to back
 */
export function copyWindows(source, first, stride, width, count) {
  const out = new Uint8Array(width * count);
  for (let k = 0, from = first, to = 0; k < count; k++, from += stride, to += width) out.set(source.subarray(from, from + width), to);
  return out;
}
