//! The one decryptor: a sans-IO state machine that every decrypt API drives.
//!
//! spec: client-apis/decrypt.md
//!
//! ```text
//!   push(bytes) ──► header parsed ──(data key)──► header verified ──► sealed frames ──► footer ──► done
//!                   UnverifiedHeader               VerifiedHeader      SealedFrame            signature
//! ```
//!
//! - [`Decryptor::push`] takes input in chunks of any size and returns how many bytes it used.
//!   It stops early (returns fewer than given) when it holds a complete frame the caller has
//!   not taken ([`Decryptor::next_frame`]) or when it needs the data key
//!   ([`Decryptor::set_data_key`]). So it never buffers more than one frame plus the header,
//!   and what it buffers grows with the bytes that arrived, never from a length the message
//!   declares.
//! - The header tag is checked by an AES-GCM engine keyed with the content key:
//!   [`Decryptor::set_data_key`] checks it with the pure-Rust engine, right away;
//!   [`Decryptor::set_data_key_for_engine`] leaves it to the caller's engine (the one that opens
//!   the frames, e.g. WebCrypto): the decryptor then waits ([`Decryptor::header_tag_pending`])
//!   until [`Decryptor::verify_header_tag`] checked it with that engine.
//! - Frames come out *sealed* ([`SealedFrame`]: sequence number, IV, AAD, ciphertext ‖ tag):
//!   the caller opens them with a keyed engine (one key schedule per message), through the
//!   frame loop ([`crate::envelope::frames::FrameLoop`], any [`crate::engine::FrameEngine`]:
//!   the pure-Rust [`crate::engine::RustAesGcm`], WebCrypto) or one at a time
//!   ([`SealedFrame::open`]), and then reports each successful open, in order, with
//!   [`Decryptor::frame_opened`].
//! - [`Decryptor::finish`] says the input ended: `TRUNCATED` if the message is incomplete,
//!   `INVALID_STATE` if a frame was not reported opened. Bytes after the end of the message are
//!   `TRAILING_BYTES` as soon as they are pushed.
//!
//! Convenience APIs on top: [`decrypt`] / [`decrypt_in_place`] (one-shot; nothing is released
//! until the header, every frame and the signature verified) and [`StreamDecryptor`] (releases
//! each frame's plaintext once its tag verified).

use std::ops::Range;

use crate::engine::{FrameEngine, RustAesGcm};
use crate::envelope::body::{body_aad, BodyKind, FrameIv, FINAL_FRAME_MARKER, MAX_NON_FRAMED_LEN};
use crate::envelope::footer::{MessageHasher, PublicKeyPoint};
use crate::envelope::frames::FrameLoop;
use crate::envelope::header::{
    ContentType, HeaderLimits, HeaderParser, UnverifiedHeader, VerifiedHeader,
    DEFAULT_MAX_HEADER_LEN,
};
use crate::envelope::keys::{verify_with_rust, ContentKey, DataKey, HeaderCheck};
use crate::envelope::random_access::run_ready;
use crate::envelope::suite::{Suite, TAG_LEN};
use crate::err;
use crate::error::Result;

/// What to do with messages of signed suites (0214, 0346, 0378, 0578).
///
/// A signed message's footer signature covers every byte before it, so only an API that holds
/// its plaintext back until the footer verified ([`Release::AfterSignature`]: one-shot
/// [`decrypt`]) can hand out plaintext the signer wrote. Frame tags alone show only that the
/// plaintext was written by someone holding the data key: every reader the key broker answered
/// could forge frames that pass. Streams ([`Release::BeforeSignature`]) and random access
/// ([`Release::WithoutSignature`]) therefore take signed messages only when asked to
/// ([`SignedMessages::ReleaseBeforeVerify`]), as the AWS Encryption SDKs' unsigned-only
/// streaming modes refuse them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignedMessages {
    /// Verify the footer signature before any plaintext is released: one-shot decrypts signed
    /// messages; streams and random access refuse them with `SIGNED_MESSAGE_REFUSED` as soon as
    /// the header is parsed, before the data key is used, naming the opt-in.
    #[default]
    Verify,
    /// Also let streams and random access take signed messages: a stream releases each frame
    /// once its tag verifies and checks the signature at the end (`SIGNATURE_INVALID`,
    /// `TRUNCATED` after frames were released); random access never checks it.
    ReleaseBeforeVerify,
    /// Refuse signed messages with `SIGNED_MESSAGE_REFUSED` as soon as the header is parsed,
    /// before the data key is used, in every API.
    Reject,
}

/// When a decrypt API hands out plaintext, relative to a signed message's footer signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// Nothing before the whole message, signature included, verified (one-shot).
    AfterSignature,
    /// Each frame once its tag verified; the signature is checked at the end (streams).
    BeforeSignature,
    /// Each frame read once its tag verified; the signature is never checked (random access).
    WithoutSignature,
}

impl SignedMessages {
    /// Whether an API that releases plaintext as `release` says may read a message of `suite`:
    /// `SIGNED_MESSAGE_REFUSED` otherwise, naming what would be released and the opt-in.
    pub fn admit(self, suite: &Suite, release: Release) -> Result<()> {
        if !suite.is_signed() {
            return Ok(());
        }
        let id = suite.id_hex();
        let unverified = match (self, release) {
            (SignedMessages::Reject, _) => {
                return Err(err!(
                    SignedMessageRefused,
                    "suite {id} is signed and signed messages are refused"
                ))
            }
            (_, Release::AfterSignature) | (SignedMessages::ReleaseBeforeVerify, _) => {
                return Ok(())
            }
            (SignedMessages::Verify, Release::BeforeSignature) => {
                "a stream releases each frame before the footer signature is checked"
            }
            (SignedMessages::Verify, Release::WithoutSignature) => {
                "random access never checks the footer signature"
            }
        };
        Err(err!(
            SignedMessageRefused,
            "suite {id} is signed and {unverified}: opt in with signedMessages \
             'release-before-verify' (SignedMessages::ReleaseBeforeVerify), or decrypt the \
             whole message, which verifies the signature before releasing anything"
        ))
    }
}

