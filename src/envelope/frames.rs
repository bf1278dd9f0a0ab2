//! The one frame loop of decryption: the frames a [`Decryptor`] hands out are queued with where
//! their sealed bytes lie, opened together by a keyed [`FrameEngine`] (one key schedule per
//! message, not per frame) and reported opened to the decryptor, in order. One-shot decryption,
//! streams and range reads all open frames here, whichever the engine.

use std::ops::Range;

use crate::engine::FrameEngine;
use crate::envelope::body::BodyKind;
use crate::envelope::decrypt::{unit_name, Decryptor, SealedFrame};
use crate::envelope::suite::TAG_LEN;
use crate::err;
use crate::error::Result;

/// Frames queued at most before they are opened together (bounds the descriptors kept).
pub const BATCH_FRAMES: usize = 2048;

/// Frames to open together: where each one's ciphertext ‖ tag lies in one buffer of sealed
/// bytes, its IV and AAD, stored back to back (an engine hands them to WebCrypto in one go).
#[derive(Debug, Default)]
pub struct FrameBatch {
    seqs: Vec<u32>,
    kinds: Vec<BodyKind>,
    ranges: Vec<Range<u64>>,
    ivs: Vec<[u8; 12]>,
    aads: Vec<u8>,
    aad_ends: Vec<u32>,
    plaintext_len: u64,
}

/// One frame of a [`FrameBatch`].
#[derive(Debug, Clone, Copy)]
pub struct BatchFrame<'b> {
    pub seq: u32,
    pub kind: BodyKind,
    /// Ciphertext ‖ tag in the batch's buffer of sealed bytes.
    pub range: &'b Range<u64>,
    pub iv: &'b [u8; 12],
    pub aad: &'b [u8],
}

impl BatchFrame<'_> {
    /// The frame's name in errors ("frame 3", "final frame 4", "non-framed body").
    pub fn name(&self) -> String {
        unit_name(self.kind, self.seq)
    }

    /// Its ciphertext and tag in `sealed`; `INVALID_STATE` if they are not there.
    pub fn sealed_in<'s>(&self, sealed: &'s [u8]) -> Result<(&'s [u8], &'s [u8; TAG_LEN])> {
        let bytes = usize::try_from(self.range.start)
            .ok()
            .zip(usize::try_from(self.range.end).ok())
            .and_then(|(s, e)| sealed.get(s..e))
            .filter(|b| b.len() >= TAG_LEN)
            .ok_or_else(|| err!(InvalidState, "{}: sealed bytes not held", self.name()))?;
        let (ciphertext, tag) = bytes.split_at(bytes.len() - TAG_LEN);
        let tag = tag
            .try_into()
            .map_err(|_| err!(InvalidState, "{}: no tag", self.name()))?;
        Ok((ciphertext, tag))
    }
}

impl FrameBatch {
    /// Adds frame `f`, whose ciphertext ‖ tag is `range` of the buffer of sealed bytes.
    pub fn push(&mut self, f: &SealedFrame, range: Range<u64>) {
        self.seqs.push(f.seq);
        self.kinds.push(f.kind);
        self.ranges.push(range);
        self.ivs.push(*f.iv.bytes());
        self.aads.extend_from_slice(&f.aad);
        self.aad_ends.push(self.aads.len() as u32);
        self.plaintext_len += f.plaintext_len;
    }

    pub fn len(&self) -> usize {
        self.seqs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seqs.is_empty()
    }

    /// Sum of the frames' plaintext lengths.
    pub fn plaintext_len(&self) -> u64 {
        self.plaintext_len
    }

    /// Where the last frame's sealed bytes end (0 for an empty batch).
    pub fn end(&self) -> u64 {
        self.ranges.last().map_or(0, |r| r.end)
    }

    /// The frames' sequence numbers, in order.
    pub fn seqs(&self) -> &[u32] {
        &self.seqs
    }

    /// Body kind of frame `i` (for naming it in errors).
    pub fn kind(&self, i: usize) -> Option<BodyKind> {
        self.kinds.get(i).copied()
    }

    /// The frames' ranges of sealed bytes, in order.
    pub fn ranges(&self) -> &[Range<u64>] {
        &self.ranges
    }

    /// The frames' IVs back to back (12 bytes each).
    pub fn ivs(&self) -> &[u8] {
        self.ivs.as_flattened()
    }

    /// The frames' AADs back to back; frame `i`'s ends at [`FrameBatch::aad_ends`]`[i]`.
    pub fn aads(&self) -> &[u8] {
        &self.aads
    }

    pub fn aad_ends(&self) -> &[u32] {
        &self.aad_ends
    }

    /// The frames, in order.
    pub fn iter(&self) -> impl Iterator<Item = BatchFrame<'_>> {
        (0..self.len()).map(move |i| {
            let aad_start = if i == 0 { 0 } else { self.aad_ends[i - 1] } as usize;
            BatchFrame {
                seq: self.seqs[i],
                kind: self.kinds[i],
                range: &self.ranges[i],
                iv: &self.ivs[i],
                aad: &self.aads[aad_start..self.aad_ends[i] as usize],
            }
        })
    }

    fn clear(&mut self) {
        self.seqs.clear();
        self.kinds.clear();
        self.ranges.clear();
        self.ivs.clear();
        self.aads.clear();
        self.aad_ends.clear();
        self.plaintext_len = 0;
    }
}

