//! JS bindings of ESDK message encryption (pipelines and tests): `encrypt` with a raw AES
//! keyring, and `MessageEncryptor` for data keys wrapped elsewhere (KMS `GenerateDataKey`).
//!
//! Built only into the `callseal_encrypt` module (feature `encrypt`), so pages that only
//! decrypt never download the signing code. AES-GCM runs on the pure-Rust engine.

use std::cell::RefCell;

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use super::args::{self, integer, keyring_from_js, option, string_pairs};
use super::convert::string_map;
use crate::envelope::encrypt::{
    encrypt_with_raw_aes, prepare, EncryptRequest, PreparedMessage, MAX_FRAME_LENGTH,
};
use crate::envelope::header::{EncryptedDataKey, EncryptionContext};
use crate::envelope::keys::DataKey;
use crate::envelope::suite::Suite;
use crate::err;

/// The ESDK's defaults: suite 0578, 4096-byte frames. spec: client-apis/encrypt.md
const DEFAULT_SUITE: u16 = 0x0578;
const DEFAULT_FRAME_LENGTH: u32 = 4096;

const OPTION_KEYS: &[&str] = &["suiteId", "frameLength", "encryptionContext"];

/// An option's value; absent, `undefined` and `null` are `None` (the default). A getter or a
/// Proxy trap that throws is `INVALID_ARGUMENT` (read through a `catch` binding, so the
/// exception never unwinds through wasm frames).
fn set_option(options: &JsValue, name: &str) -> Result<Option<JsValue>, JsValue> {
    Ok(option(options, name)?.filter(|v| !v.is_null()))
}

/// Reads the options object (undefined, null, or a plain object with keys from
/// [`OPTION_KEYS`]) by hand, as decrypt reads its own: the context is a plain object or a `Map`
/// of strings.
fn request_from_js(options: &JsValue) -> Result<EncryptRequest, JsValue> {
    let (mut suite_id, mut frame_length, mut pairs) =
        (DEFAULT_SUITE, DEFAULT_FRAME_LENGTH, Vec::new());
    if !(options.is_undefined() || options.is_null()) {
        args::reject_unknown_keys(options, "options", OPTION_KEYS)?;
        if let Some(v) = set_option(options, "suiteId")? {
            suite_id = integer(&v, "options.suiteId", 0, u16::MAX as u32)? as u16;
        }
        if let Some(v) = set_option(options, "frameLength")? {
            frame_length = integer(&v, "options.frameLength", 0, MAX_FRAME_LENGTH)?;
        }
        if let Some(v) = set_option(options, "encryptionContext")? {
            pairs = string_pairs(&v, "options.encryptionContext")?;
        }
    }
    Ok(EncryptRequest {
        suite: Suite::from_id(suite_id)?,
        frame_length,
        encryption_context: EncryptionContext::from_pairs(pairs)?,
    })
}

/// Encrypts `plaintext` under a fresh random data key wrapped by a raw AES keyring; the
/// result is an ESDK message any official SDK with the same keyring decrypts.
#[wasm_bindgen(js_name = encryptWithRawAes)]
pub fn encrypt_with_raw_aes_js(
    plaintext: JsValue,
    keyring: JsValue,
    options: JsValue,
) -> Result<Uint8Array, JsValue> {
    let plaintext = args::attached_bytes_arg(&plaintext, "encryptWithRawAes: plaintext")?;
    let request = request_from_js(&options)?;
    let keyring = keyring_from_js(&keyring)?;
    let plaintext = zeroize::Zeroizing::new(plaintext.to_vec());
    let message = encrypt_with_raw_aes(&plaintext, &keyring, request)?;
    Ok(Uint8Array::from(&message[..]))
}

/// A message being written with a data key wrapped elsewhere: read `encryptionContext`, have
/// KMS (`GenerateDataKey`) make a data key for exactly that context, then `seal`.
#[wasm_bindgen]
pub struct MessageEncryptor {
    prepared: RefCell<Option<PreparedMessage>>,
}

#[wasm_bindgen]
impl MessageEncryptor {
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<MessageEncryptor, JsValue> {
        let prepared = prepare(request_from_js(&options)?)?;
        Ok(MessageEncryptor {
            prepared: RefCell::new(Some(prepared)),
        })
    }

    /// The context the data key must be wrapped for (with `aws-crypto-public-key` for signed
    /// suites).
    #[wasm_bindgen(getter, js_name = encryptionContext)]
    pub fn encryption_context(&self) -> Result<JsValue, JsValue> {
        let guard = self.prepared.borrow();
        let prepared = guard.as_ref().ok_or_else(sealed_already)?;
        Ok(string_map(
            prepared
                .encryption_context()
                .pairs()
                .iter()
                .map(|(k, v)| (k, v)),
        )
        .into())
    }

    /// Writes the message: `dataKey` is the plaintext data key, `encryptedDataKeys` its
    /// wrapped copies (`{ providerId, providerInfo, ciphertext }`). Usable once.
    pub fn seal(
        &self,
        plaintext: JsValue,
        data_key: JsValue,
        encrypted_data_keys: JsValue,
    ) -> Result<Uint8Array, JsValue> {
        let plaintext = args::attached_bytes_arg(&plaintext, "seal: plaintext")?;
        let data_key = args::bytes_arg(&data_key, "seal: dataKey")?;
        // A fresh copy of the caller's array, read where a throw is caught (a Proxy's trap).
        let encrypted_data_keys =
            args::list_of(&encrypted_data_keys).map_err(|e| args::threw("encryptedDataKeys", e))?;
        let mut edks = Vec::with_capacity(encrypted_data_keys.length() as usize);
        for (i, edk) in encrypted_data_keys.iter().enumerate() {
            let what = format!("encryptedDataKeys[{i}]");
            let field = |name: &str| {
                Reflect::get(&edk, &name.into())
                    .map_err(|e| args::threw(&format!("{what}.{name}"), e))
            };
            let bytes = |name: &str| {
                args::bytes_arg(&field(name)?, &format!("{what}.{name}")).map(|a| a.to_vec())
            };
            edks.push(EncryptedDataKey {
                provider_id: field("providerId")?.as_string().ok_or_else(|| {
                    args::invalid_argument(&format!("{what}.providerId"), "expected a string")
                })?,
                provider_info: bytes("providerInfo")?,
                ciphertext: bytes("ciphertext")?,
            });
        }
        if edks.is_empty() {
            return Err(args::invalid_argument(
                "encryptedDataKeys",
                "at least one encrypted data key is required",
            ));
        }
        let prepared = self
            .prepared
            .borrow_mut()
            .take()
            .ok_or_else(sealed_already)?;
        let data_key = DataKey::from_vec(data_key.to_vec());
        let plaintext = zeroize::Zeroizing::new(plaintext.to_vec());
        let message = prepared.seal(&plaintext, &data_key, edks)?;
        Ok(Uint8Array::from(&message[..]))
    }
}

fn sealed_already() -> JsValue {
    err!(InvalidState, "MessageEncryptor.seal was already called").into()
}
