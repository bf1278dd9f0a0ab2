//! S3EC content metadata: which format (V2 / V3), the content IV or message id and commitment,
//! the wrapped data key, its wrapping algorithm, and the encryption context KMS binds.
//!
//! Spec: s3-encryption/data-format/content-metadata.md and metadata-strategy.md.

use std::collections::BTreeMap;

use base64::Engine as _;

use super::V3_MESSAGE_ID_LEN;
use crate::err;
use crate::error::Result;

/// The key every S3EC KMS context carries: the content algorithm (`AES/GCM/NoPadding` for V2,
/// `115` for V3).
pub const CEK_ALG_CONTEXT_KEY: &str = "aws:x-amz-cek-alg";
/// Longest S3EC metadata value (`x-amz-*` after the `x-amz-meta-` prefix), in bytes
/// (`LIMIT_EXCEEDED`). S3 allows 2 KB of user metadata per object.
pub const MAX_METADATA_VALUE_LEN: usize = 8 << 10;
/// Longest instruction file, in bytes (`LIMIT_EXCEEDED`).
pub const MAX_INSTRUCTION_FILE_LEN: usize = 64 << 10;
const V2_CEK_ALG: &str = "AES/GCM/NoPadding";
const V3_CEK_ALG: &str = "115";

/// How the data key was wrapped (`x-amz-wrap-alg` in V2, `x-amz-w` in V3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WrapAlgorithm {
    /// KMS with the encryption context bound (`kms+context`, V3 `12`): the current mode.
    KmsContext,
    /// Legacy KMS mode (`kms`): the context is the material description.
    Kms,
    /// Raw AES-GCM keyring (`AES/GCM`, V3 `02`).
    AesGcm,
    /// Raw RSA keyring (`RSA-OAEP-SHA1`, V3 `22`).
    RsaOaepSha1,
}

/// The content format and its per-object parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContentFormat {
    /// AES-256-GCM with a random 12-byte IV and no AAD.
    V2 { iv: [u8; 12] },
    /// AES-256-GCM under an HKDF-SHA512-derived key that commits to the data key.
    V3 {
        message_id: [u8; V3_MESSAGE_ID_LEN],
        commitment: [u8; V3_MESSAGE_ID_LEN],
    },
}

/// Parsed, consistency-checked S3EC metadata. Unauthenticated until the body decrypts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3ObjectMetadata {
    pub format: ContentFormat,
    pub wrap_algorithm: WrapAlgorithm,
    /// The wrapped data key (the KMS CiphertextBlob for KMS modes).
    pub encrypted_data_key: Vec<u8>,
    /// The encryption context (`kms+context`) or material description, as stored.
    pub stored_context: BTreeMap<String, String>,
    /// `x-amz-unencrypted-content-length`, when present.
    pub unencrypted_content_length: Option<u64>,
}

impl S3ObjectMetadata {
    /// The encryption context a key broker must pass to KMS `Decrypt` for this object: the stored
    /// context plus `aws:x-amz-cek-alg` for `kms+context` (empty for other wrapping modes).
    pub fn kms_encryption_context(&self) -> BTreeMap<String, String> {
        let mut ctx = self.stored_context.clone();
        if self.wrap_algorithm == WrapAlgorithm::KmsContext {
            ctx.insert(CEK_ALG_CONTEXT_KEY.to_string(), self.cek_alg().to_string());
        }
        ctx
    }

    /// The encryption context as stored with the object (what callers compare with what they expect).
    pub fn encryption_context(&self) -> &BTreeMap<String, String> {
        &self.stored_context
    }

