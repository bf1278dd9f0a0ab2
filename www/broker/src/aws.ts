/**
 * The AWS calls the broker makes, through the AWS SDK for JavaScript v3. The same code talks
 * to the local stack (endpoints set) and to real AWS (endpoints unset: default endpoints and the
 * default credential chain).
 *
 * Every call is bounded: a connect timeout and a per-attempt timeout (CALLSEAL_AWS_CONNECT_TIMEOUT_MS,
 * CALLSEAL_AWS_ATTEMPT_TIMEOUT_MS), the SDK's standard retries (KMS: 3 attempts; throttling and
 * transient errors, exponential backoff with full jitter), and the request's overall deadline.
 */
import { KMSClient, DecryptCommand, GetKeyPolicyCommand, type GrantListEntry, paginateListGrants } from '@aws-sdk/client-kms';
import { S3Client, GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { BrokerConfig } from './config.js';
import type { ConcurrencyLimit, Deadline } from './deadline.js';
import { BrokerError } from './errors.js';

export function makeClients(config: BrokerConfig) {
  const requestHandler = {
    connectionTimeout: config.awsConnectTimeoutMs,
    requestTimeout: config.awsAttemptTimeoutMs,
    throwOnRequestTimeout: true,
  };
  const kms = new KMSClient({ region: config.region, endpoint: config.kmsEndpoint, maxAttempts: 3, requestHandler });
  const s3 = new S3Client({ region: config.region, endpoint: config.s3Endpoint, forcePathStyle: config.s3ForcePathStyle, maxAttempts: 2, requestHandler });
  return { kms, s3 };
}

/** How long a caller is told to wait after KMS kept throttling: 1 to 3 s, spread. */
const throttledRetryAfter = () => 1 + Math.floor(Math.random() * 3);

/** A failed KMS call as the broker's error: refused (4xx), throttled, out of time, or unavailable. */
function kmsError(err: unknown, what: string): BrokerError {
  if (err instanceof BrokerError) return err;
  const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  console.error(`[broker] KMS ${what} failed: ${e.name ?? ''} ${e.code ?? ''} ${e.message ?? ''}`);
  if (e.name === 'ThrottlingException' || e.name === 'LimitExceededException') {
    return new BrokerError('KmsThrottled', 'KMS is throttling requests; retry shortly', throttledRetryAfter());
  }
  // The SDK names a reset connection ('socket hang up', ECONNRESET) a TimeoutError too.
  const dropped = ['ECONNRESET', 'EPIPE', 'ECONNREFUSED'].includes(e.code ?? '');
  if (!dropped && (e.name === 'AbortError' || e.name === 'TimeoutError')) {
    return new BrokerError('DeadlineExceeded', `KMS ${what} did not answer in time`);
  }
  const status = e.$metadata?.httpStatusCode ?? 0;
  if (status >= 400 && status < 500) {
    // InvalidCiphertextException (wrong context or blob), IncorrectKeyException, AccessDeniedException...
    return new BrokerError(e.name === 'AccessDeniedException' ? 'AccessDenied' : 'InvalidCiphertext', `KMS refused: ${e.name}`);
  }
  return new BrokerError('KmsUnavailable', `KMS ${what} failed`);
}

/**
 * KMS Decrypt of an ESDK data key (spec: framework/aws-kms/aws-kms-keyring.md#ondecrypt): KeyId
 * pinned to the configured key, the message's whole encryption context (KMS authenticates it, so
 * a context altered in the header fails here). Returns the plaintext data key (KMS's Plaintext
 * buffer itself: the caller zero-fills it) and KMS's request id; a key refused here is zero-filled.
 */
export async function kmsUnwrap(
  kms: KMSClient, keyArn: string, ciphertext: Buffer, encryptionContext: Record<string, string>,
  bounds?: { deadline: Deadline; limit: ConcurrencyLimit },
) {
  const command = new DecryptCommand({
    KeyId: keyArn,
    CiphertextBlob: ciphertext,
    EncryptionContext: encryptionContext,
    EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
  });
  let out;
  try {
    out = bounds
      ? await bounds.limit.run(() => bounds.deadline.race(
        kms.send(command, { abortSignal: bounds.deadline.signal }), 'KMS Decrypt',
        (late) => { late.Plaintext?.fill(0); }, // a key that arrives after the deadline is wiped
      ), bounds.deadline)
      : await kms.send(command);
  } catch (err) {
    throw kmsError(err, 'Decrypt');
  }
  const key = out.Plaintext;
  if (out.KeyId !== keyArn) {
    key?.fill(0);
    throw new BrokerError('KeyNotAllowed', 'KMS decrypted under another key');
  }
  // An ESDK data key is 16, 24 or 32 bytes (AES-128/192/256 suites); the page checks it against
  // its header's suite.
  if (!key || ![16, 24, 32].includes(key.length)) {
    key?.fill(0);
    throw new BrokerError('InvalidCiphertext', `data key has ${key?.length ?? 0} bytes, expected 16, 24 or 32 (an AES data key)`);
  }
  return { dataKey: key, kmsRequestId: out.$metadata.requestId };
}

/** A short-lived SigV4 pre-signed GET URL for one object (Range requests work on it). */
export function presignGet(s3: S3Client, bucket: string, key: string, expiresIn: number) {
  return getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn });
}

