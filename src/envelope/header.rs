//! The ESDK message header: incremental parse (v1 and v2), encryption context, encrypted data
//! keys, limits, and serialization (for encrypt).
//!
//! spec: data-format/message-header.md, framework/structures.md#encryption-context
//!
//! A parsed header is **unauthenticated**: [`UnverifiedHeader`] is what a page may show to a key
//! broker (data keys, encryption context), nothing more. Only
//! [`crate::envelope::keys::verify_header`] turns it into a [`VerifiedHeader`], after the key
//! commitment (v2) and the header authentication tag have been checked with the data key.

use crate::envelope::footer::{PublicKeyPoint, VerificationKey, PUBLIC_KEY_CONTEXT_KEY};
use crate::envelope::suite::{HeaderVersion, Suite, COMMITMENT_LEN, IV_LEN, TAG_LEN};
use crate::err;
use crate::error::{Error, Result};

/// Default cap on the header size (bytes) buffered before the header is complete.
pub const DEFAULT_MAX_HEADER_LEN: usize = 1 << 20;

/// Content type of the body. spec: data-format/message-header.md#content-type
#[cfg_attr(feature = "ts-types", derive(ts_rs::TS), ts(rename_all = "kebab-case"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentType {
    /// `01`: one AES-GCM block (IV, u64 length, ciphertext, tag).
    NonFramed,
    /// `02`: a sequence of frames of `frame_length` bytes, then a final frame.
    Framed,
}

impl ContentType {
    /// The header byte.
    pub fn byte(self) -> u8 {
        match self {
            ContentType::NonFramed => 1,
            ContentType::Framed => 2,
        }
    }
}

/// An encrypted data key as carried in the header. spec: data-format/message-header.md#encrypted-data-key-entries
#[cfg_attr(feature = "ts-types", derive(ts_rs::TS), ts(rename_all = "camelCase"))]
#[derive(Clone, PartialEq, Eq)]
pub struct EncryptedDataKey {
    /// Key provider id (`aws-kms`, or a raw keyring's key namespace), UTF-8.
    pub provider_id: String,
    /// Key provider info (a KMS key ARN, or raw-AES key name ‖ tag bits ‖ IV length ‖ IV).
    #[cfg_attr(feature = "ts-types", ts(type = "OwnedBytes"))]
    pub provider_info: Vec<u8>,
    /// The wrapped data key (the KMS `CiphertextBlob` for `aws-kms`).
    #[cfg_attr(feature = "ts-types", ts(type = "OwnedBytes"))]
    pub ciphertext: Vec<u8>,
}

impl std::fmt::Debug for EncryptedDataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptedDataKey")
            .field("provider_id", &self.provider_id)
            .field(
                "provider_info",
                &String::from_utf8_lossy(&self.provider_info),
            )
            .field("ciphertext_len", &self.ciphertext.len())
            .finish()
    }
}

/// An encryption context: UTF-8 key/value pairs with unique keys.
/// spec: data-format/message-header.md#key-value-pairs
///
/// Built with [`EncryptionContext::from_pairs`] it is sorted by the UTF-8 bytes of the keys (the
/// order the spec requires writers to use). Parsed from a header it keeps the wire order: some
/// official SDK versions wrote unsorted pairs (see the commitment vectors), the header tag covers
/// the exact bytes, and [`EncryptionContext::serialize`] must reproduce them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EncryptionContext {
    pairs: Vec<(String, String)>,
}

