/**
 * Errors in plain words: what happened and what the supervisor can do about it, from callseal's
 * error codes, the object store's HTTP answers and the key broker's refusals.
 */

/** What the error panel offers. */
export type Action = 'reload-list' | 'retry' | 'none';

export interface Explained {
  /** Stable kind, also set as `data-error` on the panel (tests and styling). */
  kind: 'expired' | 'refused' | 'tampered' | 'not-found' | 'unreachable' | 'unsupported' | 'playback' | 'unknown';
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

const TAMPERED = new Set(['TAG_MISMATCH', 'COMMITMENT_MISMATCH', 'SIGNATURE_INVALID', 'MALFORMED_HEADER', 'MALFORMED_BODY',
  'TRUNCATED', 'TRAILING_BYTES', 'CONTEXT_MISMATCH', 'WRONG_KEY_LENGTH']);

export function explain(w: WireError): Explained {
  const detail = `${w.source}${w.code ? ` ${w.code}` : ''}${w.status ? ` (HTTP ${w.status})` : ''}: ${w.message}`;
  if (w.source === 'callseal') {
    if (TAMPERED.has(w.code)) {
      return {
        kind: 'tampered', detail, action: 'none',
        title: 'This recording has been altered and cannot be trusted',
        advice: 'Its encrypted bytes do not match what Amazon Connect wrote, so nothing was played. '
          + 'Do not use this copy as evidence; report the contact ID to your security team.',
      };
    }
    if (w.code === 'UNSUPPORTED_SUITE' || w.code === 'UNSUPPORTED_VERSION' || w.code === 'ENGINE_UNAVAILABLE') {
      return { kind: 'unsupported', detail, action: 'none', title: 'This recording uses a format this player does not support',
        advice: 'Try a current version of Chrome, Edge, Firefox or Safari, or ask an administrator how it was encrypted.' };
    }
  }
  if (w.source === 'broker') {
    // Codes of www/broker/src/errors.ts.
    if (w.code === 'EncryptionContextMismatch' || w.code === 'InvalidCiphertext') {
      return {
        kind: 'tampered', detail, action: 'none',
        title: 'This recording has been altered and cannot be trusted',
        advice: w.code === 'InvalidCiphertext'
          ? 'Its wrapped key was rejected by the key service, so nothing was played. Do not use this copy; report the contact ID to your security team.'
          : 'Its encryption context names another object, so the key was not released. Do not use this copy; report the contact ID to your security team.',
      };
    }
    if (w.code === 'InvalidToken' || w.code === 'IdentityMismatch' || w.status === 401) {
      return { kind: 'refused', detail, action: 'reload-list', title: 'You are not signed in',
        advice: 'Sign in again (Sign in, above), then reload the list.' };
    }
    if (w.code === 'OriginNotAllowed') {
      return { kind: 'refused', detail, action: 'none', title: 'This page is not allowed to use the key service',
        advice: 'Open the player from its usual address, or ask an administrator to allow this one.' };
    }
    if (w.status === 403) {
      return { kind: 'refused', detail, action: 'none', title: 'You are not allowed to play this recording',
        advice: 'Your role may not review call recordings. Ask an administrator for access to contact recordings.' };
    }
    if (w.status === 404) return notFound(detail);
    if (w.status === 429) {
      return { kind: 'refused', detail, action: 'retry', title: 'Too many requests for keys',
        advice: 'Wait a minute, then try again.' };
    }
    if (w.status === 0 || w.status >= 500) {
      return { kind: 'unreachable', detail, action: 'retry', title: 'The key service is unavailable',
        advice: 'Try again in a moment. If it keeps failing, tell your administrator.' };
    }
  }
  if (w.source === 'store') {
    if (w.expired) {
      return { kind: 'expired', detail, action: 'reload-list', title: 'The link to this recording has expired',
        advice: 'Links to recordings last a few minutes. Reload the list and open the contact again.' };
    }
    if (w.status === 404) return notFound(detail);
    if (w.status === 403) {
      return { kind: 'expired', detail, action: 'reload-list', title: 'The storage service refused the link to this recording',
        advice: 'The link may have expired or been revoked. Reload the list and open the contact again.' };
    }
    if (w.status === 0) {
      return { kind: 'unreachable', detail, action: 'retry', title: 'The recording storage cannot be reached',
        advice: 'Check your connection and try again.' };
    }
  }
  if (w.code === 'HeaderMismatch') {
    // The object's header is not the one the listing described (decrypt.worker.ts keyFor).
    return { kind: 'tampered', detail, action: 'reload-list', title: 'This recording is not the one listed',
      advice: 'Its encrypted header differs from what the list was given, so nothing was played. Reload the list and try again; '
        + 'if it happens again, do not use this copy and report the contact ID to your security team.' };
  }
  if (w.source === 'media') {
    return { kind: 'playback', detail, action: 'retry', title: 'The browser could not play this recording',
      advice: 'The recording decrypted correctly but its audio format is not playable here. Try another browser.' };
  }
  return { kind: 'unknown', detail, action: 'retry', title: 'Something went wrong while opening this recording',
    advice: 'Try again. If it keeps failing, send the details below to your administrator.' };
}

function notFound(detail: string): Explained {
  return { kind: 'not-found', detail, action: 'reload-list', title: 'This recording no longer exists',
    advice: 'It may have been deleted or moved. Reload the list.' };
}
