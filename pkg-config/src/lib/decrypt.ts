export { version, CallsealError } from '../wasm/callseal_decrypt.js';
