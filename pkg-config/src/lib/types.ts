/**
 * The public types of the callseal package: the contract pages and consoles code against. The
 * values the wasm layer returns (headers, findings, decisions, error codes) are declared from
 * the Rust types that make them, in generated.ts (`callseal-types`); this file adds the types
 * of what callers give callseal.
 */
import type { MessageHeader, PolicyType } from './generated.js';

export type {
  CallsealErrorCode, Capacity, ContentType, DecidingGrant, DecidingStatement, Decision, DecisionKind, DenyGate,
  Effect, EncryptedDataKey, Finding, FindingCode, Fix, GrantLabel, MessageHeader, PolicyType, Position, Severity, Span,
  SuiteInfo,
} from './generated.js';
export { DATA_KEY_LENGTHS, SUITES } from './generated.js';

// ---------------------------------------------------------------------------------------------
// Bytes
// ---------------------------------------------------------------------------------------------

/**
 * Bytes callseal reads, as WebCrypto reads a `BufferSource`: a `Uint8Array`, any other
 * `ArrayBuffer` view (its bytes) or an `ArrayBuffer`; shared memory too (copied first).
 */
export type ByteInput = ArrayBufferView | ArrayBufferLike;

/**
 * Bytes callseal returns: a `Uint8Array` over a whole, plain (never shared) `ArrayBuffer` of
 * its own, so it goes as it is into a `Blob`, a `fetch` body, `decodeAudioData(bytes.buffer)` or
 * a transfer list. This is `Uint8Array<ArrayBuffer>` under TypeScript 5.7 and later (whose
 * `Uint8Array` alone may be over a `SharedArrayBuffer`), and `Uint8Array` before.
 */
export type OwnedBytes = ReturnType<Uint8Array['slice']>;

// ---------------------------------------------------------------------------------------------
// Envelope decryption
// ---------------------------------------------------------------------------------------------

/** An encrypted data key given to `MessageEncryptor.seal` (a header's keys are ones too). */
export interface EncryptedDataKeyInput {
  providerId: string;
  providerInfo: ByteInput;
  ciphertext: ByteInput;
}

/** A header that decryption verified with the data key (a range reader's, once open). */
export type VerifiedMessageHeader = Omit<MessageHeader, 'unauthenticated'> & { readonly unauthenticated: false };

/** Engines for bulk AES-GCM: the browser's WebCrypto, or the pure-Rust `aes-gcm` fallback. */
export type Engine = 'auto' | 'webcrypto' | 'rust';

export interface DecryptOptions {
  /**
   * Pairs the message's encryption context must contain (CONTEXT_MISMATCH otherwise): stored in
   * its header with these values, or, for a message made with required encryption context
   * (pairs the ESDK authenticates without storing them), authenticated by its header tag. This
   * is the official SDKs' "reproduced encryption context".
   */
  expectedContext?: Record<string, string> | Map<string, string>;
  /** Fail with TOO_MANY_DATA_KEYS when the header lists more data keys than this. */
  maxEncryptedDataKeys?: number;
  /**
   * Signed suites (0214, 0346, 0378, 0578), whose footer signature shows who wrote the message
   * (frame tags only show it was someone holding the data key).
   * - 'verify' (default): nothing of a signed message is released before its signature
   *   verified. `decrypt` verifies it first; `decryptStream` and `openRangeReader`, which would
   *   release frames before (streams) or without (range readers) that check, refuse signed
   *   messages with SIGNED_MESSAGE_REFUSED when the header arrives, before the key is used.
   * - 'release-before-verify': streams and range readers take signed messages too. A stream
   *   releases each frame once its tag verifies and errors at the end if the signature does
   *   not verify (SIGNATURE_INVALID) or the footer is missing (TRUNCATED); a range reader never
   *   checks it (see {@link RangeReader}). `decrypt` is the same as with 'verify'.
   * - 'reject': signed messages are refused everywhere (`parseHeader` too).
   */
  signedMessages?: 'verify' | 'release-before-verify' | 'reject';
  /** Default 'auto': WebCrypto where it exists (and the key size is supported), else Rust. */
  engine?: Engine;
}

