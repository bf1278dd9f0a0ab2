#!/usr/bin/env node
// Makes the demo's sample data and uploads it to the local stack (scripts/stack/up.sh first):
//  1. synthesises the scripted calls of conversations.mjs with espeak-ng + sox into stereo WAV
//     recordings in Amazon Connect's layout (8 kHz 16-bit, customer left, agent right), one of them
//     over 30 minutes, plus MP3 (sox + libmp3lame) and Opus (opusenc) variants of the short one,
//     and Contact Lens's redacted audio of each (PII silent, under Analysis/Voice/Redacted/);
//  2. writes the matching Contact Lens analysis transcripts (contact-lens.mjs), the redacted file
//     (PII as [PII]) and the original (Analysis/Voice/);
//     redacted and unredacted objects are marked `redacted` in the listing: separate permissions;
//  3. encrypts every object with the official AWS Encryption SDK (@aws-crypto/client-node, KMS
//     keyring on the stack's customer managed key, default suite 0x0578, framed) under an
//     encryption context that names the object (instance, contact, kind, format);
//  4. uploads the ciphertexts and a listing (callseal/index.json) that the key broker serves and
//     checks encryption contexts against.
// Skips everything when the bucket already holds this generation of samples (use --force to redo).
// Plaintext and synthesised speech are kept in .stack/samples/ for reuse by the next run and for
// tests that compare decrypted output; set CALLSEAL_SAMPLES_PLAINTEXT_BUCKET to also upload the
// plaintext recordings to a separate bucket (benchmarks: the same recording unencrypted).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { buildClient, CommitmentPolicy, KmsKeyringNode } from '@aws-crypto/client-node';
import { KMS } from '@aws-sdk/client-kms';
import { S3Client, PutObjectCommand, HeadObjectCommand, HeadBucketCommand, CreateBucketCommand } from '@aws-sdk/client-s3';
import { readStackEnv, stackDir, clientConfig, repoRoot } from '../stack/stack-env.mjs';
import { AGENT_HIERARCHY, CALLS, VOICES } from './conversations.mjs';
import { RATE, synthesize, pool, parts, renderTurn, mixStereo, redactStereo, wavFile, wordCount, encodeMp3, encodeOpus } from './synth.mjs';
import { analysis } from './contact-lens.mjs';

export const INDEX_KEY = 'callseal/index.json';
export const FRAME_LENGTH = 64 * 1024; // large frames: fewer WebCrypto calls in the player
const CONTENT_TYPES = { wav: 'audio/wav', mp3: 'audio/mpeg', opus: 'audio/ogg; codecs=opus', json: 'application/json' };
const INSTANCE_ALIAS = 'callseal-demo';

