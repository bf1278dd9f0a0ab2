//! ESDK streaming decryptor fed arbitrary chunking.
//!
//! Mode "raw" (even first byte): key and message come from the input (seeds: the shared
//! vectors with their data keys). Differential: one-shot and streaming (fuzz-chosen chunks
//! and one chunk) agree on success, error code and plaintext; streaming releases the same
//! bytes whatever the chunking.
//!
//! Mode "built" (odd first byte): a valid message made by callseal's encrypt with a known key,
//! then mutated by the input. If the bytes differ from the valid message nothing may decrypt
//! (one-shot must fail; streaming may only have released a prefix of the true plaintext);
//! if they are equal, both must return exactly the plaintext.

use callseal::envelope::{decrypt, DecryptOptions, SignedMessages};

use super::common::{built, mutate, stream, Input};

/// One fuzz input: panics (assertion failures) are findings.
pub fn run(data: &[u8]) {
    let mut inp = Input::new(data);
    let mode = inp.u8();
    let opts = DecryptOptions {
        signed_messages: if mode & 0x02 != 0 {
            SignedMessages::Reject
        } else {
            SignedMessages::Verify
        },
        max_encrypted_data_keys: if mode & 0x04 != 0 { Some(1) } else { None },
        ..Default::default()
    };
    if mode & 1 == 0 {
        let klen = (inp.u8() as usize) % 33;
        let key = inp.bytes(klen).to_vec();
        let seeds = inp.bytes(8).to_vec();
        let msg = inp.rest();
        let one = decrypt(msg, &key, &opts);
        let (r1, out1) = stream(msg, &key, &opts, &seeds);
        let (r2, out2) = stream(msg, &key, &opts, &[0]);
        assert_eq!(out1, out2, "released plaintext depends on chunking");
        match (&one, &r1, &r2) {
            (Ok(pt), Ok(()), Ok(())) => assert_eq!(pt, &out1),
            (Err(a), Err(b), Err(c)) => {
                assert_eq!(b.code, c.code, "{b} vs {c}");
                // one-shot and streaming may name different first failures only when
                // streaming fails on a later check than one-shot would (same class)
                let _ = a;
            }
            _ => panic!(
                "one-shot {:?} / stream {:?} / one-chunk {:?}",
                one.as_ref().err(),
                r1.as_ref().err(),
                r2.as_ref().err()
            ),
        }
    } else {
        let b = built(inp.u8(), inp.u8(), inp.u16());
        let seeds = inp.bytes(8).to_vec();
        let mut msg = b.message.clone();
        mutate(&mut msg, &mut inp);
        let refused = b.signed && opts.signed_messages == SignedMessages::Reject;
        let one = decrypt(&msg, &b.key, &opts);
        let (r, out) = stream(&msg, &b.key, &opts, &seeds);
        assert!(
            b.plaintext.starts_with(&out),
            "stream released bytes that are not the plaintext"
        );
        if msg == b.message && !refused {
            assert_eq!(
                one.as_deref().ok(),
                Some(b.plaintext.as_slice()),
                "{:?}",
                one.as_ref().err()
            );
            assert!(r.is_ok(), "{:?}", r.err());
            assert_eq!(out, b.plaintext);
        } else {
            assert!(one.is_err(), "one-shot decrypted a modified message");
            assert!(r.is_err(), "stream accepted a modified message");
        }
    }
}
