//! JS bindings of streaming decryption: `DecryptStream` (under the TS layer's `decryptStream`).

use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;

use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::args::{self, Options, STREAM_OPTIONS};
use super::convert::header_to_js;
use super::decrypt::{keyed_frames, push_until};
use super::engine::{JsEngine, Output, Plaintext};
use super::feed::{Feed, FeedState};
use super::signature::StreamSignature;
use super::webcrypto;
use crate::envelope::decrypt::{unit_name, Decryptor, SealedFrame};
use crate::envelope::frames::FrameLoop;
use crate::envelope::keys::DataKey;
use crate::err;
use crate::error::{Error, Result};

/// A stream hands out each frame's plaintext buffer as is when frames average at least this
/// many bytes (no copy into one buffer per push); smaller frames are gathered into one chunk.
const DIRECT_FRAMES: usize = 16 << 10;

struct StreamState {
    dec: Decryptor,
    opts: Options,
    /// The frame loop, keyed once the header verified.
    frames: Option<FrameLoop<JsEngine>>,
    /// The sealed bytes of the frame in progress that arrived in earlier pushes (frames that
    /// lie whole in a push are opened from views of it).
    carry: Carry,
    /// How the unsigned pushes are read after the header ([`Feed`]: frame heads only).
    feed: FeedState,
    /// Signed suites: the hash of the signed bytes.
    signature: StreamSignature,
}

/// A streaming decryptor (the engine of `decryptStream`). `push(chunk)` resolves to the
/// plaintext of the frames whose tags verified; `finish()` rejects if the message is
/// incomplete or its signature does not verify. Plaintext already released from a signed
/// message is then unverified, so signed messages are refused (`SIGNED_MESSAGE_REFUSED`, when
/// the header arrives) unless `signedMessages: 'release-before-verify'` opts in.
#[wasm_bindgen]
pub struct DecryptStream {
    state: Rc<RefCell<Option<StreamState>>>,
}

#[wasm_bindgen]
impl DecryptStream {
    #[wasm_bindgen(constructor)]
    pub fn new(data_key: JsValue, options: JsValue) -> Result<DecryptStream, JsValue> {
        let data_key = args::bytes_arg(&data_key, "decryptStream: dataKey")?;
        let opts = Options::from_js(&options, STREAM_OPTIONS)?;
        // Frames are opened from the pushed chunks: the decryptor keeps no frame bytes, and
        // refuses units larger than the frame buffer limit at their head (the carry holds one).
        let mut dec = Decryptor::with_frame_ranges(opts.core.clone());
        // The signature is checked here, from a hash that can move to the Worker.
        dec.verify_signature_externally()?;
        dec.set_data_key_for_engine(DataKey::from_vec(data_key.to_vec()))?;
        Ok(DecryptStream {
            state: Rc::new(RefCell::new(Some(StreamState {
                dec,
                opts,
                frames: None,
                carry: Carry::new(),
                feed: FeedState::default(),
                signature: StreamSignature::Waiting,
            }))),
        })
    }

    /// Takes the next chunk of the message; resolves to an array of verified plaintext chunks.
    pub fn push(&self, chunk: JsValue) -> Promise {
        let state = self.state.clone();
        let chunk = args::bytes_arg(&chunk, "decryptStream: chunk");
        future_to_promise(async move {
            let chunk = chunk?;
            let mut guard = state.take().ok_or_else(|| {
                JsValue::from(err!(InvalidState, "stream already failed or finished"))
            })?;
            let r = stream_push(&mut guard, &chunk).await;
            if r.is_ok() {
                state.replace(Some(guard));
            }
            Ok(r?.into())
        })
    }

    /// Ends the input: rejects with TRUNCATED, SIGNATURE_INVALID... unless the message was whole.
    pub fn finish(&self) -> Result<(), JsValue> {
        let mut st = self.state.take().ok_or_else(|| {
            JsValue::from(err!(InvalidState, "stream already failed or finished"))
        })?;
        Ok(st.dec.finish()?)
    }

    /// The header as read, always `unauthenticated: true` (the TS layer does not expose it;
    /// plaintext released by `push` comes only after the header verified).
    pub fn header(&self) -> JsValue {
        match self
            .state
            .borrow()
            .as_ref()
            .and_then(|s| s.dec.unverified_header().cloned())
        {
            Some(h) => header_to_js(h.unverified()),
            None => JsValue::UNDEFINED,
        }
    }
}

