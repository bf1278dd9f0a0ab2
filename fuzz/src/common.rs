//! Helpers shared by the fuzz targets: a byte reader over the fuzz input, a cache of valid
//! messages made by callseal's own encrypt (so the fuzzer starts past the header auth), and
//! chunked feeding of the stream decryptor.

use std::cell::RefCell;
use std::collections::HashMap;

use callseal::envelope::encrypt::{prepare, EncryptRequest};
use callseal::envelope::{
    DataKey, DecryptOptions, EncryptedDataKey, EncryptionContext, StreamDecryptor, ALL_SUITES,
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

/// A valid message made by callseal's encrypt, with its plaintext and data key.
#[derive(Clone)]
pub struct Built {
    pub message: Vec<u8>,
    pub plaintext: Vec<u8>,
    pub key: Vec<u8>,
    pub signed: bool,
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
                Built {
                    message,
                    plaintext,
                    key,
                    signed: suite.is_signed(),
                }
            })
            .clone()
    })
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
