// `callseal seal` against the real local stack: what it writes is an ESDK message the official
// ESDKs decrypt to the original bytes under the stack's KMS key, bound to its contact; sealing is
// exactly once in effect; what it refuses, it refuses with a typed reason.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { ensureStack, connectKey, bytes, put, get, seal, decryptNode, decryptPython, sha256 } from './support.mjs';

let env;
before(() => { ({ env } = ensureStack()); });

const bucket = () => ['--bucket', env.CALLSEAL_BUCKET];
const expectedContext = (contactId, kind, format) => ({
  'aws:connect:instance-id': env.CALLSEAL_CONNECT_INSTANCE_ID,
  'aws:connect:contact-id': contactId,
  'callseal:kind': kind,
  'callseal:format': format,
});
async function openUploads(prefix) {
  const { s3 } = ensureStack();
  const res = await s3.send(new ListMultipartUploadsCommand({ Bucket: env.CALLSEAL_BUCKET, Prefix: prefix }));
  return res.Uploads ?? [];
}

test('a recording is sealed in 4 KiB frames of suite 0x0578 under the KMS key, and both official ESDKs decrypt it', async () => {
  const { contactId, key } = connectKey('wav');
  const plaintext = bytes(3 * 4096 + 1234, key); // three full frames and a partial final one
  await put(key, plaintext);
  const run = await seal([...bucket(), '--key', key]);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.lines, [{ outcome: 'sealed', key, sealedKey: `${key}.esdk`, plaintextBytes: plaintext.length, sealedBytes: run.lines[0].sealedBytes, parts: 1, original: 'kept' }]);

  const sealed = await get(`${key}.esdk`);
  assert.equal(sealed.body.length, run.lines[0].sealedBytes);
  assert.equal(sealed.metadata['callseal-envelope'], 'aws-encryption-sdk');
  assert.equal(sealed.body[0], 0x02);
  assert.equal(sealed.body.readUInt16BE(1), 0x0578);

  const node = await decryptNode(sealed.body);
  assert.ok(node.plaintext.equals(plaintext), 'client-node: plaintext differs');
  const { 'aws-crypto-public-key': publicKey, ...context } = node.messageHeader.encryptionContext;
  assert.ok(publicKey, 'signed suite: the public key is in the context');
  assert.deepEqual(context, expectedContext(contactId, 'recording', 'wav'));
  assert.equal(node.messageHeader.frameLength, 4096);
  assert.deepEqual(node.messageHeader.encryptedDataKeys.map((k) => [k.providerId, k.providerInfo]), [['aws-kms', env.CALLSEAL_KMS_KEY_ARN]]);

  const file = join(mkdtempSync(join(tmpdir(), 'callseal-sealer-')), 'sealed.esdk');
  writeFileSync(file, sealed.body);
  const py = decryptPython(file);
  assert.equal(py.sha256, sha256(plaintext), 'Python ESDK: plaintext differs');
  assert.equal(py.suite, 0x0578);
  assert.equal(py.frameLength, 4096);
  assert.deepEqual(py.context, { ...expectedContext(contactId, 'recording', 'wav'), 'aws-crypto-public-key': publicKey });
  assert.equal((await get(key)).body.length, plaintext.length, 'the original stays');
});

test('objects larger than a part go up in several parts; empty and frame-multiple objects round-trip', async () => {
  const cases = [
    { size: 12 * 1024 * 1024 + 77, ext: 'wav', folder: 'CallRecordings', kind: 'recording' }, // two parts of 5 MiB + the rest
    { size: 0, ext: 'json', folder: 'ChatTranscripts', kind: 'chat-transcript' },
    { size: 8 * 4096, ext: 'json', folder: 'Analysis/Voice/Redacted', kind: 'transcript', name: 'analysis_redacted_2026-12-06T10:05:00Z' },
  ];
  for (const c of cases) {
    const { contactId, key } = connectKey(c.ext, c.folder, c.name);
    const plaintext = bytes(c.size, key);
    await put(key, plaintext);
    const run = await seal([...bucket(), '--key', key], { CALLSEAL_SEAL_PART_BYTES: String(5 * 1024 * 1024) });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.lines[0].outcome, 'sealed');
    const sealed = await get(`${key}.esdk`);
    const { plaintext: out, messageHeader } = await decryptNode(sealed.body);
    assert.ok(out.equals(plaintext), `${c.size} bytes: plaintext differs`);
    assert.equal(messageHeader.encryptionContext['callseal:kind'], c.kind);
    assert.equal(messageHeader.encryptionContext['aws:connect:contact-id'], contactId);
    assert.equal(run.lines[0].parts, c.size > 10 << 20 ? 3 : 1);
    assert.equal(sealed.body.length, run.lines[0].sealedBytes);
  }
});

