// Makes the benchmark's ESDK messages with the official AWS Encryption SDK for JavaScript
// (@aws-crypto/client-node, raw AES keyring) in Node: one plaintext, one message per
// (suite, frame length). Every contender later decrypts exactly these bytes.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy, RawAesKeyringNode, RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node';

export const KEYRING = { keyNamespace: 'callseal-bench', keyName: 'bench-wrapping-key' };

/**
 * Writes `plain.bin` and `msg-<suite>-f<frame>.bin` into `dir`. Returns the list of messages
 * ({ id, suite, frameLength, file, bytes }) and the keyring (wrapping key as base64).
 */
export async function makeMessages(dir, { size, suites, frameLengths }) {
  mkdirSync(dir, { recursive: true });
  const wrappingKey = randomBytes(32);
  const keyring = new RawAesKeyringNode({
    ...KEYRING, unencryptedMasterKey: new Uint8Array(wrappingKey),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
  const plaintext = randomBytes(size);
  writeFileSync(join(dir, 'plain.bin'), plaintext);
  const plainSha256 = createHash('sha256').update(plaintext).digest('hex');
  // The limit: the same plaintext as one AES-256-GCM ciphertext (tag appended, as WebCrypto wants).
  const limitKey = randomBytes(32), limitIv = randomBytes(12);
  const gcm = createCipheriv('aes-256-gcm', limitKey, limitIv);
  writeFileSync(join(dir, 'limit.bin'), Buffer.concat([gcm.update(plaintext), gcm.final(), gcm.getAuthTag()]));
  const limit = { file: 'limit.bin', key: limitKey.toString('base64'), iv: limitIv.toString('base64') };
  // The per-frame floor: the same plaintext cut into frames of each length, each its own
  // AES-256-GCM ciphertext ‖ tag (IV = the frame number, a 64-byte AAD, as an ESDK frame has),
  // back to back: what any decryptor that makes one WebCrypto call per frame must at least do.
  const floors = {};
  for (const frameLength of frameLengths) {
    const key = randomBytes(32);
    const parts = [];
    for (let i = 0, seq = 1; i < size; i += frameLength, seq++) {
      const iv = Buffer.alloc(12);
      iv.writeUInt32BE(seq, 8);
      const c = createCipheriv('aes-256-gcm', key, iv);
      c.setAAD(Buffer.alloc(64, seq & 0xff));
      parts.push(c.update(plaintext.subarray(i, i + frameLength)), c.final(), c.getAuthTag());
    }
    const file = `floor-f${frameLength / 1024}k.bin`;
    writeFileSync(join(dir, file), Buffer.concat(parts));
    floors[frameLength] = { file, key: key.toString('base64'), frameLength };
  }
  const messages = [];
  for (const suiteId of suites) {
    if (!Object.values(AlgorithmSuiteIdentifier).includes(suiteId)) throw new Error(`suite ${suiteId.toString(16)} unknown to client-node`);
    const committing = suiteId >= 0x0478;
    const { encrypt } = buildClient(committing ? CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT : CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);
    for (const frameLength of frameLengths) {
      const { result } = await encrypt(keyring, plaintext, { suiteId, frameLength, encryptionContext: { purpose: 'callseal-bench' } });
      const suite = suiteId.toString(16).padStart(4, '0');
      const id = `${suite}-f${frameLength / 1024}k`;
      const file = `msg-${id}.bin`;
      writeFileSync(join(dir, file), result);
      messages.push({ id, suite, suiteId, committing, signed: [0x0578, 0x0378, 0x0346, 0x0214].includes(suiteId), frameLength, file, bytes: result.length });
    }
  }
  return { messages, limit, floors, plainSha256, plainBytes: size, keyring: { ...KEYRING, key: wrappingKey.toString('base64') } };
}
