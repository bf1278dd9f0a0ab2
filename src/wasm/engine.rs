//! The keyed engines frames are opened with in wasm, behind the core's [`FrameEngine`]: sealed
//! bytes and plaintext live in JS buffers. WebCrypto (a non-extractable `CryptoKey` imported
//! once per message) opens a batch in one JS loop (`open_frames.js`); the pure-Rust engine
//! (keyed once per message) copies each frame into a zeroized wasm buffer, opens it there and
//! copies the plaintext out. `Options::use_webcrypto` picks one. A module built without the
//! pure-Rust engine (feature `rust-crypto` off: the decrypt module's entry) has WebCrypto only.

use js_sys::{Array, Uint8Array};

use super::webcrypto::AesKey;
use crate::engine::FrameEngine;
#[cfg(feature = "rust-crypto")]
use crate::engine::RustAesGcm;
use crate::envelope::frames::{BatchFrame, FrameBatch};
use crate::envelope::keys::ContentKey;
#[cfg(feature = "rust-crypto")]
use crate::envelope::suite::TAG_LEN;
#[cfg(feature = "decrypt-more")]
use crate::envelope::{decrypt::SealedFrame, frames::FrameLoop};
use crate::err;
use crate::error::Result;

/// A message's AES-GCM engine, keyed with its content key.
pub(crate) enum JsEngine {
    WebCrypto(AesKey),
    #[cfg(feature = "rust-crypto")]
    Rust(RustAesGcm),
}

impl JsEngine {
    /// WebCrypto (`webcrypto`, as `Options::use_webcrypto` says) or the pure-Rust engine,
    /// keyed with `key`; `ENGINE_UNAVAILABLE` for the latter in a module without it.
    pub(crate) async fn keyed(key: &ContentKey, webcrypto: bool) -> Result<JsEngine> {
        if webcrypto {
            return Ok(JsEngine::WebCrypto(AesKey::import(key.expose()).await?));
        }
        #[cfg(feature = "rust-crypto")]
        return Ok(JsEngine::Rust(RustAesGcm::new(key.expose())?));
        #[cfg(not(feature = "rust-crypto"))]
        Err(err!(
            EngineUnavailable,
            "the pure-Rust AES-GCM engine (AES-{}, or where WebCrypto is missing) is not in this \
             module (the decrypt module's second half has it)",
            key.expose().len() * 8
        ))
    }
}

impl FrameEngine for JsEngine {
    type Sealed = Uint8Array;
    type Sink = Plaintext;

    async fn open(
        &self,
        batch: &FrameBatch,
        sealed: &Uint8Array,
        out: &mut Plaintext,
    ) -> Result<()> {
        match self {
            JsEngine::WebCrypto(key) => key.open_batch(batch, sealed, out).await,
            #[cfg(feature = "rust-crypto")]
            JsEngine::Rust(cipher) => open_in_wasm(cipher, batch, sealed, out),
        }
    }

    async fn authenticate(
        &self,
        iv: &[u8; 12],
        aad: &[u8],
        sealed: &[u8],
        what: &str,
    ) -> Result<()> {
        match self {
            JsEngine::WebCrypto(key) => {
                let plaintext = key
                    .open_one(iv, aad, &Uint8Array::from(sealed), what)
                    .await?;
                plaintext.fill(0, 0, plaintext.length());
                Ok(())
            }
            #[cfg(feature = "rust-crypto")]
            JsEngine::Rust(cipher) => cipher.authenticate(iv, aad, sealed, what).await,
        }
    }
}

/// The pure-Rust engine over JS buffers: a frame at a time, in a wasm buffer zeroized after.
#[cfg(feature = "rust-crypto")]
fn open_in_wasm(
    cipher: &RustAesGcm,
    batch: &FrameBatch,
    sealed: &Uint8Array,
    out: &mut Plaintext,
) -> Result<()> {
    if let Plaintext::Buffer(out) = out {
        out.reserve(batch.plaintext_len())?;
    }
    for f in batch.iter() {
        let (start, end) = js_range(&f)?;
        if end > sealed.length() || end - start < TAG_LEN as u32 {
            return Err(err!(InvalidState, "{}: sealed bytes not held", f.name()));
        }
        let mut data = zeroize::Zeroizing::new(vec![0u8; (end - start) as usize]);
        sealed.subarray(start, end).copy_to(&mut data);
        let ct_len = data.len() - TAG_LEN;
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(&data[ct_len..]);
        cipher.open_in_place(f.iv, f.aad, &mut data[..ct_len], &tag, &f.name())?;
        out.put(&data[..ct_len])?;
    }
    Ok(())
}

