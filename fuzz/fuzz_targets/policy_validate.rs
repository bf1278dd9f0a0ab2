#![no_main]
//! See `fuzz/src/policy_validate.rs`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| callseal_fuzz::policy_validate::run(data));
