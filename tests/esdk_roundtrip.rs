//! encrypt -> decrypt round trips: every suite, framed (several frame lengths) and non-framed,
//! one-shot, streaming and random access; plus encrypt-side checks.

#![cfg(feature = "envelope")]

mod common;

use callseal::envelope::encrypt::{encrypt_with_raw_aes, prepare, EncryptRequest};
use callseal::envelope::random_access::RandomAccessReader;
use callseal::envelope::raw_aes::RawAesKeyring;
use callseal::envelope::{
    decrypt, ContentType, DataKey, DecryptOptions, EncryptionContext, SignedMessages,
    UnverifiedHeader, ALL_SUITES,
};
use callseal::ErrorCode;
use common::*;

fn pseudo_random(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2654435761).max(1);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

#[test]
fn every_suite_and_frame_length() {
    let ring = RawAesKeyring::new("rt-ns", "rt-key", &[3u8; 32]).unwrap();
    let ctx = EncryptionContext::from_pairs([("contact-id", "c-9"), ("note", "été 🔒")]).unwrap();
    let mut n = 0;
    for suite in ALL_SUITES {
        for frame in [0u32, 1, 16, 100, 4096] {
            for size in [0usize, 1, 99, 100, 101, 1000] {
                let pt = pseudo_random(size, n as u32 + 1);
                let req = EncryptRequest {
                    suite,
                    frame_length: frame,
                    encryption_context: ctx.clone(),
                };
                let ct = encrypt_with_raw_aes(&pt, &ring, req).unwrap();
                let h = UnverifiedHeader::parse(&ct, Default::default()).unwrap();
                let info = h.unverified();
                assert_eq!(info.suite, suite);
                assert_eq!(
                    info.content_type,
                    if frame == 0 {
                        ContentType::NonFramed
                    } else {
                        ContentType::Framed
                    }
                );
                assert_eq!(info.encryption_context.get("note"), Some("été 🔒"));
                assert_eq!(info.public_key_b64().is_some(), suite.is_signed());
                let key = ring.unwrap_data_key(info).unwrap();
                let what = format!("suite {} frame {frame} size {size}", suite.id_hex());
                assert_eq!(
                    decrypt(&ct, key.expose(), &DecryptOptions::default()).unwrap(),
                    pt,
                    "{what}"
                );
                for chunk in [1, 7, 4096] {
                    let (r, out) =
                        stream_decrypt(&ct, key.expose(), &DecryptOptions::default(), chunk);
                    r.unwrap_or_else(|e| panic!("{what}: {e}"));
                    assert_eq!(out, pt, "{what}: stream {chunk}");
                }
                let ra = ready(RandomAccessReader::open(
                    &ct[..],
                    &key,
                    &releasing(&DecryptOptions::default()),
                ))
                .unwrap();
                assert_eq!(ra.plaintext_len(), size as u64);
                assert_eq!(
                    ready(ra.read(0, size as u64)).unwrap(),
                    pt,
                    "{what}: random access"
                );
                if size > 10 {
                    assert_eq!(ready(ra.read(3, 7)).unwrap(), &pt[3..10], "{what}");
                }
                n += 1;
            }
        }
    }
    assert_eq!(n, 11 * 5 * 6);
}

#[test]
fn exact_multiple_writes_a_full_final_frame() {
    let ring = RawAesKeyring::new("ns", "k", &[1u8; 16]).unwrap();
    let suite = ALL_SUITES[9];
    let ct = encrypt_with_raw_aes(
        &[5u8; 200],
        &ring,
        EncryptRequest {
            suite,
            frame_length: 100,
            encryption_context: EncryptionContext::new(),
        },
    )
    .unwrap();
    let h = UnverifiedHeader::parse(&ct, Default::default()).unwrap();
    // header, one regular frame of 100, final frame of 100 (spec: SHOULD be a full frame)
    assert_eq!(
        ct.len(),
        h.unverified().header_len + (4 + 12 + 100 + 16) + (4 + 4 + 12 + 4 + 100 + 16)
    );
}

#[test]
fn encrypt_refuses_reserved_context_key() {
    let ctx = EncryptionContext::from_pairs([("aws-crypto-public-key", "x")]).unwrap();
    let e = prepare(EncryptRequest {
        suite: ALL_SUITES[0],
        frame_length: 0,
        encryption_context: ctx,
    })
    .err()
    .unwrap();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
}

