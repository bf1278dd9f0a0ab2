/**
 * POST /api/unwrap body (www/lib/unwrap-protocol.ts): validation (shape, sizes, base64, the
 * recipient key) and the encryption-context check against the requested object. Everything the
 * browser sends is untrusted: it was read from a header that nothing has authenticated yet (KMS
 * authenticates the context when it decrypts).
 */
import { createHash } from 'node:crypto';
import { BrokerError } from './errors.js';
import {
  importRecipientKey, isBase64, MESSAGE_ID_BYTES, NONCE_BYTES, UNWRAP_PROTOCOL, UNWRAP_REQUEST_FIELDS, type WebCryptoKey,
} from '../../lib/unwrap-protocol.js';

export const LIMITS = {
  objectId: 128,
  providerId: 64,
  providerInfo: 2048,
  ciphertextBase64: 8192, // a KMS CiphertextBlob is at most 6 KiB
  contextPairs: 32,
  contextKey: 256,
  contextValue: 1024,
};

/** The key provider the ESDK's KMS keyring writes (spec: framework/aws-kms/aws-kms-keyring.md). */
export const KMS_PROVIDER_ID = 'aws-kms';
/** The ESDK's signing key, added to the context by signed suites (0x0578). */
export const PUBLIC_KEY_CONTEXT_KEY = 'aws-crypto-public-key';

export interface UnwrapRequest {
  objectId: string;
  /** As sent (base64): the answer is bound to it. */
  messageId: string;
  encryptedDataKey: { providerId: string; providerInfo: string; ciphertext: Buffer };
  encryptionContext: Record<string, string>;
  /** The page's HPKE public key (imported: on the curve) the answer is sealed to. */
  recipient: WebCryptoKey;
  /** A hash of the recipient's public key, for the audit record. */
  recipientSha256: string;
  /** As sent (base64): the answer is bound to it. */
  nonce: string;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

function str(v: unknown, field: string, max: number): string {
  if (typeof v !== 'string') throw new BrokerError('InvalidRequest', `${field} must be a string`);
  if (v.length === 0 || v.length > max) throw new BrokerError('InvalidRequest', `${field} must be 1..${max} characters, got ${v.length}`);
  return v;
}

export const OBJECT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Standard base64 of `sizes` bytes in `field`, or InvalidRequest. */
function base64Of(v: unknown, field: string, sizes: readonly number[]): string {
  const s = str(v, field, 4 * Math.ceil(Math.max(...sizes) / 3));
  if (!isBase64(s) || !sizes.includes(Buffer.from(s, 'base64').length)) {
    throw new BrokerError('InvalidRequest', `${field} must be standard base64 of ${sizes.join(' or ')} bytes`);
  }
  return s;
}

export async function parseUnwrapRequest(body: unknown): Promise<UnwrapRequest> {
  if (!isPlainObject(body)) throw new BrokerError('InvalidRequest', 'body must be a JSON object');
  const allowed = new Set<string>(UNWRAP_REQUEST_FIELDS);
  for (const k of Object.keys(body)) if (!allowed.has(k)) throw new BrokerError('InvalidRequest', `unexpected field "${k.slice(0, 64)}"`);
  if (body.protocol !== UNWRAP_PROTOCOL) {
    throw new BrokerError('UnsupportedProtocol', `protocol must be "${UNWRAP_PROTOCOL}", got ${JSON.stringify(body.protocol ?? null).slice(0, 64)}`);
  }
  if (typeof body.recipientPublicKey !== 'string' || !isBase64(body.recipientPublicKey) || body.recipientPublicKey.length > 128) {
    throw new BrokerError('InvalidRecipientKey', 'recipientPublicKey must be the base64 of an uncompressed P-256 point (the page\'s HPKE public key)');
  }
  const recipientBytes = Buffer.from(body.recipientPublicKey, 'base64');
  const recipient = await importRecipientKey(recipientBytes);
  if (typeof recipient === 'string') throw new BrokerError('InvalidRecipientKey', recipient);
  const nonce = base64Of(body.nonce, 'nonce', [NONCE_BYTES]);
  const messageId = base64Of(body.messageId, 'messageId', MESSAGE_ID_BYTES);

  const objectId = str(body.objectId, 'objectId', LIMITS.objectId);
  if (!OBJECT_ID.test(objectId)) throw new BrokerError('InvalidRequest', 'objectId has characters outside [A-Za-z0-9._-]');

  const edk = body.encryptedDataKey;
  if (!isPlainObject(edk)) throw new BrokerError('InvalidRequest', 'encryptedDataKey must be an object {providerId, providerInfo, ciphertext}');
  const providerId = str(edk.providerId, 'encryptedDataKey.providerId', LIMITS.providerId);
  const providerInfo = str(edk.providerInfo, 'encryptedDataKey.providerInfo', LIMITS.providerInfo);
  const b64 = str(edk.ciphertext, 'encryptedDataKey.ciphertext', LIMITS.ciphertextBase64);
  if (!isBase64(b64)) {
    throw new BrokerError('InvalidRequest', 'encryptedDataKey.ciphertext must be standard base64');
  }
  const ciphertext = Buffer.from(b64, 'base64');

  const ctx = body.encryptionContext;
  if (!isPlainObject(ctx)) throw new BrokerError('InvalidRequest', 'encryptionContext must be an object of strings');
  const entries = Object.entries(ctx);
  if (entries.length > LIMITS.contextPairs) throw new BrokerError('InvalidRequest', `encryptionContext has ${entries.length} pairs (max ${LIMITS.contextPairs})`);
  // A null-prototype object: a pair named "__proto__" (legal JSON, own property after JSON.parse)
  // would otherwise hit the prototype setter and vanish silently from the checked context.
  const encryptionContext: Record<string, string> = Object.create(null);
  for (const [k, v] of entries) {
    str(k, 'encryptionContext key', LIMITS.contextKey);
    encryptionContext[k] = str(v, `encryptionContext["${k.slice(0, 64)}"]`, LIMITS.contextValue);
  }

  return {
    objectId, messageId, encryptedDataKey: { providerId, providerInfo, ciphertext }, encryptionContext,
    recipient, recipientSha256: createHash('sha256').update(recipientBytes).digest('hex'), nonce,
  };
}

/**
 * The requested context must be the object's: every pair the object was encrypted under, equal,
 * and nothing else (the ESDK's signing public key may be extra when the listing does not record it).
 * Returns a reason, or undefined when it matches.
 */
export function contextMismatch(expected: Record<string, string>, requested: Record<string, string>): string | undefined {
  for (const [k, v] of Object.entries(expected)) {
    if (!Object.hasOwn(requested, k)) return `missing "${k}"`;
    if (requested[k] !== v) return `"${k}" does not match the object`;
  }
  for (const k of Object.keys(requested)) {
    if (Object.hasOwn(expected, k)) continue;
    if (k === PUBLIC_KEY_CONTEXT_KEY && !Object.hasOwn(expected, PUBLIC_KEY_CONTEXT_KEY)) continue;
    return `unexpected key "${k.slice(0, 64)}"`;
  }
  return undefined;
}
