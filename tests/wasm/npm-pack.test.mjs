// The npm package as a user gets it: `npm pack` pkg/, install the tarball into an empty Node
// project and import it there (ESM, CommonJS require, every entry point); then serve the same
// tarball's files from a plain static server and load the browser entry in Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '../support/static-server.mjs';
import { launchChromium } from '../support/browser.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VECTOR = 'tests/vectors/esdk/python-4.0.7/ct/011-0014-f4096-n10000.bin';
let dir, tarball;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'callseal-pack-'));
  const out = execFileSync('npm', ['pack', join(ROOT, 'pkg'), '--pack-destination', dir, '--json', '--silent'], { encoding: 'utf8' });
  tarball = join(dir, JSON.parse(out)[0].filename);
  execFileSync('npm', ['init', '-y'], { cwd: dir, stdio: 'ignore' });
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: dir, stdio: 'ignore' });
  copyFileSync(join(ROOT, VECTOR), join(dir, 'message.bin'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('the tarball holds the package files and nothing else', () => {
  const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
  for (const f of ['package/package.json', 'package/README.md', 'package/index.js', 'package/index.d.ts',
    'package/decrypt.js', 'package/encrypt.js', 'package/policy.js', 'package/node/index.js',
    'package/wasm/callseal_decrypt_bg.wasm', 'package/wasm/callseal_decrypt_more_bg.wasm', 'package/decrypt-more.js',
    'package/wasm/callseal_policy_bg.wasm',
    'package/wasm/callseal_encrypt_bg.wasm', 'package/service-data.bin']) {
    assert.ok(files.includes(f), `missing ${f}`);
  }
  assert.ok(!files.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), 'TypeScript sources in the tarball');
});

test('installed in an empty Node project: ESM and CommonJS, every entry point', () => {
  const script = `
    import * as callseal from 'callseal';
    import { encryptWithRawAes } from 'callseal/encrypt';
    import { validatePolicy } from 'callseal/policy';
    import { decrypt, parseHeader, unwrapRawAesDataKey } from 'callseal/decrypt';
    import { readFileSync } from 'node:fs';
    import { createRequire } from 'node:module';
    const message = new Uint8Array(readFileSync('message.bin'));
    const out = {};
    out.suite = parseHeader(message).suite;
    out.findings = validatePolicy('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt"}]}', { policyType: 'identity' }).map((f) => f.code);
    const kr = { keyNamespace: 'ns', keyName: 'k', key: new Uint8Array(32).fill(7) };
    const m2 = encryptWithRawAes(new TextEncoder().encode('hello'), kr, { suiteId: 0x0478 });
    out.roundTrip = new TextDecoder().decode(await decrypt(m2, await unwrapRawAesDataKey(m2, kr)));
    const cjs = createRequire(import.meta.url)('callseal');
    out.cjs = typeof cjs.decrypt === 'function' && cjs.parseHeader(message).suite;
    out.sameApi = callseal.decrypt === decrypt;
    console.log(JSON.stringify(out));
  `;
  writeFileSync(join(dir, 'check.mjs'), script);
  const out = JSON.parse(execFileSync(process.execPath, ['check.mjs'], { cwd: dir, encoding: 'utf8' }));
  assert.equal(out.suite, '0014');
  assert.deepEqual(out.findings, ['MISSING_RESOURCE']);
  assert.equal(out.roundTrip, 'hello');
  assert.equal(out.cjs, '0014');
  assert.equal(out.sameApi, true);
});

test('the same tarball\'s browser entry loads in Chromium from a static server', async () => {
  const www = join(dir, 'www');
  execFileSync('mkdir', ['-p', www]);
  execFileSync('tar', ['xzf', tarball, '-C', www]);
  copyFileSync(join(ROOT, VECTOR), join(www, 'message.bin'));
  writeFileSync(join(www, 'index.html'), '<!doctype html><meta charset="utf-8"><title>callseal from the tarball</title>');
  const server = await serveStatic(www);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/index.html`);
    const result = await page.evaluate(async () => {
      const callseal = await import('/package/index.js');
      const message = new Uint8Array(await (await fetch('/message.bin')).arrayBuffer());
      const header = callseal.parseHeader(message);
      let code;
      try { await callseal.decrypt(message, new Uint8Array(16)); } catch (e) { code = e.code; }
      const findings = callseal.validatePolicy('{"Version":"2012-10-17","Statement":[]}');
      return { suite: header.suite, engine: callseal.defaultEngine(), code, findings: findings.length };
    });
    assert.equal(result.suite, '0014');
    assert.equal(result.engine, 'webcrypto');
    assert.equal(result.code, 'TAG_MISMATCH');
    assert.ok(result.findings >= 0);
  } finally {
    await browser.close();
    await server.close();
  }
});
