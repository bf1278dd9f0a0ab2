//! The WebCrypto engine: bulk AES-GCM and ECDSA verification on the browser's (or Node's)
//! `crypto.subtle`, which runs on the CPU's AES instructions in native code.
//!
//! [`AesKey`] is imported once per message and opens the core's frame batches
//! ([`crate::envelope::frames::FrameBatch`], as `super::engine::JsEngine`). Where each call runs
//! differs: Chromium does the work synchronously inside the call, on the calling thread (measured: `decrypt` over 64 MiB returns its promise after ~190 ms), so
//! calls never overlap there; Node runs them on libuv's thread pool, where [`IN_FLIGHT`] calls
//! overlap. One-shot `decrypt` hands WebCrypto views of the caller's JS buffer, so its bulk
//! ciphertext never passes through wasm memory (streams and range reads copy each frame's
//! ciphertext through it); plaintext opened by WebCrypto stays in JS buffers. AES-192 is not
//! offered by Chromium's WebCrypto: those suites use the pure-Rust engine.

#[cfg(feature = "rust-crypto")]
use js_sys::Object;
use js_sys::{Array, Promise, Reflect, Uint32Array, Uint8Array};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AesGcmParams, CryptoKey, SubtleCrypto};

use super::engine::{js_range, Plaintext};
use crate::envelope::decrypt::unit_name;
use crate::envelope::frames::FrameBatch;
use crate::err;
use crate::error::{Error, Result};

/// How many AES-GCM operations are queued on WebCrypto at once (they overlap in Node; in
/// Chromium each one has already run when its promise is returned).
pub(crate) const IN_FLIGHT: usize = 32;

#[wasm_bindgen(module = "/src/wasm/open_frames.js")]
extern "C" {
    #[wasm_bindgen(js_name = openFrames)]
    #[allow(clippy::too_many_arguments)]
    fn open_frames_js(
        key: &CryptoKey,
        source: &Uint8Array,
        ranges: &Uint32Array,
        ivs: &Uint8Array,
        aads: &Uint8Array,
        aad_ends: &Uint32Array,
        out: Option<&Uint8Array>,
        out_offset: u32,
        in_flight: u32,
    ) -> Promise;
}

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

/// `bytes` as WebCrypto takes them: it refuses views of shared memory, so the bytes of a
/// `SharedArrayBuffer` are copied into a buffer of their own.
pub(crate) fn unshared(bytes: Uint8Array) -> Uint8Array {
    if bytes.buffer().is_instance_of::<js_sys::SharedArrayBuffer>() {
        Uint8Array::new(&bytes)
    } else {
        bytes
    }
}

impl AesKey {
    /// Opens `batch` from `sealed` in the JS frame loop (`open_frames.js`: one WebCrypto call
    /// per frame, [`IN_FLIGHT`] at once), into `out`. `TAG_MISMATCH` names the frame.
    pub(crate) async fn open_batch(
        &self,
        batch: &FrameBatch,
        sealed: &Uint8Array,
        out: &mut Plaintext,
    ) -> Result<()> {
        let mut ranges = Vec::with_capacity(2 * batch.len());
        for f in batch.iter() {
            let (start, end) = js_range(&f)?;
            ranges.extend_from_slice(&[start, end]);
        }
        if let Plaintext::Buffer(out) = out {
            out.reserve(batch.plaintext_len())?;
        }
        let (target, offset) = match out {
            Plaintext::Buffer(out) => (Some(out.buf.clone()), out.written),
            Plaintext::Pieces(_) => (None, 0),
        };
        // Copies (not views of wasm memory, which may grow while WebCrypto runs).
        let promise = open_frames_js(
            &self.key,
            sealed,
            &Uint32Array::from(&ranges[..]),
            &Uint8Array::from(batch.ivs()),
            &Uint8Array::from(batch.aads()),
            &Uint32Array::from(batch.aad_ends()),
            target.as_ref(),
            offset,
            IN_FLIGHT as u32,
        );
        let result = match JsFuture::from(promise).await {
            Ok(result) => result,
            Err(e) => return Err(batch_error(batch, e)),
        };
        match out {
            Plaintext::Buffer(out) => out.written = result.as_f64().unwrap_or(0.0) as u32,
            Plaintext::Pieces(pieces) => {
                for piece in result.unchecked_into::<Array>().iter() {
                    pieces.push(&piece);
                }
            }
        }
        Ok(())
    }

