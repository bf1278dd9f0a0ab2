//! Argument conversion: JS values in (bytes, options objects, string pairs, keyrings), read
//! once, checked, and named in `INVALID_ARGUMENT` errors. No format or policy logic.

#[cfg(feature = "envelope")]
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

use crate::error::{Error, ErrorCode};

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

#[cfg(feature = "envelope")]
pub(crate) use envelope::*;

/// The options of the envelope APIs, and raw AES keyrings.
#[cfg(feature = "envelope")]
mod envelope {
    use js_sys::Reflect;
    use wasm_bindgen::prelude::*;

    use crate::envelope::decrypt::{DecryptOptions, SignedMessages};
    use crate::err;
    use crate::error::Result;
    use crate::wasm::webcrypto;

    /// The options `decrypt`, `openRangeReader` and `parseHeader` take (one options object serves
    /// them all; of these, `parseHeader` applies the checks that need no key:
    /// `maxEncryptedDataKeys` and `signedMessages: 'reject'`; which signed messages a range reader
    /// takes depends on `signedMessages`, see `SignedMessages::admit`).
    pub(crate) const DECRYPT_OPTIONS: &[&str] = &[
        "expectedContext",
        "maxEncryptedDataKeys",
        "signedMessages",
        "engine",
    ];
    /// The options `decryptStream` takes (`signal` is the TS layer's).
    #[cfg(feature = "decrypt-entry")]
    pub(crate) const STREAM_OPTIONS: &[&str] = &[
        "expectedContext",
        "maxEncryptedDataKeys",
        "signedMessages",
        "engine",
        "signal",
    ];
    /// The options `unwrapRawAesDataKey` takes (the pairs a message made with required
    /// encryption context does not store are part of the keyring's AAD).
    #[cfg(feature = "decrypt-more")]
    pub(crate) const UNWRAP_OPTIONS: &[&str] = &["expectedContext", "engine"];
    /// The options `decryptS3Object` takes.
    #[cfg(feature = "decrypt-more")]
    pub(crate) const S3_OPTIONS: &[&str] = &["expectedContext", "engine", "instructionFile"];

    #[derive(Clone, Copy, PartialEq, Eq)]
    enum EngineChoice {
        Auto,
        WebCrypto,
        Rust,
    }

    pub(crate) struct Options {
        pub(crate) core: DecryptOptions,
        engine: EngineChoice,
        pub(crate) instruction_file: Option<String>,
    }

    /// One option's value, `None` when absent (undefined); a getter that throws is an error, not
    /// an absent option (which could turn a check off).
    pub(crate) fn option(options: &JsValue, name: &str) -> Result<Option<JsValue>, JsValue> {
        Reflect::get(options, &name.into())
            .map(|v| (!v.is_undefined()).then_some(v))
            .map_err(|e| super::threw(&format!("options.{name}"), e))
    }

    fn string_option(options: &JsValue, name: &str) -> Result<Option<String>, JsValue> {
        option(options, name)?
            .map(|v| {
                v.as_string().ok_or_else(|| {
                    super::invalid_argument(
                        &format!("options.{name}"),
                        format!("expected a string, got {}", super::describe(&v)),
                    )
                })
            })
            .transpose()
    }

    /// A whole number from `min` to `max`, else `INVALID_ARGUMENT` naming `what`.
    pub(crate) fn integer(v: &JsValue, what: &str, min: u32, max: u32) -> Result<u32, JsValue> {
        v.as_f64()
            .filter(|n| n.fract() == 0.0 && (min as f64..=max as f64).contains(n))
            .map(|n| n as u32)
            .ok_or_else(|| {
                let got = v
                    .as_f64()
                    .map_or_else(|| super::describe(v), |_| js_number(v));
                super::invalid_argument(
                    what,
                    format!("expected an integer from {min} to {max}, got {got}"),
                )
            })
    }

    /// A JS number as JS writes it (Rust's float formatting would add kilobytes to the module).
    pub(crate) fn js_number(v: &JsValue) -> String {
        js_sys::Number::unchecked_from_js_ref(v)
            .to_string_with_radix(10)
            .map(String::from)
            .unwrap_or_default()
    }

    /// `expectedContext`: string pairs (see [`string_pairs`]).
    fn context_option(options: &JsValue) -> Result<Vec<(String, String)>, JsValue> {
        match option(options, "expectedContext")?.filter(|v| !v.is_null()) {
            Some(value) => string_pairs(&value, "options.expectedContext"),
            None => Ok(Vec::new()),
        }
    }

    /// String pairs from a plain object, or from an iterable of `[key, value]` entries (a `Map`,
    /// the `Headers` of a fetch response).
    pub(crate) fn string_pairs(
        value: &JsValue,
        what: &str,
    ) -> Result<Vec<(String, String)>, JsValue> {
        let shape = super::object_shape_of(value, what)?;
        if shape != "object" && shape != "a Map" {
            return Err(super::invalid_argument(
                what,
                format!("expected a plain object or a Map, got {shape}"),
            ));
        }
        let entries = super::entries_of(value).map_err(|e| super::threw(what, e))?;
        entries
            .iter()
            .map(|pair| {
                let (k, v) = (Reflect::get_u32(&pair, 0)?, Reflect::get_u32(&pair, 1)?);
                let key = k.as_string().ok_or_else(|| {
                    super::invalid_argument(
                        what,
                        format!("keys must be strings, got {}", super::describe(&k)),
                    )
                })?;
                let value = v.as_string().ok_or_else(|| {
                    super::invalid_argument(
                        &format!("{what}[\"{key}\"]"),
                        format!("expected a string, got {}", super::describe(&v)),
                    )
                })?;
                Ok((key, value))
            })
            .collect()
    }

