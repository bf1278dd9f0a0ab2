//! `callseal decrypt --expect-context` on messages made with required encryption context
//! (tests/vectors/esdk/required-ec: official Python ESDK + MPL): the pairs such a message
//! authenticates without storing them are supplied by `--expect-context`, with a data key and
//! with a raw AES wrapping key (whose wrapping AAD binds those pairs too, as in the official
//! keyrings and the package's `unwrapRawAesDataKey`).

#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_callseal");

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/esdk/required-ec")
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("callseal-cli-rec-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

fn field<'a>(v: &'a serde_json::Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_else(|| panic!("{k}"))
}

#[test]
fn expect_context_supplies_required_pairs_with_a_data_key_or_a_wrapping_key() {
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("manifest.json")).unwrap())
            .unwrap();
    let wrapping = tmp("wrapping.b64");
    std::fs::write(&wrapping, field(&m["keyring"], "wrapping_key")).unwrap();
    let mut checked = 0;
    for t in m["tests"].as_array().unwrap() {
        if t["cmm"] != "required-ec"
            || t["plaintext_len"].as_u64() != Some(5000)
            || t["checks"]["required-only"]["keyring"] != "ok"
        {
            continue;
        }
        let id = field(t, "id");
        let ct = dir().join(field(t, "ciphertext"));
        let pt = std::fs::read(dir().join(field(t, "plaintext"))).unwrap();
        let data_key = tmp(&format!("{id}.key"));
        std::fs::write(&data_key, field(t, "data_key")).unwrap();
        let mut expect = Vec::new();
        for (k, v) in t["authenticated_only_context"].as_object().unwrap() {
            expect.push("--expect-context".to_string());
            expect.push(format!("{k}={}", v.as_str().unwrap()));
        }
        assert!(!expect.is_empty(), "{id}: a required-EC message");
        let key_args: [Vec<String>; 2] = [
            vec!["--key-file".into(), data_key.display().to_string()],
            vec![
                "--wrapping-key-file".into(),
                wrapping.display().to_string(),
                "--key-namespace".into(),
                field(&m["keyring"], "key_namespace").into(),
                "--key-name".into(),
                field(&m["keyring"], "key_name").into(),
            ],
        ];
        for args in &key_args {
            let out = tmp(&format!("{id}.out"));
            let _ = std::fs::remove_file(&out);
            let run = |extra: &[String]| {
                Command::new(BIN)
                    .args(["decrypt", "--in"])
                    .arg(&ct)
                    .arg("--out")
                    .arg(&out)
                    .args(args)
                    .args(extra)
                    .output()
                    .unwrap()
            };
            let o = run(&expect);
            assert_eq!(
                o.status.code(),
                Some(0),
                "{id} {}: {}",
                args[0],
                String::from_utf8_lossy(&o.stderr)
            );
            assert_eq!(std::fs::read(&out).unwrap(), pt, "{id} {}", args[0]);
            std::fs::remove_file(&out).unwrap();
            // Without the pairs the message does not verify, and nothing is written.
            let o = run(&[]);
            assert_eq!(o.status.code(), Some(1), "{id} {}", args[0]);
            assert!(!out.exists(), "{id} {}", args[0]);
        }
        checked += 1;
    }
    assert!(checked >= 4, "{checked} messages");
}
