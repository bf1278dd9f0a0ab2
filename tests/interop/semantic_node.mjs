#!/usr/bin/env node
// The official ESDK for JavaScript (@aws-crypto/client-node) on the messages of
// tests/interop/make_semantic.py: decrypts each with a RawAesKeyringNode (commitment policy
// REQUIRE_ENCRYPT_ALLOW_DECRYPT) and prints {id: outcome} as JSON on stdout.
//
//   node tests/interop/semantic_node.mjs MANIFEST
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createRequire } from 'node:module'
import { buildClient, CommitmentPolicy, RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node'

const [manifestPath] = process.argv.slice(2)
if (!manifestPath) {
  console.error('usage: semantic_node.mjs MANIFEST')
  process.exit(2)
}
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
const wk = manifest.wrapping_key
const keyring = new RawAesKeyringNode({
  keyNamespace: wk.key_namespace,
  keyName: wk.key_name,
  unencryptedMasterKey: new Uint8Array(Buffer.from(wk.key, 'base64')),
  wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
})
const { decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT)
const version = createRequire(import.meta.url)('@aws-crypto/client-node/package.json').version
const out = { _producer: `@aws-crypto/client-node ${version}` }
for (const t of manifest.tests) {
  const ct = readFileSync(join(dirname(manifestPath), t.ciphertext))
  const expected = Buffer.from(t.plaintext, 'base64')
  try {
    const { plaintext } = await decrypt(keyring, ct)
    out[t.id] = { result: 'plaintext', plaintext_matches: Buffer.from(plaintext).equals(expected) }
  } catch (e) {
    out[t.id] = { result: 'error', error: `${e.name}: ${e.message}` }
  }
}
process.stdout.write(JSON.stringify(out))
