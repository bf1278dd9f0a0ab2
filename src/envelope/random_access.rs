//! Random access: decrypt plaintext `[offset, offset + len)` of a message by fetching and
//! authenticating only the frames that cover it (e.g. HTTP `Range` requests on a pre-signed
//! URL), so a player can seek in a two-hour recording without downloading it.
//!
//! # Protocol (sans-IO, so the wasm layer can drive it with `fetch` and WebCrypto)
//!
//! 1. Fetch the first bytes and parse the header ([`UnverifiedHeader::parse`]; on `TRUNCATED`
//!    fetch more), get the data key, then [`RandomAccess::new`] verifies the header.
//! 2. [`RandomAccess::tail_range`]`(total_size)` → fetch those bytes →
//!    [`RandomAccess::locate_end`] finds and **opens** the final frame: the plaintext length is
//!    then authenticated ([`RandomAccess::plaintext_len`]).
//! 3. [`RandomAccess::plan`]`(offset, len)` → the frames to fetch ([`FrameFetch`]: frame number,
//!    byte range, plaintext range) → for each, [`RandomAccess::seal`] (→ a [`SealedFrame`] for
//!    an external engine) or [`RandomAccess::open_frame`] (pure Rust) → slice the plaintext.
//!
//! With an engine of the caller's (WebCrypto): [`RandomAccess::begin`], the header tag checked by
//! that engine ([`HeaderCheck::complete`]), [`RandomAccess::verified`], then
//! [`RandomAccess::locate_end_with`].
//!
//! [`RandomAccessReader`] does all of this over an asynchronous [`RangeSource`] (the wasm layer's
//! awaits the caller's JavaScript `read`); [`read_header`] is step 1's reading, on its own.
//!
//! # What is verified before the whole message is seen
//!
//! - Verified: the key commitment (v2) and the header authentication tag; for every frame
//!   returned, its AES-GCM tag, which binds the message id, the frame's sequence number, whether
//!   it is a regular or the final frame and its length — so a frame cannot be moved, swapped with
//!   another message's frame, or cut; the final frame, opened in step 2, which authenticates the
//!   plaintext length, i.e. the message cannot have been truncated or extended by whole frames
//!   without that being detected.
//! - **Not** verified: the footer signature of signed suites (the header parser requires the
//!   verification key to decode, for every API, but the signature covers every byte of the
//!   message; only a full decrypt checks it — random access plaintext of a signed message is
//!   frame-authenticated only, so anyone holding the data key could have produced it: signed
//!   messages are refused unless the options opt in with
//!   [`SignedMessages::ReleaseBeforeVerify`]); frames that were not fetched;
//!   bytes after the footer (`TRAILING_BYTES` is not detected); that the object did not change
//!   between two range requests (pin it, e.g. with `If-Match: <ETag>`).

use std::future::Future;
use std::ops::Range;

use crate::engine::{FrameEngine, RustAesGcm};
use crate::envelope::body::{
    body_aad, BodyKind, FrameIv, FrameLayout, FINAL_FRAME_MARKER, FINAL_FRAME_OVERHEAD,
    MAX_NON_FRAMED_LEN,
};
use crate::envelope::decrypt::{unit_name, DecryptOptions, Release, SealedFrame};
use crate::envelope::header::{
    ContentType, HeaderInfo, HeaderParser, UnverifiedHeader, VerifiedHeader,
};
use crate::envelope::keys::{verify_with_rust, ContentKey, DataKey, HeaderCheck};
use crate::envelope::suite::{Signature, IV_LEN, TAG_LEN};
use crate::err;
use crate::error::{ErrorCode, Result};

/// Largest DER ECDSA signature: P-256 72 bytes, P-384 104 bytes.
fn max_der_len(sig: Signature) -> u64 {
    match sig {
        Signature::None => 0,
        Signature::EcdsaP256Sha256 => 72,
        Signature::EcdsaP384Sha384 => 104,
    }
}