impl EncryptionContext {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a context from pairs in any order; `INVALID_ARGUMENT` on a duplicate key or a
    /// key/value longer than 65535 bytes.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self> {
        // A BTreeMap sorts by the keys' UTF-8 bytes (`String`'s order), as the format wants.
        let mut sorted = std::collections::BTreeMap::new();
        for (k, v) in pairs {
            let k: String = k.into();
            if sorted.contains_key(&k) {
                return Err(err!(
                    InvalidArgument,
                    "encryption context key `{k}` given twice"
                ));
            }
            sorted.insert(k, v.into());
        }
        let pairs: Vec<(String, String)> = sorted.into_iter().collect();
        if pairs.len() > u16::MAX as usize {
            return Err(err!(
                InvalidArgument,
                "encryption context has {} pairs (max 65535)",
                pairs.len()
            ));
        }
        for (k, v) in &pairs {
            if k.len() > u16::MAX as usize || v.len() > u16::MAX as usize {
                return Err(err!(
                    InvalidArgument,
                    "encryption context entry `{}` is longer than 65535 bytes",
                    k
                ));
            }
        }
        Ok(EncryptionContext { pairs })
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The pairs (sorted, or in wire order for a parsed context).
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The serialization used in the header AAD field and as raw-AES keyring AAD:
    /// u16 count, then u16 length + key, u16 length + value for each pair (in stored order);
    /// empty if no pairs.
    pub fn serialize(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if self.pairs.is_empty() {
            return out;
        }
        put_u16(&mut out, self.pairs.len());
        for (k, v) in &self.pairs {
            put_u16(&mut out, k.len());
            out.extend_from_slice(k.as_bytes());
            put_u16(&mut out, v.len());
            out.extend_from_slice(v.as_bytes());
        }
        out
    }

    /// The pairs of `expected` whose keys this context does not store: for a message made with
    /// required encryption context, the pairs its header authenticates without storing them
    /// (spec: client-apis/decrypt.md, "Verify the header"; framework/default-cmm.md).
    pub fn unstored<'a>(
        &'a self,
        expected: &'a [(String, String)],
    ) -> impl Iterator<Item = &'a (String, String)> + 'a {
        expected.iter().filter(|(k, _)| self.get(k).is_none())
    }

    /// `CONTEXT_MISMATCH` if a key of `expected` that this context stores has another value.
    pub fn check_stored_values(&self, expected: &[(String, String)]) -> Result<()> {
        match expected
            .iter()
            .find(|(k, v)| self.get(k).is_some_and(|actual| actual != v))
        {
            Some((k, _)) => Err(err!(
                ContextMismatch,
                "encryption context key `{k}` has a different value than expected"
            )),
            None => Ok(()),
        }
    }
}

fn put_u16(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u16).to_be_bytes());
}

/// Limits applied while parsing a header.
#[derive(Debug, Clone, Copy)]
pub struct HeaderLimits {
    /// Maximum number of encrypted data keys (`TOO_MANY_DATA_KEYS` as soon as the count is read).
    /// `None` = no limit. spec: client-apis/decrypt.md#maximum-number-of-encrypted-data-keys
    pub max_encrypted_data_keys: Option<u16>,
    /// Maximum header size in bytes (`LIMIT_EXCEEDED` once the header is known to be larger).
    pub max_header_len: usize,
}

impl Default for HeaderLimits {
    fn default() -> Self {
        HeaderLimits {
            max_encrypted_data_keys: None,
            max_header_len: DEFAULT_MAX_HEADER_LEN,
        }
    }
}

/// The fields of a parsed header. Reached through [`UnverifiedHeader::unverified`] (before the
/// header auth tag is checked) or [`VerifiedHeader::info`] (after).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderInfo {
    /// Header version (1 or 2).
    pub version: HeaderVersion,
    /// Algorithm suite.
    pub suite: Suite,
    /// Message id (16 bytes in v1, 32 in v2).
    pub message_id: Vec<u8>,
    /// Encryption context (includes `aws-crypto-public-key` for signed suites).
    pub encryption_context: EncryptionContext,
    /// Encrypted data keys (at least one).
    pub encrypted_data_keys: Vec<EncryptedDataKey>,
    /// Framed or non-framed body.
    pub content_type: ContentType,
    /// Frame length (plaintext bytes per regular frame); 0 when non-framed.
    pub frame_length: u32,
    /// v1 only: the IV of the header authentication tag.
    pub header_iv: Option<[u8; IV_LEN]>,
    /// v2 committing suites: the commitment key (suite data).
    pub commitment: Option<[u8; COMMITMENT_LEN]>,
    /// The header authentication tag.
    pub auth_tag: [u8; TAG_LEN],
    /// Length of the header body (everything the auth tag covers).
    pub body_len: usize,
    /// Total header length including the authentication field: the body starts here.
    pub header_len: usize,
}

