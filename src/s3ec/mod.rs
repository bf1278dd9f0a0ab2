//! Amazon S3 Encryption Client (S3EC) objects: V2 (`AES/GCM/NoPadding`) and V3 (suite 0x0073,
//! key-committing) content, with metadata from the object's `x-amz-meta-*` headers or from an
//! instruction file.
//!
//! Spec: awslabs/aws-encryption-sdk-specification `s3-encryption/` (data-format/content-metadata.md,
//! data-format/metadata-strategy.md, key-derivation.md, decryption.md).
//!
//! The data key arrives already unwrapped (from the console's key broker, which calls KMS with
//! the [`S3ObjectMetadata::kms_encryption_context`]). Legacy `AES/CBC/PKCS5Padding` (V1/V2) content
//! is unauthenticated and is refused with `UNSUPPORTED_SUITE`, as is ranged (CTR) decryption.

mod metadata;

pub use metadata::{
    ContentFormat, S3ObjectMetadata, WrapAlgorithm, MAX_INSTRUCTION_FILE_LEN,
    MAX_METADATA_VALUE_LEN,
};

use hkdf::Hkdf;
use sha2::Sha512;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::engine::RustAesGcm;
use crate::err;
use crate::error::Result;

/// Suite id of `ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY`, as it appears in the V3 AAD and HKDF info.
pub const V3_SUITE_ID: [u8; 2] = [0x00, 0x73];
/// Length of the V3 message id (HKDF salt) and of the key commitment.
pub const V3_MESSAGE_ID_LEN: usize = 28;
/// Spec (key-derivation.md): the V3 content IV is twelve `0x01` bytes.
pub const V3_IV: [u8; 12] = [0x01; 12];
const TAG_LEN: usize = 16;

/// What an engine needs to open an S3EC body: key, IV, AAD. The key is derived (V3) or the data
/// key itself (V2); it is wiped on drop.
pub struct ContentCipher {
    key: Zeroizing<Vec<u8>>,
    pub iv: [u8; 12],
    pub aad: &'static [u8],
}

impl ContentCipher {
    /// The AES-256 content key. Hand it only to an engine.
    pub fn key(&self) -> &[u8] {
        &self.key
    }
}

impl std::fmt::Debug for ContentCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContentCipher")
            .field("key", &"<redacted>")
            .field("iv", &self.iv)
            .finish()
    }
}

/// Checks the data key against the metadata and returns the content cipher parameters.
/// For V3 this derives the content key and verifies the key commitment in constant time
/// (`COMMITMENT_MISMATCH` on a wrong key or tampered metadata) before anything else.
pub fn content_cipher(meta: &S3ObjectMetadata, data_key: &[u8]) -> Result<ContentCipher> {
    if data_key.len() != 32 {
        return Err(err!(
            WrongKeyLength,
            "S3EC content uses AES-256: data key of {} bytes, expected 32",
            data_key.len()
        ));
    }
    match &meta.format {
        ContentFormat::V2 { iv } => Ok(ContentCipher {
            key: Zeroizing::new(data_key.to_vec()),
            iv: *iv,
            aad: &[],
        }),
        ContentFormat::V3 {
            message_id,
            commitment,
        } => {
            // spec: s3-encryption/key-derivation.md — extract with the message id as salt.
            let hk = Hkdf::<Sha512>::new(Some(message_id), data_key);
            let mut key = Zeroizing::new(vec![0u8; 32]);
            let mut commit = Zeroizing::new([0u8; V3_MESSAGE_ID_LEN]);
            hk.expand_multi_info(&[&V3_SUITE_ID, b"DERIVEKEY"], &mut key)
                .and_then(|_| hk.expand_multi_info(&[&V3_SUITE_ID, b"COMMITKEY"], &mut commit[..]))
                .map_err(|_| err!(InvalidState, "HKDF-SHA512 expand failed"))?;
            if !bool::from(commit.ct_eq(commitment)) {
                return Err(err!(
                    CommitmentMismatch,
                    "x-amz-d: the key commitment does not match this data key (wrong key, or the metadata was altered)"
                ));
            }
            Ok(ContentCipher {
                key,
                iv: V3_IV,
                aad: &V3_SUITE_ID,
            })
        }
    }
}

/// Decrypts a whole S3EC object body (ciphertext ‖ 16-byte tag) with the pure-Rust engine.
/// Nothing is returned unless the tag verifies. Checks run in this order: data key length
/// (`WRONG_KEY_LENGTH`), V3 key commitment (`COMMITMENT_MISMATCH`), body length against the tag
/// and `x-amz-unencrypted-content-length` (`TRUNCATED` / `TRAILING_BYTES`), then the tag.
pub fn decrypt_object(body: &[u8], meta: &S3ObjectMetadata, data_key: &[u8]) -> Result<Vec<u8>> {
    // The key (length, V3 commitment) before the body: a wrong key is reported as such
    // whatever the body, on every engine (the WebCrypto path does the same).
    let cipher = content_cipher(meta, data_key)?;
    let (ciphertext, tag) = split_body(body, meta)?;
    let mut plaintext = ciphertext.to_vec();
    if let Err(e) = RustAesGcm::new(cipher.key())?.open_in_place(
        &cipher.iv,
        cipher.aad,
        &mut plaintext,
        tag,
        "S3EC object body",
    ) {
        zeroize::Zeroize::zeroize(&mut plaintext);
        return Err(e);
    }
    Ok(plaintext)
}

