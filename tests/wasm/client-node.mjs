// The official AWS Encryption SDK for JavaScript (@aws-crypto/client-node) as the Node tests of
// callseal/encrypt use it: it must decrypt what callseal writes.

import { randomBytes } from 'node:crypto';
import {
  buildClient, CommitmentPolicy, RawAesKeyringNode, RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node';

/** Every algorithm suite callseal writes. */
export const SUITES = [0x0014, 0x0046, 0x0078, 0x0114, 0x0146, 0x0178, 0x0214, 0x0346, 0x0378, 0x0478, 0x0578];

const WRAPPING = {
  16: RawAesWrappingSuiteIdentifier.AES128_GCM_IV12_TAG16_NO_PADDING,
  24: RawAesWrappingSuiteIdentifier.AES192_GCM_IV12_TAG16_NO_PADDING,
  32: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
};
const { decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT);
const { encrypt } = buildClient(CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);

const rawAesKeyring = (keyring, extra = {}) => new RawAesKeyringNode({
  keyNamespace: keyring.keyNamespace, keyName: keyring.keyName, ...extra,
  unencryptedMasterKey: keyring.key.slice(), wrappingSuite: WRAPPING[keyring.key.length],
});

/**
 * client-node encrypts `size` random bytes with the raw AES keyring `keyring` (callseal's
 * shape) in suite 0178 (unsigned, not committing), `frameLength` frames, encryption context
 * `context`. Returns the message and the plaintext.
 */
export async function officialEncrypt0178(keyring, { frameLength, size, context }) {
  const plaintext = new Uint8Array(randomBytes(size));
  const { result } = await encrypt(rawAesKeyring(keyring), plaintext, { suiteId: 0x0178, frameLength, encryptionContext: context });
  return { message: new Uint8Array(result), plaintext };
}

/**
 * client-node decrypts `message` with the raw AES keyring `keyring` (callseal's shape:
 * keyNamespace, keyName, key), sorting context pairs by UTF-8 bytes as the spec does
 * (`utf8Sorting`; its default sorts otherwise). Returns plaintext, context and header.
 */
export async function officialDecrypt(message, keyring) {
  const { plaintext, messageHeader } = await decrypt(rawAesKeyring(keyring, { utf8Sorting: true }), message);
  return { plaintext: new Uint8Array(plaintext), context: messageHeader.encryptionContext, header: messageHeader };
}
