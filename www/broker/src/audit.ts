/**
 * Audit log: one JSON line per decision (each unwrap, each signed URL, each refusal), in the shape
 * of the AWS CloudTrail KMS events of the seeds (eventVersion, userIdentity, eventTime, eventSource,
 * eventName, requestParameters.{keyId, encryptionContext, encryptionAlgorithm}, requestID, eventID,
 * resources, errorCode/errorMessage when refused), so the same tooling can read both. Never holds
 * key material: only the request's metadata.
 *
 * Tamper-evident: each record carries `chain: {seq, prev}`, its number in this log file and the
 * SHA-256 (hex) of the line before it (null for the first), so that removing, altering or
 * reordering a record breaks the chain at the next one (audit-check.ts finds where). A restarted
 * broker continues the chain from the file's last line.
 *
 * `record` resolves once the line is on disk (written and fdatasync'd; records that arrive while
 * a sync runs share the next one) and rejects with AuditUnavailable when it could not be written:
 * the caller releases a key or URL only after it resolved. A failed write is cut off the file
 * again (truncated to the last synced length, so no torn line stays), and the log reports itself
 * unwritable (`status`, shown by /healthz) until a write succeeds again.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BrokerError } from './errors.js';
import { type User, principalOf } from './users.js';

export interface AuditEntry {
  eventName: 'Decrypt' | 'GetObject' | 'SearchContacts' | 'Request' | 'StartBroker' | 'RefusalSummary' | 'BulkUnwrapAlert';
  eventSource: 'kms.amazonaws.com' | 's3.amazonaws.com' | 'connect.amazonaws.com' | 'callseal-broker';
  user?: User;
  userName?: string;
  sourceIp: string;
  userAgent?: string;
  requestID: string;
  requestParameters: Record<string, unknown>;
  resources?: { type: string; ARN: string }[];
  errorCode?: string;
  errorMessage?: string;
  additionalEventData?: Record<string, unknown>;
}

/**
 * Control characters (C0, DEL, C1), format characters (bidi controls such as U+202E, zero-width
 * characters, BOM, tags) and the line and paragraph separators. JSON.stringify leaves all but C0
 * raw; in a log line they reorder or hide what a reader sees.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/** JSON text with every UNSAFE character as \uXXXX escapes (the same JSON value, plain ASCII for them). */
export function escapeUnsafe(json: string): string {
  return json.replace(UNSAFE, (c) => {
    let out = '';
    for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return out;
  });
}

interface Pending {
  event: Record<string, unknown>;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Where the chain stands: the next record's number and the hash of the last line. */
interface Chain {
  seq: number;
  prev: string | null;
}

export const sha256 = (line: string) => createHash('sha256').update(line, 'utf8').digest('hex');

/** The chain after the last line of an existing log (its last 64 KiB are read). */
async function lastLink(path: string, size: number): Promise<Chain> {
  if (size === 0) return { seq: 0, prev: null };
  const fh = await open(path, 'r');
  try {
    const n = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(n);
    await fh.read(buf, 0, n, size - n);
    const lines = buf.toString('utf8').split('\n').filter(Boolean);
    const last = lines.at(-1) ?? '';
    let seq = 0;
    try { seq = Number((JSON.parse(last) as { chain?: Chain }).chain?.seq ?? -1) + 1; } catch { /* not a record: the check reports it */ }
    return { seq, prev: sha256(last) };
  } finally {
    await fh.close();
  }
}

export interface AuditStatus {
  writable: boolean;
  /** Why the last write failed (an errno code such as ENOSPC), while it is unwritable. */
  error?: string;
  since?: string;
}

export class AuditLog {
  private file?: { handle: FileHandle; size: number; regular: boolean; chain: Chain };
  private queue: Pending[] = [];
  private flushing = false;
  private state: AuditStatus = { writable: true };
  /** Told the lines (without newlines) once they are on disk: the CloudTrail copy. */
  onWritten?: (lines: string[]) => void;

