//! Helpers shared by the ESDK integration tests.
#![allow(dead_code)]

use base64::Engine as _;
use callseal::envelope::raw_aes::RawAesKeyring;
use callseal::envelope::{keys::DataKey, DecryptOptions, SignedMessages, StreamDecryptor};
use callseal::Result;

pub const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/esdk");

pub fn read_vec(rel: &str) -> Vec<u8> {
    std::fs::read(format!("{VECTORS}/{rel}")).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

pub fn manifest() -> serde_json::Value {
    serde_json::from_slice(&read_vec("python-4.0.7/manifest.json")).unwrap()
}

pub fn b64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

/// The raw AES keyring a vectors manifest describes: `key_namespace`, `key_name` and the
/// base64 wrapping key under `key_field` (`key`, or `wrapping_key` in required-ec).
pub fn manifest_keyring(k: &serde_json::Value, key_field: &str) -> RawAesKeyring {
    RawAesKeyring::new(
        k["key_namespace"].as_str().unwrap(),
        k["key_name"].as_str().unwrap(),
        &b64(k[key_field].as_str().unwrap()),
    )
    .unwrap()
}

/// One case of the Python ESDK 4.0.7 manifest by id.
pub struct OfficialCase {
    /// Path of the ciphertext file.
    pub ciphertext_path: String,
    pub data_key: Vec<u8>,
    /// Expected plaintext; `None` for cases that must fail.
    pub plaintext: Option<Vec<u8>>,
}

impl OfficialCase {
    pub fn load(id: &str) -> OfficialCase {
        let m = manifest();
        let t = m["tests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap_or_else(|| panic!("{id} not in the manifest"));
        OfficialCase {
            ciphertext_path: format!(
                "{VECTORS}/python-4.0.7/{}",
                t["ciphertext"].as_str().unwrap()
            ),
            data_key: b64(t["data_key"].as_str().unwrap()),
            plaintext: t["plaintext"]
                .as_str()
                .map(|p| read_vec(&format!("python-4.0.7/{p}"))),
        }
    }

    pub fn ciphertext(&self) -> Vec<u8> {
        std::fs::read(&self.ciphertext_path)
            .unwrap_or_else(|e| panic!("{}: {e}", self.ciphertext_path))
    }
}

/// `opts` for a stream or a range reader: they release a signed message's frames before
/// (streams) or without (range readers) its footer signature check, which a caller opts in to
/// with [`SignedMessages::ReleaseBeforeVerify`]. The tests of those APIs over signed messages
/// opt in (unless they refuse signed messages); tests/signed_release.rs tests the refusal by
/// default.
pub fn releasing(opts: &DecryptOptions) -> DecryptOptions {
    let mut opts = opts.clone();
    if opts.signed_messages == SignedMessages::Verify {
        opts.signed_messages = SignedMessages::ReleaseBeforeVerify;
    }
    opts
}

/// Streams `ct` in `chunk`-byte pieces, opted in to signed messages ([`releasing`]); returns
/// the result and the plaintext released so far.
pub fn stream_decrypt(
    ct: &[u8],
    key: &[u8],
    opts: &DecryptOptions,
    chunk: usize,
) -> (Result<()>, Vec<u8>) {
    let mut out = Vec::new();
    let mut d = match StreamDecryptor::new(DataKey::new(key), releasing(opts)) {
        Ok(d) => d,
        Err(e) => return (Err(e), out),
    };
    for piece in ct.chunks(chunk.max(1)) {
        if let Err(e) = d.update(piece, &mut out) {
            return (Err(e), out);
        }
    }
    (d.finish(), out)
}

/// The output of a future over a memory source (see `run_ready`).
pub fn ready<F: std::future::Future>(f: F) -> F::Output {
    callseal::envelope::random_access::run_ready(f).expect("a memory source never waits")
}
