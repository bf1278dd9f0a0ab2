//! callseal fuzz targets. Each module's `run(data)` is one target's body: it panics (an
//! assertion) when an invariant breaks. `fuzz_targets/*.rs` hand them to libFuzzer
//! (`make fuzz`); `tests/fuzz_corpus.rs` in the main crate replays the committed corpora and
//! every regression input (`fuzz/regressions/<target>/`) through the same functions in
//! `cargo test`.
#![allow(clippy::all)]

pub mod common;
pub mod esdk_header;
pub mod esdk_random_access;
pub mod esdk_stream;
pub mod policy_evaluate;
pub mod policy_validate;
pub mod s3ec_metadata;