  constructor(readonly path: string, private readonly accountId: string, private readonly region: string) {}

  /** Whether the last write reached the disk. */
  status(): AuditStatus {
    return { ...this.state };
  }

  record(e: AuditEntry): Promise<void> {
    const p = e.user ? principalOf(e.user, this.accountId) : undefined;
    const event = {
      eventVersion: '1.08',
      userIdentity: p
        ? {
            type: 'AssumedRole',
            principalId: `${p.roleName}:${e.user!.name}`,
            arn: p.sessionArn,
            accountId: this.accountId,
            sessionContext: { sessionIssuer: { type: 'Role', arn: p.roleArn, accountId: this.accountId, userName: p.roleName } },
            invokedBy: 'callseal-key-broker',
          }
        : { type: 'Unknown', userName: e.userName ?? null, invokedBy: 'callseal-key-broker' },
      eventTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      eventSource: e.eventSource,
      eventName: e.eventName,
      awsRegion: this.region,
      sourceIPAddress: e.sourceIp,
      userAgent: e.userAgent?.slice(0, 256) ?? null,
      ...(e.errorCode ? { errorCode: e.errorCode, errorMessage: e.errorMessage?.slice(0, 512) } : {}),
      requestParameters: e.requestParameters,
      responseElements: null,
      ...(e.additionalEventData ? { additionalEventData: e.additionalEventData } : {}),
      requestID: e.requestID,
      eventID: randomUUID(),
      readOnly: true,
      resources: (e.resources ?? []).map((r) => ({ accountId: this.accountId, ...r })),
      eventType: 'AwsApiCall',
      managementEvent: e.eventSource === 'kms.amazonaws.com',
      recipientAccountId: this.accountId,
      eventCategory: e.eventSource === 'kms.amazonaws.com' ? 'Management' : 'Data',
    };
    return this.append(event);
  }

  private append(event: Record<string, unknown>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /** One writer: each round writes everything queued so far with one write and one fdatasync. */
  private async flush() {
    this.flushing = true;
    while (this.queue.length) {
      const batch = this.queue.splice(0);
      try {
        const file = await this.opened();
        // The chain advances only with what reached the disk.
        let { seq, prev } = file.chain;
        const lines = batch.map((p) => {
          const line = escapeUnsafe(JSON.stringify({ ...p.event, chain: { seq, prev } }));
          seq++;
          prev = sha256(line);
          return line + '\n';
        });
        const bytes = Buffer.from(lines.join(''), 'utf8');
        await file.handle.write(bytes, 0, bytes.length); // opened for append: lands at the end
        await file.handle.datasync();
        file.size += bytes.length;
        file.chain = { seq, prev };
        this.onWritten?.(lines.map((l) => l.slice(0, -1)));
        this.state = { writable: true };
        for (const p of batch) p.resolve();
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
        if (this.state.writable) console.error(`[broker] audit log ${this.path} cannot be written (${code}): keys and URLs are refused until it can`);
        this.state = { writable: false, error: code, since: this.state.since ?? new Date().toISOString() };
        await this.discard();
        const refusal = new BrokerError('AuditUnavailable', 'the audit log cannot be written: nothing is released until it can');
        for (const p of batch) p.reject(refusal);
      }
    }
    this.flushing = false;
  }

  private async opened() {
    if (!this.file) {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      const handle = await open(this.path, 'a', 0o600);
      const st = await handle.stat();
      const chain = st.isFile() ? await lastLink(this.path, st.size) : { seq: 0, prev: null };
      this.file = { handle, size: st.size, regular: st.isFile(), chain };
    }
    return this.file;
  }

  /** After a failed write: cut what it may have left, close, and open afresh on the next record. */
  private async discard() {
    const file = this.file;
    this.file = undefined;
    if (!file) return;
    if (file.regular) await file.handle.truncate(file.size).catch(() => {});
    await file.handle.close().catch(() => {});
  }
}
