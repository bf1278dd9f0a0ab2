// One official case of the Python ESDK's vectors (tests/vectors/esdk/python-4.0.7) in Node:
// its message, plaintext, data key and frame length.
import { readFile } from 'node:fs/promises';

const ESDK = new URL('../vectors/esdk/python-4.0.7/', import.meta.url);
const manifest = JSON.parse(await readFile(new URL('manifest.json', ESDK), 'utf8'));

export async function officialVector(id) {
  const t = manifest.tests.find((c) => c.id === id);
  return {
    message: new Uint8Array(await readFile(new URL(t.ciphertext, ESDK))),
    plaintext: new Uint8Array(await readFile(new URL(t.plaintext, ESDK))),
    dataKey: new Uint8Array(Buffer.from(t.data_key, 'base64')),
    frameLength: t.frame_length,
  };
}
