// The npm package as a supervisor-console developer uses it: the `npm pack` tarball installed
// into an empty project (with typescript, vite and esbuild from this workspace's node_modules),
// then
//   - a strict TypeScript consumer of every entry point, function and type (moduleResolution
//     bundler and node16) compiles, and runs in Node with the values its types promise;
//   - every TypeScript example in README.md and pkg-config/README.md compiles as written and
//     runs (only the environment is supplied: a pre-signed URL, a key broker, KMS, policy text);
//   - a page importing `callseal/decrypt`, built by Vite and by esbuild, decrypts an official
//     ESDK message in Chromium under a CSP without 'unsafe-eval' (with 'wasm-unsafe-eval'), and
//     its signed 16 MiB message is hashed by the blob: Worker;
//   - a page importing `callseal/policy`, built by Vite, loads service-data.bin with
//     `loadServiceData()` (no argument).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync, symlinkSync, copyFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { serveStatic } from '../support/static-server.mjs';
import { launchChromium } from '../support/browser.mjs';
import { encryptWithRawAes } from '../../pkg/encrypt.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VECTORS = join(ROOT, 'tests/vectors');
const ESDK = join(VECTORS, 'esdk/python-4.0.7');
const manifest = JSON.parse(readFileSync(join(ESDK, 'manifest.json'), 'utf8'));
// No 'unsafe-eval': wasm compiles under 'wasm-unsafe-eval'; the hash Worker starts from blob:.
const CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; worker-src blob:";
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const VITE = join(ROOT, 'node_modules/vite/bin/vite.js');
let dir;

