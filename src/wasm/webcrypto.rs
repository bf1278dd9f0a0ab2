//! The WebCrypto engine: bulk AES-GCM and ECDSA verification on the browser's (or Node's)
//! `crypto.subtle`, which runs on the CPU's AES instructions in native code.
//!
//! It is asynchronous, so instead of implementing [`crate::engine::AeadEngine`] it opens
//! [`Job`]s: (IV, AAD, ciphertext ‖ tag) triples described by the core's frame layout, several
//! in flight at once, results in order. Ciphertext is handed to WebCrypto as views of the
//! caller's JS buffer, so bulk bytes never pass through wasm memory. AES-192 is not offered by
//! Chromium's WebCrypto: those suites use the pure-Rust engine.

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AesGcmParams, CryptoKey, SubtleCrypto};

use crate::err;
use crate::error::{Error, Result};

/// How many AES-GCM operations are queued on WebCrypto at once.
pub(crate) const IN_FLIGHT: usize = 16;

/// `globalThis.crypto.subtle`, if this environment has it (secure contexts, Node 20).
pub(crate) fn subtle() -> Option<SubtleCrypto> {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).ok()?;
    if crypto.is_undefined() || crypto.is_null() {
        return None;
    }
    let subtle = Reflect::get(&crypto, &"subtle".into()).ok()?;
    if subtle.is_undefined() || subtle.is_null() {
        return None;
    }
    Some(subtle.unchecked_into())
}

/// Whether WebCrypto can take an AES key of `len` bytes here (Chromium has no AES-192).
pub(crate) fn supports_aes_key(len: usize) -> bool {
    (len == 16 || len == 32) && subtle().is_some()
}

fn js_err(what: &str, e: JsValue) -> Error {
    let detail = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| format!("{e:?}"));
    err!(EngineUnavailable, "WebCrypto {what} failed: {detail}")
}

/// A WebCrypto AES-GCM key (non-extractable, decrypt only). The raw bytes are copied into a
/// JS buffer only for `importKey` and overwritten right after.
pub(crate) struct AesKey {
    subtle: SubtleCrypto,
    key: CryptoKey,
}

impl AesKey {
    pub(crate) async fn import(raw: &[u8]) -> Result<AesKey> {
        let subtle = subtle()
            .ok_or_else(|| err!(EngineUnavailable, "crypto.subtle is not available here"))?;
        let data = Uint8Array::from(raw);
        let usages = Array::of1(&"decrypt".into());
        let imported = subtle
            .import_key_with_str("raw", &data, "AES-GCM", false, &usages)
            .map_err(|e| js_err("importKey", e));
        let result = match imported {
            Ok(promise) => JsFuture::from(promise)
                .await
                .map_err(|e| js_err("importKey", e)),
            Err(e) => Err(e),
        };
        data.fill(0, 0, data.length());
        Ok(AesKey {
            subtle,
            key: result?.unchecked_into(),
        })
    }

    /// Starts one AES-GCM decryption; `sealed` is ciphertext ‖ 16-byte tag (a view is fine).
    fn start(&self, iv: &[u8; 12], aad: &[u8], sealed: &Uint8Array) -> Result<Promise> {
        let params = AesGcmParams::new_with_u8_array("AES-GCM", &Uint8Array::from(&iv[..]));
        params.set_additional_data_u8_array(&Uint8Array::from(aad));
        params.set_tag_length(128);
        self.subtle
            .decrypt_with_object_and_js_u8_array(&params, &self.key, sealed)
            .map_err(|e| js_err("decrypt", e))
    }
}

/// One AES-GCM opening: which unit, IV, AAD and the sealed bytes.
pub(crate) struct Job {
    pub seq: u32,
    pub iv: [u8; 12],
    pub aad: Vec<u8>,
    /// ciphertext ‖ tag, usually a `subarray` of the caller's message.
    pub sealed: Uint8Array,
    /// For error messages: "frame 17", "body".
    pub what: String,
}

