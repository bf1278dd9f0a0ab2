/**
 * The key broker's unwrap protocol (POST /api/unwrap), defined once for both ends: the broker
 * (www/broker/src) and the page's client (www/lib/broker.ts) import this module.
 *
 * The page asks with a P-256 public key of its own (HPKE recipient; its private key made by
 * WebCrypto, non-extractable, for this one request) and a fresh nonce; the broker answers the
 * data key sealed to that key with HPKE (RFC 9180, mode base: DHKEM(P-256, HKDF-SHA256),
 * HKDF-SHA256, AES-256-GCM, through @hpke/core). No transport, log or string carries a usable
 * key: the answer is JSON whose base64 fields are the encapsulated key and the sealed data key.
 * `info` names the protocol; `aad` binds the answer to its request (object id, the header's
 * message id, the signed-in user's subject, the request's nonce): opened for any other request,
 * or altered, the answer fails to open.
 *
 * Works on WebCrypto alone (browsers, workers, Node): no Node API here.
 */
import { Aes256Gcm, CipherSuite, DhkemP256HkdfSha256, HkdfSha256 } from '@hpke/core';

/** The protocol's name and version: the request's and the answer's `protocol`, and HPKE's `info`. */
export const UNWRAP_PROTOCOL = 'callseal-unwrap/1';
/** The HPKE suite, for the record (RFC 9180 names). */
export const UNWRAP_HPKE_SUITE = 'DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-256-GCM';

/** One encrypted data key of an ESDK header: providerInfo as text, ciphertext in base64. */
export interface WireDataKey {
  providerId: string;
  providerInfo: string;
  ciphertext: string;
}

/** The body of POST /api/unwrap (application/json). Binary fields are standard base64. */
export interface UnwrapRequestBody {
  protocol: typeof UNWRAP_PROTOCOL;
  /** The object whose data key is asked for (the listing's id). */
  objectId: string;
  /** The ESDK header's message id (16 or 32 bytes). */
  messageId: string;
  /** The data key wrapped under the broker's KMS key, as the header holds it. */
  encryptedDataKey: WireDataKey;
  /** The header's encryption context. */
  encryptionContext: Record<string, string>;
  /** The page's HPKE public key: an uncompressed P-256 point (65 bytes, SerializePublicKey of RFC 9180). */
  recipientPublicKey: string;
  /** Fresh random bytes of this request (NONCE_BYTES). */
  nonce: string;
}

/** Every field of the request, all required. */
export const UNWRAP_REQUEST_FIELDS = [
  'protocol', 'objectId', 'messageId', 'encryptedDataKey', 'encryptionContext', 'recipientPublicKey', 'nonce',
] as const satisfies readonly (keyof UnwrapRequestBody)[];

/** Every field of a granted unwrap's answer, all required. */
export const UNWRAP_ANSWER_FIELDS = ['protocol', 'objectId', 'keyId', 'enc', 'sealedKey'] as const satisfies readonly (keyof UnwrapAnswer)[];

/** A granted unwrap's answer (200, application/json). */
export interface UnwrapAnswer {
  protocol: typeof UNWRAP_PROTOCOL;
  /** The object it is the key of (the request's). */
  objectId: string;
  /** The KMS key the data key was unwrapped with. */
  keyId: string;
  /** HPKE's encapsulated key (65 bytes, base64). */
  enc: string;
  /** The data key sealed to the request's recipient key (the key's length + 16, base64). */
  sealedKey: string;
}

/** What the answer is bound to (HPKE `aad`): the request's fields and the signed-in user's `sub`. */
export interface AnswerBinding {
  objectId: string;
  messageId: string;
  /** The bearer token's `sub` claim, as the broker verified it. */
  subject: string;
  nonce: string;
}

/** A refusal (any status that is not 2xx), JSON. */
export interface RefusalBody {
  error: { code: string; message: string; requestId: string };
}

/** The unwrap protocol's own refusals, with their HTTP status (the broker's table, errors.ts, has them). */
export const UNWRAP_ERRORS = {
  /** The request's `protocol` is missing or another version. */
  UnsupportedProtocol: 400,
  /** `recipientPublicKey` is missing or not a P-256 public key. */
  InvalidRecipientKey: 400,
} as const;

export const NONCE_BYTES = 32;
/** An uncompressed P-256 point: 0x04 || x || y. */
export const RECIPIENT_KEY_BYTES = 65;
/** ESDK message ids: 16 bytes (message format 1), 32 (format 2). */
export const MESSAGE_ID_BYTES = [16, 32] as const;

