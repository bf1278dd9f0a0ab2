//! Memory follows the bytes that arrived, never a length a message declares (issue 20).
//!
//! An authentic header whose frame length is 255 MiB, followed by the 16-byte head of a regular
//! frame and a few content bytes, is 345 bytes: a decryptor that reserved a buffer for the frame
//! it announces would take 255 MiB for them (in wasm, for good: linear memory never shrinks).
//! This binary counts the bytes each thread allocates (a counting global allocator) and bounds
//! the peak while every decrypt API reads such inputs.

#![cfg(feature = "envelope")]

mod common;
use common::ready;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ops::Range;

use callseal::envelope::encrypt::{prepare, EncryptRequest};
use callseal::envelope::random_access::{RandomAccessReader, RangeSource};
use callseal::envelope::suite::Suite;
use callseal::envelope::{
    decrypt, DataKey, DecryptOptions, Decryptor, EncryptedDataKey, EncryptionContext, HeaderLimits,
    StreamDecryptor, UnverifiedHeader,
};
use callseal::ErrorCode;

/// Counts the live and peak bytes allocated by the current thread.
struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn track(add: usize, sub: usize) {
    // try_with: the allocator runs during thread teardown too, after the counters are gone.
    let _ = LIVE.try_with(|live| {
        let now = live.get().saturating_add(add).saturating_sub(sub);
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        track(layout.size(), 0);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        track(0, layout.size());
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        track(new_size, layout.size());
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The most this thread held at once, in bytes above what it held on entry, while `f` ran.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let out = f();
    (out, PEAK.with(Cell::get) - base)
}

/// What any API may hold for these inputs: the input, the header, a few small buffers.
const BOUND: usize = 256 << 10;

const FRAME_LENGTH: u32 = 255 << 20;

/// An authentic message (suite 0478, unsigned) written with `frame_length` and an empty
/// plaintext, and its data key.
fn message(frame_length: u32) -> (Vec<u8>, DataKey) {
    message_with(frame_length, &[])
}

/// An authentic message (suite 0478, unsigned) of `plaintext` written with `frame_length`.
fn message_with(frame_length: u32, plaintext: &[u8]) -> (Vec<u8>, DataKey) {
    let suite = Suite::from_id(0x0478).unwrap();
    let key = DataKey::new(&[7u8; 32]);
    let prepared = prepare(EncryptRequest {
        suite,
        frame_length,
        encryption_context: EncryptionContext::from_pairs(vec![("purpose", "memory bound")])
            .unwrap(),
    })
    .unwrap();
    let edk = EncryptedDataKey {
        provider_id: "test".into(),
        provider_info: b"key".to_vec(),
        ciphertext: vec![1; 48],
    };
    let ct = prepared.seal(plaintext, &key, vec![edk]).unwrap();
    (ct, key)
}

fn header_len(ct: &[u8]) -> usize {
    UnverifiedHeader::parse(ct, HeaderLimits::default())
        .unwrap()
        .unverified()
        .header_len
}

/// `total` bytes: the header of a message with 255 MiB frames, the head of regular frame 1
/// (sequence number, IV) and the first bytes of that frame.
fn declares_a_large_frame(total: usize) -> (Vec<u8>, DataKey) {
    let (ct, key) = message(FRAME_LENGTH);
    let mut out = ct[..header_len(&ct)].to_vec();
    out.extend_from_slice(&1u32.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    out.resize(total, 0xA5);
    (out, key)
}

/// The same header followed by a final frame whose head declares `declared` content bytes,
/// and 16 of them.
fn declares_a_large_final_frame(declared: u32) -> (Vec<u8>, DataKey) {
    let (ct, key) = message(FRAME_LENGTH);
    let mut out = ct[..header_len(&ct)].to_vec();
    out.extend_from_slice(&u32::MAX.to_be_bytes());
    out.extend_from_slice(&1u32.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    out.extend_from_slice(&declared.to_be_bytes());
    out.extend(std::iter::repeat_n(0xA5, 16));
    (out, key)
}

/// A non-framed message whose body declares `declared` content bytes, with 16 of them.
fn declares_a_large_block(declared: u64) -> (Vec<u8>, DataKey) {
    let (ct, key) = message(0);
    let hl = header_len(&ct);
    let mut out = ct[..hl + 12].to_vec(); // header, IV
    out.extend_from_slice(&declared.to_be_bytes());
    out.extend(std::iter::repeat_n(0xA5, 16));
    (out, key)
}

fn streamed(ct: &[u8], key: &DataKey, chunk: usize) -> ErrorCode {
    let mut d = StreamDecryptor::new(key.clone(), DecryptOptions::default()).unwrap();
    let mut out = Vec::new();
    for piece in ct.chunks(chunk) {
        if let Err(e) = d.update(piece, &mut out) {
            return e.code;
        }
    }
    assert!(out.is_empty(), "no plaintext of an unfinished frame");
    d.finish().expect_err("the message is cut").code
}

#[test]
fn the_345_bytes_of_the_issue_cost_no_more_than_they_are_in_every_decrypt_api() {
    let (ct, key) = declares_a_large_frame(345);
    for chunk in [1, 7, 345] {
        let (code, peak) = peak_during(|| streamed(&ct, &key, chunk));
        assert_eq!(code, ErrorCode::Truncated);
        assert!(
            peak < BOUND,
            "stream in {chunk}-byte pushes held {peak} bytes"
        );
    }
    let (r, peak) = peak_during(|| {
        let mut d = Decryptor::new(DecryptOptions::default());
        d.set_data_key(key.clone())?;
        d.push(&ct)?;
        d.finish()
    });
    assert_eq!(r.unwrap_err().code, ErrorCode::Truncated);
    assert!(peak < BOUND, "the sans-IO decryptor held {peak} bytes");
    let (r, peak) = peak_during(|| decrypt(&ct, key.expose(), &DecryptOptions::default()));
    assert_eq!(r.unwrap_err().code, ErrorCode::Truncated);
    assert!(peak < BOUND, "one-shot decrypt held {peak} bytes");
}

#[test]
fn a_declared_final_frame_or_non_framed_block_reserves_nothing_either() {
    let (ct, key) = declares_a_large_final_frame(200 << 20);
    let (code, peak) = peak_during(|| streamed(&ct, &key, 64));
    assert_eq!(code, ErrorCode::Truncated);
    assert!(peak < BOUND, "a 200 MiB final frame held {peak} bytes");
    let (ct, key) = declares_a_large_block(200 << 20);
    let (code, peak) = peak_during(|| streamed(&ct, &key, 64));
    assert_eq!(code, ErrorCode::Truncated);
    assert!(peak < BOUND, "a 200 MiB non-framed block held {peak} bytes");
}

#[test]
fn a_frame_arriving_in_pieces_is_held_once_without_room_past_its_end() {
    // A whole 1 MiB frame pushed in 1000-byte pieces: the copy grows with it (doubling) and
    // ends no larger than the frame, so the peak stays within about twice the frame.
    let plaintext = vec![0x5Au8; 1 << 20];
    let key = DataKey::new(&[7u8; 32]);
    let prepared = prepare(EncryptRequest {
        suite: Suite::from_id(0x0478).unwrap(),
        frame_length: 1 << 20,
        encryption_context: EncryptionContext::default(),
    })
    .unwrap();
    let edk = EncryptedDataKey {
        provider_id: "test".into(),
        provider_info: b"key".to_vec(),
        ciphertext: vec![1; 48],
    };
    let ct = prepared.seal(&plaintext, &key, vec![edk]).unwrap();
    let mut out = Vec::with_capacity(plaintext.len());
    let (r, peak) = peak_during(|| {
        let mut d = StreamDecryptor::new(key.clone(), DecryptOptions::default())?;
        for piece in ct.chunks(1000) {
            d.update(piece, &mut out)?;
        }
        d.finish()
    });
    r.unwrap();
    assert_eq!(out, plaintext);
    assert!(peak < (3 << 20), "a 1 MiB frame held {peak} bytes");
}

/// A source whose object is `declared` bytes long but which holds only `bytes`.
struct Claims {
    bytes: Vec<u8>,
    declared: u64,
}

impl RangeSource for Claims {
    fn size(&self) -> u64 {
        self.declared
    }
    async fn read(&self, range: Range<u64>) -> callseal::Result<Vec<u8>> {
        self.bytes.as_slice().read(range).await
    }
}

#[test]
fn random_access_holds_what_its_source_returned_not_what_it_was_asked_for() {
    let (ct, key) = declares_a_large_frame(345);
    let source = Claims {
        bytes: ct,
        declared: 300 << 20,
    };
    let (r, peak) = peak_during(|| {
        ready(RandomAccessReader::open(
            source,
            &key,
            &DecryptOptions::default(),
        ))
        .map(|_| ())
    });
    assert_eq!(r.unwrap_err().code, ErrorCode::InvalidArgument);
    assert!(peak < BOUND, "opening held {peak} bytes");

    // A read asked for far more than the message holds is refused without room for it.
    let (ct, key) = message(4096);
    let reader = ready(RandomAccessReader::open(
        ct.as_slice(),
        &key,
        &DecryptOptions::default(),
    ))
    .unwrap();
    let (r, peak) = peak_during(|| ready(reader.read(0, 1 << 40)));
    assert_eq!(r.unwrap_err().code, ErrorCode::InvalidArgument);
    assert!(peak < BOUND, "a refused read held {peak} bytes");
}

#[test]
fn encryption_holds_the_plaintext_that_arrived_not_a_frame_of_the_declared_length() {
    // The largest frame length the writer takes, and 10 bytes of plaintext: the message is one
    // final frame of 10 bytes, and the writer must not reserve 2 GiB for the frame it could hold.
    let ((ct, _), peak) = peak_during(|| message_with(0x7fff_ffff, b"ten bytes!"));
    assert!(ct.len() < 1024, "{} bytes", ct.len());
    assert!(peak < BOUND, "encrypting 10 bytes held {peak} bytes");
}
