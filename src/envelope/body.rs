//! Body layout: frame k <-> byte ranges, plaintext offsets -> frames, body AAD, frame IVs.
//!
//! spec: data-format/message-body.md, data-format/message-body-aad.md
//!
//! Every regular frame of a framed message has the same size, so the position of frame k is
//! arithmetic: `header_len + (k - 1) * (4 + 12 + frame_len + 16)`. This is what makes
//! authenticated random access possible.

use std::ops::Range;

use crate::envelope::suite::{IV_LEN, TAG_LEN};
use crate::err;
use crate::error::Result;

/// Bytes a regular frame adds to its content: sequence number, IV, tag.
pub const REGULAR_FRAME_OVERHEAD: u64 = 4 + IV_LEN as u64 + TAG_LEN as u64;
/// Bytes a final frame adds to its content: end marker, sequence number, IV, length, tag.
pub const FINAL_FRAME_OVERHEAD: u64 = 4 + 4 + IV_LEN as u64 + 4 + TAG_LEN as u64;
/// Bytes of a non-framed body besides its content: IV, u64 length, tag.
pub const NON_FRAMED_OVERHEAD: u64 = IV_LEN as u64 + 8 + TAG_LEN as u64;
/// Largest non-framed content. spec: data-format/message-body.md#non-framed-data-encrypted-content-length
pub const MAX_NON_FRAMED_LEN: u64 = (1 << 36) - 32;
/// The final-frame marker (sequence number end).
pub const FINAL_FRAME_MARKER: u32 = 0xFFFF_FFFF;

/// Which AAD label a body unit uses. spec: data-format/message-body-aad.md#body-aad-content
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// A regular frame.
    RegularFrame,
    /// The final frame.
    FinalFrame,
    /// The single block of a non-framed message.
    SingleBlock,
}

impl BodyKind {
    /// The AAD label.
    pub fn label(self) -> &'static [u8] {
        match self {
            BodyKind::RegularFrame => b"AWSKMSEncryptionClient Frame",
            BodyKind::FinalFrame => b"AWSKMSEncryptionClient Final Frame",
            BodyKind::SingleBlock => b"AWSKMSEncryptionClient Single Block",
        }
    }
}

/// Body AAD = message id ‖ label ‖ u32 sequence number ‖ u64 content length.
pub fn body_aad(message_id: &[u8], kind: BodyKind, seq: u32, content_len: u64) -> Vec<u8> {
    let label = kind.label();
    let mut aad = Vec::with_capacity(message_id.len() + label.len() + 12);
    aad.extend_from_slice(message_id);
    aad.extend_from_slice(label);
    aad.extend_from_slice(&seq.to_be_bytes());
    aad.extend_from_slice(&content_len.to_be_bytes());
    aad
}

/// A frame IV as read from (or written to) the message.
///
/// The specification derives the IV from the sequence number (12-byte big-endian,
/// spec: client-apis/decrypt.md#decrypt-the-message-body) and that is what callseal writes
/// ([`FrameIv::for_seq`]). Messages accepted by the official SDKs exist whose frame IVs carry
/// other bytes in front of the sequence number (the commitment vectors have
/// `FFFFFFFFFFFFFFFF ‖ seq`), and the official decryptors use the IV field as is. So decrypt
/// uses the IV read from the message but [`FrameIv::checked`] requires its last 4 bytes to be
/// the sequence number: IVs stay unique within a message, and a frame moved to another
/// position is refused before any AES work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameIv([u8; IV_LEN]);

impl FrameIv {
    /// The IV for sequence number `seq` (what callseal writes).
    pub fn for_seq(seq: u32) -> Self {
        let mut iv = [0u8; IV_LEN];
        iv[8..].copy_from_slice(&seq.to_be_bytes());
        FrameIv(iv)
    }
    /// Accepts an IV read from the message if its last 4 bytes are `seq` (`MALFORMED_BODY`
    /// otherwise). `what` names the unit for the message.
    pub fn checked(bytes: &[u8], seq: u32, what: &str) -> Result<Self> {
        let mut iv = [0u8; IV_LEN];
        if bytes.len() != IV_LEN {
            return Err(err!(MalformedBody, "{what}: IV of {} bytes", bytes.len()));
        }
        iv.copy_from_slice(bytes);
        if iv[8..] != seq.to_be_bytes() {
            return Err(err!(
                MalformedBody,
                "{what}: IV does not end with the sequence number {seq}"
            ));
        }
        Ok(FrameIv(iv))
    }
    /// The 12 bytes.
    pub fn bytes(&self) -> &[u8; IV_LEN] {
        &self.0
    }
}

/// Arithmetic over a framed body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameLayout {
    /// Header length: frame 1 starts here.
    pub header_len: u64,
    /// Frame length (plaintext bytes per regular frame), > 0.
    pub frame_len: u32,
}

impl FrameLayout {
    /// A layout; `INVALID_ARGUMENT` if `frame_len` is 0.
    pub fn new(header_len: u64, frame_len: u32) -> Result<Self> {
        if frame_len == 0 {
            return Err(err!(
                InvalidArgument,
                "frame length 0 is not a framed message"
            ));
        }
        Ok(FrameLayout {
            header_len,
            frame_len,
        })
    }