/// Decrypt options.
#[derive(Debug, Clone)]
pub struct DecryptOptions {
    /// Pairs the message's encryption context must contain (`CONTEXT_MISMATCH` otherwise).
    pub expected_context: Vec<(String, String)>,
    /// Maximum number of encrypted data keys (`TOO_MANY_DATA_KEYS`); `None` = no limit.
    pub max_encrypted_data_keys: Option<u16>,
    /// Signed-suite policy.
    pub signed_messages: SignedMessages,
    /// Header size cap in bytes (`LIMIT_EXCEEDED`).
    pub max_header_len: usize,
    /// Largest frame (or non-framed block) the decryptor will buffer, in ciphertext bytes
    /// (`LIMIT_EXCEEDED`). Applies when the decryptor copies frames (streaming) and to random
    /// access (which buffers one frame at a time), to each frame the message has: a header's
    /// frame length above it refuses nothing by itself.
    pub max_frame_buffer: u64,
    /// Largest whole message in bytes (`LIMIT_EXCEEDED` as soon as a frame, block or the
    /// object size says the message is longer). Default: no limit (`u64::MAX`).
    pub max_message_len: u64,
}

/// Default [`DecryptOptions::max_frame_buffer`]: 256 MiB.
pub const DEFAULT_MAX_FRAME_BUFFER: u64 = 256 << 20;

impl Default for DecryptOptions {
    fn default() -> Self {
        DecryptOptions {
            expected_context: Vec::new(),
            max_encrypted_data_keys: None,
            signed_messages: SignedMessages::Verify,
            max_header_len: DEFAULT_MAX_HEADER_LEN,
            max_frame_buffer: DEFAULT_MAX_FRAME_BUFFER,
            max_message_len: u64::MAX,
        }
    }
}

impl DecryptOptions {
    pub(crate) fn header_limits(&self) -> HeaderLimits {
        HeaderLimits {
            max_encrypted_data_keys: self.max_encrypted_data_keys,
            max_header_len: self.max_header_len,
        }
    }
}

/// One body unit (frame or non-framed block) ready to be opened.
#[derive(Debug, Clone)]
pub struct SealedFrame {
    /// Sequence number (1 for the non-framed block).
    pub seq: u32,
    /// Regular frame, final frame or single block.
    pub kind: BodyKind,
    /// The IV (checked to be the sequence number).
    pub iv: FrameIv,
    /// The body AAD to authenticate.
    pub aad: Vec<u8>,
    /// Plaintext length of this unit.
    pub plaintext_len: u64,
    /// Absolute byte range of ciphertext ‖ tag in the message.
    pub range: Range<u64>,
    /// Ciphertext ‖ tag (empty for a decryptor made with [`Decryptor::without_frame_copies`]).
    data: Vec<u8>,
}

impl SealedFrame {
    pub(crate) fn from_parts(
        seq: u32,
        kind: BodyKind,
        iv: FrameIv,
        aad: Vec<u8>,
        plaintext_len: u64,
        range: Range<u64>,
        data: Vec<u8>,
    ) -> Self {
        SealedFrame {
            seq,
            kind,
            iv,
            aad,
            plaintext_len,
            range,
            data,
        }
    }
    /// Whether this is the last unit of the body (final frame or single block).
    pub fn is_last(&self) -> bool {
        self.kind != BodyKind::RegularFrame
    }
    /// Ciphertext ‖ tag, the input WebCrypto's `decrypt` takes.
    pub fn ciphertext_and_tag(&self) -> &[u8] {
        &self.data
    }
    /// Opens the frame with `cipher` (keyed with the content key), in place, returning the
    /// plaintext.
    pub fn open(self, cipher: &RustAesGcm) -> Result<Vec<u8>> {
        let mut data = self.data;
        let what = unit_name(self.kind, self.seq);
        let ct_len = data
            .len()
            .checked_sub(TAG_LEN)
            .ok_or_else(|| err!(InvalidState, "{what}: no ciphertext held"))?;
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(&data[ct_len..]);
        data.truncate(ct_len);
        cipher.open_in_place(self.iv.bytes(), &self.aad, &mut data, &tag, &what)?;
        Ok(data)
    }
}

pub(crate) fn unit_name(kind: BodyKind, seq: u32) -> String {
    match kind {
        BodyKind::RegularFrame => format!("frame {seq}"),
        BodyKind::FinalFrame => format!("final frame {seq}"),
        BodyKind::SingleBlock => "non-framed body".to_string(),
    }
}

/// Where the decryptor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Header,
    NeedKey,
    /// The header tag waits for the caller's engine ([`Decryptor::verify_header_tag`]).
    HeaderTag,
    /// Collecting a frame's fixed fields into `small` (`need` bytes in total).
    FrameHead {
        need: usize,
    },
    /// Collecting the non-framed IV and length.
    BlockHead,
    /// Collecting ciphertext ‖ tag of the current unit (copied as it arrives, see [`grow_for`]).
    Content,
    FooterLen,
    FooterSig {
        len: usize,
    },
    Done,
    Failed,
}

/// The current unit being read.
#[derive(Debug)]
struct Unit {
    seq: u32,
    kind: BodyKind,
    iv: FrameIv,
    content_len: u64,
    start: u64,
    remaining: u64,
    data: Vec<u8>,
}

