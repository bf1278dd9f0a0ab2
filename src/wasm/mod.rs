//! The wasm-bindgen surface: converts JS values in, delegates to the core, converts results
//! and errors out. No format or policy logic lives here that native code lacks.
//!
//! Errors cross as `CallsealError` (a JS `Error` subclass with a stable `code`), built by the
//! small JS snippet `callseal_error.js`, so every module throws the same class.

#[cfg(feature = "envelope")]
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

use crate::error::{Error, ErrorCode};

#[cfg(feature = "envelope")]
mod decrypt;
#[cfg(feature = "encrypt")]
mod encrypt;
#[cfg(feature = "envelope")]
mod hash_worker;
#[cfg(feature = "policy")]
mod policy;
#[cfg(feature = "envelope")]
mod range;
#[cfg(feature = "envelope")]
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

/// An `INVALID_ARGUMENT` error for values that JavaScript passed in the wrong shape.
pub(crate) fn invalid_argument(what: &str, detail: impl std::fmt::Display) -> JsValue {
    Error::new(ErrorCode::InvalidArgument, format!("{what}: {detail}")).into()
}

#[wasm_bindgen(module = "/src/wasm/args.js")]
extern "C" {
    /// What a JS value is, for error messages: "null", "a string", "a Map", ... Never throws.
    #[cfg(feature = "envelope")]
    pub(crate) fn describe(value: &JsValue) -> String;
    #[cfg(feature = "envelope")]
    #[wasm_bindgen(js_name = bufferSourceBytes)]
    fn buffer_source_bytes(value: &JsValue) -> Option<Uint8Array>;
    #[cfg(feature = "encrypt")]
    #[wasm_bindgen(js_name = isDetached)]
    fn is_detached(value: &JsValue) -> bool;
    #[wasm_bindgen(catch, js_name = objectShape)]
    fn object_shape(value: &JsValue) -> Result<String, JsValue>;
    #[wasm_bindgen(catch, js_name = ownKeys)]
    fn own_keys(value: &JsValue) -> Result<Vec<String>, JsValue>;
    #[cfg(feature = "encrypt")]
    #[wasm_bindgen(catch, js_name = listOf)]
    pub(crate) fn list_of(value: &JsValue) -> Result<js_sys::Array, JsValue>;
    #[cfg(feature = "envelope")]
    #[wasm_bindgen(catch, js_name = entriesOf)]
    pub(crate) fn entries_of(value: &JsValue) -> Result<js_sys::Array, JsValue>;
}

/// `INVALID_ARGUMENT` for `what`, whose reading threw `e` (a Proxy trap, a getter).
pub(crate) fn threw(what: &str, e: JsValue) -> JsValue {
    let detail = js_sys::Reflect::get(&e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_default();
    invalid_argument(what, format!("reading it threw: {detail}"))
}

/// A byte argument, read the way WebCrypto reads a `BufferSource`: a `Uint8Array`, any other
/// ArrayBuffer view (its bytes, not its elements) or an `ArrayBuffer` / `SharedArrayBuffer`,
/// as a fresh `Uint8Array` read with the built-in getters (`args.js`), so no caller code runs
/// later. Anything else is `INVALID_ARGUMENT` naming `what`: a string or `null` must not read as
/// zero bytes. Empty (or detached) input is an empty array.
#[cfg(feature = "envelope")]
pub(crate) fn bytes_arg(value: &JsValue, what: &str) -> Result<Uint8Array, JsValue> {
    buffer_source_bytes(value).ok_or_else(|| {
        invalid_argument(
            what,
            format!(
                "expected a Uint8Array, ArrayBuffer or ArrayBuffer view, got {}",
                describe(value)
            ),
        )
    })
}

/// [`bytes_arg`] for bytes where empty is valid data (a plaintext to encrypt): a BufferSource
/// whose buffer was detached (transferred) is `INVALID_ARGUMENT`, not zero bytes.
#[cfg(feature = "encrypt")]
pub(crate) fn attached_bytes_arg(value: &JsValue, what: &str) -> Result<Uint8Array, JsValue> {
    let bytes = bytes_arg(value, what)?;
    if bytes.length() == 0 && is_detached(value) {
        return Err(invalid_argument(
            what,
            "its ArrayBuffer is detached (transferred elsewhere), so it holds no bytes to read",
        ));
    }
    Ok(bytes)
}

/// What kind of object `value` is: "object" (its properties are its data), "a Map", ...
pub(crate) fn object_shape_of(value: &JsValue, what: &str) -> Result<String, JsValue> {
    object_shape(value).map_err(|e| threw(what, e))
}

/// `INVALID_ARGUMENT` unless `value` is an object whose properties are its data (not an
/// `Array`, `Map` or `Set`, whose entries are not properties).
pub(crate) fn require_plain_object(value: &JsValue, what: &str) -> Result<(), JsValue> {
    let shape = object_shape_of(value, what)?;
    if shape != "object" {
        return Err(invalid_argument(
            what,
            format!("expected a plain object, got {shape}"),
        ));
    }
    Ok(())
}

/// `INVALID_ARGUMENT` unless `value` is an options object whose keys are all in `allowed`: a
/// misspelt option, or options kept where they are not properties (a `Map`), must not
/// silently turn a check off.
pub(crate) fn reject_unknown_keys(
    value: &JsValue,
    what: &str,
    allowed: &[&str],
) -> Result<(), JsValue> {
    require_plain_object(value, what)?;
    for key in own_keys(value).map_err(|e| threw(what, e))? {
        if !allowed.contains(&key.as_str()) {
            return Err(invalid_argument(
                what,
                format!(
                    "unknown option `{key}` (known here: {})",
                    allowed.join(", ")
                ),
            ));
        }
    }
    Ok(())
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