    fn cek_alg(&self) -> &'static str {
        match self.format {
            ContentFormat::V2 { .. } => V2_CEK_ALG,
            ContentFormat::V3 { .. } => V3_CEK_ALG,
        }
    }

    /// Fails with `CONTEXT_MISMATCH` unless every `(key, value)` in `required` is stored.
    pub fn require_context(&self, required: &[(String, String)]) -> Result<()> {
        for (k, v) in required {
            match self.stored_context.get(k) {
                Some(have) if have == v => {}
                Some(have) => {
                    return Err(err!(
                        ContextMismatch,
                        "encryption context `{k}` is `{have}`, expected `{v}`"
                    ))
                }
                None => {
                    return Err(err!(
                        ContextMismatch,
                        "encryption context lacks the required key `{k}`"
                    ))
                }
            }
        }
        Ok(())
    }

    /// Parses metadata from object headers (`x-amz-meta-x-amz-key-v2: ...`, any case, with or
    /// without the `x-amz-meta-` prefix) and, when the object uses one, the instruction file's
    /// JSON object. Format-confusion guards follow the spec: an instruction file may not carry
    /// V3 object-only keys, V2 content keys may not sit on an object that uses an instruction
    /// file, and keys of two formats may not be mixed.
    pub fn from_headers(
        headers: &BTreeMap<String, String>,
        instruction_file: Option<&str>,
    ) -> Result<Self> {
        let object = normalize(headers);
        check_value_lengths(&object, "object metadata")?;
        let merged = match instruction_file {
            None => object,
            Some(text) => {
                if text.len() > MAX_INSTRUCTION_FILE_LEN {
                    return Err(err!(
                        LimitExceeded,
                        "instruction file of {} bytes, more than the {MAX_INSTRUCTION_FILE_LEN} byte limit",
                        text.len()
                    ));
                }
                let instruction = parse_string_map(text, "instruction file")?;
                for k in ["x-amz-c", "x-amz-d", "x-amz-i"] {
                    if instruction.contains_key(k) {
                        return Err(err!(MalformedMetadata, "instruction file carries `{k}`, which only the object's own metadata may hold (tampered?)"));
                    }
                }
                if instruction.contains_key("x-amz-key-v2") || instruction.contains_key("x-amz-key")
                {
                    for k in ["x-amz-cek-alg", "x-amz-iv", "x-amz-wrap-alg"] {
                        if object.contains_key(k) {
                            return Err(err!(MalformedMetadata, "`{k}` is in the object metadata but the V2 content metadata is in an instruction file"));
                        }
                    }
                }
                check_value_lengths(&instruction, "instruction file")?;
                let mut m = instruction;
                m.extend(object);
                m
            }
        };
        Self::from_map(&merged)
    }

    fn from_map(m: &BTreeMap<String, String>) -> Result<Self> {
        let versions = [
            m.contains_key("x-amz-key"),
            m.contains_key("x-amz-key-v2"),
            m.contains_key("x-amz-3"),
        ];
        if versions.iter().filter(|v| **v).count() > 1 {
            return Err(err!(MalformedMetadata, "metadata mixes data-key fields of several S3EC formats (x-amz-key, x-amz-key-v2, x-amz-3)"));
        }
        if versions[0] {
            return Err(err!(
                UnsupportedSuite,
                "S3EC V1 object (x-amz-key): legacy AES/CBC content is unauthenticated and is not decrypted"
            ));
        }
        if versions[1] {
            return Self::v2(m);
        }
        if versions[2] {
            return Self::v3(m);
        }
        if m.contains_key("x-amz-c") || m.contains_key("x-amz-crypto-instr-file") {
            return Err(err!(
                MalformedMetadata,
                "the object's content metadata is in an instruction file: pass its JSON too"
            ));
        }
        Err(err!(
            MalformedMetadata,
            "no S3 Encryption Client metadata (x-amz-key-v2 or x-amz-3) on this object"
        ))
    }

    fn v2(m: &BTreeMap<String, String>) -> Result<Self> {
        for k in ["x-amz-c", "x-amz-d", "x-amz-i"] {
            if m.contains_key(k) {
                return Err(err!(
                    MalformedMetadata,
                    "V2 metadata alongside the V3 content key `{k}` (format confusion)"
                ));
            }
        }
        let cek = required(m, "x-amz-cek-alg")?;
        if cek != V2_CEK_ALG {
            return Err(err!(
                UnsupportedSuite,
                "x-amz-cek-alg `{cek}`: only AES/GCM/NoPadding is decrypted (AES/CBC is unauthenticated)"
            ));
        }
        if let Some(t) = m.get("x-amz-tag-len") {
            if t != "128" {
                return Err(err!(
                    MalformedMetadata,
                    "x-amz-tag-len `{t}`: only 128-bit tags are defined"
                ));
            }
        }
        let iv: [u8; 12] = decode_fixed(m, "x-amz-iv")?;
        let wrap_algorithm = match required(m, "x-amz-wrap-alg")? {
            "kms+context" => WrapAlgorithm::KmsContext,
            "kms" => WrapAlgorithm::Kms,
            "AES/GCM" => WrapAlgorithm::AesGcm,
            "RSA-OAEP-SHA1" => WrapAlgorithm::RsaOaepSha1,
            other => {
                return Err(err!(
                    UnsupportedSuite,
                    "x-amz-wrap-alg `{other}` is not supported"
                ))
            }
        };
        let stored_context = match m.get("x-amz-matdesc") {
            Some(text) => parse_string_map(text, "x-amz-matdesc")?,
            None => BTreeMap::new(),
        };
        let meta = S3ObjectMetadata {
            format: ContentFormat::V2 { iv },
            wrap_algorithm,
            encrypted_data_key: decode(m, "x-amz-key-v2")?,
            stored_context,
            unencrypted_content_length: content_length(m)?,
        };
        meta.check_cek_in_context("x-amz-matdesc")?;
        Ok(meta)
    }

    fn v3(m: &BTreeMap<String, String>) -> Result<Self> {
        let c = required(m, "x-amz-c")?;
        if c != V3_CEK_ALG {
            return Err(err!(
                UnsupportedSuite,
                "x-amz-c `{c}`: only 115 (AES-256-GCM, HKDF-SHA512, key commitment) is defined"
            ));
        }
        let (wrap_algorithm, context_field) = match required(m, "x-amz-w")? {
            "12" => (WrapAlgorithm::KmsContext, "x-amz-t"),
            "02" => (WrapAlgorithm::AesGcm, "x-amz-m"),
            "22" => (WrapAlgorithm::RsaOaepSha1, "x-amz-m"),
            other => {
                return Err(err!(
                    UnsupportedSuite,
                    "x-amz-w `{other}` is not a V3 wrapping algorithm (02, 12, 22)"
                ))
            }
        };
        let stored_context = match m.get(context_field) {
            Some(text) => parse_string_map(text, context_field)?,
            None => BTreeMap::new(),
        };
        let meta = S3ObjectMetadata {
            format: ContentFormat::V3 {
                message_id: decode_fixed(m, "x-amz-i")?,
                commitment: decode_fixed(m, "x-amz-d")?,
            },
            wrap_algorithm,
            encrypted_data_key: decode(m, "x-amz-3")?,
            stored_context,
            unencrypted_content_length: content_length(m)?,
        };
        meta.check_cek_in_context(context_field)?;
        Ok(meta)
    }

    /// A stored `aws:x-amz-cek-alg` must name this object's content algorithm.
    fn check_cek_in_context(&self, field: &str) -> Result<()> {
        match self.stored_context.get(CEK_ALG_CONTEXT_KEY) {
            Some(v) if v != self.cek_alg() => Err(err!(
                MalformedMetadata,
                "{field}: {CEK_ALG_CONTEXT_KEY} is `{v}` but the content algorithm is `{}`",
                self.cek_alg()
            )),
            _ => Ok(()),
        }
    }
}