/// The frame loop: a keyed engine and the frames queued for it.
#[derive(Debug)]
pub struct FrameLoop<E> {
    engine: E,
    batch: FrameBatch,
}

impl<E: FrameEngine> FrameLoop<E> {
    /// A loop opening frames with `engine` (keyed with the message's content key).
    pub fn new(engine: E) -> Self {
        FrameLoop {
            engine,
            batch: FrameBatch::default(),
        }
    }

    /// Queues frame `f`, whose ciphertext ‖ tag is `range` of the sealed bytes the next
    /// [`FrameLoop::open`] gets.
    pub fn queue(&mut self, f: &SealedFrame, range: Range<u64>) {
        self.batch.push(f, range);
    }

    /// The engine the frames are opened with.
    pub fn engine(&self) -> &E {
        &self.engine
    }

    /// The frames queued.
    pub fn queued(&self) -> &FrameBatch {
        &self.batch
    }

    /// Whether [`BATCH_FRAMES`] frames are queued.
    pub fn is_full(&self) -> bool {
        self.batch.len() >= BATCH_FRAMES
    }

    /// Opens the queued frames from `sealed` into `out` and reports each one opened to `dec`
    /// (range reads have no decryptor); the queue is empty afterwards, whatever the outcome.
    pub async fn open(
        &mut self,
        sealed: &E::Sealed,
        out: &mut E::Sink,
        dec: Option<&mut Decryptor>,
    ) -> Result<()> {
        let opened = self.engine.open(&self.batch, sealed, out).await;
        let reported = match (opened, dec) {
            (Ok(()), Some(dec)) => self
                .batch
                .seqs
                .iter()
                .try_for_each(|&seq| dec.frame_opened(seq)),
            (r, _) => r,
        };
        self.batch.clear();
        reported
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RustAesGcm;
    use crate::envelope::body::{body_aad, FrameIv};
    use crate::envelope::random_access::run_ready;

    /// Two frames sealed back to back under one key, as a batch over their bytes.
    fn sealed_pair(cipher: &RustAesGcm) -> (Vec<u8>, Vec<SealedFrame>) {
        let mut sealed = Vec::new();
        let mut frames = Vec::new();
        for (seq, text) in [(1u32, &b"first frame"[..]), (2, &b"second"[..])] {
            let kind = if seq == 1 {
                BodyKind::RegularFrame
            } else {
                BodyKind::FinalFrame
            };
            let iv = FrameIv::for_seq(seq);
            let aad = body_aad(&[7u8; 16], kind, seq, text.len() as u64);
            let start = sealed.len() as u64;
            let mut buf = text.to_vec();
            let tag = cipher.seal_in_place(iv.bytes(), &aad, &mut buf).unwrap();
            sealed.extend_from_slice(&buf);
            sealed.extend_from_slice(&tag);
            let range = start..sealed.len() as u64;
            frames.push(SealedFrame::from_parts(
                seq,
                kind,
                iv,
                aad,
                text.len() as u64,
                range,
                Vec::new(),
            ));
        }
        (sealed, frames)
    }

    #[test]
    fn one_keyed_engine_opens_a_batch_in_order_and_stops_at_a_bad_tag() {
        let cipher = RustAesGcm::new(&[3u8; 32]).unwrap();
        let (sealed, frames) = sealed_pair(&cipher);
        let mut lp = FrameLoop::new(cipher);
        for f in &frames {
            lp.queue(f, f.range.clone());
        }
        assert_eq!(lp.queued().plaintext_len(), 17);
        let mut out = Vec::new();
        run_ready(lp.open(&sealed, &mut out, None))
            .unwrap()
            .unwrap();
        assert_eq!(out, b"first framesecond");
        assert!(lp.queued().is_empty());

        // The second frame's last tag byte flipped: the first frame's plaintext stays, none of
        // the second's reaches `out`, and the error names the final frame.
        let mut bad = sealed.clone();
        *bad.last_mut().unwrap() ^= 1;
        for f in &frames {
            lp.queue(f, f.range.clone());
        }
        let mut out = Vec::new();
        let e = run_ready(lp.open(&bad, &mut out, None))
            .unwrap()
            .unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::TagMismatch);
        assert!(e.message.starts_with("final frame 2"), "{}", e.message);
        assert_eq!(out, b"first frame");
        assert!(
            lp.queued().is_empty(),
            "the queue is emptied whatever the outcome"
        );

        // A range outside the sealed bytes is refused, not read out of bounds.
        lp.queue(&frames[1], 0..sealed.len() as u64 + 1);
        let e = run_ready(lp.open(&sealed, &mut Vec::new(), None))
            .unwrap()
            .unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::InvalidState);
    }
}
