//! JS bindings of one-shot envelope decryption: `parseHeader`, `decrypt`, `defaultEngine`, and the
//! entry's `readOptions` and `needsMore` (which module decrypts a message)
//! (streams: `stream.rs`, range reads: `range.rs`, S3EC: `s3.rs`, raw AES keyrings: `keyring.rs`).
//!
//! Every API drives the core's one [`Decryptor`] and opens frames through the core's frame loop
//! ([`FrameLoop`]) with the engine `super::engine` keys once per message. One-shot keeps the
//! message in JS: the decryptor sees it in chunks copied into wasm memory ([`Feed`], which skips
//! the frame bytes it does not read), and the engine opens each frame from a view of the
//! caller's buffer. Streams open frames from views of each pushed chunk (`stream.rs`; the
//! decryptor of an unsigned one is fed as here, a signed one's every byte, which it hashes);
//! range reads copy each frame's ciphertext through wasm memory. With WebCrypto, plaintext stays in JS buffers,
//! with the Rust engine it is opened in `Zeroizing` wasm buffers and copied out.

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::args::{self, Options, DECRYPT_OPTIONS};
use super::convert::header_to_js;
use super::engine::{JsEngine, Output, Plaintext};
use super::feed::{Feed, CHUNK};
use super::signature::OneShotSignature;
use super::webcrypto;
use crate::envelope::decrypt::{DecryptOptions, Decryptor};
use crate::envelope::frames::FrameLoop;
use crate::envelope::header::UnverifiedHeader;
use crate::envelope::keys::DataKey;
use crate::envelope::random_access::{plaintext_len_hint, HINT_TAIL_BYTES};
use crate::err;
use crate::error::Result;

/// Reads the header from the start of `bytes` without copying more of the message into wasm
/// than the header needs.
pub(super) fn read_header(bytes: &Uint8Array, opts: &DecryptOptions) -> Result<UnverifiedHeader> {
    let mut dec = Decryptor::without_frame_copies(opts.clone());
    push_until(&mut dec, bytes, |d| d.unverified_header().is_some())?;
    match dec.unverified_header() {
        Some(h) => Ok(h.clone()),
        None => Err(dec
            .finish()
            .err()
            .unwrap_or_else(|| err!(Truncated, "input ends inside the header"))),
    }
}

/// Pushes `bytes` into `dec`, copied into wasm memory (4 KiB first, then [`CHUNK`]s), until
/// `done(dec)` or the decryptor stops taking them (it waits for a key or a header tag); how many
/// bytes it took.
pub(super) fn push_until(
    dec: &mut Decryptor,
    bytes: &Uint8Array,
    done: impl Fn(&Decryptor) -> bool,
) -> Result<u32> {
    let total = bytes.length() as usize;
    let mut pos = 0usize;
    let mut buf = Vec::new();
    while !done(dec) && pos < total {
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
    Ok(pos as u32)
}

/// Reads the header of an ESDK message. **Unauthenticated**: nothing in it can be trusted until
/// `decrypt` verifies it with the data key. It is what a page sends to its key broker.
#[wasm_bindgen(js_name = parseHeader)]
pub fn parse_header(bytes: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let bytes = args::bytes_arg(&bytes, "parseHeader: bytes")?;
    let opts = Options::from_js(&options, DECRYPT_OPTIONS)?;
    Ok(header_to_js(read_header(&bytes, &opts.core)?.unverified()))
}

/// The options of `decrypt` and `parseHeader` (`stream`: of `decryptStream`, less the TS layer's
/// `signal`), read once and checked as those read them, as a plain object of their values
/// ([`Options::to_js`]): what the TS layer passes to whichever module decrypts the message
/// ([`needs_more`]).
#[cfg(not(feature = "rust-crypto"))]
#[wasm_bindgen(js_name = readOptions)]
pub fn read_options(options: JsValue, stream: bool) -> Result<JsValue, JsValue> {
    let allowed = if stream {
        args::STREAM_OPTIONS
    } else {
        DECRYPT_OPTIONS
    };
    Ok(Options::from_js(&options, allowed)?.to_js())
}

/// Whether this module lacks what a message needs, from its first bytes (`bytes`, the header
/// at least) under `options` (as [`read_options`] gave them): a signed suite's curve code (its
/// header is refused here as it is read, ENGINE_UNAVAILABLE), or, when `engine` (to decrypt, not
/// only read the header), the pure-Rust AES-GCM engine (`engine: 'rust'`, a key size WebCrypto
/// lacks, no WebCrypto). The decrypt module's second half has both. TRUNCATED while `bytes` end
/// inside the header; any other fault of the header as `parseHeader` reports it.
#[cfg(not(feature = "rust-crypto"))]
#[wasm_bindgen(js_name = needsMore)]
pub fn needs_more(bytes: &Uint8Array, options: JsValue, engine: bool) -> Result<bool, JsValue> {
    let opts = Options::from_js(&options, DECRYPT_OPTIONS)?;
    match read_header(bytes, &opts.core) {
        Ok(h) => Ok(engine && !opts.use_webcrypto(h.unverified().suite.key_len)?),
        Err(e) if e.code == crate::error::ErrorCode::EngineUnavailable => Ok(true),
        Err(e) => Err(e.into()),
    }
}

/// `value` as a `Uint8Array` over the same bytes (see `bytes_arg`); `INVALID_ARGUMENT` naming
/// `what` if it holds no bytes. For the TS layer's stream, which gathers chunks before they
/// reach wasm.
#[wasm_bindgen(js_name = asBytes)]
pub fn as_bytes(value: JsValue, what: &str) -> Result<Uint8Array, JsValue> {
    args::bytes_arg(&value, what)
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
        let message = args::bytes_arg(&message, "decrypt: message")?;
        let key = args::bytes_arg(&data_key, "decrypt: dataKey")?;
        let opts = Options::from_js(&options, DECRYPT_OPTIONS)?;
        Ok::<_, JsValue>((message, DataKey::from_vec(key.to_vec()), opts))
    })();
    future_to_promise(async move {
        let (message, key, opts) = args?;
        Ok(decrypt_message(&message, key, &opts).await?.into())
    })
}

