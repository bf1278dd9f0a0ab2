//! JS bindings of streaming decryption: `DecryptStream` (under the TS layer's `decryptStream`).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::args::{self, Options, STREAM_OPTIONS};
use super::convert::header_to_js;
use super::engine::{queue_copies, sealed_len, JsEngine, Output, Plaintext};
use super::hash_worker::StreamHash;
use crate::envelope::decrypt::{Decryptor, SealedFrame};
use crate::envelope::frames::FrameLoop;
use crate::envelope::keys::DataKey;
use crate::envelope::suite::Signature;
use crate::err;
use crate::error::Result;

/// A stream hands out each frame's plaintext buffer as is when frames average at least this
/// many bytes (no copy into one buffer per push); smaller frames are gathered into one chunk.
const DIRECT_FRAMES: usize = 16 << 10;

struct StreamState {
    dec: Decryptor,
    opts: Options,
    /// The frame loop, keyed once the header verified.
    frames: Option<FrameLoop<JsEngine>>,
    /// The JS buffer the engine reads each push's sealed frames from, reused push after push
    /// (grown when a push holds more): a fresh one per push was garbage for the collector.
    sealed: Uint8Array,
    /// Signed suites: the hash of the signed bytes.
    hash: SignedHash,
}

/// Where a stream's signature hash is.
enum SignedHash {
    /// The header is not verified yet.
    Waiting,
    /// From the verified header on (`StreamHash`: moved to the Worker for long streams).
    Hashing(StreamHash),
    /// The footer's signature was checked, or the suite is unsigned.
    Done,
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
        let mut dec = Decryptor::new(opts.core.clone());
        // The signature is checked here, from a hash that can move to the Worker.
        dec.verify_signature_externally()?;
        dec.set_data_key(DataKey::from_vec(data_key.to_vec()))?;
        Ok(DecryptStream {
            state: Rc::new(RefCell::new(Some(StreamState {
                dec,
                opts,
                frames: None,
                sealed: Uint8Array::new_with_length(0),
                hash: SignedHash::Waiting,
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
            let r = stream_push(&mut guard, &chunk, chunk.to_vec()).await;
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

async fn stream_push(st: &mut StreamState, js_chunk: &Uint8Array, chunk: Vec<u8>) -> Result<Array> {
    let out = Array::new();
    let chunk_start = st.dec.consumed();
    // Every frame this chunk completes, then one batch for all of them.
    let mut frames = Vec::new();
    let mut input = &chunk[..];
    // An error later in the chunk (e.g. the footer) is reported after the frames before it
    // were tried, so the first failure in the message is the one reported.
    let mut later_error = None;
    loop {
        let used = match st.dec.push(input) {
            Ok(used) => used,
            Err(e) => {
                later_error = Some(e);
                break;
            }
        };
        input = &input[used..];
        let before = frames.len();
        while let Some(f) = st.dec.next_frame() {
            frames.push(f);
        }
        if input.is_empty() {
            break;
        }
        if used == 0 && frames.len() == before {
            later_error = Some(err!(
                InvalidState,
                "stream made no progress at byte {}",
                st.dec.consumed()
            ));
            break;
        }
    }
    if let Some(e) = later_error {
        if !frames.is_empty() {
            // Try the frames (the rust engine: no plaintext is released here).
            let cipher = st.dec.cipher()?;
            for f in frames {
                f.open(&cipher)?;
            }
        }
        return Err(e);
    }
    if st.frames.is_none() {
        if let Some(key) = st.dec.content_key() {
            let webcrypto = st.opts.use_webcrypto(key.expose().len())?;
            st.frames = Some(FrameLoop::new(JsEngine::keyed(key, webcrypto).await?));
        }
    }
    // The signed bytes go to the hash before the frames are opened: a Worker hashes them
    // meanwhile.
    hash_signed(st, &chunk, js_chunk, chunk_start).await?;
    open_stream_frames(st, frames, &out).await?;
    // The footer was read: its verdict before this push's plaintext is released.
    if st.dec.external_signature().is_some() {
        let SignedHash::Hashing(hash) = std::mem::replace(&mut st.hash, SignedHash::Done) else {
            return Err(err!(
                InvalidState,
                "footer of a message that was not hashed"
            ));
        };
        let digest = hash.finish().await?;
        let valid = st
            .dec
            .external_signature()
            .is_some_and(|sig| sig.key.verify_prehash(&digest, sig.der).is_ok());
        st.dec.signature_checked(valid)?;
    }
    Ok(out)
}

/// Gives the signed bytes this push consumed (`chunk` holds the message from byte
/// `chunk_start`) to the stream's signature hash, which starts with the verified header.
async fn hash_signed(
    st: &mut StreamState,
    chunk: &[u8],
    js_chunk: &Uint8Array,
    chunk_start: u64,
) -> Result<()> {
    if let SignedHash::Waiting = st.hash {
        let Some(header) = st.dec.verified_header() else {
            return Ok(());
        };
        let signature = header.info().suite.signature;
        if signature == Signature::None {
            st.hash = SignedHash::Done;
            return Ok(());
        }
        let mut hash = StreamHash::new(signature);
        let bytes = header.bytes();
        hash.update(bytes, &Uint8Array::from(bytes)).await?;
        st.hash = SignedHash::Hashing(hash);
    }
    let SignedHash::Hashing(hash) = &mut st.hash else {
        return Ok(());
    };
    let consumed = st.dec.consumed();
    let end = st.dec.signed_len().map_or(consumed, |s| s.min(consumed));
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

/// Opens the frames one push completed and appends their plaintext to `out`: copied back to
/// back into one JS buffer, opened together by the frame loop.
async fn open_stream_frames(
    st: &mut StreamState,
    frames: Vec<SealedFrame>,
    out: &Array,
) -> Result<()> {
    if frames.is_empty() {
        return Ok(());
    }
    let lp = st
        .frames
        .as_mut()
        .ok_or_else(|| err!(InvalidState, "frame before the header was verified"))?;
    let total = sealed_len(&frames);
    if (st.sealed.length() as usize) < total {
        st.sealed = Uint8Array::new_with_length(total.max(2 << 20) as u32);
    }
    let source = st.sealed.subarray(0, total as u32);
    queue_copies(lp, &frames, &source);
    let batch = lp.queued();
    if batch.plaintext_len() >= (DIRECT_FRAMES * batch.len()) as u64 {
        // Large frames: each frame's plaintext goes out as its own buffer.
        let mut pieces = Plaintext::Pieces(out.clone());
        lp.open(&source, &mut pieces, Some(&mut st.dec)).await
    } else {
        let mut plaintext = Plaintext::Buffer(Output::with_len(batch.plaintext_len() as u32));
        lp.open(&source, &mut plaintext, Some(&mut st.dec)).await?;
        if let Plaintext::Buffer(plaintext) = plaintext {
            out.push(&plaintext.into_plaintext());
        }
        Ok(())
    }
}