/// Candidate footer lengths of a message of `total_size` bytes whose bytes from `tail_start` on
/// are `tail`: 0 for unsigned suites, else `2 + s` for each DER length `s` that the u16 before
/// the last `s` bytes states (the footer is u16 length ‖ signature, spec "Footer").
pub(crate) fn footer_candidates(
    sig: Signature,
    total_size: u64,
    tail_start: u64,
    tail: &[u8],
) -> Vec<u64> {
    if sig == Signature::None {
        return vec![0];
    }
    (8..=max_der_len(sig))
        .filter(|&s| {
            let Some(at) = total_size.checked_sub(2 + s).filter(|at| *at >= tail_start) else {
                return false;
            };
            let i = (at - tail_start) as usize;
            tail.get(i..i + 2)
                .is_some_and(|b| u64::from(u16::from_be_bytes([b[0], b[1]])) == s)
        })
        .map(|s| 2 + s)
        .collect()
}

/// Bytes at the end of a message that [`plaintext_len_hint`] reads.
pub const HINT_TAIL_BYTES: u64 = 2 + 104;

/// The plaintext length of a message of `total_size` bytes with header `info`, from its layout
/// and the footer's length field in `tail` (its last [`HINT_TAIL_BYTES`] bytes or all of it):
/// **unauthenticated**, a size to allocate before decrypting, not a fact. `None` when the
/// bytes fit no layout or more than one.
pub fn plaintext_len_hint(info: &HeaderInfo, total_size: u64, tail: &[u8]) -> Option<u64> {
    let tail_start = total_size.checked_sub(tail.len() as u64)?;
    let header_len = info.header_len as u64;
    let mut fits = footer_candidates(info.suite.signature, total_size, tail_start, tail)
        .into_iter()
        .filter_map(|footer| {
            let body_len = total_size.checked_sub(footer)?.checked_sub(header_len)?;
            match info.content_type {
                ContentType::Framed => {
                    let layout = FrameLayout::new(header_len, info.frame_length).ok()?;
                    let (seq, len) = layout.final_frame_from_body_len(body_len).ok()?;
                    Some(layout.plaintext_len(seq, len))
                }
                ContentType::NonFramed => body_len.checked_sub(IV_LEN as u64 + 8 + TAG_LEN as u64),
            }
        });
    let first = fits.next()?;
    fits.next().is_none().then_some(first)
}

/// One frame to fetch: its number, its bytes in the message, the plaintext it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameFetch {
    /// Frame number (1-based; 1 for the non-framed block).
    pub seq: u32,
    /// Regular frame, final frame or single block.
    pub kind: BodyKind,
    /// Byte range to fetch (absolute offsets in the message).
    pub range: Range<u64>,
    /// Plaintext bytes this frame decrypts to (absolute plaintext offsets).
    pub plaintext: Range<u64>,
}

/// Where the message ends (authenticated by opening the final frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct End {
    final_seq: u32,
    final_len: u64,
    plaintext_len: u64,
}

/// Authenticated random access over one message. See the [module documentation](self).
#[derive(Debug)]
pub struct RandomAccess {
    header: VerifiedHeader,
    key: ContentKey,
    end: Option<End>,
    /// [`DecryptOptions::max_frame_buffer`]: a non-framed body is fetched and held whole.
    max_block: u64,
}

impl RandomAccess {
    /// Verifies `header` with `data_key` (commitment, header tag), then the expected context;
    /// refuses signed suites unless `opts.signed_messages` is
    /// [`SignedMessages::ReleaseBeforeVerify`](crate::envelope::SignedMessages::ReleaseBeforeVerify)
    /// (random access never checks the signature).
    pub fn new(
        header: UnverifiedHeader,
        data_key: &DataKey,
        opts: &DecryptOptions,
    ) -> Result<Self> {
        let (header, key) = verify_with_rust(Self::begin(header, data_key, opts)?)?;
        Ok(RandomAccess::verified(header, key, opts))
    }

    /// Refuses signed suites as [`RandomAccess::new`] does, derives the content key and checks
    /// the key commitment: the header tag is then checked by the message's engine
    /// ([`HeaderCheck::complete`]), and [`RandomAccess::verified`] takes the verified header.
    pub fn begin(
        header: UnverifiedHeader,
        data_key: &DataKey,
        opts: &DecryptOptions,
    ) -> Result<HeaderCheck> {
        opts.signed_messages
            .admit(&header.unverified().suite, Release::WithoutSignature)?;
        HeaderCheck::begin(header, data_key, &opts.expected_context)
    }

