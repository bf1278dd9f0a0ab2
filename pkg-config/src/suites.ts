/** callseal/suites: the 11 ESDK algorithm suites as data (no wasm is loaded). */
export { DATA_KEY_LENGTHS, SUITES, type SuiteInfo } from './lib/generated.js';