/// The sans-IO decryptor. See the [module documentation](self).
pub struct Decryptor {
    opts: DecryptOptions,
    copy_frames: bool,
    /// [`DecryptOptions::max_frame_buffer`] refuses a framed message's frames at their head: a
    /// decryptor that copies them, or one whose caller does ([`Decryptor::limit_frames`]).
    limit_frames: bool,
    /// It refuses a non-framed body too (copying decryptors, [`Decryptor::with_frame_ranges`]).
    limit_body: bool,
    /// How the caller hands out the frames' plaintext (which signed messages it admits).
    release: Release,
    phase: Phase,
    parser: HeaderParser,
    unverified: Option<UnverifiedHeader>,
    verified: Option<VerifiedHeader>,
    content_key: Option<ContentKey>,
    /// The data key given before the header was parsed, and the checks that go with it.
    pending_key: Option<(DataKey, Option<RustChecks>)>,
    /// The header whose tag waits for the caller's engine.
    header_check: Option<HeaderCheck>,
    /// The hash of the signed bytes: signed suites whose signature this decryptor checks itself.
    hasher: Option<MessageHasher>,
    /// A signed suite's verification key, as the header carries it.
    vkey: Option<PublicKeyPoint>,
    /// Verifies the footer signature over the digest of the hash above (given with
    /// [`Decryptor::set_data_key`]); without it the caller does ([`Decryptor::external_signature`]).
    verifier: Option<SignatureVerifier>,
    /// The digest of the signed bytes, once the footer was read without a verifier.
    digest: Option<Vec<u8>>,
    small: Vec<u8>,
    unit: Option<Unit>,
    ready: Option<SealedFrame>,
    footer: Vec<u8>,
    /// Bytes of the message consumed so far (absolute offset of the next byte).
    offset: u64,
    next_seq: u32,
    yielded: u32,
    opened: u32,
    last_yielded: bool,
    /// The footer signature is checked by the caller ([`Decryptor::verify_signature_externally`]).
    external_signature: bool,
    /// Length of the signed bytes (header ‖ body), known once the body ends.
    signed_len: u64,
    /// The footer was read in external mode and its verdict is not in yet.
    signature_pending: bool,
}

/// The checks [`Decryptor::set_data_key`] gives the decryptor, which it runs itself without
/// waiting: the header tag with the pure-Rust engine and the footer signature with the curve
/// code. [`Decryptor::set_data_key_for_engine`] gives neither: the caller's engine checks the
/// header tag, and the caller verifies the signature ([`Decryptor::external_signature`]).
#[derive(Clone, Copy)]
struct RustChecks {
    header: fn(HeaderCheck) -> Result<(VerifiedHeader, ContentKey)>,
    signature: SignatureVerifier,
}

/// Verifies a DER footer signature over the digest of the signed bytes.
type SignatureVerifier = fn(&PublicKeyPoint, &[u8], &[u8]) -> Result<()>;

/// A footer signature for the caller to verify (see [`Decryptor::verify_signature_externally`]):
/// ECDSA with the suite's hash over bytes `[0, signed_len)` of the message.
pub struct ExternalSignature<'a> {
    /// The verification key from the authenticated header's encryption context.
    pub key: &'a PublicKeyPoint,
    /// The DER signature from the footer.
    pub der: &'a [u8],
    /// How many leading message bytes (header and body) the signature covers.
    pub signed_len: u64,
    /// Their digest, when the decryptor hashed them (it was given the data key with
    /// [`Decryptor::set_data_key_for_engine`] and not told to leave the hash to the caller).
    pub digest: Option<&'a [u8]>,
}

impl ExternalSignature<'_> {
    /// Whether the signature verifies over `digest` (the hash of the signed bytes), with the
    /// curve code; `MALFORMED_HEADER` if the key does not decode.
    #[cfg(feature = "rust-crypto")]
    pub fn verifies_digest(&self, digest: &[u8]) -> Result<bool> {
        match self.key.verify_prehash(digest, self.der) {
            Ok(()) => Ok(true),
            Err(e) if e.code == crate::error::ErrorCode::SignatureInvalid => Ok(false),
            Err(e) => Err(e),
        }
    }
}

impl std::fmt::Debug for Decryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decryptor")
            .field("phase", &self.phase)
            .field("offset", &self.offset)
            .finish_non_exhaustive()
    }
}

impl Decryptor {
    /// A decryptor that copies each frame's ciphertext into its [`SealedFrame`], for a caller
    /// that releases each frame as it is opened ([`Release::BeforeSignature`]: streaming; see
    /// [`Decryptor::with_release`]).
    pub fn new(opts: DecryptOptions) -> Self {
        Self::build(opts, true, Release::BeforeSignature)
    }

    /// A decryptor that does not copy frame bytes: each [`SealedFrame`] only gives the
    /// [`SealedFrame::range`] of ciphertext ‖ tag in the message, for callers that hold the
    /// whole message and release it once it verified (one-shot, in-place decryption:
    /// [`Release::AfterSignature`]).
    pub fn without_frame_copies(opts: DecryptOptions) -> Self {
        Self::build(opts, false, Release::AfterSignature)
    }

    /// A decryptor for a stream that opens frames from its own input chunks: it does not copy
    /// frame bytes (each [`SealedFrame`] gives its [`SealedFrame::range`]; the caller keeps the
    /// bytes of the unit in progress across its inputs, [`Decryptor::sealed_range`]), the
    /// caller releases each frame as it is opened ([`Release::BeforeSignature`]), and every
    /// frame and a non-framed body above [`DecryptOptions::max_frame_buffer`] is refused at its
    /// head, as by a decryptor that copies them.
    pub fn with_frame_ranges(opts: DecryptOptions) -> Self {
        let mut dec = Self::build(opts, false, Release::BeforeSignature);
        dec.limit_frames = true;
        dec.limit_body = true;
        dec
    }

    /// Says when the caller releases plaintext, which decides the signed messages admitted
    /// ([`SignedMessages::admit`], checked when the header is parsed). Call before pushing.
    pub fn with_release(mut self, release: Release) -> Self {
        self.release = release;
        self
    }

