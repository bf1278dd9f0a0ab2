/**
 * Client of the key broker (www/broker): the listing, pre-signed URLs, and data-key unwrap.
 * Usable from the page and from workers (no DOM).
 */
import type { MessageHeader } from 'callseal/decrypt';

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

/** One contact of the listing: its recording and, when there is one, its transcript. */
export interface Contact {
  id: string;
  title: string;
  startedAt: string;
  agent: string;
  queue: string;
  durationSeconds: number;
  recording: ObjectRef;
  transcript?: ObjectRef;
}

export interface ObjectRef {
  /** Object id the broker knows (its S3 key). */
  id: string;
  size?: number;
  format: string;
}

export interface BrokerUser {
  name: string;
  role: string;
}

export class Broker {
  constructor(readonly base: string, readonly user: string) {}

  private async call<T>(path: string, init: RequestInit = {}): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.base), {
        ...init,
        cache: 'no-store',
        credentials: 'omit',
        headers: { ...init.headers, 'x-callseal-user': this.user, accept: 'application/json' },
      });
    } catch (e) {
      throw new BrokerError(0, 'UNREACHABLE', `the key broker at ${this.base} could not be reached (${(e as Error).message})`);
    }
    const text = await res.text();
    let body: unknown;
    try { body = text ? JSON.parse(text) : {}; } catch { body = { message: text.slice(0, 200) }; }
    if (!res.ok) {
      const b = (body ?? {}) as { error?: unknown; code?: unknown; message?: unknown };
      const err = (typeof b.error === 'object' && b.error ? b.error : b) as { code?: unknown; message?: unknown };
      throw new BrokerError(res.status, String(err.code ?? (typeof b.error === 'string' ? b.error : '') ?? ''),
        String(err.message ?? (typeof b.error === 'string' ? b.error : res.statusText)));
    }
    return body as T;
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
   * names the object asked for. The returned key must be wiped by the caller after use.
   */
  async unwrap(objectId: string, header: MessageHeader): Promise<Uint8Array> {
    const body = await this.call<{ dataKey?: string; plaintext?: string }>('api/unwrap', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        objectId,
        encryptionContext: header.encryptionContext,
        encryptedDataKeys: header.encryptedDataKeys.map((k) => ({
          providerId: k.providerId,
          providerInfo: new TextDecoder().decode(k.providerInfo),
          ciphertext: toBase64(k.ciphertext),
        })),
      }),
    });
    const b64 = body.dataKey ?? body.plaintext;
    if (!b64) throw new BrokerError(502, 'BAD_RESPONSE', 'the key broker answered without a data key');
    return fromBase64(b64);
  }
}

/** Accepts the listing as `{recordings: [...]}` or a bare array. */
function normalizeListing(body: unknown): Contact[] {
  const list = Array.isArray(body) ? body : ((body as { recordings?: unknown[]; contacts?: unknown[] }).recordings
    ?? (body as { contacts?: unknown[] }).contacts ?? []);
  return list.map((raw) => {
    const r = raw as Record<string, unknown>;
    const rec = (r.recording ?? r) as Record<string, unknown>;
    const tr = r.transcript as Record<string, unknown> | undefined;
    const ref = (o: Record<string, unknown>): ObjectRef => ({
      id: String(o.id ?? o.objectId ?? o.key),
      size: typeof o.size === 'number' ? o.size : undefined,
      format: String(o.format ?? o.contentType ?? ''),
    });
    return {
      id: String(r.contactId ?? r.id),
      title: String(r.title ?? r.contactId ?? r.id),
      startedAt: String(r.startedAt ?? r.date ?? ''),
      agent: String(r.agent ?? ''),
      queue: String(r.queue ?? ''),
      durationSeconds: Number(r.durationSeconds ?? r.duration ?? 0),
      recording: ref(rec),
      transcript: tr ? ref(tr) : undefined,
    };
  });
}

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
