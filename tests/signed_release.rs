//! Signed messages: no plaintext before the signature unless the caller opts in (issue 20).
//!
//! A stream releases each frame before a signed message's footer signature can be checked, and
//! random access never checks it. Both refuse signed messages by default
//! (`SIGNED_MESSAGE_REFUSED`, naming the opt-in); `SignedMessages::ReleaseBeforeVerify` (JS:
//! `signedMessages: 'release-before-verify'`) lets them through; one-shot decrypt verifies
//! before it releases anything and takes them by default. The claims SECURITY.md and the
//! package README make about it are checked here too.

#![cfg(feature = "envelope")]

mod common;

use callseal::envelope::random_access::RandomAccessReader;
use callseal::envelope::{
    decrypt, DataKey, DecryptOptions, Decryptor, Release, SignedMessages, StreamDecryptor,
};
use callseal::ErrorCode;
use common::*;

/// An official signed message (suite 0578, framed) and an unsigned one (0478), 4096-byte
/// plaintexts.
fn official(suite: &str) -> OfficialCase {
    let m = manifest();
    let t = m["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            t["suite"] == suite
                && t["expect"] == "plaintext"
                && t["plaintext"] == "pt/4096.bin"
                && t["frame_length"]
                    .as_u64()
                    .is_some_and(|f| f > 0 && f < 4096)
        })
        .unwrap_or_else(|| panic!("a framed {suite} case"));
    OfficialCase::load(t["id"].as_str().unwrap())
}

fn with(signed_messages: SignedMessages) -> DecryptOptions {
    DecryptOptions {
        signed_messages,
        ..Default::default()
    }
}

/// Streams `ct` in `chunk`-byte pieces with a stream built by `make`: the result and what was
/// released before it.
fn stream(
    ct: &[u8],
    key: &[u8],
    chunk: usize,
    make: impl FnOnce(DataKey) -> callseal::Result<StreamDecryptor>,
) -> (callseal::Result<()>, Vec<u8>) {
    let mut out = Vec::new();
    let mut d = match make(DataKey::new(key)) {
        Ok(d) => d,
        Err(e) => return (Err(e), out),
    };
    for piece in ct.chunks(chunk) {
        if let Err(e) = d.update(piece, &mut out) {
            return (Err(e), out);
        }
    }
    (d.finish(), out)
}

#[test]
fn streams_and_random_access_refuse_signed_messages_by_default_naming_the_opt_in() {
    let c = official("0578");
    let (ct, key) = (c.ciphertext(), c.data_key.clone());
    let pt = c.plaintext.clone().unwrap();
    for opts in [DecryptOptions::default(), with(SignedMessages::Verify)] {
        let (r, out) = stream(&ct, &key, 97, |k| StreamDecryptor::new(k, opts.clone()));
        let e = r.unwrap_err();
        assert_eq!(e.code, ErrorCode::SignedMessageRefused);
        assert!(e.message.contains("'release-before-verify'"), "{e}");
        assert!(out.is_empty(), "nothing released");

        let e = ready(RandomAccessReader::open(
            &ct[..],
            &DataKey::new(&key),
            &opts,
        ))
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::SignedMessageRefused);
        assert!(e.message.contains("random access never checks"), "{e}");

        // The sans-IO decryptor: refused when the header is parsed, before the key is used.
        let mut d = Decryptor::new(opts.clone());
        assert_eq!(
            d.push(&ct).unwrap_err().code,
            ErrorCode::SignedMessageRefused
        );
        // One-shot verifies the signature before releasing anything.
        assert_eq!(decrypt(&ct, &key, &opts).unwrap(), pt);
    }
    // Unsigned messages stream and read by default.
    let u = official("0478");
    let uct = u.ciphertext();
    let (r, out) = stream(&uct, &u.data_key, 97, |k| {
        StreamDecryptor::new(k, DecryptOptions::default())
    });
    r.unwrap();
    assert_eq!(out, u.plaintext.clone().unwrap());
    let ra = ready(RandomAccessReader::open(
        &uct[..],
        &DataKey::new(&u.data_key),
        &DecryptOptions::default(),
    ))
    .unwrap();
    assert_eq!(ready(ra.read(0, 4096)).unwrap(), u.plaintext.unwrap());
}