    /// Refuses a framed message's frames above [`DecryptOptions::max_frame_buffer`] at their
    /// head (`LIMIT_EXCEEDED`, before their bytes arrive) although this decryptor does not copy
    /// them: for a caller that copies each frame into memory of its own to open it (the pure-Rust
    /// engine in wasm opens each frame in wasm memory, which never shrinks). A non-framed body
    /// is not limited here.
    pub fn limit_frames(mut self) -> Self {
        self.limit_frames = true;
        self
    }

    fn build(opts: DecryptOptions, copy_frames: bool, release: Release) -> Self {
        Decryptor {
            parser: HeaderParser::new(opts.header_limits()),
            opts,
            copy_frames,
            limit_frames: copy_frames,
            limit_body: copy_frames,
            release,
            phase: Phase::Header,
            unverified: None,
            verified: None,
            content_key: None,
            pending_key: None,
            header_check: None,
            hasher: None,
            vkey: None,
            verifier: None,
            digest: None,
            small: Vec::with_capacity(24),
            unit: None,
            ready: None,
            footer: Vec::new(),
            offset: 0,
            next_seq: 1,
            yielded: 0,
            opened: 0,
            last_yielded: false,
            external_signature: false,
            signed_len: 0,
            signature_pending: false,
        }
    }

    /// Leaves the footer signature to the caller, who holds the whole message and can hash it
    /// faster elsewhere (WebCrypto verifies ECDSA over the bytes natively). The decryptor then
    /// skips hashing; after the footer is read, [`Decryptor::external_signature`] gives what to
    /// verify and [`Decryptor::signature_checked`] takes the verdict. [`Decryptor::finish`]
    /// fails until a valid verdict was given. Call before the data key is set.
    pub fn verify_signature_externally(&mut self) -> Result<()> {
        if self.hasher.is_some() || self.verified.is_some() {
            return Err(err!(
                InvalidState,
                "verify_signature_externally must be called before the data key is set"
            ));
        }
        self.external_signature = true;
        Ok(())
    }

