/**
 * Audit log: one JSON line per decision (each unwrap, each signed URL, each refusal), in the shape
 * of the AWS CloudTrail KMS events of the seeds (eventVersion, userIdentity, eventTime, eventSource,
 * eventName, requestParameters.{keyId, encryptionContext, encryptionAlgorithm}, requestID, eventID,
 * resources, errorCode/errorMessage when refused), so the same tooling can read both. Never holds
 * key material: only the request's metadata.
 */
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type User, principalOf } from './users.js';

export interface AuditEntry {
  eventName: 'Decrypt' | 'GetObject' | 'SearchContacts' | 'Request';
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

export class AuditLog {
  private chain: Promise<void> = Promise.resolve();
  private ready?: Promise<unknown>;

  constructor(readonly path: string, private readonly accountId: string, private readonly region: string) {}

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
    const line = JSON.stringify(event) + '\n';
    this.ready ??= mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    // one writer, in order; a failed write is reported but never loses later records
    this.chain = this.chain.then(() => this.ready).then(() => appendFile(this.path, line, { mode: 0o600 })).catch((err) => {
      console.error(`[broker] audit write failed: ${(err as Error).message}`);
    });
    return this.chain;
  }
}
