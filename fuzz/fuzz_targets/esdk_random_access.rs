#![no_main]
//! See `fuzz/src/esdk_random_access.rs`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| callseal_fuzz::esdk_random_access::run(data));
