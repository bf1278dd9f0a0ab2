import { UNWRAP_ERRORS } from '../../lib/unwrap-protocol.js';

/** Every refusal the broker can give: a stable code (for the page and the audit log) + HTTP status. */
export const ERRORS = {
  ...UNWRAP_ERRORS,
  InvalidRequest: 400,
  UnsupportedKeyProvider: 400,
  InvalidCiphertext: 400,
  InvalidToken: 401,
  AccessDenied: 403,
  EncryptionContextMismatch: 403,
  KeyNotAllowed: 403,
  OriginNotAllowed: 403,
  ObjectNotFound: 404,
  NotFound: 404,
  MethodNotAllowed: 405,
  RequestTooLarge: 413,
  UnsupportedMediaType: 415,
  Throttling: 429,
  InternalError: 500,
  KmsUnavailable: 502,
  StorageUnavailable: 502,
  PolicyEngineUnavailable: 503,
  IdentityProviderUnavailable: 503,
  AuditUnavailable: 503,
  KmsThrottled: 503,
  DeadlineExceeded: 504,
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class BrokerError extends Error {
  readonly status: number;
  constructor(readonly code: ErrorCode, message: string, readonly retryAfterSeconds?: number) {
    super(message);
    this.status = ERRORS[code];
  }
}
