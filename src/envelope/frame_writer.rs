//! Writing the body of a framed ESDK message incrementally: plaintext arrives in pieces of any
//! size, sealed frames leave as soon as the next byte proves they are not the final frame. Memory
//! is one frame of plaintext whatever the message's length (the sealer streams multi-GB objects
//! through it).
//!
//! spec: data-format/message-body.md (regular and final frames), message-body-aad.md,
//! data-format/message-footer.md
//!
//! ```text
//! PreparedMessage::begin(data key, EDKs, out)  header ──► out
//!   FrameWriter::push(plaintext, out)          regular frames ──► out (repeat)
//!   FrameWriter::finish(out)                   final frame (+ footer of signed suites) ──► out
//! ```

use crate::engine::RustAesGcm;
use crate::envelope::body::{body_aad, BodyKind, FrameIv, FINAL_FRAME_MARKER};
use crate::envelope::footer::{serialize_footer, MessageHasher, SigningKey};
use crate::envelope::keys::ContentKey;
use crate::err;
use crate::error::Result;

/// The body writer of one framed message (made by
/// [`crate::envelope::encrypt::PreparedMessage::begin`]). Every byte it appends to `out` is also
/// hashed for the footer's signature (signed suites).
pub struct FrameWriter {
    message_id: Vec<u8>,
    /// Keyed with the content key once, for every frame.
    cipher: RustAesGcm,
    frame_length: usize,
    /// Plaintext not sealed yet: at most one frame, kept until more arrives (a message whose
    /// length is a multiple of the frame length ends with a full final frame). It grows with the
    /// plaintext that arrived, never reserved from the frame length (up to 2^31 - 1).
    pending: Vec<u8>,
    /// The sequence number of the next frame (the first is 1).
    seq: u32,
    signer: Option<(SigningKey, MessageHasher)>,
    plaintext_len: u64,
}

impl FrameWriter {
    pub(crate) fn new(
        message_id: Vec<u8>,
        key: ContentKey,
        frame_length: u32,
        signer: Option<(SigningKey, MessageHasher)>,
    ) -> Result<Self> {
        Ok(FrameWriter {
            message_id,
            cipher: RustAesGcm::new(key.expose())?,
            frame_length: frame_length as usize,
            pending: Vec::new(),
            seq: 1,
            signer,
            plaintext_len: 0,
        })
    }

    /// Plaintext bytes taken so far.
    pub fn plaintext_len(&self) -> u64 {
        self.plaintext_len
    }

    /// Takes `plaintext` and appends every frame it completes to `out`. `LIMIT_EXCEEDED` once the
    /// message would need more than 2^32 - 1 frames.
    pub fn push(&mut self, mut plaintext: &[u8], out: &mut Vec<u8>) -> Result<()> {
        self.plaintext_len += plaintext.len() as u64;
        while !plaintext.is_empty() {
            if self.pending.len() == self.frame_length {
                self.seal_regular(out)?;
            }
            let take = (self.frame_length - self.pending.len()).min(plaintext.len());
            self.pending.extend_from_slice(&plaintext[..take]);
            plaintext = &plaintext[take..];
        }
        Ok(())
    }

    /// Appends the final frame (what is pending, possibly empty) and, for signed suites, the
    /// footer.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<()> {
        let mark = out.len();
        let seq = self.seq;
        let iv = FrameIv::for_seq(seq);
        out.extend_from_slice(&FINAL_FRAME_MARKER.to_be_bytes());
        out.extend_from_slice(&seq.to_be_bytes());
        out.extend_from_slice(iv.bytes());
        out.extend_from_slice(&(self.pending.len() as u32).to_be_bytes());
        self.seal_pending(BodyKind::FinalFrame, &iv, out)?;
        if let Some((signer, mut hasher)) = self.signer.take() {
            hasher.update(&out[mark..]);
            let der = signer.sign_prehash(&hasher.finalize())?;
            out.extend_from_slice(&serialize_footer(&der));
        }
        Ok(())
    }

    fn seal_regular(&mut self, out: &mut Vec<u8>) -> Result<()> {
        // The final frame needs a sequence number of its own, and FINAL_FRAME_MARKER is not one.
        if self.seq >= FINAL_FRAME_MARKER - 1 {
            return Err(err!(
                LimitExceeded,
                "plaintext needs more than 2^32 - 2 regular frames"
            ));
        }
        let mark = out.len();
        let iv = FrameIv::for_seq(self.seq);
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(iv.bytes());
        self.seal_pending(BodyKind::RegularFrame, &iv, out)?;
        if let Some((_, hasher)) = &mut self.signer {
            hasher.update(&out[mark..]);
        }
        self.seq += 1;
        Ok(())
    }

    /// Appends the pending plaintext encrypted, then its tag; empties `pending`.
    fn seal_pending(&mut self, kind: BodyKind, iv: &FrameIv, out: &mut Vec<u8>) -> Result<()> {
        let aad = body_aad(&self.message_id, kind, self.seq, self.pending.len() as u64);
        let start = out.len();
        out.extend_from_slice(&self.pending);
        let tag = self
            .cipher
            .seal_in_place(iv.bytes(), &aad, &mut out[start..])?;
        out.extend_from_slice(&tag);
        self.pending.clear();
        Ok(())
    }
}

impl Drop for FrameWriter {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.pending);
    }
}
