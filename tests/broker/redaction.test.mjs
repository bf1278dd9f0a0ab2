// Redacted and unredacted recordings and transcripts are separate permissions, as in Amazon
// Connect: quinn (QualityAnalyst: s3:GetObject on Analysis/Voice/Redacted/ only) is given Contact
// Lens's redacted audio and transcript, in the listing and at unwrap, and refused the recording
// as Connect stored it and the original transcript; alice (Supervisor) is given both. The keys
// the broker hands out decrypt the real sample objects (the official ESDK checks them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { stackAndBroker, getObject, edkAndContext, CallbackKeyring, esdk, sha256, api, unwrap as unwrapKey, unwrapRequestBody } from './helpers.mjs';

let env, manifest, cfg, index, broker, skip;
const objects = () => index.contacts.flatMap((c) => c.objects);
/** The short billing call's objects: `<contact>.<suffix>`. */
const billing = (suffix) => objects().find((o) => o.id.endsWith(suffix) && o.id.startsWith('3b0e6c2a'));

/** A user's URL and unwrap of one object; the unwrapped key decrypts it (ESDK) or the refusal. */
async function open(user, o) {
  const ciphertext = await getObject(cfg, env.CALLSEAL_BUCKET, o.key);
  const { edk, context, messageId } = await edkAndContext(ciphertext);
  const url = await api(broker.url, `/api/objects/${o.id}/url`, { user });
  const unwrap = await unwrapKey(broker.url, await unwrapRequestBody({ objectId: o.id, messageId, encryptedDataKey: edk, encryptionContext: context }), { user });
  if (unwrap.status !== 200) return { url, unwrap };
  const keyring = new CallbackKeyring(async () => unwrap.key);
  const { plaintext } = await esdk.decrypt(keyring, ciphertext);
  return { url, unwrap, plaintext };
}

before(async () => {
  ({ env, manifest, cfg, index, broker, skip } = await stackAndBroker());
});
after(() => broker?.stop());

test('the samples: each contact has its recording and Contact Lens\'s redacted audio, the redacted and the original transcript', () => {
  for (const c of index.contacts.filter((x) => x.channel === 'VOICE')) {
    const kinds = c.objects.filter((o) => o.format !== 'mp3' && o.format !== 'opus').map((o) => `${o.kind}/${o.redacted}`).sort();
    assert.deepEqual(kinds, ['recording/false', 'recording/true', 'transcript/false', 'transcript/true'], c.contactId);
    for (const o of c.objects) assert.equal(o.redacted, o.key.includes('/Analysis/Voice/Redacted/'), o.key);
  }
  const plain = (suffix) => readFileSync(manifest.objects.find((o) => o.id === billing(suffix).id).plainPath);
  const redacted = JSON.parse(plain('.transcript.json'));
  const original = JSON.parse(plain('.transcript.unredacted.json'));
  assert.equal(redacted.ContentMetadata.Output, 'Redacted');
  assert.equal(original.ContentMetadata.Output, 'Raw');
  const pii = redacted.Transcript.findIndex((t) => t.Redaction);
  assert.match(redacted.Transcript[pii].Content, /\[PII\]/);
  assert.doesNotMatch(original.Transcript[pii].Content, /\[PII\]/);
  assert.equal(original.Transcript[pii].Redaction, undefined);
  // The PII span: sound in the recording, silence in the redacted audio (agent right, customer left).
  const ch = redacted.Transcript[pii].ParticipantId === 'AGENT' ? 1 : 0;
  const { BeginOffsetMillis: b, EndOffsetMillis: e } = redacted.Transcript[pii].Redaction.RedactedTimestamps[0];
  const peak = (wav) => {
    let p = 0;
    for (let i = Math.ceil(b * 8); i < Math.floor(e * 8); i++) p = Math.max(p, Math.abs(wav.readInt16LE(44 + (i * 2 + ch) * 2)));
    return p;
  };
  assert.ok(peak(plain('.recording.wav')) > 1000, 'the PII is heard in the recording');
  assert.equal(peak(plain('.recording.redacted.wav')), 0, 'and silent in the redacted audio');
});

test('a role without access to unredacted content is given only redacted objects: in the listing, a URL and a key', async (t) => {
  if (skip) return t.skip(skip);
  const listing = await api(broker.url, '/api/recordings', { user: 'quinn' });
  assert.equal(listing.status, 200, listing.text);
  // The chat's transcript (ChatTranscripts/) is the unredacted chat: nothing of that contact is
  // readable, so it is not listed.
  assert.deepEqual(listing.json.contacts.map((c) => c.contactId).sort(), index.contacts.filter((c) => c.channel === 'VOICE').map((c) => c.contactId).sort());
  for (const c of listing.json.contacts) {
    assert.deepEqual(c.objects.map((o) => [o.kind, o.redacted, o.mayRead]).sort(), [['recording', true, true], ['transcript', true, true]], c.contactId);
  }
  for (const suffix of ['.recording.wav', '.recording.mp3', '.transcript.unredacted.json']) {
    const { url, unwrap } = await open('quinn', billing(suffix));
    assert.equal(url.status, 403, `${suffix} URL: ${url.text}`);
    assert.equal(url.json.error.code, 'AccessDenied');
    assert.equal(unwrap.status, 403, `${suffix} unwrap: ${unwrap.status}`);
    assert.equal(unwrap.json.error.code, 'AccessDenied');
  }
  for (const suffix of ['.recording.redacted.wav', '.transcript.json']) {
    const o = billing(suffix);
    const { url, unwrap, plaintext } = await open('quinn', o);
    assert.equal(url.status, 200, url.text);
    assert.equal(unwrap.status, 200, unwrap.text);
    assert.equal(sha256(plaintext), manifest.objects.find((m) => m.id === o.id).plainSha256, `${suffix} decrypts with the key`);
  }
});

test('a role with access to unredacted content is given both', async (t) => {
  if (skip) return t.skip(skip);
  const listing = await api(broker.url, '/api/recordings', { user: 'alice' });
  const listed = listing.json.contacts.flatMap((c) => c.objects);
  assert.deepEqual(listed.map((o) => o.id).sort(), objects().map((o) => o.id).sort());
  assert.ok(listed.every((o) => o.mayRead));
  const { unwrap, plaintext } = await open('alice', billing('.transcript.unredacted.json'));
  assert.equal(unwrap.status, 200, unwrap.text);
  assert.equal(JSON.parse(plaintext.toString('utf8')).ContentMetadata.Output, 'Raw');
});
