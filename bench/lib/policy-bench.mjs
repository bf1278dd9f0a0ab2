// Policy benchmarks, the same code in Node and in the page (bench/pages/policy.html):
//   validation latency of a 6 KB identity policy (median, p99 over `samples` calls)
//   evaluation throughput over the corpus cases both engines run (tests/policy/evaluate/*.json),
//   with policies prepared once per case (callseal PolicyEvaluator vs iam-simulate's parsed
//   policies) and from the policy texts on every request.
// `callseal` is the callseal/policy module (service data loaded), `peer` bench/pages/peer-iam.mjs.

import { policyTexts } from '../../tests/wasm/policy-corpus.mjs';

/** The ~6 KB identity policy of tests/policy_validate.rs (six_kb_policy). */
export function sixKbPolicy() {
  const stmts = [];
  for (let i = 0; JSON.stringify(stmts, null, 2).length < 5800; i++) {
    stmts.push({
      Sid: `Statement${i}`,
      Effect: 'Allow',
      Action: ['connect:DescribeContactFlow', 'connect:ListContactFlows', 'connect:Describe*', 's3:GetObject', 'kms:Decrypt'],
      Resource: [`arn:aws:connect:us-east-1:111122223333:instance/${String(i).padStart(8, '0')}/*`, `arn:aws:s3:::recordings-${i}/connect/*`],
      Condition: { StringEquals: { 'aws:PrincipalTag/team': '${aws:username}', 'kms:ViaService': 's3.us-east-1.amazonaws.com' }, Bool: { 'aws:SecureTransport': 'true' } },
    });
  }
  return JSON.stringify({ Version: '2012-10-17', Statement: stmts }, null, 2);
}

const now = () => performance.now();

function latency(fn, samples, warmup) {
  for (let i = 0; i < warmup; i++) fn();
  const xs = [];
  for (let i = 0; i < samples; i++) {
    const t0 = now();
    fn();
    xs.push(now() - t0);
  }
  return xs;
}

/** Evaluations per second: whole passes over `items` until at least `minMs` elapsed. */
function throughput(items, fn, minMs) {
  let n = 0;
  const t0 = now();
  let t = t0;
  while (t - t0 < minMs) {
    for (const it of items) fn(it);
    n += items.length;
    t = now();
  }
  return (n / (t - t0)) * 1000;
}


/** The peer gets the same texts, parsed (iam-simulate loads policy objects). */
function parseTexts(t) {
  const out = {};
  if (t.identity) out.identity = t.identity.map((x) => JSON.parse(x));
  for (const k of ['resource', 'kmsKeyPolicy', 'boundary', 'session']) if (t[k] !== undefined) out[k] = JSON.parse(t[k]);
  for (const k of ['scps', 'rcps']) if (t[k]) out[k] = t[k].map((l) => (Array.isArray(l) ? l.map((x) => JSON.parse(x)) : JSON.parse(l)));
  return out;
}

/**
 * Validation latency of the 6 KB policy on both sides (ms per call, `samples` of them). Run once
 * before callseal's service data is loaded (checks that need no catalog: closer to the peer's
 * syntax checks) and once after (everything, as the playground validates).
 */
export function validateLatency({ callseal, peer, samples = 400 }) {
  const policy = sixKbPolicy();
  return {
    policyChars: policy.length,
    serviceData: callseal.hasServiceData(),
    ours: latency(() => callseal.validatePolicy(policy, { policyType: 'identity' }), samples, 50),
    peer: latency(() => peer.validate(policy), samples, 50),
    oursFindings: callseal.validatePolicy(policy, { policyType: 'identity' }).length,
    peerFindings: peer.validate(policy).length,
  };
}

export function runPolicyBench({ callseal, peer, cases, runs = 5, samples = 400, minMs = 800 }) {
  const out = {};
  out.validate = validateLatency({ callseal, peer, samples });
  // Evaluation: the cases iam-simulate runs (a few throw in it), both sides.
  const items = [];
  let peerErrorsCount = 0, agree = 0;
  for (const c of cases) {
    let sim, prepared, peerDecision;
    try {
      sim = peer.simulation(c);
      prepared = peer.prepare(sim);
      peerDecision = peer.evaluatePrepared(sim, prepared);
    } catch {
      peerErrorsCount++;
      continue;
    }
    const texts = policyTexts(c.policies);
    const evaluator = new callseal.PolicyEvaluator(texts);
    const ours = evaluator.evaluate(c.request).decision;
    if (ours === peerDecision) agree++;
    items.push({ c, texts, evaluator, sim, prepared });
  }
  const ev = { cases: cases.length, ran: items.length, peerErrors: peerErrorsCount, agree, prepared: { ours: [], peer: [] }, fromText: { ours: [], peer: [] } };
  for (let r = 0; r < runs; r++) {
    ev.prepared.ours.push(throughput(items, (it) => it.evaluator.evaluate(it.c.request), minMs));
    ev.prepared.peer.push(throughput(items, (it) => peer.evaluatePrepared(it.sim, it.prepared), minMs));
    ev.fromText.ours.push(throughput(items, (it) => callseal.evaluate(it.c.request, it.texts), minMs));
    ev.fromText.peer.push(throughput(items, (it) => {
      const sim = peer.simulation({ request: it.c.request, policies: parseTexts(it.texts) });
      peer.evaluatePrepared(sim, peer.prepare(sim));
    }, minMs));
  }
  for (const it of items) it.evaluator.free();
  out.evaluate = ev;
  return out;
}