/** A WebCrypto key (named through `crypto.subtle`: the DOM's and Node's typings both have it). */
export type WebCryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
/** The page's key pair for one request: `privateKey` not extractable. */
export interface RecipientKeyPair {
  publicKey: WebCryptoKey;
  privateKey: WebCryptoKey;
}

const suite = new CipherSuite({ kem: new DhkemP256HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
const utf8 = new TextEncoder();
const INFO = utf8.encode(UNWRAP_PROTOCOL);

/** The HPKE `aad` of an answer: its binding as JSON, fields in this fixed order. */
export function bindingAad(b: AnswerBinding): Uint8Array {
  return utf8.encode(JSON.stringify({
    protocol: UNWRAP_PROTOCOL, objectId: b.objectId, messageId: b.messageId, subject: b.subject, nonce: b.nonce,
  }));
}

/** Why `raw` is not a recipient key, or the key (imported with WebCrypto, which checks the point is on the curve). */
export async function importRecipientKey(raw: Uint8Array): Promise<WebCryptoKey | string> {
  if (raw.length !== RECIPIENT_KEY_BYTES || raw[0] !== 0x04) return `recipientPublicKey must be an uncompressed P-256 point (${RECIPIENT_KEY_BYTES} bytes, 0x04 first), got ${raw.length} bytes`;
  try {
    return await suite.kem.deserializePublicKey(raw);
  } catch {
    return 'recipientPublicKey is not a point of P-256';
  }
}

/** The broker's side: the data key sealed to the recipient, for the answer's `enc` and `sealedKey`. */
export async function sealDataKey(recipient: WebCryptoKey, dataKey: Uint8Array, binding: AnswerBinding): Promise<{ enc: Uint8Array; sealedKey: Uint8Array }> {
  const { enc, ct } = await suite.seal({ recipientPublicKey: recipient, info: INFO }, dataKey, bindingAad(binding));
  return { enc: new Uint8Array(enc), sealedKey: new Uint8Array(ct) };
}

/** The page's side: a recipient key pair for one request, its private key not extractable. */
export async function newRecipient(): Promise<{ keyPair: RecipientKeyPair; publicKey: Uint8Array }> {
  const keyPair = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']) as RecipientKeyPair;
  return { keyPair, publicKey: new Uint8Array(await crypto.subtle.exportKey('raw', keyPair.publicKey)) };
}

/** Fresh random bytes for a request's `nonce`. */
export function newNonce(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
}

/**
 * The page's side: the data key of an answer, as a Uint8Array the caller wipes; throws when the
 * answer was not sealed to this key pair for this binding (or was altered).
 */
export async function openDataKey(recipient: RecipientKeyPair, answer: Pick<UnwrapAnswer, 'enc' | 'sealedKey'>, binding: AnswerBinding): Promise<Uint8Array> {
  const plain = await suite.open(
    { recipientKey: recipient, enc: fromBase64(answer.enc), info: INFO },
    fromBase64(answer.sealedKey), bindingAad(binding),
  );
  return new Uint8Array(plain);
}

/**
 * Why `body` is not a granted unwrap's answer of this protocol, or undefined when it is (fields
 * present, strings, base64, nothing else).
 */
export function answerProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the answer is not a JSON object';
  const a = body as Record<string, unknown>;
  if (a.protocol !== UNWRAP_PROTOCOL) return `the answer's protocol is ${JSON.stringify(a.protocol)?.slice(0, 64)}, not ${UNWRAP_PROTOCOL}`;
  for (const f of UNWRAP_ANSWER_FIELDS) {
    if (typeof a[f] !== 'string' || !a[f]) return `the answer has no ${f}`;
  }
  for (const f of ['enc', 'sealedKey'] as const) if (!isBase64(a[f] as string)) return `the answer's ${f} is not base64`;
  const extra = Object.keys(a).find((k) => !(UNWRAP_ANSWER_FIELDS as readonly string[]).includes(k));
  return extra === undefined ? undefined : `the answer has an unexpected field "${extra.slice(0, 64)}"`;
}

export const isBase64 = (s: string): boolean => s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s);

/** Standard base64 of public bytes (a wrapped or sealed key, a public key, a nonce); never of a data key. */
export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The bytes of standard base64 (the caller checked it with isBase64). */
export function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
