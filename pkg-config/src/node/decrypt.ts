import { readFileSync } from 'node:fs';
import { initSync } from '../wasm/callseal_decrypt.js';

initSync({ module: readFileSync(new URL('../wasm/callseal_decrypt_bg.wasm', import.meta.url)) });

export * from '../lib/decrypt.js';
