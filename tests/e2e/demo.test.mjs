// `make demo` as a person uses it: scripts/demo.sh (the stack, the samples, the broker, the pages),
// then the URL it prints. The pages are the built ones (each with its CSP as a header, frame-
// ancestors 'none', SRI in the HTML), nothing under .stack/ is reachable over HTTP (the
// development server's /@fs/ served the stack's secrets, the samples and the audit log), and a
// demo user signs in with the password it prints and plays a recording.
// Needs: pkg/ built (make build), chromium. Stops afterwards what it started (page, broker).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { launchChromium } from '../support/browser.mjs';
import { idpUsers, signInPlayer } from '../support/oidc.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const STACK = process.env.CALLSEAL_STACK_DIR ?? join(ROOT, '.stack');
let out, playerUrl, started;

const alive = (name) => {
  try {
    process.kill(Number(readFileSync(join(STACK, 'run', `${name}.pid`), 'utf8')), 0);
    return true;
  } catch {
    return false;
  }
};

before(() => {
  assert.ok(existsSync(join(ROOT, 'pkg/decrypt.js')), 'pkg/ is not built: run make build');
  started = ['page', 'broker'].filter((n) => !alive(n));
  const demo = spawnSync('bash', ['scripts/demo.sh'], {
    cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], timeout: 15 * 60_000,
    env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
  });
  out = demo.stderr; // the demo talks on stderr
  assert.equal(demo.status, 0, `scripts/demo.sh failed:\n${out}`);
  playerUrl = /player\s+(http:\/\/\S+\/player\/)/.exec(out)?.[1];
  assert.ok(playerUrl, `no player URL in the demo's output:\n${out}`);
});
after(() => {
  if (started?.length) execFileSync('bash', ['scripts/stack/down.sh', ...started], { cwd: ROOT, stdio: 'ignore' });
});

test('the demo prints the URLs of the two consoles that embed the player, and they answer', async () => {
  const origin = new URL(playerUrl).origin;
  for (const host of ['plain', 'react']) {
    assert.ok(out.includes(`${origin}/hosts/${host}/`), `${host} in:\n${out}`);
    assert.equal((await fetch(`${origin}/hosts/${host}/`)).status, 200);
  }
  assert.equal((await fetch(`${origin}/hosts/callseal-sw.js`)).status, 200, 'the consoles\' Service Worker');
});

test('the demo prints each demo user\'s sign-in (the identity provider\'s users and passwords)', () => {
  for (const [name, u] of Object.entries(idpUsers(STACK))) {
    assert.ok(out.includes(`${name} (${u.groups.join(',')}) password ${u.password}`), `${name} in:\n${out}`);
  }
});

test('the demo serves the built pages: every page with its CSP as a header and frame-ancestors \'none\', SRI in the HTML', async () => {
  const origin = new URL(playerUrl).origin;
  for (const path of ['/', '/player/', '/player/signin.html', '/playground/', '/hosts/plain/', '/hosts/react/']) {
    const res = await fetch(origin + path);
    assert.equal(res.status, 200, path);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /(^|; )default-src 'none'(;|$)/, `${path}: ${csp}`);
    assert.match(csp, /(^|; )frame-ancestors 'none'(;|$)/, `${path}: ${csp}`);
    assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
    const html = await res.text();
    assert.doesNotMatch(html, /@vite\/client|\/@fs\//, `${path} is the development server's`);
    for (const m of html.matchAll(/<script\b[^>]*\ssrc="[^"]+"[^>]*>/g)) assert.match(m[0], /\sintegrity="sha384-/, `${path}: ${m[0]}`);
  }
});

test('nothing under .stack/ is reachable from the demo\'s page server (404)', async () => {
  const origin = new URL(playerUrl).origin;
  const manifest = JSON.parse(readFileSync(join(STACK, 'samples/manifest.json'), 'utf8'));
  const paths = [
    `/@fs${STACK}/stack.env`,
    `/@fs${STACK}/audit/broker-audit.jsonl`,
    `/@fs${STACK}/idp/users.json`,
    `/@fs${STACK}/s3.json`,
    `/@fs${manifest.objects[0].plainPath}`,
    `/@fs${STACK}/samples/manifest.json`,
  ];
  for (const p of paths) {
    const res = await fetch(origin + p);
    assert.equal(res.status, 404, p);
  }
});

test('a demo user signs in with the printed password and plays a recording', async () => {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(playerUrl);
    await signInPlayer(page, STACK, 'alice');
    await page.waitForSelector('html[data-ready="true"]', { state: 'attached', timeout: 30_000 });
    assert.equal(await page.locator('#whoami').textContent(), 'Signed in as alice (Supervisor)');
    await page.locator('#contact-list button').first().click();
    await page.waitForSelector('callseal-player[data-state="playing"]', { timeout: 30_000 });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
