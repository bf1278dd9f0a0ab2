#!/usr/bin/env node
// The local stack's S3 event notifications. SeaweedFS cannot send S3 event JSON to SQS (its
// notifications are filer events, with no endpoint setting), so this process does what S3 does
// for a bucket with a notification configuration: for every object created in the bucket it
// sends one ObjectCreated record (Put, or CompleteMultipartUpload for a multipart upload),
// shaped as S3 writes it (s3-events.mjs), to each configured SQS queue (moto) whose events and
// prefix/suffix filters match the key. The configuration is `<stack>/notification.json`, in
// PutBucketNotificationConfiguration's shape (QueueConfigurations), written by bootstrap.mjs.
//
// Where the events come from: `weed filer.meta.tail` on the bucket's folder, the filer's change
// stream. A new or rewritten file outside the bucket's `.uploads/` (multipart parts) is a created
// object; a change of metadata only (same chunks) is not, as in S3. Delivery is at least once, as
// S3's: the last event's time is kept in `<stack>/notifier.offset` and a restarted notifier
// resumes from it (an event may be sent twice, never skipped while the filer keeps its log).
//
// Started and stopped by scripts/stack/up.sh / down.sh (name `notifier`); log in logs/notifier.log.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { SQSClient, GetQueueUrlCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { readStackEnv, stackDir } from './stack-env.mjs';
import { objectCreatedEvent, wants } from './s3-events.mjs';

const env = readStackEnv();
const weed = process.env.CALLSEAL_WEED ?? 'weed';
const host = env.CALLSEAL_BIND ?? '127.0.0.1';
const filerHttp = `http://${host}:${process.env.CALLSEAL_FILER_PORT}`;
// SeaweedFS's address form host:port.grpcPort: the tail dials the gRPC port up.sh gave the filer.
const filer = `${host}:${process.env.CALLSEAL_FILER_PORT}.${process.env.CALLSEAL_FILER_GRPC_PORT}`;
const bucket = env.CALLSEAL_BUCKET;
const root = `/buckets/${bucket}/`;
const offsetPath = join(stackDir(), 'notifier.offset');
const config = JSON.parse(readFileSync(join(stackDir(), 'notification.json'), 'utf8'));
const sqs = new SQSClient({
  region: env.AWS_REGION, endpoint: env.CALLSEAL_SQS_ENDPOINT, maxAttempts: 5,
  credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
});
const log = (fields) => console.log(JSON.stringify({ time: new Date().toISOString(), ...fields }));

// --- queues: a QueueArn's URL (asked again after a failed send: moto may have restarted) --------
const urls = new Map();
async function queueUrl(arn) {
  if (!urls.has(arn)) {
    const [, , , , account, name] = arn.split(':');
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }));
    urls.set(arn, QueueUrl);
  }
  return urls.get(arn);
}
async function send(arn, body) {
  for (let attempt = 1; ; attempt++) {
    try {
      await sqs.send(new SendMessageCommand({ QueueUrl: await queueUrl(arn), MessageBody: body }));
      return;
    } catch (err) {
      urls.delete(arn);
      log({ level: 'warn', event: 'SendMessage failed', queue: arn, attempt, error: `${err.name}: ${err.message}` });
      await new Promise((r) => setTimeout(r, Math.min(30_000, 500 * 2 ** attempt)));
    }
  }
}

// --- filer events -> S3 events ------------------------------------------------------------------
const text = (b64) => (b64 ? Buffer.from(b64, 'base64').toString('utf8') : undefined);
const fids = (entry) => JSON.stringify((entry?.chunks ?? []).map((c) => c.fid ?? c.fileId));

/** The S3 event of one filer event, or undefined when S3 would send none. */
function s3EventOf(e) {
  const n = e.eventNotification;
  const entry = n?.newEntry;
  if (!entry || entry.isDirectory) return undefined; // a deletion or a folder
  const dir = `${n.newParentPath || e.directory}/`;
  if (!dir.startsWith(root)) return undefined;
  const key = dir.slice(root.length) + entry.name;
  if (key.startsWith('.uploads/')) return undefined; // a multipart upload's part
  if (n.oldEntry && fids(n.oldEntry) === fids(entry)) return undefined; // metadata only
  const extended = entry.extended ?? {};
  const etag = text(extended['Seaweed-X-Amz-ETag'])?.replaceAll('"', '');
  const multipart = text(extended['X-Seaweedfs-Upload-Id']) !== undefined;
  return {
    key,
    eventName: multipart ? 'ObjectCreated:CompleteMultipartUpload' : 'ObjectCreated:Put',
    etag,
    size: Number(entry.attributes?.fileSize ?? 0),
    time: new Date(Number(BigInt(e.tsNs) / 1_000_000n)),
    sequencer: BigInt(e.tsNs).toString(16).toUpperCase().padStart(18, '0'),
    principalId: `AWS:${text(extended['Seaweed-X-Amz-Owner']) ?? 'anonymous'}`,
  };
}

