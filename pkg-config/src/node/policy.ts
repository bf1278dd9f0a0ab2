import { readFileSync } from 'node:fs';
import { initSync, loadServiceData } from '../wasm/callseal_policy.js';

initSync({ module: readFileSync(new URL('../wasm/callseal_policy_bg.wasm', import.meta.url)) });
// The service catalog ships in the package: load it now, as the wasm is, so validatePolicy runs
// every check from the first call.
loadServiceData(readFileSync(new URL('../service-data.bin', import.meta.url)));

export * from '../lib/policy.js';
