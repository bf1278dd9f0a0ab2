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
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { anonymousPrincipal } from '@cloud-copilot/iam-simulate';
import { loadPolicy } from '@cloud-copilot/iam-policy';

// iam-simulate's safe entry point validates actions and context keys against the service
// catalog (the corpus uses a made-up `svc:Do` for operator tables) and its unsafe entry point
// drops the session policy; so call its core engine the way runUnsafeSimulation does, plus the
// session policy. The package's exports map hides the file, hence the path import.
const require = createRequire(import.meta.url);
const pkgDir = join(dirname(require.resolve('@cloud-copilot/iam-simulate')), '..', '..');
const esm = (f) => import(pathToFileURL(join(pkgDir, 'dist/esm', f)).href);
const { authorize } = await esm('core_engine/CoreSimulatorEngine.js');
const { AwsRequestImpl } = await esm('request/request.js');
const { RequestContextImpl } = await esm('requestContext.js');
const { DiscoveryContextKeyConstraints } = await esm('context_keys/discoveryContextKeyConstraints.js');

const FULL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const RCP_FULL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] };

// Prepared once per case (policies parsed), like the compiled PolicySet on the Rust side.
function prepare(sim) {
  const load = (list) => list.map((l) => ({ orgIdentifier: l.orgIdentifier, policies: l.policies.map((v) => loadPolicy(v.policy, { name: v.name })) }));
  return {
    identityPolicies: sim.identityPolicies.map((p) => loadPolicy(p.policy, { name: p.name })),
    serviceControlPolicies: load(sim.serviceControlPolicies.length ? sim.serviceControlPolicies : [{ orgIdentifier: 'root', policies: [{ name: 'full', policy: FULL }] }]),
    resourceControlPolicies: load(sim.resourceControlPolicies.length ? sim.resourceControlPolicies : [{ orgIdentifier: 'root', policies: [{ name: 'rcpfull', policy: RCP_FULL }] }]),
    resourcePolicy: sim.resourcePolicy ? loadPolicy(sim.resourcePolicy, { name: 'resource' }) : undefined,
    permissionBoundaries: sim.permissionBoundaryPolicies?.map((v) => loadPolicy(v.policy, { name: v.name })),
    sessionPolicy: sim.sessionPolicy ? loadPolicy(sim.sessionPolicy, { name: 'session' }) : undefined,
  };
}

function runOne(sim, prepared) {
  const r = sim.request;
  const request = new AwsRequestImpl(r.principal, r.resource, r.action, new RequestContextImpl(r.contextVariables));
  return authorize({
    request,
    ...prepared,
    vpcEndpointPolicies: undefined,
    simulationParameters: { simulationMode: 'Strict', discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]) },
    serviceSettings: { s3: {} },
  });
}

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : null;
const iterations = args.includes('--iterations') ? Number(args[args.indexOf('--iterations') + 1]) : 20;

const toDecision = { Allowed: 'Allow', ExplicitlyDenied: 'ExplicitDeny', ImplicitlyDenied: 'ImplicitDeny' };

// callseal reads a resource whose account is unknown (no resourceAccount, no account in the
// ARN) as being in the caller's account; tell iam-simulate so explicitly.
function accountOf(resource, given, principal) {
  if (given) return given;
  const parts = resource.split(':');
  if (parts.length >= 6 && parts[0] === 'arn' && parts[4]) return parts[4];
  if (/^\d{12}$/.test(principal)) return principal;
  const p = principal.split(':');
  return p.length >= 6 && p[0] === 'arn' ? p[4] : '';
}

function levels(list, name) {
  return (list ?? []).map((level, i) => ({
    orgIdentifier: `${name}${i}`,
    policies: (Array.isArray(level) ? level : [level]).map((policy, j) => ({ name: `${name}${i}.${j}`, policy })),
  }));
}

function simulation(c) {
  const r = c.request;
  const p = c.policies;
  const context = {};
  for (const [k, v] of Object.entries(r.context ?? {})) {
    context[k] = Array.isArray(v) ? v.map(String) : String(v);
  }
  const anonymous = r.principal === '*' || r.principal.toLowerCase() === 'anonymous';
  return {
    request: {
      principal: anonymous ? anonymousPrincipal : /^\d{12}$/.test(r.principal) ? `arn:aws:iam::${r.principal}:root` : r.principal,
      action: r.action,
      resource: { resource: r.resource, accountId: accountOf(r.resource, r.resourceAccount, r.principal) },
      contextVariables: context,
    },
    identityPolicies: (p.identity ?? []).map((policy, i) => ({ name: `identity${i}`, policy })),
    serviceControlPolicies: levels(p.scps, 'scp'),
    resourceControlPolicies: levels(p.rcps, 'rcp'),
    resourcePolicy: p.resource ?? p.kmsKeyPolicy,
    permissionBoundaryPolicies: p.boundary ? [{ name: 'boundary', policy: p.boundary }] : undefined,
    sessionPolicy: p.session,
  };
}

const cases = [];
for (const f of readdirSync(here).filter((f) => f.endsWith('.json')).sort()) {
  for (const c of JSON.parse(readFileSync(join(here, f), 'utf8')).cases) cases.push({ file: f, ...c });
}

const disagreements = [];
const errors = [];
const sims = [];
for (const c of cases) {
  const sim = simulation(c);
  let got;
  try {
    const prepared = prepare(sim);
    got = toDecision[runOne(sim, prepared).result] ?? 'Error';
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