#[test]
fn options_are_enforced() {
    let ring = RawAesKeyring::new("ns", "k", &[1u8; 32]).unwrap();
    let ctx = EncryptionContext::from_pairs([("a", "1")]).unwrap();
    let signed = encrypt_with_raw_aes(
        b"hello",
        &ring,
        EncryptRequest {
            suite: ALL_SUITES[10],
            frame_length: 4,
            encryption_context: ctx.clone(),
        },
    )
    .unwrap();
    let h = UnverifiedHeader::parse(&signed, Default::default()).unwrap();
    let key = ring.unwrap_data_key(h.unverified()).unwrap();
    let opts = DecryptOptions {
        signed_messages: SignedMessages::Reject,
        ..Default::default()
    };
    assert_eq!(
        decrypt(&signed, key.expose(), &opts).unwrap_err().code,
        ErrorCode::SignedMessageRefused
    );
    let (r, out) = stream_decrypt(&signed, key.expose(), &opts, 1);
    assert_eq!(r.unwrap_err().code, ErrorCode::SignedMessageRefused);
    assert!(out.is_empty());
    let opts = DecryptOptions {
        max_encrypted_data_keys: Some(0),
        ..Default::default()
    };
    assert_eq!(
        decrypt(&signed, key.expose(), &opts).unwrap_err().code,
        ErrorCode::TooManyDataKeys
    );
    let opts = DecryptOptions {
        expected_context: vec![("a".into(), "1".into())],
        ..Default::default()
    };
    assert_eq!(decrypt(&signed, key.expose(), &opts).unwrap(), b"hello");
    let opts = DecryptOptions {
        expected_context: vec![("a".into(), "2".into())],
        ..Default::default()
    };
    assert_eq!(
        decrypt(&signed, key.expose(), &opts).unwrap_err().code,
        ErrorCode::ContextMismatch
    );
    assert_eq!(
        decrypt(&signed, &[0u8; 16], &DecryptOptions::default())
            .unwrap_err()
            .code,
        ErrorCode::WrongKeyLength
    );
    let opts = DecryptOptions {
        max_header_len: 100,
        ..Default::default()
    };
    assert_eq!(
        decrypt(&signed, key.expose(), &opts).unwrap_err().code,
        ErrorCode::LimitExceeded
    );
    let _ = DataKey::new(&[0; 32]);
}

/// spec client-apis/encrypt.md#encryption-context: "If the input encryption context contains
/// any entries with a key beginning with `aws-crypto-`, the encryption operation MUST fail" —
/// the whole prefix is reserved, not only `aws-crypto-public-key`.
#[test]
fn encrypt_refuses_every_key_with_the_reserved_prefix() {
    let ring = RawAesKeyring::new("ns", "k", &[1u8; 32]).unwrap();
    for suite in [ALL_SUITES[0], ALL_SUITES[10]] {
        for key in ["aws-crypto-", "aws-crypto-x", "aws-crypto-public-keyX"] {
            let ctx = EncryptionContext::from_pairs([(key, "1"), ("contact-id", "c-1")]).unwrap();
            let e = encrypt_with_raw_aes(
                b"hi",
                &ring,
                EncryptRequest {
                    suite,
                    frame_length: 4096,
                    encryption_context: ctx,
                },
            )
            .err()
            .unwrap_or_else(|| panic!("`{key}` accepted for suite {}", suite.id_hex()));
            assert_eq!(e.code, ErrorCode::InvalidArgument, "{key}: {e}");
            assert!(e.message.contains(key), "{e}");
        }
        // Keys that only look alike are ordinary keys.
        for key in [
            "aws-crypto",
            "AWS-CRYPTO-x",
            "x-aws-crypto-y",
            "aws-cryptox",
        ] {
            let ctx = EncryptionContext::from_pairs([(key, "1")]).unwrap();
            let req = EncryptRequest {
                suite,
                frame_length: 4096,
                encryption_context: ctx,
            };
            let ct = encrypt_with_raw_aes(b"hi", &ring, req).unwrap();
            let h = UnverifiedHeader::parse(&ct, Default::default()).unwrap();
            assert_eq!(h.unverified().encryption_context.get(key), Some("1"));
        }
    }
}