    /// Random access over a header [`HeaderCheck::complete`] verified, with its content key.
    pub fn verified(header: VerifiedHeader, key: ContentKey, opts: &DecryptOptions) -> Self {
        RandomAccess {
            header,
            key,
            end: None,
            max_block: opts.max_frame_buffer,
        }
    }

    /// The verified header.
    pub fn header(&self) -> &VerifiedHeader {
        &self.header
    }

    /// The content key, for an external engine.
    pub fn content_key(&self) -> &ContentKey {
        &self.key
    }

    /// The pure-Rust engine keyed with the content key.
    fn rust(&self) -> Result<RustAesGcm> {
        RustAesGcm::new(self.key.expose())
    }

    /// The authenticated plaintext length, once [`RandomAccess::locate_end`] succeeded.
    pub fn plaintext_len(&self) -> Option<u64> {
        self.end.map(|e| e.plaintext_len)
    }

    fn header_len(&self) -> u64 {
        self.header.info().header_len as u64
    }

    fn layout(&self) -> Result<Option<FrameLayout>> {
        let info = self.header.info();
        match info.content_type {
            ContentType::Framed => Ok(Some(FrameLayout::new(
                self.header_len(),
                info.frame_length,
            )?)),
            ContentType::NonFramed => Ok(None),
        }
    }

    /// The byte range to fetch so [`RandomAccess::locate_end`] can find the final frame, given
    /// the total size of the message: the largest possible final frame plus footer (framed) or
    /// the whole body (non-framed).
    pub fn tail_range(&self, total_size: u64) -> Result<Range<u64>> {
        let hl = self.header_len();
        if total_size <= hl {
            return Err(err!(
                Truncated,
                "message of {total_size} bytes has no body after its {hl}-byte header"
            ));
        }
        match self.layout()? {
            None if total_size - hl > self.max_block => Err(err!(
                LimitExceeded,
                "non-framed body of {} bytes exceeds the {} byte block limit (random access \
                 fetches a non-framed body whole, for every read)",
                total_size - hl,
                self.max_block
            )),
            None => Ok(hl..total_size),
            Some(l) => {
                let footer = if self.header.info().suite.is_signed() {
                    2 + max_der_len(self.header.info().suite.signature)
                } else {
                    0
                };
                let want = FINAL_FRAME_OVERHEAD + l.frame_len as u64 + footer;
                let tail = total_size.saturating_sub(want).max(hl)..total_size;
                // The tail holds the final frame, which is opened from one buffer.
                if tail.end - tail.start > self.max_block + FINAL_FRAME_OVERHEAD + footer {
                    return Err(err!(
                        LimitExceeded,
                        "locating the final frame means fetching {} bytes (frame length {}), \
                         more than the {} byte frame buffer limit",
                        tail.end - tail.start,
                        l.frame_len,
                        self.max_block
                    ));
                }
                Ok(tail)
            }
        }
    }

    /// Finds the final frame in `tail` (the bytes of [`RandomAccess::tail_range`]) and opens it
    /// with the pure-Rust engine, which authenticates the plaintext length; returns it.
    pub fn locate_end(&mut self, total_size: u64, tail: &[u8]) -> Result<u64> {
        let found = run_ready(self.find_end(total_size, tail, &self.rust()?))
            .unwrap_or_else(|| Err(err!(InvalidState, "the Rust engine waited")));
        self.end_found(found?)
    }

    /// [`RandomAccess::locate_end`] with the message's engine (keyed with
    /// [`RandomAccess::content_key`]).
    pub async fn locate_end_with<E: FrameEngine>(
        &mut self,
        total_size: u64,
        tail: &[u8],
        engine: &E,
    ) -> Result<u64> {
        let found = self.find_end(total_size, tail, engine).await?;
        self.end_found(found)
    }

    fn end_found(&mut self, end: End) -> Result<u64> {
        self.check_frame_buffer(&end)?;
        self.end = Some(end);
        Ok(end.plaintext_len)
    }

