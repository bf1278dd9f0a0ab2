/**
 * Audit log: one JSON line per decision (each unwrap, each signed URL, each refusal), in the shape
 * of the AWS CloudTrail KMS events of the seeds (eventVersion, userIdentity, eventTime, eventSource,
 * eventName, requestParameters.{keyId, encryptionContext, encryptionAlgorithm}, requestID, eventID,
 * resources, errorCode/errorMessage when refused), so the same tooling can read both. Never holds
 * key material: only the request's metadata.
 *
 * Tamper-evident: each record carries `chain: {seq, prev}`, its number in this log stream and the
 * SHA-256 (hex) of the line before it (null for the first), so that removing, altering or
 * reordering a record breaks the chain at the next one (audit-check.ts finds where).
 *
 * The records go to a sink (AuditSink): a file (audit-file.ts, the Node server's; a restarted
 * broker continues its chain) or S3 objects (audit-s3.ts, the Lambda function's; each execution
 * environment writes a stream of its own). `record` resolves once the line is written durably (the
 * file fdatasync'd, the S3 object stored; records that arrive while a write runs share the next
 * one) and rejects with AuditUnavailable when it could not be written: the caller releases a key
 * or URL only after it resolved. After a failed write the log reports itself unwritable
 * (`status`, shown by /healthz, with the errno or S3 error name) until a write succeeds again.
 */
import { createHash, randomUUID } from 'node:crypto';
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
export interface Chain {
  seq: number;
  prev: string | null;
}

/**
 * Where the records are kept: a file (audit-file.ts) or S3 objects (audit-s3.ts). One writer at a
 * time: `open` before the first write and again after a `discard`.
 */
export interface AuditSink {
  /** Where the records go, for messages: a path, s3://bucket/prefix. */
  readonly where: string;
  /** Opens the stream the records are written to, and says where its chain stands. */
  open(): Promise<Chain>;
  /** Writes JSON lines (each ending in a newline; the first is record `seq`) durably, or throws. */
  write(bytes: Buffer, seq: number): Promise<void>;
  /** After a failed write: leaves nothing torn behind; the next write opens afresh. */
  discard(): Promise<void>;
}

export const sha256 = (line: string) => createHash('sha256').update(line, 'utf8').digest('hex');

export interface AuditStatus {
  writable: boolean;
  /** Why the last write failed (an errno code such as ENOSPC, an S3 error such as NoSuchBucket), while it is unwritable. */
  error?: string;
  since?: string;
}

export class AuditLog {
  /** Where the open stream's chain stands (unset: not open). */
  private chain?: Chain;
  private queue: Pending[] = [];
  private flushing = false;
  private state: AuditStatus = { writable: true };
  /** Told the lines (without newlines) once they are written: the CloudTrail copy. */
  onWritten?: (lines: string[]) => void;

  constructor(readonly sink: AuditSink, private readonly accountId: string, private readonly region: string) {}

  /** Whether the last write succeeded. */
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

  /** One writer: each round writes everything queued so far with one write of the sink. */
  private async flush() {
    this.flushing = true;
    while (this.queue.length) {
      const batch = this.queue.splice(0);
      try {
        this.chain ??= await this.sink.open();
        // The chain advances only with what was written.
        const first = this.chain.seq;
        let { seq, prev } = this.chain;
        const lines = batch.map((p) => {
          const line = escapeUnsafe(JSON.stringify({ ...p.event, chain: { seq, prev } }));
          seq++;
          prev = sha256(line);
          return line + '\n';
        });
        const bytes = Buffer.from(lines.join(''), 'utf8');
        await this.sink.write(bytes, first);
        this.chain = { seq, prev };
        this.onWritten?.(lines.map((l) => l.slice(0, -1)));
        this.state = { writable: true };
        for (const p of batch) p.resolve();
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
        if (this.state.writable) console.error(`[broker] audit log ${this.sink.where} cannot be written (${code}): keys and URLs are refused until it can`);
        this.state = { writable: false, error: code, since: this.state.since ?? new Date().toISOString() };
        this.chain = undefined;
        await this.sink.discard();
        const refusal = new BrokerError('AuditUnavailable', 'the audit log cannot be written: nothing is released until it can');
        for (const p of batch) p.reject(refusal);
      }
    }
    this.flushing = false;
  }
}