impl HeaderInfo {
    /// The value of the `aws-crypto-public-key` context pair (base64 of the compressed point).
    pub fn public_key_b64(&self) -> Option<&str> {
        self.encryption_context.get(PUBLIC_KEY_CONTEXT_KEY)
    }

    /// The verification key of an authenticated header as it carries it: `None` for an
    /// unsigned suite, else the compressed point of the `aws-crypto-public-key` pair, decoded
    /// only to verify the signature ([`PublicKeyPoint::decode`]). `CONTEXT_MISMATCH` if a signed
    /// suite's context lacks it, `MALFORMED_HEADER` if it is not a compressed point of the
    /// suite's curve's length (spec: framework/default-cmm.md, "Decrypt Materials"). The header
    /// parser already refuses both, and a point whose x has no y, for every API (so random
    /// access, which never checks the signature, releases nothing of such a message).
    pub fn public_key_point(&self) -> Result<Option<PublicKeyPoint>> {
        if !self.suite.is_signed() {
            return Ok(None);
        }
        let pk = self.public_key_b64().ok_or_else(|| {
            err!(
                ContextMismatch,
                "signed suite {} but the encryption context lacks `{PUBLIC_KEY_CONTEXT_KEY}`",
                self.suite.id_hex()
            )
        })?;
        PublicKeyPoint::from_base64(&self.suite, pk).map(Some)
    }

    /// The decoded verification key ([`HeaderInfo::public_key_point`], decoded), to verify
    /// the footer signature with.
    pub fn verification_key(&self) -> Result<Option<VerificationKey>> {
        self.public_key_point()?
            .map(|point| point.decode())
            .transpose()
    }

    /// Serializes the header body (everything before the authentication field).
    /// Used by encrypt; parse(serialize) round-trips.
    pub fn serialize_body(&self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(256);
        out.push(self.version.byte());
        if self.version == HeaderVersion::V1 {
            out.push(0x80);
        }
        out.extend_from_slice(&self.suite.id.to_be_bytes());
        if self.message_id.len() != self.version.message_id_len() {
            return Err(err!(
                InvalidArgument,
                "message id of {} bytes for header v{}",
                self.message_id.len(),
                self.version.byte()
            ));
        }
        out.extend_from_slice(&self.message_id);
        let aad = self.encryption_context.serialize();
        if aad.len() > u16::MAX as usize {
            return Err(err!(
                InvalidArgument,
                "serialized encryption context is {} bytes (max 65535)",
                aad.len()
            ));
        }
        put_u16(&mut out, aad.len());
        out.extend_from_slice(&aad);
        if self.encrypted_data_keys.is_empty() || self.encrypted_data_keys.len() > u16::MAX as usize
        {
            return Err(err!(
                InvalidArgument,
                "{} encrypted data keys (1..=65535 allowed)",
                self.encrypted_data_keys.len()
            ));
        }
        put_u16(&mut out, self.encrypted_data_keys.len());
        for (i, edk) in self.encrypted_data_keys.iter().enumerate() {
            for (name, field) in [
                ("provider id", edk.provider_id.as_bytes()),
                ("provider info", &edk.provider_info[..]),
                ("ciphertext", &edk.ciphertext[..]),
            ] {
                if field.len() > u16::MAX as usize {
                    return Err(err!(
                        InvalidArgument,
                        "encrypted data key {i}: {name} longer than 65535 bytes"
                    ));
                }
                put_u16(&mut out, field.len());
                out.extend_from_slice(field);
            }
        }
        out.push(self.content_type.byte());
        if self.version == HeaderVersion::V1 {
            out.extend_from_slice(&[0, 0, 0, 0]);
            out.push(IV_LEN as u8);
        }
        out.extend_from_slice(&self.frame_length.to_be_bytes());
        if self.version == HeaderVersion::V2 {
            match self.commitment {
                Some(c) => out.extend_from_slice(&c),
                None => return Err(err!(InvalidArgument, "v2 header without commitment")),
            }
        }
        Ok(out)
    }