#[test]
fn the_opt_in_releases_frames_before_a_bad_or_missing_signature_is_seen() {
    let c = official("0578");
    let (ct, key) = (c.ciphertext(), c.data_key.clone());
    let pt = c.plaintext.clone().unwrap();
    let release = with(SignedMessages::ReleaseBeforeVerify);
    let open = |k| StreamDecryptor::new(k, release.clone());

    let (r, out) = stream(&ct, &key, 97, open);
    r.unwrap();
    assert_eq!(out, pt);

    // What the default guards against: with a bad signature, frames went out first.
    let mut bad = ct.clone();
    let at = bad.len() - 10; // inside the DER signature
    bad[at] ^= 1;
    let (r, out) = stream(&bad, &key, 97, open);
    assert_eq!(r.unwrap_err().code, ErrorCode::SignatureInvalid);
    assert_eq!(
        out, pt,
        "every frame was released before the signature failed"
    );
    // With the footer cut, all of the plaintext went out before TRUNCATED.
    let (r, out) = stream(&ct[..ct.len() - 50], &key, 97, open);
    assert_eq!(r.unwrap_err().code, ErrorCode::Truncated);
    assert_eq!(out, pt);

    let ra = ready(RandomAccessReader::open(
        &ct[..],
        &DataKey::new(&key),
        &release,
    ))
    .unwrap();
    assert_eq!(ready(ra.read(0, pt.len() as u64)).unwrap(), pt);
    // One-shot still verifies first: the bad signature releases nothing.
    assert_eq!(
        decrypt(&bad, &key, &release).unwrap_err().code,
        ErrorCode::SignatureInvalid
    );
}

#[test]
fn a_stream_whose_caller_withholds_plaintext_until_finish_takes_signed_messages() {
    // The CLI writes to a temporary file it links into place only once finish succeeded.
    let c = official("0578");
    let (ct, key) = (c.ciphertext(), c.data_key.clone());
    let (r, out) = stream(&ct, &key, 97, |k| {
        Ok(StreamDecryptor::new(k, DecryptOptions::default())?
            .with_release(Release::AfterSignature))
    });
    r.unwrap();
    assert_eq!(out, c.plaintext.unwrap());
    // A one-shot caller of the sans-IO decryptor (whole message, released once it verified).
    let mut d = Decryptor::without_frame_copies(DecryptOptions::default());
    d.set_data_key(DataKey::new(&key)).unwrap();
    d.push(&ct).unwrap();
    assert!(d.verified_header().is_some());
}

#[test]
fn reject_refuses_signed_messages_in_every_api() {
    let c = official("0578");
    let (ct, key) = (c.ciphertext(), c.data_key.clone());
    let reject = with(SignedMessages::Reject);
    assert_eq!(
        decrypt(&ct, &key, &reject).unwrap_err().code,
        ErrorCode::SignedMessageRefused
    );
    let (r, out) = stream(&ct, &key, 97, |k| {
        Ok(StreamDecryptor::new(k, reject.clone())?.with_release(Release::AfterSignature))
    });
    assert_eq!(r.unwrap_err().code, ErrorCode::SignedMessageRefused);
    assert!(out.is_empty());
    assert_eq!(
        ready(RandomAccessReader::open(
            &ct[..],
            &DataKey::new(&key),
            &reject
        ))
        .unwrap_err()
        .code,
        ErrorCode::SignedMessageRefused
    );
}

fn read(path: &str) -> String {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// SECURITY.md and the package README name the opt-in `signedMessages: 'release-before-verify'`
/// and say streams and range readers refuse signed messages without it: the option the wasm
/// layer reads is that string, the error names it, and the player passes it.
#[test]
fn the_documents_name_the_opt_in_the_code_reads_and_the_error_names() {
    const OPT_IN: &str = "'release-before-verify'";
    for doc in ["SECURITY.md", "pkg-config/README.md"] {
        let text = read(doc).split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            text.contains(&format!("signedMessages: {OPT_IN}")),
            "{doc} names the opt-in"
        );
        assert!(text.contains("SIGNED_MESSAGE_REFUSED"), "{doc}");
    }
    assert!(read("src/wasm/args.rs")
        .contains("Some(\"release-before-verify\") => SignedMessages::ReleaseBeforeVerify"));
    assert!(read("pkg-config/src/lib/types.ts")
        .contains("signedMessages?: 'verify' | 'release-before-verify' | 'reject';"));
    assert!(
        read("www/component/decrypt.worker.ts").contains("signedMessages: 'release-before-verify'"),
        "SECURITY.md: the player opts in"
    );
    let c = official("0578");
    let e = ready(RandomAccessReader::open(
        &c.ciphertext()[..],
        &DataKey::new(&c.data_key),
        &DecryptOptions::default(),
    ))
    .unwrap_err();
    assert!(
        e.message.contains(&format!("signedMessages {OPT_IN}")),
        "{e}"
    );
}
