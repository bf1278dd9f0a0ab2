#![no_main]
//! See `fuzz/src/esdk_header.rs`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| callseal_fuzz::esdk_header::run(data));
