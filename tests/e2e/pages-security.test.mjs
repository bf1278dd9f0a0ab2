// The built pages (vite build of www/): strict CSP, no inline script or style, Subresource
// Integrity on every script, stylesheet and wasm module, no storage or console logging in the
// player's code; in headless Chromium, the playground loads under its CSP with SRI, and a
// tampered wasm file is refused; served by the demo's page server (scripts/serve-pages.mjs), every
// page has its CSP as a header with frame-ancestors 'none' and nothing outside the build is reachable.
// Needs: pkg/ built (make build), /usr/bin/chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { launchChromium } from '../support/browser.mjs';
import { serveStatic } from '../support/static-server.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const PAGES = ['index.html', 'player/index.html', 'player/signin.html', 'playground/index.html', 'hosts/plain/index.html', 'hosts/react/index.html'];
const sri = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;

let dist;
before(() => {
  assert.ok(existsSync(join(ROOT, 'pkg/decrypt.js')), 'pkg/ is not built: run `make build` first');
  dist = mkdtempSync(join(tmpdir(), 'callseal-pages-'));
  execFileSync('npx', ['vite', 'build', '--config', 'www/vite.config.ts', '--outDir', dist, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'],
  });
});
after(() => { if (dist) rmSync(dist, { recursive: true, force: true }); });

const read = (rel) => readFileSync(join(dist, rel));
const assets = () => readdirSync(join(dist, 'assets'));

/** The CSP of a page, as directive -> sources. */
function csp(html) {
  const m = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/);
  assert.ok(m, 'no CSP meta');
  return Object.fromEntries(m[1].split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([k, ...v]) => [k, v]));
}

test('every page has a strict CSP meta: default-src none, no unsafe-inline / unsafe-eval', () => {
  for (const page of PAGES) {
    const policy = csp(read(page).toString());
    assert.deepEqual(policy['default-src'], ["'none'"], page);
    for (const [k, v] of Object.entries(policy)) {
      for (const bad of ["'unsafe-inline'", "'unsafe-eval'", '*', 'data:', 'blob:']) {
        assert.ok(!(v.includes(bad) && (k.startsWith('script') || k === 'default-src' || (bad !== 'data:' && k.startsWith('style')))),
          `${page}: ${k} allows ${bad}`);
      }
    }
    assert.deepEqual(policy['base-uri'], ["'none'"], page);
    assert.deepEqual(policy['object-src'], ["'none'"], page);
    if (policy['script-src']) assert.ok(["'self' 'wasm-unsafe-eval'", "'self'"].includes(policy['script-src'].join(' ')), `${page}: script-src ${policy['script-src']}`);
  }
});

test('no inline script, event handler, style element or style attribute', () => {
  for (const page of PAGES) {
    const html = read(page).toString();
    for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
      assert.match(m[1], /\ssrc="/, `${page}: inline <script>`);
      assert.equal(m[2].trim(), '', `${page}: <script src> with a body`);
    }
    assert.doesNotMatch(html, /<[a-z][^>]*\son[a-z]+\s*=/i, `${page}: inline event handler`);
    assert.doesNotMatch(html, /<style\b/i, `${page}: <style> element`);
    assert.doesNotMatch(html, /<[a-z][^>]*\sstyle\s*=/i, `${page}: style attribute`);
    assert.doesNotMatch(html, /javascript:/i, `${page}: javascript: URL`);
  }
});

test('Subresource Integrity on every bundled script, module preload and stylesheet', () => {
  let n = 0;
  for (const page of PAGES) {
    const html = read(page).toString();
    for (const m of html.matchAll(/<(script|link)\b[^>]*?\s(?:src|href)="([^"]+)"[^>]*>/g)) {
      const [tag, el, url] = m;
      if (el === 'link' && !/rel="(modulepreload|stylesheet)"/.test(tag)) continue;
      const file = posix.normalize(posix.join(posix.dirname(page), url));
      const integrity = tag.match(/\sintegrity="([^"]+)"/)?.[1];
      assert.equal(integrity, sri(read(file)), `${page}: ${url}`);
      n++;
    }
  }
  assert.ok(n >= 5, `${n} tags`);
});

