/** Node entry: same API as the browser entry, initialised synchronously from disk. */
export * from './decrypt.js';
export * from './policy.js';
