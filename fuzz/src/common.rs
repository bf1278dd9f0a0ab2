//! Helpers shared by the fuzz targets: a byte reader over the fuzz input, a cache of valid
//! messages made by callseal's own encrypt (so the fuzzer starts past the header auth), and
//! chunked feeding of the stream decryptor.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use base64::Engine as _;
use callseal::engine::RustAesGcm;
use callseal::envelope::encrypt::{prepare, EncryptRequest};
use callseal::envelope::footer::PUBLIC_KEY_CONTEXT_KEY;
use callseal::envelope::keys::{derive_keys, header_auth_iv};
use callseal::envelope::random_access::{plaintext_len_hint, RandomAccessReader, HINT_TAIL_BYTES};
use callseal::envelope::{
    DataKey, DecryptOptions, EncryptedDataKey, EncryptionContext, HeaderLimits, StreamDecryptor,
    UnverifiedHeader, ALL_SUITES,
};
use callseal::Result;

/// Reads control values from the front of the fuzz input.
pub struct Input<'a> {
    pub data: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Input { data }
    }
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                *b
            }
            None => 0,
        }
    }
    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }
    pub fn u32(&mut self) -> u32 {
        u32::from_be_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.data.len());
        let (a, b) = self.data.split_at(n);
        self.data = b;
        a
    }
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.data)
    }
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// The fixed data key of built messages: `0x5A` bytes, cut to the suite's key length.
pub fn fixed_key(len: usize) -> Vec<u8> {
    (0..len).map(|i| 0x5A ^ (i as u8)).collect()
}

/// Frame lengths the built messages use (0 = non-framed).
pub const FRAME_LENGTHS: [u32; 8] = [0, 1, 2, 7, 16, 64, 128, 4096];

/// A valid message (made by callseal's encrypt, or an official required-EC vector), with its
/// plaintext and data key, and what decrypting it needs.
#[derive(Clone)]
pub struct Built {
    pub message: Vec<u8>,
    pub plaintext: Vec<u8>,
    pub key: Vec<u8>,
    pub signed: bool,
    /// The pairs the header stores (with `aws-crypto-public-key` for signed suites).
    pub stored: Vec<(String, String)>,
    /// The pairs the header tag authenticates without storing them (required encryption
    /// context): the expected context must reproduce exactly these.
    pub auth_only: Vec<(String, String)>,
    /// The footer signature (signed suites) still covers these bytes: false once [`variant`]
    /// rewrote the header of a signed message into other bytes.
    pub sig_valid: bool,
    /// What callseal must make of the `aws-crypto-public-key` value (signed suites).
    pub pk: PkStatus,
    /// The header as its writer made it (what the signature covers) and its public key: rewrites
    /// are judged against these, so a key changed and then changed back is the original again.
    pub orig_header: Vec<u8>,
    pub orig_pk: Option<String>,
}

/// The header bytes and public key of a message as written.
fn original(message: &[u8]) -> (Vec<u8>, Option<String>) {
    let h = UnverifiedHeader::parse(message, HeaderLimits::default()).unwrap();
    let info = h.unverified();
    (
        message[..info.header_len].to_vec(),
        info.public_key_b64().map(str::to_string),
    )
}

/// The public key of a signed message as [`variant`] left it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PkStatus {
    /// The writer's own key (or an unsigned suite).
    Original,
    /// Every decrypt API must refuse the message: a signed suite's key that is not the base64
    /// of `02`/`03` ‖ x of the suite's coordinate length (uncompressed points included), or an
    /// unsigned suite's context carrying the reserved `aws-crypto-public-key` key.
    Refused,
    /// Compressed-point shaped but changed: may or may not be a point of the curve.
    Unknown,
}

thread_local! {
    static CACHE: RefCell<HashMap<(usize, u32, usize), Built>> = RefCell::new(HashMap::new());
}