export interface StreamOptions extends DecryptOptions {
  /**
   * Aborting it errors the stream with the signal's reason and wipes the stream's keys at once.
   * Cancelling the readable side does the same where the browser tells the transformer (Node;
   * not Chromium 156, where the keys otherwise stay until the collector frees the decryptor).
   */
  signal?: AbortSignal;
}

/** A byte-range source, e.g. HTTP Range requests on a pre-signed S3 URL. */
/** Options of `verifySignature`. */
export interface SignatureCheckOptions {
  /** Bytes read (and hashed) at a time; default 1 MiB. */
  chunkSize?: number;
  /** Stops the check between reads (rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Called after each read: bytes hashed so far, bytes to hash in all. */
  onProgress?: (hashed: number, total: number) => void;
}

export interface RangeSource {
  /** Total size of the encrypted object in bytes (e.g. from `Content-Length`). */
  size: number;
  /**
   * Returns exactly bytes [offset, offset + length) of the object (a `Uint8Array`, or any
   * `BufferSource`, e.g. `response.arrayBuffer()`); any other length fails the read with
   * INVALID_ARGUMENT. An error it throws (a failed fetch, an aborted request) reaches the
   * caller as it is, not as a CallsealError.
   */
  read(offset: number, length: number): Promise<ByteInput>;
}

/**
 * Random access to the plaintext of a framed message.
 *
 * Verified before any byte is returned: the header (authentication tag and, for committing
 * suites, the key commitment), the final frame (so `plaintextLength` is authentic and
 * truncation is detected) and the tag of every frame a read touches, each at its expected
 * position and sequence number.
 * NEVER verified by a reader: the footer signature of signed suites. A reader does not read
 * the footer, even when every byte of the plaintext is read through it, so the plaintext of a
 * signed message is authenticated by its frame tags only: anyone who holds the data key (every
 * page the key broker answered) could have written it, not only the holder of the signing key.
 * A reader therefore refuses signed messages (SIGNED_MESSAGE_REFUSED) unless opened with
 * `signedMessages: 'release-before-verify'`; decrypt the whole message with `decrypt` where the
 * signature matters. Also not verified: frames a read
 * did not touch, and that the object did not change between two requests (pin it, e.g. with
 * `If-Match: <ETag>`). A non-framed message is fetched and authenticated whole, for every read.
 */
export interface RangeReader {
  readonly header: VerifiedMessageHeader;
  readonly plaintextLength: number;
  readonly frameLength: number;
  /**
   * Plaintext bytes [offset, offset + length), clipped at the end of the plaintext. Offset and
   * length are whole numbers of bytes, the offset at most `plaintextLength` (else
   * INVALID_ARGUMENT). Reads run one at a time, in call order.
   */
  read(offset: number, length: number): Promise<OwnedBytes>;
  /**
   * Wipes the derived key: at once, or when a read that is opening frames right now ends.
   * Reads not yet started, and later ones, fail with INVALID_STATE.
   */
  close(): void;
}

/**
 * S3 Encryption Client object metadata: the object's `x-amz-meta-*` headers as a plain object
 * (the AWS SDK's `Metadata`), a `Map`, or a fetch `Headers` (anything but an Array that has
 * `get` and iterates `[name, value]` pairs).
 */
export type S3ObjectMetadata =
  | Record<string, string>
  | ReadonlyMap<string, string>
  | { get(name: string): string | null; [Symbol.iterator](): Iterator<[string, string]> };

/**
 * A raw AES keyring as the AWS Encryption SDK defines it (namespace, name, wrapping key): a plain
 * object with exactly these fields (an unknown field is `INVALID_ARGUMENT`, not ignored).
 */
export interface RawAesKeyring {
  keyNamespace: string;
  keyName: string;
  /** 16, 24 or 32 bytes. */
  key: ByteInput;
}