    /// The signature to verify, once the footer was read in external mode.
    pub fn external_signature(&self) -> Option<ExternalSignature<'_>> {
        if !self.signature_pending {
            return None;
        }
        Some(ExternalSignature {
            key: self.vkey.as_ref()?,
            der: &self.footer,
            signed_len: self.signed_len,
            digest: self.digest.as_deref(),
        })
    }

    /// How many leading message bytes (header and body) a signed suite's footer signs, once
    /// the body ended; `None` before, and for unsigned suites. Every byte consumed before then
    /// is signed.
    pub fn signed_len(&self) -> Option<u64> {
        (self.signed_len > 0).then_some(self.signed_len)
    }

    /// The caller's verdict on [`Decryptor::external_signature`]; `SIGNATURE_INVALID` if false.
    pub fn signature_checked(&mut self, valid: bool) -> Result<()> {
        if !self.signature_pending {
            return Err(err!(InvalidState, "no signature is waiting for a verdict"));
        }
        if !valid {
            self.phase = Phase::Failed;
            return Err(err!(SignatureInvalid, "footer signature does not verify"));
        }
        self.signature_pending = false;
        Ok(())
    }

    /// The parsed, **unauthenticated** header, while the decryptor waits for the data key.
    /// This is what a page sends to a key broker.
    pub fn unverified_header(&self) -> Option<&UnverifiedHeader> {
        self.unverified.as_ref()
    }

    /// Whether the header is parsed and the data key is needed to go on.
    pub fn needs_data_key(&self) -> bool {
        self.phase == Phase::NeedKey
    }

    /// The verified header (after [`Decryptor::set_data_key`] succeeded).
    pub fn verified_header(&self) -> Option<&VerifiedHeader> {
        self.verified.as_ref()
    }

    /// The content key that opens the frames, once derived from the data key: while the header
    /// tag waits for the caller's engine ([`Decryptor::header_tag_pending`]; key that engine
    /// with it) and after the header verified. Give it to an external engine to open
    /// [`SealedFrame`]s.
    pub fn content_key(&self) -> Option<&ContentKey> {
        self.content_key
            .as_ref()
            .or_else(|| self.header_check.as_ref().map(HeaderCheck::content_key))
    }

    /// Whether the header tag waits for [`Decryptor::verify_header_tag`] (after
    /// [`Decryptor::set_data_key_for_engine`]): the decryptor takes no more bytes until then.
    pub fn header_tag_pending(&self) -> bool {
        self.phase == Phase::HeaderTag
    }

    /// Checks the header tag with `engine`, keyed with [`Decryptor::content_key`] (the engine
    /// that then opens the frames), then the expected encryption context; the decryptor then
    /// goes on with the body. Errors as [`Decryptor::set_data_key`]'s (`TAG_MISMATCH`,
    /// `CONTEXT_MISMATCH`), or the engine's own; `INVALID_STATE` if no tag waits.
    pub async fn verify_header_tag<E: FrameEngine>(&mut self, engine: &E) -> Result<()> {
        let r = match (self.phase, self.header_check.take()) {
            (Phase::HeaderTag, Some(check)) => match check.complete(engine).await {
                Ok((verified, key)) => self.header_verified(verified, key),
                Err(e) => Err(e),
            },
            _ => Err(err!(InvalidState, "no header tag waits to be checked")),
        };
        self.fail_on_err(r)
    }

    /// The pure-Rust engine keyed with the content key (its key schedule runs here: build it
    /// once per message); `INVALID_STATE` before the header verified.
    pub fn cipher(&self) -> Result<RustAesGcm> {
        let key = self
            .content_key()
            .ok_or_else(|| err!(InvalidState, "frame before the header was verified"))?;
        RustAesGcm::new(key.expose())
    }

    /// Whether the whole message (footer included) has been read and checked; frames may still
    /// be waiting to be taken or reported opened.
    pub fn message_complete(&self) -> bool {
        self.phase == Phase::Done
    }

    /// Bytes of the message consumed so far.
    pub fn consumed(&self) -> u64 {
        self.offset
    }

    /// Gives the data key. May be called before any input (it is applied as soon as the header
    /// is parsed) or when [`Decryptor::needs_data_key`]. Verifies the key commitment and the
    /// header tag, then the expected encryption context and the public key.
    pub fn set_data_key(&mut self, key: DataKey) -> Result<()> {
        let checks = RustChecks {
            header: verify_with_rust,
            #[cfg(feature = "rust-crypto")]
            signature: PublicKeyPoint::verify_prehash,
            // No signed message's header is read without the curve code (`without_curves`).
            #[cfg(not(feature = "rust-crypto"))]
            signature: |_, _, _| Err(err!(EngineUnavailable, "no elliptic-curve code here")),
        };
        self.give_key(key, Some(checks))
    }

    /// Gives the data key, as [`Decryptor::set_data_key`], but leaves the header tag to the
    /// caller's engine: once the header is parsed and the key commitment verified, the
    /// decryptor waits ([`Decryptor::header_tag_pending`]) until [`Decryptor::verify_header_tag`]
    /// checked it with the engine keyed with [`Decryptor::content_key`] (WebCrypto, where the
    /// pure-Rust engine is not loaded).
    pub fn set_data_key_for_engine(&mut self, key: DataKey) -> Result<()> {
        self.give_key(key, None)
    }

    fn give_key(&mut self, key: DataKey, check: Option<RustChecks>) -> Result<()> {
        match self.phase {
            Phase::Header => {
                self.pending_key = Some((key, check));
                Ok(())
            }
            Phase::NeedKey => {
                let r = self.apply_key(key, check);
                self.fail_on_err(r)
            }
            Phase::Failed => Err(err!(InvalidState, "decryptor already failed")),
            _ => Err(err!(InvalidState, "data key already set")),
        }
    }

    fn fail_on_err<T>(&mut self, r: Result<T>) -> Result<T> {
        if r.is_err() {
            self.phase = Phase::Failed;
            self.ready = None;
            self.unit = None;
        }
        r
    }

    fn apply_key(&mut self, key: DataKey, rust_checks: Option<RustChecks>) -> Result<()> {
        let header = self
            .unverified
            .take()
            .ok_or_else(|| err!(InvalidState, "no header"))?;
        let check = HeaderCheck::begin(header, &key, &self.opts.expected_context)?;
        match rust_checks {
            Some(checks) => {
                self.verifier = Some(checks.signature);
                let (verified, content_key) = (checks.header)(check)?;
                self.header_verified(verified, content_key)
            }
            None => {
                self.header_check = Some(check);
                self.phase = Phase::HeaderTag;
                Ok(())
            }
        }
    }

    fn header_verified(&mut self, verified: VerifiedHeader, content_key: ContentKey) -> Result<()> {
        let info = verified.info();
        let mut hasher = MessageHasher::for_suite(&info.suite);
        self.vkey = info.public_key_point()?;
        if self.vkey.is_some() {
            hasher.update(verified.bytes());
        }
        let hasher = (self.vkey.is_some() && !self.external_signature).then_some(hasher);
        // The frame buffer limit applies to each frame as it starts (`start_unit`): a header's
        // frame length above it is no reason to refuse a message whose frames all fit (a short
        // message written with a large frame length has only its final frame).
        self.phase = match info.content_type {
            ContentType::Framed => Phase::FrameHead { need: 4 },
            ContentType::NonFramed => Phase::BlockHead,
        };
        self.hasher = hasher;
        self.verified = Some(verified);
        self.content_key = Some(content_key);
        Ok(())
    }

    /// Feeds message bytes; returns how many were used. Fewer than `input.len()` means: take
    /// the ready frame ([`Decryptor::next_frame`]) or give the data key, then push the rest.
    pub fn push(&mut self, input: &[u8]) -> Result<usize> {
        let r = self.push_inner(input);
        self.fail_on_err(r)
    }

    /// The next frame to open, if one is complete.
    pub fn next_frame(&mut self) -> Option<SealedFrame> {
        let f = self.ready.take()?;
        self.yielded += 1;
        if f.is_last() {
            self.last_yielded = true;
        }
        Some(f)
    }

    /// Reports that frame `seq` opened successfully (its tag verified). Frames must be reported
    /// in order; [`Decryptor::finish`] fails unless every frame was.
    pub fn frame_opened(&mut self, seq: u32) -> Result<()> {
        if seq != self.opened + 1 || seq > self.yielded {
            self.phase = Phase::Failed;
            return Err(err!(
                InvalidState,
                "frame {seq} reported opened out of order (expected {})",
                self.opened + 1
            ));
        }
        self.opened = seq;
        Ok(())
    }

    /// Ends the input. `Ok` only if the whole message was read, the signature verified (signed
    /// suites) and every frame was taken and reported opened.
    pub fn finish(&mut self) -> Result<()> {
        let r = self.finish_inner();
        self.fail_on_err(r)
    }

    fn finish_inner(&mut self) -> Result<()> {
        match self.phase {
            Phase::Header => Err(self.parser.truncated_error()),
            Phase::NeedKey => Err(err!(
                Truncated,
                "input ends right after the header (byte {})",
                self.offset
            )),
            Phase::HeaderTag => Err(err!(
                InvalidState,
                "the header tag was not checked (verify_header_tag)"
            )),
            Phase::FrameHead { .. } | Phase::BlockHead | Phase::Content => {
                let what = match &self.unit {
                    Some(u) => unit_name(u.kind, u.seq),
                    None => format!("frame {}", self.next_seq),
                };
                Err(err!(
                    Truncated,
                    "input ends inside {what} (at byte {})",
                    self.offset
                ))
            }
            Phase::FooterLen | Phase::FooterSig { .. } => Err(err!(
                Truncated,
                "input ends inside the footer (at byte {})",
                self.offset
            )),
            Phase::Failed => Err(err!(InvalidState, "decryptor already failed")),
            Phase::Done => {
                if self.signature_pending {
                    return Err(err!(
                        InvalidState,
                        "the footer signature was not verified (external signature mode)"
                    ));
                }
                if self.ready.is_some() || !self.last_yielded {
                    return Err(err!(InvalidState, "the last frame was not taken"));
                }
                if self.opened != self.yielded {
                    return Err(err!(
                        InvalidState,
                        "frame {} was not reported opened",
                        self.opened + 1
                    ));
                }
                Ok(())
            }
        }
    }

    fn push_inner(&mut self, input: &[u8]) -> Result<usize> {
        let mut used = 0usize;
        loop {
            if self.ready.is_some() {
                return Ok(used);
            }
            let rest = &input[used..];
            match self.phase {
                Phase::Failed => return Err(err!(InvalidState, "decryptor already failed")),
                Phase::NeedKey | Phase::HeaderTag => return Ok(used),
                Phase::Done => {
                    if rest.is_empty() {
                        return Ok(used);
                    }
                    return Err(err!(
                        TrailingBytes,
                        "{} byte(s) follow the end of the message at byte {}",
                        rest.len(),
                        self.offset
                    ));
                }
                _ if rest.is_empty() => return Ok(used),
                Phase::Header => {
                    let n = self.parser.push(rest)?;
                    used += n;
                    self.offset += n as u64;
                    if let Some(h) = self.parser.take()? {
                        self.opts
                            .signed_messages
                            .admit(&h.unverified().suite, self.release)?;
                        self.unverified = Some(h);
                        self.phase = Phase::NeedKey;
                        if let Some((k, check)) = self.pending_key.take() {
                            self.apply_key(k, check)?;
                        }
                    }
                }
                Phase::FrameHead { need } | Phase::FooterSig { len: need } => {
                    let n = (need - self.small.len()).min(rest.len());
                    self.small.extend_from_slice(&rest[..n]);
                    used += n;
                    self.offset += n as u64;
                    if let Phase::FrameHead { .. } = self.phase {
                        self.hash(&rest[..n]);
                    }
                    if self.small.len() == need {
                        self.on_fixed_complete(need)?;
                    }
                }
                Phase::BlockHead => {
                    let n = (20 - self.small.len()).min(rest.len());
                    self.small.extend_from_slice(&rest[..n]);
                    self.hash(&rest[..n]);
                    used += n;
                    self.offset += n as u64;
                    if self.small.len() == 20 {
                        self.on_block_head()?;
                    }
                }
                Phase::FooterLen => {
                    let n = (2 - self.small.len()).min(rest.len());
                    self.small.extend_from_slice(&rest[..n]);
                    used += n;
                    self.offset += n as u64;
                    if self.small.len() == 2 {
                        let len = u16::from_be_bytes([self.small[0], self.small[1]]) as usize;
                        self.small.clear();
                        self.phase = Phase::FooterSig { len };
                        if len == 0 {
                            self.on_fixed_complete(0)?;
                        }
                    }
                }
                Phase::Content => {
                    let unit = self
                        .unit
                        .as_mut()
                        .ok_or_else(|| err!(InvalidState, "no frame in progress"))?;
                    let n = (unit.remaining.min(rest.len() as u64)) as usize;
                    let chunk = &rest[..n];
                    if self.copy_frames {
                        grow_for(&mut unit.data, n, unit.remaining);
                        unit.data.extend_from_slice(chunk);
                    }
                    if let Some(h) = self.hasher.as_mut() {
                        h.update(chunk);
                    }
                    used += n;
                    self.content_taken(n as u64)?;
                }
            }
        }
    }

    /// How many of the next message bytes this decryptor passes over without reading them: the
    /// rest of the current frame's (or non-framed body's) ciphertext ‖ tag, when it neither
    /// copies frames ([`Decryptor::without_frame_copies`]) nor hashes the message (unsigned
    /// suites, or [`Decryptor::verify_signature_externally`]); 0 otherwise. A caller that holds
    /// the whole message and opens frames from their [`SealedFrame::range`] can
    /// [`Decryptor::skip`] them instead of pushing them.
    pub fn unread_ahead(&self) -> u64 {
        match (&self.phase, &self.unit) {
            (Phase::Content, Some(u)) if !self.copy_frames && self.hasher.is_none() => u.remaining,
            _ => 0,
        }
    }

    /// Where the ciphertext ‖ tag of the frame (or non-framed body) whose bytes are arriving
    /// lies in the message: `None` between units (in a frame head, the header or the footer).
    /// It is the unit's [`SealedFrame::range`] once complete.
    pub fn sealed_range(&self) -> Option<Range<u64>> {
        match (&self.phase, &self.unit) {
            (Phase::Content, Some(u)) => {
                let end = self.offset + u.remaining;
                Some(end - (u.content_len + TAG_LEN as u64)..end)
            }
            _ => None,
        }
    }

    /// Passes over `n` message bytes as [`Decryptor::push`] of them would, without the bytes;
    /// `INVALID_STATE` (the decryptor fails) if `n` exceeds [`Decryptor::unread_ahead`]. The
    /// frame they complete is then ready ([`Decryptor::next_frame`]).
    pub fn skip(&mut self, n: u64) -> Result<()> {
        let r = if n == 0 {
            Ok(())
        } else if n > self.unread_ahead() {
            Err(err!(
                InvalidState,
                "cannot skip {n} byte(s) at byte {}: {} unread ahead",
                self.offset,
                self.unread_ahead()
            ))
        } else {
            self.content_taken(n)
        };
        self.fail_on_err(r)
    }

    /// Counts `n` bytes of the current unit's ciphertext ‖ tag as consumed; the unit is complete
    /// (its frame ready) when none remain.
    fn content_taken(&mut self, n: u64) -> Result<()> {
        let unit = self
            .unit
            .as_mut()
            .ok_or_else(|| err!(InvalidState, "no frame in progress"))?;
        unit.remaining -= n;
        self.offset += n;
        if unit.remaining == 0 {
            self.on_content_complete()?;
        }
        Ok(())
    }

    fn hash(&mut self, bytes: &[u8]) {
        if let Some(h) = self.hasher.as_mut() {
            h.update(bytes);
        }
    }

    fn frame_length(&self) -> u32 {
        self.verified
            .as_ref()
            .map(|v| v.info().frame_length)
            .unwrap_or(0)
    }

    fn on_fixed_complete(&mut self, need: usize) -> Result<()> {
        match self.phase {
            Phase::FrameHead { need: 4 } => {
                let first = u32::from_be_bytes([
                    self.small[0],
                    self.small[1],
                    self.small[2],
                    self.small[3],
                ]);
                // Final frame: marker ‖ seq ‖ IV ‖ length; regular: seq ‖ IV.
                self.phase = Phase::FrameHead {
                    need: if first == FINAL_FRAME_MARKER { 24 } else { 16 },
                };
                Ok(())
            }
            Phase::FrameHead { .. } => {
                let s = std::mem::take(&mut self.small);
                let start = self.offset - need as u64;
                let seq_expected = self.next_seq;
                let (kind, seq, iv, content_len) = if need == 24 {
                    let seq = u32::from_be_bytes([s[4], s[5], s[6], s[7]]);
                    let len = u32::from_be_bytes([s[20], s[21], s[22], s[23]]);
                    (BodyKind::FinalFrame, seq, &s[8..20], len)
                } else {
                    let seq = u32::from_be_bytes([s[0], s[1], s[2], s[3]]);
                    (BodyKind::RegularFrame, seq, &s[4..16], self.frame_length())
                };
                let what = unit_name(kind, seq_expected);
                if seq != seq_expected {
                    return Err(err!(
                        MalformedBody,
                        "{what} at byte {start}: sequence number {seq}, expected {seq_expected}"
                    ));
                }
                let iv = FrameIv::checked(iv, seq, &format!("{what} at byte {start}"))?;
                if kind == BodyKind::FinalFrame && content_len > self.frame_length() {
                    return Err(err!(
                        MalformedBody,
                        "{what} at byte {start}: content length {content_len} exceeds the frame length {}",
                        self.frame_length()
                    ));
                }
                if kind == BodyKind::RegularFrame && seq == u32::MAX - 1 {
                    return Err(err!(
                        MalformedBody,
                        "{what} at byte {start}: too many frames"
                    ));
                }
                self.start_unit(kind, seq, iv, content_len as u64, start)
            }
            Phase::FooterSig { .. } if self.external_signature => {
                self.footer = std::mem::take(&mut self.small);
                self.signature_pending = true;
                self.phase = Phase::Done;
                Ok(())
            }
            Phase::FooterSig { .. } => {
                let sig = std::mem::take(&mut self.small);
                let digest = self
                    .hasher
                    .take()
                    .map(MessageHasher::finalize)
                    .unwrap_or_default();
                let vkey = self
                    .vkey
                    .as_ref()
                    .ok_or_else(|| err!(InvalidState, "no verification key"))?;
                match self.verifier {
                    Some(verify) => verify(vkey, &digest, &sig)?,
                    // The caller verifies the digest (external_signature).
                    None => {
                        self.digest = Some(digest);
                        self.signature_pending = true;
                    }
                }
                self.footer = sig;
                self.phase = Phase::Done;
                Ok(())
            }
            _ => Err(err!(InvalidState, "unexpected fixed field")),
        }
    }

    fn on_block_head(&mut self) -> Result<()> {
        let s = std::mem::take(&mut self.small);
        let start = self.offset - 20;
        let iv = FrameIv::checked(&s[..12], 1, &format!("non-framed body at byte {start}"))?;
        let mut len = [0u8; 8];
        len.copy_from_slice(&s[12..20]);
        let len = u64::from_be_bytes(len);
        if len > MAX_NON_FRAMED_LEN {
            return Err(err!(
                MalformedBody,
                "non-framed body at byte {start}: content length {len} exceeds 2^36 - 32"
            ));
        }
        self.start_unit(BodyKind::SingleBlock, 1, iv, len, start)
    }

    fn start_unit(
        &mut self,
        kind: BodyKind,
        seq: u32,
        iv: FrameIv,
        content_len: u64,
        start: u64,
    ) -> Result<()> {
        let remaining = content_len + TAG_LEN as u64;
        if self.offset.saturating_add(remaining) > self.opts.max_message_len {
            return Err(err!(
                LimitExceeded,
                "{} at byte {start} ends past the {} byte message length limit",
                unit_name(kind, seq),
                self.opts.max_message_len
            ));
        }
        let limited = self.limit_frames && (kind != BodyKind::SingleBlock || self.limit_body);
        if limited && remaining > self.opts.max_frame_buffer {
            return Err(err!(
                LimitExceeded,
                "{} of {} bytes exceeds the {} byte buffer limit",
                unit_name(kind, seq),
                content_len,
                self.opts.max_frame_buffer
            ));
        }
        self.unit = Some(Unit {
            seq,
            kind,
            iv,
            content_len,
            start,
            remaining,
            data: Vec::new(),
        });
        self.phase = Phase::Content;
        Ok(())
    }

    fn on_content_complete(&mut self) -> Result<()> {
        let u = self
            .unit
            .take()
            .ok_or_else(|| err!(InvalidState, "no frame in progress"))?;
        let info = self
            .verified
            .as_ref()
            .ok_or_else(|| err!(InvalidState, "no header"))?
            .info();
        let aad = body_aad(&info.message_id, u.kind, u.seq, u.content_len);
        let signed = info.suite.is_signed();
        let end = self.offset;
        let _ = u.start;
        self.ready = Some(SealedFrame {
            seq: u.seq,
            kind: u.kind,
            iv: u.iv,
            aad,
            plaintext_len: u.content_len,
            range: end - u.content_len - TAG_LEN as u64..end,
            data: u.data,
        });
        if u.kind == BodyKind::RegularFrame {
            self.next_seq = u.seq + 1;
            self.phase = Phase::FrameHead { need: 4 };
        } else if signed {
            self.signed_len = self.offset;
            self.phase = Phase::FooterLen;
        } else {
            self.phase = Phase::Done;
        }
        Ok(())
    }
}

