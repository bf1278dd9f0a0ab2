//! Random access (plan / seal / locate_end / read) on valid and mutated messages made by
//! callseal's encrypt, plus the low-level API with arbitrary sizes, offsets and frame fetches.
//!
//! Invariants: never a panic; `open` authenticates the plaintext length (it must equal the true
//! length); every successful read returns exactly the true plaintext slice — on the valid
//! message every in-range read succeeds.

use callseal::engine::RustAesGcm;
use callseal::envelope::body::BodyKind;
use callseal::envelope::random_access::{FrameFetch, RandomAccess, RandomAccessReader};
use callseal::envelope::{DataKey, DecryptOptions, HeaderLimits, SignedMessages, UnverifiedHeader};

use super::common::{built, mutate, Input};

/// One fuzz input: panics (assertion failures) are findings.
pub fn run(data: &[u8]) {
    let mut inp = Input::new(data);
    let b = built(inp.u8(), inp.u8(), inp.u16());
    let flags = inp.u8();
    let n_mut = inp.u8() % 4;
    let mut msg = b.message.clone();
    {
        let mut_bytes = inp.bytes(4 * n_mut as usize);
        mutate(&mut msg, &mut Input::new(mut_bytes));
    }
    let pristine = msg == b.message;
    let opts = DecryptOptions {
        signed_messages: if flags & 1 != 0 {
            SignedMessages::Reject
        } else {
            SignedMessages::Verify
        },
        ..Default::default()
    };
    let refused = b.signed && opts.signed_messages == SignedMessages::Reject;
    let key = DataKey::new(&b.key);
    let plen = b.plaintext.len() as u64;

    match RandomAccessReader::open(msg.as_slice(), &key, &opts) {
        Ok(mut r) => {
            assert!(!refused);
            assert_eq!(r.plaintext_len(), plen, "unauthenticated plaintext length");
            while !inp.is_empty() {
                let off = inp.u16() as u64 % (plen + 2);
                let len = inp.u16() as u64 % (plen + 2);
                match r.read(off, len) {
                    Ok(pt) => assert_eq!(
                        pt.as_slice(),
                        &b.plaintext[off as usize..(off + len) as usize]
                    ),
                    Err(e) => assert!(
                        !pristine || off + len > plen,
                        "read {off}+{len} of a valid message failed: {e}"
                    ),
                }
                if inp.u8() & 0x80 != 0 {
                    break;
                }
            }
        }
        Err(e) => assert!(!pristine || refused, "valid message refused: {e}"),
    }

    // Low-level API with arbitrary values: no panic; seal/open never yields wrong plaintext.
    let Ok(h) = UnverifiedHeader::parse(&msg, HeaderLimits::default()) else {
        return;
    };
    let Ok(mut ra) = RandomAccess::new(h, &key, &opts) else {
        return;
    };
    let frame_len = ra.header().info().frame_length as usize;
    let total = if flags & 2 != 0 {
        inp.u32() as u64
    } else {
        msg.len() as u64
    };
    if let Ok(tail) = ra.tail_range(total) {
        let (s, e) = (
            tail.start.min(msg.len() as u64) as usize,
            tail.end.min(msg.len() as u64) as usize,
        );
        let bytes = &msg[s..e.max(s)];
        if let Ok(n) = ra.locate_end(total, bytes) {
            assert_eq!(n, plen);
        }
    }
    let _ = ra.plan(inp.u32() as u64, inp.u32() as u64);
    let _ = ra.plan(u64::MAX - inp.u8() as u64, u64::MAX);
    for _ in 0..4 {
        if inp.is_empty() {
            break;
        }
        let kind = match inp.u8() % 3 {
            0 => BodyKind::RegularFrame,
            1 => BodyKind::FinalFrame,
            _ => BodyKind::SingleBlock,
        };
        let seq = inp.u8() as u32;
        let start = inp.u16() as u64;
        let end = inp.u16() as u64;
        let ps = inp.u16() as u64;
        let pe = inp.u16() as u64;
        let fetch = FrameFetch {
            seq,
            kind,
            range: start..end,
            plaintext: ps..pe,
        };
        let (s, e) = (
            start.min(msg.len() as u64) as usize,
            end.min(msg.len() as u64) as usize,
        );
        let bytes = &msg[s..e.max(s)];
        if let Ok(pt) = ra.open_frame(&fetch, bytes, &RustAesGcm) {
            // An authenticated frame is the true plaintext of frame `seq` (the tag binds the
            // sequence number, kind and length; `fetch.plaintext.start` is the caller's word).
            let at = (seq.max(1) as usize - 1) * frame_len;
            assert!(
                at + pt.len() <= b.plaintext.len(),
                "frame {seq} past the end"
            );
            assert_eq!(pt.as_slice(), &b.plaintext[at..at + pt.len()]);
        }
    }
}
