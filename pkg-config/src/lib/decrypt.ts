export { version } from '../wasm/callseal_decrypt.js';
export { CallsealError, type CallsealErrorCode } from './callseal-error.js';