// --- readiness: a probe through the filer, seen by this process's own subscription ---------------
// The probe is a file in the bucket's .uploads/ folder (where SeaweedFS stages multipart parts: S3
// lists none of it and s3EventOf sends nothing for it). Written every second until the tail
// reports it; then run/notifier.ready holds this pid (up.sh waits for it) and the probe goes.
const probePath = `${root}.uploads/callseal-notifier-probe-${process.pid}`;
let ready = false;
async function probeUntilReady() {
  while (!ready) {
    try {
      await fetch(`${filerHttp}${probePath}`, { method: 'PUT', body: String(Date.now()), signal: AbortSignal.timeout(5000) });
    } catch (err) {
      log({ level: 'warn', event: 'probe write failed', error: `${err.name}: ${err.message}` });
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
function onProbe(e) {
  const n = e.eventNotification;
  if (ready || `${n?.newParentPath || e.directory}/${n?.newEntry?.name}` !== probePath) return;
  ready = true;
  writeFileSync(join(stackDir(), 'run/notifier.ready'), String(process.pid));
  log({ event: 'subscribed', probe: probePath });
  fetch(`${filerHttp}${probePath}`, { method: 'DELETE' }).catch(() => {});
}

let queue = Promise.resolve(); // events are sent in the filer's order
function onFilerEvent(e) {
  onProbe(e);
  queue = queue.then(async () => {
    const ev = s3EventOf(e);
    if (ev) {
      for (const c of config.QueueConfigurations ?? []) {
        if (!wants(c, ev.eventName, ev.key)) continue;
        await send(c.QueueArn, objectCreatedEvent(bucket, ev.key, { ...ev, region: env.AWS_REGION, configurationId: c.Id }));
        log({ event: ev.eventName, key: ev.key, size: ev.size, etag: ev.etag, queue: c.QueueArn });
      }
    }
    writeFileSync(`${offsetPath}.tmp`, String(e.tsNs));
    renameSync(`${offsetPath}.tmp`, offsetPath);
  });
}

/** Splits `weed filer.meta.tail`'s output (indented JSON objects one after another) into objects. */
function jsonObjects(onObject) {
  let buf = '', depth = 0, inString = false, escaped = false, start = -1;
  return (chunk) => {
    const base = buf.length;
    buf += chunk;
    for (let i = base; i < buf.length; i++) {
      const c = buf[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (c === '\\') escaped = true;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{') { if (depth++ === 0) start = i; }
      else if (c === '}' && --depth === 0) {
        onObject(JSON.parse(buf.slice(start, i + 1)));
        buf = buf.slice(i + 1);
        i = -1;
      }
    }
    if (depth === 0) buf = '';
  };
}

// Resume after the last event sent (a little before it: at least once), else start from now.
const args = [`-filer=${filer}`, `-pathPrefix=${root}`];
if (existsSync(offsetPath)) {
  const agoMs = Date.now() - Number(BigInt(readFileSync(offsetPath, 'utf8').trim()) / 1_000_000n) + 1000;
  args.push(`-timeAgo=${Math.max(1000, agoMs)}ms`);
}
const tail = spawn(weed, ['filer.meta.tail', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
tail.stdout.setEncoding('utf8');
tail.stdout.on('data', jsonObjects(onFilerEvent));
tail.on('exit', (code, signal) => {
  log({ level: 'error', event: 'weed filer.meta.tail exited', code, signal });
  queue.finally(() => process.exit(1));
});
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => { tail.kill('SIGTERM'); queue.finally(() => process.exit(0)); });
log({ event: 'started', filer, bucket, configurations: (config.QueueConfigurations ?? []).map((c) => c.Id) });
probeUntilReady();
