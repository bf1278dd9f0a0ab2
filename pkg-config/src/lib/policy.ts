export { version as policyEngineVersion } from '../wasm/callseal_policy.js';