/// Makes room in `buf` for `arrived` more bytes of a unit that still has `remaining` bytes to
/// come (`arrived` included): capacity grows with what arrived (doubling, so a unit pushed in
/// small pieces is copied O(1) times per byte), never past the unit's declared end. A header or
/// frame that declares a large length without its bytes costs nothing.
fn grow_for(buf: &mut Vec<u8>, arrived: usize, remaining: u64) {
    let need = buf.len() + arrived;
    if need <= buf.capacity() {
        return;
    }
    let declared_end = (buf.len() as u64).saturating_add(remaining);
    let doubled = (buf.capacity() as u64).saturating_mul(2);
    let target = doubled.min(declared_end).max(need as u64) as usize;
    buf.reserve_exact(target - buf.len());
}

/// One-shot decrypt. Releases nothing until the header, every frame and (signed suites) the
/// signature verified. `data_key` is the plaintext data key.
pub fn decrypt(message: &[u8], data_key: &[u8], opts: &DecryptOptions) -> Result<Vec<u8>> {
    decrypt_in_place(message.to_vec(), DataKey::new(data_key), opts)
}

/// One-shot decrypt that reuses the message buffer for the plaintext (peak memory ≈ the
/// message): each frame is opened where it lies, with the pure-Rust engine keyed once. Same
/// guarantees as [`decrypt`].
pub fn decrypt_in_place(
    mut message: Vec<u8>,
    data_key: DataKey,
    opts: &DecryptOptions,
) -> Result<Vec<u8>> {
    let mut d = Decryptor::without_frame_copies(opts.clone());
    d.set_data_key(data_key)?;
    let mut cipher: Option<RustAesGcm> = None;
    let mut pos = 0usize;
    let mut write = 0usize;
    loop {
        let n = d.push(&message[pos..])?;
        pos += n;
        let mut progressed = n > 0;
        while let Some(f) = d.next_frame() {
            progressed = true;
            let cipher = match &mut cipher {
                Some(c) => c,
                None => cipher.insert(d.cipher()?),
            };
            let (start, end) = (f.range.start as usize, f.range.end as usize);
            let ct_end = end - TAG_LEN;
            let mut tag = [0u8; TAG_LEN];
            tag.copy_from_slice(&message[ct_end..end]);
            cipher.open_in_place(
                f.iv.bytes(),
                &f.aad,
                &mut message[start..ct_end],
                &tag,
                &unit_name(f.kind, f.seq),
            )?;
            message.copy_within(start..ct_end, write);
            write += ct_end - start;
            d.frame_opened(f.seq)?;
        }
        if pos == message.len() || !progressed {
            break;
        }
    }
    d.finish()?;
    message.truncate(write);
    Ok(message)
}

