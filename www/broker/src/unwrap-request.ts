/**
 * POST /api/unwrap body: validation (shape, sizes, base64) and the encryption-context check
 * against the requested object. Everything the browser sends is untrusted: it was read from a
 * header that nothing has authenticated yet (KMS authenticates the context when it decrypts).
 */
import { BrokerError } from './errors.js';

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
  encryptedDataKey: { providerId: string; providerInfo: string; ciphertext: Buffer };
  encryptionContext: Record<string, string>;
  user?: string;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

function str(v: unknown, field: string, max: number): string {
  if (typeof v !== 'string') throw new BrokerError('InvalidRequest', `${field} must be a string`);
  if (v.length === 0 || v.length > max) throw new BrokerError('InvalidRequest', `${field} must be 1..${max} characters, got ${v.length}`);
  return v;
}

export const OBJECT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function parseUnwrapRequest(body: unknown): UnwrapRequest {
  if (!isPlainObject(body)) throw new BrokerError('InvalidRequest', 'body must be a JSON object');
  const allowed = new Set(['objectId', 'encryptedDataKey', 'encryptionContext', 'user']);
  for (const k of Object.keys(body)) if (!allowed.has(k)) throw new BrokerError('InvalidRequest', `unexpected field "${k.slice(0, 64)}"`);

  const objectId = str(body.objectId, 'objectId', LIMITS.objectId);
  if (!OBJECT_ID.test(objectId)) throw new BrokerError('InvalidRequest', 'objectId has characters outside [A-Za-z0-9._-]');

  const edk = body.encryptedDataKey;
  if (!isPlainObject(edk)) throw new BrokerError('InvalidRequest', 'encryptedDataKey must be an object {providerId, providerInfo, ciphertext}');
  const providerId = str(edk.providerId, 'encryptedDataKey.providerId', LIMITS.providerId);
  const providerInfo = str(edk.providerInfo, 'encryptedDataKey.providerInfo', LIMITS.providerInfo);
  const b64 = str(edk.ciphertext, 'encryptedDataKey.ciphertext', LIMITS.ciphertextBase64);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) {
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

  let user: string | undefined;
  if (body.user !== undefined) user = str(body.user, 'user', 64).toLowerCase();
  return { objectId, encryptedDataKey: { providerId, providerInfo, ciphertext }, encryptionContext, user };
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
