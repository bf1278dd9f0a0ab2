//! Random access (plan / seal / locate_end / read) on valid and mutated messages made by
//! callseal's encrypt, plus the low-level API with arbitrary sizes, offsets and frame fetches.
//!
//! Invariants: never a panic; `open` authenticates the plaintext length (it must equal the true
//! length); every successful read returns exactly the true plaintext slice — on the valid
//! message every in-range read succeeds, and a read past the end (or whose end overflows u64)
//! always fails.
//!
//! Flags byte: bit 0 refuse signed messages, bit 1 fuzzed total size (low-level part), bit 2 an
//! official required-EC vector (tests/vectors/esdk/required-ec) instead of callseal's own
//! message, bit 3 a header rewrite ([`variant`]: pairs made authenticated-only or the public key
//! mutated, re-authenticated with the data key) and an expected context from a fuzzed mask
//! ([`expected_context`]); `open` must succeed exactly when the independent model says so
//! ([`context_ok`]; a public key that is not a compressed point of the curve never opens).
//! Each read's control byte: bit 7 last read, bit 6 offset and length as full u64 values, bit 5
//! reads around the end of the plaintext.

use callseal::envelope::body::BodyKind;
use callseal::envelope::random_access::{FrameFetch, RandomAccess, RandomAccessReader};
use callseal::envelope::{DataKey, DecryptOptions, HeaderLimits, SignedMessages, UnverifiedHeader};

use super::common::{
    context_ok, expected_context, mutate, ready, source, variant, Input, PkStatus,
};

/// One fuzz input: panics (assertion failures) are findings.
pub fn run(data: &[u8]) {
    let mut inp = Input::new(data);
    let (a, fsel, plen_sel) = (inp.u8(), inp.u8(), inp.u16());
    let flags = inp.u8();
    let mut b = source(if flags & 0x04 != 0 { 0 } else { 1 }, a, fsel, plen_sel);
    let mut expected = b.auth_only.clone();
    if flags & 0x08 != 0 {
        let (kind, pos, val, mask, rot) = (inp.u8(), inp.u8(), inp.u8(), inp.u8(), inp.u8());
        if let Some(v) = variant(&b, kind, pos, val) {
            b = v;
        }
        expected = expected_context(&b.stored, mask, rot);
    }
    let n_mut = inp.u8() % 4;
    let mut msg = b.message.clone();
    {
        let mut_bytes = inp.bytes(4 * n_mut as usize);
        mutate(&mut msg, &mut Input::new(mut_bytes));
    }
    let pristine = msg == b.message;
    let opts = DecryptOptions {
        // Random access never checks a signed message's signature: the target opts in to
        // that, or refuses signed messages.
        signed_messages: if flags & 1 != 0 {
            SignedMessages::Reject
        } else {
            SignedMessages::ReleaseBeforeVerify
        },
        expected_context: expected,
        ..Default::default()
    };
    let refused = b.signed && opts.signed_messages == SignedMessages::Reject;
    let header_ok = !refused && context_ok(&b, &opts.expected_context) && b.pk != PkStatus::Refused;
    let must_open = pristine && header_ok && b.pk == PkStatus::Original;
    let key = DataKey::new(&b.key);
    let plen = b.plaintext.len() as u64;

    match ready(RandomAccessReader::open(msg.as_slice(), &key, &opts)) {
        Ok(r) => {
            assert!(
                header_ok,
                "opened although the header must fail ({:?})",
                opts
            );
            assert_eq!(r.plaintext_len(), plen, "unauthenticated plaintext length");
            while !inp.is_empty() {
                let mut off = inp.u16() as u64 % (plen + 2);
                let mut len = inp.u16() as u64 % (plen + 2);
                let ctl = inp.u8();
                if ctl & 0x40 != 0 {
                    off = (inp.u32() as u64) << 32 | inp.u32() as u64;
                    len = (inp.u32() as u64) << 32 | inp.u32() as u64;
                } else if ctl & 0x20 != 0 {
                    // around the end: offsets plen-3..=plen+1, lengths 0..=3 or to u64::MAX
                    off = (plen + (off % 5)).saturating_sub(3);
                    len = if len & 0x100 != 0 {
                        u64::MAX - (len & 3)
                    } else {
                        len & 3
                    };
                }
                let in_range = off.checked_add(len).is_some_and(|e| e <= plen);
                match ready(r.read(off, len)) {
                    Ok(pt) => {
                        assert!(in_range, "read {off}+{len} past the end {plen} succeeded");
                        assert_eq!(
                            pt.as_slice(),
                            &b.plaintext[off as usize..(off + len) as usize]
                        )
                    }
                    Err(e) => assert!(
                        !pristine || !in_range,
                        "read {off}+{len} of a valid message failed: {e}"
                    ),
                }
                if ctl & 0x80 != 0 {
                    break;
                }
            }
        }
        Err(e) => assert!(!must_open, "valid message refused: {e}"),
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
        if let Ok(pt) = ra.open_frame(&fetch, bytes) {
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
