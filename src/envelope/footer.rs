//! The footer of signed suites: incremental hash over header + body, ECDSA P-256/P-384
//! verification (DER signature of any valid length), and the conversions a WebCrypto verifier
//! needs (uncompressed SEC1 public key, raw r‖s signature).
//!
//! spec: data-format/message-footer.md, framework/algorithm-suites.md#signature-algorithm

use base64::Engine as _;
use ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use sha2::digest::common::hazmat::SerializableState;
use sha2::{Digest, Sha256, Sha384};

use crate::envelope::suite::{Signature, Suite};
use crate::err;
use crate::error::Result;

/// The reserved encryption-context key holding a signed suite's public verification key.
/// spec: framework/algorithm-suites.md#signature-algorithm
pub const PUBLIC_KEY_CONTEXT_KEY: &str = "aws-crypto-public-key";

/// Incremental hash of everything the footer signs (header bytes, then body bytes).
#[derive(Clone)]
pub enum MessageHasher {
    /// Unsigned suite: nothing to hash.
    None,
    /// P-256 suites.
    Sha256(Sha256),
    /// P-384 suites.
    Sha384(Sha384),
}

impl MessageHasher {
    /// The hasher for `suite`.
    pub fn for_suite(suite: &Suite) -> Self {
        Self::for_signature(suite.signature)
    }

    /// The hasher for `signature`.
    pub fn for_signature(signature: Signature) -> Self {
        match signature {
            Signature::None => MessageHasher::None,
            Signature::EcdsaP256Sha256 => MessageHasher::Sha256(Sha256::new()),
            Signature::EcdsaP384Sha384 => MessageHasher::Sha384(Sha384::new()),
        }
    }
    /// Feeds message bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            MessageHasher::None => {}
            MessageHasher::Sha256(h) => h.update(bytes),
            MessageHasher::Sha384(h) => h.update(bytes),
        }
    }
    /// The hasher's state as bytes (digest's `SerializableState`: chaining value, length and
    /// the partial block), to carry a hash between wasm instances (`wasm::hash_worker`).
    pub fn state(&self) -> Vec<u8> {
        match self {
            MessageHasher::None => Vec::new(),
            MessageHasher::Sha256(h) => h.serialize().to_vec(),
            MessageHasher::Sha384(h) => h.serialize().to_vec(),
        }
    }

    /// Resumes the hash for `signature` from [`MessageHasher::state`]'s bytes; `None` if they
    /// are not such a state.
    pub fn from_state(signature: Signature, state: &[u8]) -> Option<Self> {
        Some(match signature {
            Signature::None => MessageHasher::None,
            Signature::EcdsaP256Sha256 => {
                MessageHasher::Sha256(Sha256::deserialize(state.try_into().ok()?).ok()?)
            }
            Signature::EcdsaP384Sha384 => {
                MessageHasher::Sha384(Sha384::deserialize(state.try_into().ok()?).ok()?)
            }
        })
    }

    /// The digest (empty for unsigned suites).
    pub fn finalize(self) -> Vec<u8> {
        match self {
            MessageHasher::None => Vec::new(),
            MessageHasher::Sha256(h) => h.finalize().to_vec(),
            MessageHasher::Sha384(h) => h.finalize().to_vec(),
        }
    }
}

/// A signed suite's verification key as its header carries it (`aws-crypto-public-key`): the
/// compressed SEC1 point, checked to be a point of the suite's curve when the header is parsed,
/// and decoded into a [`VerificationKey`] only to verify the footer signature
/// ([`PublicKeyPoint::decode`]): what reads a message without verifying its signature needs
/// none of the signature code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeyPoint {
    signature: Signature,
    /// `02`/`03` ‖ x.
    compressed: Vec<u8>,
}

impl PublicKeyPoint {
    /// Reads the context value (base64 of a compressed SEC1 point) for `suite`: `MALFORMED_HEADER`
    /// unless it is a compressed point of the suite's curve (its x has a y on the curve).
    ///
    /// Only the compressed form (`02`/`03` ‖ x) is accepted: it is what every official SDK
    /// writes, and the official Python and JavaScript decryptors refuse any other encoding of
    /// the key, so a message callseal decrypts is one they decrypt too.
    ///
    /// A build without the curve code (feature `rust-crypto` off) cannot tell, and refuses
    /// every signed suite's key here ([`without_curves`]): no header of a signed message is
    /// read there.
    pub fn from_context_value(suite: &Suite, b64: &str) -> Result<Self> {
        Self::from_base64(suite, b64)?.on_curve(suite)
    }

