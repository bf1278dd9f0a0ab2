//! Messages made with required encryption context (pairs authenticated but not stored in the
//! header) by the official Python ESDK 4.0.7 with the Material Providers Library's Required
//! Encryption Context CMM (tests/vectors/esdk/required-ec, tests/interop/make_required_ec.py).
//!
//! For every message and every reproduced context of the manifest, one-shot, streaming and
//! random-access decryption given the data key must do what the official ESDK's own header
//! check does given that key (`with_data_key`): decrypt, or fail the way it fails. The raw AES
//! keyring must unwrap the data key once the reproduced pairs are supplied (it binds them too).

#![cfg(feature = "envelope")]

mod common;

use callseal::envelope::random_access::RandomAccessReader;
use callseal::envelope::{decrypt, DataKey, DecryptOptions, UnverifiedHeader};
use callseal::ErrorCode;
use common::*;

fn required_ec() -> serde_json::Value {
    serde_json::from_slice(&read_vec("required-ec/manifest.json")).unwrap()
}

fn pairs(v: &serde_json::Value) -> Vec<(String, String)> {
    v.as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_message_and_reproduced_context_as_the_official_esdk() {
    let m = required_ec();
    let contexts = m["checks"]["contexts"].as_object().unwrap();
    let tests = m["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 38);
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for t in tests {
        let id = t["id"].as_str().unwrap();
        let ct = read_vec(&format!(
            "required-ec/{}",
            t["ciphertext"].as_str().unwrap()
        ));
        let pt = read_vec(&format!("required-ec/{}", t["plaintext"].as_str().unwrap()));
        let key = b64(t["data_key"].as_str().unwrap());
        for (name, check) in t["checks"].as_object().unwrap() {
            let official = check["with_data_key"].as_str().unwrap();
            *seen.entry(official.to_string()).or_default() += 1;
            let opts = DecryptOptions {
                expected_context: pairs(&contexts[name]),
                ..Default::default()
            };
            let what = format!("{id} with context `{name}`");
            let one_shot = decrypt(&ct, &key, &opts);
            let (streamed, released) = stream_decrypt(&ct, &key, &opts, 97);
            let ranged = ready(RandomAccessReader::open(
                &ct[..],
                &DataKey::new(&key),
                &releasing(&opts),
            ))
            .and_then(|r| ready(r.read(0, r.plaintext_len())));
            match official {
                "ok" => {
                    assert_eq!(
                        one_shot.unwrap_or_else(|e| panic!("{what}: {e}")),
                        pt,
                        "{what}"
                    );
                    streamed.unwrap_or_else(|e| panic!("{what}: stream: {e}"));
                    assert_eq!(released, pt, "{what}: stream");
                    assert_eq!(ranged.unwrap_or_else(|e| panic!("{what}: range: {e}")), pt);
                }
                "error:context-mismatch" | "error:header-auth-failed" => {
                    // The official header check fails: a stored value differs
                    // (CONTEXT_MISMATCH), or the header tag does not verify over the reproduced
                    // pairs it lacks (TAG_MISMATCH; CONTEXT_MISMATCH when it verifies without
                    // them, i.e. the message simply lacks those keys).
                    let allowed: &[ErrorCode] = if official == "error:context-mismatch" {
                        &[ErrorCode::ContextMismatch]
                    } else {
                        &[ErrorCode::TagMismatch, ErrorCode::ContextMismatch]
                    };
                    for (path, r) in [
                        ("one-shot", one_shot.map(|_| ())),
                        ("stream", streamed),
                        ("range", ranged.map(|_| ())),
                    ] {
                        let code = r
                            .err()
                            .unwrap_or_else(|| panic!("{what}: {path} decrypted"))
                            .code;
                        assert!(allowed.contains(&code), "{what}: {path}: {code:?}");
                    }
                    assert!(released.is_empty(), "{what}: stream released plaintext");
                }
                other => panic!("{what}: unknown official result {other}"),
            }
        }
    }
    // The manifest exercises both outcomes on every path.
    assert!(
        seen["ok"] >= 80 && seen["error:header-auth-failed"] >= 100,
        "{seen:?}"
    );
    assert!(seen["error:context-mismatch"] >= 38, "{seen:?}");
}

#[test]
fn a_message_that_lacks_an_expected_key_is_a_context_mismatch() {
    // The controls store every pair; an extra expected key is not authenticated by them.
    let m = required_ec();
    let control = m["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["cmm"] != "required-ec")
        .expect("a control message");
    let ct = read_vec(&format!(
        "required-ec/{}",
        control["ciphertext"].as_str().unwrap()
    ));
    let key = b64(control["data_key"].as_str().unwrap());
    let opts = DecryptOptions {
        expected_context: vec![("extra".into(), "x".into())],
        ..Default::default()
    };
    let e = decrypt(&ct, &key, &opts).unwrap_err();
    assert_eq!(e.code, ErrorCode::ContextMismatch, "{e}");
    assert!(e.message.contains("`extra`"), "{e}");
}

#[test]
fn raw_aes_keyring_unwraps_with_the_reproduced_pairs() {
    let m = required_ec();
    let ring = manifest_keyring(&m["keyring"], "wrapping_key");
    let full = pairs(&m["encryption_context"]);
    for t in m["tests"].as_array().unwrap() {
        let id = t["id"].as_str().unwrap();
        let ct = read_vec(&format!(
            "required-ec/{}",
            t["ciphertext"].as_str().unwrap()
        ));
        let h = UnverifiedHeader::parse(&ct, Default::default()).unwrap();
        let dk = ring
            .unwrap_data_key_with_context(h.unverified(), &full)
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(
            dk.expose(),
            &b64(t["data_key"].as_str().unwrap())[..],
            "{id}"
        );
        if t["cmm"] == "required-ec" {
            // Without the pairs the header does not store, the keyring's AAD differs.
            let e = ring.unwrap_data_key(h.unverified()).unwrap_err();
            assert_eq!(e.code, ErrorCode::KeyUnwrapFailed, "{id}");
        }
    }
}
