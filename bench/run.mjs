#!/usr/bin/env node
// make bench: callseal side by side with its peers and the limit, in one run, on this machine,
// on the same bytes. Writes bench/results.json (machine-readable) and BENCHMARKS.md.
//
//   node bench/run.mjs                  everything (after `make build`)
//   BENCH_QUICK=1 node bench/run.mjs    small sizes, 1 run each (development; not for figures)
//   BENCH_PARTS=decrypt,policy,policyCorpus,size,playback,signatureCheck,memory2h,broker,seal   a subset (default: all)
//   BENCH_POLICY_BASELINE=../old/pkg   policyCorpus: another build's pkg/ measured beside ours
//   BENCH_SIZE_MIB=64 BENCH_RUNS=5 BENCH_SUITES=0578,0478 BENCH_FRAMES=4096,65536
//   BENCH_MEMORY_PAGES=5   decrypt: the fresh pages per contender its peak-memory median is taken over
//   BENCH_CONTENDERS=callseal,peer         a subset of the decryption contenders (development)
//   BENCH_DECRYPT_BASELINE=/tmp/old/pkg BENCH_DECRYPT_BASELINE_NAME=52fb658   decrypt: another
//     build's pkg/ measured beside ours, in the same pages and rounds (before vs after)
//   BENCH_BROKER_UNWRAPS=10000 BENCH_BROKER_CONCURRENCY=64 BENCH_BROKER_ROUNDS=5   the broker load
//   BENCH_SEAL_MIB=2048 BENCH_SEAL_RUNS=3   the sealer's object (after `make sealer`)
//   BENCH_MEMORY_RUNS=2   memory2h's rounds (each: the player, then the bare <audio>, or the reverse)
//
// Scratch goes to bench/out/ (gitignored): the messages, the peer bundles, the built pages.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, loadavg, release, platform } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launchChromium } from '../tests/support/browser.mjs';
import { serveStatic } from '../tests/support/static-server.mjs';
import { makeMessages } from './lib/messages.mjs';
import { bundle } from './lib/bundle.mjs';
import { BASELINE_CONTENDERS, CONTENDERS, benchDecrypt } from './lib/decrypt-bench.mjs';
import { benchPlayback } from './lib/playback.mjs';
import { benchSignatureCheck } from './lib/signature-check.mjs';
import { benchMemory2h } from './lib/memory-2h.mjs';
import { benchBroker } from './lib/broker-load.mjs';
import { benchSeal } from './lib/seal-bench.mjs';
import { checksum, median, percentile } from './lib/stats.mjs';
import { brokerProblems, buildCases, writeReport } from './lib/report.mjs';
import { breakdown } from './lib/wasm-breakdown.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench/out');
const QUICK = process.env.BENCH_QUICK === '1';
const env = (name, dflt) => process.env[name] ?? dflt;
const settings = {
  quick: QUICK,
  sizeMiB: Number(env('BENCH_SIZE_MIB', QUICK ? 8 : 64)),
  runs: Number(env('BENCH_RUNS', QUICK ? 1 : 5)),
  memoryPages: Number(env('BENCH_MEMORY_PAGES', QUICK ? 1 : 5)),
  suites: env('BENCH_SUITES', '0578,0478').split(',').map((s) => parseInt(s, 16)),
  frameLengths: env('BENCH_FRAMES', '4096,65536').split(',').map(Number),
  streamChunkBytes: 65536,
  policy: QUICK ? { runs: 1, samples: 100, minMs: 200 } : { runs: 5, samples: 400, minMs: 800 },
  playbackRuns: Number(env('BENCH_PLAYBACK_RUNS', QUICK ? 1 : 5)),
  memoryRuns: Number(env('BENCH_MEMORY_RUNS', QUICK ? 1 : 2)),
  broker: {
    unwraps: Number(env('BENCH_BROKER_UNWRAPS', QUICK ? 1000 : 10000)),
    concurrency: Number(env('BENCH_BROKER_CONCURRENCY', 64)),
    rounds: Number(env('BENCH_BROKER_ROUNDS', QUICK ? 1 : 5)),
  },
  seal: {
    sizeMiB: Number(env('BENCH_SEAL_MIB', QUICK ? 64 : 2048)),
    runs: Number(env('BENCH_SEAL_RUNS', QUICK ? 1 : 3)),
  },
};
const ALL_PARTS = ['decrypt', 'policy', 'policyCorpus', 'size', 'playback', 'signatureCheck', 'memory2h', 'broker', 'seal'];
const parts = new Set(env('BENCH_PARTS', ALL_PARTS.join(',')).split(','));
const started = Date.now();
const log = (m) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${m}`);

if (!existsSync(join(ROOT, 'pkg/decrypt.js'))) throw new Error('pkg/ is not built: run make build');
mkdirSync(OUT, { recursive: true });
const pkgVersion = (name) => JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;

const raw = { settings, parts: [...parts] };
const machine = {
  cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30),
  os: `${platform()} ${release()}`, node: process.version, loadAverageAtStart: loadavg().map((x) => Number(x.toFixed(2))),
};

log(`bundling the peers (vite)`);
const peerEsdk = await bundle(join(ROOT, 'bench/pages/peer-esdk.mjs'), OUT, 'peer-esdk.js', ROOT);
const peerIam = await bundle(join(ROOT, 'bench/pages/peer-iam.mjs'), OUT, 'peer-iam.js', ROOT);

// Cross-origin isolated pages (COOP + COEP): performance.now() at 5 µs instead of 100 µs.
const server = await serveStatic(ROOT, { headers: { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } });
const browser = await launchChromium();
machine.chromium = browser.version();
try {
  if (parts.has('decrypt')) {
    log(`making messages: ${settings.sizeMiB} MiB, suites ${settings.suites.map((s) => s.toString(16).padStart(4, '0')).join(', ')}, frames ${settings.frameLengths.join(', ')} (@aws-crypto/client-node)`);
    const meta = await makeMessages(OUT, { size: settings.sizeMiB * 1048576, suites: settings.suites, frameLengths: settings.frameLengths });
    meta.plainChecksum = checksum(readFileSync(join(OUT, 'plain.bin')));
    log('decryption in Chromium');
    let contenders = process.env.BENCH_CONTENDERS?.split(',') ?? CONTENDERS;
    const baseline = process.env.BENCH_DECRYPT_BASELINE;
    if (baseline) {
      rmSync(join(OUT, 'baseline-pkg'), { recursive: true, force: true });
      cpSync(resolve(baseline), join(OUT, 'baseline-pkg'), { recursive: true });
      contenders = [...contenders, ...BASELINE_CONTENDERS];
    }
    raw.decrypt = { messages: meta.messages, plainBytes: meta.plainBytes, baseline: baseline ? env('BENCH_DECRYPT_BASELINE_NAME', baseline) : undefined, memoryPages: settings.memoryPages, results: await benchDecrypt(browser, server.url, meta, { runs: settings.runs, memoryPages: settings.memoryPages, chunkSize: settings.streamChunkBytes, contenders, log }) };
    for (const m of meta.messages) rmSync(join(OUT, m.file), { force: true });
    rmSync(join(OUT, 'plain.bin'), { force: true });
    rmSync(join(OUT, 'limit.bin'), { force: true });
    for (const f of Object.values(meta.floors)) rmSync(join(OUT, f.file), { force: true });
  }
  if (parts.has('policy')) {
    log('policies in Chromium');
    const page = await browser.newPage();
    page.on('pageerror', (e) => log(`[policy page] ${e.message}`));
    await page.goto(`${server.url}/bench/pages/policy.html`);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 30_000 });
    const files = ['basics.json', 'conditions.json', 'cross_account.json', 'kms.json', 'organizations_boundaries_sessions.json', 'principals.json', 'set_operators.json', 'variables.json'];
    raw.policyChromium = await page.evaluate((o) => window.bench.run(o), { ...settings.policy, files });
    await page.close();
    log('policies in Node');
    raw.policyNode = JSON.parse(execFileSync(process.execPath, [join(ROOT, 'bench/policy-node.mjs'), JSON.stringify(settings.policy)], { cwd: ROOT, maxBuffer: 64 << 20 }).toString());
    for (const [where, p] of [['Chromium', raw.policyChromium], ['Node', raw.policyNode]]) {
      log(`${where}: validate 6 KB median ${median(p.validate.ours).toFixed(3)} ms (peer ${median(p.validate.peer).toFixed(3)}), p99 ${percentile(p.validate.ours, 99).toFixed(3)} (peer ${percentile(p.validate.peer, 99).toFixed(3)}); evaluate ${median(p.evaluate.prepared.ours).toFixed(0)}/s (peer ${median(p.evaluate.prepared.peer).toFixed(0)}/s)`);
    }
  }
  if (parts.has('policyCorpus')) {
    log(`validating the policy corpus in Node${process.env.BENCH_POLICY_BASELINE ? `, beside ${process.env.BENCH_POLICY_BASELINE}` : ''}`);
    raw.policyCorpus = JSON.parse(execFileSync(process.execPath, ['--expose-gc', join(ROOT, 'bench/policy-corpus.mjs')], { cwd: ROOT, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'inherit'] }).toString());
    const best = (c) => Math.min(...c.ms).toFixed(1);
    log(`policy corpus: ours ${best(raw.policyCorpus.ours)} ms${raw.policyCorpus.baseline ? `, ${raw.policyCorpus.baseline.commit} ${best(raw.policyCorpus.baseline)} ms` : ''}`);
  }
  if (parts.has('size')) {
    const size = (f) => { const b = readFileSync(join(ROOT, f)); return { bytes: b.length, gzipBytes: gzipSync(b, { level: 9 }).length }; };
    const glue = (files) => files.reduce((n, f) => n + (existsSync(join(ROOT, f)) ? readFileSync(join(ROOT, f)).length : 0), 0);
    raw.size = {
      decrypt: { wasm: size('pkg/wasm/callseal_decrypt_bg.wasm'), jsGlueBytes: glue(['pkg/decrypt.js', 'pkg/lib/decrypt.js', 'pkg/lib/load.js', 'pkg/lib/callseal-error.js', 'pkg/wasm/callseal_decrypt.js']), peer: peerEsdk },
      // The decrypt module's second half (S3EC objects, range reads), loaded on their first call.
      decryptMore: { wasm: size('pkg/wasm/callseal_decrypt_more_bg.wasm'), jsGlueBytes: glue(['pkg/decrypt-more.js', 'pkg/wasm/callseal_decrypt_more.js']) },
      policy: { wasm: size('pkg/wasm/callseal_policy_bg.wasm'), serviceData: size('pkg/service-data.bin'), jsGlueBytes: glue(['pkg/policy.js', 'pkg/lib/policy.js', 'pkg/lib/load.js', 'pkg/lib/callseal-error.js', 'pkg/wasm/callseal_policy.js']), peer: peerIam },
      encrypt: { wasm: size('pkg/wasm/callseal_encrypt_bg.wasm'), jsGlueBytes: glue(['pkg/encrypt.js', 'pkg/lib/encrypt.js', 'pkg/lib/load.js', 'pkg/lib/callseal-error.js', 'pkg/wasm/callseal_encrypt.js']) },
    };
    // What each decrypt module holds, by crate (the module as cargo links it, names kept).
    for (const [k, name] of [['decrypt', 'callseal_decrypt'], ['decryptMore', 'callseal_decrypt_more']]) {
      const linked = join(ROOT, `target/wasm/${name}.wasm`);
      if (existsSync(linked)) raw.size[k].breakdown = breakdown(readFileSync(linked));
    }
    log(`sizes: decrypt wasm ${raw.size.decrypt.wasm.bytes} B (${raw.size.decrypt.wasm.gzipBytes} gz) vs peer ${peerEsdk.bytes} (${peerEsdk.gzipBytes} gz), its second half ${raw.size.decryptMore.wasm.bytes} (${raw.size.decryptMore.wasm.gzipBytes} gz); policy wasm ${raw.size.policy.wasm.bytes} (${raw.size.policy.wasm.gzipBytes} gz) vs peer ${peerIam.bytes} (${peerIam.gzipBytes} gz)`);
  }
  // The parts on the local stack: a failure is recorded in results.json and the run goes on.
  const onStack = async (part, what, measure) => {
    if (!parts.has(part)) return;
    log(what);
    try {
      raw[part] = await measure();
    } catch (e) {
      raw[part] = { error: String(e.message ?? e).slice(0, 500) };
      log(`${part}: ERROR ${raw[part].error}`);
    }
  };
  await onStack('broker', `key broker: ${settings.broker.unwraps} unwraps at concurrency ${settings.broker.concurrency}, two brokers, vs KMS Decrypt; KMS calls of a playback`,
    () => benchBroker(browser, { root: ROOT, outDir: OUT, ...settings.broker, log }));
  await onStack('seal', `sealer: ${settings.seal.sizeMiB} MiB object, ${settings.seal.runs} rounds of callseal seal, client-node encryptStream and a plain copy`,
    () => benchSeal({ root: ROOT, ...settings.seal, log }));
  await onStack('playback', 'playback: local stack, samples, broker, pages',
    () => benchPlayback(browser, { root: ROOT, outDir: OUT, runs: settings.playbackRuns, log }));
  await onStack('signatureCheck', 'signature check: local stack, the longest sample, vs a plain download + SHA-384',
    () => benchSignatureCheck(browser, { root: ROOT, outDir: OUT, runs: settings.playbackRuns, log }));
  await onStack('memory2h', 'memory: a 2-hour recording with seeks across it, the player vs a bare <audio> of the plaintext, each in a Chromium of its own',
    () => benchMemory2h({ root: ROOT, outDir: OUT, runs: settings.memoryRuns, log }));
} finally {
  await browser.close();
  await server.close();
}
// A partial run (BENCH_PARTS) keeps the other parts of the previous full run's results.
const previousPath = join(ROOT, 'bench/results.json');
if (!QUICK && parts.size < ALL_PARTS.length && existsSync(previousPath)) {
  const prev = JSON.parse(readFileSync(previousPath, 'utf8'));
  raw.keptFrom = {};
  for (const [k, v] of Object.entries(prev.raw ?? {})) {
    if (['settings', 'parts', 'keptFrom'].includes(k) || raw[k] !== undefined) continue;
    raw[k] = v;
    raw.keptFrom[k] = prev.raw.keptFrom?.[k] ?? prev.date;
  }
}
machine.loadAverageAtEnd = loadavg().map((x) => Number(x.toFixed(2)));
machine.seconds = Math.round((Date.now() - started) / 1000);

const results = {
  schema: 1,
  date: new Date().toISOString(),
  command: 'make bench',
  machine,
  versions: {
    callseal: JSON.parse(readFileSync(join(ROOT, 'pkg/package.json'), 'utf8')).version,
    '@aws-crypto/client-browser': pkgVersion('@aws-crypto/client-browser'),
    '@aws-crypto/client-node': pkgVersion('@aws-crypto/client-node'),
    '@cloud-copilot/iam-simulate': pkgVersion('@cloud-copilot/iam-simulate'),
    '@cloud-copilot/iam-policy': pkgVersion('@cloud-copilot/iam-policy'),
  },
  settings,
  cases: buildCases(raw),
  raw,
};
const resultsPath = join(ROOT, QUICK ? 'bench/out/results.json' : 'bench/results.json');
const reportPath = join(ROOT, QUICK ? 'bench/out/BENCHMARKS.md' : 'BENCHMARKS.md');
writeFileSync(resultsPath, `${JSON.stringify(results, null, 1)}\n`);
writeReport(reportPath, results);
log(`wrote ${resultsPath} and ${reportPath} in ${machine.seconds} s`);
// The broker's load run asserts: no failed request, every key KMS's, every grant audited, no key in a log.
const brokerFailures = brokerProblems(raw.broker);
if (brokerFailures.length) {
  log(`broker: ${brokerFailures.join('; ')}`);
  process.exitCode = 1;
}
