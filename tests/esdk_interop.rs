//! Interop with the official SDKs:
//! - messages freshly made by the Python ESDK (`tests/interop/esdk_python.py make`: every
//!   suite, random keys, sizes, frame lengths, contexts) decrypt here (one-shot, stream,
//!   random access);
//! - messages callseal encrypted decrypt with the Python ESDK (`esdk_python.py decrypt`);
//! - messages made by `@aws-crypto/client-node` (`tests/interop/esdk_node.mjs`) decrypt here.
//!
//! Needs `CALLSEAL_PYTHON` (a python with `aws-encryption-sdk` 4.x, e.g. `.venv/bin/python`)
//! and `node` with the root `node_modules` installed. Without them the tests FAIL, unless
//! `CALLSEAL_SKIP_INTEROP=1` says to skip on purpose.

#![cfg(feature = "envelope")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use callseal::envelope::encrypt::{encrypt_with_raw_aes, EncryptRequest};
use callseal::envelope::random_access::RandomAccessReader;
use callseal::envelope::raw_aes::RawAesKeyring;
use callseal::envelope::{
    decrypt, DecryptOptions, EncryptionContext, UnverifiedHeader, ALL_SUITES,
};
use common::*;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn skip(tool: &str) -> bool {
    if std::env::var("CALLSEAL_SKIP_INTEROP").as_deref() == Ok("1") {
        eprintln!("interop with {tool} SKIPPED (CALLSEAL_SKIP_INTEROP=1)");
        return true;
    }
    false
}