    /// Opens one unit (ciphertext ‖ tag in `sealed`, a view is fine) and returns its plaintext;
    /// `TAG_MISMATCH` naming `what`.
    pub(crate) async fn open_one(
        &self,
        iv: &[u8; 12],
        aad: &[u8],
        sealed: &Uint8Array,
        what: &str,
    ) -> Result<Uint8Array> {
        match JsFuture::from(self.start(iv, aad, sealed)?).await {
            Ok(buf) => Ok(Uint8Array::new(&buf)),
            Err(e) => Err(decrypt_error(what, e)),
        }
    }
}

/// What a failed WebCrypto `decrypt` of `what` means: OperationError is how WebCrypto reports
/// a tag that does not verify.
fn decrypt_error(what: &str, e: JsValue) -> Error {
    let name = Reflect::get(&e, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default();
    match name.as_str() {
        "OperationError" => err!(TagMismatch, "{what}: AES-GCM tag does not verify"),
        "RangeError" => err!(MalformedBody, "{what}: plaintext exceeds the message size"),
        _ => js_err("decrypt", e),
    }
}

/// The error of the JS frame loop (`{ frameIndex, cause }`), naming the frame.
fn batch_error(batch: &FrameBatch, e: JsValue) -> Error {
    let index = Reflect::get(&e, &"frameIndex".into())
        .ok()
        .and_then(|i| i.as_f64())
        .map(|i| i as usize);
    let unit = index
        .and_then(|i| Some(unit_name(batch.kind(i)?, *batch.seqs().get(i)?)))
        .unwrap_or_else(|| "a frame".into());
    let cause = Reflect::get(&e, &"cause".into()).unwrap_or(e);
    decrypt_error(&unit, cause)
}

/// Starts verifying an ECDSA signature (raw r ‖ s) with SHA-256 (P-256) or SHA-384 (P-384)
/// over `data` (a view of the caller's buffer: hashed natively, never copied into wasm). In
/// Chromium the whole hash runs inside this call, on the calling thread; in Node on libuv's
/// thread pool. Await the result with [`SignatureCheck::valid`].
#[cfg(feature = "rust-crypto")]
pub(crate) async fn ecdsa_verify_start(
    curve: &str,
    uncompressed_point: &[u8],
    raw_signature: &[u8],
    data: &Uint8Array,
) -> Result<SignatureCheck> {
    let subtle =
        subtle().ok_or_else(|| err!(EngineUnavailable, "crypto.subtle is not available here"))?;
    let hash = match curve {
        "P-256" => "SHA-256",
        "P-384" => "SHA-384",
        other => return Err(err!(UnsupportedSuite, "no ECDSA curve {other}")),
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
    Ok(SignatureCheck(JsFuture::from(promise)))
}

/// A WebCrypto ECDSA verification in progress.
#[cfg(feature = "rust-crypto")]
pub(crate) struct SignatureCheck(JsFuture);

#[cfg(feature = "rust-crypto")]
impl SignatureCheck {
    /// Whether the signature verified.
    pub(crate) async fn valid(self) -> Result<bool> {
        let ok = self.0.await.map_err(|e| js_err("verify", e))?;
        Ok(ok.as_bool() == Some(true))
    }
}

#[cfg(feature = "rust-crypto")]
fn set(obj: &Object, key: &str, value: &str) {
    // Reflect.set on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &key.into(), &value.into());
}
