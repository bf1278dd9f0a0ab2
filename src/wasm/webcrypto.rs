//! The WebCrypto engine: bulk AES-GCM and ECDSA verification on the browser's (or Node's)
//! `crypto.subtle`, which runs on the CPU's AES instructions in native code.
//!
//! It is asynchronous, so instead of implementing [`crate::engine::AeadEngine`] it opens
//! [`Job`]s: (IV, AAD, ciphertext ‖ tag) triples described by the core's frame layout, results in
//! order. Where each call runs differs: Chromium does the work synchronously inside the call, on
//! the calling thread (measured: `decrypt` over 64 MiB returns its promise after ~190 ms), so
//! calls never overlap there; Node runs them on libuv's thread pool, where [`IN_FLIGHT`] calls
//! overlap. One-shot `decrypt` hands WebCrypto views of the caller's JS buffer, so its bulk
//! ciphertext never passes through wasm memory (streams and range reads copy each frame's
//! ciphertext through it); plaintext opened by WebCrypto stays in JS buffers. AES-192 is not offered by Chromium's WebCrypto: those suites
//! use the pure-Rust engine.

use js_sys::{Array, Object, Promise, Reflect, Uint32Array, Uint8Array};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AesGcmParams, CryptoKey, SubtleCrypto};

use crate::envelope::body::BodyKind;
use crate::envelope::decrypt::{unit_name, SealedFrame};
use crate::err;
use crate::error::{Error, Result};

/// How many AES-GCM operations are queued on WebCrypto at once (they overlap in Node; in
/// Chromium each one has already run when its promise is returned).
pub(crate) const IN_FLIGHT: usize = 32;

/// Frames handed to the JS frame loop at once (bounds the descriptors kept per batch).
pub(crate) const BATCH_FRAMES: usize = 2048;

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

/// Frames to open in one go on WebCrypto by the JS frame loop (`open_frames.js`): their
/// sealed bytes are `[start, end)` ranges of one source buffer; plaintexts are written in
/// order into one output buffer. Per frame this costs one WebCrypto call and nothing else.
#[derive(Default)]
pub(crate) struct FrameBatch {
    seqs: Vec<u32>,
    kinds: Vec<BodyKind>,
    ranges: Vec<u32>,
    ivs: Vec<u8>,
    aads: Vec<u8>,
    aad_ends: Vec<u32>,
    plaintext_len: u64,
}

impl FrameBatch {
    /// Adds frame `f`, whose ciphertext ‖ tag is `range` of the source buffer.
    pub(crate) fn push(&mut self, f: &SealedFrame, range: std::ops::Range<u64>) -> Result<()> {
        let seq = f.seq;
        let (Ok(start), Ok(end)) = (u32::try_from(range.start), u32::try_from(range.end)) else {
            return Err(err!(
                LimitExceeded,
                "frame {seq} lies beyond 4 GiB: too large for a JS buffer"
            ));
        };
        self.seqs.push(seq);
        self.kinds.push(f.kind);
        self.ranges.extend_from_slice(&[start, end]);
        self.ivs.extend_from_slice(f.iv.bytes());
        self.aads.extend_from_slice(&f.aad);
        self.aad_ends.push(self.aads.len() as u32);
        self.plaintext_len += f.plaintext_len;
        Ok(())
    }

    pub(crate) fn len(&self) -> usize {
        self.seqs.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.seqs.is_empty()
    }

    /// Sum of the frames' plaintext lengths.
    pub(crate) fn plaintext_len(&self) -> u64 {
        self.plaintext_len
    }

    /// Where the last frame's sealed bytes end in the source (0 for an empty batch).
    pub(crate) fn end(&self) -> u32 {
        self.ranges.last().copied().unwrap_or(0)
    }

    /// The frames' sequence numbers, in order.
    pub(crate) fn seqs(&self) -> &[u32] {
        &self.seqs
    }

    pub(crate) fn clear(&mut self) {
        self.seqs.clear();
        self.kinds.clear();
        self.ranges.clear();
        self.ivs.clear();
        self.aads.clear();
        self.aad_ends.clear();
        self.plaintext_len = 0;
    }

