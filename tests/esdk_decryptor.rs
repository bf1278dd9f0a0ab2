//! The sans-IO decryptor driven the way the wasm layer drives it: key given after the header,
//! frames opened by an "external" engine, bounded buffering, misuse refused; header parser
//! errors say where.

#![cfg(feature = "envelope")]

mod common;

use callseal::envelope::raw_aes::RawAesKeyring;
use callseal::envelope::{
    DecryptOptions, Decryptor, HeaderLimits, HeaderParser, SealedFrame, UnverifiedHeader,
};
use callseal::ErrorCode;
use common::*;

fn vector(id: &str) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let c = OfficialCase::load(id);
    let ct = c.ciphertext();
    (ct, c.data_key, c.plaintext.expect("a case that decrypts"))
}

#[test]
fn key_after_header_external_engine_bounded_buffer() {
    // 1 MiB plaintext, 64 KiB frames, suite 0578 (signed, committing)
    let m = manifest();
    let t = m["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["suite"] == "0578" && t["plaintext"] == "pt/1048576.bin")
        .unwrap()
        .clone();
    let ct = read_vec(&format!(
        "python-4.0.7/{}",
        t["ciphertext"].as_str().unwrap()
    ));
    let pt = read_vec("python-4.0.7/pt/1048576.bin");
    let wk = &m["wrapping_key"];
    let ring = RawAesKeyring::new(
        "callseal-test",
        "wrapping-key-1",
        &b64(wk["key"].as_str().unwrap()),
    )
    .unwrap();

    // A signed message whose frames this test takes as they are opened: it opts in.
    let mut d = Decryptor::new(releasing(&DecryptOptions::default()));
    // push everything at once: the decryptor stops at the end of the header
    let n = d.push(&ct).unwrap();
    assert!(d.needs_data_key());
    let header = d.unverified_header().unwrap().clone();
    assert_eq!(n, header.unverified().header_len);
    let key = ring.unwrap_data_key(header.unverified()).unwrap();
    d.set_data_key(key).unwrap();
    assert!(d.verified_header().is_some());
    let mut pos = n;
    let mut out = Vec::new();
    let mut frames = 0;
    loop {
        let used = d.push(&ct[pos..]).unwrap();
        // never more than one frame (64 KiB + overhead) consumed before the frame is taken
        assert!(
            used <= 65536 + 40 + 2 + 104,
            "consumed {used} bytes at once"
        );
        pos += used;
        match d.next_frame() {
            Some(f) => {
                let seq = f.seq;
                assert_eq!(f.ciphertext_and_tag().len() as u64, f.plaintext_len + 16);
                out.extend(f.open(&d.cipher().unwrap()).unwrap());
                d.frame_opened(seq).unwrap();
                frames += 1;
            }
            None if pos == ct.len() => break,
            None => {}
        }
    }
    d.finish().unwrap();
    assert_eq!(frames, 17); // 16 full frames + empty-or-full final
    assert_eq!(out, pt);
}

#[test]
fn finish_refuses_unopened_frames_and_misordered_reports() {
    let (ct, key, _) = vector("010-0014-f4096-n4096");
    let mut d = Decryptor::new(DecryptOptions::default());
    d.set_data_key(callseal::envelope::DataKey::new(&key))
        .unwrap();
    let mut pos = 0;
    let mut taken = Vec::new();
    while pos < ct.len() {
        pos += d.push(&ct[pos..]).unwrap();
        if let Some(f) = d.next_frame() {
            taken.push(f.seq);
        }
    }
    assert!(d.message_complete());
    assert_eq!(d.finish().unwrap_err().code, ErrorCode::InvalidState);

    let mut d = Decryptor::new(DecryptOptions::default());
    d.set_data_key(callseal::envelope::DataKey::new(&key))
        .unwrap();
    d.push(&ct).unwrap();
    let _ = d.next_frame().unwrap();
    assert_eq!(d.frame_opened(2).unwrap_err().code, ErrorCode::InvalidState);
}

#[test]
fn trailing_bytes_detected_on_push() {
    let (mut ct, key, _) = vector("004-0014-f128-n0");
    ct.extend_from_slice(&[0, 0]);
    let mut d = Decryptor::new(DecryptOptions::default());
    d.set_data_key(callseal::envelope::DataKey::new(&key))
        .unwrap();
    let mut pos = 0;
    let err = loop {
        match d.push(&ct[pos..]) {
            Ok(n) => pos += n,
            Err(e) => break e,
        }
        if let Some(f) = d.next_frame() {
            let seq = f.seq;
            f.open(&d.cipher().unwrap()).unwrap();
            d.frame_opened(seq).unwrap();
        }
    };
    assert_eq!(err.code, ErrorCode::TrailingBytes);
    assert!(err.message.contains("2 byte"), "{}", err.message);
}

#[test]
fn header_parser_is_incremental_and_exact() {
    let (ct, _, _) = vector("131-0578-f4096-n10000");
    let whole = UnverifiedHeader::parse(&ct, HeaderLimits::default()).unwrap();
    let mut p = HeaderParser::new(HeaderLimits::default());
    let mut used = 0;
    for b in &ct {
        used += p.push(std::slice::from_ref(b)).unwrap();
        if p.is_complete() {
            break;
        }
    }
    assert_eq!(used, whole.unverified().header_len);
    let h = p.take().unwrap().unwrap();
    assert_eq!(h.bytes(), whole.bytes());
    assert_eq!(h.unverified(), whole.unverified());
    // truncated header: TRUNCATED only when told the input ended
    let e = UnverifiedHeader::parse(&ct[..50], HeaderLimits::default()).unwrap_err();
    assert_eq!(e.code, ErrorCode::Truncated);
}

#[test]
fn header_errors_say_where() {
    let (ct, _, _) = vector("011-0014-f4096-n10000");
    let mut bad = ct.clone();
    bad[0] = 3;
    let e = UnverifiedHeader::parse(&bad, HeaderLimits::default()).unwrap_err();
    assert_eq!(e.code, ErrorCode::UnsupportedVersion);
    assert!(e.message.contains("byte 0"), "{}", e.message);
    let mut bad = ct.clone();
    bad[1] = 0x81;
    let e = UnverifiedHeader::parse(&bad, HeaderLimits::default()).unwrap_err();
    assert_eq!(e.code, ErrorCode::MalformedHeader);
    assert!(e.message.contains("byte 1"), "{}", e.message);
    // too many EDKs is reported as soon as the count is read: feed only up to the count
    let info = UnverifiedHeader::parse(&ct, HeaderLimits::default())
        .unwrap()
        .unverified()
        .clone();
    let count_at = 4 + 16 + 2 + info.encryption_context.serialize().len();
    let limits = HeaderLimits {
        max_encrypted_data_keys: Some(0),
        ..Default::default()
    };
    let mut p = HeaderParser::new(limits);
    let e = p.push(&ct[..count_at + 2]).unwrap_err();
    assert_eq!(e.code, ErrorCode::TooManyDataKeys);
    assert!(
        e.message.contains(&format!("byte {count_at}")),
        "{}",
        e.message
    );
}

/// Opens frame `f` from its range of `ct` with the pure-Rust engine, appends its plaintext to
/// `out` and reports it opened to `d`.
fn open_frame(d: &mut Decryptor, ct: &[u8], f: &SealedFrame, out: &mut Vec<u8>) {
    let mut buf = ct[f.range.start as usize..f.range.end as usize].to_vec();
    let ct_len = buf.len() - 16;
    let (body, tag) = buf.split_at_mut(ct_len);
    let tag: [u8; 16] = (&*tag).try_into().unwrap();
    d.cipher()
        .unwrap()
        .open_in_place(f.iv.bytes(), &f.aad, body, &tag, "frame")
        .unwrap();
    out.extend_from_slice(body);
    d.frame_opened(f.seq).unwrap();
}

/// Drives `d` over the whole message with the pure-Rust engine, leaving the signature verdict
/// to the caller (external signature mode); returns the plaintext.
fn open_all_external(d: &mut Decryptor, ct: &[u8], key: &[u8]) -> Vec<u8> {
    d.verify_signature_externally().unwrap();
    let mut used = d.push(ct).unwrap();
    d.set_data_key(callseal::envelope::DataKey::new(key))
        .unwrap();
    let mut out = Vec::new();
    loop {
        used += d.push(&ct[used..]).unwrap();
        let Some(f) = d.next_frame() else { break };
        open_frame(d, ct, &f, &mut out);
    }
    assert_eq!(used, ct.len());
    out
}

#[test]
fn external_signature_mode_verdicts() {
    use sha2::Digest;
    // ECDSA P-384 / SHA-384 (0578, framed) and P-256 / SHA-256 (0214, non-framed)
    for id in ["131-0578-f4096-n10000", "075-0214-f0-n10000"] {
        let (ct, key, pt) = vector(id);

        let mut d = Decryptor::without_frame_copies(DecryptOptions::default());
        assert_eq!(open_all_external(&mut d, &ct, &key), pt, "{id}");
        let sig = d.external_signature().expect("signature pending");
        let signed = &ct[..sig.signed_len as usize];
        assert!(sig.signed_len as usize > ct.len() - 110 && sig.signed_len < ct.len() as u64);
        let digest = match sig.key.curve_name() {
            "P-384" => sha2::Sha384::digest(signed).to_vec(),
            _ => sha2::Sha256::digest(signed).to_vec(),
        };
        // the caller's own verification agrees with the footer
        sig.key.verify_prehash(&digest, sig.der).unwrap();
        // ... and a raw r||s of the curve's size is what WebCrypto gets
        let raw = sig.key.der_to_raw(sig.der).unwrap();
        assert_eq!(
            raw.len(),
            if sig.key.curve_name() == "P-384" {
                96
            } else {
                64
            }
        );
        // no verdict yet: finish refuses
        assert_eq!(
            d.finish().unwrap_err().code,
            ErrorCode::InvalidState,
            "{id}"
        );

        let mut d = Decryptor::without_frame_copies(DecryptOptions::default());
        open_all_external(&mut d, &ct, &key);
        d.signature_checked(true).unwrap();
        d.finish().unwrap();

        let mut d = Decryptor::without_frame_copies(DecryptOptions::default());
        open_all_external(&mut d, &ct, &key);
        assert_eq!(
            d.signature_checked(false).unwrap_err().code,
            ErrorCode::SignatureInvalid
        );
        assert!(d.finish().is_err());
    }
    // too late once the key is set; unsigned suites have nothing to verify
    let (ct, key, _) = vector("010-0014-f4096-n4096");
    let mut d = Decryptor::without_frame_copies(DecryptOptions::default());
    let used = d.push(&ct).unwrap();
    d.set_data_key(callseal::envelope::DataKey::new(&key))
        .unwrap();
    assert_eq!(
        d.verify_signature_externally().unwrap_err().code,
        ErrorCode::InvalidState
    );
    let _ = used;
    let mut d = Decryptor::without_frame_copies(DecryptOptions::default());
    open_all_external(&mut d, &ct, &key);
    assert!(d.external_signature().is_none());
    d.finish().unwrap();
}

/// Drives a decryptor that does not copy frames over `ct` as the one-shot wasm path does: bytes
/// it does not read ([`Decryptor::unread_ahead`]) are skipped, never pushed, `step` at a time;
/// frames are opened from `ct` at their ranges with the pure-Rust engine. Returns the plaintext
/// and the bytes skipped.
fn open_skipping(d: &mut Decryptor, ct: &[u8], key: &[u8], step: u64) -> (Vec<u8>, u64) {
    let mut pos = d.push(ct).unwrap();
    d.set_data_key(callseal::envelope::DataKey::new(key))
        .unwrap();
    let (mut out, mut skipped) = (Vec::new(), 0);
    loop {
        while let Some(f) = d.next_frame() {
            open_frame(d, ct, &f, &mut out);
        }
        let unread = d.unread_ahead();
        if unread > 0 {
            let n = unread.min(step).min((ct.len() - pos) as u64);
            if n == 0 {
                break;
            }
            d.skip(n).unwrap();
            pos += n as usize;
            skipped += n;
        } else if pos < ct.len() {
            // one byte at a time: frame heads and footers are read, never skipped
            pos += d.push(&ct[pos..pos + 1]).unwrap();
        } else {
            break;
        }
    }
    (out, skipped)
}

#[test]
fn a_decryptor_that_neither_copies_nor_hashes_frames_skips_their_bytes() {
    // 1 MiB in 64 KiB frames (unsigned; signed with the signature checked by the caller) and a
    // non-framed body: every byte of ciphertext ‖ tag is skipped, the rest is read, and the
    // frames (ranges, IVs, AADs) are those a decryptor pushed every byte hands out.
    for (id, signed) in [
        ("133-0178-f65536-n1048576", false),
        ("132-0578-f65536-n1048576", true),
        ("063-0178-f0-n10000", false),
    ] {
        let (ct, key, pt) = vector(id);
        let frames = if id.contains("-f0-") { 1 } else { 17 };
        for step in [u64::MAX, 1000] {
            let mut d = Decryptor::without_frame_copies(DecryptOptions::default());
            if signed {
                d.verify_signature_externally().unwrap();
            }
            let (out, skipped) = open_skipping(&mut d, &ct, &key, step);
            assert_eq!(out, pt, "{id} step {step}");
            assert_eq!(skipped, pt.len() as u64 + 16 * frames, "{id} step {step}");
            if signed {
                d.signature_checked(true).unwrap();
            }
            d.finish().unwrap();
        }
    }
}

#[test]
fn frame_bytes_a_decryptor_reads_are_never_skippable() {
    let (ct, key, _) = vector("132-0578-f65536-n1048576");
    // A decryptor that hashes the message for its signature, and one that copies each frame,
    // read every byte: nothing is ever unread ahead.
    for mut d in [
        Decryptor::without_frame_copies(DecryptOptions::default()),
        Decryptor::new(releasing(&DecryptOptions::default())),
    ] {
        let mut pos = d.push(&ct).unwrap();
        d.set_data_key(callseal::envelope::DataKey::new(&key))
            .unwrap();
        while pos < ct.len() {
            assert_eq!(d.unread_ahead(), 0, "at byte {pos}");
            pos += d.push(&ct[pos..(pos + 4000).min(ct.len())]).unwrap();
            if let Some(f) = d.next_frame() {
                let seq = f.seq;
                d.frame_opened(seq).unwrap();
            }
        }
    }
}

#[test]
fn skipping_past_what_is_unread_fails_and_a_skipped_cut_is_truncated() {
    let (ct, key, _) = vector("133-0178-f65536-n1048576");
    let mut d = Decryptor::without_frame_copies(DecryptOptions::default());
    let n = d.push(&ct).unwrap();
    // before the body (header, awaiting the key) nothing may be skipped
    assert_eq!(d.unread_ahead(), 0);
    d.skip(0).unwrap();
    d.set_data_key(callseal::envelope::DataKey::new(&key))
        .unwrap();
    let head = d.push(&ct[n..n + 16]).unwrap();
    assert_eq!(head, 16, "frame 1's sequence number and IV");
    assert_eq!(d.unread_ahead(), 65536 + 16);
    let e = d.skip(65536 + 17).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidState);
    assert!(e.message.contains("65552 unread ahead"), "{}", e.message);
    assert_eq!(
        d.push(&ct[n + 16..]).unwrap_err().code,
        ErrorCode::InvalidState,
        "the decryptor failed"
    );

    // the message cut inside frame 2: skipping up to the cut, then finish names the frame
    let cut = &ct[..n + 16 + 65552 + 16 + 30_000];
    let mut d = Decryptor::without_frame_copies(DecryptOptions::default());
    let (out, skipped) = open_skipping(&mut d, cut, &key, u64::MAX);
    assert_eq!(out, vector("133-0178-f65536-n1048576").2[..65536]);
    assert_eq!(skipped, 65552 + 30_000);
    let e = d.finish().unwrap_err();
    assert_eq!(e.code, ErrorCode::Truncated);
    assert!(
        e.message.contains("frame 2") && e.message.contains(&format!("byte {}", cut.len())),
        "{}",
        e.message
    );
}

