//! `callseal decrypt` end to end on the shared vectors.

#![cfg(feature = "cli")]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
#[cfg(unix)]
use std::time::Duration;

use callseal::envelope::encrypt::{encrypt_with_raw_aes, EncryptRequest};
use callseal::envelope::raw_aes::RawAesKeyring;
use callseal::envelope::{EncryptionContext, Suite, UnverifiedHeader};
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
    // --max-data-keys takes 1..65535, as the package's maxEncryptedDataKeys does.
    for n in ["0", "65536", "-1", "two"] {
        let o = Command::new(BIN)
            .args(["decrypt", "--in", "x", "--out", "y", "--key-stdin"])
            .args(["--max-data-keys", n])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{n}: {err}");
        assert!(err.contains("--max-data-keys wants 1..65535"), "{n}: {err}");
    }
}

/// A fresh empty directory for one test.
fn fresh_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("callseal-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The names in `dir`, sorted (hidden temporary files included).
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn decrypt_cmd(input: &Path, output: &Path, key_file: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.arg("decrypt")
        .arg("--in")
        .arg(input)
        .arg("--out")
        .arg(output)
        .arg("--key-file")
        .arg(key_file);
    c
}

/// A signed (0578) 8 MiB message made here, its data key and plaintext.
fn big_signed() -> &'static (Vec<u8>, Vec<u8>, Vec<u8>) {
    static MSG: OnceLock<(Vec<u8>, Vec<u8>, Vec<u8>)> = OnceLock::new();
    MSG.get_or_init(|| {
        let ring = RawAesKeyring::new("cli-ns", "cli-key", &[7u8; 32]).unwrap();
        let mut x = 0x2545_f491u32;
        let pt: Vec<u8> = (0..8 << 20)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        let req = EncryptRequest {
            suite: Suite::from_id(0x0578).unwrap(),
            frame_length: 4096,
            encryption_context: EncryptionContext::from_pairs([("purpose", "cli-test")]).unwrap(),
        };
        let ct = encrypt_with_raw_aes(&pt, &ring, req).unwrap();
        let h = UnverifiedHeader::parse(&ct, Default::default()).unwrap();
        let key = ring.unwrap_data_key(h.unverified()).unwrap();
        (ct, key.expose().to_vec(), pt)
    })
}

/// Writes `key` to a key file in its own directory (so it never shows in a listing).
fn key_file(name: &str, key: &[u8]) -> PathBuf {
    let p = fresh_dir(&format!("key-{name}")).join("key");
    std::fs::write(&p, key).unwrap();
    p
}

#[test]
fn key_file_may_end_in_one_newline_and_bad_lengths_say_how_keys_are_read() {
    let (ct, key, pt) = case("131-0578-f4096-n10000");
    let pt = pt.unwrap();
    let dir = fresh_dir("key-newline");
    let ct = Path::new(&ct);
    for (name, suffix) in [("lf", &b"\n"[..]), ("crlf", b"\r\n")] {
        let kf = key_file(name, &[&key[..], suffix].concat());
        let out = dir.join(format!("out-{name}"));
        let o = decrypt_cmd(ct, &out, &kf).output().unwrap();
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(std::fs::read(&out).unwrap() == pt, "{name}");
    }
    // Two newlines, or 33 bytes without one, are still errors that say how keys are read.
    for (name, bytes) in [
        ("two-lf", [&key[..], b"\n\n"].concat()),
        ("33-bytes", [&key[..], b"x"].concat()),
        ("b64-of-20", base64_std(&[1u8; 20]).into_bytes()),
    ] {
        let kf = key_file(name, &bytes);
        let out = dir.join(format!("out-{name}"));
        let o = decrypt_cmd(ct, &out, &kf).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains("WRONG_KEY_LENGTH"), "{name}: {err}");
        assert!(
            err.contains("base64") && err.contains("raw"),
            "{name}: {err}"
        );
        assert!(!out.exists(), "{name}");
    }
    let o = decrypt_cmd(
        ct,
        &dir.join("x"),
        &key_file("b64-20", base64_std(&[1u8; 20]).as_bytes()),
    )
    .output()
    .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("base64 of 20 bytes"));
    let o = Command::new(BIN)
        .args(["decrypt", "--help"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("key formats, tried in this order"));
}