    /// Length of the header authentication field: IV + tag (v1) or tag (v2).
    pub fn auth_len(&self) -> usize {
        auth_len(self.version)
    }
}

fn auth_len(v: HeaderVersion) -> usize {
    match v {
        HeaderVersion::V1 => IV_LEN + TAG_LEN,
        HeaderVersion::V2 => TAG_LEN,
    }
}

/// A header that has been parsed but **not authenticated**: anything in it may have been
/// forged. Use it to pick and unwrap a data key; decrypt verifies it before trusting it.
#[derive(Debug, Clone)]
pub struct UnverifiedHeader {
    info: HeaderInfo,
    bytes: Vec<u8>,
}

impl UnverifiedHeader {
    /// Parses a complete header at the start of `bytes` (more bytes may follow).
    /// `TRUNCATED` if `bytes` ends inside the header.
    pub fn parse(bytes: &[u8], limits: HeaderLimits) -> Result<UnverifiedHeader> {
        let mut p = HeaderParser::new(limits);
        p.push(bytes)?;
        match p.take()? {
            Some(h) => Ok(h),
            None => Err(p.truncated_error()),
        }
    }

    /// The parsed fields. **Unauthenticated**: not yet checked against the data key.
    pub fn unverified(&self) -> &HeaderInfo {
        &self.info
    }

    /// The raw header bytes (header body + authentication field).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub(crate) fn into_parts(self) -> (HeaderInfo, Vec<u8>) {
        (self.info, self.bytes)
    }
}

/// A header whose key commitment (v2) and authentication tag verified with the data key.
/// Only [`crate::envelope::keys::verify_header`] makes one.
#[derive(Debug, Clone)]
pub struct VerifiedHeader {
    info: HeaderInfo,
    bytes: Vec<u8>,
}

impl VerifiedHeader {
    pub(crate) fn new_verified(info: HeaderInfo, bytes: Vec<u8>) -> Self {
        VerifiedHeader { info, bytes }
    }
    /// The authenticated header fields.
    pub fn info(&self) -> &HeaderInfo {
        &self.info
    }
    /// The raw header bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

// ---------------------------------------------------------------------------------------------
// Incremental parser

/// Why a parse step stopped: more bytes needed (total buffer length), or a real error.
enum Stop {
    Need(usize),
    Fail(Error),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Fail(e)
    }
}

/// A cursor over the header buffer that knows absolute offsets for error messages.
struct Cur<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cur<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Stop> {
        let end = self.pos.checked_add(n).ok_or_else(|| {
            Stop::Fail(err!(
                MalformedHeader,
                "length overflow at byte {}",
                self.pos
            ))
        })?;
        if end > self.buf.len() {
            return Err(Stop::Need(end));
        }
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, Stop> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, Stop> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, Stop> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// u16 length-prefixed field; returns (offset of the value, value).
    fn field16(&mut self) -> Result<(usize, &'a [u8]), Stop> {
        let n = self.u16()? as usize;
        let at = self.pos;
        Ok((at, self.take(n)?))
    }
}

/// What the parser has read so far (checkpointed after each top-level item so that feeding
/// tiny chunks costs no quadratic re-parsing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Prefix,
    Aad,
    EdkCount,
    Edk,
    Tail,
    Done,
}

/// Incremental header parser: feed it bytes with [`HeaderParser::push`] in chunks of any size;
/// [`HeaderParser::take`] yields the header once complete. It never consumes bytes past the
/// header: [`HeaderParser::push`] returns how many bytes of the input it used.
#[derive(Debug)]
pub struct HeaderParser {
    limits: HeaderLimits,
    buf: Vec<u8>,
    stage: Stage,
    /// Offset (in `buf`) where the current stage starts.
    pos: usize,
    /// Buffer length needed before the current stage can make progress.
    need: usize,
    // Partial results.
    version: Option<HeaderVersion>,
    suite: Option<Suite>,
    message_id: Vec<u8>,
    context: EncryptionContext,
    edk_count: u16,
    edks: Vec<EncryptedDataKey>,
    result: Option<HeaderInfo>,
}

