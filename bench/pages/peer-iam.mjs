// The peer for policies: @cloud-copilot/iam-simulate's core engine and
// @cloud-copilot/iam-policy's validator (see tests/policy/evaluate/IAM-SIMULATE.md). Used by
// the benchmark and by tests/policy/evaluate/compare-iam-simulate.mjs. Imported directly in
// Node; bundled for the page by bench/run.mjs into bench/out/peer-iam.js. Benchmark peer only
// (AGPL; never shipped).
//
// iam-simulate's safe entry point validates actions and context keys against the service
// catalog (the corpus uses a made-up `svc:Do` for operator tables) and its unsafe entry point
// drops the session policy; so its core engine is called the way runUnsafeSimulation does,
// plus the session policy.
import { anonymousPrincipal } from '@cloud-copilot/iam-simulate';
import { loadPolicy, validateIdentityPolicy } from '@cloud-copilot/iam-policy';
// The package's exports map hides the core engine files, hence the relative paths.
import { authorize } from '../../node_modules/@cloud-copilot/iam-simulate/dist/esm/core_engine/CoreSimulatorEngine.js';
import { AwsRequestImpl } from '../../node_modules/@cloud-copilot/iam-simulate/dist/esm/request/request.js';
import { RequestContextImpl } from '../../node_modules/@cloud-copilot/iam-simulate/dist/esm/requestContext.js';
import { DiscoveryContextKeyConstraints } from '../../node_modules/@cloud-copilot/iam-simulate/dist/esm/context_keys/discoveryContextKeyConstraints.js';

/** Validation: parse the text and run iam-policy's identity-policy validator (syntax checks). */
export function validate(text) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return [{ message: String(e) }];
  }
  return validateIdentityPolicy(doc);
}

const FULL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const RCP_FULL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] };

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

/** A corpus case (tests/policy/evaluate/*.json) as an iam-simulate simulation. */
export function simulation(c) {
  const r = c.request;
  const p = c.policies;
  const context = {};
  for (const [k, v] of Object.entries(r.context ?? {})) context[k] = Array.isArray(v) ? v.map(String) : String(v);
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

/** Policies parsed once (the counterpart of callseal's compiled PolicyEvaluator). */
export function prepare(sim) {
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

const DECISION = { Allowed: 'Allow', ExplicitlyDenied: 'ExplicitDeny', ImplicitlyDenied: 'ImplicitDeny' };

/** One evaluation with prepared policies; returns 'Allow' | 'ExplicitDeny' | 'ImplicitDeny'. */
export function evaluatePrepared(sim, prepared) {
  const r = sim.request;
  const request = new AwsRequestImpl(r.principal, r.resource, r.action, new RequestContextImpl(r.contextVariables));
  const result = authorize({
    request, ...prepared, vpcEndpointPolicies: undefined,
    simulationParameters: { simulationMode: 'Strict', discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]) },
    serviceSettings: { s3: {} },
  });
  return DECISION[result.result] ?? 'Error';
}
