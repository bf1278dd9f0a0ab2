//! `callseal decrypt`: decrypt an AWS Encryption SDK message file for operators.
//!
//! ```text
//! callseal decrypt --in FILE --out FILE (--key-file FILE | --key-stdin)
//!                  [--expect-context KEY=VALUE]... [--max-data-keys N] [--reject-signed]
//! callseal decrypt --in FILE --out FILE --wrapping-key-file FILE --key-namespace NS --key-name NAME
//! ```
//!
//! The data key (or raw AES wrapping key) is read from a file or stdin, never from argv (see
//! [`decode_key`] for the formats). The input is streamed (memory: one frame); plaintext goes to
//! a 0600 temporary file in the output's directory ([`crate::output`]: unnamed on Linux) that
//! replaces `OUT` only once the whole message, signature included, verified. On any error or
//! interrupt nothing is left on disk and an existing `OUT` is untouched. `OUT` must not be the
//! input file (compared by device and inode) and, if it exists, must be a regular file.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use base64::Engine as _;
use callseal::envelope::raw_aes::RawAesKeyring;
use callseal::envelope::{
    DataKey, DecryptOptions, HeaderLimits, HeaderParser, Release, SignedMessages, StreamDecryptor,
};
use callseal::{err, Error, Result};
use zeroize::Zeroizing;

use crate::output::{self, Pending};

const USAGE: &str = "usage: callseal decrypt --in FILE --out FILE (--key-file FILE | --key-stdin | --wrapping-key-file FILE --key-namespace NS --key-name NAME)
                        [--expect-context KEY=VALUE]... [--max-data-keys N] [--reject-signed]

  --in FILE                the message; never modified (--out may not name the same file)
  --out FILE               where the plaintext goes (mode 0600): written to a temporary file in
                           the same directory and moved to FILE only once the whole message,
                           signature included, verified. An existing FILE (a regular file, not
                           --in) is replaced then, and left untouched on any error or interrupt
  --key-file FILE          the plaintext data key (formats below)
  --key-stdin              read the data key from stdin instead (never pass keys in argv)
  --wrapping-key-file FILE a raw AES wrapping key (formats below) that unwraps the message's own
                           encrypted data key; with --key-namespace and --key-name
  --expect-context K=V     fail unless the encryption context has this pair (repeatable)
  --max-data-keys N        fail if the message has more than N (1..65535) encrypted data keys
  --reject-signed          refuse messages of signed algorithm suites

key formats, tried in this order:
  1. base64 text of a 16, 24 or 32-byte key (surrounding whitespace and newlines ignored)
  2. exactly 16, 24 or 32 raw bytes
  3. 16, 24 or 32 raw bytes followed by one \\n or \\r\\n

exit status: 0 verified plaintext written, 1 decryption or I/O error, 2 usage error.
Interrupted by SIGINT, SIGTERM or SIGHUP (on Linux, where the filesystem has O_TMPFILE, by
anything, SIGKILL included): nothing is left on disk.
";

#[derive(Default)]
struct Args {
    input: Option<String>,
    output: Option<String>,
    key_file: Option<String>,
    key_stdin: bool,
    wrapping_key_file: Option<String>,
    namespace: Option<String>,
    name: Option<String>,
    opts: DecryptOptions,
}

