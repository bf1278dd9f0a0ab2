//! JS bindings of reading through the caller's `RangeSource` (`{ size, read(offset, length) }`):
//! `readHeader` and `openRangeReader`. The open protocol is the core's
//! ([`read_header`], [`RandomAccessReader::open`]); here the JS source becomes a core
//! [`RangeSource`] and a read's frames are opened with the engine the options pick.

use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;

use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use super::args::{self, js_number, Options, DECRYPT_OPTIONS};
use super::convert::{header_to_js, verified_header_to_js};
use super::engine::{queue_copies, sealed_len, JsEngine, Output, Plaintext};
use crate::envelope::decrypt::{DecryptOptions, SealedFrame};
use crate::envelope::footer_check::verify_signature;
use crate::envelope::frames::FrameLoop;
use crate::envelope::keys::{ContentKey, DataKey};
use crate::envelope::random_access::{read_header, RandomAccessReader, RangeSource};
use crate::err;
use crate::error::Result;

/// The caller's `RangeSource`, read by the core.
struct JsRangeSource {
    source: JsValue,
    read: Function,
    size: u64,
    /// The API reading it, for error messages.
    api: &'static str,
    /// The error a `read` ended with, given to the caller as it is: its own (a failed fetch, an
    /// aborted request), or INVALID_ARGUMENT for a result that holds no bytes.
    thrown: Rc<RefCell<Option<JsValue>>>,
}

impl JsRangeSource {
    /// Reads `size` (a whole number of bytes) and `read` (a function) of `source` now.
    fn from_js(source: &JsValue, api: &'static str) -> Result<JsRangeSource, JsValue> {
        if !source.is_object() {
            let got = args::describe(source);
            return Err(args::invalid_argument(
                &format!("{api}: source"),
                format!("expected an object with size and read, got {got}"),
            ));
        }
        let field = |name: &str| {
            Reflect::get(source, &name.into())
                .map_err(|e| args::threw(&format!("{api}: source.{name}"), e))
        };
        let size = field("size")?;
        let whole = size
            .as_f64()
            .filter(|n| n.fract() == 0.0 && (0.0..=9_007_199_254_740_991.0).contains(n));
        let Some(bytes) = whole else {
            let got = size
                .as_f64()
                .map_or_else(|| args::describe(&size), |_| js_number(&size));
            return Err(args::invalid_argument(
                &format!("{api}: source.size"),
                format!("must be the object's size in bytes, got {got}"),
            ));
        };
        let read = field("read")?.dyn_into::<Function>().map_err(|v| {
            let got = args::describe(&v);
            args::invalid_argument(
                &format!("{api}: source.read"),
                format!("expected a function, got {got}"),
            )
        })?;
        Ok(JsRangeSource {
            source: source.clone(),
            read,
            size: bytes as u64,
            api,
            thrown: Rc::new(RefCell::new(None)),
        })
    }
}

impl RangeSource for JsRangeSource {
    fn size(&self) -> u64 {
        self.size
    }

    async fn read(&self, range: Range<u64>) -> Result<Vec<u8>> {
        let (offset, length) = (range.start, range.end - range.start);
        let what = format!("{}: source.read({offset}, {length})", self.api);
        let answer = match self.read.call2(
            &self.source,
            &(offset as f64).into(),
            &(length as f64).into(),
        ) {
            Ok(v) => JsFuture::from(Promise::resolve(&v)).await,
            Err(e) => Err(e),
        };
        let bytes = answer.and_then(|v| args::bytes_arg(&v, &what));
        match bytes {
            Ok(bytes) => Ok(bytes.to_vec()),
            Err(e) => {
                self.thrown.replace(Some(e));
                Err(err!(InvalidArgument, "{what} failed"))
            }
        }
    }
}

/// What reaches JS for a failure while reading `thrown`'s source: the source's own error, if
/// its `read` failed, else `e`.
fn to_js(thrown: &RefCell<Option<JsValue>>, e: crate::Error) -> JsValue {
    thrown.take().unwrap_or_else(|| e.into())
}

/// Reads the header of the message in `source` (4 KiB first, more while it goes on, up to the
/// header length limit). **Unauthenticated**, as `parseHeader`'s, with the same checks.
#[wasm_bindgen(js_name = readHeader)]
pub fn read_header_js(source: JsValue, options: JsValue) -> Promise {
    let args = Options::from_js(&options, DECRYPT_OPTIONS)
        .and_then(|opts| Ok((JsRangeSource::from_js(&source, "readHeader")?, opts)));
    future_to_promise(async move {
        let (source, opts) = args?;
        let header = read_header(&source, &opts.core)
            .await
            .map_err(|e| to_js(&source.thrown, e))?;
        Ok(header_to_js(header.unverified()))
    })
}

