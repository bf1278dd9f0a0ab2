//! Authenticated but semantically invalid or unusual messages (tests/vectors/esdk/semantic, made
//! by `tests/interop/make_semantic.py`): every tag and signature is computed with the known data
//! key, so each outcome is callseal's reading of the format. The manifest records what the
//! official Python and JavaScript SDKs do and the outcome callseal is held to (`callseal`:
//! `"plaintext"` or an error code); this test asserts it for one-shot decrypt, streaming (whole
//! message, 7-byte and 1-byte chunks: the outcome must not depend on chunking), random access,
//! and the raw AES keyring's unwrap of the message's own encrypted data key.

#![cfg(feature = "envelope")]

mod common;

use callseal::envelope::random_access::RandomAccessReader;
use callseal::envelope::raw_aes::RawAesKeyring;
use callseal::envelope::{decrypt, DataKey, DecryptOptions, UnverifiedHeader};
use callseal::ErrorCode;
use common::*;

struct Case {
    id: String,
    ct: Vec<u8>,
    key: Vec<u8>,
    plaintext: Vec<u8>,
    /// `None`: must decrypt to `plaintext`; else the error code.
    expect: Option<ErrorCode>,
    /// The outcome of the APIs that hold a frame in memory (streaming, random access).
    buffered: Option<ErrorCode>,
}

fn code(t: &serde_json::Value, field: &str) -> Option<Option<ErrorCode>> {
    Some(match t[field].as_str()? {
        "plaintext" => None,
        code => Some(
            serde_json::from_value::<ErrorCode>(serde_json::Value::String(code.into()))
                .unwrap_or_else(|e| panic!("{}: {field} {code}: {e}", t["id"])),
        ),
    })
}

fn cases() -> (Vec<Case>, RawAesKeyring) {
    let m: serde_json::Value = serde_json::from_slice(&read_vec("semantic/manifest.json")).unwrap();
    let ring = manifest_keyring(&m["wrapping_key"], "key");
    let cases = m["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let expect = code(t, "callseal").expect("callseal outcome");
            Case {
                id: t["id"].as_str().unwrap().to_string(),
                ct: read_vec(&format!("semantic/{}", t["ciphertext"].as_str().unwrap())),
                key: b64(t["data_key"].as_str().unwrap()),
                plaintext: b64(t["plaintext"].as_str().unwrap()),
                expect,
                buffered: code(t, "callseal_buffered").unwrap_or(expect),
            }
        })
        .collect();
    (cases, ring)
}

fn outcome(r: callseal::Result<Vec<u8>>, plaintext: &[u8]) -> Result<(), String> {
    match r {
        Ok(pt) if pt == plaintext => Ok(()),
        Ok(pt) => Err(format!("plaintext of {} bytes that differs", pt.len())),
        Err(e) => Err(e.to_string()),
    }
}

fn check(
    c: &Case,
    expect: Option<ErrorCode>,
    api: &str,
    r: callseal::Result<Vec<u8>>,
    failures: &mut Vec<String>,
) {
    match (&expect, r) {
        (None, r) => {
            if let Err(e) = outcome(r, &c.plaintext) {
                failures.push(format!("{}: {api}: expected the plaintext, got {e}", c.id));
            }
        }
        (Some(code), Ok(pt)) => failures.push(format!(
            "{}: {api}: expected {code}, got {} bytes of plaintext",
            c.id,
            pt.len()
        )),
        (Some(code), Err(e)) if e.code != *code => {
            failures.push(format!("{}: {api}: expected {code}, got {e}", c.id))
        }
        _ => {}
    }
}