#[test]
fn a_stream_decryptor_says_where_the_unit_in_progress_lies_and_bounds_every_unit() {
    // A stream that opens frames from its own input chunks keeps the bytes of the unit in
    // progress: `sealed_range` says where they lie, and is the unit's range once complete.
    for id in [
        "133-0178-f65536-n1048576",
        "071-0178-f4096-n10000",
        "063-0178-f0-n10000",
    ] {
        let (ct, key, pt) = vector(id);
        let mut d = Decryptor::with_frame_ranges(DecryptOptions::default());
        let mut pos = d.push(&ct).unwrap();
        assert_eq!(d.sealed_range(), None, "{id}: awaiting the key");
        d.set_data_key(callseal::envelope::DataKey::new(&key))
            .unwrap();
        let (mut out, mut in_progress) = (Vec::new(), None);
        while pos < ct.len() {
            pos += d.push(&ct[pos..(pos + 3001).min(ct.len())]).unwrap();
            while let Some(f) = d.next_frame() {
                if let Some(r) = in_progress.take() {
                    assert_eq!(f.range, r, "{id}: frame {}", f.seq);
                }
                assert!(
                    f.ciphertext_and_tag().is_empty(),
                    "{id}: no frame bytes copied"
                );
                open_frame(&mut d, &ct, &f, &mut out);
            }
            if let Some(r) = d.sealed_range() {
                assert!(
                    r.start <= pos as u64 && (pos as u64) < r.end,
                    "{id}: {r:?} at {pos}"
                );
                assert!(
                    in_progress.as_ref().is_none_or(|p| *p == r),
                    "{id}: one unit at a time"
                );
                in_progress = Some(r);
            }
        }
        assert_eq!(out, pt, "{id}");
        d.finish().unwrap();
    }

    // Every unit above the frame buffer limit is refused at its head, a non-framed body too
    // (a decryptor for callers holding the whole message admits it).
    for (id, len) in [
        ("133-0178-f65536-n1048576", 65536),
        ("063-0178-f0-n10000", 10000),
    ] {
        let (ct, key, _) = vector(id);
        let opts = DecryptOptions {
            max_frame_buffer: len + 15,
            ..DecryptOptions::default()
        };
        let mut d = Decryptor::with_frame_ranges(opts.clone());
        let n = d.push(&ct).unwrap();
        d.set_data_key(callseal::envelope::DataKey::new(&key))
            .unwrap();
        let e = d.push(&ct[n..]).unwrap_err();
        assert_eq!(e.code, ErrorCode::LimitExceeded, "{id}: {}", e.message);
        let mut whole = Decryptor::without_frame_copies(opts).limit_frames();
        let n = whole.push(&ct).unwrap();
        whole
            .set_data_key(callseal::envelope::DataKey::new(&key))
            .unwrap();
        let r = whole.push(&ct[n..]);
        assert_eq!(r.is_ok(), id.contains("-f0-"), "{id}: {r:?}");
    }
}