    /// The end of the message whose final frame `engine` authenticates in `tail`.
    async fn find_end<E: FrameEngine>(
        &self,
        total_size: u64,
        tail: &[u8],
        engine: &E,
    ) -> Result<End> {
        let want = self.tail_range(total_size)?;
        if tail.len() as u64 != want.end - want.start {
            return Err(err!(
                InvalidArgument,
                "tail of {} bytes, expected {} (range {:?})",
                tail.len(),
                want.end - want.start,
                want
            ));
        }
        let tail_start = want.start;
        let info = self.header.info();
        let footers = footer_candidates(info.suite.signature, total_size, tail_start, tail);
        let mut last_err = err!(
            MalformedBody,
            "no final frame found at the end of the {total_size}-byte message"
        );
        for footer in footers {
            let body_end = total_size - footer;
            let body_len = body_end.saturating_sub(self.header_len());
            let fetch = match self.layout()? {
                Some(l) => match l.final_frame_from_body_len(body_len) {
                    Ok((seq, len)) => FrameFetch {
                        seq,
                        kind: BodyKind::FinalFrame,
                        range: l.final_frame_range(seq, len)?,
                        plaintext: l.plaintext_start(seq)..l.plaintext_len(seq, len),
                    },
                    Err(e) => {
                        last_err = e;
                        continue;
                    }
                },
                None => {
                    let Some(len) = body_len.checked_sub(IV_LEN as u64 + 8 + TAG_LEN as u64) else {
                        last_err = err!(
                            Truncated,
                            "non-framed body of {body_len} bytes is too short"
                        );
                        continue;
                    };
                    FrameFetch {
                        seq: 1,
                        kind: BodyKind::SingleBlock,
                        range: self.header_len()..body_end,
                        plaintext: 0..len,
                    }
                }
            };
            if fetch.range.start < tail_start || fetch.range.end != body_end {
                continue;
            }
            let bytes = &tail[(fetch.range.start - tail_start) as usize
                ..(fetch.range.end - tail_start) as usize];
            let final_len = fetch.plaintext.end - fetch.plaintext.start;
            let end = End {
                final_seq: fetch.seq,
                final_len,
                plaintext_len: fetch.plaintext.end,
            };
            let opened = match self.seal_with_end(&fetch, bytes, Some(end)) {
                Ok(f) => {
                    let what = unit_name(f.kind, f.seq);
                    engine
                        .authenticate(f.iv.bytes(), &f.aad, f.ciphertext_and_tag(), &what)
                        .await
                }
                Err(e) => Err(e),
            };
            match opened {
                Ok(()) => return Ok(end),
                Err(e) => last_err = e,
            }
        }
        Err(last_err)
    }

    /// `LIMIT_EXCEEDED` if a frame this message has (its regular frames, if any, and its final
    /// frame) exceeds the frame buffer limit: a read opens each frame from one buffer. Checked
    /// on the frames the message has, not on the header's frame length alone, so a short
    /// message written with a large frame length (only a final frame) is read.
    fn check_frame_buffer(&self, end: &End) -> Result<()> {
        let Some(l) = self.layout()? else {
            return Ok(()); // non-framed: bounded in `tail_range`
        };
        let tag = TAG_LEN as u64;
        let (what, len) = if end.final_seq > 1 && l.frame_len as u64 + tag > self.max_block {
            ("regular frames", l.frame_len as u64)
        } else if end.final_len + tag > self.max_block {
            ("the final frame", end.final_len)
        } else {
            return Ok(());
        };
        Err(err!(
            LimitExceeded,
            "{what} of {len} bytes exceed the {} byte frame buffer limit",
            self.max_block
        ))
    }

    /// The frames covering plaintext `[offset, offset + len)` (empty if `len` is 0).
    /// Requires [`RandomAccess::locate_end`]; `INVALID_ARGUMENT` if the range passes the end.
    pub fn plan(&self, offset: u64, len: u64) -> Result<Vec<FrameFetch>> {
        let end = self.end.ok_or_else(|| {
            err!(
                InvalidState,
                "locate the end of the message first (locate_end)"
            )
        })?;
        let stop = offset
            .checked_add(len)
            .ok_or_else(|| err!(InvalidArgument, "range overflows"))?;
        if stop > end.plaintext_len {
            return Err(err!(
                InvalidArgument,
                "range {offset}..{stop} is past the plaintext length {}",
                end.plaintext_len
            ));
        }
        if len == 0 {
            return Ok(Vec::new());
        }
        match self.layout()? {
            None => Ok(vec![FrameFetch {
                seq: 1,
                kind: BodyKind::SingleBlock,
                range: self.header_len()
                    ..self.header_len() + IV_LEN as u64 + 8 + end.plaintext_len + TAG_LEN as u64,
                plaintext: 0..end.plaintext_len,
            }]),
            Some(l) => {
                let mut out = Vec::new();
                for k in l.frames_covering(offset, len)? {
                    // a final frame of length 0 never covers a byte, so k <= final_seq
                    let fetch = if k == end.final_seq {
                        FrameFetch {
                            seq: k,
                            kind: BodyKind::FinalFrame,
                            range: l.final_frame_range(k, end.final_len as u32)?,
                            plaintext: l.plaintext_start(k)..end.plaintext_len,
                        }
                    } else {
                        FrameFetch {
                            seq: k,
                            kind: BodyKind::RegularFrame,
                            range: l.regular_frame_range(k)?,
                            plaintext: l.plaintext_start(k)
                                ..l.plaintext_start(k) + l.frame_len as u64,
                        }
                    };
                    out.push(fetch);
                }
                Ok(out)
            }
        }
    }