/// The frame length is what the official SDKs read back: the Python ESDK 4.0.7 refuses a header
/// whose frame length exceeds 2^31 - 1 ("Specified frame length larger than allowed maximum"),
/// so callseal does not write one (the spec allows up to 2^32 - 1; 2^31 - 1 is the bound every
/// official SDK shares). tests/esdk_interop.rs has both official SDKs decrypt 2^31 - 1.
#[test]
fn frame_lengths_beyond_what_the_official_sdks_read_are_refused() {
    let ring = RawAesKeyring::new("ns", "k", &[1u8; 32]).unwrap();
    for frame_length in [1u32 << 31, u32::MAX] {
        let e = encrypt_with_raw_aes(
            b"hi",
            &ring,
            EncryptRequest {
                suite: ALL_SUITES[10],
                frame_length,
                encryption_context: EncryptionContext::new(),
            },
        )
        .err()
        .unwrap_or_else(|| panic!("frame length {frame_length} accepted"));
        assert_eq!(e.code, ErrorCode::InvalidArgument, "{e}");
        assert!(e.message.contains("2147483647"), "{e}");
    }
    let ct = encrypt_with_raw_aes(
        b"hi",
        &ring,
        EncryptRequest {
            suite: ALL_SUITES[10],
            frame_length: (1 << 31) - 1,
            encryption_context: EncryptionContext::new(),
        },
    )
    .unwrap();
    let h = UnverifiedHeader::parse(&ct, Default::default()).unwrap();
    assert_eq!(h.unverified().frame_length, (1 << 31) - 1);
    let key = ring.unwrap_data_key(h.unverified()).unwrap();
    assert_eq!(
        decrypt(&ct, key.expose(), &DecryptOptions::default()).unwrap(),
        b"hi"
    );
}

/// `PreparedMessage::begin` + `FrameWriter`: plaintext pushed in pieces of any size makes the
/// same message layout as one-shot `seal` (same length, same frames), decrypting to the same
/// bytes, for every suite; a non-framed request is refused.
#[test]
fn frame_writer_in_pieces_matches_one_shot() {
    let ring = RawAesKeyring::new("fw-ns", "fw-key", &[7u8; 32]).unwrap();
    let ctx = EncryptionContext::from_pairs([("aws:connect:contact-id", "c-1")]).unwrap();
    for (n, suite) in ALL_SUITES.into_iter().enumerate() {
        for (frame, size) in [
            (16u32, 0usize),
            (16, 16),
            (16, 17),
            (16, 160),
            (4096, 3 * 4096 + 1234),
            (100, 999),
        ] {
            let pt = pseudo_random(size, n as u32 * 31 + size as u32 + 1);
            let req = EncryptRequest {
                suite,
                frame_length: frame,
                encryption_context: ctx.clone(),
            };
            let one_shot = encrypt_with_raw_aes(&pt, &ring, req.clone()).unwrap();
            for piece in [1usize, 5, frame as usize, frame as usize + 3, usize::MAX] {
                let prepared = prepare(req.clone()).unwrap();
                let data_key = DataKey::new(&pseudo_random(suite.key_len, 9 + n as u32));
                let edk = ring
                    .wrap_data_key(&data_key, prepared.encryption_context())
                    .unwrap();
                let mut out = Vec::new();
                let mut body = prepared.begin(&data_key, vec![edk], &mut out).unwrap();
                for chunk in pt.chunks(piece.min(pt.len().max(1))) {
                    body.push(chunk, &mut out).unwrap();
                }
                assert_eq!(body.plaintext_len(), size as u64);
                body.finish(&mut out).unwrap();
                let what = format!(
                    "suite {} frame {frame} size {size} pieces of {piece}",
                    suite.id_hex()
                );
                // Signatures are DER: two integers of at most 48 bytes (P-384) each with a sign
                // byte when its top bit is set and fewer bytes when it starts with zeros, so two
                // signatures differ by a few bytes (455 vs 458 seen); the decryption below is the
                // byte-level check.
                let slack = if suite.is_signed() { 8 } else { 0 };
                assert!(
                    out.len().abs_diff(one_shot.len()) <= slack,
                    "{what}: {} vs {}",
                    out.len(),
                    one_shot.len()
                );
                let h = UnverifiedHeader::parse(&out, Default::default()).unwrap();
                let key = ring.unwrap_data_key(h.unverified()).unwrap();
                assert_eq!(
                    decrypt(&out, key.expose(), &DecryptOptions::default()).unwrap(),
                    pt,
                    "{what}"
                );
            }
        }
    }
    let prepared = prepare(EncryptRequest {
        suite: ALL_SUITES[0],
        frame_length: 0,
        encryption_context: ctx,
    })
    .unwrap();
    let e = prepared
        .begin(&DataKey::new(&[0u8; 16]), vec![], &mut Vec::new())
        .err()
        .unwrap();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
}