test('Subresource Integrity on the wasm modules: fetched with the hash of the emitted file', () => {
  // The decrypt module's two halves and the policy module.
  const wasm = assets().filter((f) => f.endsWith('.wasm'));
  assert.equal(wasm.length, 3, wasm.join());
  const js = assets().filter((f) => f.endsWith('.js')).map((f) => read(`assets/${f}`).toString()).join('\n');
  for (const f of wasm) {
    const hash = sri(read(`assets/${f}`));
    const fetches = [...js.matchAll(new RegExp(`fetch\\(new URL\\(new URL\\(\`${f.replace(/[.-]/g, '\\$&')}\`[^)]*\\)[^)]*\\),\\{integrity:\`([^\`]+)\``, 'g'))];
    assert.ok(fetches.length >= 1, `${f}: not fetched with integrity`);
    for (const m of fetches) assert.equal(m[1], hash, f);
  }
});

test('the player keeps decrypted data out of storage and logs', () => {
  // The player's code (page and the chunks it preloads: <callseal-player>; decrypt worker;
  // Service Worker): no Web Storage, IndexedDB, Cache API or console logging of any kind.
  const html = read('player/index.html').toString();
  const entry = html.match(/src="\.\.\/assets\/(player-[^"]+\.js)"/)[1];
  const preloaded = [...html.matchAll(/<link rel="modulepreload"[^>]*href="\.\.\/assets\/([^"]+\.js)"/g)].map((m) => `assets/${m[1]}`);
  const files = [`assets/${entry}`, ...preloaded, 'player/sw.js', ...assets().filter((f) => f.startsWith('decrypt.worker-')).map((f) => `assets/${f}`)];
  assert.ok(files.length >= 3, files.join());
  assert.ok(files.some((f) => read(f).toString().includes('callseal-player')), `the component is among ${files.join()}`);
  for (const f of files) {
    const code = read(f).toString();
    for (const api of ['localStorage', 'sessionStorage', 'indexedDB', 'caches.open', 'console.log', 'console.info', 'console.debug']) {
      assert.ok(!code.includes(api), `${f} uses ${api}`);
    }
  }
});