/// Feeds `message` to the decryptor in chunks copied into wasm memory ([`Feed`]) and opens its
/// frames through the core's frame loop, in batches, from views of `message` (whichever the engine:
/// WebCrypto never copies them into wasm memory; the pure-Rust engine copies one frame at a time
/// into a zeroized buffer); writes verified plaintext into one preallocated JS buffer, returned
/// only once the whole message verified (zeroed otherwise). Signed suites: with WebCrypto the
/// decryptor does not hash the message itself; a Worker does (large framed messages, see
/// `hash_worker`), or WebCrypto verifies the footer's ECDSA signature over the message bytes
/// natively. With the pure-Rust engine (which also serves where WebCrypto is missing) the
/// decryptor hashes and verifies in wasm.
async fn decrypt_message(
    message: &Uint8Array,
    data_key: DataKey,
    opts: &Options,
) -> Result<Uint8Array> {
    let key_len = read_header(message, &opts.core)?.unverified().suite.key_len;
    let webcrypto = opts.use_webcrypto(key_len)?;
    let message = &if webcrypto {
        webcrypto::unshared(message.clone())
    } else {
        message.clone()
    };
    let total = message.length() as usize;
    let mut dec = Decryptor::without_frame_copies(opts.core.clone());
    if webcrypto {
        dec.verify_signature_externally()?;
    } else {
        // Each frame is opened in wasm memory.
        dec = dec.limit_frames();
    }
    dec.set_data_key_for_engine(data_key)?;
    let mut feed = Feed::new(message);
    // The header: up to its tag, which the message's engine checks.
    while !dec.header_tag_pending() {
        if !feed.push(&mut dec)? {
            // The message ends inside the header: finish names where.
            dec.finish()?;
            return Err(err!(Truncated, "message ends inside its header"));
        }
    }
    let mut frames = keyed_frames(&mut dec, webcrypto).await?;
    let mut signature = OneShotSignature::start(&dec, webcrypto, total);
    let mut out = Plaintext::Buffer(sized_output(message, &dec));
    let result = async {
        let mut more = true;
        loop {
            if !more {
                signature.message_read(&mut dec, message).await?;
            }
            if let Some(f) = dec.next_frame() {
                frames.queue(&f, f.range.clone());
                let step_done = signature.step_due(frames.queued().end());
                // The last frame opens the batch before the footer is pushed: a frame that does
                // not verify is reported before the signature (which the decryptor checks
                // itself as soon as it reads the footer, with the pure-Rust engine).
                if !frames.is_full() && !step_done && !f.is_last() {
                    continue;
                }
            } else if more {
                more = feed.push(&mut dec)?;
                continue;
            } else if frames.queued().is_empty() {
                break;
            }
            signature.push(message, frames.queued().end()).await;
            frames.open(message, &mut out, Some(&mut dec)).await?;
        }
        signature.finish(&mut dec, message).await?;
        dec.finish()
    }
    .await;
    let Plaintext::Buffer(out) = out else {
        return Err(err!(InvalidState, "one-shot plaintext went to pieces"));
    };
    match result {
        Ok(()) => Ok(out.into_plaintext()),
        Err(e) => {
            out.wipe();
            Err(e)
        }
    }
}

/// The frame loop of a decryptor whose header tag waits ([`Decryptor::header_tag_pending`]):
/// the message's engine (WebCrypto when `webcrypto`, else the pure-Rust engine), keyed with the
/// content key, checks the header tag and then opens the frames.
pub(super) async fn keyed_frames(
    dec: &mut Decryptor,
    webcrypto: bool,
) -> Result<FrameLoop<JsEngine>> {
    let key = dec
        .content_key()
        .ok_or_else(|| err!(InvalidState, "no content key"))?;
    let frames = FrameLoop::new(JsEngine::keyed(key, webcrypto).await?);
    dec.verify_header_tag(frames.engine()).await?;
    Ok(frames)
}

/// A one-shot decryption's output, sized before the first frame by the plaintext length the
/// message's layout states ([`plaintext_len_hint`], unauthenticated; `dec` has verified the
/// header), so the plaintext is returned as exactly its own buffer, without a copy: callers
/// that hand `result.buffer` on (`decodeAudioData`, `Blob`, `postMessage`) get no padding. A
/// layout that does not match its frames only costs copies.
fn sized_output(message: &Uint8Array, dec: &Decryptor) -> Output {
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
    Output::with_len(hint.map_or(total.saturating_sub(header_len), |n| n as u32))
}
