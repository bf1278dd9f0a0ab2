//! What happened to one object. Every refusal and failure has a stable code (its log line's
//! `code`, the metric's name) and says whether trying again can help: a queue worker retries the
//! transient ones and sends the permanent ones to the dead-letter queue at once.

use std::fmt;

macro_rules! seal_codes {
    ($($(#[$doc:meta])* $name:ident = $text:literal, $permanent:literal;)+) => {
        /// Stable codes of refusals and failures.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum SealCode {
            $($(#[$doc])* $name,)+
        }

        impl SealCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [SealCode] = &[$(SealCode::$name,)+];

            /// The code as logged (`OutsidePrefixes`).
            pub fn as_str(self) -> &'static str {
                match self { $(SealCode::$name => $text,)+ }
            }

            /// True when the same object would be refused again (no retry can help).
            pub fn permanent(self) -> bool {
                match self { $(SealCode::$name => $permanent,)+ }
            }
        }
    };
}

seal_codes! {
    /// The key is outside every prefix the sealer is configured for.
    OutsidePrefixes = "OutsidePrefixes", true;
    /// The object is an ESDK message already (its key, metadata or first bytes say so): sealing
    /// it again would double-encrypt.
    AlreadySealed = "AlreadySealed", true;
    /// The key is not one Connect writes (crate::connect): no contact to bind it to.
    NotAConnectObject = "NotAConnectObject", true;
    /// KMS generated the data key under another key than the configured one.
    WrongKmsKey = "WrongKmsKey", true;
    /// The source object does not exist (deleted after its event) or cannot be read.
    SourceUnreadable = "SourceUnreadable", true;
    /// The source object changed while it was read (its ETag differs from the event's).
    SourceChanged = "SourceChanged", false;
    /// KMS refused or did not answer.
    KmsUnavailable = "KmsUnavailable", false;
    /// S3 refused or did not answer while reading or writing.
    StorageUnavailable = "StorageUnavailable", false;
    /// The envelope could not be written (a limit of the format).
    EnvelopeFailed = "EnvelopeFailed", true;
    /// The event or message is not an S3 event the sealer understands.
    MalformedEvent = "MalformedEvent", true;
    /// SQS refused or did not answer.
    QueueUnavailable = "QueueUnavailable", false;
    /// The sealed object, read back, is not the original's (its header, key, frames, signature
    /// or plaintext): the original is neither deleted nor tagged (crate::sealer::originals).
    VerifyFailed = "VerifyFailed", true;
}

impl fmt::Display for SealCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refusal or failure: a code and what, where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealError {
    pub code: SealCode,
    pub message: String,
}

impl SealError {
    pub fn new(code: SealCode, message: impl Into<String>) -> Self {
        SealError {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for SealError {}

/// A source object that now has its sealed object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub sealed_key: String,
    /// Plaintext bytes read (0 when the sealed object existed already).
    pub plaintext_bytes: u64,
    /// Bytes of the ESDK message written (0 when it existed already).
    pub sealed_bytes: u64,
    /// Multipart upload parts written.
    pub parts: u32,
    /// False when the sealed object existed already (a redelivered event, another worker, a
    /// resumed back-fill): nothing was written and no data key was generated.
    pub written: bool,
    /// What became of the original (`kept`, `deleted`, `tagged`: CALLSEAL_SEAL_ORIGINALS).
    pub original: &'static str,
}

pub(crate) fn fail(code: SealCode) -> impl FnOnce(String) -> SealError {
    move |message| SealError::new(code, message)
}

/// The JSON log line of one object: `outcome` sealed, exists (sealed already: nothing written),
/// refused (permanent) or failed (transient), with the refusal's `code`.
pub fn report_line(key: &str, result: &Result<Sealed, SealError>) -> String {
    let q = |s: &str| serde_json::Value::from(s).to_string();
    match result {
        Ok(s) => format!(
            "{{\"outcome\":\"{}\",\"key\":{},\"sealedKey\":{},\"plaintextBytes\":{},\"sealedBytes\":{},\"parts\":{},\"original\":\"{}\"}}",
            if s.written { "sealed" } else { "exists" },
            q(key),
            q(&s.sealed_key),
            s.plaintext_bytes,
            s.sealed_bytes,
            s.parts,
            s.original
        ),
        Err(e) => format!(
            "{{\"outcome\":\"{}\",\"key\":{},\"code\":\"{}\",\"message\":{}}}",
            if e.code.permanent() { "refused" } else { "failed" },
            q(key),
            e.code,
            q(&e.message)
        ),
    }
}
