//! The footer signature of signed messages in wasm: one-shot decryption's ([`OneShotSignature`])
//! and a stream's ([`StreamSignature`]).
//!
//! One-shot: large framed messages are hashed in a Worker a step ahead of the frames being
//! opened (`hash_worker`); otherwise WebCrypto verifies the ECDSA signature over the message's
//! bytes once the decryptor has read the footer, or the curve code verifies the digest the
//! decryptor hashed itself (the pure-Rust engine's path). A stream hashes the signed bytes as
//! they pass (`StreamHash`: on the page, then in the Worker) and verifies the digest with the
//! curve code once the footer is read.
//!
//! Without the curve code (feature `rust-crypto` off: the decrypt module's entry) no signed
//! message's header is read (`footer::without_curves`), so no signed message gets here; both
//! refuse a footer all the same.

#[cfg(feature = "rust-crypto")]
pub(crate) use with_curves::{OneShotSignature, StreamSignature};
#[cfg(not(feature = "rust-crypto"))]
pub(crate) use without_curves::{OneShotSignature, StreamSignature};

#[cfg(feature = "rust-crypto")]
mod with_curves {
    use js_sys::Uint8Array;

    use super::super::hash_worker::{self, MessageHash, StreamHash};
    use super::super::webcrypto::{self, SignatureCheck};
    use crate::envelope::decrypt::Decryptor;
    use crate::envelope::header::ContentType;
    use crate::envelope::suite::Signature;
    use crate::err;
    use crate::error::Result;

    /// A one-shot decryption's signature check.
    pub(crate) struct OneShotSignature {
        /// The message hashed in the Worker, up to `hashed`.
        worker: Option<MessageHash>,
        hashed: u32,
        /// WebCrypto's verification over the message's bytes, once started.
        check: Option<SignatureCheck>,
    }

    impl OneShotSignature {
        /// For `dec`, whose header verified, decrypting a message of `total` bytes: in the
        /// Worker with WebCrypto (`webcrypto`) for large messages framed in steps.
        pub(crate) fn start(dec: &Decryptor, webcrypto: bool, total: usize) -> OneShotSignature {
            let (signature, framed_in_steps) = dec
                .verified_header()
                .map(|h| {
                    let info = h.info();
                    let framed_in_steps = info.content_type == ContentType::Framed
                        && u64::from(info.frame_length) <= hash_worker::STEP_BYTES;
                    (info.suite.signature, framed_in_steps)
                })
                .unwrap_or((Signature::None, false));
            OneShotSignature {
                worker: (webcrypto && total >= hash_worker::MIN_MESSAGE_BYTES && framed_in_steps)
                    .then(|| MessageHash::start(signature))
                    .flatten(),
                hashed: 0,
                check: None,
            }
        }

        /// Whether the frames queued up to message byte `queued_end` complete a step of the
        /// Worker's hash (they are opened then, once posted).
        pub(crate) fn step_due(&self, queued_end: u64) -> bool {
            self.worker.is_some() && queued_end - u64::from(self.hashed) >= hash_worker::STEP_BYTES
        }

        /// Posts the message's bytes up to `end` to the Worker, before the frames they hold
        /// are opened.
        pub(crate) async fn push(&mut self, message: &Uint8Array, end: u64) {
            if let Some(hash) = &mut self.worker {
                let end = end as u32;
                hash.push(&message.subarray(self.hashed, end)).await;
                self.hashed = end;
            }
        }

        /// The whole message was pushed into `dec`: without a Worker, WebCrypto's check
        /// starts as soon as the decryptor has read the footer.
        pub(crate) async fn message_read(
            &mut self,
            dec: &mut Decryptor,
            message: &Uint8Array,
        ) -> Result<()> {
            if self.check.is_none() && self.worker.is_none() {
                self.check = start_signature_check(dec, message).await?;
            }
            Ok(())
        }

        /// After the last frame: the Worker's digest verified with the curve code, or, if the
        /// Worker failed or there was none, WebCrypto's verdict; `dec` is told.
        pub(crate) async fn finish(
            mut self,
            dec: &mut Decryptor,
            message: &Uint8Array,
        ) -> Result<()> {
            let signed_len = dec.external_signature().map(|sig| sig.signed_len as u32);
            if let (Some(mut hash), Some(signed_len)) = (self.worker.take(), signed_len) {
                hash.push(&message.subarray(self.hashed, signed_len)).await;
                if let Some(digest) = hash.finish().await {
                    check_digest(dec, &digest)?;
                }
            }
            if self.check.is_none() {
                self.check = start_signature_check(dec, message).await?;
            }
            if let Some(check) = self.check {
                let valid = check.valid().await?;
                dec.signature_checked(valid)?;
            }
            Ok(())
        }
    }

    /// Gives `dec` the footer's verdict over `digest`, the hash of the signed bytes.
    fn check_digest(dec: &mut Decryptor, digest: &[u8]) -> Result<()> {
        let valid = match dec.external_signature() {
            Some(sig) => sig.verifies_digest(digest)?,
            None => false,
        };
        dec.signature_checked(valid)
    }

