//! Property tests of the envelope layer (proptest): for random suites, frame lengths,
//! plaintexts, encryption contexts and chunkings,
//! - encrypt → one-shot decrypt gives the plaintext back, for every suite and frame length;
//! - streaming with any chunking of the input releases exactly the plaintext;
//! - random access of any range equals the same slice of the one-shot plaintext;
//! - a message with any single byte changed, cut or extended never decrypts;
//! - S3EC V2 objects (AES-256-GCM, no AAD, the format's only content cipher) round-trip.
//!   callseal has no S3EC *encrypt* API; the V2 object is written here with the crate's
//!   AES-GCM engine exactly as the official client writes it (V3 is covered by
//!   tests/s3ec_vectors.rs with objects made by the official Python client).
//!
//! Case counts are modest so the file runs in seconds in `make test`.
#![cfg(feature = "envelope")]

mod common;
use common::ready;
use std::collections::BTreeMap;

use base64::Engine as _;
use callseal::engine::RustAesGcm;
use callseal::envelope::encrypt::{prepare, EncryptRequest};
use callseal::envelope::random_access::RandomAccessReader;
use callseal::envelope::{
    decrypt, DataKey, DecryptOptions, EncryptedDataKey, EncryptionContext, SignedMessages,
    StreamDecryptor, Suite, ALL_SUITES,
};
use callseal::s3ec::{decrypt_object, S3ObjectMetadata};
use proptest::prelude::*;

fn suite() -> impl Strategy<Value = Suite> {
    (0..ALL_SUITES.len()).prop_map(|i| ALL_SUITES[i])
}

/// 0 = non-framed; small frames (many frames, final frames of every length) and the default.
fn frame_length() -> impl Strategy<Value = u32> {
    prop_oneof![Just(0u32), 1u32..=64, 65u32..=600, Just(4096u32)]
}

fn context() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::btree_map("[a-z:-]{1,12}|é[a-z]{0,3}|漢字", "\\PC{0,16}", 0..4)
        .prop_map(|m| m.into_iter().collect())
}

/// Writes a message with callseal's encrypt; returns (message, data key).
fn encrypt(
    suite: Suite,
    frame_length: u32,
    pairs: &[(String, String)],
    plaintext: &[u8],
    key_seed: u8,
) -> (Vec<u8>, Vec<u8>) {
    let key: Vec<u8> = (0..suite.key_len as u8)
        .map(|i| i.wrapping_mul(31) ^ key_seed)
        .collect();
    let prepared = prepare(EncryptRequest {
        suite,
        frame_length,
        encryption_context: EncryptionContext::from_pairs(pairs.iter().cloned()).unwrap(),
    })
    .unwrap();
    let edk = EncryptedDataKey {
        provider_id: "proptest".into(),
        provider_info: b"key".to_vec(),
        ciphertext: vec![7; 48],
    };
    let msg = prepared
        .seal(plaintext, &DataKey::new(&key), vec![edk])
        .unwrap();
    (msg, key)
}

/// Streams and range readers release a signed message's frames before (or without) its footer
/// signature check: these properties hold for every suite, so they opt in.
fn releasing() -> DecryptOptions {
    DecryptOptions {
        signed_messages: SignedMessages::ReleaseBeforeVerify,
        ..Default::default()
    }
}