struct RangeState {
    /// Its engine keyed once, when the reader opened; shared by the reads.
    reader: RandomAccessReader<JsRangeSource, JsEngine>,
}

/// Authenticated random access to a message through the caller's source (under the TS layer's
/// `openRangeReader`). See `RangeReader` in types.ts for what is verified before the whole
/// message is seen.
#[wasm_bindgen]
pub struct RangeReader {
    /// Shared with reads in progress: `close` drops the reader's hold, and the keys go when
    /// the last read using them ends.
    state: Rc<RefCell<Option<Rc<RangeState>>>>,
    thrown: Rc<RefCell<Option<JsValue>>>,
    header: JsValue,
    plaintext_len: u64,
}

fn closed() -> JsValue {
    err!(InvalidState, "range reader is closed").into()
}

/// Opens a reader: reads and verifies the header with the data key, then opens the final frame
/// (which authenticates the plaintext length). The key and options are read before it returns
/// (the caller may wipe its copy of the key then).
#[wasm_bindgen(js_name = openRangeReader)]
pub fn open_range_reader(source: JsValue, data_key: JsValue, options: JsValue) -> Promise {
    let args = args::bytes_arg(&data_key, "openRangeReader: dataKey").and_then(|key| {
        let key = DataKey::from_vec(key.to_vec());
        let opts = Options::from_js(&options, DECRYPT_OPTIONS)?;
        Ok((
            JsRangeSource::from_js(&source, "openRangeReader")?,
            key,
            opts,
        ))
    });
    future_to_promise(async move {
        let (source, key, opts) = args?;
        let thrown = source.thrown.clone();
        // The message's engine, keyed with the content key, checks the header tag and the final
        // frame, then opens the reads' frames.
        let options = &opts;
        let keyed = |content_key: ContentKey| async move {
            let webcrypto = options.use_webcrypto(content_key.expose().len())?;
            JsEngine::keyed(&content_key, webcrypto).await
        };
        let reader = RandomAccessReader::open_with(source, &key, &opts.core, keyed).await;
        drop(key);
        let reader = reader.map_err(|e| to_js(&thrown, e))?;
        Ok(RangeReader {
            header: verified_header_to_js(reader.access().header().info()),
            plaintext_len: reader.plaintext_len(),
            state: Rc::new(RefCell::new(Some(Rc::new(RangeState { reader })))),
            thrown,
        }
        .into())
    })
}

#[wasm_bindgen]
impl RangeReader {
    /// The header, verified (`unauthenticated: false`).
    #[wasm_bindgen(getter)]
    pub fn header(&self) -> JsValue {
        self.header.clone()
    }

    /// The authenticated plaintext length.
    #[wasm_bindgen(getter, js_name = plaintextLength)]
    pub fn plaintext_length(&self) -> f64 {
        self.plaintext_len as f64
    }

    /// Plaintext `[offset, offset + length)`: fetches the covering frames in one source read,
    /// authenticates and decrypts them.
    pub fn read(&self, offset: f64, length: f64) -> Promise {
        let (state, thrown) = (self.state.clone(), self.thrown.clone());
        future_to_promise(async move {
            let (offset, length) = (offset as u64, length as u64);
            // Not borrowed across awaits: the read holds the state while it reads and opens.
            let st = state.borrow().clone().ok_or_else(closed)?;
            let frames = st
                .reader
                .fetch(offset, length)
                .await
                .map_err(|e| to_js(&thrown, e))?;
            if state.borrow().is_none() {
                return Err(closed());
            }
            let Some(first) = frames.first().map(|(f, _)| f.plaintext.start) else {
                return Ok(Uint8Array::new_with_length(0).into());
            };
            let total: u64 = frames
                .iter()
                .map(|(f, _)| f.plaintext.end - f.plaintext.start)
                .sum();
            let sealed: Vec<_> = frames.into_iter().map(|(_, s)| s).collect();
            let out = open_sealed(&st, &sealed, total).await?;
            let from = offset - first;
            // A read of whole frames is the buffer they were opened into; else a copy of its part.
            if from == 0 && length == total {
                return Ok(out.into());
            }
            Ok(out.slice(from as u32, (from + length) as u32).into())
        })
    }