/** How long a key policy and grants read from KMS are used before they are read again. */
const KEY_ACCESS_TTL_MS = 60_000;

/** What KMS decides a caller's use of the key by, besides IAM policies. */
export interface KeyAccessRules {
  /** The key policy (its "default" policy, the only one KMS has). */
  policy: string;
  /** Every grant on the key, as ListGrants returns them. */
  grants: GrantListEntry[];
}

/**
 * The key policy and the grants of the broker's KMS key, as KMS has them now (GetKeyPolicy and
 * every page of ListGrants), read again after a minute. A failed read refuses (KmsUnavailable): no
 * decision is made without both.
 */
export class KeyAccess {
  private cached?: { at: number; rules: KeyAccessRules };
  private pending?: Promise<KeyAccessRules>;

  constructor(private readonly kms: KMSClient, private readonly keyArn: string) {}

  get(): Promise<KeyAccessRules> {
    if (this.cached && Date.now() - this.cached.at < KEY_ACCESS_TTL_MS) return Promise.resolve(this.cached.rules);
    this.pending ??= this.load().finally(() => { this.pending = undefined; });
    return this.pending;
  }

  private async load(): Promise<KeyAccessRules> {
    const [policy, grants] = await Promise.all([this.policy(), this.grants()]);
    const rules = { policy, grants };
    this.cached = { at: Date.now(), rules };
    return rules;
  }

  private async policy(): Promise<string> {
    let out;
    try {
      out = await this.kms.send(new GetKeyPolicyCommand({ KeyId: this.keyArn, PolicyName: 'default' }));
    } catch (err) {
      throw unreadable(err, 'GetKeyPolicy', 'the key policy');
    }
    if (!out.Policy) throw new BrokerError('KmsUnavailable', 'KMS returned no key policy for the recordings key');
    return out.Policy;
  }

  private async grants(): Promise<GrantListEntry[]> {
    const grants: GrantListEntry[] = [];
    try {
      for await (const page of paginateListGrants({ client: this.kms, pageSize: 100 }, { KeyId: this.keyArn })) {
        grants.push(...(page.Grants ?? []));
      }
    } catch (err) {
      throw unreadable(err, 'ListGrants', 'the grants');
    }
    return grants;
  }
}

/** A failed read of the key's policy or grants: throttled or late as such, else unavailable. */
function unreadable(err: unknown, call: string, what: string): BrokerError {
  const e = kmsError(err, call);
  return e.code === 'KmsThrottled' || e.code === 'DeadlineExceeded' ? e
    : new BrokerError('KmsUnavailable', `${what} of the recordings key could not be read from KMS`);
}