    /// Checks a fetched frame's fields (sequence number, IV, final marker and length) and
    /// returns it sealed, for an external engine ([`SealedFrame::ciphertext_and_tag`], IV, AAD,
    /// key = [`RandomAccess::content_key`]).
    pub fn seal(&self, fetch: &FrameFetch, bytes: &[u8]) -> Result<SealedFrame> {
        self.seal_with_end(fetch, bytes, self.end)
    }

    fn seal_with_end(
        &self,
        fetch: &FrameFetch,
        bytes: &[u8],
        end: Option<End>,
    ) -> Result<SealedFrame> {
        let what = format!(
            "{} at byte {}",
            unit_name(fetch.kind, fetch.seq),
            fetch.range.start
        );
        // A fetch may come back from JavaScript: check that its range and plaintext range are
        // consistent with each other and with the frame kind before indexing into `bytes`.
        let want = fetch.range.end.checked_sub(fetch.range.start);
        let plen = fetch.plaintext.end.checked_sub(fetch.plaintext.start);
        let head: u64 = match fetch.kind {
            BodyKind::RegularFrame => 16,
            BodyKind::FinalFrame => 24,
            BodyKind::SingleBlock => 20,
        };
        let (Some(want), Some(plen)) = (want, plen) else {
            return Err(err!(
                InvalidArgument,
                "{what}: reversed byte or plaintext range"
            ));
        };
        if plen.checked_add(head + TAG_LEN as u64) != Some(want) {
            return Err(err!(
                InvalidArgument,
                "{what}: a range of {want} bytes cannot hold {plen} bytes of plaintext"
            ));
        }
        if bytes.len() as u64 != want {
            let code = if (bytes.len() as u64) < want {
                ErrorCode::Truncated
            } else {
                ErrorCode::InvalidArgument
            };
            return Err(crate::Error::new(
                code,
                format!("{what}: got {} bytes, expected {}", bytes.len(), want),
            ));
        }
        let end = end.ok_or_else(|| err!(InvalidState, "locate the end of the message first"))?;
        let be32 =
            |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let (iv_at, ct_at) = match fetch.kind {
            BodyKind::RegularFrame => {
                if be32(0) != fetch.seq {
                    return Err(err!(
                        MalformedBody,
                        "{what}: sequence number {}, expected {}",
                        be32(0),
                        fetch.seq
                    ));
                }
                (4, 16)
            }
            BodyKind::FinalFrame => {
                if be32(0) != FINAL_FRAME_MARKER || be32(4) != fetch.seq {
                    return Err(err!(
                        MalformedBody,
                        "{what}: expected the final frame (marker ffffffff, sequence number {}), \
                         found {:08x} {:08x}: the message was cut or extended, or its size is wrong",
                        fetch.seq,
                        be32(0),
                        be32(4)
                    ));
                }
                if be32(20) as u64 != end.final_len || end.final_seq != fetch.seq {
                    return Err(err!(
                        MalformedBody,
                        "{what}: content length {} does not match the message size",
                        be32(20)
                    ));
                }
                (8, 24)
            }
            BodyKind::SingleBlock => {
                let mut l = [0u8; 8];
                l.copy_from_slice(&bytes[12..20]);
                let l = u64::from_be_bytes(l);
                if l != end.plaintext_len || l > MAX_NON_FRAMED_LEN {
                    return Err(err!(
                        MalformedBody,
                        "{what}: content length {l} does not match the message size"
                    ));
                }
                (0, 20)
            }
        };
        let iv = FrameIv::checked(&bytes[iv_at..iv_at + IV_LEN], fetch.seq, &what)?;
        let aad = body_aad(&self.header.info().message_id, fetch.kind, fetch.seq, plen);
        Ok(SealedFrame::from_parts(
            fetch.seq,
            fetch.kind,
            iv,
            aad,
            plen,
            fetch.range.start + ct_at as u64..fetch.range.end,
            bytes[ct_at..].to_vec(),
        ))
    }

