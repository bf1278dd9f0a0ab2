//! Data key -> content key derivation, key commitment, header authentication (the tag checked
//! by the message's engine: [`HeaderCheck`]).
//!
//! spec: framework/algorithm-suites.md#key-derivation, #key-commitment;
//! data-format/message-header.md#header-authentication-version-1-0 / -version-2-0

use hkdf::Hkdf;
use sha2::{Sha256, Sha384, Sha512};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::engine::{FrameEngine, RustAesGcm};
use crate::envelope::header::{EncryptionContext, HeaderInfo, UnverifiedHeader, VerifiedHeader};
use crate::envelope::random_access::run_ready;
use crate::envelope::suite::{HeaderVersion, Kdf, Suite, COMMITMENT_LEN};
use crate::err;
use crate::error::{ErrorCode, Result};

/// The plaintext data key (what a key broker returns). Zeroized on drop; `Debug` never shows it.
#[derive(Clone)]
pub struct DataKey(Zeroizing<Vec<u8>>);

impl DataKey {
    /// Wraps key bytes (the length is checked against the suite later: `WRONG_KEY_LENGTH`).
    pub fn new(bytes: &[u8]) -> Self {
        DataKey(Zeroizing::new(bytes.to_vec()))
    }
    /// Takes ownership of key bytes without copying.
    pub fn from_vec(bytes: Vec<u8>) -> Self {
        DataKey(Zeroizing::new(bytes))
    }
    /// The key bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
    /// The key bytes, to fill in place (a fresh key is never in a buffer that is not wiped).
    pub(crate) fn expose_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }
    /// Key length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Whether the key is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DataKey({} bytes, redacted)", self.0.len())
    }
}

/// The AES-GCM key that encrypts the header tag and every frame (derived from the data key).
/// Zeroized on drop; `Debug` never shows it. Hand [`ContentKey::expose`] to an external engine
/// (e.g. WebCrypto `importKey("raw", ...)`) to open sealed frames.
#[derive(Clone)]
pub struct ContentKey(Zeroizing<Vec<u8>>);

impl ContentKey {
    /// The key bytes (16, 24 or 32).
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for ContentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ContentKey({} bytes, redacted)", self.0.len())
    }
}

/// Derived content key and (committing suites) commitment key.
pub struct DerivedKeys {
    /// Content encryption key.
    pub content_key: ContentKey,
    /// Commitment key (v2 committing suites only).
    pub commitment: Option<Zeroizing<[u8; COMMITMENT_LEN]>>,
}

/// HKDF extract-and-expand with the given hash; `info` parts are concatenated.
macro_rules! hkdf_expand {
    ($hash:ty, $salt:expr, $ikm:expr, $info:expr, $len:expr) => {{
        let hk = Hkdf::<$hash>::new($salt, $ikm);
        let mut okm = Zeroizing::new(vec![0u8; $len]);
        hk.expand_multi_info($info, &mut okm)
            .map_err(|_| err!(InvalidArgument, "HKDF output of {} bytes is too long", $len))?;
        okm
    }};
}

/// Derives the content key (and commitment key) for `suite` and `message_id` from `data_key`.
/// `WRONG_KEY_LENGTH` if the data key is not the suite's key length.
pub fn derive_keys(suite: &Suite, message_id: &[u8], data_key: &DataKey) -> Result<DerivedKeys> {
    if data_key.len() != suite.key_len {
        return Err(err!(
            WrongKeyLength,
            "data key is {} bytes, suite {} needs {}",
            data_key.len(),
            suite.id_hex(),
            suite.key_len
        ));
    }
    let id = suite.id.to_be_bytes();
    let ikm = data_key.expose();
    let (content, commitment) = match (suite.kdf, suite.header_version) {
        (Kdf::Identity, _) => (Zeroizing::new(ikm.to_vec()), None),
        // spec: v1 HKDF: salt = none (zeros), info = suite id ‖ message id
        (Kdf::HkdfSha256, HeaderVersion::V1) => (
            hkdf_expand!(Sha256, None, ikm, &[&id, message_id], suite.key_len),
            None,
        ),
        (Kdf::HkdfSha384, HeaderVersion::V1) => (
            hkdf_expand!(Sha384, None, ikm, &[&id, message_id], suite.key_len),
            None,
        ),
        // spec: v2: salt = message id; content key info = suite id ‖ "DERIVEKEY"; commit info = "COMMITKEY"
        (Kdf::HkdfSha512, HeaderVersion::V2) => {
            let content = hkdf_expand!(
                Sha512,
                Some(message_id),
                ikm,
                &[&id, b"DERIVEKEY"],
                suite.key_len
            );
            let ck = hkdf_expand!(
                Sha512,
                Some(message_id),
                ikm,
                &[b"COMMITKEY"],
                COMMITMENT_LEN
            );
            let mut c = Zeroizing::new([0u8; COMMITMENT_LEN]);
            c.copy_from_slice(&ck);
            (content, Some(c))
        }
        (kdf, v) => {
            return Err(err!(
                UnsupportedSuite,
                "suite {} has an unexpected KDF {kdf:?} for header {v:?}",
                suite.id_hex()
            ))
        }
    };
    // HKDF leaves its last output block (the key's bytes) and HMAC states in stack frames it
    // returned from; they are overwritten here, not left for whatever runs next.
    scrub_stack();
    Ok(DerivedKeys {
        content_key: ContentKey(content),
        commitment,
    })
}

