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

    // Non-ASCII contexts, in the forms S3 returns them.
    let status = std::process::Command::new(std::env::var("CALLSEAL_PYTHON").unwrap())
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/interop/make_s3ec_objects.py"
        ))
        .arg(&out)
        .args(["--seed", &seed.to_string(), "--count", "1", "--non-ascii"])
        .status()
        .expect("run the S3EC generator");
    assert!(
        status.success(),
        "official S3EC generator failed (--non-ascii)"
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(check_cases(&doc), 2, "seed {seed}");
    assert_eq!(check_s3_returned_forms(&doc), 6, "seed {seed}");
}

fn load(name: &str) -> Value {
    let path = format!("{}/tests/vectors/s3ec/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn code<T: std::fmt::Debug>(r: callseal::Result<T>) -> ErrorCode {
    r.unwrap_err().code
}

/// The stored context without the reserved `aws:x-amz-cek-alg` the client adds.
fn user_context(meta: &S3ObjectMetadata) -> BTreeMap<String, String> {
    let mut m = meta.encryption_context().clone();
    m.remove("aws:x-amz-cek-alg");
    m
}

fn pairs(m: &BTreeMap<String, String>) -> Vec<(String, String)> {
    m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Every S3-returned form of a case's headers (RFC 2047 over S3's double encoding, B and Q, and
/// over a single encoding) reads as the same context and decrypts.
fn check_s3_returned_forms(doc: &Value) -> usize {
    let mut n = 0;
    for case in doc["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let expected = string_map(&case["expected_context"]);
        assert!(
            expected.values().any(|v| !v.is_ascii()),
            "{id}: context should hold non-ASCII"
        );
        let forms = case["s3_returned_metadata"].as_object().unwrap();
        assert_eq!(forms.len(), 3, "{id}");
        for (form, headers) in forms {
            let headers = string_map(headers);
            assert!(
                headers.values().any(|v| v.starts_with("=?")),
                "{id} {form}: not encoded"
            );
            let meta = S3ObjectMetadata::from_headers(&headers, None)
                .unwrap_or_else(|e| panic!("{id} {form}: {e}"));
            assert_eq!(user_context(&meta), expected, "{id} {form}");
            assert_eq!(
                meta.kms_encryption_context(),
                string_map(&case["kms_encryption_context"]),
                "{id} {form}: KMS context"
            );
            meta.require_context(&pairs(&expected)).unwrap();
            assert_eq!(
                decrypt_object(&b64(&case["body"]), &meta, &b64(&case["data_key"])).unwrap(),
                b64(&case["plaintext"]),
                "{id} {form}"
            );
            n += 1;
        }
    }
    n
}

#[test]
fn non_ascii_context_as_s3_returns_it() {
    let doc = load("python-4.0.0-non-ascii.json");
    // The headers as stored (Python escapes non-ASCII in its JSON) and as S3 returns them.
    assert_eq!(check_cases(&doc), 4);
    assert_eq!(check_s3_returned_forms(&doc), 12);

    // A hand-made value: `{"site":"Zürich"}` written as UTF-8, read by S3 as ISO-8859-1 and
    // returned RFC 2047-encoded.
    let case = &doc["cases"][0];
    let field = if case["format"] == "v3" {
        "x-amz-meta-x-amz-t"
    } else {
        "x-amz-meta-x-amz-matdesc"
    };
    let mut headers = string_map(&case["metadata"]);
    headers.insert(
        field.to_string(),
        "=?UTF-8?B?eyJzaXRlIjoiWsODwrxyaWNoIn0=?=".to_string(),
    );
    let meta = S3ObjectMetadata::from_headers(&headers, None).unwrap();
    assert_eq!(meta.encryption_context()["site"], "Zürich");

    // Not UTF-8, not base64, text after the words: a clear MALFORMED_METADATA.
    for bad in [
        "=?ISO-8859-1?B?eyJzaXRlIjoiWvxyaWNoIn0=?=",
        "=?UTF-8?B?%%%?=",
        "=?UTF-8?X?abc?=",
        "=?UTF-8?B?e30=?= {}",
        "=?UTF-8?B?e30=",
    ] {
        headers.insert(field.to_string(), bad.to_string());
        let e = S3ObjectMetadata::from_headers(&headers, None).unwrap_err();
        assert_eq!(e.code, ErrorCode::MalformedMetadata, "{bad}");
        assert!(e.message.contains("RFC 2047"), "{bad}: {e}");
    }
}

/// The first committed case of a format.
fn first_case(format: &str) -> Value {
    load("python-4.0.0.json")["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["format"] == format)
        .unwrap()
        .clone()
}

#[test]
fn expected_context_only_where_the_wrapping_binds_it() {
    let v3 = first_case("v3");
    let expected = pairs(&string_map(&v3["expected_context"]));
    let headers = string_map(&v3["metadata"]);
    // Raw-key wrapping (V3 `02` AES/GCM, `22` RSA-OAEP-SHA1): the material description is
    // unauthenticated, so a check against it is refused rather than performed.
    for w in ["02", "22"] {
        let mut raw = headers.clone();
        let t = raw.remove("x-amz-meta-x-amz-t").unwrap();
        raw.insert("x-amz-meta-x-amz-m".into(), t);
        raw.insert("x-amz-meta-x-amz-w".into(), w.into());
        let meta = S3ObjectMetadata::from_headers(&raw, None).unwrap();
        assert!(!meta.context_is_authenticated());
        let e = meta.require_context(&expected).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument, "{w}");
        assert!(
            e.message.contains("x-amz-m") && e.message.contains("does not authenticate"),
            "{e}"
        );
        meta.require_context(&[]).unwrap();
        assert!(meta.kms_encryption_context().is_empty(), "{w}: no KMS call");
        assert_eq!(user_context(&meta), string_map(&v3["expected_context"]));
        // Decryption itself is unaffected (the data key comes from whoever unwrapped it).
        assert_eq!(
            decrypt_object(&b64(&v3["body"]), &meta, &b64(&v3["data_key"])).unwrap(),
            b64(&v3["plaintext"])
        );
    }

    let v2 = first_case("v2");
    let expected = pairs(&string_map(&v2["expected_context"]));
    for (wrap, checked) in [
        ("kms+context", true),
        ("kms", true),
        ("AES/GCM", false),
        ("RSA-OAEP-SHA1", false),
    ] {
        let mut h = string_map(&v2["metadata"]);
        h.insert("x-amz-meta-x-amz-wrap-alg".into(), wrap.into());
        let meta = S3ObjectMetadata::from_headers(&h, None).unwrap();
        assert_eq!(meta.context_is_authenticated(), checked, "{wrap}");
        if checked {
            meta.require_context(&expected).unwrap();
        } else {
            assert_eq!(
                code(meta.require_context(&expected)),
                ErrorCode::InvalidArgument
            );
        }
    }
    // Legacy `kms`: KMS Decrypt is given the material description itself.
    let mut h = string_map(&v2["metadata"]);
    h.insert("x-amz-meta-x-amz-wrap-alg".into(), "kms".into());
    let meta = S3ObjectMetadata::from_headers(&h, None).unwrap();
    assert_eq!(&meta.kms_encryption_context(), meta.encryption_context());
}

#[test]
fn conflicting_duplicate_keys_are_refused() {
    let v3 = first_case("v3");
    let headers = string_map(&v3["metadata"]);
    let iv = headers["x-amz-meta-x-amz-i"].clone();
    let mut other = base64::engine::general_purpose::STANDARD
        .decode(&iv)
        .unwrap();
    other[0] ^= 1;
    let other = base64::engine::general_purpose::STANDARD.encode(other);
    for name in ["x-amz-i", "X-Amz-Meta-X-Amz-I", "X-AMZ-I"] {
        let mut h = headers.clone();
        h.insert(name.into(), other.clone());
        let e = S3ObjectMetadata::from_headers(&h, None).unwrap_err();
        assert_eq!(e.code, ErrorCode::MalformedMetadata, "{name}");
        assert!(
            e.message.contains("`x-amz-i`") && e.message.contains(name),
            "{e}"
        );
        // The same value twice is fine.
        h.insert(name.into(), iv.clone());
        let meta = S3ObjectMetadata::from_headers(&h, None).unwrap();
        assert_eq!(
            decrypt_object(&b64(&v3["body"]), &meta, &b64(&v3["data_key"])).unwrap(),
            b64(&v3["plaintext"])
        );
    }
}

/// Splits a committed object's headers the way the spec stores them with an instruction file.
fn split_for_instruction_file(
    case: &Value,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let keep_on_object = ["x-amz-c", "x-amz-d", "x-amz-i"];
    let mut object = BTreeMap::new();
    let mut instruction = BTreeMap::new();
    for (k, v) in string_map(&case["metadata"]) {
        let short = k.strip_prefix("x-amz-meta-").unwrap().to_string();
        if case["format"] == "v3" && keep_on_object.contains(&short.as_str()) {
            object.insert(k, v);
        } else {
            instruction.insert(short, v);
        }
    }
    object.insert("x-amz-meta-x-amz-crypto-instr-file".into(), String::new());
    (object, instruction)
}

#[test]
fn instruction_files_as_the_official_clients_read_them() {
    for format in ["v3", "v2"] {
        let case = first_case(format);
        let expected = pairs(&string_map(&case["expected_context"]));
        let (object, instruction) = split_for_instruction_file(&case);
        let json = serde_json::to_string(&instruction).unwrap();

        let meta = S3ObjectMetadata::from_headers(&object, Some(&json)).unwrap();
        meta.require_context(&expected).unwrap();
        assert_eq!(
            decrypt_object(&b64(&case["body"]), &meta, &b64(&case["data_key"])).unwrap(),
            b64(&case["plaintext"]),
            "{format}"
        );
        let e = S3ObjectMetadata::from_headers(&object, None).unwrap_err();
        assert!(e.message.contains("pass its JSON too"), "{e}");

        // Only S3EC keys, spelt exactly (Python's VALID_S3EC_METADATA_KEYS).
        for (k, v) in instruction.iter() {
            for alias in [format!("x-amz-meta-{k}"), k.to_ascii_uppercase()] {
                let mut bad = instruction.clone();
                bad.remove(k);
                bad.insert(alias.clone(), v.clone());
                let e = S3ObjectMetadata::from_headers(
                    &object,
                    Some(&serde_json::to_string(&bad).unwrap()),
                )
                .unwrap_err();
                assert_eq!(e.code, ErrorCode::MalformedMetadata, "{alias}");
                assert!(
                    e.message.contains(&format!("`{alias}`"))
                        && !e.message.contains("pass its JSON"),
                    "{e}"
                );
            }
        }
        let mut extra = instruction.clone();
        extra.insert("x-amz-unencrypted-content-length".into(), "1".into());
        assert_eq!(
            code(S3ObjectMetadata::from_headers(
                &object,
                Some(&serde_json::to_string(&extra).unwrap())
            )),
            ErrorCode::MalformedMetadata
        );
        let mut empty_object = object.clone();
        empty_object.retain(|k, _| k.ends_with("instr-file"));
        if format == "v2" {
            // Everything but the marker in the instruction file: still enough for V2.
            S3ObjectMetadata::from_headers(&empty_object, Some(&json)).unwrap();
        }
        let e = S3ObjectMetadata::from_headers(&empty_object, Some("{}")).unwrap_err();
        assert!(e.message.contains("neither"), "{e}");

        // A key the spec puts in the instruction file may not also sit on the object.
        let belongs = if format == "v3" {
            "x-amz-t"
        } else {
            "x-amz-matdesc"
        };
        let mut both = object.clone();
        both.insert(
            format!("x-amz-meta-{belongs}"),
            r#"{"contact-id":"someone-else"}"#.into(),
        );
        let e = S3ObjectMetadata::from_headers(&both, Some(&json)).unwrap_err();
        assert_eq!(e.code, ErrorCode::MalformedMetadata);
        assert!(e.message.contains(belongs), "{e}");
    }

    // A complete object does not read its instruction file, so the file cannot fill in what
    // the object lacks (here its encryption context).
    let v3 = first_case("v3");
    let mut headers = string_map(&v3["metadata"]);
    let stored_t = headers.remove("x-amz-meta-x-amz-t").unwrap();
    let forged = serde_json::json!({ "x-amz-t": stored_t, "x-amz-pad": "not read" }).to_string();
    let meta = S3ObjectMetadata::from_headers(&headers, Some(&forged)).unwrap();
    assert!(meta.encryption_context().is_empty());
    assert_eq!(
        code(meta.require_context(&pairs(&string_map(&v3["expected_context"])))),
        ErrorCode::ContextMismatch
    );
}

#[test]
fn wrong_key_is_reported_before_the_body_length() {
    let v3 = first_case("v3");
    let meta = S3ObjectMetadata::from_headers(&string_map(&v3["metadata"]), None).unwrap();
    let body = b64(&v3["body"]);
    let mut key = b64(&v3["data_key"]);
    key[0] ^= 1;
    for cut in [0, 1, body.len() - 1] {
        assert_eq!(
            code(decrypt_object(&body[..cut], &meta, &key)),
            ErrorCode::CommitmentMismatch,
            "{cut}"
        );
        assert_eq!(
            code(decrypt_object(&body[..cut], &meta, &b64(&v3["data_key"]))),
            if cut < 16 {
                ErrorCode::Truncated
            } else {
                ErrorCode::TagMismatch
            },
            "{cut}"
        );
    }
}
