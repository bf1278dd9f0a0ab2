//! Replays the fuzz corpora (fuzz/corpus/<target>/: seeds from the shared vectors and policy
//! corpora, plus the inputs `make fuzz` found that add coverage, set-cover minimised) and every
//! input a fuzzer ever failed on (fuzz/regressions/<target>/) through the fuzz targets' own
//! bodies (fuzz/src/<target>.rs), so each crash found stays a regression test in `cargo test`.
//! A target body panics when an invariant breaks.
//!
//! Regressions always run in full; of each corpus, an evenly spaced sample of at most
//! `CORPUS_SAMPLE` files runs (debug builds are slow), all of them with
//! `CALLSEAL_FUZZ_CORPUS_ALL=1`. `make fuzz` runs every corpus file first anyway.
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

const CORPUS_SAMPLE: usize = 200;

/// Runs `run` on every file of fuzz/regressions/<target> and a sample of fuzz/corpus/<target>;
/// returns how many inputs ran (regressions, corpus).
fn replay(target: &str, run: fn(&[u8])) -> (usize, usize) {
    let all = std::env::var_os("CALLSEAL_FUZZ_CORPUS_ALL").is_some();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut counts = [0usize; 2];
    for (i, dir) in ["regressions", "corpus"].iter().enumerate() {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        files.sort();
        if *dir == "corpus" && !all && files.len() > CORPUS_SAMPLE {
            let step = files.len() as f64 / CORPUS_SAMPLE as f64;
            files = (0..CORPUS_SAMPLE)
                .map(|i| files[(i as f64 * step) as usize].clone())
                .collect();
        }
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

/// The crash esdk_random_access found, as a plain test: a `FrameFetch` whose byte range cannot
/// hold its frame (here empty, reversed, or too short for the plaintext range) is
/// `INVALID_ARGUMENT`, not an out-of-bounds panic.
#[test]
fn frame_fetch_that_does_not_fit_is_refused() {
    use callseal::envelope::body::BodyKind;
    use callseal::envelope::random_access::{FrameFetch, RandomAccess};
    use callseal::envelope::{
        DataKey, DecryptOptions, HeaderLimits, SignedMessages, UnverifiedHeader,
    };
    use callseal::ErrorCode;
    use std::ops::Range;

    let b = common::built(7, 4, 100); // suite 7, 16-byte frames, 100 bytes
    let opts = DecryptOptions {
        signed_messages: SignedMessages::ReleaseBeforeVerify, // random access of any suite
        ..Default::default()
    };
    let key = DataKey::new(&b.key);
    let h = UnverifiedHeader::parse(&b.message, HeaderLimits::default()).unwrap();
    let mut ra = RandomAccess::new(h, &key, &opts).unwrap();
    let total = b.message.len() as u64;
    let tail = ra.tail_range(total).unwrap();
    ra.locate_end(total, &b.message[tail.start as usize..])
        .unwrap();
    let good = ra.plan(0, 16).unwrap().remove(0);
    let bytes = &b.message[good.range.start as usize..good.range.end as usize];
    assert_eq!(ra.open_frame(&good, bytes).unwrap(), &b.plaintext[..16]);
    let bad = [
        FrameFetch {
            range: good.range.start..good.range.start,
            ..good.clone()
        },
        FrameFetch {
            range: good.range.end..good.range.start,
            ..good.clone()
        },
        FrameFetch {
            plaintext: 0..17,
            ..good.clone()
        },
        FrameFetch {
            kind: BodyKind::FinalFrame,
            ..good.clone()
        },
        FrameFetch {
            plaintext: Range { start: 5, end: 0 },
            ..good.clone()
        },
    ];
    for f in bad {
        let n = (f.range.end.saturating_sub(f.range.start)) as usize;
        let s = f.range.start as usize;
        let e = ra.open_frame(&f, &b.message[s..s + n]).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument, "{f:?}: {e}");
    }
}