/// Lower-cases names and strips the `x-amz-meta-` prefix HTTP headers carry.
fn normalize(headers: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    headers
        .iter()
        .map(|(k, v)| {
            let k = k.to_ascii_lowercase();
            let k = k
                .strip_prefix("x-amz-meta-")
                .map(str::to_string)
                .unwrap_or(k);
            (k, v.clone())
        })
        .collect()
}

fn check_value_lengths(m: &BTreeMap<String, String>, what: &str) -> Result<()> {
    for (k, v) in m {
        if k.starts_with("x-amz-") && v.len() > MAX_METADATA_VALUE_LEN {
            return Err(err!(
                LimitExceeded,
                "{what}: `{k}` is {} bytes, more than the {MAX_METADATA_VALUE_LEN} byte limit",
                v.len()
            ));
        }
    }
    Ok(())
}

fn required<'a>(m: &'a BTreeMap<String, String>, key: &str) -> Result<&'a str> {
    m.get(key)
        .map(String::as_str)
        .ok_or_else(|| err!(MalformedMetadata, "missing `{key}`"))
}

fn decode(m: &BTreeMap<String, String>, key: &str) -> Result<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(required(m, key)?.trim())
        .map_err(|e| err!(MalformedMetadata, "`{key}` is not valid base64: {e}"))
}

