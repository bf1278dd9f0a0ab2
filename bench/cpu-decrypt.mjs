#!/usr/bin/env node
// What each decryption contender costs the page's thread in headless Chromium: per run, the
// wall time the page measures and the CPU time of its renderer's main thread (Linux schedstat:
// time on a core, time waiting for one), rounds alternating the contenders in fresh pages of the
// bench (bench/pages/decrypt.mjs). On a shared machine the CPU time tells builds apart where wall
// times do not, and wall - CPU - waiting is the time the page's thread was idle. It writes no
// BENCHMARKS.md row (an account, not a figure to compare):
//
//   node bench/cpu-decrypt.mjs      after `make build`
//   CPU_SUITE=0478 CPU_FRAME=4096 CPU_MIB=64 CPU_ROUNDS=15 CPU_CHUNK=65536
//   CPU_CONTENDERS=webcrypto-frames,callseal,callseal-stream,baseline,baseline-stream,stream-passage
//     (stream-passage: the stream's chunks through a gathering TransformStream, no decryption)
//   BENCH_DECRYPT_BASELINE=/tmp/main/pkg   the baseline contenders' build (as bench/run.mjs)
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadavg } from 'node:os';
import { decryptAccount } from './lib/decrypt-account.mjs';
import { rendererPids } from './lib/procmem.mjs';
import { median } from './lib/stats.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const env = (k, d) => process.env[k] ?? d;
const suite = parseInt(env('CPU_SUITE', '0478'), 16);
const frameLength = Number(env('CPU_FRAME', 4096));
const rounds = Number(env('CPU_ROUNDS', 15));
const contenders = env('CPU_CONTENDERS', 'webcrypto-frames,callseal,callseal-stream').split(',');
if (process.env.BENCH_DECRYPT_BASELINE) {
  rmSync(join(ROOT, 'bench/out/baseline-pkg'), { recursive: true, force: true });
  cpSync(resolve(process.env.BENCH_DECRYPT_BASELINE), join(ROOT, 'bench/out/baseline-pkg'), { recursive: true });
}

/** A thread's [ms on a core, ms waiting for one] (schedstat), or undefined once it is gone. */
function schedstat(pid) {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ').map(Number);
    return [run / 1e6, wait / 1e6];
  } catch {
    return undefined;
  }
}
const mainThreads = () => new Map(rendererPids().map((pid) => [pid, schedstat(pid)]));

const account = await decryptAccount('cpu', { suite, frameLength, mib: Number(env('CPU_MIB', 64)) });
const { meta, message: m } = account;
const load = [loadavg()[0]];
try {
  const pages = [];
  for (const contender of contenders) {
    const { context, page } = await account.open(contender, Number(env('CPU_CHUNK', 65536)));
    pages.push({ contender, page, cdp: await context.newCDPSession(page), wall: [], cpu: [], wait: [] });
  }
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < pages.length; k++) {
      const c = pages[(round + k) % pages.length];
      await c.cdp.send('HeapProfiler.collectGarbage');
      const before = mainThreads();
      const { ms } = await c.page.evaluate(() => window.bench.run());
      // The page's renderer: the main thread that ran the most meanwhile.
      let cpu = 0, wait = 0;
      for (const [pid, after] of mainThreads()) {
        const b = before.get(pid);
        if (after && b && after[0] - b[0] > cpu) [cpu, wait] = [after[0] - b[0], after[1] - b[1]];
      }
      c.wall.push(ms); c.cpu.push(cpu); c.wait.push(wait);
    }
  }
  load.push(loadavg()[0]);
  const floor = pages.find((c) => c.contender === 'webcrypto-frames');
  const ratio = (c, k) => (floor ? ` (${(median(floor[k]) / median(c[k])).toFixed(2)}x the floor)` : '');
  console.log(`${m.id}, ${meta.plainBytes / 1048576} MiB, ${rounds} rounds, load ${load.map((l) => l.toFixed(1)).join(' -> ')}; medians, ms per run`);
  for (const c of pages) {
    const idle = median(c.wall.map((w, i) => w - c.cpu[i] - c.wait[i]));
    console.log(`  ${c.contender.padEnd(18)} wall ${median(c.wall).toFixed(0).padStart(5)}${ratio(c, 'wall')}  main-thread CPU ${median(c.cpu).toFixed(0).padStart(5)}${ratio(c, 'cpu')}  waiting for a core ${median(c.wait).toFixed(0).padStart(4)}  idle ${idle.toFixed(0).padStart(4)}`);
  }
} finally {
  await account.close();
}