test('exactly once: a second seal writes nothing; two racing workers leave one sealed object and no open upload', async () => {
  const { key } = connectKey('wav');
  const plaintext = bytes(12 * 1024 * 1024 + 5, key);
  await put(key, plaintext);
  const small = { CALLSEAL_SEAL_PART_BYTES: String(5 * 1024 * 1024) };
  const [a, b] = await Promise.all([seal([...bucket(), '--key', key], small), seal([...bucket(), '--key', key], small)]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.deepEqual([a.lines[0].outcome, b.lines[0].outcome].sort(), ['exists', 'sealed']);
  const first = await get(`${key}.esdk`);
  assert.ok((await decryptNode(first.body)).plaintext.equals(plaintext));
  assert.deepEqual(await openUploads(key), [], 'the losing upload was aborted');

  const again = await seal([...bucket(), '--key', key]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.lines[0].outcome, 'exists');
  assert.equal((await get(`${key}.esdk`)).etag, first.etag, 'the sealed object is untouched');
});

test('a worker killed part-way leaves no sealed object; the next run seals it', async () => {
  const { key } = connectKey('wav');
  const plaintext = bytes(48 * 1024 * 1024, key);
  await put(key, plaintext);
  const small = { CALLSEAL_SEAL_PART_BYTES: String(5 * 1024 * 1024) };
  const running = seal([...bucket(), '--key', key], small);
  // Kill it once its upload has started (an upload is open), well before 10 parts are written.
  const deadline = Date.now() + 60_000;
  let exited = false;
  running.then(() => { exited = true; });
  while ((await openUploads(key)).length === 0) {
    assert.ok(Date.now() < deadline && !exited, 'the upload never started');
    await new Promise((r) => setTimeout(r, 20));
  }
  running.child.kill('SIGKILL');
  const killed = await running;
  assert.equal(killed.signal, 'SIGKILL');
  await assert.rejects(get(`${key}.esdk`), /NoSuchKey|NotFound/, 'no sealed object from the killed worker');

  const rerun = await seal([...bucket(), '--key', key], small);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.equal(rerun.lines[0].outcome, 'sealed');
  assert.ok((await decryptNode((await get(`${key}.esdk`)).body)).plaintext.equals(plaintext));
});

test('refusals: a sealed key, an ESDK message under a Connect key, outside the prefixes, not a Connect key, missing', async () => {
  const done = connectKey('wav');
  await put(done.key, bytes(100, done.key));
  assert.equal((await seal([...bucket(), '--key', done.key])).code, 0);
  const message = (await get(`${done.key}.esdk`)).body;

  const renamed = connectKey('wav');
  await put(renamed.key, message); // an ESDK message under a recording's name: never sealed twice
  const outside = `elsewhere/${connectKey('wav').key}`;
  await put(outside, bytes(10));
  const notConnect = 'connect/callseal-test/Reports/2026/12/06/report.csv';
  await put(notConnect, bytes(10));
  const missing = connectKey('wav').key;

  const cases = [
    [`${done.key}.esdk`, 'AlreadySealed'],
    [renamed.key, 'AlreadySealed'],
    [outside, 'OutsidePrefixes'],
    [notConnect, 'NotAConnectObject'],
    [missing, 'SourceUnreadable'],
  ];
  for (const [key, code] of cases) {
    const run = await seal([...bucket(), '--key', key]);
    assert.equal(run.code, 1, `${key}: exit status`);
    assert.equal(run.lines[0].outcome, 'refused', key);
    assert.equal(run.lines[0].code, code, `${key}: ${run.lines[0].message}`);
    if (!key.endsWith('.esdk')) await assert.rejects(get(`${key}.esdk`), /NoSuchKey|NotFound/, `${key}: nothing written`);
  }
});

test('memory stays bounded: sealing 96 MiB peaks under 64 MiB resident', async () => {
  const { key } = connectKey('wav');
  const mib = randomBytes(1 << 20);
  const plaintext = Buffer.concat(Array.from({ length: 96 }, (_, i) => { const b = Buffer.from(mib); b.writeUInt32BE(i, 0); return b; }));
  await put(key, plaintext);
  // GNU time reports the peak resident set of the sealer process (KiB) on stderr's last line.
  const run = await seal([...bucket(), '--key', key], {}, ['/usr/bin/time', '-f', 'maxrss=%M']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.lines[0].outcome, 'sealed');
  const kib = Number(/maxrss=(\d+)/.exec(run.stderr)[1]);
  assert.ok(kib < 64 * 1024, `peak RSS ${kib} KiB`);
  console.log(`# sealing 96 MiB: peak RSS ${(kib / 1024).toFixed(1)} MiB, ${run.lines[0].parts} parts`);
  const { plaintext: out } = await decryptNode((await get(`${key}.esdk`)).body);
  assert.equal(sha256(out), sha256(plaintext));
});

test('WrongKmsKey: a data key KMS made under another key than the configured one is refused, nothing written', async () => {
  // moto resolves a key ARN by its key id and answers with the key's own ARN: configured under
  // another account, the same key id is answered for as 111122223333's, which is not the key
  // the sealer was told to use.
  const { key } = connectKey('wav');
  await put(key, bytes(5000, key));
  const other = env.CALLSEAL_KMS_KEY_ARN.replace(`:${env.CALLSEAL_ACCOUNT_ID}:`, ':444455556666:');
  assert.notEqual(other, env.CALLSEAL_KMS_KEY_ARN);
  const run = await seal([...bucket(), '--key', key], { CALLSEAL_KMS_KEY_ARN: other });
  assert.equal(run.code, 1, run.stderr);
  assert.deepEqual([run.lines[0].outcome, run.lines[0].code], ['refused', 'WrongKmsKey']);
  assert.ok(run.lines[0].message.includes(env.CALLSEAL_KMS_KEY_ARN) && run.lines[0].message.includes(other), run.lines[0].message);
  await assert.rejects(get(`${key}.esdk`), /NoSuchKey|NotFound/);
  assert.deepEqual(await openUploads(key), []);
});
