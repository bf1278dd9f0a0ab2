/**
 * Client of the key broker (www/broker): the listing, pre-signed URLs, and data-key unwrap.
 * Usable from the page and from workers (no DOM).
 */
import type { MessageHeader } from 'callseal/decrypt';
import { DATA_KEY_LENGTHS } from 'callseal/suites';
import {
  answerProblem, newNonce, newRecipient, openDataKey, toBase64, UNWRAP_PROTOCOL,
  type RefusalBody, type UnwrapAnswer, type UnwrapRequestBody, type WireDataKey,
} from './unwrap-protocol';

export type { WireDataKey };

export class BrokerError extends Error {
  override readonly name = 'BrokerError';
  constructor(
    /** HTTP status (0 = broker unreachable). */
    readonly status: number,
    /** The broker's error code when it sent one (e.g. `ACCESS_DENIED`, `CONTEXT_MISMATCH`). */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** One contact of the listing: its recordings (one per format) and its transcript. */
export interface Contact {
  id: string;
  title: string;
  startedAt: string;
  agent: string;
  queue: string;
  durationSeconds: number;
  recordings: ObjectRef[];
  transcript?: ObjectRef;
}

export interface ObjectRef {
  /** Object id the broker knows (e.g. `<contactId>.recording.wav`). */
  id: string;
  /** Ciphertext size when the listing gives it. */
  size?: number;
  /** False when the broker says this user may not read or decrypt it. */
  mayRead: boolean;
  /** `wav`, `mp3`, `opus`, `json`. */
  format: string;
  /**
   * Pairs the object's encryption context must hold so that a valid message for ANOTHER object
   * (same key) is refused: contact id, kind, format. Checked by callseal (CONTEXT_MISMATCH).
   */
  expectedContext: Record<string, string>;
  /**
   * A pre-signed GET URL from the listing, and the local time (epoch ms) after which it is not
   * used any more (then the broker is asked for a fresh one; an expired URL met later while
   * playing is refreshed by the range source).
   */
  presigned?: { url: string; usableUntil: number };
  /**
   * The unwrap request, from the listing (the broker read the object's header): the key can be
   * asked for at the click, before the header has arrived. UNTRUSTED like the header itself: the
   * worker compares it with the header it fetches (headerMismatch) and decryption authenticates
   * the header with the key.
   */
  keyRequest?: KeyRequest;
}

/** What POST /api/unwrap is asked with, besides the object id and the recipient key (unwrap-protocol.ts). */
export interface KeyRequest {
  /** The header's message id (base64). */
  messageId: string;
  encryptedDataKey: WireDataKey;
  encryptionContext: Record<string, string>;
}

export interface BrokerUser {
  name: string;
  role: string;
}

export class Broker {
  /** `token`: the signed-in user's ID token (www/lib/signin.ts), sent as `Authorization: Bearer`. */
  constructor(readonly base: string, private readonly token: string) {}

  private async request(path: string, init: RequestInit = {}, accept = 'application/json'): Promise<Response> {
    try {
      return await fetch(new URL(path, this.base), {
        cache: 'no-store',
        ...init,
        credentials: 'omit',
        headers: { ...init.headers, authorization: `Bearer ${this.token}`, accept },
      });
    } catch (e) {
      throw new BrokerError(0, 'UNREACHABLE', `the key broker at ${this.base} could not be reached (${(e as Error).message})`);
    }
  }

  private async call<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await this.request(path, init);
    if (!res.ok) throw await refusal(res);
    const text = await res.text();
    try { return (text ? JSON.parse(text) : {}) as T; } catch { return { message: text.slice(0, 200) } as T; }
  }

  /**
   * Fills the browser's CORS preflight cache for POST /api/unwrap (the broker allows it for
   * 600 s, Access-Control-Max-Age), so that the unwrap at a click is one round trip, not two.
   * The request is an OPTIONS with the unwrap's headers: its own preflight is the one cached, and
   * the broker answers it like a preflight (204, no body, nothing audited, nothing unwrapped).
   * Nothing is relaxed: the unwrap still needs its preflight's grant, only earlier.
   */
  async warmUp(): Promise<void> {
    await fetch(new URL('api/unwrap', this.base), {
      method: 'OPTIONS', cache: 'default', credentials: 'omit', // see unwrapRequest
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
    }).catch(() => undefined);
  }

  /** The signed-in user as the broker knows them (its name and role). */
  async me(): Promise<BrokerUser> {
    const body = await this.call<{ user: string; role: string }>('api/me');
    return { name: body.user, role: body.role };
  }

  async contacts(): Promise<Contact[]> {
    const body = await this.call<unknown>('api/recordings');
    return normalizeListing(body);
  }

  /** A short-lived pre-signed GET URL for the object. */
  async objectUrl(objectId: string): Promise<{ url: string; size?: number }> {
    const body = await this.call<{ url: string; size?: number }>(`api/objects/${encodeURIComponent(objectId)}/url`);
    return { url: body.url, size: body.size };
  }

  /**
   * Asks the broker to unwrap the message's data key. The header is unauthenticated: the
   * broker's KMS Decrypt binds the encryption context, and the broker checks that the context
   * names the object asked for. The returned key (as many bytes as the header's suite takes)
   * must be wiped by the caller after use.
   */
  async unwrap(objectId: string, header: MessageHeader): Promise<Uint8Array> {
    return this.unwrapRequest(objectId, keyRequestOf(header), header.dataKeyLength);
  }

  /**
   * The same, from a prepared request (the listing's `keyRequest`), before the header is known:
   * the key's length is checked against the suites' (16, 24 or 32 bytes) here, and against the
   * header's suite by `checkKeyLength` once the header has arrived.
   *
   * The protocol is unwrap-protocol.ts's: a P-256 key pair is made for this request (WebCrypto,
   * private key not extractable, dropped with the request: one answer can be opened with it, and
   * nothing is kept between requests), its public key and a fresh nonce go with the request, and
   * the answer (JSON) is the data key sealed to that key and bound to this request (object,
   * message id, this token's subject, the nonce). It is opened here into the Uint8Array returned
   * (the caller wipes it); an answer that does not open (sealed to another key or request, or
   * altered), or is not the protocol's, is refused (BadResponse). Refusals are JSON (`refusal`).
   */
  async unwrapRequest(objectId: string, req: KeyRequest, keyLength?: number): Promise<Uint8Array> {
    const subject = subjectOf(this.token);
    const { keyPair, publicKey } = await newRecipient();
    const nonce = toBase64(newNonce());
    const body: UnwrapRequestBody = {
      protocol: UNWRAP_PROTOCOL, objectId, messageId: req.messageId, encryptedDataKey: req.encryptedDataKey,
      encryptionContext: req.encryptionContext, recipientPublicKey: toBase64(publicKey), nonce,
    };
    const res = await this.request('api/unwrap', {
      method: 'POST',
      // Not 'no-store': Chromium skips its CORS preflight cache for requests that disable the
      // HTTP cache, so the warmed preflight (warmUp) would be sent again. Nothing is cached
      // either way: a POST's response is never reused, and the broker answers Cache-Control: no-store.
      cache: 'default',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw await refusal(res);
    const type = mediaType(res);
    if (type !== 'application/json') {
      await res.body?.cancel().catch(() => undefined);
      throw new BrokerError(502, 'BadResponse', `the key broker answered the unwrap with ${type ? `"${type.slice(0, 64)}"` : 'no content type'}, not application/json (${UNWRAP_PROTOCOL})`);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      // The connection dropped mid-body: the broker is unreachable, as for a failed fetch.
      throw new BrokerError(0, 'UNREACHABLE', `the key broker at ${this.base} stopped mid-answer (${(e as Error).message})`);
    }
    let answer: unknown;
    try { answer = JSON.parse(text); } catch { answer = undefined; }
    const problem = answerProblem(answer);
    if (problem) throw new BrokerError(502, 'BadResponse', `the key broker's unwrap answer is not ${UNWRAP_PROTOCOL}: ${problem}`);
    const a = answer as UnwrapAnswer;
    if (a.objectId !== objectId) throw new BrokerError(502, 'BadResponse', 'the key broker answered the unwrap for another object');
    let key: Uint8Array;
    try {
      key = await openDataKey(keyPair, a, { objectId, messageId: req.messageId, subject, nonce });
    } catch {
      throw new BrokerError(502, 'BadResponse', 'the key broker\'s answer does not open with this request\'s key (sealed to another key or for another request, or altered)');
    }
    if (keyLength !== undefined ? key.length !== keyLength : !DATA_KEY_LENGTHS.includes(key.length)) {
      const got = key.length;
      key.fill(0);
      throw new BrokerError(502, 'BadResponse', `the key broker answered with ${got} bytes, not a data key of ${keyLength ?? DATA_KEY_LENGTHS.join(', ')} bytes`);
    }
    return key;
  }
}

/** The unwrap request a header makes: its message id, its KMS-wrapped data key (else its first) and its context. */
export function keyRequestOf(header: Pick<MessageHeader, 'messageId' | 'encryptedDataKeys' | 'encryptionContext'>): KeyRequest {
  // The broker unwraps KMS-wrapped keys; the header may list others (raw keyrings, other keys).
  const edk = header.encryptedDataKeys.find((k) => k.providerId === 'aws-kms') ?? header.encryptedDataKeys[0];
  if (!edk) throw new BrokerError(400, 'InvalidRequest', 'the message header lists no encrypted data key');
  return { messageId: toBase64(header.messageId), encryptedDataKey: wireDataKey(edk), encryptionContext: header.encryptionContext };
}

/**
 * The `sub` claim of the bearer token (the page's own ID token, read, not verified: the broker
 * verifies it), which the unwrap answer is bound to.
 */
function subjectOf(token: string): string {
  try {
    const payload = token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/');
    const sub = (JSON.parse(atob(payload.padEnd(Math.ceil(payload.length / 4) * 4, '='))) as { sub?: unknown }).sub;
    if (typeof sub === 'string' && sub) return sub;
  } catch { /* refused below */ }
  throw new BrokerError(401, 'InvalidToken', 'the sign-in token names no subject (sub)');
}


/**
 * Checks a data key asked for before the header was known (the listing's `keyRequest`) against the
 * header's suite (`dataKeyLength`, which callseal's suite table gives); a key of another length is
 * wiped and refused (BadResponse).
 */
export function checkKeyLength(key: Uint8Array, header: Pick<MessageHeader, 'suite' | 'dataKeyLength'>): Uint8Array {
  const want = header.dataKeyLength;
  if (key.length !== want) {
    const got = key.length;
    key.fill(0);
    throw new BrokerError(502, 'BadResponse', `the key broker answered with ${got} bytes; suite ${header.suite} takes ${want}-byte data keys`);
  }
  return key;
}

/** The media type of an answer, lower case, without parameters ('' when there is none). */
function mediaType(res: Response): string {
  return (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/** A refusal (an answer that is not 2xx) as a BrokerError: the broker sends `{error: {code, message, requestId}}`. */
async function refusal(res: Response): Promise<BrokerError> {
  const text = await res.text().catch(() => '');
  let body: unknown;
  try { body = text ? JSON.parse(text) : {}; } catch { body = { message: text.slice(0, 200) }; }
  const b = (body ?? {}) as Partial<RefusalBody> & { error?: unknown; code?: unknown; message?: unknown };
  const err = (typeof b.error === 'object' && b.error ? b.error : b) as { code?: unknown; message?: unknown };
  return new BrokerError(res.status, String(err.code ?? (typeof b.error === 'string' ? b.error : '') ?? ''),
    String(err.message ?? (typeof b.error === 'string' ? b.error : res.statusText)));
}

function wireDataKey(edk: MessageHeader['encryptedDataKeys'][number]): WireDataKey {
  return { providerId: edk.providerId, providerInfo: new TextDecoder().decode(edk.providerInfo), ciphertext: toBase64(edk.ciphertext) };
}

/**
 * Why a fetched header is not the one a key was asked for (the listing's `keyRequest`), or
 * undefined when it is: the data key asked for must be one of the header's, and the encryption
 * context must be the header's, pair for pair. A mismatch means the object changed since the
 * listing, or someone altered it: the player stops with a clear error instead of going on.
 */
export function headerMismatch(header: MessageHeader, req: KeyRequest): string | undefined {
  if (toBase64(header.messageId) !== req.messageId) return 'the message id differs';
  const asked = req.encryptedDataKey;
  const found = header.encryptedDataKeys.map(wireDataKey)
    .some((k) => k.providerId === asked.providerId && k.providerInfo === asked.providerInfo && k.ciphertext === asked.ciphertext);
  if (!found) return 'the data key asked for is not in the header';
  const have = header.encryptionContext, want = req.encryptionContext;
  const keys = Object.keys(have);
  if (keys.length !== Object.keys(want).length) return 'the encryption context has other pairs';
  for (const k of keys) {
    if (!Object.hasOwn(want, k) || want[k] !== have[k]) return `the encryption context differs at "${k.slice(0, 64)}"`;
  }
  return undefined;
}

const CONTEXT_KEYS = ['aws:connect:instance-id', 'aws:connect:contact-id', 'callseal:kind', 'callseal:format'];

/**
 * The listing: `{contacts: [{contactId, title, queue, initiationTimestamp, durationMillis,
 * objects: [{id, kind, format, redacted, mayRead, ciphertextLength, encryptionContext}]}]}` (or a bare array).
 */
function normalizeListing(body: unknown): Contact[] {
  const receivedAt = Date.now();
  const b = body as { contacts?: unknown[]; recordings?: unknown[] };
  const list = Array.isArray(body) ? body : (b.contacts ?? b.recordings ?? []);
  return list.map((raw) => {
    const r = raw as Record<string, unknown>;
    const objects = (Array.isArray(r.objects) ? r.objects : []) as Record<string, unknown>[];
    const ref = (o: Record<string, unknown>): ObjectRef => {
      // The context the object must carry: the listing's when it gives one, else the pairs
      // callseal's sample pipeline (scripts/samples) and Connect deployments name objects by.
      const ctx = (o.encryptionContext ?? {
        'aws:connect:contact-id': r.contactId, 'callseal:kind': o.kind, 'callseal:format': o.format,
      }) as Record<string, unknown>;
      const expectedContext: Record<string, string> = {};
      for (const k of CONTEXT_KEYS) if (typeof ctx[k] === 'string') expectedContext[k] = ctx[k];
      const size = o.ciphertextLength ?? o.size;
      return {
        id: String(o.id), size: typeof size === 'number' ? size : undefined, format: String(o.format ?? ''),
        mayRead: o.mayRead !== false, expectedContext, presigned: presigned(o, receivedAt), keyRequest: keyRequest(o),
      };
    };
    const order = ['wav', 'mp3', 'opus'];
    // One recording per format and one transcript: the first the user may read in the listing's
    // order (the recording as stored and the redacted transcript come first; a role that may read
    // only redacted content is listed only those), else the first.
    const readableFirst = (list: Record<string, unknown>[]) => [...list.filter((o) => o.mayRead !== false), ...list.filter((o) => o.mayRead === false)];
    const recordingObjects = readableFirst(objects.filter((o) => o.kind === 'recording'))
      .filter((o, i, all) => all.findIndex((x) => x.format === o.format) === i);
    const recordings = recordingObjects.map(ref)
      .sort((x, y) => (order.indexOf(x.format) + 99) % 99 - (order.indexOf(y.format) + 99) % 99);
    // A call's Contact Lens transcript, else a chat's (a chat contact has no recording).
    const transcript = readableFirst(objects.filter((o) => o.kind === 'transcript'))[0]
      ?? readableFirst(objects.filter((o) => o.kind === 'chat-transcript'))[0];
    return {
      id: String(r.contactId ?? r.id),
      title: String(r.title ?? r.contactId ?? r.id),
      startedAt: String(r.initiationTimestamp ?? r.startedAt ?? ''),
      agent: String(r.agent ?? ''),
      queue: String(r.queue ?? ''),
      durationSeconds: Number(r.durationMillis ?? 0) / 1000 || Number(r.durationSeconds ?? 0),
      recordings,
      transcript: transcript ? ref(transcript) : undefined,
    };
  });
}

/**
 * The listing's pre-signed URL with the time it stops being used: its lifetime counted from when
 * the listing arrived (the broker's clock may differ from this one), less a margin so that a
 * recording opened with it can play on for a while before the first refresh.
 */
function presigned(o: Record<string, unknown>, receivedAt: number): ObjectRef['presigned'] {
  const life = Number(o.urlExpiresInSeconds);
  if (typeof o.url !== 'string' || !/^https?:\/\//.test(o.url) || !(life > 0)) return undefined;
  const margin = Math.min(60, life / 2);
  return { url: o.url, usableUntil: receivedAt + (life - margin) * 1000 };
}

/** The listing's header facts as an unwrap request (the first data key; the broker lists its own). */
function keyRequest(o: Record<string, unknown>): KeyRequest | undefined {
  const h = o.header as { messageId?: unknown; encryptedDataKeys?: unknown; encryptionContext?: unknown } | undefined;
  const k = Array.isArray(h?.encryptedDataKeys) ? (h.encryptedDataKeys[0] as Record<string, unknown> | undefined) : undefined;
  const ctx = h?.encryptionContext as Record<string, unknown> | undefined;
  if (!k || typeof k.providerId !== 'string' || typeof k.providerInfo !== 'string' || typeof k.ciphertext !== 'string') return undefined;
  if (!ctx || typeof ctx !== 'object' || !Object.values(ctx).every((v) => typeof v === 'string')) return undefined;
  if (typeof h?.messageId !== 'string') return undefined;
  return {
    messageId: h.messageId,
    encryptedDataKey: { providerId: k.providerId, providerInfo: k.providerInfo, ciphertext: k.ciphertext },
    encryptionContext: { ...(ctx as Record<string, string>) },
  };
}