/// A decryptor given the data key for an engine (`set_data_key_for_engine`, as the wasm layer
/// gives it) runs neither AES-GCM nor the curve code itself: it waits for the engine to check
/// the header tag, and for a signed message it hands out the digest of the signed bytes with the
/// footer, the key still as the header's compressed point, for its caller to verify.
#[test]
fn engine_driven_decryptor_leaves_the_header_tag_and_the_signature_to_its_caller() {
    use callseal::engine::RustAesGcm;
    use callseal::envelope::random_access::run_ready;
    use sha2::Digest;
    for (id, flip_signature) in [
        ("131-0578-f4096-n10000", false),
        ("131-0578-f4096-n10000", true),
    ] {
        let (mut ct, key, pt) = vector(id);
        if flip_signature {
            let last = ct.len() - 1;
            ct[last] ^= 0x01;
        }
        let mut d = Decryptor::without_frame_copies(DecryptOptions::default());
        d.set_data_key_for_engine(callseal::envelope::DataKey::new(&key))
            .unwrap();
        let mut used = d.push(&ct).unwrap();
        assert!(d.header_tag_pending() && d.verified_header().is_none());
        assert_eq!(
            used,
            d.push(&ct[used..]).unwrap() + used,
            "no byte taken before the tag"
        );
        let engine = RustAesGcm::new(d.content_key().unwrap().expose()).unwrap();
        run_ready(d.verify_header_tag(&engine)).unwrap().unwrap();
        assert!(d.verified_header().is_some());
        let mut out = Vec::new();
        loop {
            used += d.push(&ct[used..]).unwrap();
            let Some(f) = d.next_frame() else { break };
            open_frame(&mut d, &ct, &f, &mut out);
        }
        assert_eq!((used, &out), (ct.len(), &pt), "{id}");
        let sig = d
            .external_signature()
            .expect("the signature waits for its caller");
        assert_eq!(
            sig.digest,
            Some(&sha2::Sha384::digest(&ct[..sig.signed_len as usize])[..])
        );
        let point = d
            .verified_header()
            .unwrap()
            .info()
            .public_key_point()
            .unwrap()
            .unwrap();
        assert_eq!(sig.key, &point);
        assert_eq!(point.compressed().len(), 49);
        let valid = sig.verifies_digest(sig.digest.unwrap()).unwrap();
        assert_eq!(valid, !flip_signature, "{id}");
        match d.signature_checked(valid) {
            Ok(()) => d.finish().unwrap(),
            Err(e) => assert_eq!(e.code, ErrorCode::SignatureInvalid),
        }
    }
    // A tampered header tag: TAG_MISMATCH from the engine's check, and the decryptor has failed.
    let (mut ct, key, _) = vector("119-0478-f4096-n10000");
    let mut d = Decryptor::without_frame_copies(DecryptOptions::default());
    d.set_data_key_for_engine(callseal::envelope::DataKey::new(&key))
        .unwrap();
    let header_len = d.push(&ct).unwrap();
    ct[header_len - 1] ^= 0x01;
    let mut d = Decryptor::without_frame_copies(DecryptOptions::default());
    d.set_data_key_for_engine(callseal::envelope::DataKey::new(&key))
        .unwrap();
    d.push(&ct).unwrap();
    let engine = RustAesGcm::new(d.content_key().unwrap().expose()).unwrap();
    let e = run_ready(d.verify_header_tag(&engine))
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::TagMismatch);
    assert!(e.message.starts_with("header tag does not verify"), "{e}");
    assert_eq!(
        d.push(&ct[header_len..]).unwrap_err().code,
        ErrorCode::InvalidState
    );
}