    /// Checks the footer signature once the decryptor has read it: the digest the decryptor
    /// hashed (the pure-Rust engine's path) with the curve code, right away; otherwise starts
    /// the WebCrypto check over the message's bytes.
    async fn start_signature_check(
        dec: &mut Decryptor,
        message: &Uint8Array,
    ) -> Result<Option<SignatureCheck>> {
        let Some(sig) = dec.external_signature() else {
            return Ok(None);
        };
        if let Some(digest) = sig.digest {
            let valid = sig.verifies_digest(digest)?;
            dec.signature_checked(valid)?;
            return Ok(None);
        }
        let key = sig.key.decode()?;
        let raw = key.der_to_raw(sig.der)?;
        let signed = message.subarray(0, sig.signed_len as u32);
        let point = key.to_uncompressed_sec1();
        Ok(Some(
            webcrypto::ecdsa_verify_start(key.curve_name(), &point, &raw, &signed).await?,
        ))
    }

    /// Where a stream's signature hash is.
    pub(crate) enum StreamSignature {
        /// The header is not verified yet.
        Waiting,
        /// From the verified header on (`StreamHash`: moved to the Worker for long streams).
        Hashing(StreamHash),
        /// The footer's signature was checked, or the suite is unsigned.
        Done,
    }

    impl StreamSignature {
        /// Once `dec`'s header verified: nothing to hash for an unsigned suite (`Done`), else a
        /// hash that starts with the header (`Hashing`); `Waiting` while it is not verified.
        pub(crate) async fn start(dec: &Decryptor) -> Result<StreamSignature> {
            let Some(header) = dec.verified_header() else {
                return Ok(StreamSignature::Waiting);
            };
            let signature = header.info().suite.signature;
            if signature == Signature::None {
                return Ok(StreamSignature::Done);
            }
            let mut hash = StreamHash::new(signature);
            let bytes = header.bytes();
            hash.update(bytes, &Uint8Array::from(bytes)).await?;
            Ok(StreamSignature::Hashing(hash))
        }

        /// Gives the signed bytes this push consumed (`chunk` holds the message from byte
        /// `chunk_start`, `js_chunk` is a JS view of the same bytes) to the hash that
        /// [`StreamSignature::start`] began.
        pub(crate) async fn hash(
            &mut self,
            dec: &Decryptor,
            chunk: &[u8],
            js_chunk: &Uint8Array,
            chunk_start: u64,
        ) -> Result<()> {
            let StreamSignature::Hashing(hash) = self else {
                return Ok(());
            };
            let consumed = dec.consumed();
            let end = dec.signed_len().map_or(consumed, |s| s.min(consumed));
            let from = hash.len();
            if end > from {
                let bytes = (from.checked_sub(chunk_start))
                    .zip(end.checked_sub(chunk_start))
                    .and_then(|(from, to)| chunk.get(from as usize..to as usize))
                    .ok_or_else(|| {
                        err!(
                            InvalidState,
                            "signed bytes {from}..{end} are not in this push"
                        )
                    })?;
                let at = (from - chunk_start) as u32;
                hash.update(bytes, &js_chunk.subarray(at, at + bytes.len() as u32))
                    .await?;
            }
            Ok(())
        }

        /// Once `dec` has read the footer: its verdict, before the push's plaintext is released.
        pub(crate) async fn check_footer(&mut self, dec: &mut Decryptor) -> Result<()> {
            if dec.external_signature().is_none() {
                return Ok(());
            }
            let StreamSignature::Hashing(hash) = std::mem::replace(self, StreamSignature::Done)
            else {
                return Err(err!(
                    InvalidState,
                    "footer of a message that was not hashed"
                ));
            };
            check_digest(dec, &hash.finish().await?)
        }
    }
}

#[cfg(not(feature = "rust-crypto"))]
mod without_curves {
    use js_sys::Uint8Array;

    use crate::envelope::decrypt::Decryptor;
    use crate::envelope::suite::Signature;
    use crate::err;
    use crate::error::{Error, Result};

    /// Refuses a signed message's footer: there is no curve code to verify it with.
    fn refuse(dec: &Decryptor) -> Result<()> {
        match dec.external_signature() {
            None => Ok(()),
            Some(_) => Err(no_curves()),
        }
    }

    fn no_curves() -> Error {
        err!(
            EngineUnavailable,
            "a signed message: this module has no elliptic-curve code to verify its signature"
        )
    }

    /// A one-shot decryption's signature check, which refuses every signature.
    pub(crate) struct OneShotSignature;

    impl OneShotSignature {
        pub(crate) fn start(_: &Decryptor, _: bool, _: usize) -> OneShotSignature {
            OneShotSignature
        }

        pub(crate) fn step_due(&self, _: u64) -> bool {
            false
        }

        pub(crate) async fn push(&mut self, _: &Uint8Array, _: u64) {}

        pub(crate) async fn message_read(
            &mut self,
            dec: &mut Decryptor,
            _: &Uint8Array,
        ) -> Result<()> {
            refuse(dec)
        }

        pub(crate) async fn finish(self, dec: &mut Decryptor, _: &Uint8Array) -> Result<()> {
            refuse(dec)
        }
    }

    /// A stream's signature, which refuses every signed suite.
    pub(crate) enum StreamSignature {
        Waiting,
        Done,
    }

    impl StreamSignature {
        pub(crate) async fn start(dec: &Decryptor) -> Result<StreamSignature> {
            match dec.verified_header() {
                None => Ok(StreamSignature::Waiting),
                Some(h) if h.info().suite.signature == Signature::None => Ok(StreamSignature::Done),
                Some(_) => Err(no_curves()),
            }
        }

        pub(crate) async fn hash(
            &mut self,
            _: &Decryptor,
            _: &[u8],
            _: &Uint8Array,
            _: u64,
        ) -> Result<()> {
            Ok(())
        }

        pub(crate) async fn check_footer(&mut self, dec: &mut Decryptor) -> Result<()> {
            refuse(dec)
        }
    }
}