/// Checks a body of `len` bytes against the metadata; returns the ciphertext length.
pub fn check_body_len(len: u64, meta: &S3ObjectMetadata) -> Result<u64> {
    let Some(ct_len) = len.checked_sub(TAG_LEN as u64) else {
        return Err(err!(
            Truncated,
            "S3EC object body of {len} bytes is shorter than the 16-byte GCM tag"
        ));
    };
    match meta.unencrypted_content_length {
        Some(expected) if expected > ct_len => {
            Err(err!(Truncated, "x-amz-unencrypted-content-length says {expected} bytes but the body holds {ct_len} bytes of ciphertext"))
        }
        Some(expected) if expected < ct_len => {
            Err(err!(TrailingBytes, "x-amz-unencrypted-content-length says {expected} bytes but the body holds {ct_len} bytes of ciphertext"))
        }
        _ => Ok(ct_len),
    }
}

/// Splits the body into ciphertext and tag, checking the lengths the metadata promises.
pub fn split_body<'a>(
    body: &'a [u8],
    meta: &S3ObjectMetadata,
) -> Result<(&'a [u8], &'a [u8; TAG_LEN])> {
    let ct_len = check_body_len(body.len() as u64, meta)? as usize;
    let (ciphertext, tag) = body.split_at(ct_len);
    let tag: &[u8; TAG_LEN] = tag
        .try_into()
        .map_err(|_| err!(Truncated, "S3EC object body: missing tag"))?;
    Ok((ciphertext, tag))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn b64(b: &[u8]) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(b)
    }

    fn v3_object(data_key: &[u8; 32], plaintext: &[u8]) -> (Vec<u8>, BTreeMap<String, String>) {
        let message_id = [9u8; 28];
        let hk = Hkdf::<Sha512>::new(Some(&message_id), data_key);
        let mut key = [0u8; 32];
        let mut commit = [0u8; 28];
        hk.expand_multi_info(&[&V3_SUITE_ID, b"DERIVEKEY"], &mut key)
            .unwrap();
        hk.expand_multi_info(&[&V3_SUITE_ID, b"COMMITKEY"], &mut commit)
            .unwrap();
        let mut body = plaintext.to_vec();
        let tag = RustAesGcm::new(&key)
            .unwrap()
            .seal_in_place(&V3_IV, &V3_SUITE_ID, &mut body)
            .unwrap();
        body.extend_from_slice(&tag);
        let meta = BTreeMap::from([
            ("x-amz-meta-x-amz-c".to_string(), "115".to_string()),
            ("x-amz-meta-x-amz-3".to_string(), b64(b"wrapped")),
            ("x-amz-meta-x-amz-w".to_string(), "12".to_string()),
            (
                "x-amz-meta-x-amz-t".to_string(),
                r#"{"contact-id":"c-1"}"#.to_string(),
            ),
            ("x-amz-meta-x-amz-d".to_string(), b64(&commit)),
            ("x-amz-meta-x-amz-i".to_string(), b64(&message_id)),
        ]);
        (body, meta)
    }

    #[test]
    fn v3_round_trip_and_commitment() {
        let dk = [3u8; 32];
        let (body, meta) = v3_object(&dk, b"transcript");
        let parsed = S3ObjectMetadata::from_headers(&meta, None).unwrap();
        assert_eq!(decrypt_object(&body, &parsed, &dk).unwrap(), b"transcript");
        let e = decrypt_object(&body, &parsed, &[4u8; 32]).unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::CommitmentMismatch);
        let mut bad = body.clone();
        bad[0] ^= 1;
        assert_eq!(
            decrypt_object(&bad, &parsed, &dk).unwrap_err().code,
            crate::ErrorCode::TagMismatch
        );
        assert_eq!(
            decrypt_object(&body[..20], &parsed, &dk).unwrap_err().code,
            crate::ErrorCode::TagMismatch
        );
        assert_eq!(
            decrypt_object(&body[..3], &parsed, &dk).unwrap_err().code,
            crate::ErrorCode::Truncated
        );
        // A wrong key is reported before the body is looked at.
        assert_eq!(
            decrypt_object(&body[..3], &parsed, &[4u8; 32])
                .unwrap_err()
                .code,
            crate::ErrorCode::CommitmentMismatch
        );
        assert_eq!(
            decrypt_object(&body[..3], &parsed, &[4u8; 16])
                .unwrap_err()
                .code,
            crate::ErrorCode::WrongKeyLength
        );
    }
}