const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: dir, encoding: 'utf8', ...opts });
/** tsc's diagnostics (empty when it compiles). */
function tsc(project) {
  try {
    run(process.execPath, [TSC, '-p', project]);
    return '';
  } catch (e) {
    return e.stdout + e.stderr;
  }
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'callseal-consumer-'));
  const out = execFileSync('npm', ['pack', join(ROOT, 'pkg'), '--pack-destination', dir, '--json', '--silent'], { encoding: 'utf8' });
  const tarball = join(dir, JSON.parse(out)[0].filename);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'console', private: true, type: 'module' }));
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--no-save', tarball], { stdio: 'ignore' });
  for (const tool of ['typescript', 'vite', 'esbuild', '@types']) {
    symlinkSync(join(ROOT, 'node_modules', tool), join(dir, 'node_modules', tool));
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// TypeScript
// ---------------------------------------------------------------------------------------------

const CONSUMER = `
import { readFileSync } from 'node:fs';
import * as all from 'callseal';
import {
  parseHeader, decrypt, decryptStream, openRangeReader, parseS3Metadata, decryptS3Object, unwrapRawAesDataKey,
  version, defaultEngine, CallsealError,
  type CallsealErrorCode, type MessageHeader, type VerifiedMessageHeader, type EncryptedDataKey, type Engine,
  type DecryptOptions, type StreamOptions, type RangeSource, type RangeReader, type S3ObjectMetadata,
  type RawAesKeyring, type S3MetadataInfo, type S3DecryptOptions,
} from 'callseal/decrypt';
import { encryptWithRawAes, MessageEncryptor, type EncryptOptions } from 'callseal/encrypt';
import {
  validatePolicy, evaluate, PolicyEvaluator, loadServiceData, hasServiceData, listActions, listConditionKeys,
  type Finding, type PolicyType, type Severity, type Position, type Span, type Fix, type ValidateOptions,
  type ContextValue, type EvaluationRequest, type PolicySet, type DecisionKind, type DecidingStatement,
  type Decision, type Completion,
} from 'callseal/policy';

const b64 = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const V = process.env.VECTORS!;
const manifest = JSON.parse(readFileSync(V + '/esdk/python-4.0.7/manifest.json', 'utf8'));
const t = manifest.tests.find((x: { id: string }) => x.id === '011-0014-f4096-n10000');
const file = readFileSync(V + '/esdk/python-4.0.7/' + t.ciphertext);
const message = new Uint8Array(file);
const wk = manifest.wrapping_key;
const keyring: RawAesKeyring = { keyNamespace: wk.key_namespace, keyName: wk.key_name, key: b64(wk.key) };
/** Whether a value is a Uint8Array over a whole, non-shared ArrayBuffer of its own. */
const own = (u: Uint8Array) => u instanceof Uint8Array && u.buffer instanceof ArrayBuffer && u.byteOffset === 0 && u.byteLength === u.buffer.byteLength;
const owned: boolean[] = [];

const out: Record<string, unknown> = {};
out.version = version() satisfies string;
const engine: Exclude<Engine, 'auto'> = defaultEngine();
out.engine = engine;
// Bytes go in as any BufferSource (README, "Arguments"): here an ArrayBuffer.
const header: MessageHeader = parseHeader(message.slice().buffer, { maxEncryptedDataKeys: 3 });
const edk: EncryptedDataKey = header.encryptedDataKeys[0]!;
out.header = [header.suite, header.suiteId, header.version, header.signed, header.committing, header.contentType,
  header.frameLength, header.headerLength, header.unauthenticated, header.messageId.length, edk.providerId];
owned.push(own(header.messageId), own(edk.providerInfo), own(edk.ciphertext));
// A broker client posts the wrapped key as a fetch body (BodyInit: an ArrayBuffer-backed view).
const body: BodyInit = edk.ciphertext;
out.body = body === edk.ciphertext;
const dataKey = await unwrapRawAesDataKey(file, keyring, { expectedContext: { purpose: 'transcript' } });
const options: DecryptOptions = { expectedContext: new Map([['purpose', 'transcript']]), maxEncryptedDataKeys: 1, signedMessages: 'verify', engine: 'auto' };
const audio = await decrypt(new DataView(message.buffer), dataKey, options);
owned.push(own(dataKey), own(audio));
// README: "ready for decodeAudioData, Blob or a transfer".
const blob = new Blob([audio], { type: 'audio/wav' });
const ab: ArrayBuffer = audio.buffer;
out.plaintext = [blob.size, ab.byteLength];
structuredClone(audio, { transfer: [audio.buffer] });
try {
  await decrypt(message, new Uint8Array(16));
} catch (e) {
  if (e instanceof CallsealError) { const c: CallsealErrorCode = e.code; out.error = [c, e.name]; }
}
const so: StreamOptions = { signal: new AbortController().signal, signedMessages: 'reject' };
const ts = decryptStream(dataKey, so);
const frames: Uint8Array<ArrayBuffer>[] = [];
await new Blob([message]).stream().pipeThrough(ts).pipeTo(new WritableStream({ write(f) { frames.push(f); } }));
owned.push(...frames.map(own));
out.stream = new Blob(frames).size;
const source: RangeSource = { size: message.length, read: async (o, n) => message.slice(o, o + n).buffer };
const reader: RangeReader = await openRangeReader(source, dataKey, { engine: 'rust' });
const vh: VerifiedMessageHeader = reader.header;
const part = await reader.read(100, 50);
owned.push(own(part));
out.range = [reader.plaintextLength, reader.frameLength, vh.unauthenticated, new Blob([part]).size];
reader.close();

const s3 = JSON.parse(readFileSync(V + '/s3ec/python-4.0.0.json', 'utf8')).cases[1];
const meta: S3ObjectMetadata = s3.metadata;
const info: S3MetadataInfo = await parseS3Metadata(meta);
const s3opts: S3DecryptOptions = { expectedContext: s3.expected_context, engine: 'webcrypto' };
const s3body = await decryptS3Object(b64(s3.body), meta, b64(s3.data_key), s3opts);
owned.push(own(info.encryptedDataKey), own(s3body));
out.s3 = [info.format, info.committing, info.wrapAlgorithm, info.unauthenticated, new Blob([s3body]).size];
// The metadata as a fetch Response's Headers and as a Map (README: plain object, Map or Headers).
const response = new Response(null, { headers: s3.metadata });
out.s3Headers = (await decryptS3Object(b64(s3.body), response.headers, b64(s3.data_key))).length;
out.s3Map = (await parseS3Metadata(new Map(Object.entries(s3.metadata as Record<string, string>)))).format;

const eo: EncryptOptions = { suiteId: 0x0478, frameLength: 1024, encryptionContext: { a: 'b' } };
const m2 = encryptWithRawAes(new TextEncoder().encode('hello'), keyring, eo);
const enc = new MessageEncryptor({ suiteId: 0x0578 });
const ctx: Record<string, string> = enc.encryptionContext;
const dk = crypto.getRandomValues(new Uint8Array(32));
const m3 = enc.seal(new TextEncoder().encode('hi').buffer, dk, [...header.encryptedDataKeys, { providerId: 'p', providerInfo: new Uint8Array(1), ciphertext: new ArrayBuffer(1) }]);
owned.push(own(m2), own(m3));
out.encrypt = [new TextDecoder().decode(await decrypt(m2, await unwrapRawAesDataKey(m2, keyring))), new TextDecoder().decode(await decrypt(m3, dk)), Object.keys(ctx), new Blob([m2, m3]).size > 0];

const vo: ValidateOptions = { policyType: 'kms-key' satisfies PolicyType };
const prov: string = await loadServiceData();
const findings: Finding[] = validatePolicy('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decryptt","Resource":"*","Principal":{"AWS":"arn:aws:iam::111122223333:root"}}]}', vo);
const f0 = findings.find((f) => f.code === 'INVALID_ACTION')!;
const sev: Severity = f0.severity; const sp: Span = f0.span; const pos: Position = sp.start; const fix: Fix | undefined = f0.fix;
out.policy = [typeof prov, hasServiceData(), sev, pos.line, pos.column, pos.offset, pos.utf16Offset, typeof fix?.replacement, typeof f0.learnMore, f0.path];
const cv: ContextValue = ['x'];
const req: EvaluationRequest = { principal: 'arn:aws:iam::111122223333:role/S', action: 'kms:Decrypt', resource: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', context: { 'aws:SourceIp': cv } };
const ps: PolicySet = { identity: ['{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}'],
  kmsKeyPolicy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}' };
const d: Decision = evaluate(req, ps);
const kind: DecisionKind = d.decision;
const st: DecidingStatement = d.statements[0]!;
const ev = new PolicyEvaluator(ps);
const d2 = ev.evaluate(req);
ev.free();
out.evaluate = [kind, st.policy, st.index, st.effect, d.missingContextKeys, d.deniedBy ?? null, typeof d.reason, JSON.stringify(d2) === JSON.stringify(d)];
const acts: Completion[] = listActions('kms:Decr', 5);
out.complete = [acts.map((a) => a.label), listConditionKeys('kms:EncryptionContextKeys', 1).map((c) => c.detail)];
out.sameApi = all.decrypt === decrypt && all.validatePolicy === validatePolicy;
out.owned = owned;
console.log(JSON.stringify(out));
`;

test('TypeScript: a strict consumer of every entry point compiles (bundler, node16) and runs as typed', () => {
  mkdirSync(join(dir, 'ts'), { recursive: true });
  writeFileSync(join(dir, 'ts/consumer.ts'), CONSUMER);
  const base = { target: 'es2022', strict: true, noUncheckedIndexedAccess: true, types: ['node'], lib: ['es2022', 'dom', 'dom.iterable'] };
  writeFileSync(join(dir, 'tsconfig.bundler.json'), JSON.stringify({
    compilerOptions: { ...base, module: 'esnext', moduleResolution: 'bundler', noEmit: true }, files: ['ts/consumer.ts'] }));
  writeFileSync(join(dir, 'tsconfig.node16.json'), JSON.stringify({
    compilerOptions: { ...base, module: 'node16', moduleResolution: 'node16', outDir: 'ts-out' }, files: ['ts/consumer.ts'] }));
  assert.equal(tsc('tsconfig.bundler.json'), '', 'moduleResolution bundler');
  assert.equal(tsc('tsconfig.node16.json'), '', 'moduleResolution node16');
  const out = JSON.parse(run(process.execPath, ['ts-out/consumer.js'], { env: { ...process.env, VECTORS } }));
  assert.deepEqual(out.header, ['0014', 0x14, 1, false, false, 'framed', 4096, 228, true, 16, 'callseal-test']);
  assert.deepEqual(out.plaintext, [10000, 10000]);
  assert.deepEqual(out.error, ['TAG_MISMATCH', 'CallsealError']);
  assert.equal(out.stream, 10000);
  assert.deepEqual(out.range, [10000, 4096, false, 50]);
  assert.deepEqual(out.s3, ['v3', true, 'kms-context', true, 18989]);
  assert.equal(out.s3Headers, 18989);
  assert.equal(out.s3Map, 'v3');
  assert.deepEqual(out.encrypt, ['hello', 'hi', ['aws-crypto-public-key'], true]);
  assert.deepEqual(out.policy, ['string', true, 'ERROR', 1, 65, 64, 64, 'string', 'string', 'Statement[0].Action']);
  assert.deepEqual(out.evaluate, ['Allow', 'kmsKeyPolicy', 0, 'Allow', [], null, 'string', true]);
  assert.deepEqual(out.complete, [['kms:Decrypt'], ['ArrayOfString']]);
  assert.equal(out.sameApi, true);
  // Every byte array the package returns owns a plain ArrayBuffer, as its type says.
  assert.ok(out.owned.length > 8 && out.owned.every(Boolean), JSON.stringify(out.owned));
});

// ---------------------------------------------------------------------------------------------
// The README examples
// ---------------------------------------------------------------------------------------------

/** The ```ts blocks of a Markdown file. */
const tsBlocks = (path) => [...readFileSync(join(ROOT, path), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

// What the examples take from their environment: a recording behind a pre-signed URL (an
// official ESDK message with a contact-id), key brokers that unwrap its data key (raw AES here,
// KMS in a console), KMS for the encryption example, and policies.
const EXAMPLE_ENV = `
import { readFileSync } from 'node:fs';
import { unwrapRawAesDataKey, type EncryptedDataKey } from 'callseal/decrypt';
import type { Contact } from 'callseal/player';

const V = process.env.VECTORS + '/esdk/python-4.0.7/';
const manifest = JSON.parse(readFileSync(V + 'manifest.json', 'utf8'));
const vector = manifest.tests.find((t: { id: string }) => t.id === '103-0378-f128-n10000');
const message = readFileSync(V + vector.ciphertext);
const wk = manifest.wrapping_key;
const keyring = { keyNamespace: wk.key_namespace, keyName: wk.key_name, key: Uint8Array.from(atob(wk.key), (c) => c.charCodeAt(0)) };
export const calls: string[] = [];
process.on('exit', () => console.log(JSON.stringify(calls)));

type Context = Record<string, string>;
interface GenerateDataKeyInput { KeyId: string; KeySpec: 'AES_256'; EncryptionContext?: Context }
declare global {
  var presignedUrl: string;
  var contactId: string;
  var id: string;
  var keyBroker: { unwrap(edk: EncryptedDataKey, context: Context): Promise<Uint8Array> };
  var broker: { unwrap(edks: EncryptedDataKey[], context: Context): Promise<Uint8Array> };
  var kms: { send(command: { input: GenerateDataKeyInput }): Promise<{ Plaintext?: Uint8Array; CiphertextBlob?: Uint8Array }> };
  var GenerateDataKeyCommand: new (input: GenerateDataKeyInput) => { input: GenerateDataKeyInput };
  var recording: Uint8Array;
  var keyArn: string;
  var principal: string;
  var instanceId: string;
  var text: string;
  var keyPolicyText: string;
  var rolePolicyText: string;
  var idToken: string;
  var contact: Contact;
}

globalThis.presignedUrl = 'data:application/octet-stream;base64,' + message.toString('base64');
globalThis.contactId = vector.encryption_context['contact-id'];
globalThis.id = contactId;
const unwrap = (edks: EncryptedDataKey[], context: Context) => {
  // A broker unwraps only for the context the message was made with.
  if (Object.entries(vector.encryption_context).some(([k, v]) => context[k] !== v)) {
    throw new Error('broker: unexpected context ' + JSON.stringify(context));
  }
  if (edks.length !== 1 || edks[0]!.providerId !== wk.key_namespace) throw new Error('broker: unexpected data keys');
  calls.push('unwrap');
  return unwrapRawAesDataKey(message, keyring);
};
globalThis.keyBroker = { unwrap: (edk, context) => unwrap([edk], context) };
globalThis.broker = { unwrap };
globalThis.GenerateDataKeyCommand = class { constructor(readonly input: GenerateDataKeyInput) {} };
globalThis.kms = {
  async send({ input }) {
    calls.push('GenerateDataKey ' + Object.keys(input.EncryptionContext ?? {}).sort().join(','));
    return { Plaintext: crypto.getRandomValues(new Uint8Array(32)), CiphertextBlob: crypto.getRandomValues(new Uint8Array(184)) };
  },
};
globalThis.recording = new Uint8Array(100_000).fill(7);
globalThis.keyArn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
globalThis.principal = 'arn:aws:iam::111122223333:role/Supervisor';
globalThis.instanceId = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
globalThis.keyPolicyText = JSON.stringify({ Version: '2012-10-17', Statement: [
  { Sid: 'Root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }] });
globalThis.rolePolicyText = JSON.stringify({ Version: '2012-10-17', Statement: [
  { Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn }] });
globalThis.text = keyPolicyText;
`;

test('every TypeScript example in README.md and pkg-config/README.md compiles strictly and runs', () => {
  const all = [
    ...tsBlocks('README.md').map((code, i) => [`readme-${i}`, code]),
    ...tsBlocks('pkg-config/README.md').map((code, i) => [`package-readme-${i}`, code]),
  ];
  assert.equal(all.length, 6, 'examples found');
  mkdirSync(join(dir, 'examples'), { recursive: true });
  writeFileSync(join(dir, 'examples/env.ts'), EXAMPLE_ENV);
  for (const [name, code] of all) writeFileSync(join(dir, `examples/${name}.ts`), `import './env.js';\n${code}`);
  // The player's events are typed on the element and, as they bubble, on any element: each
  // `@ts-expect-error` holds only if the detail is typed (with an untyped detail it is unused: an error).
  writeFileSync(join(dir, 'examples/player-events.ts'), `import { mountPlayer, type PlayerErrorDetail } from 'callseal/player';
const player = mountPlayer(document.body, {});
player.addEventListener('callseal-error', (e) => {
  const code: PlayerErrorDetail['code'] = e.detail.code;
  const message: string = e.detail.message;
  // @ts-expect-error: the code is a string union
  const n: number = e.detail.code;
  return [code, message, n];
});
document.body.addEventListener('callseal-ready', (e) => {
  // @ts-expect-error: the suite is a string
  const n: number = e.detail.suite;
  return n;
});
document.body.addEventListener('callseal-timeupdate', (e) => e.detail.currentTime.toFixed(1));
document.body.addEventListener('callseal-verified', (e) => e.detail.objectId.length);
`);
  writeFileSync(join(dir, 'tsconfig.examples.json'), JSON.stringify({
    compilerOptions: { target: 'es2022', module: 'node16', moduleResolution: 'node16', strict: true, types: ['node'],
      lib: ['es2022', 'dom', 'dom.iterable'], outDir: 'examples-out' },
    include: ['examples/*.ts'] }));
  // Every example compiles, the player's too: its package types resolve under node16 and type
  // the detail of its events (`e.detail.code`).
  assert.equal(tsc('tsconfig.examples.json'), '');
  // The player's example needs a page (tests/e2e/hosts runs the component): compiled, not run.
  const examples = all.filter(([, code]) => !code.includes("from 'callseal/player'"));
  assert.equal(examples.length, 5);
  const calls = {};
  for (const [name] of examples) {
    // stderr must stay empty: the package README's example reports a CallsealError with console.warn.
    const out = execFileSync(process.execPath, [`examples-out/${name}.js`], {
      cwd: dir, encoding: 'utf8', env: { ...process.env, VECTORS }, stdio: ['ignore', 'pipe', 'pipe'] });
    calls[name] = JSON.parse(out.trim().split('\n').at(-1));
  }
  assert.deepEqual(calls, {
    'readme-0': ['unwrap'],
    'package-readme-0': ['unwrap'],
    'package-readme-2': ['GenerateDataKey aws-crypto-public-key,contact-id'],
    'package-readme-3': [],
    'package-readme-4': [],
  });
});

// ---------------------------------------------------------------------------------------------
// Bundled pages in Chromium
// ---------------------------------------------------------------------------------------------

const DECRYPT_PAGE = `
import { parseHeader, decrypt, defaultEngine, unwrapRawAesDataKey } from 'callseal/decrypt';
window.callseal = { parseHeader, decrypt, defaultEngine, unwrapRawAesDataKey };
`;

/** Writes the vector, its plaintext and a signed 16 MiB message (hashed in the Worker) into `www`. */
function addMessages(www) {
  const t = manifest.tests.find((x) => x.id === '127-0578-f128-n10000');
  mkdirSync(join(www, 'v'), { recursive: true });
  copyFileSync(join(ESDK, t.ciphertext), join(www, 'v/message.bin'));
  copyFileSync(join(ESDK, t.plaintext), join(www, 'v/plaintext.bin'));
  const wk = manifest.wrapping_key;
  const keyring = { keyNamespace: wk.key_namespace, keyName: wk.key_name, key: Uint8Array.from(atob(wk.key), (c) => c.charCodeAt(0)) };
  const big = new Uint8Array(16 * 1048576 + 77);
  for (let i = 0; i < big.length; i += 4096) big[i] = i >> 12;
  writeFileSync(join(www, 'v/big.bin'), encryptWithRawAes(big, keyring, { suiteId: 0x0578, frameLength: 65536 }));
  return { keyring: { ...keyring, key: wk.key }, bigLength: big.length };
}

/** Serves `www` under the CSP, opens index.html and decrypts the messages there. */
async function decryptInPage(www) {
  const { keyring, bigLength } = addMessages(www);
  const server = await serveStatic(www, { headers: { 'content-security-policy': CSP } });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript(() => {
      window.violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.violations.push(`${e.violatedDirective} ${e.blockedURI}`));
      window.blobWorkers = 0;
      window.webCryptoVerifies = 0;
      const verify = SubtleCrypto.prototype.verify;
      SubtleCrypto.prototype.verify = function (...args) { window.webCryptoVerifies++; return verify.apply(this, args); };
      const Native = window.Worker;
      window.Worker = class extends Native {
        constructor(url, options) { super(url, options); if (String(url).startsWith('blob:')) window.blobWorkers++; }
      };
    });
    await page.goto(`${server.url}/index.html`);
    await page.waitForFunction(() => window.callseal, null, { timeout: 20_000 }).catch(() => {
      throw new Error(`the page did not load: ${errors.join('; ')}`);
    });
    const result = await page.evaluate(async (kr) => {
      const c = window.callseal;
      const get = async (p) => new Uint8Array(await (await fetch(p)).arrayBuffer());
      const keyring = { ...kr, key: Uint8Array.from(atob(kr.key), (ch) => ch.charCodeAt(0)) };
      const message = await get('v/message.bin');
      const expected = await get('v/plaintext.bin');
      const plaintext = await c.decrypt(message, await c.unwrapRawAesDataKey(message, keyring));
      const small = { suite: c.parseHeader(message).suite, engine: c.defaultEngine(),
        same: plaintext.length === expected.length && plaintext.every((b, i) => b === expected[i]) };
      const big = await get('v/big.bin');
      const verifiesBefore = window.webCryptoVerifies;
      const bigPlaintext = await c.decrypt(big, await c.unwrapRawAesDataKey(big, keyring));
      let tampered;
      big[big.length - 5] ^= 1; // the footer signature
      try { await c.decrypt(big, await c.unwrapRawAesDataKey(big, keyring)); } catch (e) { tampered = e.code; }
      return { ...small, bigLength: bigPlaintext.length, bigWebCryptoVerifies: window.webCryptoVerifies - verifiesBefore,
        blobWorkers: window.blobWorkers, tampered, violations: window.violations };
    }, keyring);
    assert.deepEqual(errors, []);
    return { ...result, bigLengthExpected: bigLength, requests: server.requests.map((r) => r.path) };
  } finally {
    await browser.close();
    await server.close();
  }
}

function assertDecrypted(r) {
  assert.deepEqual(r.violations, [], 'CSP violations');
  assert.equal(r.suite, '0578');
  assert.equal(r.engine, 'webcrypto');
  assert.equal(r.same, true, 'plaintext of the official message');
  assert.equal(r.bigLength, r.bigLengthExpected);
  // The 16 MiB signed message's footer hash ran in the blob: Worker, not WebCrypto's verify.
  assert.equal(r.blobWorkers, 1);
  assert.equal(r.bigWebCryptoVerifies, 0);
  assert.equal(r.tampered, 'SIGNATURE_INVALID');
}

/** Bytes and gzipped bytes of the files in `files`. */
const sizes = (files) => Object.fromEntries(files.map((f) => [f.split('/').at(-1), [statSync(f).size, gzipSync(readFileSync(f), { level: 9 }).length]]));

test('Vite build of a callseal/decrypt page: wasm and hash Worker found, CSP without unsafe-eval', async () => {
  const app = join(dir, 'vite-decrypt');
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'index.html'), '<!doctype html><meta charset="utf-8"><title>console</title><script type="module" src="./main.js"></script>');
  writeFileSync(join(app, 'main.js'), DECRYPT_PAGE);
  run(process.execPath, [VITE, 'build', '--logLevel', 'error'], { cwd: app });
  const assets = readFileSync(join(app, 'dist/index.html'), 'utf8');
  assert.match(assets, /assets\/index-[\w-]+\.js/);
  const r = await decryptInPage(join(app, 'dist'));
  assertDecrypted(r);
  assert.ok(r.requests.some((p) => /^\/assets\/callseal_decrypt_bg-[\w-]+\.wasm$/.test(p)), r.requests.join(' '));
  const built = run('find', ['dist/assets', '-type', 'f'], { cwd: app }).trim().split('\n').map((f) => join(app, f));
  console.log('vite build sizes [bytes, gzipped]:', JSON.stringify(sizes(built)));
});

