//! ESDK decryption, differential: one-shot, streaming (fuzz-chosen chunks and one chunk) and
//! random access (open, then read the whole plaintext) must agree on the plaintext or all fail.
//!
//! Mode byte: bit 0 built (else raw), bit 1 refuse signed messages, bit 2 at most one encrypted
//! data key, bit 3 (built) an official required-EC vector instead of callseal's own message,
//! bit 4 an expected (reproduced) context from a fuzzed mask over a pool of pairs (stored,
//! required, conflicting, extra, the public key, an empty key; [`expected_context`]),
//! bit 5 (built) up to 3 header rewrites ([`variant`]: stored pairs made authenticated-only,
//! the public key mutated in its bytes, its point format or its base64 text) re-authenticated
//! with the data key, so the header verifies and the code after it runs.
//!
//! Mode "raw" (bit 0 clear): key and message come from the input (seeds: the shared vectors with
//! their data keys). One-shot and streaming agree on success and plaintext; streaming releases
//! the same bytes whatever the chunking; a one-shot success is also random access's plaintext,
//! and for unsigned suites random access succeeds only when one-shot does.
//!
//! Mode "built": a valid message with a known key (made by callseal's encrypt, or an official
//! required-EC vector), maybe rewritten, then mutated by the input. The expected outcome is
//! modelled independently ([`context_ok`]): the context must reproduce exactly the pairs the
//! header authenticates without storing them and agree with every stored pair; a public key that
//! is not a compressed point of the suite's curve refuses the message everywhere; a rewritten
//! signed header fails the signature (one-shot, streaming) but not random access, which never
//! checks it. Anything that decrypts is exactly the plaintext; streaming never releases bytes
//! that are not a prefix of it, and none when the header must fail.
//!
//! Every one-shot success also checks the output sizing of the one-shot API: the hint
//! ([`output_size`], `plaintext_len_hint`) is the plaintext length when it exists, and the
//! plaintext never exceeds the buffer allocated from it (hint, else total - header length).

use callseal::envelope::{decrypt, DecryptOptions, HeaderLimits, SignedMessages, UnverifiedHeader};

use super::common::{
    context_ok, expected_context, mutate, output_size, random_access, source, stream, variant,
    Input, PkStatus,
};

