/** callseal/decrypt: envelope decryption only (loads callseal_decrypt.wasm). */
import init from './wasm/callseal_decrypt.js';
import { wasmSource } from './lib/load.js';

await init({ module_or_path: await wasmSource(new URL('./wasm/callseal_decrypt_bg.wasm', import.meta.url)) });

export * from './lib/decrypt.js';
