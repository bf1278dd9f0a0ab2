//! The header and the suites as callers of the package receive them: the declarations of
//! `MessageHeader` and `SuiteInfo` in its TypeScript types (`callseal-types`, feature
//! `ts-types`). src/wasm/convert.rs builds the header's object field by field, with no code of
//! this module in the wasm; tests/wasm/generated-types.test.mjs holds the two to the same fields.

use super::header::{ContentType, EncryptedDataKey};
use super::suite::Suite;

/// An ESDK message header as read from the bytes, BEFORE it is authenticated.
///
/// Nothing here is trustworthy until `decrypt` (or a reader) verifies the header with the data
/// key: an attacker who can write the object can put anything in these fields. It exists so a
/// page can ask its key broker to unwrap the data key (the broker's KMS Decrypt call binds the
/// encryption context, so a forged context fails there).
#[cfg_attr(feature = "ts-types", derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct MessageHeader {
    /// `true`: read from the bytes, not verified (`false` only in a `VerifiedMessageHeader`).
    #[cfg_attr(feature = "ts-types", ts(type = "true"))]
    pub unauthenticated: bool,
    /// Header format version: 1 or 2.
    #[cfg_attr(feature = "ts-types", ts(type = "1 | 2"))]
    pub version: u8,
    /// Algorithm suite id as a number, e.g. 0x0578.
    pub suite_id: u16,
    /// Algorithm suite id as 4 hex digits, e.g. "0578".
    pub suite: String,
    /// 16 (v1) or 32 (v2) bytes.
    #[cfg_attr(feature = "ts-types", ts(type = "OwnedBytes"))]
    pub message_id: Vec<u8>,
    /// Key/value pairs, including `aws-crypto-public-key` for signed suites.
    #[cfg_attr(feature = "ts-types", ts(type = "Record<string, string>"))]
    pub encryption_context: Vec<(String, String)>,
    pub encrypted_data_keys: Vec<EncryptedDataKey>,
    pub content_type: ContentType,
    /// Plaintext bytes per regular frame; 0 when non-framed.
    pub frame_length: u32,
    /// Length in bytes of the serialized header, authentication tag included.
    pub header_length: u32,
    /// Whether the suite carries an ECDSA footer signature.
    pub signed: bool,
    /// Whether the suite commits to its key (0478, 0578).
    pub committing: bool,
    /// Bytes of the suite's data key (16, 24 or 32): what the key broker's answer must hold.
    pub data_key_length: u8,
}

/// One of the 11 ESDK algorithm suites as the package lists them (`SUITES`), with the names
/// `MessageHeader` gives the same facts.
#[cfg_attr(feature = "ts-types", derive(ts_rs::TS), ts(rename_all = "camelCase"))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SuiteInfo {
    /// Algorithm suite id as a number, e.g. 0x0578.
    pub suite_id: u16,
    /// Algorithm suite id as 4 hex digits, e.g. "0578".
    pub suite: String,
    /// Bytes of the suite's data key (16, 24 or 32).
    pub data_key_length: u8,
    /// Whether the suite carries an ECDSA footer signature.
    pub signed: bool,
    /// Whether the suite commits to its key.
    pub committing: bool,
}

impl From<&Suite> for SuiteInfo {
    fn from(s: &Suite) -> Self {
        SuiteInfo {
            suite_id: s.id,
            suite: s.id_hex(),
            data_key_length: s.key_len as u8,
            signed: s.is_signed(),
            committing: s.committing,
        }
    }
}
