//! The footer signature's hash, computed in a Worker while the page opens frames.
//!
//! Chromium runs each WebCrypto call synchronously on the thread that makes it (measured:
//! `crypto.subtle.verify` over 64 MiB returns its promise only after ~190 ms of work on the
//! page thread). A signed message's ECDSA check over the whole message therefore cannot
//! overlap the frames' AES-GCM calls on the page thread; a Worker can. `hash_worker.js` starts
//! one that instantiates this same wasm module and hashes the bytes the page posts to it; the
//! page then verifies the digest with the Rust curve code ([`VerificationKey::verify_prehash`]).
//!
//! The Worker instantiates the module without wasm-bindgen's JS glue, so the exports below take
//! and return integers only: a hasher is a slot number (from 1), its input buffer an address in
//! linear memory.
//!
//! [`VerificationKey::verify_prehash`]: crate::envelope::footer::VerificationKey::verify_prehash

use std::cell::RefCell;

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use sha2::{Digest, Sha256, Sha384};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::envelope::footer::MessageHasher;
use crate::envelope::suite::Signature;
use crate::err;
use crate::error::Result;

/// Bytes the Worker copies into a hasher's input buffer per update.
const INPUT_BYTES: usize = 1 << 20;

/// Signed messages at least this long are hashed in a Worker. Measured in Chromium (0578,
/// alternated pages): at 4 MiB the Worker was slower (47 vs 35 ms), at 8 MiB a tie, at 16 MiB
/// faster (132 vs 150 ms with 64 KiB frames, 201 vs 249 ms with 4 KiB), at 64 MiB 1.4x faster.
/// Starting the Worker adds ~50 ms to a page's first such decryption.
pub(crate) const MIN_MESSAGE_BYTES: usize = 16 << 20;

/// Message bytes posted to the Worker at once: the page opens the frames they hold while the
/// Worker hashes them (at most `AHEAD_BYTES` of `hash_worker.js`, 4 MiB, are copied ahead of
/// the hash). Messages whose frames are longer, or non-framed ones, are not hashed in the
/// Worker: one frame would then wait for the hash of most of the message.
pub(crate) const STEP_BYTES: u64 = 1 << 20;

struct Slot {
    hasher: MessageHasher,
    input: Box<[u8]>,
}

thread_local! {
    static SLOTS: RefCell<Vec<Option<Slot>>> = const { RefCell::new(Vec::new()) };
}

fn with_slot<T>(slot: u32, f: impl FnOnce(&mut Slot) -> T) -> Option<T> {
    SLOTS.with(|slots| {
        let mut slots = slots.borrow_mut();
        let i = (slot as usize).checked_sub(1)?;
        slots.get_mut(i)?.as_mut().map(f)
    })
}

/// A new hasher for SHA-256 (`bits` 256) or SHA-384 (384): its slot, or 0 for other `bits`.
#[no_mangle]
pub extern "C" fn callseal_hash_new(bits: u32) -> u32 {
    let hasher = match bits {
        256 => MessageHasher::Sha256(Sha256::new()),
        384 => MessageHasher::Sha384(Sha384::new()),
        _ => return 0,
    };
    let slot = Slot {
        hasher,
        input: vec![0u8; INPUT_BYTES].into_boxed_slice(),
    };
    SLOTS.with(|slots| {
        let mut slots = slots.borrow_mut();
        let i = match slots.iter().position(Option::is_none) {
            Some(i) => i,
            None => {
                slots.push(None);
                slots.len() - 1
            }
        };
        slots[i] = Some(slot);
        i as u32 + 1
    })
}

/// Address of the slot's input buffer (`INPUT_BYTES` long), 0 for an unknown slot.
#[no_mangle]
pub extern "C" fn callseal_hash_input(slot: u32) -> u32 {
    with_slot(slot, |s| s.input.as_ptr() as u32).unwrap_or(0)
}

/// Hashes the first `len` bytes of the input buffer: 1, or 0 for an unknown slot or length.
#[no_mangle]
pub extern "C" fn callseal_hash_update(slot: u32, len: u32) -> u32 {
    with_slot(slot, |s| match s.input.get(..len as usize) {
        Some(_) if matches!(s.hasher, MessageHasher::None) => 0, // finished
        Some(bytes) => {
            s.hasher.update(bytes);
            1
        }
        None => 0,
    })
    .unwrap_or(0)
}

/// Finishes the hash and writes the digest at the start of the input buffer: its length in
/// bytes (32 or 48), 0 for an unknown slot. The slot stays until [`callseal_hash_free`].
#[no_mangle]
pub extern "C" fn callseal_hash_finish(slot: u32) -> u32 {
    with_slot(slot, |s| {
        let digest = std::mem::replace(&mut s.hasher, MessageHasher::None).finalize();
        s.input[..digest.len()].copy_from_slice(&digest);
        digest.len() as u32
    })
    .unwrap_or(0)
}