/// Copies the sealed bytes of `frames` (copied out of the stream, or read from a range source)
/// back to back into `source`, which holds at least [`sealed_len`] bytes, and queues each frame on
/// `frames_loop` with its place there.
#[cfg(feature = "decrypt-more")]
pub(crate) fn queue_copies<E: FrameEngine>(
    frames_loop: &mut FrameLoop<E>,
    frames: &[SealedFrame],
    source: &Uint8Array,
) {
    let mut end = 0u32;
    for f in frames {
        let sealed = f.ciphertext_and_tag();
        let start = end;
        end += sealed.len() as u32;
        source.subarray(start, end).copy_from(sealed);
        frames_loop.queue(f, u64::from(start)..u64::from(end));
    }
}

/// The bytes of ciphertext ‖ tag `frames` hold.
#[cfg(feature = "decrypt-more")]
pub(crate) fn sealed_len(frames: &[SealedFrame]) -> usize {
    frames.iter().map(|f| f.ciphertext_and_tag().len()).sum()
}

/// A frame's range of sealed bytes as JS buffer offsets. The frame is named only in the error
/// (a name formatted for every frame showed in profiles of 4 KiB frames: ~3 ms per 64 MiB).
pub(crate) fn js_range(f: &BatchFrame) -> Result<(u32, u32)> {
    match (u32::try_from(f.range.start), u32::try_from(f.range.end)) {
        (Ok(start), Ok(end)) => Ok((start, end)),
        _ => Err(err!(
            LimitExceeded,
            "{} lies beyond 4 GiB: too large for a JS buffer",
            f.name()
        )),
    }
}

/// Where opened frames' plaintext goes.
pub(crate) enum Plaintext {
    /// One buffer, frame after frame.
    Buffer(Output),
    /// One buffer per frame, in order (WebCrypto's own result buffers: no copy): streams.
    #[cfg_attr(not(feature = "decrypt-entry"), allow(dead_code))]
    Pieces(Array),
}

impl Plaintext {
    /// Appends one frame's plaintext.
    #[cfg(feature = "rust-crypto")]
    fn put(&mut self, plaintext: &[u8]) -> Result<()> {
        match self {
            Plaintext::Buffer(out) => {
                out.reserve(plaintext.len() as u64)?;
                out.unwritten()
                    .subarray(0, plaintext.len() as u32)
                    .copy_from(plaintext);
                out.written += plaintext.len() as u32;
            }
            Plaintext::Pieces(pieces) => {
                pieces.push(&Uint8Array::from(plaintext));
            }
        }
        Ok(())
    }
}

/// Plaintext in one JS buffer, sized before the first frame (by the plaintext length a message's
/// layout states, or a batch's); a size that was understated only costs a copy
/// ([`Output::reserve`]), an overstated one a copy of the written part ([`Output::into_plaintext`]).
pub(crate) struct Output {
    pub(crate) buf: Uint8Array,
    pub(crate) written: u32,
}

impl Output {
    pub(crate) fn with_len(len: u32) -> Output {
        Output {
            buf: Uint8Array::new_with_length(len),
            written: 0,
        }
    }

    /// Room for `n` more bytes: a larger buffer (a copy) only if the size was understated.
    pub(crate) fn reserve(&mut self, n: u64) -> Result<()> {
        let need = u64::from(self.written) + n;
        if need > u64::from(self.buf.length()) {
            let need =
                u32::try_from(need).map_err(|_| err!(LimitExceeded, "plaintext exceeds 4 GiB"))?;
            let grown = Uint8Array::new_with_length(need);
            grown.set(&self.buf.subarray(0, self.written), 0);
            self.wipe();
            self.buf = grown;
        }
        Ok(())
    }

    /// The buffer from the first unwritten byte.
    #[cfg(feature = "rust-crypto")]
    fn unwritten(&self) -> Uint8Array {
        self.buf.subarray(self.written, self.buf.length())
    }

    /// The plaintext: the buffer itself, or a copy of its written part if the size was overstated.
    #[cfg(feature = "decrypt-entry")]
    pub(crate) fn into_plaintext(self) -> Uint8Array {
        if self.written == self.buf.length() {
            return self.buf;
        }
        let exact = self.buf.slice(0, self.written);
        self.wipe();
        exact
    }

    pub(crate) fn wipe(&self) {
        self.buf.fill(0, 0, self.buf.length());
    }
}