test('esbuild bundle of a callseal/decrypt page, wasm copied next to it as the README says', async () => {
  const app = join(dir, 'esbuild-decrypt');
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'main.js'), DECRYPT_PAGE);
  const esbuild = (await import(join(ROOT, 'node_modules/esbuild/lib/main.js'))).default;
  const www = join(app, 'dist');
  await esbuild.build({ absWorkingDir: app, entryPoints: ['main.js'], bundle: true, minify: true, format: 'esm', outdir: 'dist', logLevel: 'error' });
  // esbuild leaves new URL('./wasm/...', import.meta.url) alone: the module the page imports goes
  // to wasm/ next to the bundle (the package README's esbuild recipe).
  mkdirSync(join(www, 'wasm'));
  for (const wasm of ['callseal_decrypt_bg.wasm', 'callseal_decrypt_more_bg.wasm']) {
    copyFileSync(join(dir, 'node_modules/callseal/wasm', wasm), join(www, 'wasm', wasm));
  }
  writeFileSync(join(www, 'index.html'), '<!doctype html><meta charset="utf-8"><title>console</title><script type="module" src="./main.js"></script>');
  const r = await decryptInPage(www);
  assertDecrypted(r);
  assert.ok(r.requests.includes('/wasm/callseal_decrypt_bg.wasm'), r.requests.join(' '));
  console.log('esbuild bundle [bytes, gzipped]:', JSON.stringify(sizes([join(www, 'main.js')])));
});

