#!/usr/bin/env node
// Interop with the official AWS Encryption SDK for JavaScript (@aws-crypto/client-node).
//
//   node tests/interop/esdk_node.mjs OUTDIR COUNT
//   node tests/interop/esdk_node.mjs decrypt MANIFEST
//
// The first writes COUNT fresh messages (every suite, random raw AES wrapping keys of
// 128/192/256 bits, sizes, frame lengths, encryption contexts) and OUTDIR/manifest.json in the
// format of tests/interop/esdk_python.py, for tests/esdk_interop.rs to decrypt. The second
// decrypts the messages callseal wrote (listed in MANIFEST, same format) with client-node and
// exits 1 on any failure.
import { randomBytes, randomInt } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import {
  AlgorithmSuiteIdentifier,
  buildClient,
  CommitmentPolicy,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node'

const [outdir, countArg] = process.argv.slice(2)
if (!outdir || !countArg) {
  console.error('usage: esdk_node.mjs OUTDIR COUNT | esdk_node.mjs decrypt MANIFEST')
  process.exit(2)
}
const wrapping = {
  16: RawAesWrappingSuiteIdentifier.AES128_GCM_IV12_TAG16_NO_PADDING,
  24: RawAesWrappingSuiteIdentifier.AES192_GCM_IV12_TAG16_NO_PADDING,
  32: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
}

if (outdir === 'decrypt') {
  // Non-committing suites need a policy that allows decrypting them; committing ones are
  // checked by it all the same.
  const { decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT)
  const manifest = JSON.parse(readFileSync(countArg, 'utf8'))
  const base = dirname(countArg)
  let failures = 0
  for (const t of manifest.tests) {
    const key = Buffer.from(t.wrapping_key.key, 'base64')
    // utf8Sorting: the keyring's AAD is the context sorted by the UTF-8 bytes of its keys, as
    // the spec, the Python ESDK and callseal sort it. client-node's default (false, kept for
    // its old messages: aws-encryption-sdk-javascript#428) sorts with localeCompare, so its
    // default raw AES keyring cannot unwrap messages of the other SDKs whose keys differ in
    // case ('B' < 'a' in bytes) or mix U+E000..U+FFFF with characters above U+FFFF.
    const keyring = new RawAesKeyringNode({
      keyNamespace: t.wrapping_key.key_namespace, keyName: t.wrapping_key.key_name,
      unencryptedMasterKey: new Uint8Array(key), wrappingSuite: wrapping[key.length], utf8Sorting: true,
    })
    const ct = readFileSync(join(base, t.ciphertext))
    const pt = readFileSync(join(base, t.plaintext))
    try {
      const { plaintext, messageHeader } = await decrypt(keyring, ct)
      const contextOk = Object.entries(t.encryption_context).every(([k, v]) => messageHeader.encryptionContext[k] === v)
      if (!Buffer.from(plaintext).equals(pt) || !contextOk || messageHeader.suiteId !== parseInt(t.suite, 16)) {
        console.log(`FAIL ${t.id}: plaintext, context or suite differs`)
        failures++
      }
    } catch (e) {
      console.log(`FAIL ${t.id}: ${e.message}`)
      failures++
    }
  }
  console.log(`client-node decrypted ${manifest.tests.length - failures}/${manifest.tests.length} callseal messages`)
  process.exit(failures ? 1 : 0)
}

const count = Number(countArg)
mkdirSync(outdir, { recursive: true })

const suites = [0x0014, 0x0046, 0x0078, 0x0114, 0x0146, 0x0178, 0x0214, 0x0346, 0x0378, 0x0478, 0x0578]
const pick = (xs) => xs[randomInt(xs.length)]
const contexts = () => pick([
  {},
  { 'contact-id': `c-${randomInt(1e9)}`, kind: pick(['recording', 'transcript']) },
  { note: `été 漢字 🔒 ${randomInt(1000)}`, a: '', zz: 'x'.repeat(randomInt(300)) },
])

const tests = []
for (let i = 0; i < count; i++) {
  const suiteId = suites[i % suites.length]
  if (!Object.values(AlgorithmSuiteIdentifier).includes(suiteId)) throw new Error(`suite ${suiteId} unknown to client-node`)
  const keyLen = pick([16, 24, 32])
  const key = randomBytes(keyLen)
  const keyNamespace = `node-ns-${i}`
  const keyName = `node-key-${randomInt(1 << 20)}`
  const keyring = new RawAesKeyringNode({ keyName, keyNamespace, unencryptedMasterKey: new Uint8Array(key), wrappingSuite: wrapping[keyLen] })
  const size = pick([0, 1, 15, 16, 17, 4095, 4096, 4097, randomInt(1, 70000)])
  const frameLength = pick([1, 16, 100, 1024, 4096, 65536])
  const plaintext = randomBytes(size)
  const encryptionContext = contexts()
  const committing = suiteId >= 0x0478
  const { encrypt } = buildClient(committing ? CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT : CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT)
  const { result } = await encrypt(keyring, plaintext, { encryptionContext, suiteId, frameLength })
  const id = `${String(i).padStart(3, '0')}-${suiteId.toString(16).padStart(4, '0')}-f${frameLength}-n${size}`
  writeFileSync(join(outdir, `${id}.ct`), result)
  writeFileSync(join(outdir, `${id}.pt`), plaintext)
  tests.push({
    id, suite: suiteId.toString(16).toUpperCase().padStart(4, '0'), frame_length: frameLength,
    ciphertext: `${id}.ct`, plaintext: `${id}.pt`, encryption_context: encryptionContext,
    wrapping_key: { key_namespace: keyNamespace, key_name: keyName, key: key.toString('base64') },
  })
}
writeFileSync(join(outdir, 'manifest.json'), JSON.stringify({ producer: '@aws-crypto/client-node', tests }, null, 1))
console.log(`made ${count} messages in ${outdir}`)