    #[cfg(feature = "rust-crypto")]
    fn on_curve(self, suite: &Suite) -> Result<Self> {
        if !self.x_has_y() {
            return Err(err!(
                MalformedHeader,
                "`{PUBLIC_KEY_CONTEXT_KEY}` is not a valid point for suite {}",
                suite.id_hex()
            ));
        }
        Ok(self)
    }

    #[cfg(not(feature = "rust-crypto"))]
    fn on_curve(self, suite: &Suite) -> Result<Self> {
        Err(without_curves(suite))
    }

    /// The base64 of a compressed point of the suite's curve's length, not checked to be on
    /// the curve.
    pub(crate) fn from_base64(suite: &Suite, b64: &str) -> Result<Self> {
        let sec1 = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| {
                err!(
                    MalformedHeader,
                    "`{PUBLIC_KEY_CONTEXT_KEY}` is not valid base64"
                )
            })?;
        let coordinate_len = match suite.signature {
            Signature::EcdsaP256Sha256 => 32,
            Signature::EcdsaP384Sha384 => 48,
            Signature::None => {
                return Err(err!(
                    ContextMismatch,
                    "unsigned suite {} carries a public key",
                    suite.id_hex()
                ))
            }
        };
        if sec1.len() != 1 + coordinate_len || !matches!(sec1.first(), Some(2 | 3)) {
            return Err(err!(
                MalformedHeader,
                "`{PUBLIC_KEY_CONTEXT_KEY}` is not a compressed point for suite {} ({} bytes \
                 starting {:02X}; expected {} bytes starting 02 or 03)",
                suite.id_hex(),
                sec1.len(),
                sec1.first().copied().unwrap_or(0),
                1 + coordinate_len
            ));
        }
        Ok(PublicKeyPoint {
            signature: suite.signature,
            compressed: sec1,
        })
    }

    /// Whether the point's x has a y on the curve (the curve crates' point decompression: field
    /// arithmetic only, none of the signature code).
    #[cfg(feature = "rust-crypto")]
    fn x_has_y(&self) -> bool {
        use p256::elliptic_curve::point::DecompressPoint;
        let (x, y_is_odd) = (
            &self.compressed[1..],
            subtle::Choice::from(self.compressed[0] & 1),
        );
        match self.signature {
            Signature::EcdsaP256Sha256 => p256::FieldBytes::try_from(x)
                .is_ok_and(|x| p256::AffinePoint::decompress(&x, y_is_odd).is_some().into()),
            Signature::EcdsaP384Sha384 => p384::FieldBytes::try_from(x)
                .is_ok_and(|x| p384::AffinePoint::decompress(&x, y_is_odd).is_some().into()),
            Signature::None => false,
        }
    }

    /// The compressed SEC1 point.
    pub fn compressed(&self) -> &[u8] {
        &self.compressed
    }

    /// WebCrypto curve name (`"P-256"` / `"P-384"`).
    pub fn curve_name(&self) -> &'static str {
        match self.signature {
            Signature::EcdsaP384Sha384 => "P-384",
            _ => "P-256",
        }
    }

    /// Verifies a DER signature over a message digest with the decoded key
    /// ([`VerificationKey::verify_prehash`]).
    pub fn verify_prehash(&self, digest: &[u8], der: &[u8]) -> Result<()> {
        self.decode()?.verify_prehash(digest, der)
    }

    /// A DER signature as WebCrypto takes it ([`VerificationKey::der_to_raw`]).
    pub fn der_to_raw(&self, der: &[u8]) -> Result<Vec<u8>> {
        self.decode()?.der_to_raw(der)
    }

    /// The key the footer signature is verified with. `MALFORMED_HEADER` if the point does not
    /// decode (a point [`PublicKeyPoint::from_context_value`] read always does).
    pub fn decode(&self) -> Result<VerificationKey> {
        let bad = || {
            err!(
                MalformedHeader,
                "`{PUBLIC_KEY_CONTEXT_KEY}` is not a valid point for a {} signature",
                self.curve_name()
            )
        };
        match self.signature {
            Signature::EcdsaP256Sha256 => Ok(VerificationKey::P256(
                p256::ecdsa::VerifyingKey::from_sec1_bytes(&self.compressed).map_err(|_| bad())?,
            )),
            Signature::EcdsaP384Sha384 => Ok(VerificationKey::P384(
                p384::ecdsa::VerifyingKey::from_sec1_bytes(&self.compressed).map_err(|_| bad())?,
            )),
            Signature::None => Err(bad()),
        }
    }
}