test('Vite build of a callseal/policy page: loadServiceData() finds service-data.bin', async () => {
  const app = join(dir, 'vite-policy');
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'index.html'), '<!doctype html><meta charset="utf-8"><title>policies</title><script type="module" src="./main.js"></script>');
  writeFileSync(join(app, 'main.js'), `
    import { loadServiceData, validatePolicy } from 'callseal/policy';
    window.result = (async () => {
      let missing; // a URL that is not there: an error saying so, and the next call tries again
      try { await loadServiceData('/missing.bin'); } catch (e) { missing = e.code + ' ' + e.message; }
      const provenance = await loadServiceData();
      const codes = validatePolicy('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decryptt","Resource":"*"}]}').map((f) => f.code);
      return { missing, provenance, codes };
    })().catch((e) => ({ error: e.code + ' ' + e.message }));
  `);
  run(process.execPath, [VITE, 'build', '--logLevel', 'error'], { cwd: app });
  const server = await serveStatic(join(app, 'dist'), { headers: { 'content-security-policy': CSP } });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/index.html`);
    await page.waitForFunction(() => window.result, null, { timeout: 20_000 });
    const result = await page.evaluate(() => window.result);
    assert.equal(result.error, undefined);
    assert.match(result.missing, /^IO service data: fetching http:\/\/127\.0\.0\.1:\d+\/missing\.bin failed: 404 Not Found$/);
    assert.match(result.provenance, /iam-data/);
    assert.deepEqual(result.codes, ['INVALID_ACTION']);
    assert.ok(server.requests.some((r) => /^\/assets\/service-data-[\w-]+\.bin$/.test(r.path)), server.requests.map((r) => r.path).join(' '));
  } finally {
    await browser.close();
    await server.close();
  }
});
