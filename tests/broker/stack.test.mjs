// The local stack as the page and the broker use it: SigV4 pre-signed URLs, Range, CORS, the KMS
// key and its policy, and the sample data (ciphertext at rest, sealed by the stack's sealer).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { KMS, KMSClient, GetKeyPolicyCommand, ListAliasesCommand, DescribeKeyCommand } from '@aws-sdk/client-kms';
import { S3Client, GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { KmsKeyringNode } from '@aws-crypto/client-node';
import { ensureStack, sha256, getObject, esdk } from './helpers.mjs';

let env, manifest, cfg, s3, index;
const presign = (key, expiresIn = 60) => getSignedUrl(s3, new GetObjectCommand({ Bucket: env.CALLSEAL_BUCKET, Key: key }), { expiresIn });

before(async () => {
  ({ env, manifest, cfg } = ensureStack());
  s3 = new S3Client(cfg.s3);
  index = { contacts: manifest.contacts };
});

const small = () => manifest.objects.find((o) => o.id.endsWith('.recording.wav') && o.ciphertextLength < 4 << 20);

test('pre-signed GET returns the stored ciphertext; Range answers 206 with exactly those bytes', async () => {
  const o = small();
  const url = await presign(o.key);
  const full = Buffer.from(await (await fetch(url)).arrayBuffer());
  assert.equal(full.length, o.ciphertextLength);
  assert.equal(sha256(full), sha256(await getObject(cfg, env.CALLSEAL_BUCKET, o.key)));

  const res = await fetch(url, { headers: { Range: 'bytes=100-199' } });
  assert.equal(res.status, 206);
  assert.equal(res.headers.get('content-range'), `bytes 100-199/${o.ciphertextLength}`);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), full.subarray(100, 200));

  const tail = await fetch(url, { headers: { Range: 'bytes=-16' } });
  assert.equal(tail.status, 206);
  assert.deepEqual(Buffer.from(await tail.arrayBuffer()), full.subarray(full.length - 16));
});

test('a tampered signature, an unsigned request and an expired URL are refused with 403', async () => {
  const o = small();
  const url = new URL(await presign(o.key));
  const sig = url.searchParams.get('X-Amz-Signature');
  url.searchParams.set('X-Amz-Signature', (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1));
  assert.equal((await fetch(url)).status, 403, 'tampered signature');

  const anonymous = `${env.CALLSEAL_S3_ENDPOINT}/${env.CALLSEAL_BUCKET}/${o.key.split('/').map(encodeURIComponent).join('/')}`;
  assert.equal((await fetch(anonymous)).status, 403, 'anonymous');

  const other = new URL(await presign(o.key));
  other.pathname = other.pathname.replace(/\.esdk$/, '.other');
  assert.equal((await fetch(other)).status, 403, 'signature for another key');

  const shortLived = await presign(o.key, 1);
  await new Promise((r) => setTimeout(r, 2100));
  assert.equal((await fetch(shortLived)).status, 403, 'expired');
});

test('CORS: the page origin may send Range, another origin gets no CORS grant', async () => {
  const o = small();
  const url = await presign(o.key);
  const pageOrigin = env.CALLSEAL_ALLOWED_ORIGINS.split(',')[0];
  const ok = await fetch(url, { method: 'OPTIONS', headers: { Origin: pageOrigin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'range' } });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('access-control-allow-origin'), pageOrigin);
  const get = await fetch(url, { headers: { Origin: pageOrigin, Range: 'bytes=0-9' } });
  assert.equal(get.status, 206);
  assert.equal(get.headers.get('access-control-allow-origin'), pageOrigin);

  const evil = await fetch(url, { method: 'OPTIONS', headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'GET' } });
  assert.notEqual(evil.headers.get('access-control-allow-origin'), 'http://evil.example');
  assert.notEqual(evil.headers.get('access-control-allow-origin'), '*');
});

test('the KMS key: customer managed, aliased, with the seeds\' Amazon Connect key policy', async () => {
  const kms = new KMSClient(cfg.kms);
  const { Aliases } = await kms.send(new ListAliasesCommand({}));
  const alias = Aliases.find((a) => a.AliasName === env.CALLSEAL_KMS_ALIAS);
  assert.ok(alias, 'alias exists');
  const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: env.CALLSEAL_KMS_ALIAS }));
  assert.equal(KeyMetadata.Arn, env.CALLSEAL_KMS_KEY_ARN);
  assert.equal(KeyMetadata.KeyManager, 'CUSTOMER');
  assert.equal(KeyMetadata.KeySpec, 'SYMMETRIC_DEFAULT');
  const policy = JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: KeyMetadata.KeyId, PolicyName: 'default' }))).Policy);
  assert.equal(policy.Version, '2012-10-17');
  const root = policy.Statement.find((s) => s.Principal?.AWS === `arn:aws:iam::${env.CALLSEAL_ACCOUNT_ID}:root`);
  assert.deepEqual([root.Effect, root.Action], ['Allow', 'kms:*']);
  const connect = policy.Statement.find((s) => s.Principal?.Service === 'connect.amazonaws.com');
  assert.equal(connect.Effect, 'Allow');
  assert.deepEqual([...connect.Action].sort(), ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']);
});

