/**
 * The audit records in CloudTrail's log file format as well, so that CloudTrail tooling reads
 * them: gzipped `{"Records": [...]}` objects in CALLSEAL_CLOUDTRAIL_BUCKET under
 *   AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 chars>.json.gz
 * (CloudTrail User Guide, "CloudTrail log file name format"; the date is the delivery's, UTC), one
 * object per interval that had records (CALLSEAL_CLOUDTRAIL_SECONDS) and one when the broker stops.
 * The JSON-lines log stays the record the broker waits for (audit.ts); records reach this copy
 * only once written there. An upload that fails is retried at the next interval, holding at most
 * MAX_HELD records (beyond, the oldest are dropped and counted on stderr).
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

const MAX_HELD = 100_000;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The object key of a log file delivered at `at`. */
export function cloudTrailKey(accountId: string, region: string, at: Date): string {
  const iso = at.toISOString();
  const [y, m, d] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
  const stamp = `${y}${m}${d}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
  const unique = [...randomBytes(16)].map((b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('');
  return `AWSLogs/${accountId}/CloudTrail/${region}/${y}/${m}/${d}/${accountId}_CloudTrail_${region}_${stamp}_${unique}.json.gz`;
}

export class CloudTrailExport {
  private held: string[] = [];
  private dropped = 0;
  private uploading?: Promise<void>;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly s3: S3Client, private readonly bucket: string,
    private readonly accountId: string, private readonly region: string, intervalMs: number,
  ) {
    this.timer = setInterval(() => { void this.flush(); }, intervalMs);
    this.timer.unref();
  }

  /** Lines the audit log has written (JSON records, without their newlines). */
  add(lines: string[]) {
    this.held.push(...lines);
    if (this.held.length > MAX_HELD) {
      this.dropped += this.held.length - MAX_HELD;
      this.held.splice(0, this.held.length - MAX_HELD);
    }
  }

  /** Uploads what is held as one log file; on failure keeps it for the next interval. */
  flush(): Promise<void> {
    this.uploading ??= this.upload().finally(() => { this.uploading = undefined; });
    return this.uploading;
  }

  private async upload() {
    if (this.dropped) {
      console.error(`[broker] CloudTrail copy: ${this.dropped} records dropped while uploads failed (they are in the audit log)`);
      this.dropped = 0;
    }
    const lines = this.held.splice(0);
    if (!lines.length) return;
    const body = gzipSync(`{"Records":[${lines.join(',')}]}`);
    const key = cloudTrailKey(this.accountId, this.region, new Date());
    try {
      await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/x-gzip' }));
    } catch (err) {
      console.error(`[broker] CloudTrail copy: uploading ${lines.length} records to s3://${this.bucket}/${key} failed: ${(err as Error).name}`);
      this.held.unshift(...lines);
    }
  }

  close(): Promise<void> {
    clearInterval(this.timer);
    return this.flush();
  }
}
