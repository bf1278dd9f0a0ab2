//! `callseal decrypt`: decrypt an AWS Encryption SDK message file for operators.
//!
//! ```text
//! callseal decrypt --in FILE --out FILE (--key-file FILE | --key-stdin)
//!                  [--expect-context KEY=VALUE]... [--max-data-keys N] [--reject-signed]
//! callseal decrypt --in FILE --out FILE --wrapping-key-file FILE --key-namespace NS --key-name NAME
//! ```
//!
//! The data key (or raw AES wrapping key) is read from a file or stdin, never from argv: raw
//! bytes (16/24/32) or base64 text. The input is streamed (memory: one frame); plaintext goes
//! to `OUT.partial` and is renamed to `OUT` only once the whole message, signature included,
//! verified — on any error the partial file is deleted.

use std::fs::File;
use std::io::{Read, Write};

use base64::Engine as _;
use callseal::envelope::raw_aes::RawAesKeyring;
use callseal::envelope::{
    DataKey, DecryptOptions, HeaderLimits, HeaderParser, SignedMessages, StreamDecryptor,
};
use callseal::{err, Error, Result};
use zeroize::Zeroizing;

const USAGE: &str = "usage: callseal decrypt --in FILE --out FILE (--key-file FILE | --key-stdin | --wrapping-key-file FILE --key-namespace NS --key-name NAME)
                        [--expect-context KEY=VALUE]... [--max-data-keys N] [--reject-signed]

  --key-file FILE          the plaintext data key: raw bytes (16, 24 or 32) or base64 text
  --key-stdin              read the data key from stdin instead (never pass keys in argv)
  --wrapping-key-file FILE a raw AES wrapping key (raw or base64) that unwraps the message's own
                           encrypted data key; with --key-namespace and --key-name
  --expect-context K=V     fail unless the encryption context has this pair (repeatable)
  --max-data-keys N        fail if the message has more than N encrypted data keys
  --reject-signed          refuse messages of signed algorithm suites
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
                a.opts.max_encrypted_data_keys = Some(
                    v.parse()
                        .map_err(|_| format!("--max-data-keys wants 0..65535, got `{v}`"))?,
                );
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

/// Key material: base64 text of a 16/24/32-byte key, or the raw 16/24/32 bytes. Base64 is
/// tried first: a random raw key is valid base64 of the right length with negligible probability.
fn decode_key(raw: Zeroizing<Vec<u8>>, what: &str) -> Result<Zeroizing<Vec<u8>>> {
    if let Ok(text) = std::str::from_utf8(&raw) {
        if let Ok(key) = base64::engine::general_purpose::STANDARD.decode(text.trim()) {
            let key = Zeroizing::new(key);
            if [16, 24, 32].contains(&key.len()) {
                return Ok(key);
            }
        }
    }
    if [16, 24, 32].contains(&raw.len()) {
        return Ok(raw);
    }
    Err(err!(
        WrongKeyLength,
        "{what}: {} bytes, neither a raw 16/24/32-byte key nor base64 of one",
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

/// Reads just the header of the file and unwraps its data key with the raw AES keyring.
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
            return ring.unwrap_data_key(h.unverified());
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
    let partial = format!("{output}.partial");
    let mut dst = File::create(&partial).map_err(|e| err!(Io, "{partial}: {e}"))?;
    let result = (|| -> Result<u64> {
        let mut d = StreamDecryptor::new(key, a.opts.clone())?;
        let mut buf = vec![0u8; 1 << 16];
        let mut out = Vec::with_capacity(1 << 16);
        let mut written = 0u64;
        loop {
            let n = src.read(&mut buf).map_err(|e| err!(Io, "{input}: {e}"))?;
            if n == 0 {
                break;
            }
            d.update(&buf[..n], &mut out)?;
            dst.write_all(&out)
                .map_err(|e| err!(Io, "{partial}: {e}"))?;
            written += out.len() as u64;
            out.clear();
        }
        d.finish()?;
        dst.sync_all().map_err(|e| err!(Io, "{partial}: {e}"))?;
        Ok(written)
    })();
    drop(dst);
    match result {
        Ok(n) => {
            std::fs::rename(&partial, output)
                .map_err(|e| err!(Io, "{partial} -> {output}: {e}"))?;
            Ok(n)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

/// Runs `callseal decrypt ARGS`; returns the process exit code (0 ok, 1 decrypt error, 2 usage).
pub fn run(args: &[String]) -> i32 {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        print!("{USAGE}");
        return 0;
    }
    let a = match parse_args(args) {
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
