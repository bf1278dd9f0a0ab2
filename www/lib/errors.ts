/**
 * Errors in plain words: what happened and what the supervisor can do about it, from callseal's
 * error codes, the object store's HTTP answers and the key broker's refusals, in the page's
 * language (the messages `err.*` of lib/i18n).
 */
import { en } from './i18n/en';
import type { Messages } from './i18n/index';

/** What the error panel offers. */
export type Action = 'reload-list' | 'retry' | 'none';

export interface Explained {
  /** Stable kind, also set as `data-error` on the panel (tests and styling). */
  kind: 'expired' | 'refused' | 'tampered' | 'changed' | 'not-found' | 'unreachable' | 'unsupported' | 'playback' | 'unknown';
  title: string;
  advice: string;
  action: Action;
  /** The technical detail, shown in a collapsed section. */
  detail: string;
}

/** A serialisable error, as posted between worker and page. */
export interface WireError {
  source: 'callseal' | 'broker' | 'store' | 'media' | 'other';
  code: string;
  status: number;
  message: string;
  expired?: boolean;
}

export function toWire(e: unknown): WireError {
  const err = e as { name?: string; code?: unknown; status?: unknown; s3Code?: unknown; message?: unknown; expired?: unknown };
  const message = String(err?.message ?? e);
  if (err?.name === 'CallsealError') return { source: 'callseal', code: String(err.code), status: 0, message };
  if (err?.name === 'BrokerError') return { source: 'broker', code: String(err.code), status: Number(err.status), message };
  if (err?.name === 'FetchError') {
    return { source: 'store', code: String(err.s3Code), status: Number(err.status), message, expired: Boolean(err.expired) };
  }
  return { source: 'other', code: String(err?.name ?? ''), status: 0, message };
}

/** A WireError as an error again (for `toWire` on the other side of a message). */
export function fromWire(w: WireError): Error {
  const name = { callseal: 'CallsealError', broker: 'BrokerError', store: 'FetchError', media: 'MediaError', other: w.code || 'Error' }[w.source];
  return Object.assign(new Error(w.message), { name, code: w.code, status: w.status, s3Code: w.code, expired: w.expired });
}

const TAMPERED = new Set(['TAG_MISMATCH', 'COMMITMENT_MISMATCH', 'SIGNATURE_INVALID', 'MALFORMED_HEADER', 'MALFORMED_BODY',
  'TRUNCATED', 'TRAILING_BYTES', 'CONTEXT_MISMATCH', 'WRONG_KEY_LENGTH']);

export function explain(w: WireError, m: Messages = en): Explained {
  const detail = `${w.source}${w.code ? ` ${w.code}` : ''}${w.status ? ` (HTTP ${w.status})` : ''}: ${w.message}`;
  if (w.source === 'callseal') {
    if (TAMPERED.has(w.code)) {
      return {
        kind: 'tampered', detail, action: 'none',
        title: m['err.tampered.title'],
        advice: m['err.tampered.advice'],
      };
    }
    if (w.code === 'UNSUPPORTED_SUITE' || w.code === 'UNSUPPORTED_VERSION' || w.code === 'ENGINE_UNAVAILABLE') {
      return { kind: 'unsupported', detail, action: 'none', title: m['err.unsupported.title'],
        advice: m['err.unsupported.advice'] };
    }
  }
  if (w.source === 'broker') {
    // Codes of www/broker/src/errors.ts.
    if (w.code === 'EncryptionContextMismatch' || w.code === 'InvalidCiphertext') {
      return {
        kind: 'tampered', detail, action: 'none',
        title: m['err.tampered.title'],
        advice: w.code === 'InvalidCiphertext'
          ? m['err.wrappedKey.advice']
          : m['err.context.advice'],
      };
    }
    if (w.code === 'InvalidToken' || w.code === 'IdentityMismatch' || w.status === 401) {
      return { kind: 'refused', detail, action: 'reload-list', title: m['err.signIn.title'],
        advice: m['err.signIn.advice'] };
    }
    if (w.code === 'OriginNotAllowed') {
      return { kind: 'refused', detail, action: 'none', title: m['err.origin.title'],
        advice: m['err.origin.advice'] };
    }
    if (w.status === 403) {
      return { kind: 'refused', detail, action: 'none', title: m['err.forbidden.title'],
        advice: m['err.forbidden.advice'] };
    }
    if (w.status === 404) return notFound(detail, m);
    if (w.status === 429) {
      return { kind: 'refused', detail, action: 'retry', title: m['err.tooMany.title'],
        advice: m['err.tooMany.advice'] };
    }
    if (w.status === 0 || w.status >= 500) {
      return { kind: 'unreachable', detail, action: 'retry', title: m['err.keyService.title'],
        advice: m['err.keyService.advice'] };
    }
  }
  if (w.source === 'store') {
    // The object was replaced after playback started (range-source.ts pins its ETag).
    if (w.code === 'OBJECT_CHANGED') {
      return { kind: 'changed', detail, action: 'reload-list', title: m['err.changed.title'],
        advice: m['err.changed.advice'] };
    }
    if (w.expired) {
      return { kind: 'expired', detail, action: 'reload-list', title: m['err.expired.title'],
        advice: m['err.expired.advice'] };
    }
    if (w.status === 404) return notFound(detail, m);
    if (w.status === 403) {
      return { kind: 'expired', detail, action: 'reload-list', title: m['err.storeRefused.title'],
        advice: m['err.storeRefused.advice'] };
    }
    if (w.status === 0) {
      return { kind: 'unreachable', detail, action: 'retry', title: m['err.storeUnreachable.title'],
        advice: m['err.storeUnreachable.advice'] };
    }
  }
  if (w.code === 'HeaderMismatch') {
    // The object's header is not the one the listing described (decrypt.worker.ts keyFor).
    return { kind: 'tampered', detail, action: 'reload-list', title: m['err.notListed.title'],
      advice: m['err.notListed.advice'] };
  }
  if (w.source === 'media') {
    return { kind: 'playback', detail, action: 'retry', title: m['err.playback.title'],
      advice: m['err.playback.advice'] };
  }
  return { kind: 'unknown', detail, action: 'retry', title: m['err.unknown.title'],
    advice: m['err.unknown.advice'] };
}

function notFound(detail: string, m: Messages): Explained {
  return { kind: 'not-found', detail, action: 'reload-list', title: m['err.notFound.title'],
    advice: m['err.notFound.advice'] };
}