#[test]
fn every_semantic_vector_has_the_listed_outcome() {
    let (cases, _) = cases();
    assert!(cases.len() >= 55, "{} cases", cases.len());
    let opts = DecryptOptions::default();
    let mut failures = Vec::new();
    for c in &cases {
        check(
            c,
            c.expect,
            "one-shot",
            decrypt(&c.ct, &c.key, &opts),
            &mut failures,
        );
        for chunk in [c.ct.len().max(1), 7, 1] {
            let (r, out) = stream_decrypt(&c.ct, &c.key, &opts, chunk);
            // Streaming may release verified frames before the error, never other bytes.
            if !c.plaintext.starts_with(&out) {
                failures.push(format!("{}: stream/{chunk}: released other bytes", c.id));
            }
            let api = format!("stream/{chunk}");
            check(c, c.buffered, &api, r.map(|()| out), &mut failures);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Random access reads every frame it needs, opens the final frame first and never reads the
/// footer or what follows the message: messages callseal decrypts must read back whole; others
/// must fail (with any code: it locates the final frame from the message size, so it sees a
/// misplaced frame where the sequential reader sees what follows it), except those whose only
/// fault is in the footer (documented in `random_access`: signatures are not checked there).
#[test]
fn random_access_agrees() {
    let (cases, _) = cases();
    let not_checked_by_random_access = [
        "signature-extra-byte",
        "signature-non-minimal-integer",
        "signature-raw-r-s",
        "signed-no-footer",
    ];
    let opts = DecryptOptions::default();
    let mut failures = Vec::new();
    for c in &cases {
        let r = ready(RandomAccessReader::open(
            &c.ct[..],
            &DataKey::new(&c.key),
            &releasing(&opts),
        ))
        .and_then(|r| {
            let n = r.plaintext_len();
            ready(r.read(0, n))
        });
        match (&c.buffered, r) {
            (None, r) => {
                if let Err(e) = outcome(r, &c.plaintext) {
                    failures.push(format!("{}: random access: {e}", c.id));
                }
            }
            (Some(_), Err(_)) => {}
            (Some(_), Ok(pt)) if not_checked_by_random_access.contains(&c.id.as_str()) => {
                if pt != c.plaintext {
                    failures.push(format!("{}: random access: other plaintext", c.id));
                }
            }
            (Some(code), Ok(pt)) => failures.push(format!(
                "{}: random access: expected {code}, got {} bytes",
                c.id,
                pt.len()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The official raw AES keyrings wrap the data key under the encryption context serialized with
/// its pairs sorted by key, whatever order the header stores them in: callseal's keyring must
/// unwrap every message whose header it parses (ec-unsorted stores its pairs unsorted).
#[test]
fn raw_aes_keyring_unwraps_every_parsed_header() {
    let (cases, ring) = cases();
    let mut parsed = 0;
    let mut failures = Vec::new();
    for c in &cases {
        let Ok(h) = UnverifiedHeader::parse(&c.ct, Default::default()) else {
            continue;
        };
        parsed += 1;
        match ring.unwrap_data_key(h.unverified()) {
            Ok(k) if k.expose() == c.key.as_slice() => {}
            Ok(_) => failures.push(format!("{}: unwrapped another key", c.id)),
            Err(e) => failures.push(format!("{}: {e}", c.id)),
        }
    }
    assert!(parsed >= 30, "{parsed} headers parsed");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A signed message whose `aws-crypto-public-key` could never verify a signature is refused by
/// the header parser (so `parseHeader` refuses it before a key broker is asked), with the code
/// every decrypt API gives it.
#[test]
fn unusable_public_keys_are_refused_when_the_header_is_parsed() {
    let (cases, _) = cases();
    let ids = [
        "signed-public-key-not-base64",
        "signed-public-key-not-a-point",
        "signed-public-key-other-curve",
        "signed-public-key-uncompressed",
    ];
    for id in ids {
        let c = cases.iter().find(|c| c.id == id).expect(id);
        let e = UnverifiedHeader::parse(&c.ct, Default::default()).expect_err(id);
        assert_eq!(e.code, ErrorCode::MalformedHeader, "{id}: {e}");
        assert!(e.message.contains("aws-crypto-public-key"), "{id}: {e}");
    }
}