/// `ENGINE_UNAVAILABLE` for a signed suite in a build without the curve code (feature
/// `rust-crypto` off: the decrypt module's entry, callseal_decrypt), which can neither check its
/// header's public key nor verify its signature. The package's TS layer hands such a message to
/// the decrypt module's second half, which has both.
#[cfg(not(feature = "rust-crypto"))]
pub(crate) fn without_curves(suite: &Suite) -> crate::error::Error {
    err!(
        EngineUnavailable,
        "suite {} signs its messages: this build has no elliptic-curve code to check its \
         public key and signature (the decrypt module's second half has it)",
        suite.id_hex()
    )
}

/// A signed suite's verification key, decoded from its [`PublicKeyPoint`].
#[derive(Debug, Clone)]
pub enum VerificationKey {
    /// ECDSA P-256.
    P256(p256::ecdsa::VerifyingKey),
    /// ECDSA P-384.
    P384(p384::ecdsa::VerifyingKey),
}

impl VerificationKey {
    /// Decodes the context value (base64 of a compressed SEC1 point) for `suite`
    /// ([`PublicKeyPoint::from_context_value`], then [`PublicKeyPoint::decode`]).
    pub fn from_context_value(suite: &Suite, b64: &str) -> Result<Self> {
        PublicKeyPoint::from_base64(suite, b64)?
            .decode()
            .map_err(|_| {
                err!(
                    MalformedHeader,
                    "`{PUBLIC_KEY_CONTEXT_KEY}` is not a valid point for suite {}",
                    suite.id_hex()
                )
            })
    }

    /// The public key as an uncompressed SEC1 point (`04 ‖ x ‖ y`), what WebCrypto's
    /// `importKey("raw", ..., {name: "ECDSA", namedCurve})` takes.
    pub fn to_uncompressed_sec1(&self) -> Vec<u8> {
        match self {
            VerificationKey::P256(k) => k.to_sec1_point(false).as_bytes().to_vec(),
            VerificationKey::P384(k) => k.to_sec1_point(false).as_bytes().to_vec(),
        }
    }

    /// WebCrypto curve name (`"P-256"` / `"P-384"`).
    pub fn curve_name(&self) -> &'static str {
        match self {
            VerificationKey::P256(_) => "P-256",
            VerificationKey::P384(_) => "P-384",
        }
    }

    /// Converts a DER signature to fixed-size `r ‖ s` (WebCrypto's ECDSA signature format).
    /// `SIGNATURE_INVALID` if the DER is not a valid signature encoding for this curve.
    pub fn der_to_raw(&self, der: &[u8]) -> Result<Vec<u8>> {
        let bad = || {
            err!(
                SignatureInvalid,
                "footer signature is not a valid DER ECDSA signature"
            )
        };
        Ok(match self {
            VerificationKey::P256(_) => p256::ecdsa::Signature::from_der(der)
                .map_err(|_| bad())?
                .to_bytes()
                .to_vec(),
            VerificationKey::P384(_) => p384::ecdsa::Signature::from_der(der)
                .map_err(|_| bad())?
                .to_bytes()
                .to_vec(),
        })
    }

    /// Verifies a DER signature over a message digest (SHA-256 for P-256, SHA-384 for P-384).
    pub fn verify_prehash(&self, digest: &[u8], der: &[u8]) -> Result<()> {
        let invalid = || err!(SignatureInvalid, "footer signature does not verify");
        match self {
            VerificationKey::P256(k) => {
                let sig = p256::ecdsa::Signature::from_der(der).map_err(|_| invalid())?;
                k.verify_prehash(digest, &sig).map_err(|_| invalid())
            }
            VerificationKey::P384(k) => {
                let sig = p384::ecdsa::Signature::from_der(der).map_err(|_| invalid())?;
                k.verify_prehash(digest, &sig).map_err(|_| invalid())
            }
        }
    }
}

