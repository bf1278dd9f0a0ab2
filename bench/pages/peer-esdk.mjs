// The peer for decryption: the official AWS Encryption SDK for JavaScript in the browser
// (@aws-crypto/client-browser, raw AES keyring on WebCrypto). Bundled for the page by
// bench/run.mjs (vite, library mode) into bench/out/peer-esdk.js.
import { Buffer } from 'buffer';
import {
  buildClient, CommitmentPolicy, RawAesKeyringWebCrypto, RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-browser';

// The SDK's ECDSA signature code (asn1.js) uses Node's Buffer: browser apps polyfill it.
globalThis.Buffer ??= Buffer;

/** Returns `decrypt(ciphertext) -> Promise<Uint8Array>` for messages made with `keyring`. */
export async function makePeerDecrypt({ keyNamespace, keyName, key }, committing) {
  const { decrypt } = buildClient(committing ? CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT : CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT);
  const wrappingSuite = RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING;
  const masterKey = await RawAesKeyringWebCrypto.importCryptoKey(key, wrappingSuite);
  const keyring = new RawAesKeyringWebCrypto({ keyNamespace, keyName, wrappingSuite, masterKey });
  return async (ciphertext) => (await decrypt(keyring, ciphertext)).plaintext;
}
