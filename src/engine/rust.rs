//! The pure-Rust engine: RustCrypto `aes-gcm` (constant-time software AES, or AES-NI natively),
//! keyed once: [`RustAesGcm::new`] runs the key schedule (AES round keys and the GHASH key),
//! and the instance then opens or seals any number of units. Round keys (`aes`) and the GHASH
//! key (`polyval`) are zeroized when the instance is dropped.

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes128Gcm, Aes256Gcm, AesGcm, KeyInit};

use crate::err;
use crate::error::Result;

type Aes192Gcm = AesGcm<aes::Aes192, U12>;

enum Keyed {
    Aes128(Aes128Gcm),
    Aes192(Aes192Gcm),
    Aes256(Aes256Gcm),
}

/// AES-GCM from the `aes-gcm` crate under one key of 16, 24 or 32 bytes (12-byte IV, 16-byte
/// tag). `Debug` never shows the key.
pub struct RustAesGcm(Keyed);

impl std::fmt::Debug for RustAesGcm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let bits = match self.0 {
            Keyed::Aes128(_) => 128,
            Keyed::Aes192(_) => 192,
            Keyed::Aes256(_) => 256,
        };
        write!(f, "RustAesGcm(AES-{bits}, key redacted)")
    }
}

/// `$body` with `$c` bound to the keyed cipher, whichever its key size.
macro_rules! with_cipher {
    ($keyed:expr, $c:ident => $body:expr) => {
        match $keyed {
            Keyed::Aes128($c) => $body,
            Keyed::Aes192($c) => $body,
            Keyed::Aes256($c) => $body,
        }
    };
}

impl RustAesGcm {
    /// Runs the key schedule for `key` (`WRONG_KEY_LENGTH` unless 16, 24 or 32 bytes).
    pub fn new(key: &[u8]) -> Result<Self> {
        // `new_from_slice` fails only on the length, which the match has fixed.
        let bad = |_| err!(WrongKeyLength, "bad AES key length {}", key.len());
        Ok(RustAesGcm(match key.len() {
            16 => Keyed::Aes128(Aes128Gcm::new_from_slice(key).map_err(bad)?),
            24 => Keyed::Aes192(Aes192Gcm::new_from_slice(key).map_err(bad)?),
            32 => Keyed::Aes256(Aes256Gcm::new_from_slice(key).map_err(bad)?),
            n => {
                return Err(err!(
                    WrongKeyLength,
                    "AES key of {n} bytes (expected 16, 24 or 32)"
                ))
            }
        }))
    }

    /// Decrypts `buffer` in place and checks `tag`: `TAG_MISMATCH` if it does not verify, and
    /// then `buffer` holds the ciphertext again (no plaintext is left). `what` names the unit
    /// for the error message (e.g. `"frame 3"`).
    pub fn open_in_place(
        &self,
        iv: &[u8; 12],
        aad: &[u8],
        buffer: &mut [u8],
        tag: &[u8; 16],
        what: &str,
    ) -> Result<()> {
        with_cipher!(&self.0, c => c.decrypt_in_place_detached(&(*iv).into(), aad, buffer, &(*tag).into()))
            .map_err(|_| err!(TagMismatch, "{what}: AES-GCM tag does not verify"))
    }

    /// Encrypts `buffer` in place and returns the tag.
    pub fn seal_in_place(&self, iv: &[u8; 12], aad: &[u8], buffer: &mut [u8]) -> Result<[u8; 16]> {
        let tag =
            with_cipher!(&self.0, c => c.encrypt_in_place_detached(&(*iv).into(), aad, buffer))
                .map_err(|_| {
                    err!(
                        LimitExceeded,
                        "AES-GCM refused to encrypt {} bytes",
                        buffer.len()
                    )
                })?;
        Ok(tag.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_all_key_sizes_and_tamper() {
        for len in [16, 24, 32] {
            let cipher = RustAesGcm::new(&vec![7u8; len]).unwrap();
            let iv = [1u8; 12];
            let mut buf = b"hello frames".to_vec();
            let tag = cipher.seal_in_place(&iv, b"aad", &mut buf).unwrap();
            assert_ne!(&buf[..], b"hello frames");
            let sealed = buf.clone();
            let mut bad = buf.clone();
            let e = cipher
                .open_in_place(&iv, b"aaD", &mut bad, &tag, "t")
                .unwrap_err();
            assert_eq!(e.code, crate::ErrorCode::TagMismatch);
            assert_eq!(bad, sealed, "a failed open leaves the ciphertext");
            cipher
                .open_in_place(&iv, b"aad", &mut buf, &tag, "t")
                .unwrap();
            assert_eq!(&buf[..], b"hello frames");
            // One keyed instance opens any number of units.
            let mut again = sealed.clone();
            cipher
                .open_in_place(&iv, b"aad", &mut again, &tag, "t")
                .unwrap();
            assert_eq!(&again[..], b"hello frames");
        }
        let e = RustAesGcm::new(&[0; 20]).unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::WrongKeyLength);
        assert_eq!(
            format!("{:?}", RustAesGcm::new(&[9; 32]).unwrap()),
            "RustAesGcm(AES-256, key redacted)"
        );
    }
}
