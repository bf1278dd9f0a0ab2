/**
 * The audit log as S3 objects (the Lambda function's sink: CALLSEAL_AUDIT_SINK=s3): each write of
 * the log (one request's records, or the records that arrived while the write before ran) is one
 * object, stored before any of its records counts as written, under
 *   <prefix>YYYY/MM/DD/<YYYYMMDDTHHmmss.sssZ>_<stream>_<seq>.jsonl
 * (the write's UTC time, the stream's 12 hex characters, the chain position of its first record,
 * 12 digits), so that keys sort by time and name their place in the chain. The body is the JSON
 * lines the file sink would append; a stream's objects in `seq` order are its log.
 *
 * Written with `If-None-Match: *`: an object is never overwritten. Each execution environment (and
 * each stream after a failed write, whose object may or may not have been stored) starts a stream
 * of its own at record 0, so no two writers share a chain.
 */
import { randomBytes } from 'node:crypto';
import { PutObjectCommand, GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import type { AuditSink, Chain } from './audit.js';

const OBJECT = /(?:^|\/)(\d{8}T\d{6}\.\d{3}Z)_([0-9a-f]{12})_(\d{12})\.jsonl$/;

/** The key of the object holding stream `stream`'s records from `seq`, written at `at`. */
export function auditObjectKey(prefix: string, stream: string, seq: number, at: Date): string {
  const iso = at.toISOString();
  const stamp = iso.replace(/[-:]/g, '');
  return `${prefix}${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${stamp}_${stream}_${String(seq).padStart(12, '0')}.jsonl`;
}

/** The stream and first chain position an audit object's key (or a downloaded copy's path) names. */
export function parseAuditObjectKey(key: string): { stream: string; seq: number } | undefined {
  const m = OBJECT.exec(key);
  return m ? { stream: m[2]!, seq: Number(m[3]) } : undefined;
}

/** Audit objects (keys or paths, with their bodies) as one log text per stream, in chain order. */
export function streamsOf(objects: { key: string; text: string }[], where: string): { name: string; text: string }[] {
  const streams = new Map<string, { seq: number; text: string }[]>();
  for (const o of objects) {
    const k = parseAuditObjectKey(o.key);
    if (!k) continue;
    const parts = streams.get(k.stream) ?? [];
    parts.push({ seq: k.seq, text: o.text });
    streams.set(k.stream, parts);
  }
  return [...streams].map(([stream, parts]) => ({
    name: `${where} stream ${stream}`,
    text: parts.sort((a, b) => a.seq - b.seq).map((p) => p.text).join(''),
  }));
}

/** The audit objects under s3://bucket/prefix as one log text per stream. */
export async function readS3Audit(s3: S3Client, bucket: string, prefix: string) {
  const objects: { key: string; text: string }[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    for (const o of page.Contents ?? []) {
      if (!o.Key || !parseAuditObjectKey(o.Key)) continue;
      const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
      objects.push({ key: o.Key, text: await res.Body!.transformToString('utf8') });
    }
  }
  return streamsOf(objects, `s3://${bucket}/${prefix}`);
}

export class S3AuditSink implements AuditSink {
  private stream = '';

  constructor(private readonly s3: S3Client, readonly bucket: string, readonly prefix: string) {}

  get where() {
    return `s3://${this.bucket}/${this.prefix}`;
  }

  async open(): Promise<Chain> {
    this.stream = randomBytes(6).toString('hex');
    return { seq: 0, prev: null };
  }

  async write(bytes: Buffer, seq: number): Promise<void> {
    const key = auditObjectKey(this.prefix, this.stream, seq, new Date());
    try {
      await this.s3.send(new PutObjectCommand({
        Bucket: this.bucket, Key: key, Body: bytes, ContentType: 'application/x-ndjson', IfNoneMatch: '*',
      }));
    } catch (err) {
      const e = err as { name?: string; code?: string };
      throw Object.assign(new Error(`PutObject s3://${this.bucket}/${key} failed`), { code: e.code ?? e.name ?? 'S3Error' });
    }
  }

  async discard() {}
}