fn parse_args(args: &[String]) -> std::result::Result<Args, String> {
    let mut a = Args::default();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = |f: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{f} needs a value"))
        };
        match flag.as_str() {
            "--in" => a.input = Some(value(flag)?),
            "--out" => a.output = Some(value(flag)?),
            "--key-file" => a.key_file = Some(value(flag)?),
            "--key-stdin" => a.key_stdin = true,
            "--wrapping-key-file" => a.wrapping_key_file = Some(value(flag)?),
            "--key-namespace" => a.namespace = Some(value(flag)?),
            "--key-name" => a.name = Some(value(flag)?),
            "--expect-context" => {
                let v = value(flag)?;
                let (k, val) = v
                    .split_once('=')
                    .ok_or_else(|| format!("--expect-context wants KEY=VALUE, got `{v}`"))?;
                a.opts
                    .expected_context
                    .push((k.to_string(), val.to_string()));
            }
            "--max-data-keys" => {
                let v = value(flag)?;
                // 1..=65535, as the package's maxEncryptedDataKeys (0 would refuse every message).
                let n: std::num::NonZeroU16 = v
                    .parse()
                    .map_err(|_| format!("--max-data-keys wants 1..65535, got `{v}`"))?;
                a.opts.max_encrypted_data_keys = Some(n.get());
            }
            "--reject-signed" => a.opts.signed_messages = SignedMessages::Reject,
            "--key" | "--data-key" => {
                return Err("keys are never accepted in argv: use --key-file or --key-stdin".into())
            }
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    if a.input.is_none() || a.output.is_none() {
        return Err("--in and --out are required".into());
    }
    let sources =
        a.key_file.is_some() as u8 + a.key_stdin as u8 + a.wrapping_key_file.is_some() as u8;
    if sources != 1 {
        return Err("give exactly one of --key-file, --key-stdin, --wrapping-key-file".into());
    }
    if a.wrapping_key_file.is_some() != (a.namespace.is_some() && a.name.is_some()) {
        return Err(
            "--wrapping-key-file needs --key-namespace and --key-name (and they need it)".into(),
        );
    }
    Ok(a)
}

/// Key material, decided in this order (the order `--help` states):
/// 1. the text, surrounding whitespace removed, is base64 of a 16/24/32-byte key;
/// 2. the bytes are a raw 16/24/32-byte key;
/// 3. the bytes are a raw 16/24/32-byte key followed by one `\n` or `\r\n` (a file written by
///    an editor or `echo`). At most one of the two strippings gives a valid length.
///
/// Base64 goes first: a random raw key is valid base64 of the right length with negligible
/// probability.
fn decode_key(mut raw: Zeroizing<Vec<u8>>, what: &str) -> Result<Zeroizing<Vec<u8>>> {
    const LENGTHS: [usize; 3] = [16, 24, 32];
    let mut base64_len = None;
    if let Ok(text) = std::str::from_utf8(&raw) {
        if let Ok(key) = base64::engine::general_purpose::STANDARD.decode(text.trim()) {
            let key = Zeroizing::new(key);
            if LENGTHS.contains(&key.len()) {
                return Ok(key);
            }
            base64_len = Some(key.len());
        }
    }
    if LENGTHS.contains(&raw.len()) {
        return Ok(raw);
    }
    for newline in [&b"\r\n"[..], b"\n"] {
        if raw.ends_with(newline) && LENGTHS.contains(&(raw.len() - newline.len())) {
            let len = raw.len() - newline.len();
            raw.truncate(len);
            return Ok(raw);
        }
    }
    let base64_note = match base64_len {
        Some(n) => format!(" (it is base64 of {n} bytes)"),
        None => String::new(),
    };
    Err(err!(
        WrongKeyLength,
        "{what}: {} bytes{base64_note}; a key is read as base64 text of a 16, 24 or 32-byte key \
         (surrounding whitespace ignored), or as the raw 16, 24 or 32 bytes (optionally followed \
         by one newline)",
        raw.len()
    ))
}

fn read_secret(path: Option<&str>, what: &str) -> Result<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(Vec::new());
    match path {
        Some(p) => File::open(p)
            .and_then(|mut f| f.read_to_end(&mut buf))
            .map_err(|e| err!(Io, "{what} {p}: {e}"))?,
        None => std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| err!(Io, "{what} from stdin: {e}"))?,
    };
    decode_key(buf, what)
}

/// Reads just the header of the file and unwraps its data key with the raw AES keyring. The
/// `--expect-context` pairs the header does not store (a message made with required encryption
/// context) join the keyring's AAD, as the official keyrings' decryption materials have them.
fn unwrap_from_file(input: &str, ring: &RawAesKeyring, opts: &DecryptOptions) -> Result<DataKey> {
    let mut f = File::open(input).map_err(|e| err!(Io, "{input}: {e}"))?;
    let mut p = HeaderParser::new(HeaderLimits {
        max_encrypted_data_keys: opts.max_encrypted_data_keys,
        max_header_len: opts.max_header_len,
    });
    let mut buf = vec![0u8; 4096];
    loop {
        let n = f.read(&mut buf).map_err(|e| err!(Io, "{input}: {e}"))?;
        if n == 0 {
            return Err(p.truncated_error());
        }
        p.push(&buf[..n])?;
        if let Some(h) = p.take()? {
            return ring.unwrap_data_key_with_context(h.unverified(), &opts.expected_context);
        }
    }
}

