//! The wasm-bindgen surface: converts JS values in, delegates to the core, converts results
//! and errors out. No format or policy logic lives here that native code lacks.
//!
//! Errors cross as `CallsealError` (a JS `Error` subclass with a stable `code`), built by the
//! small JS snippet `callseal_error.js`, so every module throws the same class.

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

/// `INVALID_ARGUMENT` if `value` is not an object or has a key outside `allowed`: a misspelt
/// option must not silently turn a check off.
pub(crate) fn reject_unknown_keys(
    value: &JsValue,
    what: &str,
    allowed: &[&str],
) -> Result<(), JsValue> {
    if !value.is_object() {
        return Err(invalid_argument(what, "expected an object"));
    }
    for key in js_sys::Object::keys(value.unchecked_ref::<js_sys::Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
        if !allowed.contains(&key.as_str()) {
            return Err(invalid_argument(
                what,
                format!("unknown option `{key}` (known: {})", allowed.join(", ")),
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
