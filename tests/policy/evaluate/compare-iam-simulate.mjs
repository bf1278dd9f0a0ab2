// Runs the evaluation corpus through @cloud-copilot/iam-simulate (a TypeScript IAM simulator,
// devDependency, benchmark peer only) and lists where it disagrees with the corpus's expected
// decisions, and times it on the same cases.
//
//   node tests/policy/evaluate/compare-iam-simulate.mjs [--json out.json] [--iterations N]
//
// The corpus's expectations come from AWS's documentation; a disagreement is a question to
// settle from the docs, not a verdict either way.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// How iam-simulate is called (its core engine, the session policy included, policies parsed
// once per case like the compiled PolicySet on the Rust side) lives in the benchmark's peer
// module, so the benchmark and this comparison run it the same way.
import { evaluatePrepared, prepare, simulation } from '../../../bench/pages/peer-iam.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : null;
const iterations = args.includes('--iterations') ? Number(args[args.indexOf('--iterations') + 1]) : 20;
const runOne = evaluatePrepared;

const cases = [];
for (const f of readdirSync(here).filter((f) => f.endsWith('.json')).sort()) {
  // iam-simulate has no KMS grants: grants.json is callseal's alone.
  for (const c of JSON.parse(readFileSync(join(here, f), 'utf8')).cases) if (!c.policies.grants) cases.push({ file: f, ...c });
}

const disagreements = [];
const errors = [];
const sims = [];
for (const c of cases) {
  const sim = simulation(c);
  let got;
  try {
    const prepared = prepare(sim);
    got = runOne(sim, prepared);
    sims.push([sim, prepared]);
  } catch (e) {
    errors.push({ file: c.file, name: c.name, error: String(e).slice(0, 200) });
    continue;
  }
  if (got !== c.expect.decision) {
    disagreements.push({ file: c.file, name: c.name, expected: c.expect.decision, iamSimulate: got, doc: c.doc });
  }
}

// Throughput on the cases it could run, policies parsed once per case (as the compiled
// PolicySet does on the Rust side).
for (const [sim, prepared] of sims) runOne(sim, prepared); // warm-up
let n = 0;
const t0 = performance.now();
for (let k = 0; k < iterations; k++) {
  for (const [sim, prepared] of sims) {
    runOne(sim, prepared);
    n++;
  }
}
const ms = performance.now() - t0;

const summary = {
  cases: cases.length,
  ran: sims.length,
  errors: errors.length,
  agree: sims.length - disagreements.length,
  disagree: disagreements.length,
  evaluationsPerSecond: Math.round((n / ms) * 1000),
};
console.log(JSON.stringify(summary));
for (const d of disagreements) console.log(`${d.file}: ${d.name}: expected ${d.expected}, iam-simulate ${d.iamSimulate}`);
for (const e of errors) console.log(`${e.file}: ${e.name}: error ${e.error}`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ summary, disagreements, errors }, null, 1));