/// Writes the hasher's state ([`MessageHasher::state`]) at the start of the input buffer: its
/// length in bytes, 0 for an unknown or finished slot.
#[no_mangle]
pub extern "C" fn callseal_hash_state(slot: u32) -> u32 {
    with_slot(slot, |s| {
        let state = s.hasher.state();
        s.input[..state.len()].copy_from_slice(&state);
        state.len() as u32
    })
    .unwrap_or(0)
}

/// Resumes the slot's hash from the state in the first `len` bytes of its input buffer (from
/// [`callseal_hash_state`] or [`MessageHasher::state`]): 1, or 0 if they are not a state of
/// this slot's hash.
#[no_mangle]
pub extern "C" fn callseal_hash_resume(slot: u32, len: u32) -> u32 {
    with_slot(slot, |s| {
        let signature = match s.hasher {
            MessageHasher::Sha256(_) => Signature::EcdsaP256Sha256,
            MessageHasher::Sha384(_) => Signature::EcdsaP384Sha384,
            MessageHasher::None => return 0,
        };
        let resumed = s
            .input
            .get(..len as usize)
            .and_then(|state| MessageHasher::from_state(signature, state));
        match resumed {
            Some(h) => {
                s.hasher = h;
                1
            }
            None => 0,
        }
    })
    .unwrap_or(0)
}

/// Releases a slot (unknown slots are ignored).
#[no_mangle]
pub extern "C" fn callseal_hash_free(slot: u32) {
    SLOTS.with(|slots| {
        if let Some(s) = (slot as usize)
            .checked_sub(1)
            .and_then(|i| slots.borrow_mut().get_mut(i).map(Option::take))
        {
            drop(s);
        }
    });
}

#[wasm_bindgen(module = "/src/wasm/hash_worker.js")]
extern "C" {
    /// The page's handle on one hash job in the Worker (see `hash_worker.js`).
    type HashJob;

    #[wasm_bindgen(js_name = startMessageHash)]
    fn start_message_hash(module: JsValue, bits: u32, options: JsValue) -> Option<HashJob>;

    #[wasm_bindgen(js_name = hashWorkerReady)]
    fn hash_worker_ready(module: JsValue) -> Promise;

    #[wasm_bindgen(method)]
    fn push(this: &HashJob, bytes: &Uint8Array) -> Promise;

    #[wasm_bindgen(method)]
    fn digest(this: &HashJob) -> Promise;

    #[wasm_bindgen(method)]
    fn cancel(this: &HashJob);

    /// `{ state: Uint8Array | null, kept: Uint8Array[] }`: see `Job.recover`.
    #[wasm_bindgen(method)]
    fn recover(this: &HashJob) -> JsValue;
}

/// A job in the Worker for `signature`'s hash (SHA-256 or SHA-384; `options`: see
/// `startMessageHash`), or `None` for unsigned suites and where there is no Worker.
fn start_job(signature: Signature, options: JsValue) -> Option<HashJob> {
    let bits = match signature.hash_len() {
        0 => return None,
        bytes => bytes as u32 * 8,
    };
    start_message_hash(wasm_bindgen::module(), bits, options)
}

/// A message being hashed in the Worker; cancelled on drop unless finished.
pub(crate) struct MessageHash(Option<HashJob>);

impl MessageHash {
    /// Starts hashing in the Worker for `signature`'s hash, or `None` if this environment has
    /// no Worker (Node) or it already failed in this page. A Worker that a content security
    /// policy refuses is refused after it was constructed: that shows in [`MessageHash::finish`].
    pub(crate) fn start(signature: Signature) -> Option<MessageHash> {
        start_job(signature, JsValue::UNDEFINED).map(|job| MessageHash(Some(job)))
    }

    /// Posts a copy of `bytes` (the next message bytes, in order) to the Worker; returns once
    /// the Worker is at most a few MiB behind (it waits for the Worker, not for a result). If
    /// posting fails the job is dropped, so [`MessageHash::finish`] gives `None`.
    pub(crate) async fn push(&mut self, bytes: &Uint8Array) {
        if let Some(job) = &self.0 {
            if JsFuture::from(job.push(bytes)).await.is_err() {
                if let Some(job) = self.0.take() {
                    job.cancel();
                }
            }
        }
    }

    /// The digest of everything pushed; `None` if the Worker failed (the caller then verifies
    /// another way).
    pub(crate) async fn finish(mut self) -> Option<Vec<u8>> {
        let job = self.0.take()?;
        let digest = JsFuture::from(job.digest()).await.ok()?;
        let digest = digest.dyn_into::<Uint8Array>().ok()?.to_vec();
        matches!(digest.len(), 32 | 48).then_some(digest)
    }
}

impl Drop for MessageHash {
    fn drop(&mut self) {
        if let Some(job) = self.0.take() {
            job.cancel();
        }
    }
}

/// A stream with at least this many signed bytes starts the Worker and moves its hash there once
/// the Worker is ready (a shorter stream never starts one). Measured against hashing on the
/// page (0578, 64 KiB frames, alternated pages, warm Worker): 64 MiB 308 vs 362 ms, 16 MiB 108
/// vs 140, 8 MiB a tie, 4 MiB 58 vs 47 (slower); moving at 8 MiB instead was slower for 16 and
/// 64 MiB (158 vs 121, 316 vs 274 ms).
const STREAM_SWITCH_BYTES: u64 = 1 << 20;

