// Placed in the package at wasm/snippets/<crate>-<hash>/src/wasm/ (wasm-bindgen's snippet layout):
// the codes are the Rust ErrorCode's, declared in the package's lib/generated.ts.
import type { CallsealErrorCode } from '../../../../../lib/generated.js';
export type { CallsealErrorCode };

/** The error callseal throws: a stable machine-readable `code` and a message saying what and where. */
export declare class CallsealError extends Error {
  constructor(code: CallsealErrorCode, message: string);
  readonly name: 'CallsealError';
  /** e.g. "MALFORMED_HEADER", "TAG_MISMATCH", "SIGNATURE_INVALID", "TRUNCATED" */
  readonly code: CallsealErrorCode;
}
export declare function makeError(code: CallsealErrorCode, message: string): CallsealError;
