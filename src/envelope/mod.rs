//! AWS Encryption SDK (ESDK) messages: parse, decrypt (one-shot, streaming, random access),
//! encrypt. Plain Rust, no I/O: builds natively and for wasm32.
//!
//! Module map (spec = awslabs/aws-encryption-sdk-specification):
//!
//! | module | holds | spec |
//! | --- | --- | --- |
//! | [`suite`] | the 11 algorithm suites as data | framework/algorithm-suites.md |
//! | [`header`] | incremental header parser (v1/v2), encryption context, EDKs, serializer; [`header::UnverifiedHeader`] vs [`header::VerifiedHeader`] | data-format/message-header.md |
//! | [`message_header`] | the header and the suites as the package's callers receive them (`MessageHeader`, `SUITES`) | |
//! | [`keys`] | zeroizing [`keys::DataKey`] / [`keys::ContentKey`], HKDF, commitment, header auth | framework/algorithm-suites.md#key-derivation |
//! | [`body`] | frame layout arithmetic, body AAD, frame IVs | data-format/message-body.md, message-body-aad.md |
//! | [`footer`] | incremental hash, ECDSA verify/sign, WebCrypto conversions | data-format/message-footer.md |
//! | [`decrypt`] | THE sans-IO [`decrypt::Decryptor`]; one-shot [`decrypt::decrypt`]; [`decrypt::StreamDecryptor`] | client-apis/decrypt.md |
//! | [`frames`] | THE frame loop: frames queued, opened in batches by a keyed [`crate::engine::FrameEngine`], reported to the decryptor | (callseal) |
//! | [`random_access`] | authenticated reads of plaintext ranges by fetching only covering frames | (callseal) |
//! | [`random`] | the platform's secure random source | |
//! | [`raw_aes`] | raw AES keyring wrap/unwrap of data keys | framework/raw-aes-keyring.md |
//! | [`encrypt`] | writing messages (all suites, framed / non-framed) | client-apis/encrypt.md |
//! | [`frame_writer`] | the body of a framed message written from plaintext in pieces, one frame of memory | data-format/message-body.md |
//!
//! Flow for a browser: [`header::UnverifiedHeader::parse`] → send EDKs + context to the key
//! broker → data key → [`decrypt::Decryptor`] (frames opened through [`frames::FrameLoop`] by
//! WebCrypto or [`crate::engine::RustAesGcm`], keyed once per message) or
//! [`random_access::RandomAccess`] for seeking.

pub mod body;
pub mod decrypt;
pub mod encrypt;
pub mod footer;
pub mod footer_check;
pub mod frame_writer;
pub mod frames;
pub mod header;
pub mod keys;
pub mod message_header;
pub mod random;
pub mod random_access;
pub mod raw_aes;
pub mod suite;

pub use decrypt::{
    decrypt, decrypt_in_place, DecryptOptions, Decryptor, Release, SealedFrame, SignedMessages,
    StreamDecryptor,
};
pub use header::{
    ContentType, EncryptedDataKey, EncryptionContext, HeaderInfo, HeaderLimits, HeaderParser,
    UnverifiedHeader, VerifiedHeader,
};
pub use keys::{ContentKey, DataKey};
pub use suite::{Suite, ALL_SUITES};