    impl Options {
        /// Reads `value` (undefined, null or an options object with keys from `allowed`).
        pub(crate) fn from_js(value: &JsValue, allowed: &[&str]) -> Result<Options, JsValue> {
            let mut opts = Options {
                core: DecryptOptions::default(),
                engine: EngineChoice::Auto,
                instruction_file: None,
            };
            if value.is_undefined() || value.is_null() {
                return Ok(opts);
            }
            super::reject_unknown_keys(value, "options", allowed)?;
            opts.core.expected_context = context_option(value)?.into_iter().collect();
            if let Some(v) = option(value, "maxEncryptedDataKeys")? {
                // As the AWS Encryption SDKs: a limit of at least 1 (every message has a data key).
                let n = integer(&v, "options.maxEncryptedDataKeys", 1, u16::MAX as u32)?;
                opts.core.max_encrypted_data_keys = Some(n as u16);
            }
            opts.core.signed_messages = match string_option(value, "signedMessages")?.as_deref() {
                None | Some("verify") => SignedMessages::Verify,
                Some("release-before-verify") => SignedMessages::ReleaseBeforeVerify,
                Some("reject") => SignedMessages::Reject,
                Some(other) => {
                    return Err(super::invalid_argument(
                        "options.signedMessages",
                        format!(
                            "`{other}` (expected 'verify', 'release-before-verify' or 'reject')"
                        ),
                    ))
                }
            };
            opts.engine = match string_option(value, "engine")?.as_deref() {
                None | Some("auto") => EngineChoice::Auto,
                Some("webcrypto") => EngineChoice::WebCrypto,
                Some("rust") => EngineChoice::Rust,
                Some(other) => {
                    return Err(super::invalid_argument(
                        "options.engine",
                        format!("`{other}` (expected 'auto', 'webcrypto' or 'rust')"),
                    ))
                }
            };
            opts.instruction_file = string_option(value, "instructionFile")?;
            Ok(opts)
        }

        /// The options as [`Options::from_js`] read them, as a plain object of their values
        /// (`expectedContext` a `Map`), which it reads back as they are. The decrypt entry's
        /// (`readOptions`).
        #[cfg(not(feature = "rust-crypto"))]
        pub(crate) fn to_js(&self) -> JsValue {
            let out = js_sys::Object::new();
            let set = |name: &str, value: JsValue| {
                // Reflect.set on a fresh plain object cannot fail.
                let _ = Reflect::set(&out, &name.into(), &value);
            };
            let context = js_sys::Map::new();
            for (k, v) in &self.core.expected_context {
                context.set(&k.into(), &v.into());
            }
            set("expectedContext", context.into());
            if let Some(n) = self.core.max_encrypted_data_keys {
                set("maxEncryptedDataKeys", n.into());
            }
            let signed = match self.core.signed_messages {
                SignedMessages::Verify => "verify",
                SignedMessages::ReleaseBeforeVerify => "release-before-verify",
                SignedMessages::Reject => "reject",
            };
            set("signedMessages", signed.into());
            let engine = match self.engine {
                EngineChoice::Auto => "auto",
                EngineChoice::WebCrypto => "webcrypto",
                EngineChoice::Rust => "rust",
            };
            set("engine", engine.into());
            out.into()
        }

        /// WebCrypto when allowed, present, and able to take a key of `key_len` bytes.
        pub(crate) fn use_webcrypto(&self, key_len: usize) -> Result<bool> {
            match self.engine {
                EngineChoice::Rust => Ok(false),
                EngineChoice::Auto => Ok(webcrypto::supports_aes_key(key_len)),
                EngineChoice::WebCrypto if webcrypto::supports_aes_key(key_len) => Ok(true),
                EngineChoice::WebCrypto => Err(err!(
                    EngineUnavailable,
                    "WebCrypto AES-GCM with a {}-bit key is not available here",
                    key_len * 8
                )),
            }
        }
    }

    /// A raw AES keyring (`{ keyNamespace, keyName, key }`) from JavaScript.
    #[cfg(any(feature = "decrypt-more", feature = "encrypt"))]
    pub(crate) fn keyring_from_js(
        keyring: &JsValue,
    ) -> Result<crate::envelope::raw_aes::RawAesKeyring, JsValue> {
        // As options: a plain object of known fields (a misspelt `wrappingKey` is an error, not an
        // absent key), each read through a catch binding so that a throwing getter is named.
        super::reject_unknown_keys(keyring, "keyring", &["keyNamespace", "keyName", "key"])?;
        let field = |name: &str| {
            Reflect::get(keyring, &name.into())
                .map_err(|e| super::threw(&format!("keyring.{name}"), e))
        };
        let string = |name: &str| {
            let v = field(name)?;
            v.as_string().ok_or_else(|| {
                let got = super::describe(&v);
                super::invalid_argument(
                    &format!("keyring.{name}"),
                    format!("expected a string, got {got}"),
                )
            })
        };
        let namespace = string("keyNamespace")?;
        let name = string("keyName")?;
        let key = super::bytes_arg(&field("key")?, "keyring.key")?;
        let key = zeroize::Zeroizing::new(key.to_vec());
        Ok(crate::envelope::raw_aes::RawAesKeyring::new(
            &namespace, &name, &key,
        )?)
    }
}
