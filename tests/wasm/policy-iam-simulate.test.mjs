// Differential evaluation against @cloud-copilot/iam-simulate on requests built from the AWS
// managed-policy corpus (tests/wasm/iam-simulate-diff.mjs says how). Every disagreement falls
// in a class; every class is triaged in tests/wasm/iam-simulate-triage.json with
// callseal's and iam-simulate's answers, who is right and the AWS documentation that decides
// it. The test fails on a disagreement of a class the table does not have, and on a class the
// table has that no longer occurs (the table stays true).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as callseal from '../../pkg/index.js';
import { classify, corpusPath, loadCorpus, requestsFor, sample, theirs } from './iam-simulate-diff.mjs';

const PER_POLICY = 10;
const triage = JSON.parse(readFileSync(new URL('./iam-simulate-triage.json', import.meta.url), 'utf8'));

test('callseal and iam-simulate on the managed-policy corpus: every disagreement triaged', async () => {
  const corpus = loadCorpus(corpusPath(new URL('../../', import.meta.url)));
  const cache = new Map();
  const classes = new Map();
  let compared = 0;
  let agreed = 0;
  let scrambled = 0;
  const caseSensitive = [];
  for (const p of corpus) {
    const requests = sample(await requestsFor(p.document), PER_POLICY);
    if (!requests.length) continue;
    const evaluator = new callseal.PolicyEvaluator({ identity: [JSON.stringify(p.document)] });
    try {
      for (const r of requests) {
        compared++;
        const ours = evaluator.evaluate(r.request).decision;
        const other = theirs(p.document, r.request, cache);
        if (r.original) {
          // IAM action names are case-insensitive: both answer a scrambled name as the name written.
          scrambled++;
          const written = { ...r.request, action: r.original };
          if (evaluator.evaluate(written).decision !== ours || theirs(p.document, written, cache) !== other) caseSensitive.push(`${p.name}: ${r.request.action}`);
        }
        if (ours === other) {
          agreed++;
          continue;
        }
        const key = classify(callseal, p.document, r, ours, other);
        if (!classes.has(key)) classes.set(key, { count: 0, example: { policy: p.name, statement: r.statement, request: r.request } });
        classes.get(key).count++;
      }
    } finally {
      evaluator.free();
    }
  }
  const known = new Map(triage.classes.map((c) => [c.class, c]));
  const untriaged = [...classes].filter(([k]) => !known.has(k)).map(([k, v]) => `${k} (${v.count}; e.g. ${JSON.stringify(v.example)})`);
  const stale = [...known.keys()].filter((k) => !classes.has(k));
  const report = [...classes].map(([k, v]) => `${String(v.count).padStart(6)}  ${k}  -> ${known.get(k)?.right ?? 'UNTRIAGED'}`);
  console.log(`iam-simulate differential: ${compared} requests (${scrambled} with case-scrambled action names), ${agreed} agree, ${compared - agreed} disagree in ${classes.size} classes\n${report.join('\n')}`);
  assert.deepEqual(caseSensitive, [], 'a case-scrambled action name answered differently from the name as written');
  assert.ok(scrambled >= 1000, `${scrambled} case-scrambled requests`);
  assert.deepEqual(untriaged, [], 'disagreements without a triaged class');
  assert.deepEqual(stale, [], 'triaged classes that no longer occur');
  assert.ok(compared >= 10000, `${compared} requests compared`);
  for (const c of triage.classes) {
    assert.match(c.doc, /^https:\/\/docs\.aws\.amazon\.com\//, `${c.class}: doc link`);
    assert.ok(['callseal', 'iam-simulate'].includes(c.right), `${c.class}: who is right`);
  }
});
