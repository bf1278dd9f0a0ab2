#!/usr/bin/env node
// Where a broker's CPU goes per unwrap: one broker (the local stack's settings, rate limits
// lifted) under V8's CPU profiler (--cpu-prof), driven by the page's broker client
// (www/lib/broker.ts) at concurrency 16 with alice's ID token, then its samples summed by what
// they ran: the package or broker module of the function on top of the stack (self time; time
// in Node's own modules and native calls named with the package or module that called them).
//
//   node bench/broker-profile.mjs [unwraps=2000] [cache seconds=0]
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { openStack } from '../tests/support/stack.mjs';
import { idToken } from '../tests/support/oidc.mjs';
import { startBroker } from '../tests/broker/helpers.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const unwraps = Number(process.argv[2] ?? 2000);
const cacheSeconds = process.argv[3] ?? '0';
const stack = process.env.CALLSEAL_STACK_DIR ?? join(ROOT, '.stack');
const { env } = await openStack({ root: ROOT, stack });
// The pages' tsconfig: its paths resolve `callseal/suites` to the built package.
const { Broker } = await tsImport('../www/lib/broker.ts', { parentURL: import.meta.url, tsconfig: join(ROOT, 'www/tsconfig.json') });
const dir = mkdtempSync(join(tmpdir(), 'callseal-broker-profile-'));
const broker = await startBroker(env, {
  CALLSEAL_UNWRAP_PER_MINUTE: '100000', CALLSEAL_REQUESTS_PER_MINUTE: '1000000', CALLSEAL_KEY_CACHE_SECONDS: cacheSeconds,
  NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir}`, NODE_NO_WARNINGS: '1',
});
const client = new Broker(`${broker.url}/`, await idToken(env, stack, 'alice'));
const objects = (await client.contacts()).flatMap((c) => [...c.recordings, ...(c.transcript ? [c.transcript] : [])]).filter((o) => o.mayRead && o.keyRequest);
let next = 0;
const t0 = performance.now();
await Promise.all(Array.from({ length: 16 }, async () => {
  for (let i = next++; i < unwraps; i = next++) {
    const o = objects[i % objects.length];
    (await client.unwrapRequest(o.id, o.keyRequest)).fill(0);
  }
}));
const seconds = (performance.now() - t0) / 1000;
await broker.stop();

// Self time by where the function comes from.
const profile = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))), 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const where = ({ url, functionName }) => {
  if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.includes('/pkg/')) return 'callseal (pkg/, policy engine)';
  const own = /\/www\/(broker\/src|lib)\/([^/]+)$/.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  if (url.startsWith('node:')) return url.replace(/^node:internal\/([^/]+).*/, 'node:$1');
  return url.split('/').pop();
};
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
/** Node's own code and native calls are counted for the package or module that called them. */
const internal = (k) => k.startsWith('node:') || k.startsWith('(native)');
const caller = (id) => {
  for (let at = parent.get(id); at !== undefined; at = parent.get(at)) {
    const k = where(byId.get(at).callFrame);
    if (!internal(k) && !k.startsWith('(')) return k;
  }
  return '?';
};
const totals = new Map();
const dt = (profile.endTime - profile.startTime) / profile.samples.length / 1000; // ms per sample
for (const id of profile.samples) {
  let key = where(byId.get(id).callFrame);
  if (internal(key)) key = `${key} <- ${caller(id)}`;
  totals.set(key, (totals.get(key) ?? 0) + dt);
}
const busy = [...totals].filter(([k]) => k !== '(idle)').reduce((t, [, ms]) => t + ms, 0);
console.log(`${unwraps} unwraps (cache ${cacheSeconds} s) in ${seconds.toFixed(1)} s; broker busy ${busy.toFixed(0)} ms = ${(busy / unwraps).toFixed(3)} ms per unwrap`);
for (const [k, ms] of [...totals].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  console.log(`${(ms / unwraps).toFixed(3).padStart(7)} ms/unwrap ${(100 * ms / busy).toFixed(1).padStart(5)}%  ${k}`);
}
