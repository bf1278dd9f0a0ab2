import { readFileSync } from 'node:fs';
import { initSync } from '../wasm/callseal_encrypt.js';

initSync({ module: readFileSync(new URL('../wasm/callseal_encrypt_bg.wasm', import.meta.url)) });

export * from '../lib/encrypt.js';