/// Builds (once per parameter set, then cached so the fuzzer sees stable coverage) a message:
/// suite `suite_sel % 11`, frame length from [`FRAME_LENGTHS`], plaintext of `pt_len % 700`
/// bytes, encryption context with one pair.
pub fn built(suite_sel: u8, frame_sel: u8, pt_len: u16) -> Built {
    let suite = ALL_SUITES[suite_sel as usize % ALL_SUITES.len()];
    let frame_length = FRAME_LENGTHS[frame_sel as usize % FRAME_LENGTHS.len()];
    let pt_len = pt_len as usize % 700;
    let k = (suite_sel as usize % ALL_SUITES.len(), frame_length, pt_len);
    CACHE.with(|c| {
        c.borrow_mut()
            .entry(k)
            .or_insert_with(|| {
                let plaintext: Vec<u8> = (0..pt_len).map(|i| (i * 7 + 3) as u8).collect();
                let key = fixed_key(suite.key_len);
                let ctx = EncryptionContext::from_pairs([("contact-id", "c0ffee")]).unwrap();
                let prepared = prepare(EncryptRequest {
                    suite,
                    frame_length,
                    encryption_context: ctx,
                })
                .unwrap();
                let edk = EncryptedDataKey {
                    provider_id: "fuzz".into(),
                    provider_info: b"fuzz-key".to_vec(),
                    ciphertext: vec![0xEE; 40],
                };
                let message = prepared
                    .seal(&plaintext, &DataKey::new(&key), vec![edk])
                    .unwrap();
                let stored = stored_pairs(&message);
                let (orig_header, orig_pk) = original(&message);
                Built {
                    orig_header,
                    orig_pk,
                    message,
                    plaintext,
                    key,
                    signed: suite.is_signed(),
                    stored,
                    auth_only: Vec::new(),
                    sig_valid: true,
                    pk: PkStatus::Original,
                }
            })
            .clone()
    })
}

fn stored_pairs(message: &[u8]) -> Vec<(String, String)> {
    UnverifiedHeader::parse(message, HeaderLimits::default())
        .unwrap()
        .unverified()
        .encryption_context
        .pairs()
        .to_vec()
}

/// One official required-EC vector, as its manifest lists it.
struct RequiredEc {
    message: Vec<u8>,
    key: Vec<u8>,
    plaintext: Vec<u8>,
    /// The pairs the header authenticates without storing them, sorted by key.
    auth_only: Vec<(String, String)>,
}

/// tests/vectors/esdk/required-ec, read once from its manifest.json (cwd: the fuzz crate, or the
/// repository for tests/fuzz_corpus.rs).
fn required_ec_vectors() -> &'static [RequiredEc] {
    static V: OnceLock<Vec<RequiredEc>> = OnceLock::new();
    V.get_or_init(|| {
        let dir = [
            "tests/vectors/esdk/required-ec",
            "../tests/vectors/esdk/required-ec",
        ]
        .into_iter()
        .map(std::path::Path::new)
        .find(|d| d.is_dir())
        .expect("tests/vectors/esdk/required-ec (run from the repository or fuzz/)");
        let read =
            |name: &serde_json::Value| std::fs::read(dir.join(name.as_str().unwrap())).unwrap();
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD;
        m["tests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let mut auth_only: Vec<(String, String)> = t["authenticated_only_context"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                    .collect();
                auth_only.sort();
                RequiredEc {
                    message: read(&t["ciphertext"]),
                    key: b64.decode(t["data_key"].as_str().unwrap()).unwrap(),
                    plaintext: read(&t["plaintext"]),
                    auth_only,
                }
            })
            .collect()
    })
}

/// Official required-EC vector `sel % 38` (tests/vectors/esdk/required-ec): 36 messages whose
/// header stores `contact-id` (and the public key) and authenticates `tenant` and `purpose`
/// without storing them, 2 control messages that store every pair.
pub fn required_ec(sel: u8) -> Built {
    let v = required_ec_vectors();
    let RequiredEc {
        message,
        key,
        plaintext,
        auth_only,
    } = &v[sel as usize % v.len()];
    let h = UnverifiedHeader::parse(message, HeaderLimits::default()).unwrap();
    let (orig_header, orig_pk) = original(message);
    Built {
        orig_header,
        orig_pk,
        message: message.clone(),
        plaintext: plaintext.clone(),
        key: key.clone(),
        signed: h.unverified().suite.is_signed(),
        stored: h.unverified().encryption_context.pairs().to_vec(),
        auth_only: auth_only.clone(),
        sig_valid: true,
        pk: PkStatus::Original,
    }
}

/// A built message (odd `sel`) or an official required-EC vector (even `sel`).
pub fn source(sel: u8, a: u8, b: u8, c: u16) -> Built {
    if sel & 1 == 0 {
        required_ec(a)
    } else {
        built(a, b, c)
    }
}

