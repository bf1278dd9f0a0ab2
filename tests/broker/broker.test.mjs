// The key broker, run as a process against the real local stack and the real sample data.
// Tests that need callseal's policy engine (the npm package in pkg/, built by `make build`) are
// skipped, with that reason, while pkg/ does not export `evaluate`; everything else runs always.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { KMSClient, DecryptCommand, EncryptCommand } from '@aws-sdk/client-kms';
import { tsImport } from 'tsx/esm/api';
import { Aes256Gcm, CipherSuite, DhkemP256HkdfSha256, HkdfSha256 } from '@hpke/core';
import {
  ensureStack, startBroker, readAudit, getObject, edkAndContext, CallbackKeyring, esdk, sha256, api, tokenOf, policyEngineMissing,
  unwrap, unwrapBody as requestBody, unwrapRequestBody, openAnswer, protocol, subjectOf, keyTextForms,
} from './helpers.mjs';

let env, manifest, cfg, index, broker, engine;
const wav = () => index.contacts.flatMap((c) => c.objects).find((o) => o.id.endsWith('.recording.wav') && o.ciphertextLength < 4 << 20);
const transcriptOf = (o) => index.contacts.flatMap((c) => c.objects).find((x) => x.id === `${o.id.split('.')[0]}.transcript.json`);
const lastAudit = () => readAudit(broker.auditPath).at(-1);
const isJsonError = (r) => /^application\/json\b/.test(r.headers.get('content-type') ?? '') && typeof r.json?.error?.code === 'string';

/** Body of an unwrap request for an object, from its stored header (parsed by the official ESDK), with a fresh recipient key. */
const unwrapBody = (o) => requestBody({ cfg, env }, o);

before(async () => {
  ({ env, manifest, cfg } = ensureStack());
  index = { contacts: manifest.contacts };
  broker = await startBroker(env);
  engine = await policyEngineMissing(broker.url);
});
after(() => broker?.stop());

