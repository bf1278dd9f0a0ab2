// The linear memories of the package's two decrypt modules, for the tests that scan them for
// keys: callseal_decrypt (initialised when pkg/decrypt.js is imported) and callseal_decrypt_more
// (S3EC objects and range reads; the package loads it on the first such call). The second is
// initialised here from disk, as the package's Node path does, so that it is there to scan from
// the start; the package's own load then finds it initialised (`init()` of a wasm-bindgen glue
// returns the instance it already has, here and for the package, which imports the same file).
import '../../pkg/decrypt.js';
import { readFile } from 'node:fs/promises';
import init from '../../pkg/wasm/callseal_decrypt.js';
import initMore from '../../pkg/wasm/callseal_decrypt_more.js';

const wasmFile = (name) => readFile(new URL(`../../pkg/wasm/${name}`, import.meta.url));
/** Each module's memory by its name. */
export const memories = {
  callseal_decrypt: (await init()).memory,
  callseal_decrypt_more: (await initMore({ module_or_path: await wasmFile('callseal_decrypt_more_bg.wasm') })).memory,
};

/** Where `bytes` occur in the modules' memories: `module@offset`, every occurrence. */
export function findInMemory(bytes) {
  const needle = Buffer.from(bytes);
  const hits = [];
  for (const [name, memory] of Object.entries(memories)) {
    const mem = Buffer.from(memory.buffer);
    for (let i = mem.indexOf(needle); i !== -1; i = mem.indexOf(needle, i + 1)) hits.push(`${name}@${i}`);
  }
  return hits;
}

/** Whether `bytes` occur in either module's memory. */
export const inMemory = (bytes) => findInMemory(bytes).length > 0;
