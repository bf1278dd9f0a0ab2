//! JS bindings of envelope decryption: `parseHeader`, `decrypt`, `DecryptStream` (under the
//! TS layer's `decryptStream`), `decryptS3Object`, `parseS3Metadata`, `defaultEngine`.
//!
//! Every API drives the core's one [`Decryptor`]; the only choice made here is the engine.
//! One-shot with WebCrypto keeps the message in JS: the decryptor sees it in chunks copied into
//! wasm memory, and WebCrypto opens each frame from a view of the caller's buffer. Streams and
//! range reads copy each frame's ciphertext through wasm memory; with WebCrypto, plaintext stays
//! in JS buffers, with the Rust engine it is opened in `Zeroizing` wasm buffers and copied out.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::hash_worker::{self, MessageHash, StreamHash};
use super::webcrypto::{self, AesKey, FrameBatch, Job, Pipeline, SignatureCheck, BATCH_FRAMES};
use crate::engine::RustAesGcm;
use crate::envelope::decrypt::{
    decrypt_in_place, DecryptOptions, Decryptor, Release, SealedFrame, SignedMessages,
};
use crate::envelope::header::{ContentType, HeaderInfo, UnverifiedHeader};
use crate::envelope::keys::DataKey;
use crate::envelope::random_access::{plaintext_len_hint, HINT_TAIL_BYTES};
use crate::envelope::suite::Signature;
use crate::err;
use crate::error::{Error, Result};
use crate::s3ec::{self, S3ObjectMetadata};

/// Bytes copied from JS into wasm memory per step when feeding the decryptor.
const CHUNK: usize = 256 << 10;

/// A stream hands out each frame's plaintext buffer as is when frames average at least this
/// many bytes (no copy into one buffer per push); smaller frames are gathered into one chunk.
const DIRECT_FRAMES: usize = 16 << 10;