impl HeaderParser {
    /// A parser with the given limits.
    pub fn new(limits: HeaderLimits) -> Self {
        HeaderParser {
            limits,
            buf: Vec::new(),
            stage: Stage::Prefix,
            pos: 0,
            need: 1,
            version: None,
            suite: None,
            message_id: Vec::new(),
            context: EncryptionContext::default(),
            edk_count: 0,
            edks: Vec::new(),
            result: None,
        }
    }

    /// Feeds bytes; returns how many were consumed (all of them unless the header ended inside
    /// `input`). Errors as soon as the bytes seen so far are invalid.
    pub fn push(&mut self, input: &[u8]) -> Result<usize> {
        let mut used = 0;
        while self.stage != Stage::Done && used < input.len() {
            // Copy only up to what the current stage needs: the header ends exactly where the
            // last stage ends, so we never swallow body bytes.
            let want = self.need.saturating_sub(self.buf.len()).max(1);
            let n = want.min(input.len() - used);
            if self.buf.len() + n > self.limits.max_header_len {
                return Err(err!(
                    LimitExceeded,
                    "header is longer than the {} byte limit (at byte {})",
                    self.limits.max_header_len,
                    self.buf.len() + n
                ));
            }
            self.buf.extend_from_slice(&input[used..used + n]);
            used += n;
            if self.buf.len() >= self.need {
                self.advance()?;
            }
        }
        Ok(used)
    }

    /// Whether the header is complete.
    pub fn is_complete(&self) -> bool {
        self.stage == Stage::Done
    }

    /// Bytes buffered so far.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The complete header, once available (`Ok(None)` while more bytes are needed).
    pub fn take(&mut self) -> Result<Option<UnverifiedHeader>> {
        if self.stage != Stage::Done {
            return Ok(None);
        }
        match self.result.take() {
            Some(info) => Ok(Some(UnverifiedHeader {
                info,
                bytes: std::mem::take(&mut self.buf),
            })),
            None => Err(err!(InvalidState, "header already taken")),
        }
    }

    /// The `TRUNCATED` error for input that ended inside the header.
    pub fn truncated_error(&self) -> Error {
        err!(
            Truncated,
            "input ends inside the header ({} bytes; the {:?} field needs {} bytes)",
            self.buf.len(),
            self.stage,
            self.need
        )
    }

    fn advance(&mut self) -> Result<()> {
        loop {
            if self.stage == Stage::Done {
                return Ok(());
            }
            let buf = std::mem::take(&mut self.buf);
            let mut cur = Cur {
                buf: &buf,
                pos: self.pos,
            };
            let r = self.step(&mut cur);
            let pos = cur.pos;
            self.buf = buf;
            match r {
                Ok(next) => {
                    self.pos = pos;
                    self.stage = next;
                    self.need = self.pos + 1;
                }
                Err(Stop::Need(n)) => {
                    if n > self.limits.max_header_len {
                        return Err(err!(
                            LimitExceeded,
                            "header needs at least {n} bytes, more than the {} byte limit",
                            self.limits.max_header_len
                        ));
                    }
                    self.need = n;
                    if self.buf.len() < n {
                        return Ok(());
                    }
                }
                Err(Stop::Fail(e)) => return Err(e),
            }
        }
    }