async fn stream_push(st: &mut StreamState, js_chunk: &Uint8Array) -> Result<Array> {
    let out = Array::new();
    let mut js_chunk = &webcrypto::unshared(js_chunk.clone());
    // The header, up to its tag: the message's engine is keyed and checks it, then opens the
    // frames; this push goes on after the header.
    let after_header;
    if st.frames.is_none() {
        let used = push_until(&mut st.dec, js_chunk, Decryptor::header_tag_pending)?;
        if st.dec.header_tag_pending() {
            let key_len = st.dec.content_key().map_or(0, |k| k.expose().len());
            let webcrypto = st.opts.use_webcrypto(key_len)?;
            st.frames = Some(keyed_frames(&mut st.dec, webcrypto).await?);
            // Known from the verified header: an unsigned stream copies nothing into wasm
            // for its hash from here on, this push included.
            st.signature = StreamSignature::start(&st.dec).await?;
        }
        after_header = js_chunk.subarray(used, js_chunk.length());
        js_chunk = &after_header;
    }
    let chunk_start = st.dec.consumed();
    // Signed bytes are hashed here, so the decryptor is given every byte (copied into wasm
    // memory); otherwise only what it reads: the frame heads ([`Feed`] skips frame bytes).
    let copied = match st.signature {
        StreamSignature::Done => None,
        _ => Some(js_chunk.to_vec()),
    };
    let (frames, later_error) = match &copied {
        Some(chunk) => take_all(&mut st.dec, chunk),
        None => take_read(&mut st.dec, js_chunk, &mut st.feed),
    };
    if let Some(e) = later_error {
        // An error later in the chunk (e.g. the footer) is reported after the frames before
        // it were tried, releasing nothing, so the first failure in the message is the one
        // reported.
        open_push_frames(st, js_chunk, chunk_start, frames, None).await?;
        return Err(e);
    }
    // The signed bytes go to the hash before the frames are opened: a Worker hashes them
    // meanwhile.
    if let Some(chunk) = &copied {
        st.signature
            .hash(&st.dec, chunk, js_chunk, chunk_start)
            .await?;
    }
    open_push_frames(st, js_chunk, chunk_start, frames, Some(&out)).await?;
    st.carry
        .keep(st.dec.sealed_range(), js_chunk, chunk_start)?;
    // The footer was read: its verdict before this push's plaintext is released.
    st.signature.check_footer(&mut st.dec).await?;
    Ok(out)
}

/// Pushes all of `chunk` into `dec`: the frames it completes, and the error that stopped it.
fn take_all(dec: &mut Decryptor, chunk: &[u8]) -> (Vec<SealedFrame>, Option<Error>) {
    let mut frames = Vec::new();
    let mut input = chunk;
    loop {
        let used = match dec.push(input) {
            Ok(used) => used,
            Err(e) => return (frames, Some(e)),
        };
        input = &input[used..];
        let before = frames.len();
        while let Some(f) = dec.next_frame() {
            frames.push(f);
        }
        if input.is_empty() {
            return (frames, None);
        }
        if used == 0 && frames.len() == before {
            let e = err!(
                InvalidState,
                "stream made no progress at byte {}",
                dec.consumed()
            );
            return (frames, Some(e));
        }
    }
}

/// Gives `dec` the bytes of `chunk` it reads, skipping the frame bytes it does not
/// ([`Feed`]): the frames it completes, and the error that stopped it.
fn take_read(
    dec: &mut Decryptor,
    chunk: &Uint8Array,
    state: &mut FeedState,
) -> (Vec<SealedFrame>, Option<Error>) {
    let mut frames = Vec::new();
    let mut feed = Feed::resume(chunk, std::mem::take(state));
    let error = loop {
        while let Some(f) = dec.next_frame() {
            frames.push(f);
        }
        match feed.push(dec) {
            Ok(true) => {}
            Ok(false) => break None,
            Err(e) => break Some(e),
        }
    };
    *state = feed.into_state();
    (frames, error)
}

/// The sealed bytes of the unit in progress that arrived in earlier pushes (from where its
/// ciphertext begins, [`Decryptor::sealed_range`], to the end of the last push), in one JS
/// buffer reused push after push. It grows to at most the largest frame, which the decryptor
/// bounds ([`Decryptor::with_frame_ranges`]), and at most twice what arrived.
struct Carry {
    buf: Uint8Array,
    /// The message offset of `buf[0]`.
    start: u64,
    len: u32,
}

impl Carry {
    fn new() -> Carry {
        Carry {
            buf: Uint8Array::new_with_length(0),
            start: 0,
            len: 0,
        }
    }

    fn end(&self) -> u64 {
        self.start + u64::from(self.len)
    }

