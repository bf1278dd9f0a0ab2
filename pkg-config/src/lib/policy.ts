export { version as policyEngineVersion } from '../wasm/callseal_policy.js';
export { CallsealError, type CallsealErrorCode } from './callseal-error.js';
