// Pages built by Vite, webpack 5 and esbuild (tests/consumers/support.mjs), each in a project
// made by `npm init -y` with the README's recipe as written, opened in headless Chromium under
// a CSP without 'unsafe-eval':
//   - at load only the decrypt module's wasm is fetched (the page imports `callseal/decrypt`);
//   - the official ESDK message (0578, signed) decrypts to its plaintext, and fetches the decrypt
//     module's second half for it (the curve code of signed suites is there, not in the entry);
//   - readHeader (a range read, in the second half) reads the message's header through a range
//     source and fetches nothing more;
//   - `await import('callseal/policy')` fetches the policy module then; a service data URL that
//     is not there is a CallsealError (IO), and the catalog check runs once it is loaded;
//   - the build warns of no critical dependency (webpack), and the built page ships neither the
//     encrypt module nor any wasm it does not load.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { serveStatic } from '../support/static-server.mjs';
import { launchChromium } from '../support/browser.mjs';
import { packTarball, newProject, recipe, sh, OFFICIAL, POLICY } from './support.mjs';

const CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; worker-src blob:";
let pack, browser;
before(async () => { pack = packTarball(); browser = await launchChromium(); });
after(async () => { await browser?.close(); pack.remove(); });

/** The page's main.js; `serviceData` is loadServiceData's argument (source text). */
const main = (serviceData) => `
import { decrypt, parseHeader, readHeader } from 'callseal/decrypt';

window.decryptOfficial = async (dataKeyBase64) => {
  const message = new Uint8Array(await (await fetch('message.bin')).arrayBuffer());
  const dataKey = Uint8Array.from(atob(dataKeyBase64), (c) => c.charCodeAt(0));
  const plaintext = await decrypt(message, dataKey);
  const expected = new Uint8Array(await (await fetch('plaintext.bin')).arrayBuffer());
  return { suite: parseHeader(message).suite, same: plaintext.length === expected.length && plaintext.every((b, i) => b === expected[i]) };
};

window.readOfficialHeader = async () => {
  const message = new Uint8Array(await (await fetch('message.bin')).arrayBuffer());
  return (await readHeader({ size: message.length, read: async (offset, length) => message.slice(offset, offset + length) })).suite;
};

window.checkPolicy = async (policy) => {
  const { loadServiceData, validatePolicy, CallsealError } = await import('callseal/policy');
  let missing;
  try { await loadServiceData('missing.bin'); } catch (e) {
    missing = { callsealError: e instanceof CallsealError, code: e.code, message: e.message };
  }
  const provenance = await loadServiceData(${serviceData});
  return { missing, provenance, codes: validatePolicy(policy, { policyType: 'kms-key' }).map((f) => f.code) };
};
window.ready = true;
`;

/** Builds the page with the README's recipe for `tool`; returns the directory to serve. */
function build(tool, { serviceData, html, out }) {
  const project = newProject();
  writeFileSync(join(project.dir, 'main.js'), main(serviceData));
  if (html === 'project') writeFileSync(join(project.dir, 'index.html'), page('module', './main.js'));
  const log = sh(project.dir, recipe(tool, pack.tarball));
  const www = join(project.dir, out);
  if (html !== 'project') writeFileSync(join(www, 'index.html'), page(html, 'main.js'));
  return { project, www, log };
}
const page = (type, src) => `<!doctype html><meta charset="utf-8"><title>console</title><script${type === 'module' ? ' type="module"' : ''} src="${src}"></script>`;

/** Every file under `dir`, relative, with its size. */
function files(dir, prefix = '') {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory()
    ? files(join(dir, e.name), `${prefix}${e.name}/`)
    : [[`${prefix}${e.name}`, statSync(join(dir, e.name)).size]]);
}

