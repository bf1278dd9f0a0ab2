//! S3 Encryption Client objects made by the official Amazon S3 Encryption Client for Python
//! (V2 `AES/GCM/NoPadding` + `kms+context`, V3 suite 115 with key commitment).
//!
//! `tests/vectors/s3ec/python-4.0.0.json` is a committed batch; when `CALLSEAL_PYTHON` names a
//! Python with `amazon-s3-encryption-client-python` and `moto` (the Makefile sets it to the
//! project venv), a fresh batch with a new seed is made and checked too.
#![cfg(feature = "envelope")]

use std::collections::BTreeMap;

use base64::Engine as _;
use callseal::s3ec::{decrypt_object, S3ObjectMetadata};
use callseal::ErrorCode;
use serde_json::Value;

fn b64(v: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(v.as_str().unwrap())
        .unwrap()
}

fn string_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

/// Checks every case: plaintext, the KMS context the broker must send, expected-context
/// enforcement, and that tampering with the body or metadata or using another key fails.
fn check_cases(doc: &Value) -> usize {
    let cases = doc["cases"].as_array().unwrap();
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let body = b64(&case["body"]);
        let headers = string_map(&case["metadata"]);
        let data_key = b64(&case["data_key"]);
        let plaintext = b64(&case["plaintext"]);
        let meta =
            S3ObjectMetadata::from_headers(&headers, None).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(
            meta.kms_encryption_context(),
            string_map(&case["kms_encryption_context"]),
            "{id}: KMS context"
        );
        let expected: Vec<(String, String)> =
            string_map(&case["expected_context"]).into_iter().collect();
        meta.require_context(&expected)
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(
            decrypt_object(&body, &meta, &data_key).unwrap_or_else(|e| panic!("{id}: {e}")),
            plaintext,
            "{id}"
        );

        // A different key: V3 fails on the commitment, V2 on the tag.
        let mut other = data_key.clone();
        other[0] ^= 0x80;
        let code = decrypt_object(&body, &meta, &other).unwrap_err().code;
        let want = if case["format"] == "v3" {
            ErrorCode::CommitmentMismatch
        } else {
            ErrorCode::TagMismatch
        };
        assert_eq!(code, want, "{id}: wrong key");

        // Every bit of a short body, a sample of a long one.
        let step = (body.len() / 64).max(1);
        for i in (0..body.len()).step_by(step) {
            let mut bad = body.clone();
            bad[i] ^= 1 << (i % 8);
            assert_eq!(
                decrypt_object(&bad, &meta, &data_key).unwrap_err().code,
                ErrorCode::TagMismatch,
                "{id}: flip {i}"
            );
        }
        for cut in [0, 1, 15, body.len().saturating_sub(1)] {
            if cut < body.len() {
                assert!(
                    decrypt_object(&body[..cut], &meta, &data_key).is_err(),
                    "{id}: truncated to {cut}"
                );
            }
        }
        let mut longer = body.clone();
        longer.push(0);
        assert!(
            decrypt_object(&longer, &meta, &data_key).is_err(),
            "{id}: appended byte"
        );

        // Altered metadata: the V3 message id / commitment, the V2 IV.
        let field = if case["format"] == "v3" {
            "x-amz-meta-x-amz-i"
        } else {
            "x-amz-meta-x-amz-iv"
        };
        let mut altered = headers.clone();
        let mut raw = base64::engine::general_purpose::STANDARD
            .decode(&altered[field])
            .unwrap();
        raw[0] ^= 1;
        altered.insert(
            field.to_string(),
            base64::engine::general_purpose::STANDARD.encode(raw),
        );
        let m2 = S3ObjectMetadata::from_headers(&altered, None).unwrap();
        let code = decrypt_object(&body, &m2, &data_key).unwrap_err().code;
        assert!(
            matches!(code, ErrorCode::CommitmentMismatch | ErrorCode::TagMismatch),
            "{id}: altered {field}: {code}"
        );
        let wrong_ctx = [("kind".to_string(), "not-this".to_string())];
        assert_eq!(
            meta.require_context(&wrong_ctx).unwrap_err().code,
            ErrorCode::ContextMismatch
        );
    }
    cases.len()
}

#[test]
fn committed_official_s3ec_objects() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/s3ec/python-4.0.0.json"
    ))
    .unwrap();
    let n = check_cases(&serde_json::from_str(&text).unwrap());
    assert!(n >= 8, "{n} cases");
}

#[test]
fn fresh_official_s3ec_objects() {
    let Ok(python) = std::env::var("CALLSEAL_PYTHON") else {
        assert!(
            std::env::var("CALLSEAL_SKIP_INTEROP").is_ok(),
            "set CALLSEAL_PYTHON to a python with amazon-s3-encryption-client-python and moto (or CALLSEAL_SKIP_INTEROP=1)"
        );
        return;
    };
    let out = std::env::temp_dir().join(format!("callseal-s3ec-{}.json", std::process::id()));
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 100_000;
    let status = std::process::Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/interop/make_s3ec_objects.py"
        ))
        .arg(&out)
        .args(["--seed", &seed.to_string(), "--count", "5"])
        .status()
        .expect("run the S3EC generator");
    assert!(status.success(), "official S3EC generator failed");
    let text = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    assert_eq!(
        check_cases(&serde_json::from_str(&text).unwrap()),
        10,
        "seed {seed}"
    );
}