/// Streaming decrypt with a synchronous engine: push chunks with [`StreamDecryptor::update`],
/// which appends each frame's plaintext to `out` as soon as the frame's tag verified; then call
/// [`StreamDecryptor::finish`]. For signed suites, plaintext released before `finish` succeeds
/// is **not verified** (the signature covers the whole message), so signed messages are
/// refused unless the options opt in ([`SignedMessages::ReleaseBeforeVerify`]), or the caller
/// says it hands out nothing before `finish` succeeded
/// (`with_release(`[`Release::AfterSignature`]`)`). Memory: one frame plus the header.
pub struct StreamDecryptor {
    inner: Decryptor,
    /// The frame loop, keyed once the header verified.
    frames: Option<FrameLoop<RustAesGcm>>,
}

impl StreamDecryptor {
    /// A stream decryptor with the pure-Rust engine and the data key known up front.
    pub fn new(data_key: DataKey, opts: DecryptOptions) -> Result<Self> {
        let mut inner = Decryptor::new(opts);
        inner.set_data_key(data_key)?;
        Ok(StreamDecryptor {
            inner,
            frames: None,
        })
    }

    /// Says when the caller hands out the plaintext `update` appends (by default as it comes:
    /// [`Release::BeforeSignature`]); see [`Decryptor::with_release`]. Call before `update`.
    pub fn with_release(mut self, release: Release) -> Self {
        self.inner.release = release;
        self
    }

