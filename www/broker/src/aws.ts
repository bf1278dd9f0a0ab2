/**
 * The AWS calls the broker makes, through the AWS SDK for JavaScript v3. The same code talks
 * to the local stack (endpoints set) and to real AWS (endpoints unset: default endpoints and the
 * default credential chain).
 *
 * Every call is bounded: a connect timeout and a per-attempt timeout (CALLSEAL_AWS_CONNECT_TIMEOUT_MS,
 * CALLSEAL_AWS_ATTEMPT_TIMEOUT_MS), the SDK's standard retries (KMS: 3 attempts; throttling and
 * transient errors, exponential backoff with full jitter), and the request's overall deadline.
 */
import { KMSClient, DecryptCommand, GetKeyPolicyCommand } from '@aws-sdk/client-kms';
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

/** How long a key policy read from KMS is used before it is read again. */
const KEY_POLICY_TTL_MS = 60_000;

/**
 * The key policy of the broker's KMS key, as KMS has it now (GetKeyPolicy, the "default"
 * policy), read again after a minute. A failed read refuses (KmsUnavailable): no decision is made
 * without the key policy.
 */
export class KeyPolicy {
  private cached?: { at: number; text: string };
  private pending?: Promise<string>;

  constructor(private readonly kms: KMSClient, private readonly keyArn: string) {}

  get(): Promise<string> {
    if (this.cached && Date.now() - this.cached.at < KEY_POLICY_TTL_MS) return Promise.resolve(this.cached.text);
    this.pending ??= this.load().finally(() => { this.pending = undefined; });
    return this.pending;
  }

  private async load(): Promise<string> {
    let out;
    try {
      out = await this.kms.send(new GetKeyPolicyCommand({ KeyId: this.keyArn, PolicyName: 'default' }));
    } catch (err) {
      const e = kmsError(err, 'GetKeyPolicy');
      throw e.code === 'KmsThrottled' || e.code === 'DeadlineExceeded' ? e
        : new BrokerError('KmsUnavailable', 'the key policy of the recordings key could not be read from KMS');
    }
    if (!out.Policy) throw new BrokerError('KmsUnavailable', 'KMS returned no key policy for the recordings key');
    this.cached = { at: Date.now(), text: out.Policy };
    return out.Policy;
  }
}
