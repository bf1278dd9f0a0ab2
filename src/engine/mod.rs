//! AES-GCM engines behind one small trait.
//!
//! The format code never calls a cipher directly: it hands an [`AeadEngine`] a key, a 12-byte
//! IV, the AAD and a buffer, and gets the buffer decrypted in place with a detached 16-byte tag
//! (the shape of RustCrypto's `AeadInPlace`). [`RustAesGcm`] (crate `aes-gcm`, AES-128/192/256)
//! is the engine everywhere; the wasm layer adds a WebCrypto engine, which is asynchronous and so
//! drives [`crate::envelope::decrypt::SealedFrame`]s itself instead of implementing this trait.

mod rust;

pub use rust::RustAesGcm;

use crate::error::Result;

/// An AES-GCM engine: 12-byte IV, 16-byte tag, key of 16, 24 or 32 bytes.
///
/// Implementations must return `TAG_MISMATCH` when the tag does not verify and must then leave
/// no plaintext in `buffer` (RustCrypto's `aes-gcm` restores the ciphertext; callers also never
/// read the buffer after an error).
pub trait AeadEngine {
    /// Decrypts `buffer` in place and checks `tag`. `what` names the unit for error messages
    /// (e.g. `"frame 3"`).
    fn open_in_place(
        &self,
        key: &[u8],
        iv: &[u8; 12],
        aad: &[u8],
        buffer: &mut [u8],
        tag: &[u8; 16],
        what: &str,
    ) -> Result<()>;

    /// Encrypts `buffer` in place and returns the tag.
    fn seal_in_place(
        &self,
        key: &[u8],
        iv: &[u8; 12],
        aad: &[u8],
        buffer: &mut [u8],
    ) -> Result<[u8; 16]>;
}