    /// Opens every frame (tags verified by WebCrypto), writing plaintext into `out` from
    /// `out_offset`; returns the offset after the last byte. `TAG_MISMATCH` names the frame.
    pub(crate) async fn open(
        &self,
        key: &AesKey,
        source: &Uint8Array,
        out: &Uint8Array,
        out_offset: u32,
    ) -> Result<u32> {
        let n = self.run(key, source, Some(out), out_offset).await?;
        Ok(n.as_f64().unwrap_or(0.0) as u32)
    }

    /// Opens every frame and returns their plaintexts as WebCrypto gave them, one buffer per
    /// frame, in order (no copy into a shared output).
    pub(crate) async fn open_each(&self, key: &AesKey, source: &Uint8Array) -> Result<Array> {
        Ok(self.run(key, source, None, 0).await?.unchecked_into())
    }

    async fn run(
        &self,
        key: &AesKey,
        source: &Uint8Array,
        out: Option<&Uint8Array>,
        out_offset: u32,
    ) -> Result<JsValue> {
        // Copies (not views of wasm memory, which may grow while WebCrypto runs).
        let promise = open_frames_js(
            &key.key,
            source,
            &Uint32Array::from(&self.ranges[..]),
            &Uint8Array::from(&self.ivs[..]),
            &Uint8Array::from(&self.aads[..]),
            &Uint32Array::from(&self.aad_ends[..]),
            out,
            out_offset,
            IN_FLIGHT as u32,
        );
        match JsFuture::from(promise).await {
            Ok(result) => Ok(result),
            Err(e) => {
                let index = Reflect::get(&e, &"frameIndex".into())
                    .ok()
                    .and_then(|i| i.as_f64())
                    .map(|i| i as usize);
                let unit = index
                    .and_then(|i| Some(unit_name(*self.kinds.get(i)?, *self.seqs.get(i)?)))
                    .unwrap_or_else(|| "a frame".into());
                let cause = Reflect::get(&e, &"cause".into()).unwrap_or(e);
                let name = Reflect::get(&cause, &"name".into())
                    .ok()
                    .and_then(|n| n.as_string())
                    .unwrap_or_default();
                Err(match name.as_str() {
                    "OperationError" => {
                        err!(TagMismatch, "{unit}: AES-GCM tag does not verify")
                    }
                    "RangeError" => {
                        err!(MalformedBody, "{unit}: plaintext exceeds the message size")
                    }
                    _ => js_err("decrypt", cause),
                })
            }
        }
    }
}

/// One AES-GCM opening: which unit, IV, AAD and the sealed bytes.
pub(crate) struct Job {
    pub seq: u32,
    pub iv: [u8; 12],
    pub aad: Vec<u8>,
    /// ciphertext ‖ tag, usually a `subarray` of the caller's message.
    pub sealed: Uint8Array,
    /// For error messages, with the sequence number: "frame" (17), "S3EC object body".
    pub what: &'static str,
}

/// Several AES-GCM openings in flight on WebCrypto, results taken in submission order.
pub(crate) struct Pipeline<'k> {
    key: &'k AesKey,
    queue: std::collections::VecDeque<(u32, &'static str, JsFuture)>,
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
                Err(if name == "OperationError" && what == "frame" {
                    err!(TagMismatch, "frame {seq}: AES-GCM tag does not verify")
                } else if name == "OperationError" {
                    err!(TagMismatch, "{what}: AES-GCM tag does not verify")
                } else {
                    js_err("decrypt", e)
                })
            }
        }
    }
}

/// Starts verifying an ECDSA signature (raw r ‖ s) with SHA-256 (P-256) or SHA-384 (P-384)
/// over `data` (a view of the caller's buffer: hashed natively, never copied into wasm). In
/// Chromium the whole hash runs inside this call, on the calling thread; in Node on libuv's
/// thread pool. Await the result with [`SignatureCheck::valid`].
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
pub(crate) struct SignatureCheck(JsFuture);

impl SignatureCheck {
    /// Whether the signature verified.
    pub(crate) async fn valid(self) -> Result<bool> {
        let ok = self.0.await.map_err(|e| js_err("verify", e))?;
        Ok(ok.as_bool() == Some(true))
    }
}

fn set(obj: &Object, key: &str, value: &str) {
    // Reflect.set on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &key.into(), &value.into());
}
