/** callseal/policy: policy validation and evaluation (loads callseal_policy.wasm). */
import init from './wasm/callseal_policy.js';
import { wasmSource } from './lib/load.js';

await init({ module_or_path: await wasmSource(new URL('./wasm/callseal_policy_bg.wasm', import.meta.url)) });

export * from './lib/policy.js';
