// CallsealError: the one error class callseal throws into JavaScript.
// The class is registered once on globalThis (Symbol.for), so the decrypt and policy
// wasm modules (each with its own glue) throw instances of the same class.
const KEY = Symbol.for('callseal.CallsealError');

const Impl = class CallsealError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'CallsealError';
    /** Stable machine-readable code, e.g. "TAG_MISMATCH". */
    this.code = code;
  }
};

export const CallsealError = globalThis[KEY] ?? (globalThis[KEY] = Impl);

export function makeError(code, message) {
  return new CallsealError(code, message);
}