const force = process.argv.includes('--force');
const t0 = Date.now();
const log = (m) => console.error(`[samples] ${m} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

const env = readStackEnv();
const cfg = clientConfig(env);
const s3 = new S3Client(cfg.s3);
const samplesDir = join(stackDir(), 'samples');
const manifestPath = join(samplesDir, 'manifest.json');

// Anything that changes the samples changes this hash (and forces a new generation).
const scriptHash = createHash('sha256')
  .update(['conversations.mjs', 'synth.mjs', 'contact-lens.mjs', 'make-samples.mjs']
    .map((f) => readFileSync(join(repoRoot, 'scripts/samples', f))).join('\0'))
  .update(`${env.CALLSEAL_CONNECT_INSTANCE_ID}|${env.CALLSEAL_ACCOUNT_ID}`)
  .digest('hex').slice(0, 16);

async function present() {
  if (!existsSync(manifestPath)) return false;
  const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
  if (m.scriptHash !== scriptHash || m.kmsKeyArn !== env.CALLSEAL_KMS_KEY_ARN || m.bucket !== env.CALLSEAL_BUCKET) return false;
  try {
    const idx = await s3.send(new HeadObjectCommand({ Bucket: m.bucket, Key: INDEX_KEY }));
    if (idx.Metadata?.generation !== m.generation) return false;
    const heads = await Promise.all(m.objects.map((o) => s3.send(new HeadObjectCommand({ Bucket: m.bucket, Key: o.key }))));
    return heads.every((h, i) => h.ContentLength === m.objects[i].ciphertextLength);
  } catch {
    return false;
  }
}

// --- synthesis and timelines ---------------------------------------------------------------------
function prng(seed) { // mulberry32: deterministic pauses
  let a = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function renderCall(call, ttsDir) {
  const voiceOf = (who) => VOICES[who === 'AGENT' ? 'agent' : call.customerVoice];
  const all = [...(call.turns ?? []), ...(call.intro ?? []), ...(call.steps ?? []).flat(), ...(call.outro ?? [])];
  const rendered = new Map(); // turn object -> { pcm, redacted }
  await pool(all, 3, async (turn) => {
    const ps = parts(turn.content);
    const pcms = [];
    for (const p of ps) pcms.push({ pii: p.pii, pcm: await synthesize(p.text, voiceOf(turn.who), ttsDir) });
    rendered.set(turn, renderTurn(pcms));
  });

  const rand = prng(call.contactId);
  const placed = [];
  const channelFree = { AGENT: 0, CUSTOMER: 0 };
  let cursor = Math.round(0.6 * RATE); // end of the latest turn
  const place = (turn, pauseMs) => {
    const r = rendered.get(turn);
    const pause = pauseMs ?? turn.pause ?? 350 + Math.round(rand() * 650);
    let begin = cursor + Math.round((pause * RATE) / 1000);
    begin = Math.max(begin, channelFree[turn.who] + Math.round(0.2 * RATE)); // one voice per channel
    const end = begin + r.pcm.length;
    placed.push({
      who: turn.who, begin, end, pcm: r.pcm, content: turn.content,
      sentiment: turn.sentiment ?? 'NEUTRAL', issue: turn.issue, categories: turn.categories,
      redacted: r.redacted.map(([b, e]) => [begin + b, begin + e]), words: wordCount(turn.content),
    });
    channelFree[turn.who] = end;
    cursor = Math.max(cursor, end);
  };

  if (call.turns) call.turns.forEach((t) => place(t));
  if (call.steps) {
    call.intro.forEach((t) => place(t));
    const outroSamples = call.outro.reduce((s, t) => s + rendered.get(t).pcm.length + 0.9 * RATE, 0);
    const target = (call.minDurationMillis / 1000) * RATE + RATE * 5;
    for (let k = 0; cursor + outroSamples < target; k++) {
      const [instruction, ack, result, followUp] = call.steps[k % call.steps.length];
      place(instruction);
      place(ack);
      place(result, 12_000 + Math.round(rand() * 30_000)); // the customer works on it: non-talk time
      place(followUp);
    }
    call.outro.forEach((t) => place(t));
  }
  const totalSamples = cursor + Math.round(0.8 * RATE);
  return { placed, totalSamples, interleaved: mixStereo(placed, totalSamples) };
}

function stamp(iso, deltaMs = 0) {
  const d = new Date(Date.parse(iso) + deltaMs);
  const p = (n) => String(n).padStart(2, '0');
  return {
    date: `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}`,
    connect: `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}_UTC`,
    iso: d.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

/**
 * An object's id: `<contact>.<kind>.<format>` for the recording as Amazon Connect stored it and
 * Contact Lens's redacted transcript (what the player opens first), `<contact>.recording.redacted.wav`
 * for Contact Lens's redacted audio, `<contact>.transcript.unredacted.json` for the original transcript.
 */
function objectId(contactId, f) {
  const variant = f.kind === 'recording' && f.redacted ? '.redacted' : f.kind === 'transcript' && !f.redacted ? '.unredacted' : '';
  return `${contactId}.${f.kind}${variant}.${f.format}`;
}

/**
 * What Amazon Connect's contact trace record says of a contact's queue and agent (the fields the
 * key broker scopes access by; the objects in S3 carry neither).
 */
function contactRecord(call) {
  const groups = AGENT_HIERARCHY[call.agent] ?? [];
  return {
    Queue: { Name: call.queue },
    Agent: {
      Username: call.agent,
      HierarchyGroups: Object.fromEntries(groups.map((GroupName, i) => [`Level${i + 1}`, { GroupName }])),
    },
  };
}

async function makePlaintext(dir) {
  const ttsDir = join(samplesDir, 'tts');
  const contacts = [];
  for (const call of CALLS) {
    const { placed, totalSamples, interleaved } = await renderCall(call, ttsDir);
    const durationMillis = Math.round((totalSamples * 1000) / RATE);
    const start = stamp(call.initiation);
    const end = stamp(call.initiation, durationMillis);
    const recPrefix = `connect/${INSTANCE_ALIAS}/CallRecordings/${start.date}/${call.contactId}_${start.connect}`;
    const files = [];
    const wavPath = join(dir, `${call.slug}.wav`);
    writeFileSync(wavPath, wavFile(interleaved));
    files.push({ kind: 'recording', format: 'wav', redacted: false, path: wavPath, key: `${recPrefix}.wav` });
    if (call.formats.includes('mp3')) {
      const p = join(dir, `${call.slug}.mp3`);
      await encodeMp3(wavPath, p);
      files.push({ kind: 'recording', format: 'mp3', redacted: false, path: p, key: `${recPrefix}.mp3` });
    }
    if (call.formats.includes('opus')) {
      const p = join(dir, `${call.slug}.opus`);
      await encodeOpus(wavPath, p);
      files.push({ kind: 'recording', format: 'opus', redacted: false, path: p, key: `${recPrefix}.opus` });
    }
    const redactedWavPath = join(dir, `${call.slug}.call_recording_redacted.wav`);
    writeFileSync(redactedWavPath, wavFile(redactStereo(interleaved, placed)));
    files.push({
      kind: 'recording', format: 'wav', redacted: true, path: redactedWavPath,
      key: `connect/${INSTANCE_ALIAS}/Analysis/Voice/Redacted/${end.date}/${call.contactId}_call_recording_redacted_${end.iso}.wav`,
    });
    for (const redact of [true, false]) {
      const doc = analysis({
        call, placed, interleaved, totalSamples, redact,
        accountId: env.CALLSEAL_ACCOUNT_ID, instanceId: env.CALLSEAL_CONNECT_INSTANCE_ID,
        recordingS3Uri: `s3://${env.CALLSEAL_BUCKET}/${recPrefix}.wav`,
      });
      const jsonPath = join(dir, `${call.slug}.analysis${redact ? '_redacted' : ''}.json`);
      writeFileSync(jsonPath, JSON.stringify(doc, null, 2));
      files.push({
        kind: 'transcript', format: 'json', redacted: redact, path: jsonPath,
        key: redact
          ? `connect/${INSTANCE_ALIAS}/Analysis/Voice/Redacted/${end.date}/${call.contactId}_analysis_redacted_${end.iso}.json`
          : `connect/${INSTANCE_ALIAS}/Analysis/Voice/${end.date}/${call.contactId}_analysis_${end.iso}.json`,
      });
    }
    contacts.push({
      contactId: call.contactId, title: call.title, agent: call.agent, channel: 'VOICE',
      initiationTimestamp: start.iso, disconnectTimestamp: end.iso, durationMillis,
      contactRecord: contactRecord(call), turns: placed.length, files,
    });
    log(`${call.slug}: ${(durationMillis / 60000).toFixed(1)} min, ${placed.length} turns, ${files.map((f) => f.format).join('+')}`);
  }
  return contacts;
}