    fn step(&mut self, c: &mut Cur<'_>) -> Result<Stage, Stop> {
        match self.stage {
            Stage::Prefix => {
                let v = c.u8()?;
                let version = match v {
                    1 => HeaderVersion::V1,
                    2 => HeaderVersion::V2,
                    other => {
                        return Err(err!(
                            UnsupportedVersion,
                            "header byte 0: unknown message format version {:02X}",
                            other
                        )
                        .into())
                    }
                };
                if version == HeaderVersion::V1 {
                    let t = c.u8()?;
                    if t != 0x80 {
                        return Err(err!(
                            MalformedHeader,
                            "header byte 1: message type {:02X}, expected 80",
                            t
                        )
                        .into());
                    }
                }
                let at = c.pos;
                let suite = Suite::from_id(c.u16()?)
                    .map_err(|e| Error::new(e.code, format!("header byte {at}: {}", e.message)))?;
                if suite.header_version != version {
                    return Err(err!(
                        MalformedHeader,
                        "header byte {at}: suite {} is not used with header version {}",
                        suite.id_hex(),
                        v
                    )
                    .into());
                }
                self.message_id = c.take(version.message_id_len())?.to_vec();
                self.version = Some(version);
                self.suite = Some(suite);
                Ok(Stage::Aad)
            }
            Stage::Aad => {
                let (at, aad) = c.field16()?;
                self.context = parse_context(aad, at)?;
                let suite = self
                    .suite
                    .ok_or_else(|| Stop::Fail(err!(InvalidState, "no suite")))?;
                let pk = self.context.get(PUBLIC_KEY_CONTEXT_KEY);
                // spec: client-apis/decrypt.md: the reserved key must match the suite's signing.
                match pk {
                    None if suite.is_signed() => {
                        return Err(err!(ContextMismatch, "signed suite {} but the encryption context lacks `{PUBLIC_KEY_CONTEXT_KEY}`", suite.id_hex()).into());
                    }
                    Some(_) if !suite.is_signed() => {
                        return Err(err!(ContextMismatch, "unsigned suite {} but the encryption context has `{PUBLIC_KEY_CONTEXT_KEY}`", suite.id_hex()).into());
                    }
                    // A key that could never verify the signature is refused here, before a key
                    // broker is asked for the data key (the verifier decodes it for use).
                    Some(pk) => {
                        PublicKeyPoint::from_context_value(&suite, pk)?;
                    }
                    None => {}
                }
                Ok(Stage::EdkCount)
            }
            Stage::EdkCount => {
                let at = c.pos;
                let n = c.u16()?;
                if n == 0 {
                    return Err(err!(
                        MalformedHeader,
                        "header byte {at}: encrypted data key count is 0"
                    )
                    .into());
                }
                if let Some(max) = self.limits.max_encrypted_data_keys {
                    if n > max {
                        return Err(err!(TooManyDataKeys, "header byte {at}: {n} encrypted data keys, more than the maximum {max}").into());
                    }
                }
                self.edk_count = n;
                self.edks = Vec::new();
                Ok(Stage::Edk)
            }
            Stage::Edk => {
                let (at, id) = c.field16()?;
                let provider_id = std::str::from_utf8(id)
                    .map_err(|_| {
                        err!(
                            MalformedHeader,
                            "header byte {at}: encrypted data key {} provider id is not UTF-8",
                            self.edks.len()
                        )
                    })?
                    .to_string();
                let (_, info) = c.field16()?;
                let (_, ct) = c.field16()?;
                self.edks.push(EncryptedDataKey {
                    provider_id,
                    provider_info: info.to_vec(),
                    ciphertext: ct.to_vec(),
                });
                if self.edks.len() < self.edk_count as usize {
                    Ok(Stage::Edk)
                } else {
                    Ok(Stage::Tail)
                }
            }
            Stage::Tail => {
                let version = self
                    .version
                    .ok_or_else(|| Stop::Fail(err!(InvalidState, "no version")))?;
                let suite = self
                    .suite
                    .ok_or_else(|| Stop::Fail(err!(InvalidState, "no suite")))?;
                let at = c.pos;
                let content_type = match c.u8()? {
                    1 => ContentType::NonFramed,
                    2 => ContentType::Framed,
                    other => {
                        return Err(err!(
                            UnsupportedVersion,
                            "header byte {at}: unknown content type {:02X}",
                            other
                        )
                        .into())
                    }
                };
                if version == HeaderVersion::V1 {
                    let at = c.pos;
                    if c.take(4)? != [0, 0, 0, 0] {
                        return Err(err!(
                            MalformedHeader,
                            "header byte {at}: reserved field is not 00000000"
                        )
                        .into());
                    }
                    let at = c.pos;
                    let ivl = c.u8()?;
                    if ivl as usize != IV_LEN {
                        return Err(err!(
                            MalformedHeader,
                            "header byte {at}: IV length {ivl}, expected 12"
                        )
                        .into());
                    }
                }
                let at = c.pos;
                let frame_length = c.u32()?;
                match content_type {
                    ContentType::Framed if frame_length == 0 => {
                        return Err(err!(
                            MalformedHeader,
                            "header byte {at}: framed content with frame length 0"
                        )
                        .into())
                    }
                    ContentType::NonFramed if frame_length != 0 => {
                        return Err(err!(
                            MalformedHeader,
                            "header byte {at}: non-framed content with frame length {frame_length}"
                        )
                        .into())
                    }
                    _ => {}
                }
                let commitment = if version == HeaderVersion::V2 {
                    let mut k = [0u8; COMMITMENT_LEN];
                    k.copy_from_slice(c.take(COMMITMENT_LEN)?);
                    Some(k)
                } else {
                    None
                };
                let body_len = c.pos;
                let header_iv = if version == HeaderVersion::V1 {
                    let mut iv = [0u8; IV_LEN];
                    iv.copy_from_slice(c.take(IV_LEN)?);
                    Some(iv)
                } else {
                    None
                };
                let mut auth_tag = [0u8; TAG_LEN];
                auth_tag.copy_from_slice(c.take(TAG_LEN)?);
                debug_assert_eq!(c.pos, body_len + auth_len(version));
                self.result = Some(HeaderInfo {
                    version,
                    suite,
                    message_id: std::mem::take(&mut self.message_id),
                    encryption_context: std::mem::take(&mut self.context),
                    encrypted_data_keys: std::mem::take(&mut self.edks),
                    content_type,
                    frame_length,
                    header_iv,
                    commitment,
                    auth_tag,
                    body_len,
                    header_len: c.pos,
                });
                Ok(Stage::Done)
            }
            Stage::Done => Ok(Stage::Done),
        }
    }
}

