#!/usr/bin/env node
// Makes the demo's sample data and drops it into the local stack's "Connect" bucket as Amazon
// Connect would (scripts/stack/up.sh first); the stack's sealer turns it into what the player lists:
//  1. synthesises the scripted calls of conversations.mjs with espeak-ng + sox into stereo WAV
//     recordings (8 kHz 16-bit, customer left, agent right), one of them over 30 minutes, plus MP3
//     (sox + libmp3lame) and Opus (opusenc) variants of the short one, and Contact Lens's redacted
//     audio of each (PII silent);
//  2. writes the matching Contact Lens analysis files (contact-lens.mjs), the redacted one (PII as
//     [PII]) and the original, and the chat contact's transcript (Connect's chat transcript JSON);
//  3. puts them under Connect's documented key layout (connect/<alias>/CallRecordings/...,
//     Analysis/Voice/[Redacted/]..., ChatTranscripts/...; the layout callseal reads keys by is
//     src/connect.rs), and each contact's record (the contact trace record's queue and agent,
//     which the broker scopes access by) under callseal/contact-records/<contact-id>.json;
//  4. waits until the stack's sealer (S3 ObjectCreated -> notifier -> SQS -> `callseal seal
//     --queue`) has sealed every object into <key>.esdk, and writes .stack/samples/manifest.json:
//     what was dropped and what it became (for the tests; the broker and the player read only the
//     sealed objects and the contact records).
// Skips everything when the bucket already holds this generation of samples (use --force to redo).
// Plaintext and synthesised speech are kept in .stack/samples/ for reuse by the next run and for
// tests that compare decrypted output; set CALLSEAL_SAMPLES_PLAINTEXT_BUCKET to also upload the
// plaintext recordings to a separate bucket (benchmarks: the same recording unencrypted).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import {
  S3Client, PutObjectCommand, HeadObjectCommand, HeadBucketCommand, CreateBucketCommand, GetObjectCommand,
  ListObjectsV2Command, DeleteObjectsCommand,
} from '@aws-sdk/client-s3';
import { readStackEnv, stackDir, clientConfig, repoRoot } from '../stack/stack-env.mjs';
import { AGENT_HIERARCHY, CALLS, CHATS, VOICES } from './conversations.mjs';
import { RATE, synthesize, pool, parts, renderTurn, mixStereo, redactStereo, wavFile, wordCount, encodeMp3, encodeOpus } from './synth.mjs';
import { analysis } from './contact-lens.mjs';

export const CONTACT_RECORDS_PREFIX = 'callseal/contact-records/';
const CONTENT_TYPES = { wav: 'audio/wav', mp3: 'audio/mpeg', opus: 'audio/ogg; codecs=opus', json: 'application/json' };
/** How long the sealer may take for all samples (they take about 6 s: the 30-minute WAV seals in under a second). */
const SEAL_TIMEOUT_MS = Number(process.env.CALLSEAL_SAMPLES_SEAL_TIMEOUT_MS ?? 120_000);

