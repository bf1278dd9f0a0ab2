#![no_main]
//! See `fuzz/src/s3ec_metadata.rs`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| callseal_fuzz::s3ec_metadata::run(data));
