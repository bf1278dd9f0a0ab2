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

use js_sys::{Promise, Uint8Array};
use sha2::{Digest, Sha256, Sha384};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::envelope::footer::MessageHasher;
use crate::envelope::suite::Signature;

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
    fn start_message_hash(module: JsValue, bits: u32) -> Option<HashJob>;

    #[wasm_bindgen(method)]
    fn push(this: &HashJob, bytes: &Uint8Array) -> Promise;

    #[wasm_bindgen(method)]
    fn digest(this: &HashJob) -> Promise;

    #[wasm_bindgen(method)]
    fn cancel(this: &HashJob);
}

/// A message being hashed in the Worker; cancelled on drop unless finished.
pub(crate) struct MessageHash(Option<HashJob>);

impl MessageHash {
    /// Starts hashing in the Worker for `signature`'s hash, or `None` if this environment has
    /// no Worker (Node) or it already failed in this page. A Worker that a content security
    /// policy refuses is refused after it was constructed: that shows in [`MessageHash::finish`].
    pub(crate) fn start(signature: Signature) -> Option<MessageHash> {
        let bits = match signature {
            Signature::EcdsaP256Sha256 => 256,
            Signature::EcdsaP384Sha384 => 384,
            Signature::None => return None,
        };
        start_message_hash(wasm_bindgen::module(), bits).map(|job| MessageHash(Some(job)))
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