    /// Size in bytes of a regular frame.
    pub fn regular_frame_size(&self) -> u64 {
        self.frame_len as u64 + REGULAR_FRAME_OVERHEAD
    }

    /// Byte offset where frame `k` (1-based, regular or final) starts.
    pub fn frame_start(&self, k: u32) -> Result<u64> {
        if k == 0 {
            return Err(err!(InvalidArgument, "frame numbers start at 1"));
        }
        (k as u64 - 1)
            .checked_mul(self.regular_frame_size())
            .and_then(|o| o.checked_add(self.header_len))
            .ok_or_else(|| err!(InvalidArgument, "frame {k} offset overflows"))
    }

    /// Byte range of frame `k` if it is a regular frame.
    pub fn regular_frame_range(&self, k: u32) -> Result<Range<u64>> {
        let s = self.frame_start(k)?;
        Ok(s..s + self.regular_frame_size())
    }

    /// Byte range of frame `k` if it is the final frame with `content_len` bytes.
    pub fn final_frame_range(&self, k: u32, content_len: u32) -> Result<Range<u64>> {
        let s = self.frame_start(k)?;
        Ok(s..s + FINAL_FRAME_OVERHEAD + content_len as u64)
    }

    /// The frame (1-based) holding plaintext byte `offset`.
    pub fn frame_of_offset(&self, offset: u64) -> Result<u32> {
        u32::try_from(offset / self.frame_len as u64 + 1).map_err(|_| {
            err!(
                InvalidArgument,
                "plaintext offset {offset} is beyond 2^32 frames"
            )
        })
    }

    /// Plaintext offset where frame `k` starts.
    pub fn plaintext_start(&self, k: u32) -> u64 {
        (k.max(1) as u64 - 1) * self.frame_len as u64
    }

    /// Plaintext length of a message whose final frame is `final_seq` with `final_len` bytes.
    pub fn plaintext_len(&self, final_seq: u32, final_len: u32) -> u64 {
        self.plaintext_start(final_seq) + final_len as u64
    }

    /// Frames (inclusive range, 1-based) covering plaintext `[offset, offset + len)`; `len` > 0.
    pub fn frames_covering(&self, offset: u64, len: u64) -> Result<std::ops::RangeInclusive<u32>> {
        if len == 0 {
            return Err(err!(InvalidArgument, "empty range"));
        }
        let last = offset
            .checked_add(len - 1)
            .ok_or_else(|| err!(InvalidArgument, "range end overflows"))?;
        Ok(self.frame_of_offset(offset)?..=self.frame_of_offset(last)?)
    }

    /// Given the body length (bytes after the header, footer excluded), the final frame's
    /// sequence number and content length, if the length is consistent with this layout.
    pub fn final_frame_from_body_len(&self, body_len: u64) -> Result<(u32, u32)> {
        let rest = body_len.checked_sub(FINAL_FRAME_OVERHEAD).ok_or_else(|| {
            err!(
                Truncated,
                "body of {body_len} bytes is shorter than a final frame"
            )
        })?;
        let r = self.regular_frame_size();
        let regular = rest / r;
        let content = rest % r;
        if content > self.frame_len as u64 {
            return Err(err!(
                MalformedBody,
                "body length {body_len} does not fit frames of {} bytes",
                self.frame_len
            ));
        }
        let seq = u32::try_from(regular + 1).map_err(|_| {
            err!(
                MalformedBody,
                "body length {body_len} implies more than 2^32-1 frames"
            )
        })?;
        if seq == FINAL_FRAME_MARKER {
            return Err(err!(
                MalformedBody,
                "body length {body_len} implies 2^32-1 regular frames"
            ));
        }
        Ok((seq, content as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_arithmetic() {
        let l = FrameLayout::new(100, 10).unwrap();
        assert_eq!(l.regular_frame_size(), 42);
        assert_eq!(l.frame_start(1).unwrap(), 100);
        assert_eq!(l.frame_start(3).unwrap(), 184);
        assert_eq!(l.frame_of_offset(0).unwrap(), 1);
        assert_eq!(l.frame_of_offset(9).unwrap(), 1);
        assert_eq!(l.frame_of_offset(10).unwrap(), 2);
        assert_eq!(l.frames_covering(5, 10).unwrap(), 1..=2);
        assert_eq!(l.frames_covering(10, 10).unwrap(), 2..=2);
        // 2 regular frames + final with 3 bytes
        assert_eq!(
            l.final_frame_from_body_len(2 * 42 + 40 + 3).unwrap(),
            (3, 3)
        );
        assert_eq!(l.final_frame_from_body_len(40).unwrap(), (1, 0));
        assert_eq!(l.final_frame_from_body_len(40 + 10).unwrap(), (1, 10));
        assert!(l.final_frame_from_body_len(40 + 11).is_err());
        assert_eq!(l.plaintext_len(3, 3), 23);
        assert!(FrameIv::checked(&FrameIv::for_seq(7).0, 7, "f").is_ok());
        assert!(FrameIv::checked(&FrameIv::for_seq(7).0, 8, "f").is_err());
        let aad = body_aad(&[1; 16], BodyKind::FinalFrame, 2, 5);
        assert_eq!(aad.len(), 16 + 34 + 12);
    }
}