/// Rewrites the header of `b` (we hold its data key, so the new header authenticates):
/// op `kind % 4`:
/// 0 moves every stored pair but the public key into the authenticated-only context (a
///   required-EC message made from any message);
/// 1 XORs byte `pos` of the decoded public key with `val`;
/// 2 replaces the decoded public key by `val` ‖ the key's x coordinate, cut or padded to `pos % 100`
///   bytes (`val` 4 with 65 or 97 bytes: the length of an uncompressed point);
/// 3 edits the base64 text: character `pos` set to `val` (or `=` appended when `val` is 0).
/// A public-key op on an unsigned suite adds an `aws-crypto-public-key` pair (refused).
/// Returns `None` when the new context cannot be written (invalid UTF-8, too long).
pub fn variant(b: &Built, kind: u8, pos: u8, val: u8) -> Option<Built> {
    let h = UnverifiedHeader::parse(&b.message, HeaderLimits::default()).ok()?;
    let mut info = h.unverified().clone();
    let suite = info.suite;
    let mut stored = b.stored.clone();
    let mut auth_only = b.auth_only.clone();
    let mut pk = b.pk;
    let coord = match suite.signature {
        callseal::envelope::suite::Signature::EcdsaP256Sha256 => 32,
        callseal::envelope::suite::Signature::EcdsaP384Sha384 => 48,
        callseal::envelope::suite::Signature::None => 0,
    };
    let b64 = base64::engine::general_purpose::STANDARD;
    if kind.is_multiple_of(4) {
        let (keep, moved): (Vec<_>, Vec<_>) = stored
            .into_iter()
            .partition(|(k, _)| k == PUBLIC_KEY_CONTEXT_KEY);
        stored = keep;
        auth_only.extend(moved);
    } else {
        let i = stored.iter().position(|(k, _)| k == PUBLIC_KEY_CONTEXT_KEY);
        let old = i.map(|i| stored[i].1.clone()).unwrap_or_default();
        let new = match kind % 4 {
            1 => {
                let mut raw = b64.decode(&old).unwrap_or_default();
                if raw.is_empty() {
                    raw.push(val);
                } else {
                    let at = pos as usize % raw.len();
                    raw[at] ^= if val == 0 { 1 } else { val };
                }
                b64.encode(raw)
            }
            2 => {
                let raw = b64.decode(&old).unwrap_or_default();
                let mut out = vec![val];
                out.extend(raw.iter().skip(1).copied().cycle().take(pos as usize % 100));
                out.truncate(pos as usize % 100 + 1);
                b64.encode(out)
            }
            _ => {
                let mut t = old.clone().into_bytes();
                if val == 0 {
                    t.push(b'=');
                } else if !t.is_empty() {
                    let at = pos as usize % t.len();
                    t[at] = val;
                } else {
                    t.push(val);
                }
                String::from_utf8(t).ok()?
            }
        };
        pk = if coord == 0 {
            PkStatus::Refused
        } else if Some(&new) == b.orig_pk.as_ref() {
            PkStatus::Original
        } else {
            match b64.decode(&new) {
                Ok(raw) if raw.len() == 1 + coord && matches!(raw[0], 2 | 3) => PkStatus::Unknown,
                _ => PkStatus::Refused,
            }
        };
        match i {
            Some(i) => stored[i].1 = new,
            None => stored.push((PUBLIC_KEY_CONTEXT_KEY.to_string(), new)),
        }
    }
    info.encryption_context = EncryptionContext::from_pairs(stored.clone()).ok()?;
    let mut header = info.serialize_body().ok()?;
    let keys = derive_keys(&suite, &info.message_id, &DataKey::new(&b.key)).ok()?;
    let tail = EncryptionContext::from_pairs(auth_only.clone())
        .ok()?
        .serialize();
    let aad = [header.as_slice(), &tail].concat();
    let tag = RustAesGcm::new(keys.content_key.expose())
        .ok()?
        .seal_in_place(&header_auth_iv(&info), &aad, &mut [])
        .ok()?;
    if let Some(iv) = info.header_iv {
        header.extend_from_slice(&iv);
    }
    header.extend_from_slice(&tag);
    // the signature covers the header as written: valid again if the rewrites undid each other
    let sig_valid = !b.signed || header == b.orig_header;
    let mut message = header;
    message.extend_from_slice(&b.message[info.header_len..]);
    Some(Built {
        message,
        plaintext: b.plaintext.clone(),
        key: b.key.clone(),
        signed: b.signed,
        stored: info.encryption_context.pairs().to_vec(),
        auth_only,
        sig_valid,
        pk,
        orig_header: b.orig_header.clone(),
        orig_pk: b.orig_pk.clone(),
    })
}

/// An expected (reproduced) context from `mask`: each bit adds a pair of a fixed pool (the
/// stored `contact-id`, the required `tenant` / `purpose`, conflicting values for a stored and a
/// required key, an extra unstored pair, the stored public key, an empty key), rotated by `rot`
/// so the order varies.
pub fn expected_context(
    stored_pairs: &[(String, String)],
    mask: u8,
    rot: u8,
) -> Vec<(String, String)> {
    let stored = |k: &str| {
        stored_pairs
            .iter()
            .find(|(sk, _)| sk == k)
            .map(|(_, v)| v.clone())
    };
    let pool = [
        (
            "contact-id".to_string(),
            stored("contact-id").unwrap_or("c-1".into()),
        ),
        ("tenant".to_string(), "t-42".to_string()),
        ("purpose".to_string(), "call-recording".to_string()),
        ("tenant".to_string(), "t-43".to_string()),
        ("contact-id".to_string(), "c-2".to_string()),
        ("extra".to_string(), "x".to_string()),
        (
            PUBLIC_KEY_CONTEXT_KEY.to_string(),
            stored(PUBLIC_KEY_CONTEXT_KEY).unwrap_or("AAAA".into()),
        ),
        (String::new(), String::new()),
    ];
    let mut out: Vec<_> = (0..8)
        .filter(|i| mask & (1 << i) != 0)
        .map(|i| pool[i].clone())
        .collect();
    if !out.is_empty() {
        let n = rot as usize % out.len();
        out.rotate_left(n);
    }
    out
}

