/**
 * callseal: everything (decryption and the policy engine). Pages that only decrypt should
 * import `callseal/decrypt`, which does not load the policy module.
 */
export * from './decrypt.js';
export * from './policy.js';
