/** callseal/encrypt: ESDK message encryption (loads callseal_encrypt.wasm). */
import init from './wasm/callseal_encrypt.js';
import { wasmSource } from './lib/load.js';

await init({ module_or_path: await wasmSource(new URL('./wasm/callseal_encrypt_bg.wasm', import.meta.url)) });

export * from './lib/encrypt.js';
