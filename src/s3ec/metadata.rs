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
/// The keys that hold a data key; an object with one of them does not use an instruction file.
const DATA_KEY_FIELDS: [&str; 3] = ["x-amz-key", "x-amz-key-v2", "x-amz-3"];
/// V3 keys only the object's own metadata may hold (spec: metadata-strategy.md).
const V3_OBJECT_ONLY_FIELDS: [&str; 3] = ["x-amz-c", "x-amz-d", "x-amz-i"];
/// The keys an instruction file may hold: the official Python client's
/// `VALID_S3EC_METADATA_KEYS`, which rejects any other.
const S3EC_KEYS: [&str; 15] = [
    "x-amz-key",
    "x-amz-key-v2",
    "x-amz-wrap-alg",
    "x-amz-matdesc",
    "x-amz-iv",
    "x-amz-cek-alg",
    "x-amz-tag-len",
    "x-amz-crypto-instr-file",
    "x-amz-c",
    "x-amz-3",
    "x-amz-m",
    "x-amz-t",
    "x-amz-w",
    "x-amz-d",
    "x-amz-i",
];
/// The JSON maps S3 may return RFC 2047-encoded (non-ASCII values), as Java's
/// `decodeAndParseJsonString` decodes them.
const JSON_MAP_FIELDS: [&str; 3] = ["x-amz-matdesc", "x-amz-m", "x-amz-t"];
const V3_CEK_ALG: &str = "115";

/// How the data key was wrapped (`x-amz-wrap-alg` in V2, `x-amz-w` in V3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

impl WrapAlgorithm {
    /// The name the JS API reports: `kms-context`, `kms`, `aes-gcm`, `rsa-oaep-sha1`.
    pub fn name(self) -> &'static str {
        match self {
            WrapAlgorithm::KmsContext => "kms-context",
            WrapAlgorithm::Kms => "kms",
            WrapAlgorithm::AesGcm => "aes-gcm",
            WrapAlgorithm::RsaOaepSha1 => "rsa-oaep-sha1",
        }
    }
}