/// The options `decrypt`, `openRangeReader` and `parseHeader` take (one options object serves
/// them all; of these, `parseHeader` applies the checks that need no key:
/// `maxEncryptedDataKeys` and `signedMessages: 'reject'`; which signed messages a range reader
/// takes depends on `signedMessages`, see `SignedMessages::admit`).
pub(super) const DECRYPT_OPTIONS: &[&str] = &[
    "expectedContext",
    "maxEncryptedDataKeys",
    "signedMessages",
    "engine",
];
/// The options `decryptStream` takes (`signal` is the TS layer's).
const STREAM_OPTIONS: &[&str] = &[
    "expectedContext",
    "maxEncryptedDataKeys",
    "signedMessages",
    "engine",
    "signal",
];
/// The options `unwrapRawAesDataKey` takes (the pairs a message made with required
/// encryption context does not store are part of the keyring's AAD).
const UNWRAP_OPTIONS: &[&str] = &["expectedContext"];
/// The options `decryptS3Object` takes.
const S3_OPTIONS: &[&str] = &["expectedContext", "engine", "instructionFile"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum EngineChoice {
    Auto,
    WebCrypto,
    Rust,
}

pub(super) struct Options {
    pub(super) core: DecryptOptions,
    engine: EngineChoice,
    instruction_file: Option<String>,
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
pub(super) fn js_number(v: &JsValue) -> String {
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
pub(crate) fn string_pairs(value: &JsValue, what: &str) -> Result<Vec<(String, String)>, JsValue> {
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
    pub(super) fn from_js(value: &JsValue, allowed: &[&str]) -> Result<Options, JsValue> {
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
                    format!("`{other}` (expected 'verify', 'release-before-verify' or 'reject')"),
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

    /// WebCrypto when allowed, present, and able to take a key of `key_len` bytes.
    pub(super) fn use_webcrypto(&self, key_len: usize) -> Result<bool> {
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

fn set(obj: &Object, key: &str, value: &JsValue) {
    // Reflect.set on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &key.into(), value);
}

/// A plain object of string pairs. `Object.fromEntries` defines each key as an own property,
/// `__proto__` included (which `Reflect.set` would take as the prototype).
pub(crate) fn string_map(
    pairs: impl IntoIterator<Item = (impl AsRef<str>, impl AsRef<str>)>,
) -> Object {
    let entries = Array::new();
    for (k, v) in pairs {
        entries.push(&Array::of2(&k.as_ref().into(), &v.as_ref().into()));
    }
    Object::from_entries(&entries).unwrap_or_else(|_| Object::new())
}

/// The header as the `MessageHeader` type of the package (see pkg-config/src/lib/types.ts).
pub(super) fn header_to_js(info: &HeaderInfo) -> JsValue {
    let obj = Object::new();
    set(&obj, "unauthenticated", &true.into());
    set(&obj, "version", &(info.version.byte() as u32).into());
    set(&obj, "suiteId", &(info.suite.id as u32).into());
    set(&obj, "suite", &info.suite.id_hex().into());
    set(
        &obj,
        "messageId",
        &Uint8Array::from(&info.message_id[..]).into(),
    );
    set(
        &obj,
        "encryptionContext",
        &string_map(info.encryption_context.pairs().iter().map(|(k, v)| (k, v))).into(),
    );
    let edks = Array::new();
    for edk in &info.encrypted_data_keys {
        let o = Object::new();
        set(&o, "providerId", &edk.provider_id.clone().into());
        set(
            &o,
            "providerInfo",
            &Uint8Array::from(&edk.provider_info[..]).into(),
        );
        set(
            &o,
            "ciphertext",
            &Uint8Array::from(&edk.ciphertext[..]).into(),
        );
        edks.push(&o);
    }
    set(&obj, "encryptedDataKeys", &edks.into());
    let framed = info.content_type == ContentType::Framed;
    set(
        &obj,
        "contentType",
        &(if framed { "framed" } else { "non-framed" }).into(),
    );
    set(&obj, "frameLength", &info.frame_length.into());
    set(&obj, "headerLength", &(info.header_len as u32).into());
    set(&obj, "signed", &info.suite.is_signed().into());
    set(&obj, "committing", &info.suite.committing.into());
    set(&obj, "dataKeyLength", &(info.suite.key_len as u32).into());
    obj.into()
}

/// The header as `VerifiedMessageHeader` (`unauthenticated: false`): verified with the data key.
pub(super) fn verified_header_to_js(info: &HeaderInfo) -> JsValue {
    let header = header_to_js(info);
    set(header.unchecked_ref(), "unauthenticated", &false.into());
    header
}

/// Reads the header from the start of `bytes` without copying more of the message into wasm
/// than the header needs.
fn read_header(bytes: &Uint8Array, opts: &DecryptOptions) -> Result<UnverifiedHeader> {
    let mut dec = Decryptor::without_frame_copies(opts.clone());
    let total = bytes.length() as usize;
    let mut pos = 0usize;
    let mut buf = Vec::new();
    while dec.unverified_header().is_none() && pos < total {
        let n = (total - pos).min(if pos == 0 { 4096 } else { CHUNK });
        buf.resize(n, 0);
        bytes
            .subarray(pos as u32, (pos + n) as u32)
            .copy_to(&mut buf);
        let used = dec.push(&buf)?;
        pos += used;
        if used < n {
            break;
        }
    }
    match dec.unverified_header() {
        Some(h) => Ok(h.clone()),
        None => Err(dec
            .finish()
            .err()
            .unwrap_or_else(|| err!(Truncated, "input ends inside the header"))),
    }
}

/// Reads the header of an ESDK message. **Unauthenticated**: nothing in it can be trusted until
/// `decrypt` verifies it with the data key. It is what a page sends to its key broker.
#[wasm_bindgen(js_name = parseHeader)]
pub fn parse_header(bytes: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let bytes = super::bytes_arg(&bytes, "parseHeader: bytes")?;
    let opts = Options::from_js(&options, DECRYPT_OPTIONS)?;
    Ok(header_to_js(read_header(&bytes, &opts.core)?.unverified()))
}

/// `value` as a `Uint8Array` over the same bytes (see `bytes_arg`); `INVALID_ARGUMENT` naming
/// `what` if it holds no bytes. For the TS layer's stream, which gathers chunks before they
/// reach wasm.
#[wasm_bindgen(js_name = asBytes)]
pub fn as_bytes(value: JsValue, what: &str) -> Result<Uint8Array, JsValue> {
    super::bytes_arg(&value, what)
}

/// The engine `decrypt` uses by default here: "webcrypto" or "rust".
#[wasm_bindgen(js_name = defaultEngine)]
pub fn default_engine() -> String {
    if webcrypto::supports_aes_key(32) {
        "webcrypto"
    } else {
        "rust"
    }
    .to_string()
}

/// One-shot decryption: resolves only when the header, every frame and the signature verified.
/// The arguments are read before it returns (the caller may wipe its copy of the key then);
/// the message is read while decrypting, so it must not change until the promise settles.
#[wasm_bindgen(js_name = decrypt)]
pub fn decrypt_js(message: JsValue, data_key: JsValue, options: JsValue) -> Promise {
    let args = (|| {
        let message = super::bytes_arg(&message, "decrypt: message")?;
        let key = super::bytes_arg(&data_key, "decrypt: dataKey")?;
        let opts = Options::from_js(&options, DECRYPT_OPTIONS)?;
        Ok::<_, JsValue>((message, DataKey::from_vec(key.to_vec()), opts))
    })();
    future_to_promise(async move {
        let (message, key, opts) = args?;
        Ok(decrypt_message(&message, key, &opts).await?.into())
    })
}

async fn decrypt_message(message: &Uint8Array, key: DataKey, opts: &Options) -> Result<Uint8Array> {
    let header = read_header(message, &opts.core)?;
    let key_len = header.unverified().suite.key_len;
    if opts.use_webcrypto(key_len)? {
        decrypt_webcrypto(&webcrypto::unshared(message.clone()), key, &opts.core).await
    } else if header.unverified().content_type == ContentType::NonFramed {
        // One body, one tag at its end: it is held whole either way.
        let plaintext = zeroize::Zeroizing::new(decrypt_in_place(
            message.to_vec(),
            key,
            &opts.core,
            &RustAesGcm,
        )?);
        Ok(Uint8Array::from(&plaintext[..]))
    } else {
        decrypt_rust_framed(message, key, &opts.core)
    }
}

/// The pure-Rust engine over a framed message: fed to the decryptor a chunk at a time, each
/// frame opened in wasm memory and its plaintext copied into one JS buffer, which is returned
/// only once the whole message verified (zeroed otherwise). wasm memory holds a chunk and a
/// frame, not the message: linear memory never shrinks, so a copy of the message would stay
/// with the page.
fn decrypt_rust_framed(
    message: &Uint8Array,
    data_key: DataKey,
    opts: &DecryptOptions,
) -> Result<Uint8Array> {
    // Plaintext is returned only once the whole message verified.
    let mut dec = Decryptor::new(opts.clone()).with_release(Release::AfterSignature);
    dec.set_data_key(data_key)?;
    let mut feed = Feed::new(message);
    let mut out: Option<Output> = None;
    let result = (|| {
        loop {
            while let Some(frame) = dec.next_frame() {
                let key = dec
                    .content_key()
                    .ok_or_else(|| err!(InvalidState, "frame before the header was verified"))?;
                let seq = frame.seq;
                let plaintext = zeroize::Zeroizing::new(frame.open(&RustAesGcm, key)?);
                dec.frame_opened(seq)?;
                let out = match &mut out {
                    Some(out) => out,
                    None => out.insert(Output::new(message, &dec)),
                };
                out.reserve(plaintext.len() as u64)?;
                out.unwritten()
                    .subarray(0, plaintext.len() as u32)
                    .copy_from(&plaintext);
                out.written += plaintext.len() as u32;
            }
            if !feed.push(&mut dec)? {
                break;
            }
        }
        dec.finish()
    })();
    match (result, out) {
        (Ok(()), Some(out)) => Ok(out.into_plaintext()),
        (Ok(()), None) => Ok(Uint8Array::new_with_length(0)),
        (Err(e), out) => {
            out.inspect(Output::wipe);
            Err(e)
        }
    }
}

/// A one-shot decryption's output: one JS buffer, sized before the first frame by the
/// plaintext length the message's layout states ([`plaintext_len_hint`], unauthenticated), so
/// the plaintext is returned as exactly its own buffer, without a copy: callers that hand
/// `result.buffer` on (`decodeAudioData`, `Blob`, `postMessage`) get no padding. A layout that
/// does not match its frames only costs copies (`reserve`, `into_plaintext`).
struct Output {
    buf: Uint8Array,
    written: u32,
}

impl Output {
    /// After the header: `dec` has verified it.
    fn new(message: &Uint8Array, dec: &Decryptor) -> Output {
        let total = message.length();
        let (header_len, hint) = dec.verified_header().map_or((0, None), |h| {
            let tail = message
                .subarray(total.saturating_sub(HINT_TAIL_BYTES as u32), total)
                .to_vec();
            let info = h.info();
            (
                info.header_len as u32,
                plaintext_len_hint(info, total.into(), &tail),
            )
        });
        let len = hint.map_or(total.saturating_sub(header_len), |n| n as u32);
        Output {
            buf: Uint8Array::new_with_length(len),
            written: 0,
        }
    }

    /// Room for `n` more bytes: a larger buffer (a copy) only if the layout understated them.
    fn reserve(&mut self, n: u64) -> Result<()> {
        let need = u64::from(self.written) + n;
        if need > u64::from(self.buf.length()) {
            let need =
                u32::try_from(need).map_err(|_| err!(LimitExceeded, "plaintext exceeds 4 GiB"))?;
            let grown = Uint8Array::new_with_length(need);
            grown.set(&self.buf.subarray(0, self.written), 0);
            self.wipe();
            self.buf = grown;
        }
        Ok(())
    }

    /// The buffer from the first unwritten byte.
    fn unwritten(&self) -> Uint8Array {
        self.buf.subarray(self.written, self.buf.length())
    }

    /// The plaintext: the buffer itself, or a copy of its written part if the layout overstated it.
    fn into_plaintext(self) -> Uint8Array {
        if self.written == self.buf.length() {
            return self.buf;
        }
        let exact = self.buf.slice(0, self.written);
        self.wipe();
        exact
    }

    fn wipe(&self) {
        self.buf.fill(0, 0, self.buf.length());
    }
}

/// Feeds `message` to `dec` in chunks copied into wasm memory and opens its sealed frames on
/// WebCrypto, in batches, as views of `message`; writes verified plaintext into one
/// preallocated buffer. Signed suites: the decryptor does not hash the message itself; a Worker
/// does (large framed messages, see `hash_worker`), or WebCrypto verifies the footer's ECDSA
/// signature over the message bytes natively.
async fn decrypt_webcrypto(
    message: &Uint8Array,
    data_key: DataKey,
    opts: &DecryptOptions,
) -> Result<Uint8Array> {
    let total = message.length() as usize;
    let mut dec = Decryptor::without_frame_copies(opts.clone());
    dec.verify_signature_externally()?;
    dec.set_data_key(data_key)?;
    let mut feed = Feed::new(message);
    // The header: up to the content key.
    while dec.content_key().is_none() {
        if !feed.push(&mut dec)? {
            // The message ends inside the header: finish names where.
            dec.finish()?;
            return Err(err!(Truncated, "message ends inside its header"));
        }
    }
    let aes = match dec.content_key() {
        Some(key) => AesKey::import(key.expose()).await?,
        None => return Err(err!(InvalidState, "no content key")),
    };
    let (signature, framed_in_steps) = dec
        .verified_header()
        .map(|h| {
            let info = h.info();
            let framed_in_steps = info.content_type == ContentType::Framed
                && u64::from(info.frame_length) <= hash_worker::STEP_BYTES;
            (info.suite.signature, framed_in_steps)
        })
        .unwrap_or((Signature::None, false));
    let mut out = Output::new(message, &dec);
    let result = async {
        let mut batch = FrameBatch::default();
        let mut more = true;
        // Signed suites. Chromium runs WebCrypto calls synchronously on the calling thread, so
        // an ECDSA verify here would add its SHA over the whole message to the frames' time.
        // Large framed messages are hashed in a Worker instead, a step ahead of the frames
        // being opened (`hash_worker`). Otherwise (small, non-framed or long-framed messages,
        // no Worker) WebCrypto verifies the signature once the decryptor has read the footer,
        // or, if the Worker failed, after the last frame.
        let mut worker_hash = (total >= hash_worker::MIN_MESSAGE_BYTES && framed_in_steps)
            .then(|| MessageHash::start(signature))
            .flatten();
        let mut hashed = 0u32;
        let mut check: Option<SignatureCheck> = None;
        loop {
            if check.is_none() && worker_hash.is_none() && !more {
                check = start_signature_check(&dec, message).await?;
            }
            if let Some(f) = dec.next_frame() {
                batch.push(&f, f.range.clone())?;
                let step_done = worker_hash.is_some()
                    && u64::from(batch.end() - hashed) >= hash_worker::STEP_BYTES;
                if batch.len() < BATCH_FRAMES && !step_done {
                    continue;
                }
            } else if more {
                more = feed.push(&mut dec)?;
                continue;
            } else if batch.is_empty() {
                break;
            }
            if let Some(hash) = &mut worker_hash {
                hash.push(&message.subarray(hashed, batch.end())).await;
                hashed = batch.end();
            }
            out.reserve(batch.plaintext_len())?;
            out.written = batch.open(&aes, message, &out.buf, out.written).await?;
            for &seq in batch.seqs() {
                dec.frame_opened(seq)?;
            }
            batch.clear();
        }
        let signed_len = dec.external_signature().map(|sig| sig.signed_len as u32);
        if let (Some(mut hash), Some(signed_len)) = (worker_hash, signed_len) {
            hash.push(&message.subarray(hashed, signed_len)).await;
            if let Some(digest) = hash.finish().await {
                let valid = dec
                    .external_signature()
                    .is_some_and(|sig| sig.key.verify_prehash(&digest, sig.der).is_ok());
                dec.signature_checked(valid)?;
            }
        }
        if check.is_none() {
            check = start_signature_check(&dec, message).await?;
        }
        if let Some(check) = check {
            let valid = check.valid().await?;
            dec.signature_checked(valid)?;
        }
        dec.finish()
    }
    .await;
    match result {
        Ok(()) => Ok(out.into_plaintext()),
        Err(e) => {
            out.wipe();
            Err(e)
        }
    }
}

/// Starts the WebCrypto check of the footer signature, once the decryptor has read it.
async fn start_signature_check(
    dec: &Decryptor,
    message: &Uint8Array,
) -> Result<Option<SignatureCheck>> {
    let Some(sig) = dec.external_signature() else {
        return Ok(None);
    };
    let raw = sig.key.der_to_raw(sig.der)?;
    let signed = message.subarray(0, sig.signed_len as u32);
    let point = sig.key.to_uncompressed_sec1();
    Ok(Some(
        webcrypto::ecdsa_verify_start(sig.key.curve_name(), &point, &raw, &signed).await?,
    ))
}

/// The one-shot message in JS memory, copied into wasm memory a chunk at a time for the
/// decryptor (which, with WebCrypto, reads headers and lengths but keeps no frame bytes).
struct Feed<'m> {
    message: &'m Uint8Array,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    used: usize,
}

impl<'m> Feed<'m> {
    fn new(message: &'m Uint8Array) -> Self {
        let total = message.length() as usize;
        Feed {
            message,
            buf: vec![0u8; CHUNK.min(total.max(1))],
            pos: 0,
            len: 0,
            used: 0,
        }
    }

    /// Pushes the next bytes into `dec`: `false` once the whole message was consumed. Call it
    /// only after taking every ready frame: the decryptor uses fewer bytes than offered only to
    /// hand out a frame, so using none then means it is stuck (`INVALID_STATE`).
    fn push(&mut self, dec: &mut Decryptor) -> Result<bool> {
        let total = self.message.length() as usize;
        if self.used == self.len {
            if self.pos >= total {
                return Ok(false);
            }
            self.len = (total - self.pos).min(CHUNK);
            self.message
                .subarray(self.pos as u32, (self.pos + self.len) as u32)
                .copy_to(&mut self.buf[..self.len]);
            self.pos += self.len;
            self.used = 0;
        }
        let used = dec.push(&self.buf[self.used..self.len])?;
        if used == 0 {
            return Err(err!(
                InvalidState,
                "decryptor made no progress at byte {}",
                dec.consumed()
            ));
        }
        self.used += used;
        Ok(true)
    }
}

// ---------------------------------------------------------------------------------------------
// Streaming
// ---------------------------------------------------------------------------------------------

struct StreamState {
    dec: Decryptor,
    opts: Options,
    aes: Option<Rc<AesKey>>,
    use_webcrypto: Option<bool>,
    /// The JS buffer WebCrypto reads each push's sealed frames from, reused push after push
    /// (grown when a push holds more): a fresh one per push was garbage for the collector.
    sealed: Uint8Array,
    /// Signed suites: the hash of the signed bytes.
    hash: SignedHash,
}

/// Where a stream's signature hash is.
enum SignedHash {
    /// The header is not verified yet.
    Waiting,
    /// From the verified header on (`StreamHash`: moved to the Worker for long streams).
    Hashing(StreamHash),
    /// The footer's signature was checked, or the suite is unsigned.
    Done,
}

/// A streaming decryptor (the engine of `decryptStream`). `push(chunk)` resolves to the
/// plaintext of the frames whose tags verified; `finish()` rejects if the message is
/// incomplete or its signature does not verify. Plaintext already released from a signed
/// message is then unverified, so signed messages are refused (`SIGNED_MESSAGE_REFUSED`, when
/// the header arrives) unless `signedMessages: 'release-before-verify'` opts in.
#[wasm_bindgen]
pub struct DecryptStream {
    state: Rc<RefCell<Option<StreamState>>>,
}

#[wasm_bindgen]
impl DecryptStream {
    #[wasm_bindgen(constructor)]
    pub fn new(data_key: JsValue, options: JsValue) -> Result<DecryptStream, JsValue> {
        let data_key = super::bytes_arg(&data_key, "decryptStream: dataKey")?;
        let opts = Options::from_js(&options, STREAM_OPTIONS)?;
        let mut dec = Decryptor::new(opts.core.clone());
        // The signature is checked here, from a hash that can move to the Worker.
        dec.verify_signature_externally()?;
        dec.set_data_key(DataKey::from_vec(data_key.to_vec()))?;
        Ok(DecryptStream {
            state: Rc::new(RefCell::new(Some(StreamState {
                dec,
                opts,
                aes: None,
                use_webcrypto: None,
                sealed: Uint8Array::new_with_length(0),
                hash: SignedHash::Waiting,
            }))),
        })
    }

    /// Takes the next chunk of the message; resolves to an array of verified plaintext chunks.
    pub fn push(&self, chunk: JsValue) -> Promise {
        let state = self.state.clone();
        let chunk = super::bytes_arg(&chunk, "decryptStream: chunk");
        future_to_promise(async move {
            let chunk = chunk?;
            let mut guard = state.take().ok_or_else(|| {
                JsValue::from(err!(InvalidState, "stream already failed or finished"))
            })?;
            let r = stream_push(&mut guard, &chunk, chunk.to_vec()).await;
            if r.is_ok() {
                state.replace(Some(guard));
            }
            Ok(r?.into())
        })
    }

    /// Ends the input: rejects with TRUNCATED, SIGNATURE_INVALID... unless the message was whole.
    pub fn finish(&self) -> Result<(), JsValue> {
        let mut st = self.state.take().ok_or_else(|| {
            JsValue::from(err!(InvalidState, "stream already failed or finished"))
        })?;
        Ok(st.dec.finish()?)
    }

    /// The header as read, always `unauthenticated: true` (the TS layer does not expose it;
    /// plaintext released by `push` comes only after the header verified).
    pub fn header(&self) -> JsValue {
        match self
            .state
            .borrow()
            .as_ref()
            .and_then(|s| s.dec.unverified_header().cloned())
        {
            Some(h) => header_to_js(h.unverified()),
            None => JsValue::UNDEFINED,
        }
    }
}

async fn stream_push(st: &mut StreamState, js_chunk: &Uint8Array, chunk: Vec<u8>) -> Result<Array> {
    let out = Array::new();
    let chunk_start = st.dec.consumed();
    // Every frame this chunk completes, then one batch for all of them.
    let mut frames = Vec::new();
    let mut input = &chunk[..];
    // An error later in the chunk (e.g. the footer) is reported after the frames before it
    // were tried, so the first failure in the message is the one reported.
    let mut later_error = None;
    loop {
        let used = match st.dec.push(input) {
            Ok(used) => used,
            Err(e) => {
                later_error = Some(e);
                break;
            }
        };
        input = &input[used..];
        let before = frames.len();
        while let Some(f) = st.dec.next_frame() {
            frames.push(f);
        }
        if input.is_empty() {
            break;
        }
        if used == 0 && frames.len() == before {
            later_error = Some(err!(
                InvalidState,
                "stream made no progress at byte {}",
                st.dec.consumed()
            ));
            break;
        }
    }
    if let Some(e) = later_error {
        if let Some(key) = st.dec.content_key() {
            // Try the frames (the rust engine: no plaintext is released here).
            for f in frames {
                f.open(&RustAesGcm, key)?;
            }
        }
        return Err(e);
    }
    if st.use_webcrypto.is_none() {
        if let Some(key) = st.dec.content_key() {
            let webcrypto = st.opts.use_webcrypto(key.expose().len())?;
            if webcrypto {
                st.aes = Some(Rc::new(AesKey::import(key.expose()).await?));
            }
            st.use_webcrypto = Some(webcrypto);
        }
    }
    // The signed bytes go to the hash before the frames are opened: a Worker hashes them
    // meanwhile.
    hash_signed(st, &chunk, js_chunk, chunk_start).await?;
    open_stream_frames(st, frames, &out).await?;
    // The footer was read: its verdict before this push's plaintext is released.
    if st.dec.external_signature().is_some() {
        let SignedHash::Hashing(hash) = std::mem::replace(&mut st.hash, SignedHash::Done) else {
            return Err(err!(
                InvalidState,
                "footer of a message that was not hashed"
            ));
        };
        let digest = hash.finish().await?;
        let valid = st
            .dec
            .external_signature()
            .is_some_and(|sig| sig.key.verify_prehash(&digest, sig.der).is_ok());
        st.dec.signature_checked(valid)?;
    }
    Ok(out)
}

/// Gives the signed bytes this push consumed (`chunk` holds the message from byte
/// `chunk_start`) to the stream's signature hash, which starts with the verified header.
async fn hash_signed(
    st: &mut StreamState,
    chunk: &[u8],
    js_chunk: &Uint8Array,
    chunk_start: u64,
) -> Result<()> {
    if let SignedHash::Waiting = st.hash {
        let Some(header) = st.dec.verified_header() else {
            return Ok(());
        };
        let signature = header.info().suite.signature;
        if signature == Signature::None {
            st.hash = SignedHash::Done;
            return Ok(());
        }
        let mut hash = StreamHash::new(signature);
        let bytes = header.bytes();
        hash.update(bytes, &Uint8Array::from(bytes)).await?;
        st.hash = SignedHash::Hashing(hash);
    }
    let SignedHash::Hashing(hash) = &mut st.hash else {
        return Ok(());
    };
    let consumed = st.dec.consumed();
    let end = st.dec.signed_len().map_or(consumed, |s| s.min(consumed));
    let from = hash.len();
    if end > from {
        let bytes = (from.checked_sub(chunk_start))
            .zip(end.checked_sub(chunk_start))
            .and_then(|(from, to)| chunk.get(from as usize..to as usize))
            .ok_or_else(|| {
                err!(
                    InvalidState,
                    "signed bytes {from}..{end} are not in this push"
                )
            })?;
        let at = (from - chunk_start) as u32;
        hash.update(bytes, &js_chunk.subarray(at, at + bytes.len() as u32))
            .await?;
    }
    Ok(())
}

/// Opens the frames one push completed and appends their plaintext to `out`.
async fn open_stream_frames(
    st: &mut StreamState,
    frames: Vec<SealedFrame>,
    out: &Array,
) -> Result<()> {
    if frames.is_empty() {
        return Ok(());
    }
    match st.aes.clone() {
        Some(aes) => {
            // One JS buffer with the frames back to back (each copied straight out of the
            // decryptor), one output for their plaintext.
            let total: usize = frames.iter().map(|f| f.ciphertext_and_tag().len()).sum();
            if (st.sealed.length() as usize) < total {
                st.sealed = Uint8Array::new_with_length(total.max(2 << 20) as u32);
            }
            let source = st.sealed.subarray(0, total as u32);
            let mut batch = FrameBatch::default();
            let mut end = 0u32;
            for f in &frames {
                let sealed = f.ciphertext_and_tag();
                let start = end;
                end += sealed.len() as u32;
                source.subarray(start, end).copy_from(sealed);
                batch.push(f, start as u64..end as u64)?;
            }
            if batch.plaintext_len() >= (DIRECT_FRAMES * batch.len()) as u64 {
                // Large frames: each frame's plaintext goes out as WebCrypto returned it.
                for piece in batch.open_each(&aes, &source).await?.iter() {
                    out.push(&piece);
                }
            } else {
                let plaintext = Uint8Array::new_with_length(batch.plaintext_len() as u32);
                batch.open(&aes, &source, &plaintext, 0).await?;
                out.push(&plaintext);
            }
            for &seq in batch.seqs() {
                st.dec.frame_opened(seq)?;
            }
        }
        None => {
            let key = st
                .dec
                .content_key()
                .ok_or_else(|| err!(InvalidState, "frame before the header was verified"))?
                .clone();
            for f in frames {
                let seq = f.seq;
                let plaintext = zeroize::Zeroizing::new(f.open(&RustAesGcm, &key)?);
                st.dec.frame_opened(seq)?;
                out.push(&Uint8Array::from(&plaintext[..]));
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// S3 Encryption Client
// ---------------------------------------------------------------------------------------------

fn s3_metadata(
    metadata: JsValue,
    instruction_file: Option<&str>,
) -> Result<S3ObjectMetadata, JsValue> {
    let headers: BTreeMap<String, String> =
        string_pairs(&metadata, "metadata")?.into_iter().collect();
    Ok(S3ObjectMetadata::from_headers(&headers, instruction_file)?)
}

/// Reads S3 Encryption Client metadata (object headers, plus the instruction file JSON if the
/// object uses one): what a page sends to its key broker. Unauthenticated, like `parseHeader`.
#[wasm_bindgen(js_name = parseS3Metadata)]
pub fn parse_s3_metadata(
    metadata: JsValue,
    instruction_file: Option<String>,
) -> Result<JsValue, JsValue> {
    let meta = s3_metadata(metadata, instruction_file.as_deref())?;
    let obj = Object::new();
    set(&obj, "unauthenticated", &true.into());
    let (format, extra) = match &meta.format {
        s3ec::ContentFormat::V2 { .. } => ("v2", false),
        s3ec::ContentFormat::V3 { .. } => ("v3", true),
    };
    set(&obj, "format", &format.into());
    set(&obj, "committing", &extra.into());
    set(&obj, "wrapAlgorithm", &meta.wrap_algorithm.name().into());
    set(
        &obj,
        "encryptedDataKey",
        &Uint8Array::from(&meta.encrypted_data_key[..]).into(),
    );
    set(
        &obj,
        "encryptionContext",
        &string_map(meta.encryption_context().iter()).into(),
    );
    set(
        &obj,
        "kmsEncryptionContext",
        &string_map(meta.kms_encryption_context().iter()).into(),
    );
    Ok(obj.into())
}

/// Decrypts an S3 Encryption Client object body with its metadata and the unwrapped data key.
/// Like `decrypt`, it reads its arguments before it returns, and the body while decrypting.
#[wasm_bindgen(js_name = decryptS3Object)]
pub fn decrypt_s3_object(
    body: JsValue,
    metadata: JsValue,
    data_key: JsValue,
    options: JsValue,
) -> Promise {
    let args = (|| {
        let body = super::bytes_arg(&body, "decryptS3Object: body")?;
        let key = super::bytes_arg(&data_key, "decryptS3Object: dataKey")?;
        let opts = Options::from_js(&options, S3_OPTIONS)?;
        let meta = s3_metadata(metadata, opts.instruction_file.as_deref())?;
        Ok::<_, JsValue>((body, zeroize::Zeroizing::new(key.to_vec()), opts, meta))
    })();
    future_to_promise(async move {
        let (body, data_key, opts, meta) = args?;
        Ok(decrypt_s3(body, &data_key, &opts, &meta).await?.into())
    })
}

async fn decrypt_s3(
    body: Uint8Array,
    data_key: &[u8],
    opts: &Options,
    meta: &S3ObjectMetadata,
) -> Result<Uint8Array> {
    meta.require_context(&opts.core.expected_context)?;
    if !opts.use_webcrypto(32)? {
        let plaintext =
            zeroize::Zeroizing::new(s3ec::decrypt_object(&body.to_vec(), meta, data_key)?);
        return Ok(Uint8Array::from(&plaintext[..]));
    }
    let cipher = s3ec::content_cipher(meta, data_key)?;
    s3ec::check_body_len(body.length() as u64, meta)?;
    let key = AesKey::import(cipher.key()).await?;
    let mut pipe = Pipeline::new(&key);
    pipe.submit(Job {
        seq: 1,
        iv: cipher.iv,
        aad: cipher.aad.to_vec(),
        sealed: webcrypto::unshared(body),
        what: "S3EC object body",
    })?;
    let (_, plaintext) = pipe
        .next()
        .await?
        .ok_or_else(|| Error::new(crate::ErrorCode::InvalidState, "no result"))?;
    Ok(plaintext)
}

// ---------------------------------------------------------------------------------------------
// Raw AES keyring (offline use and tests)
// ---------------------------------------------------------------------------------------------

/// A raw AES keyring (`{ keyNamespace, keyName, key }`) from JavaScript.
pub(crate) fn keyring_from_js(
    keyring: &JsValue,
) -> Result<crate::envelope::raw_aes::RawAesKeyring, JsValue> {
    // As options: a plain object of known fields (a misspelt `wrappingKey` is an error, not an
    // absent key), each read through a catch binding so that a throwing getter is named.
    super::reject_unknown_keys(keyring, "keyring", &["keyNamespace", "keyName", "key"])?;
    let field = |name: &str| {
        Reflect::get(keyring, &name.into()).map_err(|e| super::threw(&format!("keyring.{name}"), e))
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

/// Unwraps the message's own data key with a raw AES keyring (namespace, name, wrapping key):
/// for offline use and tests, where no key broker is involved. Returns the plaintext data key.
#[wasm_bindgen(js_name = unwrapRawAesDataKey)]
pub fn unwrap_raw_aes_data_key(
    message: JsValue,
    keyring: JsValue,
    options: JsValue,
) -> Result<Uint8Array, JsValue> {
    let message = super::bytes_arg(&message, "unwrapRawAesDataKey: message")?;
    let keyring = keyring_from_js(&keyring)?;
    let opts = Options::from_js(&options, UNWRAP_OPTIONS)?;
    let header = read_header(&message, &opts.core)?;
    let data_key =
        keyring.unwrap_data_key_with_context(header.unverified(), &opts.core.expected_context)?;
    Ok(Uint8Array::from(data_key.expose()))
}