/// One fuzz input: panics (assertion failures) are findings.
pub fn run(data: &[u8]) {
    let mut inp = Input::new(data);
    let mode = inp.u8();
    let mut opts = DecryptOptions {
        // Streams release a signed message's frames before its signature is checked: the
        // target opts in, or refuses signed messages.
        signed_messages: if mode & 0x02 != 0 {
            SignedMessages::Reject
        } else {
            SignedMessages::ReleaseBeforeVerify
        },
        max_encrypted_data_keys: if mode & 0x04 != 0 { Some(1) } else { None },
        ..Default::default()
    };
    if mode & 1 == 0 {
        let klen = (inp.u8() as usize) % 33;
        let key = inp.bytes(klen).to_vec();
        let seeds = inp.bytes(8).to_vec();
        let ctx = if mode & 0x10 != 0 {
            Some((inp.u8(), inp.u8()))
        } else {
            None
        };
        let msg = inp.rest();
        let header = UnverifiedHeader::parse(msg, HeaderLimits::default()).ok();
        if let (Some((mask, rot)), Some(h)) = (ctx, &header) {
            opts.expected_context =
                expected_context(h.unverified().encryption_context.pairs(), mask, rot);
        }
        let one = decrypt(msg, &key, &opts);
        let (r1, out1) = stream(msg, &key, &opts, &seeds);
        let (r2, out2) = stream(msg, &key, &opts, &[0]);
        let ra = random_access(msg, &key, &opts);
        assert_eq!(out1, out2, "released plaintext depends on chunking");
        // Streaming and random access check `max_frame_buffer` (256 MiB) on the frames a message
        // has, not on its header's frame length: no input here has a frame that large, so a
        // header's frame length of up to 2^32 - 1 makes no difference between the APIs.
        match (&one, &r1, &r2) {
            (Ok(pt), Ok(()), Ok(())) => {
                assert_eq!(pt, &out1);
                check_output_size(msg, pt);
                assert_eq!(
                    ra.as_ref().ok(),
                    Some(pt),
                    "random access {:?} where one-shot decrypts",
                    ra.as_ref().err()
                );
            }
            (Err(_), Err(b), Err(c)) => {
                assert_eq!(b.code, c.code, "{b} vs {c}");
                // one-shot and streaming may name different first failures only when
                // streaming fails on a later check than one-shot would (same class)
                let signed = header
                    .as_ref()
                    .is_some_and(|h| h.unverified().suite.is_signed());
                // random access skips only the signature check
                assert!(
                    signed || ra.is_err(),
                    "random access decrypts an unsigned message one-shot refuses ({:?})",
                    one.as_ref().err()
                );
            }
            _ => panic!(
                "one-shot {:?} / stream {:?} / one-chunk {:?}",
                one.as_ref().err(),
                r1.as_ref().err(),
                r2.as_ref().err()
            ),
        }
    } else {
        let vector = if mode & 0x08 != 0 { 0 } else { 1 };
        let mut b = source(vector, inp.u8(), inp.u8(), inp.u16());
        let seeds = inp.bytes(8).to_vec();
        if mode & 0x20 != 0 {
            for _ in 0..inp.u8() % 4 {
                let (kind, pos, val) = (inp.u8(), inp.u8(), inp.u8());
                if let Some(v) = variant(&b, kind, pos, val) {
                    b = v;
                }
            }
        }
        opts.expected_context = if mode & 0x10 != 0 {
            let (mask, rot) = (inp.u8(), inp.u8());
            expected_context(&b.stored, mask, rot)
        } else {
            b.auth_only.clone()
        };
        let mut msg = b.message.clone();
        mutate(&mut msg, &mut inp);
        let pristine = msg == b.message;
        let refused = b.signed && opts.signed_messages == SignedMessages::Reject;
        let too_many_keys = opts.max_encrypted_data_keys.is_some_and(|m| {
            UnverifiedHeader::parse(&b.message, HeaderLimits::default())
                .is_ok_and(|h| h.unverified().encrypted_data_keys.len() > m as usize)
        });
        let header_fails = refused || too_many_keys || !context_ok(&b, &opts.expected_context);
        let one = decrypt(&msg, &b.key, &opts);
        let (r, out) = stream(&msg, &b.key, &opts, &seeds);
        let ra = random_access(&msg, &b.key, &opts);
        assert!(
            b.plaintext.starts_with(&out),
            "stream released bytes that are not the plaintext"
        );
        for (what, ok) in [
            ("one-shot", one.as_ref().ok()),
            ("random access", ra.as_ref().ok()),
        ] {
            if let Some(pt) = ok {
                assert_eq!(pt, &b.plaintext, "{what} returned another plaintext");
            }
        }
        if let Ok(pt) = &one {
            check_output_size(&msg, pt);
        }
        assert_eq!(
            one.is_ok(),
            r.is_ok(),
            "one-shot {:?} vs stream {:?}",
            one.as_ref().err(),
            r.as_ref().err()
        );
        if header_fails || b.pk == PkStatus::Refused {
            assert!(one.is_err(), "one-shot: header checks passed ({:?})", opts);
            assert!(
                ra.is_err(),
                "random access: header checks passed ({:?})",
                opts
            );
            assert!(
                out.is_empty(),
                "stream released plaintext of a refused header"
            );
        } else if !pristine {
            assert!(one.is_err(), "one-shot decrypted a modified message");
            // every frame is read: only a signed message's footer escapes random access
            assert!(
                b.signed || ra.is_err(),
                "random access read a modified message"
            );
        } else if b.pk == PkStatus::Original {
            // the body is untouched: random access opens; one-shot and streaming need the
            // signature to cover the header still
            assert!(ra.is_ok(), "random access refused: {:?}", ra.err());
            if b.sig_valid {
                assert!(one.is_ok(), "one-shot refused: {:?}", one.err());
                assert_eq!(out, b.plaintext);
            } else {
                assert!(one.is_err(), "one-shot decrypted a rewritten signed header");
            }
        } else if b.signed {
            // a changed (compressed-shaped) key: the signature cannot verify with it
            assert!(one.is_err(), "one-shot verified with a changed public key");
        }
    }
}

/// The one-shot output buffer: the hint is exact when it exists, and the plaintext fits the
/// buffer allocated before the first frame.
fn check_output_size(msg: &[u8], pt: &[u8]) {
    let (hint, size) = output_size(msg).expect("a decrypted message has a header");
    if let Some(h) = hint {
        assert_eq!(
            h,
            pt.len() as u64,
            "plaintext_len_hint of a decrypted message"
        );
    }
    assert!(
        pt.len() as u64 <= size,
        "plaintext {} exceeds the one-shot buffer {size}",
        pt.len()
    );
}