#[test]
fn output_is_never_the_input_nor_a_directory() {
    let (ct, key, pt) = case("011-0014-f4096-n10000");
    let pt = pt.unwrap();
    let dir = fresh_dir("same-file");
    let msg = dir.join("msg");
    std::fs::copy(&ct, &msg).unwrap();
    let original = std::fs::read(&msg).unwrap();
    let kf = key_file("same-file", &key);
    let mut outs = vec![
        msg.clone(),
        dir.join(".").join("msg"),
        dir.join("sub/../msg"),
    ];
    std::fs::create_dir(dir.join("sub")).unwrap();
    #[cfg(unix)]
    {
        std::fs::hard_link(&msg, dir.join("hard")).unwrap();
        std::os::unix::fs::symlink("msg", dir.join("sym")).unwrap();
        outs.push(dir.join("hard"));
        outs.push(dir.join("sym"));
    }
    let before = listing(&dir);
    for out in &outs {
        let o = decrypt_cmd(&msg, out, &kf).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{}: {err}", out.display());
        assert!(
            err.contains("same file")
                && err.contains(&*out.to_string_lossy())
                && err.contains(&*msg.to_string_lossy()),
            "{}: {err}",
            out.display()
        );
        assert!(
            std::fs::read(&msg).unwrap() == original,
            "the input changed"
        );
        assert_eq!(listing(&dir), before);
    }
    // A directory (or `.`) as the output is refused before anything is written.
    for out in [dir.join("sub"), dir.join(".")] {
        let o = decrypt_cmd(&msg, &out, &kf).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{}: {err}", out.display());
        assert!(err.contains("not a regular file"), "{err}");
        assert_eq!(listing(&dir), before);
        assert!(listing(&dir.join("sub")).is_empty());
    }
    // `--in X.partial --out X`: the input is read, never truncated or removed.
    let partial = dir.join("x.partial");
    std::fs::copy(&ct, &partial).unwrap();
    let o = decrypt_cmd(&partial, &dir.join("x"), &kf).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(std::fs::read(dir.join("x")).unwrap() == pt);
    assert!(
        std::fs::read(&partial).unwrap() == original,
        "the input changed"
    );
}

#[cfg(unix)]
#[test]
fn planted_symlinks_are_not_followed_and_output_is_owner_only() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let (ct, key, pt) = case("131-0578-f4096-n10000");
    let pt = pt.unwrap();
    let dir = fresh_dir("symlink");
    let kf = key_file("symlink", &key);
    let victim = dir.join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    // The old fixed partial name, planted as a symlink: never opened.
    symlink("victim", dir.join("out.bin.partial")).unwrap();
    let out = dir.join("out.bin");
    let o = decrypt_cmd(Path::new(&ct), &out, &kf).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(std::fs::read(&out).unwrap() == pt);
    assert!(
        std::fs::read(&victim).unwrap() == b"precious",
        "the symlink target was written"
    );
    assert!(std::fs::symlink_metadata(dir.join("out.bin.partial"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(listing(&dir), ["out.bin", "out.bin.partial", "victim"]);
    // An output that is a symlink is replaced by the plaintext file; its target is untouched.
    let link = dir.join("link.bin");
    symlink("victim", &link).unwrap();
    let o = decrypt_cmd(Path::new(&ct), &link, &kf).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read(&link).unwrap() == pt);
    assert!(
        std::fs::read(&victim).unwrap() == b"precious",
        "the symlink target was written"
    );
    // An existing 0644 output is replaced by a 0600 one, whatever the umask, in both modes.
    for named in [false, true] {
        let old = dir.join(format!("old-{named}.bin"));
        std::fs::write(&old, b"old").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
        let o = Command::new("sh")
            .args([
                "-c",
                "umask 000; exec \"$@\"",
                "sh",
                BIN,
                "decrypt",
                "--in",
                &ct,
            ])
            .arg("--out")
            .arg(&old)
            .arg("--key-file")
            .arg(&kf)
            .env("CALLSEAL_TEST_NAMED_TEMPFILE", if named { "1" } else { "" })
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(std::fs::read(&old).unwrap() == pt);
        let mode = std::fs::metadata(&old).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "named temp file: {named}");
    }
    assert!(listing(&dir).iter().all(|n| !n.starts_with(".callseal-")));
}