/// Several AES-GCM openings in flight on WebCrypto, results taken in submission order.
pub(crate) struct Pipeline<'k> {
    key: &'k AesKey,
    queue: std::collections::VecDeque<(u32, String, JsFuture)>,
}

impl<'k> Pipeline<'k> {
    pub(crate) fn new(key: &'k AesKey) -> Self {
        Pipeline {
            key,
            queue: std::collections::VecDeque::with_capacity(IN_FLIGHT),
        }
    }

    /// Whether another job may be submitted without exceeding [`IN_FLIGHT`].
    pub(crate) fn has_room(&self) -> bool {
        self.queue.len() < IN_FLIGHT
    }

    pub(crate) fn submit(&mut self, job: Job) -> Result<()> {
        let promise = self.key.start(&job.iv, &job.aad, &job.sealed)?;
        self.queue
            .push_back((job.seq, job.what, JsFuture::from(promise)));
        Ok(())
    }

    /// The oldest job's verified plaintext; `TAG_MISMATCH` naming the unit if its tag fails.
    pub(crate) async fn next(&mut self) -> Result<Option<(u32, Uint8Array)>> {
        let Some((seq, what, fut)) = self.queue.pop_front() else {
            return Ok(None);
        };
        match fut.await {
            Ok(buf) => Ok(Some((seq, Uint8Array::new(&buf)))),
            Err(e) => {
                // OperationError is how WebCrypto reports a tag that does not verify.
                let name = Reflect::get(&e, &"name".into())
                    .ok()
                    .and_then(|n| n.as_string())
                    .unwrap_or_default();
                Err(if name == "OperationError" {
                    err!(TagMismatch, "{what}: AES-GCM tag does not verify")
                } else {
                    js_err("decrypt", e)
                })
            }
        }
    }
}

/// Verifies an ECDSA signature (raw r ‖ s) with SHA-256 (P-256) or SHA-384 (P-384) over
/// `data` (a view of the caller's buffer: hashed natively, never copied into wasm).
pub(crate) async fn ecdsa_verify(
    curve_bits: u16,
    uncompressed_point: &[u8],
    raw_signature: &[u8],
    data: &Uint8Array,
) -> Result<bool> {
    let subtle =
        subtle().ok_or_else(|| err!(EngineUnavailable, "crypto.subtle is not available here"))?;
    let (curve, hash) = match curve_bits {
        256 => ("P-256", "SHA-256"),
        384 => ("P-384", "SHA-384"),
        n => return Err(err!(UnsupportedSuite, "no ECDSA curve of {n} bits")),
    };
    let import_alg = Object::new();
    set(&import_alg, "name", "ECDSA");
    set(&import_alg, "namedCurve", curve);
    let usages = Array::of1(&"verify".into());
    let promise = subtle
        .import_key_with_object(
            "raw",
            &Uint8Array::from(uncompressed_point),
            &import_alg,
            false,
            &usages,
        )
        .map_err(|e| js_err("importKey (ECDSA)", e))?;
    let key: CryptoKey = JsFuture::from(promise)
        .await
        .map_err(|e| js_err("importKey (ECDSA)", e))?
        .unchecked_into();
    let verify_alg = Object::new();
    set(&verify_alg, "name", "ECDSA");
    set(&verify_alg, "hash", hash);
    let promise = subtle
        .verify_with_object_and_js_u8_array_and_buffer_source(
            &verify_alg,
            &key,
            &Uint8Array::from(raw_signature),
            data,
        )
        .map_err(|e| js_err("verify", e))?;
    let ok = JsFuture::from(promise)
        .await
        .map_err(|e| js_err("verify", e))?;
    Ok(ok.as_bool() == Some(true))
}

fn set(obj: &Object, key: &str, value: &str) {
    // Reflect.set on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &key.into(), &value.into());
}