// --- encryption and upload -------------------------------------------------------------------------
async function main() {
  if (!force && (await present())) {
    log(`samples present in s3://${env.CALLSEAL_BUCKET} (generation ${JSON.parse(readFileSync(manifestPath, 'utf8')).generation}); --force to remake`);
    return;
  }
  const plainDir = join(samplesDir, 'plain', scriptHash);
  mkdirSync(plainDir, { recursive: true });
  const contactsPath = join(plainDir, 'contacts.json');
  let contacts;
  if (existsSync(contactsPath) && !force) {
    contacts = JSON.parse(readFileSync(contactsPath, 'utf8'));
    log('reusing synthesised recordings and transcripts from .stack/samples');
  } else {
    contacts = await makePlaintext(plainDir);
    writeFileSync(contactsPath, JSON.stringify(contacts, null, 2));
  }

  // The official ESDK: KMS keyring whose client provider returns the aggregated client `new KMS()`.
  const keyring = new KmsKeyringNode({
    generatorKeyId: env.CALLSEAL_KMS_KEY_ARN,
    clientProvider: () => new KMS(cfg.kms),
  });
  const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT); // default suite 0x0578
  const generation = `${new Date().toISOString()}-${scriptHash}`;
  const plaintextBucket = process.env.CALLSEAL_SAMPLES_PLAINTEXT_BUCKET;
  if (plaintextBucket) {
    try { await s3.send(new HeadBucketCommand({ Bucket: plaintextBucket })); } catch { await s3.send(new CreateBucketCommand({ Bucket: plaintextBucket })); }
  }

  const index = { version: 1, generation, instanceId: env.CALLSEAL_CONNECT_INSTANCE_ID, kmsKeyArn: env.CALLSEAL_KMS_KEY_ARN, contacts: [] };
  const manifest = { generation, scriptHash, kmsKeyArn: env.CALLSEAL_KMS_KEY_ARN, bucket: env.CALLSEAL_BUCKET, indexKey: INDEX_KEY, plaintextBucket, objects: [] };
  for (const c of contacts) {
    const objects = [];
    for (const f of c.files) {
      const plaintext = readFileSync(f.path);
      const id = objectId(c.contactId, f);
      const context = {
        'aws:connect:instance-id': env.CALLSEAL_CONNECT_INSTANCE_ID,
        'aws:connect:contact-id': c.contactId,
        'callseal:kind': f.kind,
        'callseal:format': f.format,
      };
      const { result, messageHeader } = await encrypt(keyring, plaintext, { encryptionContext: context, frameLength: FRAME_LENGTH });
      if (result[0] !== 0x02 || result.readUInt16BE(1) !== 0x0578) throw new Error(`unexpected ESDK header for ${id}`);
      const key = `${f.key}.esdk`;
      await s3.send(new PutObjectCommand({
        Bucket: env.CALLSEAL_BUCKET, Key: key, Body: result, ContentType: 'application/octet-stream',
        Metadata: { 'callseal-object-id': id, 'callseal-envelope': 'aws-encryption-sdk' },
      }));
      if (plaintextBucket) {
        await s3.send(new PutObjectCommand({ Bucket: plaintextBucket, Key: f.key, Body: plaintext, ContentType: CONTENT_TYPES[f.format] }));
      }
      const obj = {
        id, kind: f.kind, format: f.format, redacted: f.redacted, contentType: CONTENT_TYPES[f.format], key,
        plaintextLength: plaintext.length, ciphertextLength: result.length,
        suiteId: '0x0578', frameLength: FRAME_LENGTH,
        encryptionContext: { ...messageHeader.encryptionContext }, // includes aws-crypto-public-key
      };
      objects.push(obj);
      manifest.objects.push({
        id, key, plainPath: f.path, plainKey: plaintextBucket ? f.key : undefined,
        plainSha256: createHash('sha256').update(plaintext).digest('hex'),
        plaintextLength: plaintext.length, ciphertextLength: result.length,
        ciphertextSha256: createHash('sha256').update(result).digest('hex'),
      });
      log(`encrypted + uploaded ${id} (${(result.length / 1048576).toFixed(1)} MiB)`);
    }
    const { files, ...meta } = c;
    index.contacts.push({ ...meta, objects });
  }
  await s3.send(new PutObjectCommand({
    Bucket: env.CALLSEAL_BUCKET, Key: INDEX_KEY, Body: JSON.stringify(index, null, 2),
    ContentType: 'application/json', Metadata: { generation },
  }));
  writeFileSync(`${manifestPath}.tmp`, JSON.stringify(manifest, null, 2));
  renameSync(`${manifestPath}.tmp`, manifestPath);
  log(`done: ${manifest.objects.length} objects + ${INDEX_KEY} in s3://${env.CALLSEAL_BUCKET}`);
}

await main();