#[test]
fn failures_leave_the_directory_as_it_was() {
    for named in [false, true] {
        let (ct, key, _) = case("131-0578-f4096-n10000-flip-last-byte");
        let dir = fresh_dir(&format!("fail-{named}"));
        let kf = key_file(&format!("fail-{named}"), &key);
        let existing = dir.join("existing.bin");
        std::fs::write(&existing, b"keep me").unwrap();
        for out in [dir.join("new.bin"), existing.clone()] {
            let o = decrypt_cmd(Path::new(&ct), &out, &kf)
                .env("CALLSEAL_TEST_NAMED_TEMPFILE", if named { "1" } else { "" })
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(1));
            assert!(String::from_utf8_lossy(&o.stderr).contains("SIGNATURE_INVALID"));
            assert_eq!(listing(&dir), ["existing.bin"], "named temp file: {named}");
            assert_eq!(std::fs::read(&existing).unwrap(), b"keep me");
        }
    }
}

/// The signals the test process itself ignores (its children inherit them), from /proc.
#[cfg(unix)]
fn ignored_here(signal: i32) -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("SigIgn:"))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        })
        .is_some_and(|m| m & (1 << (signal - 1)) != 0)
}

/// A decrypt whose input is a FIFO the test feeds, so it can be caught exactly part-way.
#[cfg(unix)]
struct FedDecrypt {
    child: std::process::Child,
    feed: std::sync::mpsc::Sender<Option<Vec<u8>>>,
    fed: std::sync::mpsc::Receiver<()>,
    writer: std::thread::JoinHandle<()>,
}

#[cfg(unix)]
impl FedDecrypt {
    /// Starts `callseal decrypt --in DIR/in.fifo --out out` (through `wrapper`, e.g. `nohup`).
    fn start(dir: &Path, out: &Path, key: &Path, named: bool, wrapper: &[&str]) -> FedDecrypt {
        let fifo = dir.join("in.fifo");
        assert!(Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let mut cmd = match wrapper.split_first() {
            Some((w, rest)) => {
                let mut c = Command::new(w);
                c.args(rest).arg(BIN);
                c
            }
            None => Command::new(BIN),
        };
        let child = cmd
            .arg("decrypt")
            .arg("--in")
            .arg(&fifo)
            .arg("--out")
            .arg(out)
            .arg("--key-file")
            .arg(key)
            .env("CALLSEAL_TEST_NAMED_TEMPFILE", if named { "1" } else { "" })
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (feed, chunks) = std::sync::mpsc::channel::<Option<Vec<u8>>>();
        let (done, fed) = std::sync::mpsc::channel();
        let writer = std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            // `None` closes the FIFO (end of input).
            while let Ok(Some(chunk)) = chunks.recv() {
                let _ = f.write_all(&chunk);
                let _ = done.send(());
            }
        });
        FedDecrypt {
            child,
            feed,
            fed,
            writer,
        }
    }

    /// Writes `bytes` into the FIFO; when this returns the process has read all but at most a
    /// pipe buffer (64 KiB) of them.
    fn feed(&mut self, bytes: &[u8]) {
        self.feed.send(Some(bytes.to_vec())).unwrap();
        if self.fed.recv_timeout(Duration::from_secs(60)).is_err() {
            let _ = self.child.kill();
            panic!(
                "the decrypt did not read its input: {:?}",
                self.child.wait()
            );
        }
        assert!(self.child.try_wait().unwrap().is_none(), "exited part-way");
    }

    fn signal(&self, name: &str) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill")
            .args(["-s", name, &pid])
            .status()
            .unwrap()
            .success());
    }

    /// Waits (at most 60 s) for the process to end with its input still open: what ends it is
    /// then a signal, never the end of its input.
    fn wait_for_exit(&mut self) -> std::process::ExitStatus {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the decrypt did not end");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Closes the FIFO and waits (at most 60 s) for the process.
    fn finish(mut self) -> (std::process::ExitStatus, String) {
        let _ = self.feed.send(None);
        let status = self.wait_for_exit();
        self.writer.join().unwrap();
        let mut err = String::new();
        std::io::Read::read_to_string(&mut self.child.stderr.take().unwrap(), &mut err).unwrap();
        (status, err)
    }
}

/// On Linux: the size of a deleted file under `dir` that `pid` holds open (the unnamed
/// O_TMPFILE file shows as `DIR/#inode (deleted)`).
#[cfg(target_os = "linux")]
fn unnamed_file_size(pid: u32, dir: &Path) -> Option<u64> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .ok()?
        .filter_map(|e| e.ok())
        .find_map(|e| {
            let target = std::fs::read_link(e.path()).ok()?;
            let t = target.to_string_lossy();
            (t.starts_with(&*dir.to_string_lossy()) && t.ends_with("(deleted)"))
                .then(|| std::fs::metadata(e.path()).ok().map(|m| m.len()))
                .flatten()
        })
}

