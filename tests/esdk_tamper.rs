//! Tamper sweep over small official messages (tests/vectors/esdk/tamper, made by the Python ESDK
//! with `tests/interop/esdk_python.py tamper-samples`): v1 and v2 headers × signed framed,
//! unsigned framed, non-framed. Every single-bit flip, every truncation and appended bytes must
//! give an error and no unverified plaintext — one-shot, streaming and random access.

#![cfg(feature = "envelope")]

mod common;

use callseal::envelope::random_access::RandomAccessReader;
use callseal::envelope::{decrypt, DataKey, DecryptOptions, UnverifiedHeader};
use callseal::ErrorCode;
use common::*;

struct Sample {
    name: String,
    ct: Vec<u8>,
    key: Vec<u8>,
    signed: bool,
}

fn samples() -> (Vec<Sample>, Vec<u8>) {
    let m: serde_json::Value = serde_json::from_slice(&read_vec("tamper/manifest.json")).unwrap();
    let ring = manifest_keyring(&m["wrapping_key"], "key");
    let pt = read_vec(&format!("tamper/{}", m["plaintext"].as_str().unwrap()));
    let mut out = Vec::new();
    for t in m["tests"].as_array().unwrap() {
        let name = t["ciphertext"].as_str().unwrap().to_string();
        let ct = read_vec(&format!("tamper/{name}"));
        let h = UnverifiedHeader::parse(&ct, Default::default()).unwrap();
        let key = ring
            .unwrap_data_key(h.unverified())
            .unwrap()
            .expose()
            .to_vec();
        let signed = h.unverified().suite.is_signed();
        out.push(Sample {
            name,
            ct,
            key,
            signed,
        });
    }
    assert_eq!(out.len(), 6);
    (out, pt)
}

fn random_access_all(ct: &[u8], key: &[u8]) -> callseal::Result<Vec<u8>> {
    let r = ready(RandomAccessReader::open(
        ct,
        &DataKey::new(key),
        &releasing(&DecryptOptions::default()),
    ))?;
    let n = r.plaintext_len();
    ready(r.read(0, n))
}

/// Runs the three APIs on a modified message; every one must fail (random access may instead
/// return the genuine plaintext when `ra_may_pass`: it does not check signatures / trailing bytes).
fn check_all_fail(
    s: &Sample,
    bad: &[u8],
    pt: &[u8],
    what: &str,
    want: Option<ErrorCode>,
    ra_may_pass: bool,
) -> usize {
    let opts = DecryptOptions::default();
    let e =
        decrypt(bad, &s.key, &opts).expect_err(&format!("{}: {what}: one-shot accepted", s.name));
    if let Some(c) = want {
        assert_eq!(e.code, c, "{}: {what}: one-shot {e}", s.name);
    }
    let (res, out) = stream_decrypt(bad, &s.key, &opts, 7);
    let e = res.expect_err(&format!("{}: {what}: stream accepted", s.name));
    if let Some(c) = want {
        assert_eq!(e.code, c, "{}: {what}: stream {e}", s.name);
    }
    assert!(
        pt.starts_with(&out),
        "{}: {what}: stream released unverified bytes",
        s.name
    );
    match random_access_all(bad, &s.key) {
        Err(_) => 0,
        Ok(got) => {
            assert!(ra_may_pass, "{}: {what}: random access accepted", s.name);
            assert_eq!(
                got, pt,
                "{}: {what}: random access released non-genuine plaintext",
                s.name
            );
            1
        }
    }
}

#[test]
fn samples_decrypt() {
    let (samples, pt) = samples();
    for s in &samples {
        assert_eq!(
            decrypt(&s.ct, &s.key, &DecryptOptions::default()).unwrap(),
            pt,
            "{}",
            s.name
        );
        assert_eq!(random_access_all(&s.ct, &s.key).unwrap(), pt, "{}", s.name);
    }
}

#[test]
fn every_bit_flip_fails() {
    let (samples, pt) = samples();
    let mut total = 0;
    for s in &samples {
        let mut ra_sig_passes = 0;
        // the footer of signed messages: random access does not verify the signature
        let footer_start = if s.signed {
            // the DER signature is preceded by its u16 length; Python writes 71 (P-256) / 103 (P-384)
            s.ct.len() - if s.name.starts_with("0214") { 71 } else { 103 }
        } else {
            s.ct.len()
        };
        for i in 0..s.ct.len() {
            for bit in 0..8 {
                let mut bad = s.ct.clone();
                bad[i] ^= 1 << bit;
                ra_sig_passes += check_all_fail(
                    s,
                    &bad,
                    &pt,
                    &format!("flip byte {i} bit {bit}"),
                    None,
                    i >= footer_start,
                );
                total += 1;
            }
        }
        println!(
            "{}: {} flips; random access returned genuine plaintext for {} signature-byte flips",
            s.name,
            s.ct.len() * 8,
            ra_sig_passes
        );
    }
    assert!(total > 30_000);
}

#[test]
fn every_truncation_fails() {
    let (samples, pt) = samples();
    for s in &samples {
        for len in 0..s.ct.len() {
            check_all_fail(
                s,
                &s.ct[..len],
                &pt,
                &format!("truncate to {len}"),
                Some(ErrorCode::Truncated),
                false,
            );
        }
    }
}

#[test]
fn appended_bytes_fail() {
    let (samples, pt) = samples();
    for s in &samples {
        for extra in [&[0u8][..], &[0xFF], &[1, 2], &[0; 100], &s.ct[..]] {
            let mut bad = s.ct.clone();
            bad.extend_from_slice(extra);
            // random access never reads past the footer it located: documented
            check_all_fail(
                s,
                &bad,
                &pt,
                &format!("append {} bytes", extra.len()),
                Some(ErrorCode::TrailingBytes),
                true,
            );
        }
    }
}
