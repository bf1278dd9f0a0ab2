//! The wasm-bindgen surface: converts JS values in, delegates to the core, converts results
//! and errors out. No format or policy logic lives here that native code lacks.
//!
//! Errors cross as `CallsealError` (a JS `Error` subclass with a stable `code`), built by the
//! small JS snippet `callseal_error.js`, so every module throws the same class.

#[cfg(feature = "envelope")]
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

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

/// What a JS value is, for error messages: "null", "a string", "a Map", ...
pub(crate) fn describe(value: &JsValue) -> String {
    if value.is_null() {
        return "null".into();
    }
    if value.is_undefined() {
        return "undefined".into();
    }
    let name = if !value.is_object() && !value.is_function() {
        value.js_typeof().as_string().unwrap_or_default()
    } else {
        js_sys::Reflect::get(value, &"constructor".into())
            .and_then(|c| js_sys::Reflect::get(&c, &"name".into()))
            .ok()
            .and_then(|n| n.as_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "Object".into())
    };
    let vowel = name.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']);
    format!("{} {name}", if vowel { "an" } else { "a" })
}

/// A byte argument, read the way WebCrypto reads a `BufferSource`: a `Uint8Array`, any other
/// ArrayBuffer view (its bytes, not its elements) or an `ArrayBuffer` / `SharedArrayBuffer`.
/// Anything else is `INVALID_ARGUMENT` naming `what`: a string or `null` must not read as zero
/// bytes. Empty (or detached) input becomes a fresh empty array, which is safe to copy from.
#[cfg(feature = "envelope")]
pub(crate) fn bytes_arg(value: &JsValue, what: &str) -> Result<Uint8Array, JsValue> {
    let prop = |name: &str| js_sys::Reflect::get(value, &name.into()).ok();
    let number = |name: &str| prop(name).and_then(|v| v.as_f64()).unwrap_or(0.0) as u32;
    let bytes = if let Some(a) = value.dyn_ref::<Uint8Array>() {
        (a.byte_length() > 0).then(|| a.clone())
    } else if js_sys::ArrayBuffer::is_view(value) {
        let len = number("byteLength");
        match prop("buffer") {
            Some(buffer) if len > 0 => Some(Uint8Array::new_with_byte_offset_and_length(
                &buffer,
                number("byteOffset"),
                len,
            )),
            _ => None,
        }
    } else if value.is_instance_of::<js_sys::ArrayBuffer>()
        || value.is_instance_of::<js_sys::SharedArrayBuffer>()
    {
        (number("byteLength") > 0).then(|| Uint8Array::new(value))
    } else {
        return Err(invalid_argument(
            what,
            format!(
                "expected a Uint8Array, ArrayBuffer or ArrayBuffer view, got {}",
                describe(value)
            ),
        ));
    };
    Ok(bytes.unwrap_or_else(|| Uint8Array::new_with_length(0)))
}

/// `INVALID_ARGUMENT` unless `value` is an object whose properties are its data (not an
/// `Array`, `Map` or `Set`, whose entries are not properties).
pub(crate) fn require_plain_object(value: &JsValue, what: &str) -> Result<(), JsValue> {
    if !value.is_object()
        || js_sys::Array::is_array(value)
        || value.is_instance_of::<js_sys::Map>()
        || value.is_instance_of::<js_sys::Set>()
    {
        return Err(invalid_argument(
            what,
            format!("expected a plain object, got {}", describe(value)),
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
    for key in js_sys::Object::keys(value.unchecked_ref::<js_sys::Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
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