describe('requests refused before authorisation (always run)', () => {
  test('security headers, and CORS only for the page origin', async () => {
    const h = await api(broker.url, '/healthz');
    assert.equal(h.status, 200);
    assert.equal(h.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(h.headers.get('cache-control'), 'no-store');
    assert.match(h.headers.get('content-security-policy'), /default-src 'none'/);
    assert.equal(h.headers.get('x-frame-options'), 'DENY');
    assert.equal(h.headers.get('access-control-allow-origin'), null);

    const page = env.CALLSEAL_ALLOWED_ORIGINS.split(',')[0];
    const pre = await api(broker.url, '/api/unwrap', { method: 'OPTIONS', headers: { Origin: page, 'Access-Control-Request-Method': 'POST' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), page);
    assert.match(pre.headers.get('access-control-allow-headers'), /\bauthorization\b/i);
    assert.equal(pre.headers.get('access-control-max-age'), '600');
    // The player's warm-up (lib/broker.ts warmUp): an OPTIONS request itself, preflighted as
    // OPTIONS, answered like a preflight with no body and no audit record.
    const before = readAudit(broker.auditPath).length;
    const warmPre = await api(broker.url, '/api/unwrap', { method: 'OPTIONS', headers: { Origin: page, 'Access-Control-Request-Method': 'OPTIONS', 'Access-Control-Request-Headers': 'content-type,authorization' } });
    assert.equal(warmPre.status, 204);
    assert.match(warmPre.headers.get('access-control-allow-methods'), /\bOPTIONS\b/);
    const warm = await api(broker.url, '/api/unwrap', { method: 'OPTIONS', user: 'alice', headers: { Origin: page, 'content-type': 'application/json' } });
    assert.equal(warm.status, 204);
    assert.equal(warm.text, '');
    assert.equal(readAudit(broker.auditPath).length, before, 'nothing audited');
    const evilPre = await api(broker.url, '/api/unwrap', { method: 'OPTIONS', headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' } });
    assert.equal(evilPre.status, 403);
    assert.equal(evilPre.headers.get('access-control-allow-origin'), null);

    const evil = await api(broker.url, '/api/me', { user: 'alice', headers: { Origin: 'http://evil.example' } });
    assert.equal(evil.status, 403);
    assert.equal(evil.json.error.code, 'OriginNotAllowed');
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
  });

  test('missing or invalid tokens are refused and audited', async () => {
    const none = await api(broker.url, '/api/me');
    assert.equal(none.status, 401);
    assert.equal(none.json.error.code, 'InvalidToken');
    const forged = await api(broker.url, '/api/unwrap', { token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0.', method: 'POST', body: await unwrapBody(wav()) });
    assert.equal(forged.status, 401);
    assert.equal(forged.json.error.code, 'InvalidToken');
    const rec = lastAudit();
    assert.equal(rec.requestID, forged.json.error.requestId);
    assert.equal(rec.errorCode, 'InvalidToken');
    assert.equal(rec.userIdentity.type, 'Unknown');
    assert.equal((await api(broker.url, '/api/me', { user: 'alice' })).json.role, 'Supervisor');
  });

  test('a source that keeps sending invalid tokens is throttled (429); the first refusal of each kind audited in full, the rest counted', async () => {
    const limited = await startBroker(env, { CALLSEAL_REFUSED_PER_MINUTE: '2' });
    try {
      const codes = [];
      for (const token of ['a.b.c', 'd.e.f', 'g.h.i']) codes.push((await api(limited.url, '/api/me', { token })).json.error.code);
      assert.deepEqual(codes, ['InvalidToken', 'InvalidToken', 'Throttling']);
      const r = await api(limited.url, '/api/me', { token: 'j.k.l' });
      assert.equal(r.status, 429);
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
      // Known users are not held back by the refusals.
      assert.equal((await api(limited.url, '/api/me', { user: 'alice' })).json.role, 'Supervisor');
    } finally {
      await limited.stop();
    }
    // Full records for the first refusal of each kind; the window's summary (written at stop) counts the rest.
    const records = readAudit(limited.auditPath);
    assert.deepEqual(records.filter((a) => a.errorCode && a.eventName !== 'RefusalSummary').map((a) => a.errorCode), ['InvalidToken', 'Throttling']);
    assert.deepEqual(records.filter((a) => a.eventName === 'RefusalSummary').map((a) => [a.errorCode, a.additionalEventData.count]).sort(),
      [['InvalidToken', 1], ['Throttling', 1]]);
  });

  test('malformed, oversized and mistyped unwrap requests get typed refusals, each audited', async () => {
    const good = await unwrapBody(wav());
    const cases = [
      [{ body: '{"objectId": ', status: 400, code: 'InvalidRequest' }],
      [{ body: JSON.stringify(good), headers: { 'content-type': 'text/plain' }, status: 415, code: 'UnsupportedMediaType' }],
      [{ body: JSON.stringify({ ...good, pad: 'x'.repeat(20_000) }), status: 413, code: 'RequestTooLarge' }],
      [{ body: { ...good, extra: 1 }, status: 400, code: 'InvalidRequest' }],
      [{ body: { ...good, objectId: '../etc/passwd' }, status: 400, code: 'InvalidRequest' }],
      [{ body: { ...good, encryptedDataKey: { ...good.encryptedDataKey, ciphertext: 'not base64!' } }, status: 400, code: 'InvalidRequest' }],
      [{ body: { ...good, encryptionContext: { a: 1 } }, status: 400, code: 'InvalidRequest' }],
      [{ body: { ...good, encryptedDataKey: { ...good.encryptedDataKey, providerId: 'raw-aes' } }, status: 400, code: 'UnsupportedKeyProvider' }],
      [{ body: { ...good, encryptedDataKey: { ...good.encryptedDataKey, providerInfo: env.CALLSEAL_KMS_KEY_ARN.replace(/.{4}$/, '0000') } }, status: 403, code: 'KeyNotAllowed' }],
      [{ body: { ...good, objectId: 'no-such-object.recording.wav' }, status: 404, code: 'ObjectNotFound' }],
      [{ body: { ...good, user: 'carol' }, status: 400, code: 'InvalidRequest' }],
    ];
    for (const [c] of cases) {
      const r = await api(broker.url, '/api/unwrap', { user: 'alice', method: 'POST', body: c.body, headers: c.headers });
      assert.equal(r.status, c.status, `${c.code}: ${r.text}`);
      assert.ok(isJsonError(r), `${c.code}: a refusal is JSON (${r.headers.get('content-type')})`);
      assert.equal(r.json.error.code, c.code);
      const rec = lastAudit();
      assert.equal(rec.requestID, r.json.error.requestId);
      assert.equal(rec.eventName, 'Decrypt');
      assert.equal(rec.errorCode, c.code);
      assert.equal(rec.userIdentity.arn, `arn:aws:sts::${env.CALLSEAL_ACCOUNT_ID}:assumed-role/callseal-Supervisor/alice`);
    }
    const wrongMethod = await api(broker.url, '/api/unwrap', { user: 'alice' });
    assert.equal(wrongMethod.status, 405);
  });

  test('an unwrap request without the protocol\'s fields is refused before KMS: UnsupportedProtocol, InvalidRecipientKey (400), each audited', async () => {
    const own = await startBroker(env); // alice's full refusal records per window are counted: a broker of this test's own
    try {
      const good = await unwrapBody(wav());
      const cases = [
        [{ ...good, protocol: undefined }, 'UnsupportedProtocol'],
        [{ ...good, protocol: 'callseal-unwrap/0' }, 'UnsupportedProtocol'],
        [{ ...good, recipientPublicKey: undefined }, 'InvalidRecipientKey'],
        [{ ...good, recipientPublicKey: 'not base64!' }, 'InvalidRecipientKey'],
        // 65 bytes, 0x04 first, but (x, y) not on P-256.
        [{ ...good, recipientPublicKey: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64') }, 'InvalidRecipientKey'],
        // A compressed point (33 bytes): the protocol takes uncompressed ones.
        [{ ...good, recipientPublicKey: Buffer.from(good.recipientPublicKey, 'base64').subarray(0, 33).toString('base64') }, 'InvalidRecipientKey'],
        [{ ...good, nonce: Buffer.alloc(8).toString('base64') }, 'InvalidRequest'],
        [{ ...good, messageId: undefined }, 'InvalidRequest'],
      ];
      for (const [body, code] of cases) {
        const r = await api(own.url, '/api/unwrap', { user: 'alice', method: 'POST', body });
        assert.equal(r.status, 400, `${code}: ${r.text}`);
        assert.ok(isJsonError(r));
        assert.equal(r.json.error.code, code);
        const rec = readAudit(own.auditPath).find((a) => a.requestID === r.json.error.requestId);
        assert.equal(rec.eventName, 'Decrypt');
        assert.equal(rec.errorCode, code);
      }
    } finally {
      await own.stop();
    }
  });

  test('a context that is not the requested object\'s is refused (EncryptionContextMismatch) and audited', async () => {
    const o = wav();
    const good = await unwrapBody(o);
    const variants = [
      // another contact's id
      { ...good, encryptionContext: { ...good.encryptionContext, 'aws:connect:contact-id': '00000000-0000-4000-8000-000000000000' } },
      // the recording's key + context presented as the transcript
      { ...good, objectId: transcriptOf(o).id },
      // an extra pair
      { ...good, encryptionContext: { ...good.encryptionContext, 'callseal:note': 'x' } },
      // a pair left out
      { ...good, encryptionContext: Object.fromEntries(Object.entries(good.encryptionContext).filter(([k]) => k !== 'callseal:kind')) },
    ];
    for (const body of variants) {
      const r = await api(broker.url, '/api/unwrap', { user: 'alice', method: 'POST', body });
      assert.equal(r.status, 403, r.text);
      assert.ok(isJsonError(r), 'a refusal is JSON');
      assert.equal(r.json.error.code, 'EncryptionContextMismatch');
      assert.equal(r.json.dataKey, undefined);
      const rec = lastAudit();
      assert.equal(rec.errorCode, 'EncryptionContextMismatch');
      assert.equal(rec.eventSource, 'kms.amazonaws.com');
      assert.deepEqual(rec.requestParameters.encryptionContext, body.encryptionContext);
      assert.equal(rec.requestParameters.keyId, env.CALLSEAL_KMS_KEY_ARN);
      assert.equal(rec.resources[0].ARN, env.CALLSEAL_KMS_KEY_ARN);
    }
  });

  test('unwraps are rate-limited per user (429 + Retry-After), and the refusal is audited', async () => {
    const limited = await startBroker(env, { CALLSEAL_UNWRAP_PER_MINUTE: '2' });
    try {
      const body = { ...(await unwrapBody(wav())), objectId: 'no-such-object.recording.wav' };
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push((await api(limited.url, '/api/unwrap', { user: 'alice', method: 'POST', body })).json.error.code);
      assert.deepEqual(codes, ['ObjectNotFound', 'ObjectNotFound', 'Throttling']);
      const r = await api(limited.url, '/api/unwrap', { user: 'alice', method: 'POST', body });
      assert.equal(r.status, 429);
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
      // another user has their own bucket
      assert.equal((await api(limited.url, '/api/unwrap', { user: 'carol', method: 'POST', body })).json.error.code, 'ObjectNotFound');
      assert.equal(readAudit(limited.auditPath).filter((a) => a.errorCode === 'Throttling').length, 2);
    } finally {
      await limited.stop();
    }
  });
});

/** The broker's own kmsUnwrap and KMS client (www/broker/src/aws.ts), configured for the local stack. */
async function brokerKms() {
  const { kmsUnwrap, makeClients } = await tsImport('../../www/broker/src/aws.ts', import.meta.url);
  const { loadConfig } = await tsImport('../../www/broker/src/config.ts', import.meta.url);
  // the broker takes credentials from the SDK's default chain: here, the local stack's
  process.env.AWS_ACCESS_KEY_ID = env.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = env.AWS_SECRET_ACCESS_KEY;
  return { kmsUnwrap, kms: makeClients(loadConfig({ ...env })).kms };
}

describe('the broker\'s KMS unwrap (www/broker/src/aws.ts) against moto (always run)', () => {
  test('returns the data key that decrypts the sample with the official ESDK; a changed context fails at KMS', async () => {
    const { kmsUnwrap, kms } = await brokerKms();
    const o = wav();
    const ciphertext = await getObject(cfg, env.CALLSEAL_BUCKET, o.key);
    let seen;
    const keyring = new CallbackKeyring(async (edk, context) => {
      const { dataKey } = await kmsUnwrap(kms, env.CALLSEAL_KMS_KEY_ARN, Buffer.from(edk.ciphertext, 'base64'), context);
      seen = { edk, context, dataKey: Buffer.from(dataKey) };
      return dataKey;
    });
    const { plaintext } = await esdk.decrypt(keyring, ciphertext);
    assert.equal(sha256(plaintext), manifest.objects.find((m) => m.id === o.id).plainSha256);
    assert.equal(seen.dataKey.length, 32);

    const changed = { ...seen.context, 'aws:connect:contact-id': '00000000-0000-4000-8000-000000000000' };
    await assert.rejects(
      kmsUnwrap(kms, env.CALLSEAL_KMS_KEY_ARN, Buffer.from(seen.edk.ciphertext, 'base64'), changed),
      (e) => e.code === 'InvalidCiphertext',
    );
  });
});

describe('the broker\'s KMS unwrap: data key lengths (always run)', () => {
  test('AES-128/192/256 data keys (16, 24, 32 bytes) come back as KMS wrapped them; any other length is refused', async () => {
    const { kmsUnwrap, kms } = await brokerKms();
    const context = { 'aws:connect:contact-id': '11111111-1111-4111-8111-111111111111' };
    const wrap = async (bytes) => Buffer.from((await kms.send(new EncryptCommand({
      KeyId: env.CALLSEAL_KMS_KEY_ARN, Plaintext: bytes, EncryptionContext: context,
    }))).CiphertextBlob);
    for (const n of [16, 24, 32]) {
      const key = new Uint8Array(n).map((_, i) => i + n);
      const { dataKey } = await kmsUnwrap(kms, env.CALLSEAL_KMS_KEY_ARN, await wrap(key), context);
      assert.deepEqual(new Uint8Array(dataKey), key, `${n} bytes`);
    }
    for (const n of [20, 33]) {
      await assert.rejects(
        kmsUnwrap(kms, env.CALLSEAL_KMS_KEY_ARN, await wrap(new Uint8Array(n).fill(7)), context),
        (e) => e.code === 'InvalidCiphertext' && new RegExp(`${n} bytes, expected 16, 24 or 32`).test(e.message),
      );
    }
  });
});

describe('the player\'s broker client (www/lib/broker.ts) (needs pkg/ for the granted unwrap)', () => {
  let client;
  // The pages' tsconfig: its paths resolve `callseal/suites` to the built package.
  before(async () => { client = await tsImport('../../www/lib/broker.ts', { parentURL: import.meta.url, tsconfig: `${import.meta.dirname}/../../www/tsconfig.json` }); });

  test('unwrapRequest: the key as a Uint8Array, exactly KMS\'s; a refusal is a BrokerError with the broker\'s code', async (t) => {
    if (engine) return t.skip(engine);
    const body = await unwrapBody(wav());
    const req = { messageId: body.messageId, encryptedDataKey: body.encryptedDataKey, encryptionContext: body.encryptionContext };
    const key = await new client.Broker(`${broker.url}/`, await tokenOf('alice')).unwrapRequest(body.objectId, req, 32);
    assert.ok(key instanceof Uint8Array);
    const direct = await new KMSClient(cfg.kms).send(new DecryptCommand({
      CiphertextBlob: Buffer.from(req.encryptedDataKey.ciphertext, 'base64'), EncryptionContext: req.encryptionContext, KeyId: env.CALLSEAL_KMS_KEY_ARN,
    }));
    assert.deepEqual(Buffer.from(key), Buffer.from(direct.Plaintext));
    // Asked with another suite's key length (a 16-byte suite): refused, not returned.
    await assert.rejects(new client.Broker(`${broker.url}/`, await tokenOf('alice')).unwrapRequest(body.objectId, req, 16),
      (e) => e.name === 'BrokerError' && e.code === 'BadResponse' && /32 bytes/.test(e.message));
    await assert.rejects(new client.Broker(`${broker.url}/`, await tokenOf('bob')).unwrapRequest(body.objectId, req),
      (e) => e.name === 'BrokerError' && e.status === 403 && e.code === 'AccessDenied');
    await assert.rejects(new client.Broker(`${broker.url}/`, await tokenOf('alice')).unwrapRequest('no-such-object.recording.wav', req),
      (e) => e.name === 'BrokerError' && e.status === 404 && e.code === 'ObjectNotFound');
  });

  test('an answer that is not the data key sealed to this request is refused: the key as bytes or base64 JSON, sealed to another key, for another nonce or object, altered; a body cut short is UNREACHABLE', async () => {
    const key = Buffer.alloc(32, 7);
    const other = await protocol.newRecipient();
    /** The answer a broker would give to `body`, sealed to `to` (the request's key unless given) and bound to `binding`. */
    const sealed = async (body, { to, binding = {}, objectId = body.objectId } = {}) => {
      const recipient = await protocol.importRecipientKey(to ?? Buffer.from(body.recipientPublicKey, 'base64'));
      const s = await protocol.sealDataKey(recipient, key, { objectId: body.objectId, messageId: body.messageId, subject: 'page-user', nonce: body.nonce, ...binding });
      return { protocol: protocol.UNWRAP_PROTOCOL, objectId, keyId: 'k', enc: protocol.toBase64(s.enc), sealedKey: protocol.toBase64(s.sealedKey) };
    };
    const json = (res, body) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(body)); };
    const answers = {
      bytes: (res) => { res.setHeader('content-type', 'application/octet-stream'); res.end(key); },
      base64: (res) => json(res, { dataKey: key.toString('base64'), keyId: 'k', objectId: 'o' }),
      'other-key': async (res, body) => json(res, await sealed(body, { to: other.publicKey })),
      'other-nonce': async (res, body) => json(res, await sealed(body, { binding: { nonce: protocol.toBase64(protocol.newNonce()) } })),
      'other-subject': async (res, body) => json(res, await sealed(body, { binding: { subject: 'someone-else' } })),
      'other-object': async (res, body) => json(res, await sealed(body, { objectId: 'another' })),
      altered: async (res, body) => {
        const a = await sealed(body);
        const ct = Buffer.from(a.sealedKey, 'base64');
        ct[0] ^= 1;
        json(res, { ...a, sealedKey: ct.toString('base64') });
      },
      // Promises 400 bytes, sends 10, then the connection drops.
      dropped: (res) => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' }); res.write('{"protocol"', () => res.socket.destroy()); },
      ok: async (res, body) => json(res, await sealed(body)),
    };
    const server = createServer(async (req, res) => {
      let text = '';
      for await (const c of req) text += c;
      await answers[req.url.split('/')[1]](res, JSON.parse(text));
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${server.address().port}`;
    // A token whose subject the answer is bound to (the fake broker verifies nothing).
    const token = `e30.${Buffer.from(JSON.stringify({ sub: 'page-user' })).toString('base64url')}.sig`;
    const req = { messageId: Buffer.alloc(32, 3).toString('base64'), encryptedDataKey: { providerId: 'aws-kms', providerInfo: 'k', ciphertext: 'AA==' }, encryptionContext: {} };
    try {
      for (const [path, why] of [
        ['bytes', /application\/octet-stream.*not application\/json/], ['base64', /not callseal-unwrap\/1/], ['other-object', /another object/],
        ['other-key', /does not open/], ['other-nonce', /does not open/], ['other-subject', /does not open/], ['altered', /does not open/],
      ]) {
        await assert.rejects(new client.Broker(`${base}/${path}/`, token).unwrapRequest('o', req),
          (e) => e.name === 'BrokerError' && e.code === 'BadResponse' && why.test(e.message), path);
      }
      await assert.rejects(new client.Broker(`${base}/dropped/`, token).unwrapRequest('o', req),
        (e) => e.name === 'BrokerError' && e.code === 'UNREACHABLE' && /stopped mid-answer/.test(e.message), 'dropped');
      assert.deepEqual(Buffer.from(await new client.Broker(`${base}/ok/`, token).unwrapRequest('o', req)), key);
    } finally {
      server.close();
    }
  });

  test('checkKeyLength: a key asked for before the header is checked against the header\'s suite, wiped when wrong', () => {
    const header = { suiteId: 0x0578, suite: '0578', dataKeyLength: 32 };
    const k32 = new Uint8Array(32).fill(1);
    assert.equal(client.checkKeyLength(k32, header), k32);
    const k16 = new Uint8Array(16).fill(1);
    assert.throws(() => client.checkKeyLength(k16, header), (e) => e.code === 'BadResponse' && /suite 0578 takes 32-byte/.test(e.message));
    assert.ok(k16.every((b) => b === 0), 'the refused key is zero-filled');
  });
});

describe('authorised by callseal\'s policy engine (needs pkg/)', () => {
  test('Supervisor: unwrap answers the data key sealed to the request\'s key (HPKE): no form of the key in the answer; it opens to what KMS Decrypt returns and decrypts the sample (official ESDK); audited, never the key nor the sealed key', async (t) => {
    if (engine) return t.skip(engine);
    const o = wav();
    const ciphertext = await getObject(cfg, env.CALLSEAL_BUCKET, o.key);
    const page = env.CALLSEAL_ALLOWED_ORIGINS.split(',')[0];
    const body = await unwrapBody(o);
    // From the page's origin, as the player's worker asks (CORS).
    const r = await api(broker.url, '/api/unwrap', { user: 'alice', method: 'POST', headers: { Origin: page }, body });
    assert.equal(r.status, 200, r.text);
    const key = await openAnswer(r.json, body, 'alice');
    const { plaintext } = await esdk.decrypt(new CallbackKeyring(async () => key), ciphertext);
    assert.equal(sha256(plaintext), manifest.objects.find((m) => m.id === o.id).plainSha256);

    const direct = await new KMSClient(cfg.kms).send(new DecryptCommand({
      CiphertextBlob: Buffer.from(body.encryptedDataKey.ciphertext, 'base64'), EncryptionContext: body.encryptionContext, KeyId: env.CALLSEAL_KMS_KEY_ARN,
    }));
    assert.equal(direct.Plaintext.length, 32);
    assert.deepEqual(key, Buffer.from(direct.Plaintext));
    // The answer: JSON of the protocol, the key nowhere in its bytes, in no encoding.
    assert.match(r.headers.get('content-type'), /^application\/json\b/);
    assert.deepEqual(Object.keys(r.json).sort(), ['enc', 'keyId', 'objectId', 'protocol', 'sealedKey']);
    assert.equal(r.json.protocol, 'callseal-unwrap/1');
    assert.equal(r.json.keyId, env.CALLSEAL_KMS_KEY_ARN);
    assert.equal(r.json.objectId, o.id);
    assert.equal(Buffer.from(r.json.enc, 'base64').length, 65);
    assert.equal(Buffer.from(r.json.sealedKey, 'base64').length, 32 + 16);
    assert.ok(!r.bytes.includes(key), 'the key\'s bytes are not in the answer');
    for (const form of keyTextForms(key)) assert.ok(!r.text.includes(form), 'no text form of the key in the answer');
    assert.equal(r.headers.get('access-control-allow-origin'), page);
    assert.ok(r.headers.get('access-control-expose-headers').toLowerCase().split(/\s*,\s*/).includes('x-request-id'));
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');

    const rec = readAudit(broker.auditPath).find((a) => a.requestID === r.headers.get('x-request-id'));
    assert.equal(rec.eventName, 'Decrypt');
    assert.equal(rec.errorCode, undefined);
    assert.equal(rec.userIdentity.arn, `arn:aws:sts::${env.CALLSEAL_ACCOUNT_ID}:assumed-role/callseal-Supervisor/alice`);
    assert.deepEqual(rec.requestParameters.encryptionContext, body.encryptionContext);
    assert.equal(rec.requestParameters.keyId, env.CALLSEAL_KMS_KEY_ARN);
    assert.equal(rec.additionalEventData.objectId, o.id);
    assert.equal(rec.additionalEventData.protocol, 'callseal-unwrap/1');
    assert.equal(rec.additionalEventData.nonce, body.nonce);
    assert.equal(rec.additionalEventData.recipientKeySha256, sha256(Buffer.from(body.recipientPublicKey, 'base64')));
    assert.equal(rec.responseElements, null);
    const auditText = readFileSync(broker.auditPath, 'utf8');
    for (const form of [...keyTextForms(key), r.json.sealedKey, r.json.enc]) {
      assert.ok(!auditText.includes(form), 'the audit log holds neither the key nor the sealed answer');
      assert.ok(!broker.log().includes(form), 'the broker\'s log holds neither the key nor the sealed answer');
    }
  });

  test('a sealed answer opens only with the request\'s private key, for the request\'s binding (aad) and the protocol\'s info', async (t) => {
    if (engine) return t.skip(engine);
    const body = await unwrapBody(wav());
    const r = await api(broker.url, '/api/unwrap', { user: 'alice', method: 'POST', body });
    assert.equal(r.status, 200, r.text);
    assert.equal((await openAnswer(r.json, body, 'alice')).length, 32, 'it opens for its own request');
    const binding = { objectId: body.objectId, messageId: body.messageId, subject: subjectOf(await tokenOf('alice')), nonce: body.nonce };
    // Another private key (another page, or this page's other request) cannot open it.
    const other = await protocol.newRecipient();
    await assert.rejects(protocol.openDataKey(other.keyPair, r.json, binding), (e) => e.name === 'OpenError');
    // The same private key, any field of the binding changed: the AEAD refuses it.
    const otherContact = index.contacts.flatMap((c) => c.objects).find((x) => x.id !== body.objectId).id;
    for (const change of [{ objectId: otherContact }, { messageId: Buffer.alloc(32).toString('base64') }, { nonce: protocol.toBase64(protocol.newNonce()) }]) {
      await assert.rejects(openAnswer(r.json, body, 'alice', change), (e) => e.name === 'OpenError', JSON.stringify(change));
    }
    await assert.rejects(openAnswer(r.json, body, 'carol'), (e) => e.name === 'OpenError', 'another user\'s subject');
    // The protocol's info is part of the key schedule: opened under another info, it fails; under
    // the protocol's, with the request's aad, it opens (the same library, called directly).
    const suite = new CipherSuite({ kem: new DhkemP256HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
    const pair = await protocol.newRecipient();
    const own = { ...body, recipientPublicKey: protocol.toBase64(pair.publicKey) };
    const r3 = await api(broker.url, '/api/unwrap', { user: 'alice', method: 'POST', body: own });
    assert.equal(r3.status, 200, r3.text);
    const aad = protocol.bindingAad({ objectId: own.objectId, messageId: own.messageId, subject: subjectOf(await tokenOf('alice')), nonce: own.nonce });
    const open = (info) => suite.open({ recipientKey: pair.keyPair, enc: Buffer.from(r3.json.enc, 'base64'), info: new TextEncoder().encode(info) }, Buffer.from(r3.json.sealedKey, 'base64'), aad);
    assert.equal((await open('callseal-unwrap/1')).byteLength, 32);
    for (const info of ['callseal-unwrap/2', '', 'callseal-unwrap/1 ']) await assert.rejects(open(info), (e) => e.name === 'OpenError', JSON.stringify(info));
  });

  test('Administrator may unwrap; Agent is refused (AccessDenied) and the refusal is audited', async (t) => {
    if (engine) return t.skip(engine);
    const body = await unwrapBody(transcriptOf(wav()));
    const carol = await unwrap(broker.url, body, { user: 'carol' });
    assert.equal(carol.status, 200, carol.text);
    assert.equal(carol.key.length, 32);

    // A refusal after authorisation is still JSON with its code (the page tells the two apart by
    // status and content type).
    const bob = await api(broker.url, '/api/unwrap', { user: 'bob', method: 'POST', body });
    assert.equal(bob.status, 403, bob.text);
    assert.ok(isJsonError(bob), `a refusal is JSON (${bob.headers.get('content-type')})`);
    assert.equal(bob.json.error.code, 'AccessDenied');
    assert.equal(bob.json.dataKey, undefined);
    const rec = readAudit(broker.auditPath).find((a) => a.requestID === bob.json.error.requestId);
    assert.equal(rec.errorCode, 'AccessDenied');
    assert.equal(rec.userIdentity.arn, `arn:aws:sts::${env.CALLSEAL_ACCOUNT_ID}:assumed-role/callseal-Agent/bob`);
    assert.deepEqual(rec.requestParameters.encryptionContext, body.encryptionContext);
  });

  test('pre-signed URLs only for readers; the URL serves Range requests', async (t) => {
    if (engine) return t.skip(engine);
    const o = wav();
    const alice = await api(broker.url, `/api/objects/${o.id}/url`, { user: 'alice' });
    assert.equal(alice.status, 200, alice.text);
    const res = await fetch(alice.json.url, { headers: { Range: 'bytes=0-2' } });
    assert.equal(res.status, 206);
    assert.deepEqual([...Buffer.from(await res.arrayBuffer())], [0x02, 0x05, 0x78]);
    assert.ok(Date.parse(alice.json.expiresAt) - Date.now() <= 300_000);

    const bob = await api(broker.url, `/api/objects/${o.id}/url`, { user: 'bob' });
    assert.equal(bob.status, 403);
    assert.equal(bob.json.error.code, 'AccessDenied');
    assert.equal(readAudit(broker.auditPath).find((a) => a.requestID === bob.json.error.requestId).errorCode, 'AccessDenied');
    assert.equal((await api(broker.url, '/api/objects/nope/url', { user: 'alice' })).json.error.code, 'ObjectNotFound');
  });

  test('listing: for readable objects only, a pre-signed URL (audited) and the header facts an unwrap is made of', async (t) => {
    if (engine) return t.skip(engine);
    const r = await api(broker.url, '/api/recordings', { user: 'alice' });
    assert.equal(r.status, 200, r.text);
    const requestId = r.headers.get('x-request-id');
    const listed = r.json.contacts.flatMap((c) => c.objects);
    const o = listed.find((x) => x.id === wav().id);
    assert.ok(o.url && o.header, 'a readable object carries its URL and header facts');
    assert.equal(o.urlExpiresInSeconds, 300);
    assert.ok(Math.abs(Date.parse(o.urlExpiresAt) - Date.now() - 300_000) < 10_000);
    // The URL serves Range requests of the object.
    const res = await fetch(o.url, { headers: { Range: 'bytes=0-2' } });
    assert.equal(res.status, 206);
    assert.deepEqual([...Buffer.from(await res.arrayBuffer())], [0x02, 0x05, 0x78]);
    // The facts are the object's own header, as the official ESDK reads it.
    const stored = await getObject(cfg, env.CALLSEAL_BUCKET, wav().key);
    const { edk, context, messageId } = await edkAndContext(stored);
    assert.deepEqual(o.header.encryptedDataKeys, [edk]);
    assert.deepEqual(o.header.encryptionContext, context);
    assert.equal(o.header.messageId, messageId);
    // One audit record per URL signed for the listing, like /api/objects/:id/url.
    const audited = readAudit(broker.auditPath).filter((a) => a.requestID === requestId && a.eventName === 'GetObject');
    assert.equal(audited.length, listed.filter((x) => x.url).length);
    assert.ok(audited.every((a) => a.additionalEventData.presigned && a.additionalEventData.via === 'listing' && !a.errorCode));
    // The unwrap request made of them alone is granted (same checks as ever) and the key decrypts.
    const body = await unwrapRequestBody({ objectId: o.id, messageId: o.header.messageId, encryptedDataKey: o.header.encryptedDataKeys[0], encryptionContext: o.header.encryptionContext });
    const u = await unwrap(broker.url, body, { user: 'alice' });
    assert.equal(u.status, 200, u.text);
    const { plaintext } = await esdk.decrypt(new CallbackKeyring(async () => u.key), stored);
    assert.equal(sha256(plaintext), manifest.objects.find((m) => m.id === o.id).plainSha256);
    // A second listing (cached facts) gives the same facts and a URL of its own.
    const again = (await api(broker.url, '/api/recordings', { user: 'alice' })).json.contacts.flatMap((c) => c.objects).find((x) => x.id === o.id);
    assert.deepEqual(again.header, o.header);

    // An Agent may not read: no contact listed, no URL signed.
    const bob = await api(broker.url, '/api/recordings', { user: 'bob' });
    assert.equal(bob.status, 200, bob.text);
    assert.deepEqual(bob.json.contacts, []);
    assert.equal(readAudit(broker.auditPath).filter((a) => a.requestID === bob.headers.get('x-request-id') && a.eventName === 'GetObject').length, 0);
  });

  test('listing: the contacts a user may read, every one for Supervisor and Administrator, none for an Agent', async (t) => {
    if (engine) return t.skip(engine);
    for (const [user, listed] of [['alice', index.contacts.length], ['carol', index.contacts.length], ['bob', 0]]) {
      const r = await api(broker.url, '/api/recordings', { user });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.contacts.length, listed, `${user} is listed ${listed} contacts`);
      // The listing's audit record names exactly the contacts shown.
      const record = readAudit(broker.auditPath).find((a) => a.requestID === r.headers.get('x-request-id') && a.eventName === 'SearchContacts');
      assert.deepEqual(record.additionalEventData.contactIds, r.json.contacts.map((c) => c.contactId));
      for (const o of r.json.contacts.flatMap((c) => c.objects)) {
        assert.equal(o.mayRead, true, `${user} ${o.id}`);
        assert.equal(o.key, undefined, 'S3 keys stay server-side');
        // The pairs the object must carry, from its key (the header adds the signing key's).
        const stored = index.contacts.flatMap((c) => c.objects).find((x) => x.id === o.id);
        const { 'aws-crypto-public-key': publicKey, ...bound } = stored.encryptionContext;
        assert.ok(publicKey, o.id);
        assert.deepEqual(o.encryptionContext, bound);
      }
    }
  });
});