/// A fresh signing key for encrypt (zeroized on drop by the curve crates).
pub enum SigningKey {
    /// ECDSA P-256.
    P256(p256::ecdsa::SigningKey),
    /// ECDSA P-384.
    P384(p384::ecdsa::SigningKey),
}

impl SigningKey {
    /// A random key for `suite` (`None` for unsigned suites): a uniformly random scalar in
    /// [1, n), by rejection sampling over the OS RNG (what the curve crates' `random` does; done
    /// here because they take a `rand_core` 0.10 RNG and the rest of the crate uses 0.6).
    /// `ENGINE_UNAVAILABLE` if the platform has no working random source.
    pub fn generate(suite: &Suite) -> Result<Option<Self>> {
        fn random_scalar<T>(len: usize, from_slice: impl Fn(&[u8]) -> Option<T>) -> Result<T> {
            let mut bytes = zeroize::Zeroizing::new(vec![0u8; len]);
            loop {
                crate::envelope::random::fill_random(&mut bytes)?;
                if let Some(key) = from_slice(&bytes) {
                    return Ok(key);
                }
            }
        }
        Ok(match suite.signature {
            Signature::None => None,
            Signature::EcdsaP256Sha256 => Some(SigningKey::P256(random_scalar(32, |b| {
                p256::ecdsa::SigningKey::from_slice(b).ok()
            })?)),
            Signature::EcdsaP384Sha384 => Some(SigningKey::P384(random_scalar(48, |b| {
                p384::ecdsa::SigningKey::from_slice(b).ok()
            })?)),
        })
    }
    /// The context value: base64 of the compressed public point.
    pub fn public_key_context_value(&self) -> String {
        let sec1 = match self {
            SigningKey::P256(k) => k.verifying_key().to_sec1_point(true).as_bytes().to_vec(),
            SigningKey::P384(k) => k.verifying_key().to_sec1_point(true).as_bytes().to_vec(),
        };
        base64::engine::general_purpose::STANDARD.encode(sec1)
    }
    /// A DER signature over `digest`.
    pub fn sign_prehash(&self, digest: &[u8]) -> Result<Vec<u8>> {
        let fail = || err!(InvalidArgument, "ECDSA signing failed");
        Ok(match self {
            SigningKey::P256(k) => {
                let s: p256::ecdsa::Signature = k.sign_prehash(digest).map_err(|_| fail())?;
                s.to_der().as_bytes().to_vec()
            }
            SigningKey::P384(k) => {
                let s: p384::ecdsa::Signature = k.sign_prehash(digest).map_err(|_| fail())?;
                s.to_der().as_bytes().to_vec()
            }
        })
    }
}

/// Serializes a footer: u16 signature length ‖ DER signature.
pub fn serialize_footer(der: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + der.len());
    out.extend_from_slice(&(der.len() as u16).to_be_bytes());
    out.extend_from_slice(der);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_resumed_from_its_state_gives_the_same_digest() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
        for signature in [Signature::EcdsaP256Sha256, Signature::EcdsaP384Sha384] {
            let whole = match signature {
                Signature::EcdsaP256Sha256 => Sha256::digest(&data).to_vec(),
                _ => Sha384::digest(&data).to_vec(),
            };
            // Split inside a block and on a block boundary.
            for split in [0, 1, 127, 128, 300, 1000] {
                let mut first = match signature {
                    Signature::EcdsaP256Sha256 => MessageHasher::Sha256(Sha256::new()),
                    _ => MessageHasher::Sha384(Sha384::new()),
                };
                first.update(&data[..split]);
                let mut resumed = MessageHasher::from_state(signature, &first.state()).unwrap();
                resumed.update(&data[split..]);
                assert_eq!(resumed.finalize(), whole, "{signature:?} split at {split}");
            }
            assert!(MessageHasher::from_state(signature, &[0u8; 7]).is_none());
        }
    }
}
