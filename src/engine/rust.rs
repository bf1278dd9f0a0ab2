//! The pure-Rust engine: RustCrypto `aes-gcm` (constant-time software AES, or AES-NI natively).

use aes_gcm::aead::consts::{U12, U16};
use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes128Gcm, Aes256Gcm, AesGcm, KeyInit};

use super::AeadEngine;
use crate::err;
use crate::error::Result;

type Aes192Gcm = AesGcm<aes::Aes192, U12>;

/// AES-GCM from the `aes-gcm` crate; supports 128-, 192- and 256-bit keys.
#[derive(Debug, Default, Clone, Copy)]
pub struct RustAesGcm;

fn open<C: KeyInit + AeadInPlace<NonceSize = U12, TagSize = U16>>(
    key: &[u8],
    iv: &[u8; 12],
    aad: &[u8],
    buffer: &mut [u8],
    tag: &[u8; 16],
    what: &str,
) -> Result<()> {
    let cipher = C::new_from_slice(key)
        .map_err(|_| err!(WrongKeyLength, "{what}: bad AES key length {}", key.len()))?;
    cipher
        .decrypt_in_place_detached(&(*iv).into(), aad, buffer, &(*tag).into())
        .map_err(|_| err!(TagMismatch, "{what}: AES-GCM tag does not verify"))
}

fn seal<C: KeyInit + AeadInPlace<NonceSize = U12, TagSize = U16>>(
    key: &[u8],
    iv: &[u8; 12],
    aad: &[u8],
    buffer: &mut [u8],
) -> Result<[u8; 16]> {
    let cipher = C::new_from_slice(key)
        .map_err(|_| err!(WrongKeyLength, "bad AES key length {}", key.len()))?;
    let tag = cipher
        .encrypt_in_place_detached(&(*iv).into(), aad, buffer)
        .map_err(|_| {
            err!(
                LimitExceeded,
                "AES-GCM refused to encrypt {} bytes",
                buffer.len()
            )
        })?;
    Ok(tag.into())
}

impl AeadEngine for RustAesGcm {
    fn open_in_place(
        &self,
        key: &[u8],
        iv: &[u8; 12],
        aad: &[u8],
        buffer: &mut [u8],
        tag: &[u8; 16],
        what: &str,
    ) -> Result<()> {
        match key.len() {
            16 => open::<Aes128Gcm>(key, iv, aad, buffer, tag, what),
            24 => open::<Aes192Gcm>(key, iv, aad, buffer, tag, what),
            32 => open::<Aes256Gcm>(key, iv, aad, buffer, tag, what),
            n => Err(err!(
                WrongKeyLength,
                "{what}: AES key of {n} bytes (expected 16, 24 or 32)"
            )),
        }
    }

    fn seal_in_place(
        &self,
        key: &[u8],
        iv: &[u8; 12],
        aad: &[u8],
        buffer: &mut [u8],
    ) -> Result<[u8; 16]> {
        match key.len() {
            16 => seal::<Aes128Gcm>(key, iv, aad, buffer),
            24 => seal::<Aes192Gcm>(key, iv, aad, buffer),
            32 => seal::<Aes256Gcm>(key, iv, aad, buffer),
            n => Err(err!(
                WrongKeyLength,
                "AES key of {n} bytes (expected 16, 24 or 32)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_all_key_sizes_and_tamper() {
        for len in [16, 24, 32] {
            let key = vec![7u8; len];
            let iv = [1u8; 12];
            let mut buf = b"hello frames".to_vec();
            let tag = RustAesGcm
                .seal_in_place(&key, &iv, b"aad", &mut buf)
                .unwrap();
            assert_ne!(&buf[..], b"hello frames");
            let mut bad = buf.clone();
            let e = RustAesGcm
                .open_in_place(&key, &iv, b"aaD", &mut bad, &tag, "t")
                .unwrap_err();
            assert_eq!(e.code, crate::ErrorCode::TagMismatch);
            RustAesGcm
                .open_in_place(&key, &iv, b"aad", &mut buf, &tag, "t")
                .unwrap();
            assert_eq!(&buf[..], b"hello frames");
        }
        let e = RustAesGcm
            .open_in_place(&[0; 20], &[0; 12], b"", &mut [], &[0; 16], "t")
            .unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::WrongKeyLength);
    }
}