impl WrapAlgorithm {
    /// The V2 metadata spelling (`x-amz-wrap-alg`).
    pub fn metadata_name(self) -> &'static str {
        match self {
            WrapAlgorithm::KmsContext => "kms+context",
            WrapAlgorithm::Kms => "kms",
            WrapAlgorithm::AesGcm => "AES/GCM",
            WrapAlgorithm::RsaOaepSha1 => "RSA-OAEP-SHA1",
        }
    }
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
    /// The encryption context a key broker must pass to KMS `Decrypt` for this object:
    /// - `kms+context` (V2, V3 `12`): the stored context plus `aws:x-amz-cek-alg`;
    /// - `kms` (legacy KmsV1): the material description (`x-amz-matdesc`) as stored, which KmsV1
    ///   used as its KMS encryption context;
    /// - `AES/GCM`, `RSA-OAEP-SHA1` (raw keys, no KMS call): empty.
    pub fn kms_encryption_context(&self) -> BTreeMap<String, String> {
        match self.wrap_algorithm {
            WrapAlgorithm::KmsContext => {
                let mut ctx = self.stored_context.clone();
                ctx.insert(CEK_ALG_CONTEXT_KEY.to_string(), self.cek_alg().to_string());
                ctx
            }
            WrapAlgorithm::Kms => self.stored_context.clone(),
            WrapAlgorithm::AesGcm | WrapAlgorithm::RsaOaepSha1 => BTreeMap::new(),
        }
    }

    /// Whether the stored context is authenticated once the data key is unwrapped: true for the
    /// KMS modes (KMS `Decrypt` fails unless it is given the very context the key was wrapped
    /// under, and the broker sends [`Self::kms_encryption_context`]), false for raw `AES/GCM` and
    /// `RSA-OAEP-SHA1` wrapping, whose material description no key, AAD or commitment covers.
    pub fn context_is_authenticated(&self) -> bool {
        matches!(
            self.wrap_algorithm,
            WrapAlgorithm::KmsContext | WrapAlgorithm::Kms
        )
    }

    /// The encryption context as stored with the object (what callers compare with what they expect).
    pub fn encryption_context(&self) -> &BTreeMap<String, String> {
        &self.stored_context
    }

    /// Where the stored context came from (`x-amz-matdesc`, `x-amz-t`, `x-amz-m`).
    fn context_field(&self) -> &'static str {
        match (&self.format, self.wrap_algorithm) {
            (ContentFormat::V2 { .. }, _) => "x-amz-matdesc",
            (ContentFormat::V3 { .. }, WrapAlgorithm::KmsContext) => "x-amz-t",
            (ContentFormat::V3 { .. }, _) => "x-amz-m",
        }
    }

    fn cek_alg(&self) -> &'static str {
        match self.format {
            ContentFormat::V2 { .. } => V2_CEK_ALG,
            ContentFormat::V3 { .. } => V3_CEK_ALG,
        }
    }

    /// Fails with `CONTEXT_MISMATCH` unless every `(key, value)` in `required` is stored.
    ///
    /// Only meaningful where the stored context is authenticated ([`Self::context_is_authenticated`]):
    /// for an object whose data key is wrapped with a raw key (`AES/GCM`, `RSA-OAEP-SHA1`) a
    /// non-empty `required` is an `INVALID_ARGUMENT` error, so a caller never believes a check
    /// happened that anyone who can rewrite the metadata could pass.
    pub fn require_context(&self, required: &[(String, String)]) -> Result<()> {
        if !required.is_empty() && !self.context_is_authenticated() {
            return Err(err!(
                InvalidArgument,
                "expectedContext cannot be checked on this object: its data key is wrapped with {} (a raw key), which does not authenticate the material description ({}), so anyone who can rewrite the metadata could pass the check; only KMS-wrapped objects (kms+context, kms) bind their context",
                self.wrap_algorithm.metadata_name(),
                self.context_field()
            ));
        }
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
    /// JSON object.
    ///
    /// As the official clients do, the instruction file is read only when the object's own
    /// metadata lacks the data key (`x-amz-key`, `x-amz-key-v2`, `x-amz-3`); otherwise it is
    /// ignored. It may hold only S3EC keys, spelt exactly (Python's `VALID_S3EC_METADATA_KEYS`);
    /// it may not carry the V3 object-only keys (`x-amz-c`, `x-amz-d`, `x-amz-i`); and the keys
    /// the spec puts in the instruction file may not also sit on the object (V1/V2: all content
    /// metadata; V3: `x-amz-w`, `x-amz-m`, `x-amz-t`). Keys of two formats may not be mixed.
    ///
    /// Material descriptions and encryption contexts (`x-amz-matdesc`, `x-amz-m`, `x-amz-t`) in
    /// the object metadata are decoded from the RFC 2047 form S3 returns non-ASCII values in
    /// (see [`decode_s3_encoded`]).
    pub fn from_headers(
        headers: &BTreeMap<String, String>,
        instruction_file: Option<&str>,
    ) -> Result<Self> {
        let object = normalize(headers)?;
        let has_data_key = DATA_KEY_FIELDS.iter().any(|k| object.contains_key(*k));
        let instruction_file = instruction_file.filter(|_| !has_data_key);
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
                for k in instruction.keys() {
                    if !S3EC_KEYS.contains(&k.as_str()) {
                        return Err(err!(
                            MalformedMetadata,
                            "instruction file carries `{k}`, which is not an S3 Encryption Client key (its keys are spelt exactly, in lower case, without the x-amz-meta- prefix: {})",
                            S3EC_KEYS.join(", ")
                        ));
                    }
                }
                for k in V3_OBJECT_ONLY_FIELDS {
                    if instruction.contains_key(k) {
                        return Err(err!(MalformedMetadata, "instruction file carries `{k}`, which only the object's own metadata may hold (tampered?)"));
                    }
                }
                let in_instruction_only: &[&str] = if instruction.contains_key("x-amz-3") {
                    &["x-amz-w", "x-amz-m", "x-amz-t"]
                } else {
                    &[
                        "x-amz-cek-alg",
                        "x-amz-iv",
                        "x-amz-wrap-alg",
                        "x-amz-matdesc",
                        "x-amz-tag-len",
                    ]
                };
                for k in in_instruction_only {
                    if object.contains_key(*k) {
                        return Err(err!(MalformedMetadata, "`{k}` is in the object metadata but this object's content metadata is in its instruction file, where `{k}` belongs (tampered?)"));
                    }
                }
                check_value_lengths(&instruction, "instruction file")?;
                let mut m = instruction;
                m.extend(object);
                m
            }
        };
        Self::from_map(&merged, instruction_file.is_some())
    }

    fn from_map(m: &BTreeMap<String, String>, read_instruction_file: bool) -> Result<Self> {
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
        if read_instruction_file {
            return Err(err!(
                MalformedMetadata,
                "neither the object metadata nor the instruction file holds a data key (x-amz-key-v2 or x-amz-3)"
            ));
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

/// Lower-cases names and strips the `x-amz-meta-` prefix HTTP headers carry. Two headers that
/// name the same key (`x-amz-meta-x-amz-iv` and `X-Amz-Iv`) must carry the same value, else it
/// is `MALFORMED_METADATA`: which one a client would pick is not defined. Then checks value
/// lengths and decodes the RFC 2047 form of the JSON maps.
fn normalize(headers: &BTreeMap<String, String>) -> Result<BTreeMap<String, String>> {
    let mut out: BTreeMap<String, (String, &String)> = BTreeMap::new();
    for (name, v) in headers {
        let lower = name.to_ascii_lowercase();
        let key = lower
            .strip_prefix("x-amz-meta-")
            .map(str::to_string)
            .unwrap_or_else(|| lower.clone());
        match out.get(&key) {
            Some((first, have)) if *have != v => {
                return Err(err!(
                    MalformedMetadata,
                    "`{key}` is given twice with different values (as `{first}` and `{name}`): ambiguous metadata (tampered?)"
                ))
            }
            Some(_) => {}
            None => {
                out.insert(key, (name.clone(), v));
            }
        }
    }
    let out: BTreeMap<String, String> = out.into_iter().map(|(k, (_, v))| (k, v.clone())).collect();
    check_value_lengths(&out, "object metadata")?;
    out.into_iter()
        .map(|(k, v)| {
            let v = if JSON_MAP_FIELDS.contains(&k.as_str()) {
                decode_s3_encoded(&k, v)?
            } else {
                v
            };
            Ok((k, v))
        })
        .collect()
}

/// Undoes what S3 does to a user-metadata value with non-ASCII characters, as the official Java
/// client does (`ContentMetadataDecodingStrategy.decodeS3CustomEncoding`, applied to the JSON
/// maps only; the spec's "double encoding", metadata-strategy.md):
///
/// 1. S3 returns such a value as RFC 2047 encoded words, `=?UTF-8?B?<base64>?=` (or `?Q?`).
///    A value that does not start with `=?` is returned unchanged. Only the UTF-8 charset is
///    accepted (what S3 writes); encoded words are joined, whitespace between them dropped.
/// 2. S3 read the UTF-8 bytes the writer sent as ISO-8859-1 characters and encoded those
///    characters again, so the decoded text is the original's UTF-8 bytes, one character per
///    byte. When every character is below U+0100 and those bytes are valid UTF-8, the UTF-8
///    text is the value (Java always does this step; where the bytes are not UTF-8, i.e. S3
///    encoded the value once, Java yields U+FFFD and this keeps the once-decoded text).
///
/// Safe whatever is decided: the decoded map is exactly what [`S3ObjectMetadata::encryption_context`]
/// reports, what the broker sends to KMS and what `expectedContext` is compared with.
pub fn decode_s3_encoded(key: &str, value: String) -> Result<String> {
    let trimmed = value.trim_matches(|c: char| c == ' ' || c == '\t');
    if !trimmed.starts_with("=?") {
        return Ok(value);
    }
    let bad = |why: &str| {
        err!(
            MalformedMetadata,
            "`{key}` looks RFC 2047-encoded (=?UTF-8?B?...?=, as S3 returns non-ASCII values) but {why}"
        )
    };
    let b64 = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let mut bytes = Vec::new();
    let mut rest = trimmed;
    while !rest.is_empty() {
        let word = rest
            .strip_prefix("=?")
            .ok_or_else(|| bad("text follows the encoded words"))?;
        let (charset, word) = word
            .split_once('?')
            .ok_or_else(|| bad("an encoded word is not =?charset?encoding?text?="))?;
        let (encoding, word) = word
            .split_once('?')
            .ok_or_else(|| bad("an encoded word is not =?charset?encoding?text?="))?;
        let (text, after) = word
            .split_once("?=")
            .ok_or_else(|| bad("an encoded word does not end with ?="))?;
        // RFC 2231 allows a language after the charset: `UTF-8*en`.
        let charset = charset.split('*').next().unwrap_or_default();
        if !charset.eq_ignore_ascii_case("utf-8") {
            return Err(bad(&format!(
                "its charset is `{charset}`, not UTF-8 (what S3 writes)"
            )));
        }
        match encoding {
            "B" | "b" => bytes.extend(
                b64.decode(text)
                    .map_err(|e| bad(&format!("its base64 is not valid: {e}")))?,
            ),
            "Q" | "q" => {
                decode_q(text, &mut bytes).ok_or_else(|| bad("its Q encoding is not valid"))?
            }
            other => return Err(bad(&format!("its encoding is `{other}`, not B or Q"))),
        }
        rest = after.trim_start_matches([' ', '\t', '\r', '\n']);
    }
    let once = String::from_utf8(bytes).map_err(|_| bad("the decoded bytes are not UTF-8"))?;
    let latin1: Option<Vec<u8>> = once.chars().map(|c| u8::try_from(c).ok()).collect();
    Ok(match latin1.map(String::from_utf8) {
        Some(Ok(twice)) => twice,
        _ => once,
    })
}

/// RFC 2047 `Q` text: `_` is a space, `=XY` a hex byte, other printable ASCII itself.
fn decode_q(text: &str, out: &mut Vec<u8>) -> Option<()> {
    let mut it = text.bytes();
    while let Some(b) = it.next() {
        match b {
            b'_' => out.push(b' '),
            b'=' => {
                let hi = (it.next()? as char).to_digit(16)?;
                let lo = (it.next()? as char).to_digit(16)?;
                out.push((hi * 16 + lo) as u8);
            }
            b'!'..=b'~' if b != b'?' => out.push(b),
            _ => return None,
        }
    }
    Some(())
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

    #[test]
    fn s3_encoded_values() {
        let d = |v: &str| decode_s3_encoded("x-amz-matdesc", v.to_string());
        // Double encoding (UTF-8 read as ISO-8859-1, encoded again), B and Q, split words.
        assert_eq!(d("=?UTF-8?B?w4PChE3Dg8KEWsODwpXDg8KR?=").unwrap(), "ÄMÄZÕÑ");
        assert_eq!(d("=?utf-8?q?Z=C3=83=C2=BCrich_1?=").unwrap(), "Zürich 1");
        assert_eq!(
            d("=?UTF-8?B?WsODwrw=?= =?UTF-8?B?cmljaA?=").unwrap(),
            "Zürich"
        );
        // Single encoding: the Latin-1 bytes are not UTF-8, so the once-decoded text stands.
        assert_eq!(d("=?UTF-8?B?WsO8cmljaA==?=").unwrap(), "Zürich");
        assert_eq!(d("=?UTF-8?B?5p2x5Lqs?=").unwrap(), "東京");
        // Not encoded: untouched (also a JSON value that merely contains `=?`).
        assert_eq!(d(r#"{"a":"=?x?="}"#).unwrap(), r#"{"a":"=?x?="}"#);
        for bad in [
            "=?UTF-8?B?%%?=",
            "=?UTF-8?Q?a b?=",
            "=?UTF-8?Q?=4?=",
            "=?latin1?B?/A==?=",
            "=?UTF-8?B?/w==?=",
            "=?UTF-8?B?e30=?=x",
            "=?UTF-8?B",
        ] {
            let e = d(bad).unwrap_err();
            assert_eq!(e.code, crate::ErrorCode::MalformedMetadata, "{bad}");
            assert!(e.message.contains("x-amz-matdesc"), "{bad}: {e}");
        }
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
