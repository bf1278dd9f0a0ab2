import { readFileSync } from 'node:fs';
import { initSync } from '../wasm/callseal_decrypt.js';
import * as more from '../wasm/callseal_decrypt_more.js';
import { decryptMoreInitialised } from '../decrypt-more.js';

initSync({ module: readFileSync(new URL('../wasm/callseal_decrypt_bg.wasm', import.meta.url)) });
// Both halves of the decrypt module (from disk: there is no download to save), so parseHeader
// reads a signed message's header from the first call, as in a page that loaded the second.
more.initSync({ module: readFileSync(new URL('../wasm/callseal_decrypt_more_bg.wasm', import.meta.url)) });
decryptMoreInitialised(more);

export * from '../lib/decrypt.js';