fn stream_chunks(msg: &[u8], key: &[u8], sizes: &[usize]) -> callseal::Result<Vec<u8>> {
    let mut d = StreamDecryptor::new(DataKey::new(key), releasing())?;
    let mut out = Vec::new();
    let mut rest = msg;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].clamp(1, rest.len());
        i += 1;
        d.update(&rest[..n], &mut out)?;
        rest = &rest[n..];
    }
    d.finish()?;
    Ok(out)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn round_trip_every_suite_and_frame_length(
        suite in suite(),
        frame_length in frame_length(),
        pairs in context(),
        plaintext in prop::collection::vec(any::<u8>(), 0..1500),
        key_seed in any::<u8>(),
        sizes in prop::collection::vec(1usize..300, 1..6),
    ) {
        let (msg, key) = encrypt(suite, frame_length, &pairs, &plaintext, key_seed);
        prop_assert_eq!(&decrypt(&msg, &key, &DecryptOptions::default()).unwrap(), &plaintext);
        prop_assert_eq!(&stream_chunks(&msg, &key, &sizes).unwrap(), &plaintext);
    }

    #[test]
    fn any_chunking_gives_the_same_plaintext(
        suite in suite(),
        frame_length in prop_oneof![Just(0u32), 1u32..=40],
        plaintext in prop::collection::vec(any::<u8>(), 0..400),
        sizes in prop::collection::vec(1usize..64, 1..20),
    ) {
        let (msg, key) = encrypt(suite, frame_length, &[], &plaintext, 1);
        prop_assert_eq!(&stream_chunks(&msg, &key, &sizes).unwrap(), &plaintext);
        prop_assert_eq!(&stream_chunks(&msg, &key, &[1]).unwrap(), &plaintext);
    }

    #[test]
    fn random_access_equals_one_shot(
        suite in suite(),
        frame_length in prop_oneof![Just(0u32), 1u32..=100],
        plaintext in prop::collection::vec(any::<u8>(), 0..800),
        ranges in prop::collection::vec((0.0f64..=1.0, 0.0f64..=1.0), 1..8),
    ) {
        let (msg, key) = encrypt(suite, frame_length, &[], &plaintext, 2);
        let whole = decrypt(&msg, &key, &DecryptOptions::default()).unwrap();
        let r = ready(RandomAccessReader::open(msg.as_slice(), &DataKey::new(&key), &releasing())).unwrap();
        prop_assert_eq!(r.plaintext_len(), whole.len() as u64);
        for (a, b) in ranges {
            let off = (a * whole.len() as f64) as usize;
            let len = (b * (whole.len() - off) as f64) as usize;
            prop_assert_eq!(&ready(r.read(off as u64, len as u64)).unwrap(), &whole[off..off + len]);
        }
        // Past the end: a typed error, not a short read.
        prop_assert!(ready(r.read(whole.len() as u64, 1)).is_err());
    }

    #[test]
    fn any_change_fails(
        suite in suite(),
        frame_length in prop_oneof![Just(0u32), 1u32..=50],
        plaintext in prop::collection::vec(any::<u8>(), 1..200),
        at in 0.0f64..1.0,
        flip in 1u8..=255,
        how in 0u8..3,
    ) {
        let (mut msg, key) = encrypt(suite, frame_length, &[], &plaintext, 3);
        let i = (at * msg.len() as f64) as usize;
        match how {
            0 => msg[i] ^= flip,
            1 => msg.truncate(i),
            _ => msg.push(flip),
        }
        prop_assert!(decrypt(&msg, &key, &DecryptOptions::default()).is_err());
        let released = stream_chunks(&msg, &key, &[7]);
        prop_assert!(released.is_err());
    }

    #[test]
    fn s3ec_v2_round_trip(
        plaintext in prop::collection::vec(any::<u8>(), 0..2000),
        key in prop::array::uniform32(any::<u8>()),
        iv in prop::array::uniform12(any::<u8>()),
        contact in "[a-z0-9-]{1,20}",
    ) {
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let mut body = plaintext.clone();
        let tag = RustAesGcm::new(&key).unwrap().seal_in_place(&iv, &[], &mut body).unwrap();
        body.extend_from_slice(&tag);
        let headers = BTreeMap::from([
            ("x-amz-meta-x-amz-key-v2".to_string(), b64(b"kms-ciphertext-blob")),
            ("x-amz-meta-x-amz-iv".to_string(), b64(&iv)),
            ("x-amz-meta-x-amz-cek-alg".to_string(), "AES/GCM/NoPadding".to_string()),
            ("x-amz-meta-x-amz-wrap-alg".to_string(), "kms+context".to_string()),
            ("x-amz-meta-x-amz-tag-len".to_string(), "128".to_string()),
            ("x-amz-meta-x-amz-matdesc".to_string(), format!(r#"{{"contact-id":"{contact}","aws:x-amz-cek-alg":"AES/GCM/NoPadding"}}"#)),
            ("x-amz-meta-x-amz-unencrypted-content-length".to_string(), plaintext.len().to_string()),
        ]);
        let meta = S3ObjectMetadata::from_headers(&headers, None).unwrap();
        prop_assert_eq!(meta.encryption_context().get("contact-id"), Some(&contact));
        prop_assert_eq!(&decrypt_object(&body, &meta, &key).unwrap(), &plaintext);
        let mut bad = body.clone();
        let n = bad.len();
        bad[n / 2] ^= 1;
        prop_assert!(decrypt_object(&bad, &meta, &key).is_err());
    }
}

/// Exhaustive over the suites: every suite x frame lengths around the edges (non-framed, 1-byte
/// frames, small, default) x plaintext lengths at frame boundaries; one-shot, streaming in 7-byte
/// chunks and a random-access read of everything agree with the plaintext.
#[test]
fn every_suite_every_frame_length_boundaries() {
    let mut n = 0;
    for suite in ALL_SUITES {
        for frame_length in [0u32, 1, 17, 4096] {
            let fl = frame_length.max(1) as usize;
            for len in [0, 1, fl, fl + 1, 2 * fl + 1] {
                let plaintext: Vec<u8> = (0..len).map(|i| (i * 13 + len) as u8).collect();
                let pairs = [("contact-id".to_string(), format!("c-{len}"))];
                let (msg, key) = encrypt(suite, frame_length, &pairs, &plaintext, len as u8);
                let opts = DecryptOptions::default();
                assert_eq!(decrypt(&msg, &key, &opts).unwrap(), plaintext);
                assert_eq!(stream_chunks(&msg, &key, &[7]).unwrap(), plaintext);
                let r = ready(RandomAccessReader::open(
                    msg.as_slice(),
                    &DataKey::new(&key),
                    &releasing(),
                ))
                .unwrap();
                assert_eq!(r.plaintext_len(), len as u64);
                assert_eq!(ready(r.read(0, len as u64)).unwrap(), plaintext);
                n += 1;
            }
        }
    }
    assert_eq!(n, ALL_SUITES.len() * 4 * 5);
}
