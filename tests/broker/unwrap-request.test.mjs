// The broker's request validation, context check and rate limiter as units (no stack needed):
// every malformed or oversized field gets a typed InvalidRequest (the protocol's own fields:
// UnsupportedProtocol, InvalidRecipientKey), a context that differs from the
// object's in any way is a mismatch (including pairs named like Object.prototype members), and
// the per-user token bucket refuses, refills and tells the caller when to retry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tsImport } from 'tsx/esm/api';

const { parseUnwrapRequest, contextMismatch, LIMITS } = await tsImport('../../www/broker/src/unwrap-request.ts', import.meta.url);
const { RateLimiter } = await tsImport('../../www/broker/src/rate-limit.ts', import.meta.url);
const { BrokerError } = await tsImport('../../www/broker/src/errors.ts', import.meta.url);
const protocol = await tsImport('../../www/lib/unwrap-protocol.ts', import.meta.url);
const recipient = protocol.toBase64((await protocol.newRecipient()).publicKey);

const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const good = () => ({
  protocol: 'callseal-unwrap/1',
  objectId: 'c0ffee00.recording.wav',
  messageId: Buffer.alloc(32, 1).toString('base64'),
  recipientPublicKey: recipient,
  nonce: Buffer.alloc(32, 2).toString('base64'),
  encryptedDataKey: { providerId: 'aws-kms', providerInfo: KEY, ciphertext: Buffer.alloc(184, 7).toString('base64') },
  encryptionContext: { 'aws:connect:contact-id': 'c0ffee00', 'callseal:kind': 'recording' },
});

async function refusal(body) {
  try {
    await parseUnwrapRequest(body);
  } catch (e) {
    // (tsImport may load errors.ts as a separate module instance: check the shape, not the class)
    assert.ok(typeof e.code === 'string' && typeof e.status === 'number', String(e));
    assert.equal(e.status, new BrokerError(e.code, '').status);
    return `${e.code}: ${e.message}`;
  }
  return 'accepted';
}

test('a well-formed request parses; the ciphertext is decoded, the recipient key imported', async () => {
  const r = await parseUnwrapRequest(good());
  assert.equal(r.recipient.type, 'public');
  assert.equal(r.nonce, good().nonce);
  assert.equal(r.messageId, good().messageId);
  assert.equal(r.encryptedDataKey.ciphertext.length, 184);
  assert.deepEqual({ ...r.encryptionContext }, good().encryptionContext);
});

test('malformed and oversized fields are refused with InvalidRequest', async () => {
  const g = good();
  const edk = (o) => ({ ...g, encryptedDataKey: { ...g.encryptedDataKey, ...o } });
  const cases = {
    'not an object': [],
    'null body': null,
    'string body': 'x',
    'unknown field': { ...g, extra: 1 },
    'objectId missing': { ...g, objectId: undefined },
    'objectId path': { ...g, objectId: '../secrets' },
    'objectId too long': { ...g, objectId: 'a'.repeat(LIMITS.objectId + 1) },
    'objectId not a string': { ...g, objectId: 7 },
    'edk not an object': { ...g, encryptedDataKey: 'x' },
    'edk array': { ...g, encryptedDataKey: [g.encryptedDataKey] },
    'providerId empty': edk({ providerId: '' }),
    'providerId too long': edk({ providerId: 'p'.repeat(LIMITS.providerId + 1) }),
    'providerInfo too long': edk({ providerInfo: 'i'.repeat(LIMITS.providerInfo + 1) }),
    'ciphertext too long': edk({ ciphertext: 'A'.repeat(LIMITS.ciphertextBase64 + 4) }),
    'ciphertext not base64': edk({ ciphertext: 'not base64!' }),
    'ciphertext url-safe base64': edk({ ciphertext: 'ab-_' }),
    'ciphertext bad padding': edk({ ciphertext: 'abc' }),
    'context not an object': { ...g, encryptionContext: 'a=b' },
    'context array': { ...g, encryptionContext: [['a', 'b']] },
    'context value a number': { ...g, encryptionContext: { a: 1 } },
    'context value empty': { ...g, encryptionContext: { a: '' } },
    'context key too long': { ...g, encryptionContext: { ['k'.repeat(LIMITS.contextKey + 1)]: 'v' } },
    'context value too long': { ...g, encryptionContext: { k: 'v'.repeat(LIMITS.contextValue + 1) } },
    'too many pairs': { ...g, encryptionContext: Object.fromEntries(Array.from({ length: LIMITS.contextPairs + 1 }, (_, i) => [`k${i}`, 'v'])) },
    'user (not a field)': { ...g, user: 'alice' },
    'nonce missing': { ...g, nonce: undefined },
    'nonce short': { ...g, nonce: Buffer.alloc(31).toString('base64') },
    'nonce url-safe base64': { ...g, nonce: Buffer.alloc(32, 0xfb).toString('base64url') },
    'messageId missing': { ...g, messageId: undefined },
    'messageId of 20 bytes': { ...g, messageId: Buffer.alloc(20).toString('base64') },
  };
  for (const [name, body] of Object.entries(cases)) {
    assert.match(await refusal(body), /^InvalidRequest: /, name);
  }
  assert.equal(await refusal({ ...g, messageId: Buffer.alloc(16).toString('base64') }), 'accepted', 'a message format 1 id');
  // At the limits: accepted.
  const atLimit = { ...g, encryptionContext: Object.fromEntries(Array.from({ length: LIMITS.contextPairs }, (_, i) => [`k${i}`, 'v'.repeat(LIMITS.contextValue)])) };
  assert.equal(await refusal(atLimit), 'accepted');
});

