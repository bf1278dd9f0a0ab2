#!/usr/bin/env node
// Whole-corpus validation in Node: every policy of tests/policy/corpus (the AWS managed policies
// as identity policies, the KMS guide's key policies as key policies) through `validatePolicy`
// with the service data loaded, timed as one pass. Side by side with another build of the
// package when BENCH_POLICY_BASELINE names its pkg/ directory (e.g. a worktree of an older
// commit after `make build`): the contenders alternate round by round in one process, so a
// change in the machine's load falls on both. Best of BENCH_POLICY_CORPUS_RUNS (7) passes each,
// after BENCH_POLICY_CORPUS_WARMUP (3) untimed passes each; each pass's main-thread CPU time too.
//
//   node --expose-gc bench/policy-corpus.mjs   measure; the JSON on stdout, a summary on stderr
//   BENCH_PARTS=policyCorpus make bench        the same through bench/run.mjs, which writes the
//                                              row into bench/results.json and BENCHMARKS.md
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';

const ROOT = resolve(import.meta.dirname, '..');
const RUNS = Number(process.env.BENCH_POLICY_CORPUS_RUNS ?? 7);
// Untimed passes first: V8 compiles wasm in tiers in the background, and on a busy machine the
// first passes still run on the baseline tier (Node 24: the first two passes take 2.5-3x).
const WARMUP = Number(process.env.BENCH_POLICY_CORPUS_WARMUP ?? 3);

/** The corpus as { name, text, policyType }, in file order (tests/policy_corpus.rs's corpora). */
export function readCorpus() {
  const dir = join(ROOT, 'tests/policy/corpus');
  const lines = (prefix) => {
    const file = readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.jsonl.gz')).sort().at(-1);
    return gunzipSync(readFileSync(join(dir, file))).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  };
  return [
    ...lines('aws-managed-policies-').map((p) => ({ name: p.name, text: JSON.stringify(p.document), policyType: 'identity' })),
    ...lines('kms-key-policies-').map((p) => ({ name: p.name, text: p.text, policyType: 'kms-key' })),
  ];
}

/** The commit a package directory was built from (its work tree's HEAD), if it is in git. */
function commitOf(pkgDir) {
  try {
    return execFileSync('git', ['-C', dirname(pkgDir), 'rev-parse', '--short', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return undefined;
  }
}

// CPU time of the main thread (Node >= 23.9; else the process's): on a loaded machine the wall
// time of a pass includes the time other processes held the cores, its CPU time much less so.
const cpuUsage = process.threadCpuUsage?.bind(process) ?? process.cpuUsage.bind(process);

/** One pass over the corpus: wall and CPU milliseconds and the number of findings. */
function pass(callseal, corpus) {
  let findings = 0;
  const t0 = performance.now();
  const cpu0 = cpuUsage();
  for (const p of corpus) findings += callseal.validatePolicy(p.text, { policyType: p.policyType }).length;
  const cpu = cpuUsage(cpu0);
  return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, findings };
}

export async function benchPolicyCorpus({ runs = RUNS, baseline = process.env.BENCH_POLICY_BASELINE } = {}) {
  const corpus = readCorpus();
  const contenders = [{ id: 'ours', pkg: join(ROOT, 'pkg') }];
  if (baseline) contenders.push({ id: 'baseline', pkg: resolve(baseline) });
  for (const c of contenders) {
    const entry = join(c.pkg, 'node/policy.js');
    if (!existsSync(entry)) throw new Error(`${entry} is missing: build that package first (make build)`);
    c.callseal = await import(pathToFileURL(entry).href);
    await c.callseal.loadServiceData?.();
    c.commit = commitOf(c.pkg);
    c.ms = [];
    c.cpuMs = [];
  }
  for (let w = 0; w < WARMUP; w++) {
    for (const c of contenders) c.findings = pass(c.callseal, corpus).findings;
  }
  for (let r = 0; r < runs; r++) {
    // The order alternates each round.
    for (const c of r % 2 ? [...contenders].reverse() : contenders) {
      globalThis.gc?.();
      const { ms, cpuMs } = pass(c.callseal, corpus);
      c.ms.push(ms);
      c.cpuMs.push(cpuMs);
    }
  }
  const out = { policies: corpus.length, runs, warmup: WARMUP, loadAverage: loadavg().map((x) => Number(x.toFixed(2))), date: new Date().toISOString() };
  for (const c of contenders) out[c.id] = { commit: c.commit, findings: c.findings, ms: c.ms.map((x) => Number(x.toFixed(1))), cpuMs: c.cpuMs.map((x) => Number(x.toFixed(1))) };
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchPolicyCorpus();
  const best = (c) => Math.min(...c.ms);
  const cpu = (c) => Math.min(...c.cpuMs);
  console.error(`${result.policies} policies, best of ${result.runs}: ours ${best(result.ours).toFixed(1)} ms (${result.ours.findings} findings)${result.baseline ? `, ${result.baseline.commit} ${best(result.baseline).toFixed(1)} ms (${result.baseline.findings} findings), ratio ${(best(result.ours) / best(result.baseline)).toFixed(2)}` : ''}`);
  console.error(`main-thread CPU, best of ${result.runs}: ours ${cpu(result.ours).toFixed(1)} ms${result.baseline ? `, ${result.baseline.commit} ${cpu(result.baseline).toFixed(1)} ms, ratio ${(cpu(result.ours) / cpu(result.baseline)).toFixed(2)}` : ''}`);
  console.log(JSON.stringify(result));
}