    /// Opens a fetched frame with the pure-Rust engine (keyed for this frame; a reader keys its
    /// engine once: [`RandomAccessReader`]); returns its whole plaintext
    /// (`fetch.plaintext` says which plaintext bytes it holds).
    pub fn open_frame(&self, fetch: &FrameFetch, bytes: &[u8]) -> Result<Vec<u8>> {
        self.seal(fetch, bytes)?.open(&self.rust()?)
    }
}

/// Bytes read first to find a header: a header with a few KMS data keys fits. A longer header
/// is read in steps of 4x what was read, up to [`DecryptOptions::max_header_len`], the one limit
/// on a header's size.
pub const HEADER_PROBE: u64 = 4096;

/// A source of byte ranges of one object (an HTTP client with `Range`, a file, a buffer).
pub trait RangeSource {
    /// Total size of the object in bytes.
    fn size(&self) -> u64;
    /// Bytes `[range.start, range.end)` (never past [`RangeSource::size`]): exactly that many, or
    /// the read fails with `INVALID_ARGUMENT`.
    fn read(&self, range: Range<u64>) -> impl Future<Output = Result<Vec<u8>>>;
}

impl RangeSource for &[u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }
    async fn read(&self, range: Range<u64>) -> Result<Vec<u8>> {
        let bytes = usize::try_from(range.start)
            .ok()
            .zip(usize::try_from(range.end).ok())
            .and_then(|(s, e)| self.get(s..e));
        bytes.map(<[u8]>::to_vec).ok_or_else(|| {
            err!(
                InvalidArgument,
                "bytes {range:?} are outside the {}-byte buffer",
                self.len()
            )
        })
    }
}

/// The output of `future` if it ends without waiting, as one over a [`RangeSource`] whose reads
/// are ready at once (memory, a file read in place) does; `None` if it waited (a source that
/// really waits needs an executor).
pub fn run_ready<F: Future>(future: F) -> Option<F::Output> {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match std::pin::pin!(future).poll(&mut cx) {
        std::task::Poll::Ready(v) => Some(v),
        std::task::Poll::Pending => None,
    }
}

/// `source.read(range)`, checked to be exactly the bytes asked for: a short or long answer is
/// `INVALID_ARGUMENT`, never asked for again or misread.
pub(crate) async fn read_exactly<S: RangeSource>(source: &S, range: Range<u64>) -> Result<Vec<u8>> {
    let want = range.end - range.start;
    let start = range.start;
    let bytes = source.read(range).await?;
    if bytes.len() as u64 != want {
        return Err(err!(
            InvalidArgument,
            "source.read({start}, {want}) returned {} bytes",
            bytes.len()
        ));
    }
    Ok(bytes)
}

/// Reads a message's header from the start of `source`: [`HEADER_PROBE`] bytes, then 4x as many
/// each time the header goes on, never more than the header length limit allows. Applies the
/// checks that need no key (`opts.max_encrypted_data_keys`, `opts.max_header_len`,
/// `SignedMessages::Reject`); the result is **unauthenticated** until verified with the data key.
pub async fn read_header<S: RangeSource>(
    source: &S,
    opts: &DecryptOptions,
) -> Result<UnverifiedHeader> {
    let total = source.size();
    let mut parser = HeaderParser::new(opts.header_limits());
    // One byte past the limit is enough for the parser to say LIMIT_EXCEEDED.
    let most = total.min(opts.max_header_len as u64 + 1);
    let mut read = 0u64;
    let header = loop {
        let to = if read == 0 {
            HEADER_PROBE
        } else {
            read.saturating_mul(4)
        }
        .min(most);
        if to <= read {
            return Err(parser.truncated_error());
        }
        parser.push(&read_exactly(source, read..to).await?)?;
        read = to;
        if let Some(h) = parser.take()? {
            break h;
        }
    };
    opts.signed_messages
        .admit(&header.unverified().suite, Release::AfterSignature)?;
    Ok(header)
}

