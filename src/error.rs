//! The one error type of callseal: a stable machine-readable [`ErrorCode`] plus a message
//! that says what went wrong and where (byte offset, frame number, field name).
//!
//! Codes are part of the public contract (they cross into JavaScript as `CallsealError.code`):
//! add new ones, never rename.

use std::fmt;

/// Stable error codes: `CallsealError.code` in JavaScript, as JSON writes them (`MALFORMED_HEADER`,
/// `TAG_MISMATCH`, ...). New ones are added, none renamed.
#[cfg_attr(feature = "ts-types", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts-types", ts(rename = "CallsealErrorCode"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The message header is not a well-formed ESDK header.
    MalformedHeader,
    /// The message body or footer is not well formed (bad sequence number, IV, lengths).
    MalformedBody,
    /// Header version or content type this implementation does not know.
    UnsupportedVersion,
    /// Algorithm suite id not one of the 11 ESDK suites (or the S3EC algorithm is unsupported).
    UnsupportedSuite,
    /// More encrypted data keys than `maxEncryptedDataKeys`.
    TooManyDataKeys,
    /// The encryption context lacks or contradicts a pair the caller required,
    /// or the reserved `aws-crypto-public-key` pair is missing/unexpected.
    ContextMismatch,
    /// Key commitment in the header does not match the data key (wrong key or tampered header).
    CommitmentMismatch,
    /// An AES-GCM tag did not verify (header auth, a frame, or a wrapped key).
    TagMismatch,
    /// The ECDSA footer signature did not verify.
    SignatureInvalid,
    /// The input ended before the message did.
    Truncated,
    /// Bytes follow the end of a complete message.
    TrailingBytes,
    /// The data key has the wrong length for the suite.
    WrongKeyLength,
    /// A signed message was given to an API configured to refuse signed messages.
    SignedMessageRefused,
    /// A configured or built-in limit (header size, frame length, message length...) was exceeded.
    LimitExceeded,
    /// S3 Encryption Client metadata is missing, malformed or inconsistent.
    MalformedMetadata,
    /// No raw-AES encrypted data key could be unwrapped with the given wrapping key.
    KeyUnwrapFailed,
    /// A caller-supplied argument is invalid (range outside the plaintext, bad option value...).
    InvalidArgument,
    /// The requested crypto engine is not available in this environment.
    EngineUnavailable,
    /// The operation was used in the wrong state (e.g. data pushed after `finish`).
    InvalidState,
    /// Policy text could not be parsed at all (the validator turns this into a finding).
    MalformedPolicy,
    /// A policy parses but has a finding that changes what it means (a misspelt element, an
    /// invalid Effect or operator, a wrong type, an empty Action/Resource list): the evaluator
    /// refuses to decide on a policy it cannot read completely.
    InvalidPolicy,
    /// An I/O error (native command line only).
    Io,
}

impl ErrorCode {
    /// The code as it appears in JavaScript and JSON (`"TAG_MISMATCH"`).
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            MalformedHeader => "MALFORMED_HEADER",
            MalformedBody => "MALFORMED_BODY",
            UnsupportedVersion => "UNSUPPORTED_VERSION",
            UnsupportedSuite => "UNSUPPORTED_SUITE",
            TooManyDataKeys => "TOO_MANY_DATA_KEYS",
            ContextMismatch => "CONTEXT_MISMATCH",
            CommitmentMismatch => "COMMITMENT_MISMATCH",
            TagMismatch => "TAG_MISMATCH",
            SignatureInvalid => "SIGNATURE_INVALID",
            Truncated => "TRUNCATED",
            TrailingBytes => "TRAILING_BYTES",
            WrongKeyLength => "WRONG_KEY_LENGTH",
            SignedMessageRefused => "SIGNED_MESSAGE_REFUSED",
            LimitExceeded => "LIMIT_EXCEEDED",
            MalformedMetadata => "MALFORMED_METADATA",
            KeyUnwrapFailed => "KEY_UNWRAP_FAILED",
            InvalidArgument => "INVALID_ARGUMENT",
            EngineUnavailable => "ENGINE_UNAVAILABLE",
            InvalidState => "INVALID_STATE",
            MalformedPolicy => "MALFORMED_POLICY",
            InvalidPolicy => "INVALID_POLICY",
            Io => "IO",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A callseal error: a stable code and a human message saying what and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

/// Shorthand used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `err!(TagMismatch, "frame {} of {}", k, n)` builds an [`Error`].
#[macro_export]
macro_rules! err {
    ($code:ident, $($arg:tt)+) => {
        $crate::error::Error::new($crate::error::ErrorCode::$code, format!($($arg)+))
    };
}
