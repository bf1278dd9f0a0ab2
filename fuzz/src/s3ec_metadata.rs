//! S3 Encryption Client metadata parsing and object decryption.
//!
//! Input: key length byte, data key, then `name: value` header lines, optionally a line `---`
//! followed by an instruction file, then a NUL byte and the object body. Seeds: the shared
//! S3EC vectors (made by the official Python client) with their data keys.
//!
//! Invariants: no panic; parsing does not depend on header-name case or on the
//! `x-amz-meta-` prefix (when names do not collide and carry the prefix at most once); the KMS context of `kms+context` objects
//! carries `aws:x-amz-cek-alg`; a decrypted body has the ciphertext's length and decrypting
//! again (or with a flipped body byte) is consistent.

use std::collections::BTreeMap;

use callseal::s3ec::{S3ObjectMetadata, WrapAlgorithm};

const CEK_ALG_CONTEXT_KEY: &str = "aws:x-amz-cek-alg";
use callseal::s3ec::{content_cipher, decrypt_object};

use super::common::Input;

/// One fuzz input: panics (assertion failures) are findings.
pub fn run(data: &[u8]) {
    let mut inp = Input::new(data);
    let klen = inp.u8() as usize % 40;
    let key = inp.bytes(klen).to_vec();
    let rest = inp.rest();
    let (meta_part, body) = match rest.iter().position(|&b| b == 0) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    let Ok(text) = std::str::from_utf8(meta_part) else {
        return;
    };
    let (head, instruction) = match text.split_once("\n---\n") {
        Some((h, i)) => (h, Some(i)),
        None => (text, None),
    };
    let mut headers = BTreeMap::new();
    for line in head.lines() {
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(k.trim().to_string(), v.trim().to_string());
        }
    }
    let parsed = S3ObjectMetadata::from_headers(&headers, instruction);

    // Same headers with names upper-cased and the `x-amz-meta-` prefix toggled.
    let mut variant = BTreeMap::new();
    for (k, v) in &headers {
        let lower = k.to_ascii_lowercase();
        let k2 = match lower.strip_prefix("x-amz-meta-") {
            Some(s) => s.to_ascii_uppercase(),
            None => format!("X-AMZ-META-{}", lower.to_ascii_uppercase()),
        };
        variant.insert(k2, v.clone());
    }
    let mut names: Vec<String> = headers
        .keys()
        .map(|k| {
            let l = k.to_ascii_lowercase();
            l.strip_prefix("x-amz-meta-")
                .map(str::to_string)
                .unwrap_or(l)
        })
        .collect();
    let n = names.len();
    names.sort();
    names.dedup();
    // Only one `x-amz-meta-` prefix is stripped: a name that still carries one after that
    // (`x-amz-meta-x-amz-meta-x-amz-key-v2`) would change meaning in the variant.
    let double_prefix = names.iter().any(|k| k.starts_with("x-amz-meta-"));
    if names.len() == n && !double_prefix {
        let again = S3ObjectMetadata::from_headers(&variant, instruction);
        match (&parsed, &again) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(b)) => assert_eq!(a.code, b.code),
            _ => panic!("header case/prefix changed the result: {parsed:?} vs {again:?}"),
        }
    }

    let Ok(meta) = parsed else { return };
    if meta.wrap_algorithm == WrapAlgorithm::KmsContext {
        assert!(meta
            .kms_encryption_context()
            .contains_key(CEK_ALG_CONTEXT_KEY));
    }
    let _ = content_cipher(&meta, &key);
    if let Ok(pt) = decrypt_object(body, &meta, &key) {
        assert_eq!(pt.len() + 16, body.len());
        assert_eq!(decrypt_object(body, &meta, &key).ok().as_ref(), Some(&pt));
        if !body.is_empty() {
            let mut bad = body.to_vec();
            bad[body.len() / 2] ^= 0x01;
            assert!(
                decrypt_object(&bad, &meta, &key).is_err(),
                "flipped body decrypted"
            );
        }
    }
}
