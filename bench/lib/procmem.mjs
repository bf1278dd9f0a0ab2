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

/** Resident memory of each renderer now: `grownRenderer`'s reference before a page loads its input. */
export const renderersRss = () => new Map(rendererPids().map((pid) => [pid, rss(pid)]));

/**
 * The renderer whose resident memory grew most since `before` (`renderersRss`), if it grew by
 * more than `bytes` (the page that loaded that much input), else undefined.
 */
export function grownRenderer(before, bytes) {
  const grown = rendererPids().map((p) => ({ p, grew: rss(p) - (before.get(p) ?? 0) })).sort((x, y) => y.grew - x.grew)[0];
  return grown && grown.grew > bytes ? grown.p : undefined;
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

/** Proportional set size (Linux Pss: shared pages divided among their processes), bytes; NaN if gone. */
export function pss(pid) {
  try {
    return kib(/^Pss:\s+(\d+ kB)$/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1]);
  } catch {
    return NaN;
  }
}

/** What a Chromium process is, from its command line: browser, renderer, gpu-process, or the utility's service (network, audio, storage...). */
export function chromiumKind(pid) {
  try {
    // Chromium's child processes rewrite their command line as one space-separated string.
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
    const type = args.find((a) => a.startsWith('--type='))?.slice(7);
    if (!type) return 'browser';
    if (type !== 'utility') return type;
    const sub = args.find((a) => a.startsWith('--utility-sub-type='))?.slice(19) ?? '';
    return `utility:${sub.split('.')[0] || '?'}`;
  } catch {
    return null;
  }
}

/** `rootPid` and every process descended from it. */
export function processTree(rootPid) {
  const children = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const ppid = Number(status(d)?.PPid);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(d));
  }
  const out = [];
  for (const todo = [rootPid]; todo.length;) {
    const pid = todo.pop();
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** This process's children whose command line runs Chromium. */
export function chromiumChildren(parent = process.pid) {
  return processTree(parent).filter((pid) => {
    if (Number(status(pid)?.PPid) !== parent) return false;
    try { return /chrom/i.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8')); } catch { return false; }
  });
}