test('every stored object is an ESDK message (02 05 78: v2, suite 0x0578), never plaintext', async () => {
  const listed = index.contacts.flatMap((c) => c.objects);
  assert.equal(listed.length, manifest.objects.length);
  assert.ok(listed.some((o) => o.format === 'mp3') && listed.some((o) => o.format === 'opus'));
  for (const o of manifest.objects) {
    const res = await fetch(await presign(o.key), { headers: { Range: 'bytes=0-63' } });
    const head = Buffer.from(await res.arrayBuffer());
    assert.deepEqual([...head.subarray(0, 3)], [0x02, 0x05, 0x78], o.id);
    const plainHead = readFileSync(o.plainPath).subarray(0, 64);
    assert.notDeepEqual(head, plainHead, `${o.id} is not stored in the clear`);
    assert.ok(!head.includes(Buffer.from('RIFF')) && !head.includes(Buffer.from('"Version"')), o.id);
  }
});

test('samples decrypt with the official ESDK + KMS keyring to the synthesised recordings and transcripts', async () => {
  const keyring = new KmsKeyringNode({ generatorKeyId: env.CALLSEAL_KMS_KEY_ARN, clientProvider: () => new KMS(cfg.kms) });
  const contact = index.contacts.find((c) => c.objects.some((o) => o.format === 'mp3'));
  for (const o of contact.objects) {
    const m = manifest.objects.find((x) => x.id === o.id);
    const { plaintext, messageHeader } = await esdk.decrypt(keyring, await getObject(cfg, env.CALLSEAL_BUCKET, o.key));
    assert.equal(sha256(plaintext), m.plainSha256, o.id);
    assert.equal(messageHeader.suiteId, 0x0578);
    assert.equal(messageHeader.frameLength, o.frameLength);
    assert.deepEqual({ ...messageHeader.encryptionContext }, o.encryptionContext);
    assert.equal(o.encryptionContext['aws:connect:contact-id'], contact.contactId);
    assert.equal(o.encryptionContext['callseal:kind'], o.kind);
  }
});

test('recordings are Connect-style stereo WAV, one over 30 minutes; transcripts match their timing', () => {
  const wavs = manifest.objects.filter((o) => o.id.endsWith('.recording.wav'));
  assert.ok(wavs.length >= 3);
  const durations = [];
  for (const o of wavs) {
    const wav = readFileSync(o.plainPath);
    assert.equal(wav.toString('ascii', 0, 4), 'RIFF');
    assert.equal(wav.readUInt16LE(20), 1, 'PCM');
    assert.equal(wav.readUInt16LE(22), 2, 'stereo');
    assert.equal(wav.readUInt32LE(24), 8000);
    assert.equal(wav.readUInt16LE(34), 16);
    const millis = (wav.readUInt32LE(40) / 4 / 8000) * 1000;
    durations.push(millis);

    const contactId = o.id.split('.')[0];
    const t = manifest.objects.find((x) => x.id === `${contactId}.transcript.json`);
    const doc = JSON.parse(readFileSync(t.plainPath, 'utf8'));
    const redactedWav = readFileSync(manifest.objects.find((x) => x.id === `${contactId}.recording.redacted.wav`).plainPath);
    assert.equal(redactedWav.length, wav.length);
    assert.equal(doc.Channel, 'VOICE');
    assert.equal(doc.CustomerMetadata.ContactId, contactId);
    assert.deepEqual(doc.Participants.map((p) => p.ParticipantId).sort(), ['AGENT', 'CUSTOMER']);
    assert.ok(Math.abs(doc.ConversationCharacteristics.TotalConversationDurationMillis - millis) <= 1);
    for (const turn of doc.Transcript) {
      assert.ok(turn.BeginOffsetMillis < turn.EndOffsetMillis && turn.EndOffsetMillis <= millis + 1, turn.Id);
      // the speaker's channel carries sound in the turn and the other channel's turn-free stretches are silent
      const ch = turn.ParticipantId === 'AGENT' ? 1 : 0;
      const from = Math.floor((turn.BeginOffsetMillis * 8000) / 1000);
      const to = Math.floor((turn.EndOffsetMillis * 8000) / 1000);
      let peak = 0;
      for (let i = from; i < to; i += 7) peak = Math.max(peak, Math.abs(wav.readInt16LE(44 + (i * 2 + ch) * 2)));
      assert.ok(peak > 1000, `turn ${turn.Id} has audio on its channel`);
      if (turn.Redaction) {
        assert.match(turn.Content, /\[PII\]/);
        for (const r of turn.Redaction.RedactedTimestamps) {
          const a = Math.ceil((r.BeginOffsetMillis * 8000) / 1000);
          const b = Math.floor((r.EndOffsetMillis * 8000) / 1000);
          for (let i = a; i < b; i += 5) assert.equal(redactedWav.readInt16LE(44 + (i * 2 + ch) * 2), 0, 'redacted audio is silent');
        }
      }
    }
  }
  assert.ok(Math.max(...durations) > 30 * 60 * 1000, 'one recording is over 30 minutes');
  const mp3 = readFileSync(manifest.objects.find((o) => o.id.endsWith('.recording.mp3')).plainPath);
  const sync = mp3.subarray(0, 3).toString('latin1') === 'ID3' ? mp3.indexOf(0xff, 10 + ((mp3[6] << 21) | (mp3[7] << 14) | (mp3[8] << 7) | mp3[9])) : 0;
  assert.equal(mp3[sync], 0xff);
  assert.equal(mp3[sync + 1] & 0xe0, 0xe0, 'MPEG audio frame sync');
  const opus = readFileSync(manifest.objects.find((o) => o.id.endsWith('.recording.opus')).plainPath);
  assert.equal(opus.toString('latin1', 0, 4), 'OggS');
  assert.equal(opus.toString('latin1', 28, 36), 'OpusHead');
  assert.equal(opus[37], 2, 'stereo Opus');
  assert.ok(new Set(durations.map((d) => Math.round(d / 1000))).size === durations.length, 'different lengths');
});