/// Overwrites (volatile zeroing) the stack below the caller's frame, where the functions it
/// called kept their locals: what `Zeroizing` cannot reach, e.g. the `hkdf` crate's temporary
/// output blocks. 16 KiB covers HKDF-SHA-512's call tree several times over.
#[inline(never)]
pub(crate) fn scrub_stack() {
    let mut below = [0u8; 16 << 10];
    zeroize::Zeroize::zeroize(&mut below[..]);
    std::hint::black_box(&below);
}

/// A header on its way to verified: the key commitment (v2) checked against the data key, its
/// authentication tag (AES-GCM over an empty plaintext, the header body as AAD) left to the
/// message's engine, keyed with [`HeaderCheck::content_key`] (WebCrypto, or the pure-Rust engine:
/// [`verify_header`]). [`HeaderCheck::complete`] checks the tag and then the expected pairs.
///
/// Expected pairs the header does not store are the "encryption context to only authenticate"
/// of a message made with required encryption context (spec: client-apis/decrypt.md, "Verify
/// the header"; framework/default-cmm.md: reproduced pairs absent from the message become
/// required keys): their serialization follows the header body in the tag's AAD. Pairs the
/// header stores must carry the expected values.
pub struct HeaderCheck {
    info: HeaderInfo,
    bytes: Vec<u8>,
    content_key: ContentKey,
    /// The expected pairs the header does not store, serialized (empty for most messages).
    only_authenticated: EncryptionContext,
    expected: Vec<(String, String)>,
}

impl HeaderCheck {
    /// Derives the content key from `data_key` and checks the key commitment.
    /// Errors: `WRONG_KEY_LENGTH`, `COMMITMENT_MISMATCH`, `MALFORMED_HEADER`, `INVALID_ARGUMENT`.
    pub fn begin(
        header: UnverifiedHeader,
        data_key: &DataKey,
        expected_context: &[(String, String)],
    ) -> Result<HeaderCheck> {
        let (info, bytes) = header.into_parts();
        if bytes.len() < info.body_len {
            return Err(err!(
                MalformedHeader,
                "header body length {} exceeds the header",
                info.body_len
            ));
        }
        let keys = derive_keys(&info.suite, &info.message_id, data_key)?;
        check_commitment(&info, &keys)?;
        let only_authenticated = EncryptionContext::from_pairs(
            info.encryption_context.unstored(expected_context).cloned(),
        )?;
        Ok(HeaderCheck {
            info,
            bytes,
            content_key: keys.content_key,
            only_authenticated,
            expected: expected_context.to_vec(),
        })
    }

    /// The key of the engine that checks the tag (and then opens the frames).
    pub fn content_key(&self) -> &ContentKey {
        &self.content_key
    }

    /// The header (not yet authenticated).
    pub fn unverified(&self) -> &HeaderInfo {
        &self.info
    }