    /// Wipes the keys (once a read opening frames right now ends). Later reads fail with
    /// INVALID_STATE.
    pub fn close(&self) {
        self.state.take();
    }
}

/// Opens `frames` (`total` bytes of plaintext) in order with the reader's engine, through the
/// frame loop: their sealed bytes copied back to back into one JS buffer.
async fn open_sealed(st: &RangeState, frames: &[SealedFrame], total: u64) -> Result<Uint8Array> {
    let source = Uint8Array::new_with_length(sealed_len(frames) as u32);
    let mut lp = FrameLoop::new(st.reader.engine());
    queue_copies(&mut lp, frames, &source);
    let mut out = Plaintext::Buffer(Output::with_len(total as u32));
    lp.open(&source, &mut out, None).await?;
    match out {
        Plaintext::Buffer(out) if u64::from(out.written) == total => Ok(out.buf),
        _ => Err(err!(
            MalformedBody,
            "frame plaintext does not match the plan"
        )),
    }
}

/// Checks the footer signature of the signed message in `source` from its bytes alone (no data
/// key, nothing decrypted: `envelope::footer_check`). `options`: `chunkSize` (bytes read at a
/// time, default 1 MiB), `signal` (an AbortSignal: the check stops between reads with its
/// reason), `onProgress(hashed, total)`. Resolves with the header it read (unauthenticated).
#[wasm_bindgen(js_name = verifySignature)]
pub fn verify_signature_js(source: JsValue, options: JsValue) -> Promise {
    let args = JsRangeSource::from_js(&source, "verifySignature")
        .and_then(|s| Ok((s, SignatureCheckArgs::from_js(&options)?)));
    future_to_promise(async move {
        let (source, args) = args?;
        let thrown = source.thrown.clone();
        let after_chunk = |hashed: u64, total: u64| -> Result<()> {
            if let Some(signal) = &args.signal {
                let aborted = Reflect::get(signal, &"aborted".into()).is_ok_and(|v| v.is_truthy());
                if aborted {
                    let reason =
                        Reflect::get(signal, &"reason".into()).unwrap_or(JsValue::UNDEFINED);
                    thrown.replace(Some(reason));
                    return Err(err!(InvalidState, "verifySignature: aborted"));
                }
            }
            if let Some(f) = &args.on_progress {
                // A progress callback that throws does not stop the check.
                let _ = f.call2(
                    &JsValue::UNDEFINED,
                    &(hashed as f64).into(),
                    &(total as f64).into(),
                );
            }
            Ok(())
        };
        let header = verify_signature(&source, &DecryptOptions::default(), args.chunk, after_chunk)
            .await
            .map_err(|e| to_js(&source.thrown, e))?;
        Ok(header_to_js(header.unverified()))
    })
}

/// `verifySignature`'s options.
struct SignatureCheckArgs {
    chunk: u64,
    /// An AbortSignal (read through its `aborted` and `reason`).
    signal: Option<JsValue>,
    on_progress: Option<Function>,
}

impl SignatureCheckArgs {
    fn from_js(options: &JsValue) -> Result<SignatureCheckArgs, JsValue> {
        let field = |name: &str| -> Result<Option<JsValue>, JsValue> {
            if options.is_undefined() || options.is_null() {
                return Ok(None);
            }
            let v = Reflect::get(options, &name.into())
                .map_err(|e| args::threw(&format!("verifySignature: options.{name}"), e))?;
            Ok((!v.is_undefined()).then_some(v))
        };
        let chunk = match field("chunkSize")? {
            None => 1 << 20,
            Some(v) => match v
                .as_f64()
                .filter(|n| n.fract() == 0.0 && *n >= 1.0 && *n <= 9_007_199_254_740_991.0)
            {
                Some(n) => n as u64,
                None => {
                    let got = args::describe(&v);
                    return Err(args::invalid_argument(
                        "verifySignature: options.chunkSize",
                        format!("must be a positive whole number of bytes, got {got}"),
                    ));
                }
            },
        };
        let on_progress = match field("onProgress")? {
            None => None,
            Some(v) => Some(v.dyn_into::<Function>().map_err(|v| {
                let got = args::describe(&v);
                args::invalid_argument(
                    "verifySignature: options.onProgress",
                    format!("expected a function, got {got}"),
                )
            })?),
        };
        Ok(SignatureCheckArgs {
            chunk,
            signal: field("signal")?,
            on_progress,
        })
    }
}