async function openInChromium(www) {
  copyFileSync(OFFICIAL.ciphertext, join(www, 'message.bin'));
  copyFileSync(OFFICIAL.plaintext, join(www, 'plaintext.bin'));
  const server = await serveStatic(www, { headers: { 'content-security-policy': CSP } });
  const context = await browser.newContext();
  try {
    const p = await context.newPage();
    const errors = [];
    p.on('pageerror', (e) => errors.push(e.message));
    await p.addInitScript(() => {
      window.violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    await p.goto(`${server.url}/index.html`);
    await p.waitForFunction(() => window.ready, null, { timeout: 30_000 }).catch(() => {
      throw new Error(`the page did not load: ${errors.join('; ')}`);
    });
    const wasm = () => server.requests.map((r) => r.path).filter((path) => path.endsWith('.wasm'));
    const atLoad = wasm();
    const decrypted = await p.evaluate((key) => window.decryptOfficial(key), OFFICIAL.dataKey);
    const afterDecrypt = wasm();
    const rangeSuite = await p.evaluate(() => window.readOfficialHeader());
    const afterRange = wasm();
    const policy = await p.evaluate((text) => window.checkPolicy(text), POLICY);
    return { errors, atLoad, afterDecrypt, rangeSuite, afterRange, afterPolicy: wasm(), decrypted, policy, violations: await p.evaluate(() => window.violations) };
  } finally {
    await context.close();
    await server.close();
  }
}

/** What every bundler's page shows; `decryptWasm`, `moreWasm` and `policyWasm` match the module URLs. */
function assertPage(r, { decryptWasm, moreWasm, policyWasm }) {
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.violations, [], 'CSP violations');
  assert.equal(r.atLoad.length, 1, `wasm fetched at load: ${r.atLoad}`);
  assert.match(r.atLoad[0], decryptWasm);
  assert.deepEqual(r.decrypted, { suite: '0578', same: true }, 'the official message decrypts');
  assert.equal(r.afterDecrypt.length, 2, `wasm fetched after decrypting a signed message: ${r.afterDecrypt}`);
  assert.match(r.afterDecrypt[1], moreWasm);
  assert.equal(r.rangeSuite, '0578', 'readHeader read the header through the range source');
  assert.deepEqual(r.afterRange, r.afterDecrypt, 'readHeader fetched no more wasm');
  assert.equal(r.afterPolicy.length, 3, `wasm fetched after import('callseal/policy'): ${r.afterPolicy}`);
  assert.match(r.afterPolicy[2], policyWasm);
  assert.equal(r.policy.missing.callsealError, true, JSON.stringify(r.policy.missing));
  assert.equal(r.policy.missing.code, 'IO');
  assert.match(r.policy.missing.message, /^service data: fetching http:\/\/127\.0\.0\.1:\d+\/missing\.bin failed: 404 Not Found$/);
  assert.match(r.policy.provenance, /iam-data/);
  assert.deepEqual(r.policy.codes, ['INVALID_ACTION'], 'the catalog check ran');
}

/** Asserts the build holds no encrypt module, and no wasm but the three the page loads. */
function assertShipped(www) {
  const shipped = files(www);
  const wasm = shipped.filter(([f]) => f.endsWith('.wasm'));
  assert.ok(!shipped.some(([f]) => f.includes('encrypt')), shipped.map(([f]) => f).join(' '));
  assert.equal(wasm.length, 3, `wasm shipped: ${wasm.map(([f]) => f)}`);
  console.log('shipped [file, bytes]:', JSON.stringify(shipped.filter(([f]) => !/^(message|plaintext)\.bin$/.test(f))));
}

// How each tool's page is made and where its modules land.
const CASES = [
  { tool: 'Vite', serviceData: '', html: 'project',
    decryptWasm: /^\/assets\/callseal_decrypt_bg-[\w-]+\.wasm$/, moreWasm: /^\/assets\/callseal_decrypt_more_bg-[\w-]+\.wasm$/,
    policyWasm: /^\/assets\/callseal_policy_bg-[\w-]+\.wasm$/ },
  { tool: 'webpack 5', serviceData: '', html: 'script', decryptWasm: /^\/[\da-f]+\.wasm$/, moreWasm: /^\/[\da-f]+\.wasm$/, policyWasm: /^\/[\da-f]+\.wasm$/ },
  { tool: 'esbuild', serviceData: "'service-data.bin'", html: 'module', decryptWasm: /^\/wasm\/callseal_decrypt_bg\.wasm$/,
    moreWasm: /^\/wasm\/callseal_decrypt_more_bg\.wasm$/, policyWasm: /^\/wasm\/callseal_policy_bg\.wasm$/ },
];

for (const c of CASES) {
  test(c.tool, async () => {
    const { project, www, log } = build(c.tool, { serviceData: c.serviceData, html: c.html, out: 'dist' });
    try {
      // webpack warned so of loadServiceData's URL when it made a module lookup of it.
      assert.doesNotMatch(log, /Critical dependency/);
      assertPage(await openInChromium(www), c);
      assertShipped(www);
    } finally {
      project.remove();
    }
  });
}