    /// Checks the header tag with `engine` (keyed with [`HeaderCheck::content_key`]), then the
    /// expected pairs. Returns the verified header and the content key.
    /// Errors: `TAG_MISMATCH`, `CONTEXT_MISMATCH`, or the engine's own.
    pub async fn complete<E: FrameEngine>(
        self,
        engine: &E,
    ) -> Result<(VerifiedHeader, ContentKey)> {
        let tail = self.only_authenticated.serialize();
        if !self.tag_verifies(engine, &tail).await? {
            // The header verifies without those pairs: the message simply lacks them.
            if !tail.is_empty() && self.tag_verifies(engine, &[]).await? {
                let names: Vec<&str> = self
                    .only_authenticated
                    .pairs()
                    .iter()
                    .map(|(k, _)| k.as_str())
                    .collect();
                return Err(err!(
                    ContextMismatch,
                    "encryption context lacks the expected key(s) `{}` (neither stored nor \
                     authenticated by the header)",
                    names.join("`, `")
                ));
            }
            return Err(err!(
                TagMismatch,
                "header tag does not verify: altered header, wrong key, or required encryption \
                 context not given (pairs the header authenticates but does not store)"
            ));
        }
        self.info
            .encryption_context
            .check_stored_values(&self.expected)?;
        Ok((
            VerifiedHeader::new_verified(self.info, self.bytes),
            self.content_key,
        ))
    }

    /// Whether the header tag verifies over the header body followed by `aad_tail`.
    async fn tag_verifies<E: FrameEngine>(&self, engine: &E, aad_tail: &[u8]) -> Result<bool> {
        let body = &self.bytes[..self.info.body_len];
        let aad = if aad_tail.is_empty() {
            std::borrow::Cow::Borrowed(body)
        } else {
            std::borrow::Cow::Owned([body, aad_tail].concat())
        };
        let iv = header_auth_iv(&self.info);
        match engine
            .authenticate(&iv, &aad, &self.info.auth_tag, "header authentication")
            .await
        {
            Ok(()) => Ok(true),
            Err(e) if e.code == ErrorCode::TagMismatch => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// Verifies a parsed header with the data key and the caller's expected context, the header
/// tag with the pure-Rust engine ([`HeaderCheck`]: key length, key commitment (constant time,
/// v2), the header authentication tag, then the expected pairs). Returns the verified header
/// and the content key for the body.
///
/// Errors: `WRONG_KEY_LENGTH`, `COMMITMENT_MISMATCH`, `TAG_MISMATCH`, `CONTEXT_MISMATCH`.
pub fn verify_header(
    header: UnverifiedHeader,
    data_key: &DataKey,
    expected_context: &[(String, String)],
) -> Result<(VerifiedHeader, ContentKey)> {
    verify_with_rust(HeaderCheck::begin(header, data_key, expected_context)?)
}

/// Completes `check` with the pure-Rust engine (which never waits).
pub(crate) fn verify_with_rust(check: HeaderCheck) -> Result<(VerifiedHeader, ContentKey)> {
    let engine = RustAesGcm::new(check.content_key().expose())?;
    run_ready(check.complete(&engine))
        .unwrap_or_else(|| Err(err!(InvalidState, "the Rust engine waited")))
}

/// Constant-time comparison of the header's commitment with the derived one.
fn check_commitment(info: &HeaderInfo, keys: &DerivedKeys) -> Result<()> {
    match (&info.commitment, &keys.commitment) {
        (None, None) => Ok(()),
        (Some(expected), Some(derived)) => {
            if bool::from(expected.ct_eq(&derived[..])) {
                Ok(())
            } else {
                Err(err!(CommitmentMismatch, "key commitment in the header does not match the data key (wrong key or tampered header)"))
            }
        }
        _ => Err(err!(
            MalformedHeader,
            "suite {} commitment presence does not match the header",
            info.suite.id_hex()
        )),
    }
}

/// The IV of the header authentication tag: the header IV (v1) or 12 zero bytes (v2).
pub fn header_auth_iv(info: &HeaderInfo) -> [u8; 12] {
    info.header_iv.unwrap_or([0u8; 12])
}

/// Computes the header authentication tag (for encrypt).
pub(crate) fn header_auth_tag(
    info: &HeaderInfo,
    body: &[u8],
    key: &ContentKey,
) -> Result<[u8; 16]> {
    RustAesGcm::new(key.expose())?.seal_in_place(&header_auth_iv(info), body, &mut [])
}
