/** The error callseal throws: a stable machine-readable `code` and a message saying what and where. */
export declare class CallsealError extends Error {
  constructor(code: CallsealErrorCode, message: string);
  readonly name: 'CallsealError';
  /** e.g. "MALFORMED_HEADER", "TAG_MISMATCH", "SIGNATURE_INVALID", "TRUNCATED" */
  readonly code: CallsealErrorCode;
}
export type CallsealErrorCode =
  | 'MALFORMED_HEADER' | 'MALFORMED_BODY' | 'UNSUPPORTED_VERSION' | 'UNSUPPORTED_SUITE'
  | 'TOO_MANY_DATA_KEYS' | 'CONTEXT_MISMATCH' | 'COMMITMENT_MISMATCH' | 'TAG_MISMATCH'
  | 'SIGNATURE_INVALID' | 'TRUNCATED' | 'TRAILING_BYTES' | 'WRONG_KEY_LENGTH'
  | 'SIGNED_MESSAGE_REFUSED' | 'LIMIT_EXCEEDED' | 'MALFORMED_METADATA' | 'KEY_UNWRAP_FAILED'
  | 'INVALID_ARGUMENT' | 'ENGINE_UNAVAILABLE' | 'INVALID_STATE' | 'MALFORMED_POLICY' | 'INVALID_POLICY' | 'IO';
export declare function makeError(code: CallsealErrorCode, message: string): CallsealError;