fn decrypt_file(a: &Args) -> Result<u64> {
    let input = a.input.as_deref().unwrap_or_default();
    let output = a.output.as_deref().unwrap_or_default();
    let key = match &a.wrapping_key_file {
        Some(wk) => {
            let wkey = read_secret(Some(wk), "wrapping key")?;
            let ring = RawAesKeyring::new(
                a.namespace.as_deref().unwrap_or_default(),
                a.name.as_deref().unwrap_or_default(),
                &wkey,
            )?;
            unwrap_from_file(input, &ring, &a.opts)?
        }
        None => DataKey::from_vec(
            read_secret(
                if a.key_stdin {
                    None
                } else {
                    a.key_file.as_deref()
                },
                "data key",
            )?
            .to_vec(),
        ),
    };
    let mut src = File::open(input).map_err(|e| err!(Io, "{input}: {e}"))?;
    let out_path = Path::new(output);
    let dir = output::parent_dir(out_path);
    let mut dst = Pending::create(dir).map_err(|e| {
        err!(
            Io,
            "cannot create a temporary file in {}: {e}",
            dir.display()
        )
    })?;
    // The plaintext reaches OUT only once the whole message, signature included, verified.
    let mut d = StreamDecryptor::new(key, a.opts.clone())?.with_release(Release::AfterSignature);
    let mut buf = vec![0u8; 1 << 16];
    let mut out = Vec::with_capacity(1 << 16);
    let mut written = 0u64;
    // On any error `dst` is dropped, which removes the temporary file.
    loop {
        let n = src.read(&mut buf).map_err(|e| err!(Io, "{input}: {e}"))?;
        if n == 0 {
            break;
        }
        d.update(&buf[..n], &mut out)?;
        dst.file()
            .write_all(&out)
            .map_err(|e| err!(Io, "writing the temporary file for {output}: {e}"))?;
        written += out.len() as u64;
        out.clear();
    }
    d.finish()?;
    dst.commit(out_path)
        .map_err(|e| err!(Io, "moving the verified plaintext to {output}: {e}"))?;
    Ok(written)
}

/// Usage checks on the paths, before any key is read: the output must not be the input (by
/// device and inode, so other spellings, hard links and symlinks count) and, if it exists, must
/// be a regular file (it is replaced by a rename).
fn check_paths(input: &str, output: &str) -> std::result::Result<(), String> {
    if output::same_file(Path::new(input), Path::new(output)) {
        return Err(format!(
            "--out {output} is the same file as --in {input}; refusing to replace the ciphertext"
        ));
    }
    match std::fs::metadata(output) {
        Ok(m) if !m.is_file() => Err(format!(
            "--out {output} exists and is not a regular file (a directory?); name the file to write"
        )),
        _ => Ok(()),
    }
}

/// Runs `callseal decrypt ARGS`; returns the process exit code (0 ok, 1 decrypt error, 2 usage).
pub fn run(args: &[String]) -> i32 {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        print!("{USAGE}");
        return 0;
    }
    let a = match parse_args(args).and_then(|a| {
        check_paths(
            a.input.as_deref().unwrap_or_default(),
            a.output.as_deref().unwrap_or_default(),
        )?;
        Ok(a)
    }) {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("callseal decrypt: {msg}\n\n{USAGE}");
            return 2;
        }
    };
    match decrypt_file(&a) {
        Ok(n) => {
            eprintln!(
                "callseal decrypt: {n} bytes of verified plaintext written to {}",
                a.output.as_deref().unwrap_or_default()
            );
            0
        }
        Err(Error { code, message }) => {
            eprintln!("callseal decrypt: {code}: {message}");
            1
        }
    }
}
