//! `callseal decrypt` end to end on the shared vectors.

#![cfg(feature = "cli")]

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_callseal");

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("callseal-cli-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

fn case(id: &str) -> (String, Vec<u8>, Option<Vec<u8>>) {
    let c = OfficialCase::load(id);
    (c.ciphertext_path, c.data_key, c.plaintext)
}

#[test]
fn decrypts_with_key_file_raw_and_base64_and_stdin() {
    let (ct, key, pt) = case("131-0578-f4096-n10000");
    let pt = pt.unwrap();
    let raw = tmp("key.raw");
    std::fs::write(&raw, &key).unwrap();
    let text = tmp("key.b64");
    std::fs::write(&text, format!("{}\n", base64_std(&key))).unwrap();
    for keyfile in [&raw, &text] {
        let out = tmp("out.bin");
        let _ = std::fs::remove_file(&out);
        let st = Command::new(BIN)
            .args([
                "decrypt",
                "--in",
                &ct,
                "--out",
                out.to_str().unwrap(),
                "--key-file",
                keyfile.to_str().unwrap(),
            ])
            .status()
            .unwrap();
        assert!(st.success());
        assert_eq!(std::fs::read(&out).unwrap(), pt);
    }
    let out = tmp("out-stdin.bin");
    let mut child = Command::new(BIN)
        .args([
            "decrypt",
            "--in",
            &ct,
            "--out",
            out.to_str().unwrap(),
            "--key-stdin",
            "--expect-context",
            "purpose=transcript",
        ])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(base64_std(&key).as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(std::fs::read(&out).unwrap(), pt);
}

#[test]
fn decrypts_with_wrapping_key() {
    let (ct, _, pt) = case("047-0114-f4096-n10000");
    let m = manifest();
    let wk = tmp("wrap.b64");
    std::fs::write(&wk, m["wrapping_key"]["key"].as_str().unwrap()).unwrap();
    let out = tmp("out-wrap.bin");
    let st = Command::new(BIN)
        .args([
            "decrypt",
            "--in",
            &ct,
            "--out",
            out.to_str().unwrap(),
            "--wrapping-key-file",
            wk.to_str().unwrap(),
        ])
        .args([
            "--key-namespace",
            "callseal-test",
            "--key-name",
            "wrapping-key-1",
        ])
        .status()
        .unwrap();
    assert!(st.success());
    assert_eq!(std::fs::read(&out).unwrap(), pt.unwrap());
}

#[test]
fn failures_leave_no_output_and_say_why() {
    for (id, extra, code) in [
        ("011-0014-f4096-n10000-truncate-half", vec![], "TRUNCATED"),
        (
            "131-0578-f4096-n10000-flip-last-byte",
            vec![],
            "SIGNATURE_INVALID",
        ),
        (
            "011-0014-f4096-n10000",
            vec!["--expect-context", "contact-id=someone-else"],
            "CONTEXT_MISMATCH",
        ),
        (
            "131-0578-f4096-n10000",
            vec!["--reject-signed"],
            "SIGNED_MESSAGE_REFUSED",
        ),
    ] {
        let (ct, key, _) = case(id);
        let kf = tmp("k");
        std::fs::write(&kf, &key).unwrap();
        let out = tmp("fail.bin");
        let _ = std::fs::remove_file(&out);
        let o = Command::new(BIN)
            .args([
                "decrypt",
                "--in",
                &ct,
                "--out",
                out.to_str().unwrap(),
                "--key-file",
                kf.to_str().unwrap(),
            ])
            .args(&extra)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{id}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(code),
            "{id}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!out.exists(), "{id}: output written");
        assert!(
            !std::path::Path::new(&format!("{}.partial", out.display())).exists(),
            "{id}: partial left"
        );
    }
    let o = Command::new(BIN)
        .args(["decrypt", "--in", "x", "--out", "y", "--key", "AAAA"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("never accepted in argv"));
}

fn base64_std(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}
