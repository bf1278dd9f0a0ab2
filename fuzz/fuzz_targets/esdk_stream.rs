#![no_main]
//! See `fuzz/src/esdk_stream.rs`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| callseal_fuzz::esdk_stream::run(data));