/// Random-access reader over a [`RangeSource`]: opening reads the header ([`read_header`]),
/// verifies it and locates the end with the message's engine `E` (keyed once, with the content
/// key); each read then fetches the frames covering it in one read.
#[derive(Debug)]
pub struct RandomAccessReader<S: RangeSource, E = RustAesGcm> {
    source: S,
    access: RandomAccess,
    engine: E,
}

impl<S: RangeSource> RandomAccessReader<S, RustAesGcm> {
    /// Reads and verifies the header with `data_key` (see [`RandomAccess::new`]), then fetches
    /// the tail and opens the final frame, which authenticates the plaintext length: with the
    /// pure-Rust engine.
    pub async fn open(source: S, data_key: &DataKey, opts: &DecryptOptions) -> Result<Self> {
        Self::open_with(source, data_key, opts, |key| {
            std::future::ready(RustAesGcm::new(key.expose()))
        })
        .await
    }

    /// Decrypts plaintext `[offset, offset + len)` with the pure-Rust engine, fetching and
    /// authenticating only the covering frames.
    pub async fn read(&self, offset: u64, len: u64) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        for (fetch, sealed) in self.fetch(offset, len).await? {
            let pt = zeroize::Zeroizing::new(sealed.open(&self.engine)?);
            let from = offset.max(fetch.plaintext.start) - fetch.plaintext.start;
            let to = (offset + len).min(fetch.plaintext.end) - fetch.plaintext.start;
            out.extend_from_slice(&pt[from as usize..to as usize]);
        }
        Ok(out)
    }
}

impl<S: RangeSource, E: FrameEngine> RandomAccessReader<S, E> {
    /// Reads the header, derives the content key and checks the key commitment
    /// ([`RandomAccess::begin`]), keys the message's engine with `keyed(content key)`, which then
    /// checks the header tag and opens the final frame (authenticating the plaintext length).
    pub async fn open_with<F, K>(
        source: S,
        data_key: &DataKey,
        opts: &DecryptOptions,
        keyed: F,
    ) -> Result<Self>
    where
        F: FnOnce(ContentKey) -> K,
        K: Future<Output = Result<E>>,
    {
        let total = source.size();
        if total > opts.max_message_len {
            return Err(err!(
                LimitExceeded,
                "the object is {total} bytes, more than the {} byte message length limit",
                opts.max_message_len
            ));
        }
        let header = read_header(&source, opts).await?;
        let check = RandomAccess::begin(header, data_key, opts)?;
        let engine = keyed(check.content_key().clone()).await?;
        let (header, key) = check.complete(&engine).await?;
        let mut access = RandomAccess::verified(header, key, opts);
        let tail_range = access.tail_range(total)?;
        let tail = read_exactly(&source, tail_range).await?;
        access.locate_end_with(total, &tail, &engine).await?;
        Ok(RandomAccessReader {
            source,
            access,
            engine,
        })
    }

    /// The message's engine, keyed with its content key.
    pub fn engine(&self) -> &E {
        &self.engine
    }

    /// The authenticated plaintext length.
    pub fn plaintext_len(&self) -> u64 {
        self.access.plaintext_len().unwrap_or(0)
    }

    /// The underlying [`RandomAccess`].
    pub fn access(&self) -> &RandomAccess {
        &self.access
    }

    /// Fetches the frames covering plaintext `[offset, offset + len)` (contiguous: one read of
    /// the source) and checks each frame's fields; an engine then opens them.
    pub async fn fetch(&self, offset: u64, len: u64) -> Result<Vec<(FrameFetch, SealedFrame)>> {
        let plan = self.access.plan(offset, len)?;
        let (Some(first), Some(last)) = (plan.first(), plan.last()) else {
            return Ok(Vec::new());
        };
        let span_start = first.range.start;
        let span = read_exactly(&self.source, span_start..last.range.end).await?;
        plan.into_iter()
            .map(|f| {
                let at = (f.range.start - span_start) as usize;
                let bytes = &span[at..at + (f.range.end - f.range.start) as usize];
                let sealed = self.access.seal(&f, bytes)?;
                Ok((f, sealed))
            })
            .collect()
    }
}