test('Chromium: the playground loads its wasm under CSP + SRI; a tampered service-data.bin or wasm is refused', async () => {
  const browser = await launchChromium();
  const server = await serveStatic(dist);
  try {
    const load = async () => {
      const context = await browser.newContext({ serviceWorkers: 'block' });
      const page = await context.newPage();
      const errors = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${server.url}/playground/`);
      const ready = await page.waitForSelector('html[data-ready="true"]', { timeout: 20_000 }).then(() => true, () => false);
      await context.close();
      return { ready, errors };
    };
    const ok = await load();
    assert.ok(ok.ready, `playground did not start: ${ok.errors.join(' | ')}`);
    assert.deepEqual(ok.errors.filter((e) => /Content Security Policy|integrity/i.test(e)), []);

    // service-data.bin is pinned too: a swapped catalog is refused, the playground says so.
    const data = assets().find((f) => f.startsWith('service-data-') && f.endsWith('.bin'));
    assert.ok(data, 'service-data.bin not emitted');
    const js = assets().filter((f) => f.endsWith('.js')).map((f) => read(`assets/${f}`).toString()).join('\n');
    assert.ok(js.includes(sri(read(`assets/${data}`))), 'service-data.bin is fetched without its hash');
    const original = read(`assets/${data}`);
    const swapped = Buffer.from(original);
    swapped[swapped.length >> 1] ^= 1;
    writeFileSync(join(dist, 'assets', data), swapped);
    {
      const context = await browser.newContext({ serviceWorkers: 'block' });
      const page = await context.newPage();
      await page.goto(`${server.url}/playground/`);
      await page.waitForFunction(() => /service data unavailable/.test(document.querySelector('#status')?.textContent ?? ''), null, { timeout: 20_000 });
      await context.close();
    }
    writeFileSync(join(dist, 'assets', data), original);

    const wasm = assets().find((f) => f.startsWith('callseal_policy_bg-'));
    const bytes = read(`assets/${wasm}`);
    bytes[bytes.length >> 1] ^= 1;
    writeFileSync(join(dist, 'assets', wasm), bytes);
    const bad = await load();
    assert.ok(!bad.ready, 'a tampered wasm module was compiled');
    assert.ok(bad.errors.some((e) => /integrity/i.test(e)), `no integrity error: ${bad.errors.join(' | ')}`);
  } finally {
    await server.close();
    await browser.close();
  }
});

/** The demo's page server (scripts/serve-pages.mjs, as scripts/demo.sh runs it) on the build. */
async function pageServer(dir) {
  const child = spawn(process.execPath, ['scripts/serve-pages.mjs', dir, '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const url = await new Promise((ok, fail) => {
    child.stderr.on('data', (d) => { log += d; const m = /serving .* on (http:\/\/\S+\/)/.exec(log); if (m) ok(m[1]); });
    child.once('exit', (code) => fail(new Error(`serve-pages exited ${code}: ${log}`)));
  });
  return { url, stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) };
}

test('served by the demo\'s page server: every page\'s CSP as a header with frame-ancestors \'none\', SRI as built', async () => {
  const srv = await pageServer(dist);
  try {
    for (const page of PAGES) {
      const path = page.replace(/index\.html$/, '');
      const res = await fetch(new URL(path, srv.url));
      assert.equal(res.status, 200, page);
      const header = res.headers.get('content-security-policy');
      assert.ok(header, `${page}: no CSP header`);
      const directives = Object.fromEntries(header.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
      assert.deepEqual(directives['frame-ancestors'], ["'none'"], page);
      const html = await res.text();
      assert.deepEqual(directives, { ...csp(html), 'frame-ancestors': ["'none'"] }, `${page}: the header is the page's own policy`);
      assert.equal(res.headers.get('x-frame-options'), 'DENY', page);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', page);
      assert.equal(html, read(page).toString(), `${page}: served as built (SRI attributes included)`);
    }
    const sw = await fetch(new URL('player/sw.js', srv.url));
    assert.equal(sw.status, 200);
    assert.match(sw.headers.get('content-type'), /^text\/javascript/);
    assert.equal(sw.headers.get('cache-control'), 'no-cache');
    const wasm = assets().find((f) => f.endsWith('.wasm'));
    assert.equal((await fetch(new URL(`assets/${wasm}`, srv.url))).headers.get('content-type'), 'application/wasm');
  } finally {
    await srv.stop();
  }
});

test('served by the demo\'s page server: nothing under .stack/ or outside the build is reachable (404)', async () => {
  // What the development server answered: /@fs/<absolute path> serves any file of the checkout,
  // the sample recordings, transcripts and the audit log included.
  writeFileSync(join(dist, '.secret'), 'dot-files are not served');
  const srv = await pageServer(dist);
  try {
    const paths = [
      `/@fs${ROOT}/.stack/stack.env`,
      `/@fs${ROOT}/.stack/audit/broker-audit.jsonl`,
      `/@fs${ROOT}/.stack/idp/users.json`,
      `/@fs${ROOT}/.stack/samples/manifest.json`,
      `/@fs${ROOT}/package.json`,
      '/.stack/stack.env',
      '/../.stack/stack.env',
      '/%2e%2e/%2e%2e/.stack/stack.env',
      '/assets/..%2f..%2f.stack%2fstack.env',
      `/${'..%2f'.repeat(12)}etc/passwd`,
      '/%E0%A4%A',
      '/.secret',
      '/player/../../package.json',
    ];
    for (const p of paths) {
      const res = await fetch(srv.url.replace(/\/$/, '') + p);
      assert.equal(res.status, 404, p);
      assert.equal(await res.text(), 'not found', p);
    }
    assert.equal((await fetch(srv.url, { method: 'POST' })).status, 405);
  } finally {
    await srv.stop();
    rmSync(join(dist, '.secret'));
  }
});
