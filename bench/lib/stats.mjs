// Small statistics helpers shared by the benchmark parts.
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const round = (x, digits = 3) => (Number.isFinite(x) ? Number(x.toPrecision(digits + 2)) : x);

/** The same checksum as bench/pages/decrypt.mjs (order-sensitive, over little-endian u32 words). */
export function checksum(bytes, h = 0x811c9dc5) {
  const n = bytes.length >> 2;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < n; i++) h = (Math.imul(h, 31) + dv.getUint32(i * 4, true)) | 0;
  for (let i = n * 4; i < bytes.length; i++) h = (Math.imul(h, 31) + bytes[i]) | 0;
  return h >>> 0;
}