const force = process.argv.includes('--force');
const t0 = Date.now();
const log = (m) => console.error(`[samples] ${m} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

const env = readStackEnv();
const cfg = clientConfig(env);
const PREFIX = env.CALLSEAL_CONNECT_PREFIX; // connect/<instance alias>/
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
  if (m.scriptHash !== scriptHash || m.kmsKeyArn !== env.CALLSEAL_KMS_KEY_ARN || m.bucket !== env.CALLSEAL_BUCKET || m.prefix !== PREFIX) return false;
  try {
    const heads = await Promise.all(m.objects.map((o) => s3.send(new HeadObjectCommand({ Bucket: m.bucket, Key: o.key }))));
    return heads.every((h, i) => h.ContentLength === m.objects[i].ciphertextLength && h.Metadata?.['callseal-source-etag'] === m.objects[i].sourceEtag);
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
 * The contact's record as Amazon Connect's contact trace record has it: the fields the key broker
 * lists and scopes access by (queue, agent hierarchy; the objects in S3 carry neither), and the
 * contact attributes the demo gives it (its title).
 */
function contactRecord(c) {
  const groups = AGENT_HIERARCHY[c.agent] ?? [];
  return {
    ContactId: c.contactId,
    Channel: c.channel,
    InitiationTimestamp: c.initiationTimestamp,
    DisconnectTimestamp: c.disconnectTimestamp,
    InstanceARN: `arn:aws:connect:${env.AWS_REGION}:${env.CALLSEAL_ACCOUNT_ID}:instance/${env.CALLSEAL_CONNECT_INSTANCE_ID}`,
    Queue: { Name: c.queue },
    Agent: {
      Username: c.agent,
      HierarchyGroups: Object.fromEntries(groups.map((GroupName, i) => [`Level${i + 1}`, { GroupName }])),
    },
    Attributes: { title: c.title },
  };
}

/** Connect's chat transcript (ChatTranscripts/): participants and messages with their times. */
function chatTranscript(c) {
  const ids = { CUSTOMER: `${c.contactId.slice(0, 8)}-cust`, AGENT: `${c.contactId.slice(0, 8)}-agent` };
  const t0 = Date.parse(c.initiation);
  return {
    Version: '2019-08-26',
    AWSAccountId: env.CALLSEAL_ACCOUNT_ID,
    InstanceId: env.CALLSEAL_CONNECT_INSTANCE_ID,
    InitialContactId: c.contactId,
    ContactId: c.contactId,
    Participants: [{ ParticipantId: ids.CUSTOMER }, { ParticipantId: ids.AGENT }],
    Transcript: c.messages.map(([role, content], i) => ({
      AbsoluteTime: new Date(t0 + 20_000 * (i + 1)).toISOString(),
      Content: content,
      ContentType: 'text/plain',
      Id: createHash('sha256').update(`${c.contactId}/${i}`).digest('hex').slice(0, 32),
      Type: 'MESSAGE',
      ParticipantId: ids[role],
      DisplayName: role === 'AGENT' ? c.agent.split(' ')[0] : 'Customer',
      ParticipantRole: role,
    })),
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
    const recPrefix = `${PREFIX}CallRecordings/${start.date}/${call.contactId}_${start.connect}`;
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
      key: `${PREFIX}Analysis/Voice/Redacted/${end.date}/${call.contactId}_call_recording_redacted_${end.iso}.wav`,
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
          ? `${PREFIX}Analysis/Voice/Redacted/${end.date}/${call.contactId}_analysis_redacted_${end.iso}.json`
          : `${PREFIX}Analysis/Voice/${end.date}/${call.contactId}_analysis_${end.iso}.json`,
      });
    }
    contacts.push({
      contactId: call.contactId, title: call.title, agent: call.agent, queue: call.queue, channel: 'VOICE',
      initiationTimestamp: start.iso, disconnectTimestamp: end.iso, durationMillis, turns: placed.length, files,
    });
    log(`${call.slug}: ${(durationMillis / 60000).toFixed(1)} min, ${placed.length} turns, ${files.map((f) => f.format).join('+')}`);
  }
  for (const c of CHATS) {
    const doc = chatTranscript(c);
    const start = stamp(c.initiation);
    const end = stamp(doc.Transcript.at(-1).AbsoluteTime, 5_000);
    const path = join(dir, `${c.slug}.chat.json`);
    writeFileSync(path, JSON.stringify(doc, null, 2));
    contacts.push({
      contactId: c.contactId, title: c.title, agent: c.agent, queue: c.queue, channel: 'CHAT',
      initiationTimestamp: start.iso, disconnectTimestamp: end.iso,
      durationMillis: Date.parse(end.iso) - Date.parse(start.iso), turns: c.messages.length,
      files: [{
        kind: 'chat-transcript', format: 'json', redacted: false, path,
        key: `${PREFIX}ChatTranscripts/${start.date}/${c.contactId}_${start.connect}.json`,
      }],
    });
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

  const generation = `${new Date().toISOString()}-${scriptHash}`;
  const plaintextBucket = process.env.CALLSEAL_SAMPLES_PLAINTEXT_BUCKET;
  if (plaintextBucket) {
    try { await s3.send(new HeadBucketCommand({ Bucket: plaintextBucket })); } catch { await s3.send(new CreateBucketCommand({ Bucket: plaintextBucket })); }
  }
  // A new generation replaces the old one: its sealed objects may be under an older key.
  for (const prefix of [PREFIX, CONTACT_RECORDS_PREFIX]) await deleteUnder(prefix);

  const dropped = [];
  for (const c of contacts) {
    await s3.send(new PutObjectCommand({
      Bucket: env.CALLSEAL_BUCKET, Key: `${CONTACT_RECORDS_PREFIX}${c.contactId}.json`,
      Body: JSON.stringify(contactRecord(c), null, 2), ContentType: 'application/json',
    }));
    for (const f of c.files) {
      const plaintext = readFileSync(f.path);
      const put = await s3.send(new PutObjectCommand({ Bucket: env.CALLSEAL_BUCKET, Key: f.key, Body: plaintext, ContentType: CONTENT_TYPES[f.format] }));
      if (plaintextBucket) {
        await s3.send(new PutObjectCommand({ Bucket: plaintextBucket, Key: f.key, Body: plaintext, ContentType: CONTENT_TYPES[f.format] }));
      }
      dropped.push({ c, f, etag: put.ETag.replaceAll('"', ''), plaintext });
    }
  }
  log(`dropped ${dropped.length} objects of ${contacts.length} contacts under s3://${env.CALLSEAL_BUCKET}/${PREFIX}; waiting for the sealer`);

  const parseHeader = await headerParser();
  const manifest = { generation, scriptHash, kmsKeyArn: env.CALLSEAL_KMS_KEY_ARN, bucket: env.CALLSEAL_BUCKET, prefix: PREFIX, plaintextBucket, objects: [], contacts: [] };
  const objectsOf = new Map(contacts.map((c) => [c.contactId, []]));
  const deadline = Date.now() + SEAL_TIMEOUT_MS;
  for (const { c, f, etag, plaintext } of dropped) {
    const key = `${f.key}.esdk`;
    const head = await sealedHead(key, etag, deadline);
    const first = await s3.send(new GetObjectCommand({ Bucket: env.CALLSEAL_BUCKET, Key: key, Range: 'bytes=0-65535' }));
    const header = parseHeader(await first.Body.transformToByteArray());
    const id = head.Metadata['callseal-object-id'];
    const obj = {
      id, kind: f.kind, format: f.format, redacted: f.redacted, contentType: CONTENT_TYPES[f.format], key,
      plaintextLength: plaintext.length, ciphertextLength: head.ContentLength,
      suiteId: head.Metadata['callseal-suite-id'], frameLength: header.frameLength,
      encryptionContext: { ...header.encryptionContext }, // includes aws-crypto-public-key
    };
    objectsOf.get(c.contactId).push(obj);
    manifest.objects.push({
      id, key, sourceKey: f.key, sourceEtag: etag, plainPath: f.path, plainKey: plaintextBucket ? f.key : undefined,
      plainSha256: createHash('sha256').update(plaintext).digest('hex'),
      plaintextLength: plaintext.length, ciphertextLength: head.ContentLength,
    });
    log(`sealed ${id} (${(head.ContentLength / 1048576).toFixed(1)} MiB)`);
  }
  // What the broker's listing of these contacts holds (for the tests).
  for (const c of contacts) {
    const { files, queue, turns, ...meta } = c;
    manifest.contacts.push({ ...meta, contactRecord: contactRecord(c), objects: objectsOf.get(c.contactId) });
  }
  writeFileSync(`${manifestPath}.tmp`, JSON.stringify(manifest, null, 2));
  renameSync(`${manifestPath}.tmp`, manifestPath);
  log(`done: ${manifest.objects.length} sealed objects in s3://${env.CALLSEAL_BUCKET}/${PREFIX}`);
}

