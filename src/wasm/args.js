// How callseal's wasm bindings read what JavaScript passes them (src/wasm/mod.rs).
// A caller's object may be a Proxy, a subclass with overridden getters, or revoked: code of the
// caller's that throws must not unwind through wasm frames (that skips Rust's destructors,
// which wipe keys, and leaks the module's shadow stack). So bytes are read with the built-in
// getters (no caller code runs) into a fresh Uint8Array, and everything else here may throw
// only into bindings declared with `catch`.

const getter = (proto, name) => Object.getOwnPropertyDescriptor(proto, name).get;
const TYPED = Object.getPrototypeOf(Uint8Array.prototype);
// Brand check: the TypedArray name for a real typed array, undefined for anything else. Never throws.
const typedTag = getter(TYPED, Symbol.toStringTag);
const typedBuffer = getter(TYPED, 'buffer');
const typedOffset = getter(TYPED, 'byteOffset');
const typedLength = getter(TYPED, 'byteLength'); // 0 once detached; never throws on a typed array
const viewBuffer = getter(DataView.prototype, 'buffer');
const viewOffset = getter(DataView.prototype, 'byteOffset');
const viewLength = getter(DataView.prototype, 'byteLength');
const bufferLength = getter(ArrayBuffer.prototype, 'byteLength');
const sharedLength = typeof SharedArrayBuffer === 'function' ? getter(SharedArrayBuffer.prototype, 'byteLength') : undefined;

/**
 * A new Uint8Array view of the bytes of a BufferSource (any ArrayBuffer view: its bytes, not its
 * elements; an ArrayBuffer or SharedArrayBuffer), or undefined if `value` is none: a view of the
 * caller's memory, not a copy (the Rust side copies it). Empty or detached input gives an empty
 * array. Never throws, never runs the caller's code. The common
 * case (a typed array) takes no exception path: `ArrayBuffer.isView` and the tag are brand
 * checks that a Proxy or a look-alike object fails without running anything.
 */
export function bufferSourceBytes(value) {
  if (ArrayBuffer.isView(value)) {
    if (typedTag.call(value) !== undefined) {
      const n = typedLength.call(value);
      return n === 0 ? new Uint8Array(0) : new Uint8Array(typedBuffer.call(value), typedOffset.call(value), n);
    }
    try { // a DataView (its getters throw once detached)
      const n = viewLength.call(value);
      return n === 0 ? new Uint8Array(0) : new Uint8Array(viewBuffer.call(value), viewOffset.call(value), n);
    } catch {
      return new Uint8Array(0);
    }
  }
  if (typeof value !== 'object' || value === null) return undefined;
  for (const length of [bufferLength, sharedLength]) {
    if (length === undefined) continue;
    let n;
    try {
      n = length.call(value); // throws unless `value` is this kind of buffer
    } catch {
      continue;
    }
    return n === 0 ? new Uint8Array(0) : new Uint8Array(value);
  }
  return undefined;
}

const detachedGetter = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'detached')?.get;

/**
 * Whether `value` is a BufferSource over a detached (transferred) ArrayBuffer, whose bytes
 * `bufferSourceBytes` reads as empty. Never throws, never runs the caller's code. For arguments
 * where empty is valid data (a plaintext to encrypt), so that a transferred buffer is not
 * silently taken as zero bytes.
 */
export function isDetached(value) {
  let buffer = value;
  if (ArrayBuffer.isView(value)) {
    try {
      buffer = typedTag.call(value) !== undefined ? typedBuffer.call(value) : viewBuffer.call(value);
    } catch {
      return false;
    }
  }
  try {
    bufferLength.call(buffer); // throws unless an ArrayBuffer (a SharedArrayBuffer never detaches)
  } catch {
    return false;
  }
  if (detachedGetter !== undefined) return detachedGetter.call(buffer);
  try {
    new Uint8Array(buffer, 0, 0); // throws on a detached buffer
    return false;
  } catch {
    return true;
  }
}

const article = (name) => `${/^[aeiou]/i.test(name) ? 'an' : 'a'} ${name}`;

/** What a value is, for error messages: "null", "a string", "a Map", ... Never throws. */
export function describe(value) {
  if (value === null || value === undefined) return String(value);
  if (typeof value !== 'object' && typeof value !== 'function') return article(typeof value);
  let name;
  try {
    name = value.constructor.name;
  } catch {
    // a Proxy's trap, a getter
  }
  return article(typeof name === 'string' && name !== '' ? name : 'Object');
}

/** "object" for an object whose properties are its data; else what it is ("an Array", ...). */
export function objectShape(value) {
  const plain = typeof value === 'object' && value !== null
    && !Array.isArray(value) && !(value instanceof Map) && !(value instanceof Set);
  return plain ? 'object' : describe(value);
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
  if (typeof value[Symbol.iterator] !== 'function') return Object.entries(value);
  const pairs = [];
  for (const entry of value) pairs.push([entry[0], entry[1]]);
  return pairs;
}

/** A fresh copy of an Array's elements (throws for anything else). */
export function listOf(value) {
  if (!Array.isArray(value)) throw new TypeError('expected an Array');
  return [...value];
}