#[cfg(unix)]
#[test]
fn interrupted_part_way_leaves_nothing_on_disk() {
    use std::os::unix::process::ExitStatusExt;
    let (ct, key, _) = big_signed();
    let half = ct.len() / 2;
    // SIGKILL cannot be handled: only the unnamed (Linux O_TMPFILE) file survives it cleanly.
    let kill: &[_] = if cfg!(target_os = "linux") {
        &[("KILL", 9)]
    } else {
        &[]
    };
    for &(name, number) in [("TERM", 15), ("INT", 2), ("HUP", 1)].iter().chain(kill) {
        if ignored_here(number) {
            eprintln!("SIG{name} is ignored by this test process (and its children): skipped");
            continue;
        }
        let modes: &[bool] = if name == "KILL" {
            &[false]
        } else {
            &[false, true]
        };
        for &named in modes {
            let what = format!("SIG{name}, named temp file: {named}");
            let dir = fresh_dir(&format!("sig-{name}-{named}"));
            let kf = key_file(&format!("sig-{name}-{named}"), key);
            let mut d = FedDecrypt::start(&dir, &dir.join("out.bin"), &kf, named, &[]);
            d.feed(&ct[..half]);
            // Part-way: about 4 MiB of unauthenticated plaintext exist, in a file nobody else
            // can open (unnamed) or that the handler removes (named).
            let during = listing(&dir);
            if named {
                assert_eq!(during.len(), 2, "{what}: {during:?}");
                assert!(during[0].starts_with(".callseal-") && during[1] == "in.fifo");
            } else {
                assert_eq!(during, ["in.fifo"], "{what}");
                #[cfg(target_os = "linux")]
                {
                    let size = unnamed_file_size(d.child.id(), &dir);
                    assert!(size.is_some_and(|n| n > 0), "{what}: {size:?}");
                }
            }
            d.signal(name);
            // The input stays open until the process has ended: closed at once, its end could
            // reach the decrypt before the signal's handler thread runs (seen on a loaded
            // machine: TRUNCATED and exit 1 instead of ending by the signal).
            d.wait_for_exit();
            let (status, err) = d.finish();
            assert_eq!(status.signal(), Some(number), "{what}: {status:?} {err}");
            assert_eq!(listing(&dir), ["in.fifo"], "{what}");
        }
    }
}

#[cfg(unix)]
#[test]
fn a_failed_final_rename_removes_the_temporary_file() {
    let (ct, key, _) = big_signed();
    let half = ct.len() / 2;
    for named in [false, true] {
        let dir = fresh_dir(&format!("rename-{named}"));
        let kf = key_file(&format!("rename-{named}"), key);
        let out = dir.join("out.bin");
        let mut d = FedDecrypt::start(&dir, &out, &kf, named, &[]);
        d.feed(&ct[..half]);
        // The output path becomes a directory while decrypting: the rename at the end fails.
        std::fs::create_dir(&out).unwrap();
        d.feed(&ct[half..]);
        let (status, err) = d.finish();
        assert_eq!(status.code(), Some(1), "named: {named}: {err}");
        assert!(err.contains("out.bin"), "{err}");
        assert_eq!(listing(&dir), ["in.fifo", "out.bin"], "named: {named}");
        assert!(listing(&out).is_empty());
    }
}

/// Under `nohup` (SIGHUP ignored) a hangup does not stop the decrypt, in either mode.
#[cfg(unix)]
#[test]
fn nohup_still_ignores_hangups() {
    let (ct, key, pt) = big_signed();
    let half = ct.len() / 2;
    for named in [false, true] {
        let dir = fresh_dir(&format!("nohup-{named}"));
        let kf = key_file(&format!("nohup-{named}"), key);
        let out = dir.join("out.bin");
        let mut d = FedDecrypt::start(&dir, &out, &kf, named, &["nohup"]);
        d.feed(&ct[..half]);
        d.signal("HUP");
        d.feed(&ct[half..]);
        let (status, err) = d.finish();
        assert!(status.success(), "named: {named}: {status:?} {err}");
        assert!(&std::fs::read(&out).unwrap() == pt, "named: {named}");
    }
}

fn base64_std(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}
