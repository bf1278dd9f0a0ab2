// Resident memory of the Chromium renderer that hosts a page, from /proc (Linux): the page's
// JS heap, ArrayBuffers, wasm linear memory, WebCrypto's buffers and allocator overhead alike.
// `resetPeak` clears the kernel's high-water mark (VmHWM) so `peak` is the peak since then.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

function status(pid) {
  try {
    const out = {};
    for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
      const m = /^(\w+):\s+(.*)$/.exec(line);
      if (m) out[m[1]] = m[2];
    }
    return out;
  } catch {
    return null;
  }
}
const kib = (v) => Number(/^(\d+) kB$/.exec(v ?? '')?.[1] ?? NaN) * 1024;

/** Renderer processes (`--type=renderer`) descended from `rootPid` (default: this process). */
export function rendererPids(rootPid = process.pid) {
  const parent = new Map();
  const renderers = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = status(d);
    if (!st) continue;
    parent.set(Number(d), Number(st.PPid));
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('--type=renderer')) renderers.push(Number(d));
    } catch { /* gone */ }
  }
  return renderers.filter((pid) => {
    for (let p = pid, i = 0; p > 1 && i < 64; p = parent.get(p) ?? 0, i++) if (p === rootPid) return true;
    return false;
  });
}

export const rss = (pid) => kib(status(pid)?.VmRSS);
export const peak = (pid) => kib(status(pid)?.VmHWM);

/** Resets VmHWM to the current RSS (needs to own the process or root). Returns false if not allowed. */
export function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** The renderer holding the most resident memory (the page that just loaded the benchmark input). */
export function largestRenderer(rootPid) {
  let best = null;
  for (const pid of rendererPids(rootPid)) {
    const r = rss(pid);
    if (!best || r > best.rss) best = { pid, rss: r };
  }
  return best;
}
