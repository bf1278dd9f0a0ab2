// How callseal's wasm bindings read what JavaScript passes them (src/wasm/mod.rs).
// A caller's object may be a Proxy, a subclass with overridden getters, or revoked: code of the
// caller's that throws must not unwind through wasm frames (that skips Rust's destructors,
// which wipe keys, and leaks the module's shadow stack). So bytes are read with the built-in
// getters (no caller code runs) into a fresh Uint8Array, and everything else here may throw
// only into bindings declared with `catch`.

const getter = (proto, name) => Object.getOwnPropertyDescriptor(proto, name).get;
const TYPED = Object.getPrototypeOf(Uint8Array.prototype);
const views = [
  [getter(TYPED, 'buffer'), getter(TYPED, 'byteOffset'), getter(TYPED, 'byteLength')],
  [getter(DataView.prototype, 'buffer'), getter(DataView.prototype, 'byteOffset'), getter(DataView.prototype, 'byteLength')],
];
const buffers = [getter(ArrayBuffer.prototype, 'byteLength')];
if (typeof SharedArrayBuffer === 'function') buffers.push(getter(SharedArrayBuffer.prototype, 'byteLength'));

/**
 * A fresh Uint8Array over the bytes of a BufferSource (any ArrayBuffer view: its bytes, not its
 * elements; an ArrayBuffer or SharedArrayBuffer), or undefined if `value` is none. Empty or
 * detached input gives an empty array. Never throws, never runs the caller's code.
 */
export function bufferSourceBytes(value) {
  for (const [buffer, offset, length] of views) {
    let b, o, n;
    try {
      b = buffer.call(value);
      o = offset.call(value);
      n = length.call(value);
    } catch {
      continue; // not this kind of view
    }
    return n === 0 ? new Uint8Array(0) : new Uint8Array(b, o, n);
  }
  for (const length of buffers) {
    let n;
    try {
      n = length.call(value);
    } catch {
      continue;
    }
    return n === 0 ? new Uint8Array(0) : new Uint8Array(value);
  }
  return undefined;
}

/** "object" for an object whose properties are its data; else what it is ("an Array", ...). */
export function objectShape(value) {
  if (typeof value !== 'object' || value === null) return value === null ? 'null' : `a ${typeof value}`;
  if (Array.isArray(value)) return 'an Array';
  if (value instanceof Map) return 'a Map';
  if (value instanceof Set) return 'a Set';
  return 'object';
}

/** The object's own enumerable string keys. */
export function ownKeys(value) {
  return Object.keys(value);
}

/**
 * `[key, value]` pairs, fresh: of an iterable of entries (a Map, fetch Headers) or of a plain
 * object's own enumerable properties.
 */
export function entriesOf(value) {
  if (typeof value[Symbol.iterator] === 'function') return Array.from(value, (e) => [e[0], e[1]]);
  return Object.entries(value);
}

/** A fresh copy of an Array's elements (throws for anything else). */
export function listOf(value) {
  if (!Array.isArray(value)) throw new TypeError('expected an Array');
  return Array.from(value);
}
