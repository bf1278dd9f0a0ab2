import { readFileSync } from 'node:fs';
import { initSync } from '../wasm/callseal_policy.js';

initSync({ module: readFileSync(new URL('../wasm/callseal_policy_bg.wasm', import.meta.url)) });

export * from '../lib/policy.js';