/** What `encryptWithRawAes` and `MessageEncryptor` write (callseal/encrypt). */
export interface EncryptOptions {
  /** Default 0x0578 (committing, signed: the ESDK default). */
  suiteId?: number | null;
  /**
   * Default 4096; 0 makes a non-framed message. At most 2^31 - 1 (2147483647), the largest
   * frame length the official SDKs decrypt.
   */
  frameLength?: number | null;
  /**
   * String pairs, a plain object or a Map. No key may start with `aws-crypto-` (reserved:
   * `aws-crypto-public-key` is added for signed suites).
   */
  encryptionContext?: Record<string, string> | ReadonlyMap<string, string> | null;
}

// ---------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------

export interface ValidateOptions {
  policyType?: PolicyType;
  /**
   * For an identity policy, which kind it is, for its size quota (non-whitespace characters):
   * 'managed' 6,144; inline policies of a 'role' 10,240, 'group' 5,120, 'user' 2,048. Without
   * it, Access Analyzer's 10,240.
   */
  identityPolicy?: 'managed' | 'role' | 'group' | 'user';
}

export type ContextValue = string | string[] | number | boolean;

export interface EvaluationRequest {
  /** ARN of the caller: user, role, assumed-role session, account root, or a service principal. */
  principal: string;
  action: string;
  resource: string;
  /** For ARNs without an account (e.g. S3); otherwise taken from the resource ARN. */
  resourceAccount?: string;
  context?: Record<string, ContextValue>;
}

export interface PolicySet {
  identity?: string[];
  resource?: string;
  /**
   * The KMS key's policy, or `'default'` for the default key policy (the key's own account is
   * allowed `kms:*`, so identity policies decide). A `kms:` request on a KMS key without one is
   * an `ImplicitDeny`: the key policy is the root of trust, and nothing is assumed.
   */
  kmsKeyPolicy?: string;
  boundary?: string;
  /** One entry per organization level (root, each OU, the account); every level must allow. */
  scps?: (string | string[])[];
  rcps?: (string | string[])[];
  session?: string;
  /**
   * The key's KMS grants: each a `GrantListEntry` as `ListGrants` returns it, or the CloudTrail
   * record of the `CreateGrant` call that made it. A grant allows its operations to its grantee
   * on its key when the request's `kms:EncryptionContext:` keys meet its constraints; it
   * never overrides a Deny. A grant callseal cannot fully read is a MALFORMED_POLICY error.
   */
  grants?: (GrantListEntry | CreateGrantRecord)[];
}

/** A grant as `ListGrants` returns it (KMS API Reference, GrantListEntry). */
export interface GrantListEntry {
  KeyId: string;
  GrantId?: string;
  Name?: string;
  /** A `Date` (AWS SDK) or the API's number; not read. */
  CreationDate?: unknown;
  GranteePrincipal: string;
  RetiringPrincipal?: string;
  IssuingAccount?: string;
  Operations: GrantOperation[];
  Constraints?: {
    /** Keys compared case-insensitively, values case-sensitively. */
    EncryptionContextSubset?: Record<string, string>;
    EncryptionContextEquals?: Record<string, string>;
  };
}

/** The CloudTrail record of a `CreateGrant` call (camelCase request parameters). */
export interface CreateGrantRecord {
  eventName: 'CreateGrant';
  eventSource?: 'kms.amazonaws.com';
  requestParameters: {
    keyId: string;
    granteePrincipal: string;
    retiringPrincipal?: string;
    operations: GrantOperation[];
    constraints?: { encryptionContextSubset?: Record<string, string>; encryptionContextEquals?: Record<string, string> };
    name?: string;
    grantTokens?: string[];
    dryRun?: boolean;
  };
  responseElements?: { grantId?: string } | null;
  /** Every other field of the record is accepted and not read; `errorCode` means no grant was made. */
  [field: string]: unknown;
}

export type GrantOperation =
  | 'Decrypt' | 'Encrypt' | 'GenerateDataKey' | 'GenerateDataKeyWithoutPlaintext' | 'GenerateDataKeyPair'
  | 'GenerateDataKeyPairWithoutPlaintext' | 'ReEncryptFrom' | 'ReEncryptTo' | 'CreateGrant' | 'RetireGrant'
  | 'DescribeKey' | 'GetPublicKey' | 'Sign' | 'Verify' | 'GenerateMac' | 'VerifyMac' | 'DeriveSharedSecret';
