//! AES-GCM engines as keyed instances, in the shape of RustCrypto `aead` (a key is imported
//! once into a cipher, which then opens any number of units), behind one asynchronous trait.
//!
//! - [`RustAesGcm`] (crate `aes-gcm`, AES-128/192/256): synchronous; its key schedule runs once,
//!   in [`RustAesGcm::new`]. Everything that seals or opens in Rust uses it (header
//!   authentication, raw AES keyrings, encryption, S3EC objects).
//! - [`FrameEngine`]: what the one frame loop ([`crate::envelope::frames::FrameLoop`]) opens
//!   frames through: a batch of frames at a time, asynchronously (WebCrypto answers with
//!   promises). Natively [`RustAesGcm`] implements it over Rust buffers; the wasm layer
//!   implements it with WebCrypto (a `CryptoKey` imported once per message) and with
//!   [`RustAesGcm`] over JS buffers.
//!
//! An instance holds its key and nothing else secret; dropping it wipes the key (round keys and
//! GHASH key zeroized; a `CryptoKey` is non-extractable and goes with its last reference).

mod rust;

use std::future::Future;

pub use rust::RustAesGcm;

use crate::envelope::frames::FrameBatch;
use crate::envelope::suite::TAG_LEN;
use crate::err;
use crate::error::Result;

/// A keyed AES-GCM engine (12-byte IV, 16-byte tag) that opens batches of sealed frames.
pub trait FrameEngine {
    /// The buffer the frames' ciphertext ‖ tag are read from ([`FrameBatch`] gives each
    /// frame's range in it).
    type Sealed: ?Sized;
    /// Where the plaintext goes, frame after frame, in order.
    type Sink;

    /// Opens every frame of `batch` from `sealed` into `out`, in order. `TAG_MISMATCH` names
    /// the first frame whose tag does not verify; none of that frame's plaintext reaches
    /// `out`, but the frames before it may have: callers wipe or drop `out` on error.
    fn open(
        &self,
        batch: &FrameBatch,
        sealed: &Self::Sealed,
        out: &mut Self::Sink,
    ) -> impl Future<Output = Result<()>>;

    /// Authenticates one unit held in Rust memory, `sealed` = ciphertext ‖ tag, without keeping
    /// its plaintext: a header's tag (an empty ciphertext, the header body as AAD) or a range
    /// reader's final frame. `TAG_MISMATCH` naming `what` if the tag does not verify.
    fn authenticate(
        &self,
        iv: &[u8; 12],
        aad: &[u8],
        sealed: &[u8],
        what: &str,
    ) -> impl Future<Output = Result<()>>;
}

/// A shared engine (one keyed instance serving reads that run at once).
impl<E: FrameEngine + ?Sized> FrameEngine for &E {
    type Sealed = E::Sealed;
    type Sink = E::Sink;

    fn open(
        &self,
        batch: &FrameBatch,
        sealed: &Self::Sealed,
        out: &mut Self::Sink,
    ) -> impl Future<Output = Result<()>> {
        (**self).open(batch, sealed, out)
    }

    fn authenticate(
        &self,
        iv: &[u8; 12],
        aad: &[u8],
        sealed: &[u8],
        what: &str,
    ) -> impl Future<Output = Result<()>> {
        (**self).authenticate(iv, aad, sealed, what)
    }
}

/// The pure-Rust engine over Rust buffers: each frame is copied to the end of `out` and
/// opened there, in place (a frame whose tag fails is cut off again: `aes-gcm` has restored
/// its ciphertext).
impl FrameEngine for RustAesGcm {
    type Sealed = [u8];
    type Sink = Vec<u8>;

    async fn open(&self, batch: &FrameBatch, sealed: &[u8], out: &mut Vec<u8>) -> Result<()> {
        for f in batch.iter() {
            let (ciphertext, tag) = f.sealed_in(sealed)?;
            let start = out.len();
            out.extend_from_slice(ciphertext);
            if let Err(e) = self.open_in_place(f.iv, f.aad, &mut out[start..], tag, &f.name()) {
                out.truncate(start);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Opens the unit in a zeroized buffer, dropped after.
    async fn authenticate(
        &self,
        iv: &[u8; 12],
        aad: &[u8],
        sealed: &[u8],
        what: &str,
    ) -> Result<()> {
        let ct_len = sealed
            .len()
            .checked_sub(TAG_LEN)
            .ok_or_else(|| err!(InvalidState, "{what}: no tag"))?;
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(&sealed[ct_len..]);
        let mut plaintext = zeroize::Zeroizing::new(sealed[..ct_len].to_vec());
        self.open_in_place(iv, aad, &mut plaintext, &tag, what)
    }
}