/** Deletes every object under `prefix` (a previous generation). */
async function deleteUnder(prefix) {
  let ContinuationToken;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: env.CALLSEAL_BUCKET, Prefix: prefix, ContinuationToken }));
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key }));
    if (keys.length) await s3.send(new DeleteObjectsCommand({ Bucket: env.CALLSEAL_BUCKET, Delete: { Objects: keys, Quiet: true } }));
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
}

/** The sealed object of the source with ETag `etag`, once the sealer has written it. */
async function sealedHead(key, etag, deadline) {
  let lastError;
  for (;;) {
    try {
      const head = await s3.send(new HeadObjectCommand({ Bucket: env.CALLSEAL_BUCKET, Key: key }));
      if (head.Metadata?.['callseal-source-etag'] === etag) return head;
    } catch (err) {
      const status = err?.$metadata?.httpStatusCode;
      if (status !== undefined && status !== 404 && status < 500) throw err; // a refusal; 5xx and lost connections are asked again
      if (status !== 404) lastError = `${err.name}: ${err.message}`;
    }
    if (Date.now() > deadline) {
      throw new Error(`${key} was not sealed within ${SEAL_TIMEOUT_MS / 1000} s${lastError ? ` (S3's last error: ${lastError})` : ''}: is the stack's sealer running? (see ${join(stackDir(), 'logs/sealer.log')} and notifier.log; build it with make sealer)`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** callseal's parseHeader (pkg/, make build): the sealed objects' header facts for the manifest. */
async function headerParser() {
  try {
    return (await import(new URL('../../pkg/node/decrypt.js', import.meta.url).href)).parseHeader;
  } catch (err) {
    throw new Error(`pkg/ is not built (make build): ${err.message}`);
  }
}

await main();