fn decode_fixed<const N: usize>(m: &BTreeMap<String, String>, key: &str) -> Result<[u8; N]> {
    let bytes = decode(m, key)?;
    let n = bytes.len();
    bytes
        .try_into()
        .map_err(|_| err!(MalformedMetadata, "`{key}` holds {n} bytes, expected {N}"))
}

fn content_length(m: &BTreeMap<String, String>) -> Result<Option<u64>> {
    m.get("x-amz-unencrypted-content-length")
        .map(|v| {
            v.trim().parse::<u64>().map_err(|_| {
                err!(
                    MalformedMetadata,
                    "x-amz-unencrypted-content-length `{v}` is not a number"
                )
            })
        })
        .transpose()
}

/// A JSON object of string values (material description, encryption context, instruction
/// file). Read with miniserde, which accepts and refuses what serde_json does for this shape
/// (the tests compare the two) in a fraction of serde_json's code in the decrypt wasm module.
/// Its errors do not say where, so the message says what the value must be.
fn parse_string_map(text: &str, what: &str) -> Result<BTreeMap<String, String>> {
    miniserde::json::from_str(text).map_err(|_| {
        err!(
            MalformedMetadata,
            "{what} is not a JSON object whose values are all strings"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn v2_kms_context_adds_cek_alg() {
        let m = map(&[
            ("X-Amz-Meta-X-Amz-Key-V2", "AAEC"),
            ("x-amz-meta-x-amz-iv", "AAAAAAAAAAAAAAAA"),
            ("x-amz-meta-x-amz-cek-alg", "AES/GCM/NoPadding"),
            ("x-amz-meta-x-amz-wrap-alg", "kms+context"),
            (
                "x-amz-meta-x-amz-matdesc",
                r#"{"kind":"recording","aws:x-amz-cek-alg":"AES/GCM/NoPadding"}"#,
            ),
            ("x-amz-meta-x-amz-tag-len", "128"),
        ]);
        let meta = S3ObjectMetadata::from_headers(&m, None).unwrap();
        assert_eq!(meta.wrap_algorithm, WrapAlgorithm::KmsContext);
        assert_eq!(
            meta.kms_encryption_context()
                .get(CEK_ALG_CONTEXT_KEY)
                .unwrap(),
            "AES/GCM/NoPadding"
        );
        assert!(meta
            .require_context(&[("kind".into(), "recording".into())])
            .is_ok());
        assert_eq!(
            meta.require_context(&[("kind".into(), "transcript".into())])
                .unwrap_err()
                .code,
            crate::ErrorCode::ContextMismatch
        );
    }

    #[test]
    fn refuses_cbc_v1_and_mixed_formats() {
        let cbc = map(&[
            ("x-amz-key-v2", "AA=="),
            ("x-amz-iv", "AAAAAAAAAAAAAAAA"),
            ("x-amz-cek-alg", "AES/CBC/PKCS5Padding"),
            ("x-amz-wrap-alg", "kms"),
        ]);
        assert_eq!(
            S3ObjectMetadata::from_headers(&cbc, None).unwrap_err().code,
            crate::ErrorCode::UnsupportedSuite
        );
        let v1 = map(&[("x-amz-key", "AA=="), ("x-amz-iv", "AA==")]);
        assert_eq!(
            S3ObjectMetadata::from_headers(&v1, None).unwrap_err().code,
            crate::ErrorCode::UnsupportedSuite
        );
        let mixed = map(&[("x-amz-key-v2", "AA=="), ("x-amz-3", "AA==")]);
        assert_eq!(
            S3ObjectMetadata::from_headers(&mixed, None)
                .unwrap_err()
                .code,
            crate::ErrorCode::MalformedMetadata
        );
        let none = map(&[("content-type", "audio/wav")]);
        assert_eq!(
            S3ObjectMetadata::from_headers(&none, None)
                .unwrap_err()
                .code,
            crate::ErrorCode::MalformedMetadata
        );
    }

    #[test]
    fn instruction_file_may_not_carry_v3_object_keys() {
        let object = map(&[
            ("x-amz-meta-x-amz-c", "115"),
            ("x-amz-meta-x-amz-d", "AA=="),
            ("x-amz-meta-x-amz-i", "AA=="),
        ]);
        let instr = r#"{"x-amz-3":"AA==","x-amz-w":"12","x-amz-i":"AA=="}"#;
        assert_eq!(
            S3ObjectMetadata::from_headers(&object, Some(instr))
                .unwrap_err()
                .code,
            crate::ErrorCode::MalformedMetadata
        );
        let e = S3ObjectMetadata::from_headers(&object, None).unwrap_err();
        assert!(e.message.contains("instruction file"), "{e}");
    }

    #[test]
    fn v3_wrong_lengths_are_reported_by_field() {
        let m = map(&[
            ("x-amz-3", "AA=="),
            ("x-amz-c", "115"),
            ("x-amz-w", "12"),
            ("x-amz-i", "AAAA"),
            ("x-amz-d", "AAAA"),
        ]);
        let e = S3ObjectMetadata::from_headers(&m, None).unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::MalformedMetadata);
        assert!(e.message.contains("x-amz-i"), "{e}");
    }

    /// serde_json's reading of a JSON object of strings (what `parse_string_map` must match).
    fn serde_json_map(text: &str) -> Option<BTreeMap<String, String>> {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        let serde_json::Value::Object(obj) = value else {
            return None;
        };
        obj.into_iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => Some((k, s)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn string_map_json_agrees_with_serde_json() {
        let cases = [
            r#"{}"#,
            " \t\r\n{ } \n",
            r#"{"kms_cmk_id":"arn:aws:kms:us-east-1:1:key/k","aws:x-amz-cek-alg":"AES/GCM/NoPadding"}"#,
            r#"{"a":"1","a":"2"}"#,
            r#"{ "a" : "x" , "b":"" }"#,
            r#"{"esc":"\"\\\/\b\f\n\r\t\u0041\u00e9\u20ac\ud83d\ude00"}"#,
            "{\"utf8\":\"caf\u{e9} \u{1f600}\"}",
            r#"{"\u0000":"nul"}"#,
            // invalid
            "",
            "[]",
            r#""a""#,
            r#"{"a":1}"#,
            r#"{"a":null}"#,
            r#"{"a":["x"]}"#,
            r#"{"a":{"b":"c"}}"#,
            r#"{"a":"x",}"#,
            r#"{,}"#,
            r#"{"a" "x"}"#,
            r#"{"a":"x"} x"#,
            r#"{"a":"x"}{}"#,
            r#"{a:"x"}"#,
            r#"{'a':'x'}"#,
            r#"{"a":"x""#,
            r#"{"a":"x"#,
            "{\"a\":\"tab\there\"}",
            r#"{"a":"\x"}"#,
            r#"{"a":"\u12"}"#,
            r#"{"a":"\u12g4"}"#,
            r#"{"a":"\ud83d"}"#,
            r#"{"a":"\ud83dx"}"#,
            r#"{"a":"\ud83d\u0041"}"#,
            r#"{"a":"\ude00"}"#,
            r#"{"a":"x"/*c*/}"#,
            "\u{feff}{}",
        ];
        for text in cases {
            let ours = parse_string_map(text, "test").ok();
            assert_eq!(ours, serde_json_map(text), "{text:?}");
        }
        let e = parse_string_map(r#"{"k":1}"#, "x-amz-matdesc").unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::MalformedMetadata);
        assert!(e.message.contains("x-amz-matdesc"), "{e}");
    }

    proptest::proptest! {
        #[test]
        fn string_map_json_agrees_with_serde_json_on_any_text(
            text in r#"[{}":,\\ "abu0-9dDeE\n\t\x00\u{e9}\[\]]{0,24}"#
        ) {
            proptest::prop_assert_eq!(parse_string_map(&text, "t").ok(), serde_json_map(&text));
        }

        #[test]
        fn string_map_json_reads_what_serde_json_writes(
            m in proptest::collection::btree_map(".{0,6}", ".{0,6}", 0..5)
        ) {
            let text = serde_json::to_string(&m).unwrap();
            proptest::prop_assert_eq!(parse_string_map(&text, "t").ok(), Some(m));
        }
    }
}