/// Parses the serialized encryption context (the AAD field's content) at header offset `base`.
fn parse_context(aad: &[u8], base: usize) -> Result<EncryptionContext> {
    if aad.is_empty() {
        return Ok(EncryptionContext::default());
    }
    let mut c = Cur { buf: aad, pos: 0 };
    let bad = |at: usize, what: &str| {
        err!(
            MalformedHeader,
            "header byte {}: encryption context {what}",
            base + at
        )
    };
    let count = c
        .u16()
        .map_err(|_| bad(0, "is shorter than its pair count"))?;
    if count == 0 {
        return Err(bad(0, "has a non-zero length but 0 pairs"));
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for i in 0..count {
        let field = |c: &mut Cur<'_>, what: &str| -> Result<String> {
            let at = c.pos;
            let (_, v) = c.field16().map_err(|_| {
                bad(
                    at,
                    &format!("pair {i}: {what} runs past the context length"),
                )
            })?;
            std::str::from_utf8(v)
                .map(str::to_string)
                .map_err(|_| bad(at, &format!("pair {i}: {what} is not UTF-8")))
        };
        let at = c.pos;
        let k = field(&mut c, "key")?;
        let v = field(&mut c, "value")?;
        if !seen.insert(k.clone()) {
            return Err(bad(at, &format!("has the key `{k}` twice")));
        }
        pairs.push((k, v));
    }
    if c.pos != aad.len() {
        return Err(bad(
            c.pos,
            &format!("has {} bytes after its {count} pairs", aad.len() - c.pos),
        ));
    }
    Ok(EncryptionContext { pairs })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_serialization_sorts_and_round_trips() {
        let ec = EncryptionContext::from_pairs([("b", "2"), ("a", "1"), ("é", "x")]).unwrap();
        let s = ec.serialize();
        assert_eq!(parse_context(&s, 0).unwrap(), ec);
        assert_eq!(ec.pairs()[0].0, "a");
        assert_eq!(ec.get("é"), Some("x"));
        assert!(EncryptionContext::from_pairs([("a", "1"), ("a", "2")]).is_err());
        // duplicate key on the wire
        let mut bad = vec![0, 2];
        for k in ["a", "a"] {
            bad.extend_from_slice(&[0, 1]);
            bad.extend_from_slice(k.as_bytes());
            bad.extend_from_slice(&[0, 0]);
        }
        assert_eq!(
            parse_context(&bad, 0).unwrap_err().code,
            crate::ErrorCode::MalformedHeader
        );
    }
}