/// Whether decrypting `b` with `expected` passes the header's context checks (an independent
/// model of the spec): every expected pair whose key the header stores has the stored value,
/// and the others (no key twice) are exactly the authenticated-only pairs.
pub fn context_ok(b: &Built, expected: &[(String, String)]) -> bool {
    let mut unstored = Vec::new();
    for (k, v) in expected {
        match b.stored.iter().find(|(sk, _)| sk == k) {
            Some((_, sv)) if sv != v => return false,
            Some(_) => {}
            None => unstored.push((k.clone(), v.clone())),
        }
    }
    unstored.sort();
    let n = unstored.len();
    unstored.dedup_by(|a, b| a.0 == b.0);
    if unstored.len() != n {
        return false;
    }
    let mut want = b.auth_only.clone();
    want.sort();
    unstored == want
}

/// The one-shot output size for `msg` (what the wasm one-shot allocates before the first
/// frame): [`plaintext_len_hint`] from the last [`HINT_TAIL_BYTES`] bytes, or, without a hint,
/// the documented fallback `total - header length`. `None` if the header does not parse.
pub fn output_size(msg: &[u8]) -> Option<(Option<u64>, u64)> {
    let h = UnverifiedHeader::parse(msg, HeaderLimits::default()).ok()?;
    let info = h.unverified();
    let total = msg.len() as u64;
    let tail = &msg[msg.len().saturating_sub(HINT_TAIL_BYTES as usize)..];
    let hint = plaintext_len_hint(info, total, tail);
    Some((
        hint,
        hint.unwrap_or(total.saturating_sub(info.header_len as u64)),
    ))
}

/// Random access over `msg`: opens it and reads the whole plaintext.
pub fn random_access(msg: &[u8], key: &[u8], opts: &DecryptOptions) -> Result<Vec<u8>> {
    let r = ready(RandomAccessReader::open(msg, &DataKey::new(key), opts))?;
    let n = r.plaintext_len();
    ready(r.read(0, n))
}

/// The output of a future over a memory source (see `run_ready`).
pub fn ready<F: std::future::Future>(f: F) -> F::Output {
    callseal::envelope::random_access::run_ready(f).expect("a memory source never waits")
}

/// Applies mutation ops read from `inp` to `msg`: each op is 4 bytes
/// (kind, position u16, value). Kinds: xor a byte, truncate, append, insert, delete.
pub fn mutate(msg: &mut Vec<u8>, inp: &mut Input) {
    let mut ops = 0;
    while !inp.is_empty() && ops < 8 {
        ops += 1;
        let kind = inp.u8() % 5;
        let pos = inp.u16() as usize;
        let val = inp.u8();
        if msg.is_empty() {
            msg.push(val);
            continue;
        }
        let at = pos % msg.len();
        match kind {
            0 => msg[at] ^= if val == 0 { 1 } else { val },
            1 => msg.truncate(at),
            2 => msg.push(val),
            3 => msg.insert(at, val),
            _ => {
                msg.remove(at);
            }
        }
    }
}

/// Chunk sizes (1..=256, or the rest) taken cyclically from `seeds`.
pub fn chunks<'a>(msg: &'a [u8], seeds: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = msg;
    let mut i = 0;
    while !rest.is_empty() {
        let s = seeds.get(i % seeds.len().max(1)).copied().unwrap_or(0);
        i += 1;
        let n = if s == 0 {
            rest.len()
        } else {
            (s as usize).min(rest.len())
        };
        let (a, b) = rest.split_at(n);
        out.push(a);
        rest = b;
    }
    out
}

/// Streams `msg` in the given chunks; returns the result and everything released.
pub fn stream(
    msg: &[u8],
    key: &[u8],
    opts: &DecryptOptions,
    seeds: &[u8],
) -> (Result<()>, Vec<u8>) {
    let mut out = Vec::new();
    let mut d = match StreamDecryptor::new(DataKey::new(key), opts.clone()) {
        Ok(d) => d,
        Err(e) => return (Err(e), out),
    };
    for c in chunks(msg, seeds) {
        if let Err(e) = d.update(c, &mut out) {
            return (Err(e), out);
        }
    }
    (d.finish(), out)
}