/// Bytes a stream posts ahead of the Worker's hash at most: it keeps a copy of them too. Half
/// of one-shot's 4 MiB: as fast (A/B, 0578 with 64 KiB frames: 280 and 313 ms against 327 and
/// 332 ms with 4 MiB) and 4 MiB less held.
const STREAM_AHEAD_BYTES: u32 = 2 << 20;

/// The footer signature's hash for a stream, which cannot go back for bytes it has passed on.
/// It starts on the page (in this wasm instance); past [`STREAM_SWITCH_BYTES`], once the Worker
/// is ready, it hands the Worker its state and posts it the rest. The page keeps a copy of the
/// bytes the Worker has not confirmed hashing, with the state the Worker last confirmed, so a
/// Worker that fails (an error, a stall, a policy that stops it) is replaced by the page's hash
/// from there: the digest is the same either way.
pub(crate) struct StreamHash {
    signature: Signature,
    at: HashAt,
    len: u64,
}

enum HashAt {
    Page(MessageHasher),
    Worker(HashJob),
}

impl StreamHash {
    pub(crate) fn new(signature: Signature) -> StreamHash {
        StreamHash {
            signature,
            at: HashAt::Page(MessageHasher::for_signature(signature)),
            len: 0,
        }
    }

    /// Hashes the next message bytes, given both in wasm memory and as a JS view of the same
    /// bytes (what the Worker is posted). Returns once the Worker is at most a few MiB behind.
    pub(crate) async fn update(&mut self, bytes: &[u8], js: &Uint8Array) -> Result<()> {
        self.len += bytes.len() as u64;
        match &mut self.at {
            HashAt::Page(hasher) => {
                hasher.update(bytes);
                if self.len >= STREAM_SWITCH_BYTES {
                    let ready = JsFuture::from(hash_worker_ready(wasm_bindgen::module())).await;
                    if ready.ok().and_then(|r| r.as_bool()) == Some(true) {
                        self.to_worker();
                    }
                }
                Ok(())
            }
            HashAt::Worker(job) => {
                let standing = JsFuture::from(job.push(js)).await;
                if standing.ok().and_then(|v| v.as_bool()) == Some(true) {
                    Ok(())
                } else {
                    self.to_page()
                }
            }
        }
    }

    /// How many bytes it was given.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// The digest of every byte given.
    pub(crate) async fn finish(mut self) -> Result<Vec<u8>> {
        if let HashAt::Worker(job) = &self.at {
            let digest = JsFuture::from(job.digest()).await.ok();
            let digest = digest.and_then(|d| d.dyn_into::<Uint8Array>().ok());
            match digest {
                Some(d) if d.length() as usize == self.signature.hash_len() => {
                    return Ok(d.to_vec())
                }
                _ => self.to_page()?,
            }
        }
        match std::mem::replace(&mut self.at, HashAt::Page(MessageHasher::None)) {
            HashAt::Page(hasher) => Ok(hasher.finalize()),
            HashAt::Worker(_) => Err(err!(InvalidState, "hash left in the Worker")),
        }
    }

    fn to_worker(&mut self) {
        let HashAt::Page(hasher) = &self.at else {
            return;
        };
        let options = Object::new();
        let _ = Reflect::set(&options, &"keep".into(), &JsValue::TRUE);
        let state = Uint8Array::from(&hasher.state()[..]);
        let _ = Reflect::set(&options, &"state".into(), &state);
        let _ = Reflect::set(&options, &"ahead".into(), &STREAM_AHEAD_BYTES.into());
        if let Some(job) = start_job(self.signature, options.into()) {
            self.at = HashAt::Worker(job);
        }
    }

    /// Takes the hash back from a failed Worker: its last confirmed state, then the bytes the
    /// page kept since.
    fn to_page(&mut self) -> Result<()> {
        let HashAt::Worker(job) = &self.at else {
            return Ok(());
        };
        let recovered = job.recover();
        let state = Reflect::get(&recovered, &"state".into())
            .ok()
            .and_then(|s| s.dyn_into::<Uint8Array>().ok());
        let mut hasher = match state {
            Some(state) => MessageHasher::from_state(self.signature, &state.to_vec())
                .ok_or_else(|| err!(InvalidState, "the hash worker returned a malformed state"))?,
            None => MessageHasher::for_signature(self.signature),
        };
        let kept: Array = Reflect::get(&recovered, &"kept".into())
            .ok()
            .and_then(|k| k.dyn_into().ok())
            .ok_or_else(|| err!(InvalidState, "the hash worker kept no bytes"))?;
        for piece in kept.iter() {
            let piece: Uint8Array = piece
                .dyn_into()
                .map_err(|_| err!(InvalidState, "the hash worker kept a non-byte piece"))?;
            hasher.update(&piece.to_vec());
        }
        self.at = HashAt::Page(hasher);
        Ok(())
    }
}

impl Drop for StreamHash {
    fn drop(&mut self) {
        if let HashAt::Worker(job) = &self.at {
            job.cancel();
        }
    }
}