fn python() -> Option<String> {
    if skip("the Python ESDK") {
        return None;
    }
    Some(std::env::var("CALLSEAL_PYTHON").unwrap_or_else(|_| {
        panic!("set CALLSEAL_PYTHON to a python with aws-encryption-sdk 4.x (e.g. {ROOT}/.venv/bin/python), or CALLSEAL_SKIP_INTEROP=1 to skip on purpose")
    }))
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("callseal-interop-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    print!("{}", String::from_utf8_lossy(&out.stdout));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Decrypts every message of a producer manifest (raw AES keyring per case) three ways.
fn decrypt_manifest(dir: &Path) -> usize {
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let mut n = 0;
    for t in m["tests"].as_array().unwrap() {
        let id = t["id"].as_str().unwrap();
        let ct = std::fs::read(dir.join(t["ciphertext"].as_str().unwrap())).unwrap();
        let pt = std::fs::read(dir.join(t["plaintext"].as_str().unwrap())).unwrap();
        let wk = &t["wrapping_key"];
        let ring = RawAesKeyring::new(
            wk["key_namespace"].as_str().unwrap(),
            wk["key_name"].as_str().unwrap(),
            &b64(wk["key"].as_str().unwrap()),
        )
        .unwrap();
        let h = UnverifiedHeader::parse(&ct, Default::default())
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(
            h.unverified().suite.id_hex(),
            t["suite"].as_str().unwrap(),
            "{id}"
        );
        let key = ring
            .unwrap_data_key(h.unverified())
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        let opts = DecryptOptions {
            expected_context: t["encryption_context"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect(),
            ..Default::default()
        };
        assert!(
            decrypt(&ct, key.expose(), &opts).unwrap_or_else(|e| panic!("{id}: {e}")) == pt,
            "{id}"
        );
        for chunk in [7, 4096] {
            let (r, out) = stream_decrypt(&ct, key.expose(), &opts, chunk);
            r.unwrap_or_else(|e| panic!("{id}: stream {chunk}: {e}"));
            assert!(out == pt, "{id}: stream {chunk}");
        }
        let ra = ready(RandomAccessReader::open(&ct[..], &key, &releasing(&opts)))
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        let len = pt.len() as u64;
        assert!(ready(ra.read(0, len)).unwrap() == pt, "{id}: random access");
        if len > 2 {
            assert_eq!(
                ready(ra.read(len / 2, len - len / 2 - 1)).unwrap(),
                &pt[(len / 2) as usize..(len - 1) as usize],
                "{id}"
            );
        }
        n += 1;
    }
    n
}

#[test]
fn python_made_messages_decrypt() {
    let Some(py) = python() else { return };
    let dir = scratch("py-made");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 100_000;
    println!("seed {seed}");
    run(Command::new(&py).args([
        &format!("{ROOT}/tests/interop/esdk_python.py"),
        "make",
        dir.to_str().unwrap(),
        "44",
        &seed.to_string(),
    ]));
    assert_eq!(decrypt_manifest(&dir), 44);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn python_decrypts_callseal_messages() {
    let Some(py) = python() else { return };
    let dir = scratch("py-decrypts");
    let mut cases = Vec::new();
    let mut i = 0u32;
    for suite in ALL_SUITES {
        for frame in [0u32, 1, 128, 4096] {
            for size in [0usize, 1, 4096, 10_001] {
                let wkey: Vec<u8> = (0..[16, 24, 32][i as usize % 3])
                    .map(|b| (b as u32 * 31 + i) as u8)
                    .collect();
                let ring = RawAesKeyring::new("callseal-ns", &format!("key-{i}"), &wkey).unwrap();
                let pt: Vec<u8> = (0..size).map(|b| (b as u32 ^ i) as u8).collect();
                let ctx = match i % 3 {
                    0 => EncryptionContext::new(),
                    1 => EncryptionContext::from_pairs([
                        ("contact-id", format!("c-{i}")),
                        ("kind", "recording".into()),
                    ])
                    .unwrap(),
                    _ => {
                        EncryptionContext::from_pairs([("note", "été 漢字 🔒"), ("a", "")]).unwrap()
                    }
                };
                let ct = encrypt_with_raw_aes(
                    &pt,
                    &ring,
                    EncryptRequest {
                        suite,
                        frame_length: frame,
                        encryption_context: ctx.clone(),
                    },
                )
                .unwrap();
                let id = format!("{i:03}-{}-f{frame}-n{size}", suite.id_hex());
                let key = ("callseal-ns", format!("key-{i}"), &wkey[..]);
                cases.push(manifest_case(
                    &dir,
                    &id,
                    suite.id_hex(),
                    &ct,
                    &pt,
                    &ctx,
                    key,
                ));
                i += 1;
            }
        }
    }
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_vec(&serde_json::json!({"producer": "callseal", "tests": cases})).unwrap(),
    )
    .unwrap();
    // our own manifest decrypts here too (sanity of the manifest itself)
    assert_eq!(decrypt_manifest(&dir), 176);
    run(Command::new(&py).args([
        &format!("{ROOT}/tests/interop/esdk_python.py"),
        "decrypt",
        dir.join("manifest.json").to_str().unwrap(),
    ]));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Both official SDKs (Python ESDK, @aws-crypto/client-node) decrypt what callseal writes at
/// the boundaries of framing: every suite, frame lengths 1, 17, 4096 and 2^31 - 1 (the largest
/// callseal writes), plaintexts of 0, 1, f - 1, f, f + 1 and 2f bytes, and non-framed messages;
/// contexts whose keys sort differently by UTF-8 bytes than by UTF-16 code units (U+FF61 before
/// U+1F512) or by locale ('Kind' before 'a'): client-node's raw AES keyring needs its
/// `utf8Sorting: true` for those (tests/interop/esdk_node.mjs). Each message's layout is checked too: an empty plaintext is one final frame of
/// length 0 (sequence number 1), an exact multiple of the frame length ends in a full final
/// frame, sequence numbers count from 1 and each frame's IV is its sequence number.
#[test]
fn official_sdks_decrypt_callseal_framing_boundaries() {
    let Some(py) = python() else { return };
    let dir = scratch("boundaries");
    let mut cases = Vec::new();
    let mut i = 0u32;
    for suite in ALL_SUITES {
        let mut shapes: Vec<(u32, usize)> = vec![(0, 0), (0, 1), (0, 4096)];
        for f in [1usize, 17, 4096] {
            let mut sizes = vec![0, 1, f - 1, f, f + 1, 2 * f];
            sizes.sort();
            sizes.dedup();
            shapes.extend(sizes.into_iter().map(|n| (f as u32, n)));
        }
        shapes.extend([((1u32 << 31) - 1, 0), ((1 << 31) - 1, 1)]);
        for (frame, size) in shapes {
            let wkey: Vec<u8> = (0..[16, 24, 32][i as usize % 3])
                .map(|b| (b as u32 * 7 + i) as u8)
                .collect();
            let ring = RawAesKeyring::new("callseal-edge", &format!("key-{i}"), &wkey).unwrap();
            let pt: Vec<u8> = (0..size).map(|b| ((b as u32 * 13) ^ i) as u8).collect();
            let ctx = match i % 3 {
                0 => EncryptionContext::new(),
                1 => EncryptionContext::from_pairs([
                    ("\u{FF61}x", "1"),
                    ("\u{1F512}y", "2"),
                    ("a", ""),
                    ("Kind", "recording"),
                ])
                .unwrap(),
                _ => EncryptionContext::from_pairs([("contact-id", format!("c-{i}"))]).unwrap(),
            };
            let ct = encrypt_with_raw_aes(
                &pt,
                &ring,
                EncryptRequest {
                    suite,
                    frame_length: frame,
                    encryption_context: ctx.clone(),
                },
            )
            .unwrap();
            let id = format!("{i:03}-{}-f{frame}-n{size}", suite.id_hex());
            check_layout(&ct, frame, size, &id);
            let key = ("callseal-edge", format!("key-{i}"), &wkey[..]);
            cases.push(manifest_case(
                &dir,
                &id,
                suite.id_hex(),
                &ct,
                &pt,
                &ctx,
                key,
            ));
            i += 1;
        }
    }
    assert_eq!(cases.len(), 11 * 20);
    let manifest = dir.join("manifest.json");
    std::fs::write(
        &manifest,
        serde_json::to_vec(&serde_json::json!({"producer": "callseal", "tests": cases})).unwrap(),
    )
    .unwrap();
    run(Command::new(&py).args([
        &format!("{ROOT}/tests/interop/esdk_python.py"),
        "decrypt",
        manifest.to_str().unwrap(),
    ]));
    if !skip("@aws-crypto/client-node") {
        run(
            Command::new(std::env::var("CALLSEAL_NODE").unwrap_or_else(|_| "node".into())).args([
                &format!("{ROOT}/tests/interop/esdk_node.mjs"),
                "decrypt",
                manifest.to_str().unwrap(),
            ]),
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Walks the body of a message callseal wrote: frame count, sequence numbers, IVs, lengths.
/// Writes a callseal message and its plaintext into `dir` and returns its manifest entry (what
/// tests/interop/esdk_python.py and esdk_node.mjs read): id, suite (hex), files, context and the raw
/// AES wrapping key (namespace, name, key).
fn manifest_case(
    dir: &Path,
    id: &str,
    suite: String,
    ct: &[u8],
    pt: &[u8],
    ctx: &EncryptionContext,
    (namespace, name, key): (&str, String, &[u8]),
) -> serde_json::Value {
    std::fs::write(dir.join(format!("{id}.ct")), ct).unwrap();
    std::fs::write(dir.join(format!("{id}.pt")), pt).unwrap();
    let ec: serde_json::Map<String, serde_json::Value> = ctx
        .pairs()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone().into()))
        .collect();
    serde_json::json!({
        "id": id, "suite": suite, "ciphertext": format!("{id}.ct"), "plaintext": format!("{id}.pt"),
        "encryption_context": ec,
        "wrapping_key": {"key_namespace": namespace, "key_name": name, "key": base64_encode(key)},
    })
}

fn check_layout(ct: &[u8], frame: u32, size: usize, id: &str) {
    let h = UnverifiedHeader::parse(ct, Default::default()).unwrap();
    let mut at = h.unverified().header_len;
    let u32_at = |at: usize| u32::from_be_bytes(ct[at..at + 4].try_into().unwrap());
    let iv_of = |seq: u32| {
        let mut iv = [0u8; 12];
        iv[8..].copy_from_slice(&seq.to_be_bytes());
        iv
    };
    if frame == 0 {
        assert_eq!(ct[at..at + 12], iv_of(1), "{id}: non-framed IV");
        let len = u64::from_be_bytes(ct[at + 12..at + 20].try_into().unwrap());
        assert_eq!(len, size as u64, "{id}");
        at += 12 + 8 + size + 16;
    } else {
        let f = frame as usize;
        // Regular frames while more than one frame's worth is left; the final frame holds the
        // rest: 0 bytes only for an empty plaintext, a full frame for an exact multiple.
        let regular = size.saturating_sub(1) / f;
        for k in 1..=regular as u32 {
            assert_eq!(u32_at(at), k, "{id}: sequence number");
            assert_eq!(ct[at + 4..at + 16], iv_of(k), "{id}: frame {k} IV");
            at += 4 + 12 + f + 16;
        }
        let seq = regular as u32 + 1;
        assert_eq!(u32_at(at), u32::MAX, "{id}: final frame marker");
        assert_eq!(u32_at(at + 4), seq, "{id}: final sequence number");
        assert_eq!(ct[at + 8..at + 20], iv_of(seq), "{id}: final frame IV");
        let last = u32_at(at + 20) as usize;
        assert_eq!(last, size - regular * f, "{id}: final frame length");
        assert!(last <= f && (last > 0 || size == 0), "{id}");
        at += 4 + 4 + 12 + 4 + last + 16;
    }
    if h.unverified().suite.is_signed() {
        let sig = u16::from_be_bytes([ct[at], ct[at + 1]]) as usize;
        assert_eq!(ct[at + 2], 0x30, "{id}: DER signature");
        at += 2 + sig;
    }
    assert_eq!(at, ct.len(), "{id}: message length");
}

#[test]
fn node_made_messages_decrypt() {
    if skip("@aws-crypto/client-node") {
        return;
    }
    let script = format!("{ROOT}/tests/interop/esdk_node.mjs");
    let dir = scratch("node-made");
    run(
        Command::new(std::env::var("CALLSEAL_NODE").unwrap_or_else(|_| "node".into())).args([
            &script,
            dir.to_str().unwrap(),
            "33",
        ]),
    );
    assert_eq!(decrypt_manifest(&dir), 33);
    let _ = std::fs::remove_dir_all(&dir);
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}
