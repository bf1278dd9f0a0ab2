//! The wasm-bindgen surface: converts JS values in (`args`), delegates to the core, converts
//! results (`convert`) and errors out. No format or policy logic lives here that native code
//! lacks. One file per API family: `decrypt` (one-shot), `stream`, `range`, `s3`, `encrypt`,
//! `policy`; WebCrypto and the hashing Worker in `webcrypto` and `hash_worker`; what the decryptor
//! is given of a message held in JS in `feed`; the footer signature in `signature`. Decryption is
//! two modules (Cargo features): `decrypt-entry` (one-shot and stream decryption of unsigned
//! messages on WebCrypto, what a page loads first: without `rust-crypto`, it refuses what needs
//! the curve code or the pure-Rust engine, and `needsMore` tells the TS layer so) and
//! `decrypt-more` (all of the entry with `rust-crypto`, and range reads, S3EC objects and the
//! raw AES keyring's unwrap, `keyring`, loaded on demand).
//!
//! Errors cross as `CallsealError` (a JS `Error` subclass with a stable `code`), built by the
//! small JS snippet `callseal_error.js`, so every module throws the same class.

use wasm_bindgen::prelude::*;

use crate::error::Error;

mod args;
#[cfg(feature = "envelope")]
mod convert;
#[cfg(feature = "decrypt-entry")]
mod decrypt;
#[cfg(feature = "encrypt")]
mod encrypt;
#[cfg(feature = "decrypt-entry")]
mod engine;
#[cfg(feature = "decrypt-entry")]
mod feed;
#[cfg(all(feature = "decrypt-entry", feature = "rust-crypto"))]
mod hash_worker;
#[cfg(feature = "decrypt-more")]
mod keyring;
#[cfg(feature = "policy")]
mod policy;
#[cfg(feature = "decrypt-more")]
mod range;
#[cfg(feature = "decrypt-more")]
mod s3;
#[cfg(feature = "decrypt-entry")]
mod signature;
#[cfg(feature = "decrypt-entry")]
mod stream;
#[cfg(feature = "decrypt-entry")]
mod webcrypto;

/// Talc instead of the default dlmalloc: smaller and faster on wasm (the policy evaluator
/// allocates a few dozen small strings per request; dlmalloc was a tenth of its time).
#[cfg(not(target_feature = "atomics"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[wasm_bindgen(module = "/src/wasm/callseal_error.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeError)]
    fn make_error(code: &str, message: &str) -> JsValue;
}

impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        make_error(e.code.as_str(), &e.message)
    }
}

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// The callseal version (the crate's `CARGO_PKG_VERSION`).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
