//! Replays the fuzz corpora (fuzz/corpus/<target>/, seeds from the shared vectors and policy
//! corpora) and every input a fuzzer ever failed on (fuzz/regressions/<target>/) through the
//! fuzz targets' own bodies (fuzz/src/<target>.rs), so each crash found by `make fuzz` stays a
//! regression test in `cargo test`. A target body panics when an invariant breaks.
#![cfg(all(feature = "envelope", feature = "policy"))]

use std::path::Path;

#[path = "../fuzz/src/common.rs"]
mod common;
#[path = "../fuzz/src/esdk_header.rs"]
mod esdk_header;
#[path = "../fuzz/src/esdk_random_access.rs"]
mod esdk_random_access;
#[path = "../fuzz/src/esdk_stream.rs"]
mod esdk_stream;
#[path = "../fuzz/src/policy_evaluate.rs"]
mod policy_evaluate;
#[path = "../fuzz/src/policy_validate.rs"]
mod policy_validate;
#[path = "../fuzz/src/s3ec_metadata.rs"]
mod s3ec_metadata;

/// Runs `run` on every file of fuzz/corpus/<target> and fuzz/regressions/<target>; returns how
/// many inputs ran (regressions, corpus).
fn replay(target: &str, run: fn(&[u8])) -> (usize, usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut counts = [0usize; 2];
    for (i, dir) in ["regressions", "corpus"].iter().enumerate() {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        files.sort();
        for f in files {
            let data = std::fs::read(&f).unwrap();
            let r = std::panic::catch_unwind(|| run(&data));
            assert!(r.is_ok(), "{target}: {} fails", f.display());
            counts[i] += 1;
        }
    }
    eprintln!(
        "{target}: {} regression inputs, {} corpus inputs",
        counts[0], counts[1]
    );
    (counts[0], counts[1])
}

#[test]
fn esdk_header_corpus() {
    assert!(replay("esdk_header", esdk_header::run).1 > 10);
}

#[test]
fn esdk_stream_corpus() {
    assert!(replay("esdk_stream", esdk_stream::run).1 > 10);
}

#[test]
fn esdk_random_access_corpus() {
    // Includes a FrameFetch with an empty range that used to index out of bounds.
    let (regressions, corpus) = replay("esdk_random_access", esdk_random_access::run);
    assert!(regressions >= 1 && corpus > 10);
}

#[test]
fn s3ec_metadata_corpus() {
    assert!(replay("s3ec_metadata", s3ec_metadata::run).1 >= 4);
}

#[test]
fn policy_validate_corpus() {
    assert!(replay("policy_validate", policy_validate::run).1 > 100);
}

#[test]
fn policy_evaluate_corpus() {
    assert!(replay("policy_evaluate", policy_evaluate::run).1 > 50);
}