test('the protocol\'s own refusals: UnsupportedProtocol, InvalidRecipientKey (400)', async () => {
  const g = good();
  const point = Buffer.from(recipient, 'base64');
  const cases = {
    'protocol missing': [{ ...g, protocol: undefined }, 'UnsupportedProtocol'],
    'protocol of another version': [{ ...g, protocol: 'callseal-unwrap/2' }, 'UnsupportedProtocol'],
    'recipient missing': [{ ...g, recipientPublicKey: undefined }, 'InvalidRecipientKey'],
    'recipient not a string': [{ ...g, recipientPublicKey: [...point] }, 'InvalidRecipientKey'],
    'recipient not base64': [{ ...g, recipientPublicKey: 'BAAA!' }, 'InvalidRecipientKey'],
    'recipient compressed': [{ ...g, recipientPublicKey: Buffer.concat([Buffer.from([2 + (point[64] & 1)]), point.subarray(1, 33)]).toString('base64') }, 'InvalidRecipientKey'],
    'recipient off the curve': [{ ...g, recipientPublicKey: Buffer.concat([point.subarray(0, 64), Buffer.from([point[64] ^ 1])]).toString('base64') }, 'InvalidRecipientKey'],
    'recipient the point at infinity': [{ ...g, recipientPublicKey: Buffer.alloc(1).toString('base64') }, 'InvalidRecipientKey'],
    'recipient of P-384': [{ ...g, recipientPublicKey: Buffer.concat([Buffer.from([4]), Buffer.alloc(96, 9)]).toString('base64') }, 'InvalidRecipientKey'],
  };
  for (const [name, [body, code]] of Object.entries(cases)) {
    const r = await refusal(body);
    assert.match(r, new RegExp(`^${code}: `), name);
    assert.equal(new BrokerError(code, '').status, 400);
  }
});

test('any difference from the object\'s context is a mismatch, including prototype-named pairs', async () => {
  const expected = good().encryptionContext;
  assert.equal(contextMismatch(expected, { ...expected }), undefined);
  // Only the ESDK signing key may be extra (the listing may not record it).
  assert.equal(contextMismatch(expected, { ...expected, 'aws-crypto-public-key': 'AkL...' }), undefined);
  assert.match(contextMismatch(expected, { ...expected, extra: 'x' }), /unexpected key "extra"/);
  assert.match(contextMismatch(expected, { 'aws:connect:contact-id': 'c0ffee00' }), /missing "callseal:kind"/);
  assert.match(contextMismatch(expected, { ...expected, 'callseal:kind': 'transcript' }), /"callseal:kind" does not match/);
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    // Sent as JSON, parsed as the server does: the pair must survive parsing and be refused.
    const body = JSON.parse(JSON.stringify(good()).replace('"callseal:kind"', `"${name}":"x","callseal:kind"`));
    const parsed = await parseUnwrapRequest(body);
    assert.equal(parsed.encryptionContext[name], 'x', `${name} dropped by parsing`);
    assert.match(contextMismatch(expected, parsed.encryptionContext) ?? 'matched', new RegExp(`unexpected key "${name}"`), name);
    // ... and an object context holding such a pair requires it.
    assert.match(contextMismatch({ ...expected, [name]: 'x' }, { ...expected }) ?? 'matched', /missing/, name);
  }
});

test('rate limiter: bursts up to the limit per user, refills continuously, says when to retry', () => {
  let now = 1_000_000;
  const rl = new RateLimiter(6, () => now); // 6 per minute = one per 10 s
  for (let i = 0; i < 6; i++) assert.equal(rl.take('alice'), 0, `token ${i}`);
  const wait = rl.take('alice');
  assert.ok(wait >= 1 && wait <= 10, `retry in ${wait} s`);
  assert.equal(rl.take('carol'), 0, 'another user has their own bucket');
  now += 5_000;
  assert.ok(rl.take('alice') > 0, 'half a token is not a token');
  now += 5_000;
  assert.equal(rl.take('alice'), 0, 'one token after 10 s');
  assert.ok(rl.take('alice') > 0);
  now += 3_600_000;
  for (let i = 0; i < 6; i++) assert.equal(rl.take('alice'), 0);
  assert.ok(rl.take('alice') > 0, 'the bucket never holds more than the limit');
});

test('SECURITY.md and the broker README state the unwrap protocol the code speaks, and no longer a key sent as bytes or base64', async () => {
  const { readFile } = await import('node:fs/promises');
  const security = await readFile(new URL('../../SECURITY.md', import.meta.url), 'utf8');
  const readme = await readFile(new URL('../../www/broker/README.md', import.meta.url), 'utf8');
  for (const [name, text] of [['SECURITY.md', security], ['www/broker/README.md', readme]]) {
    const flat = text.replace(/\s+/g, ' ');
    assert.ok(flat.includes(protocol.UNWRAP_PROTOCOL), `${name} names ${protocol.UNWRAP_PROTOCOL}`);
    assert.ok(flat.includes('DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-256-GCM') && protocol.UNWRAP_HPKE_SUITE === 'DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-256-GCM', `${name} names the suite`);
    for (const code of Object.keys(protocol.UNWRAP_ERRORS)) assert.ok(flat.includes(`\`${code}\``), `${name} names ${code}`);
    assert.doesNotMatch(flat, /application\/octet-stream|X-Callseal-Key-Id|X-Callseal-Object-Id|isBase64Encoded: true|IdentityMismatch/, name);
  }
  // Every field of the request is documented in the broker README's route table.
  for (const f of protocol.UNWRAP_REQUEST_FIELDS) assert.ok(readme.includes(f), `the broker README names the request field ${f}`);
});