    /// Feeds a chunk; verified plaintext is appended to `out`.
    pub fn update(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<()> {
        loop {
            let n = self.inner.push(input)?;
            input = &input[n..];
            let mut progressed = n > 0;
            while let Some(f) = self.inner.next_frame() {
                progressed = true;
                let frames = match &mut self.frames {
                    Some(frames) => frames,
                    None => self.frames.insert(FrameLoop::new(self.inner.cipher()?)),
                };
                let sealed = f.ciphertext_and_tag();
                frames.queue(&f, 0..sealed.len() as u64);
                let opened = run_ready(frames.open(sealed, out, Some(&mut self.inner)))
                    .unwrap_or_else(|| Err(err!(InvalidState, "the Rust engine waited")));
                if let Err(e) = opened {
                    self.inner.phase = Phase::Failed;
                    return Err(e);
                }
            }
            if input.is_empty() {
                return Ok(());
            }
            if !progressed {
                return Err(err!(
                    InvalidState,
                    "decryptor made no progress with {} bytes left",
                    input.len()
                ));
            }
        }
    }

    /// Ends the input: `TRUNCATED` if the message is incomplete, `SIGNATURE_INVALID` etc.
    pub fn finish(&mut self) -> Result<()> {
        self.inner.finish()
    }

    /// The underlying decryptor (for the verified header).
    pub fn decryptor(&self) -> &Decryptor {
        &self.inner
    }
}