    /// Appends `bytes` of a unit of `unit_len` sealed bytes that starts at `self.start`.
    fn append(&mut self, bytes: &Uint8Array, unit_len: u64) -> Result<()> {
        let need = self.len + bytes.length();
        if need > self.buf.length() {
            let unit_len = u32::try_from(unit_len)
                .map_err(|_| err!(LimitExceeded, "a frame of {unit_len} bytes exceeds 4 GiB"))?;
            let grown = Uint8Array::new_with_length(
                need.max(self.buf.length().saturating_mul(2))
                    .min(unit_len.max(need)),
            );
            grown.set(&self.buf.subarray(0, self.len), 0);
            self.buf = grown;
        }
        self.buf.set(bytes, self.len);
        self.len = need;
        Ok(())
    }

    /// The sealed bytes of `frame`, which began before `chunk` (the message from byte
    /// `chunk_start`) and ends in it: the bytes held and the start of `chunk`, and where the
    /// frame lies in them.
    fn complete(
        &mut self,
        frame: &SealedFrame,
        chunk: &Uint8Array,
        chunk_start: u64,
    ) -> Result<(Uint8Array, Range<u64>)> {
        let r = &frame.range;
        if self.end() != chunk_start || r.start != self.start || r.end < chunk_start {
            return Err(err!(
                InvalidState,
                "{}: its bytes before byte {chunk_start} are not held",
                unit_name(frame.kind, frame.seq)
            ));
        }
        self.append(
            &chunk.subarray(0, (r.end - chunk_start) as u32),
            r.end - r.start,
        )?;
        Ok((self.buf.subarray(0, self.len), 0..r.end - r.start))
    }

    /// After a push of `chunk` (the message from byte `chunk_start`): holds the bytes of the
    /// unit in progress (`unit`, where its sealed bytes lie) that arrived so far, or none.
    fn keep(
        &mut self,
        unit: Option<Range<u64>>,
        chunk: &Uint8Array,
        chunk_start: u64,
    ) -> Result<()> {
        let Some(unit) = unit else {
            self.len = 0;
            return Ok(());
        };
        let unit_len = unit.end - unit.start;
        if unit.start >= chunk_start {
            self.start = unit.start;
            self.len = 0;
            let from = (unit.start - chunk_start) as u32;
            return self.append(&chunk.subarray(from, chunk.length()), unit_len);
        }
        if self.start != unit.start || self.end() != chunk_start {
            return Err(err!(
                InvalidState,
                "the frame at byte {}: its bytes before byte {chunk_start} are not held",
                unit.start
            ));
        }
        self.append(chunk, unit_len)
    }
}

/// Opens the frames one push of `chunk` (the message from byte `chunk_start`) completed, from
/// views of `chunk` (a frame that began in an earlier push: from the [`Carry`]), and appends
/// their plaintext to `out`; without `out`, they are only tried (their plaintext wiped).
async fn open_push_frames(
    st: &mut StreamState,
    chunk: &Uint8Array,
    chunk_start: u64,
    frames: Vec<SealedFrame>,
    out: Option<&Array>,
) -> Result<()> {
    if frames.is_empty() {
        return Ok(());
    }
    let lp = st
        .frames
        .as_mut()
        .ok_or_else(|| err!(InvalidState, "frame before the header was verified"))?;
    let plaintext_len: u64 = frames.iter().map(|f| f.plaintext_len).sum();
    let mut plaintext = match out {
        // Large frames: each frame's plaintext goes out as its own buffer.
        Some(out) if plaintext_len >= (DIRECT_FRAMES * frames.len()) as u64 => {
            Plaintext::Pieces(out.clone())
        }
        _ => Plaintext::Buffer(Output::with_len(plaintext_len as u32)),
    };
    let mut dec = out.is_some().then_some(&mut st.dec);
    let mut rest = &frames[..];
    if let Some(first) = frames.first().filter(|f| f.range.start < chunk_start) {
        let (source, range) = st.carry.complete(first, chunk, chunk_start)?;
        lp.queue(first, range);
        lp.open(&source, &mut plaintext, dec.as_deref_mut()).await?;
        rest = &frames[1..];
    }
    if !rest.is_empty() {
        for f in rest {
            lp.queue(f, f.range.start - chunk_start..f.range.end - chunk_start);
        }
        lp.open(chunk, &mut plaintext, dec).await?;
    }
    if let Plaintext::Buffer(plaintext) = plaintext {
        match out {
            Some(out) => {
                out.push(&plaintext.into_plaintext());
            }
            None => plaintext.wipe(),
        }
    }
    Ok(())
}
