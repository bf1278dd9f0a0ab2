// Runs the policy corpora (tests/policy/validate, tests/policy/evaluate) through the wasm
// package with the same expectations as the native tests (tests/policy_*.rs), in Node and in
// Chromium. `loadText(path)` returns a file under tests/policy/ as a string.

/** Resolves an expected position: "L:C", or the first (or `#n`-th) occurrence of an anchor. */
function position(text, at) {
  const m = /^(\d+):(\d+)$/.exec(at);
  if (m) return `${m[1]}:${m[2]}`;
  let anchor = at, nth = 1;
  const h = /^(.*)#(\d+)$/s.exec(at);
  if (h) { anchor = h[1]; nth = Number(h[2]); }
  let i = -1;
  for (let k = 0; k < nth; k++) {
    i = text.indexOf(anchor, i + 1);
    if (i < 0) return null;
  }
  const before = text.slice(0, i);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const column = [...text.slice(lineStart, i)].length + 1; // code points, 1-based
  return `${line}:${column}`;
}

/**
 * Validation corpus. Cases that must run without service data run first (each also gets the
 * SERVICE_DATA_NOT_LOADED warning); then the service data is loaded and the rest run. Returns
 * { failures, ran, codes }.
 */
export async function runValidateCorpus(callseal, loadText, loadServiceData) {
  const manifest = JSON.parse(await loadText('validate/manifest.json'));
  const failures = [];
  const codes = new Set();
  let ran = 0;
  const ordered = [...manifest.filter((c) => !c.catalog), ...manifest.filter((c) => c.catalog)];
  let loaded = false;
  for (const c of ordered) {
    if (c.catalog && !loaded) { await loadServiceData(); loaded = true; }
    const text = await loadText(`validate/cases/${c.file}`);
    let findings;
    try {
      findings = callseal.validatePolicy(text, { policyType: c.type });
    } catch (e) {
      failures.push(`${c.file}: threw ${e.code} ${e.message}`);
      continue;
    }
    ran++;
    for (const f of findings) {
      codes.add(f.code);
      // Spans must agree with the text: offsets in UTF-16 index the JS string.
      if (f.span.start.utf16Offset > f.span.end.utf16Offset || f.span.end.utf16Offset > text.length) {
        failures.push(`${c.file}: ${f.code} span out of range`);
      }
    }
    const got = findings.map((f) => `${f.code} ${f.span.start.line}:${f.span.start.column}`).sort();
    const want = c.expect.map(([code, at]) => `${code} ${position(text, at) ?? `<anchor ${at} not found>`}`);
    // Before the service data is loaded, the result says the catalog checks did not run.
    if (!loaded) want.push('SERVICE_DATA_NOT_LOADED 1:1');
    want.sort();
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      failures.push(`${c.file} (${c.type}): want ${JSON.stringify(want)} got ${JSON.stringify(got)}`);
    }
  }
  return { failures, ran, codes: [...codes].sort() };
}

const text = (v) => JSON.stringify(v);

/** A corpus case's policies (JSON objects) as the policy texts callseal takes. */
export function policyTexts(p) {
  const out = {};
  if (p.identity) out.identity = p.identity.map(text);
  for (const k of ['resource', 'kmsKeyPolicy', 'boundary', 'session']) if (p[k] !== undefined) out[k] = text(p[k]);
  for (const k of ['scps', 'rcps']) if (p[k]) out[k] = p[k].map((l) => (Array.isArray(l) ? l.map(text) : text(l)));
  // Grants are objects (GrantListEntry or CloudTrail CreateGrant records), not texts.
  if (p.grants) out.grants = p.grants;
  return out;
}

/** Evaluation corpus: `files` are the JSON files under tests/policy/evaluate/. */
export async function runEvaluateCorpus(callseal, loadText, files) {
  const failures = [];
  let ran = 0;
  for (const file of files) {
    const doc = JSON.parse(await loadText(`evaluate/${file}`));
    for (const c of doc.cases) {
      ran++;
      const id = `${file}: ${c.name}`;
      let got;
      try {
        got = callseal.evaluate(c.request, policyTexts(c.policies));
      } catch (e) {
        failures.push(`${id}: threw ${e.code} ${e.message}`);
        continue;
      }
      const want = c.expect;
      const problems = [];
      // The compiled evaluator (statements from its shared table) must say exactly the same.
      const evaluator = new callseal.PolicyEvaluator(policyTexts(c.policies));
      try {
        const again = JSON.stringify(evaluator.evaluate(c.request));
        if (again !== JSON.stringify(got)) problems.push(`PolicyEvaluator says ${again}, evaluate says ${JSON.stringify(got)}`);
      } finally {
        evaluator.free();
      }
      if (got.decision !== want.decision) problems.push(`decision ${got.decision} (expected ${want.decision})`);
      if (want.statements) {
        const have = got.statements.map((s) => `${s.policy}#${s.index}`).sort();
        const exp = want.statements.map(([p, i]) => `${p}#${i}`).sort();
        if (JSON.stringify(have) !== JSON.stringify(exp)) problems.push(`statements ${have} (expected ${exp})`);
      }
      if (want.missingContextKeys) {
        const have = got.missingContextKeys.map((k) => k.toLowerCase()).sort();
        const exp = want.missingContextKeys.map((k) => k.toLowerCase()).sort();
        if (JSON.stringify(have) !== JSON.stringify(exp)) problems.push(`missing ${have} (expected ${exp})`);
      }
      const grants = JSON.stringify((got.grants ?? []).map((g) => [g.grant, g.as]));
      if (grants !== JSON.stringify(want.grants ?? [])) problems.push(`grants ${grants} (expected ${JSON.stringify(want.grants ?? [])})`);
      if (want.deniedBy && got.deniedBy !== want.deniedBy) problems.push(`deniedBy ${got.deniedBy} (expected ${want.deniedBy})`);
      for (const s of got.statements) {
        if (!(s.span.start.line >= 1 && s.span.end.offset > s.span.start.offset)) problems.push(`statement span ${JSON.stringify(s.span)}`);
      }
      if (problems.length) failures.push(`${id}: ${problems.join('; ')} [${got.reason}]`);
    }
  }
  return { failures, ran };
}
