//! JS binding of the raw AES keyring's unwrap on the message's engine: `unwrapRawAesDataKey`.

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::args::{self, keyring_from_js, Options, UNWRAP_OPTIONS};
use super::webcrypto::AesKey;
use crate::envelope::keys::DataKey;
use crate::envelope::raw_aes::WrappedKey;
use crate::error::ErrorCode;

/// Unwraps the message's own data key with a raw AES keyring (namespace, name, wrapping key),
/// for offline use and tests, where no key broker is involved, on the engine `options.engine`
/// picks (WebCrypto by default where it takes the wrapping key's size, else the pure-Rust
/// engine): resolves to the plaintext data key.
/// With WebCrypto the wrapping key is imported as a non-extractable key (from a buffer wiped
/// once `importKey` settles) and each unwrapped key is copied out of WebCrypto's result, which
/// is then wiped.
#[wasm_bindgen(js_name = unwrapRawAesDataKey)]
pub fn unwrap_raw_aes_data_key(message: JsValue, keyring: JsValue, options: JsValue) -> Promise {
    let args = (|| {
        let message = args::bytes_arg(&message, "unwrapRawAesDataKey: message")?;
        let keyring = keyring_from_js(&keyring)?;
        let opts = Options::from_js(&options, UNWRAP_OPTIONS)?;
        Ok::<_, JsValue>((message, keyring, opts))
    })();
    future_to_promise(async move {
        let (message, keyring, opts) = args?;
        let header = super::decrypt::read_header(&message, &opts.core)?;
        let (info, expected) = (header.unverified(), &opts.core.expected_context);
        let data_key = if opts.use_webcrypto(keyring.wrapping_key().len())? {
            let aes = &AesKey::import(keyring.wrapping_key()).await?;
            let open = |w: WrappedKey| async move {
                let sealed = Uint8Array::from(&w.sealed[..]);
                let plaintext = match aes
                    .open_one(&w.iv, &w.aad, &sealed, "raw AES data key")
                    .await
                {
                    Ok(plaintext) => plaintext,
                    Err(e) if e.code == ErrorCode::TagMismatch => return Ok(None),
                    Err(e) => return Err(e),
                };
                let mut key = vec![0u8; plaintext.length() as usize];
                plaintext.copy_to(&mut key);
                plaintext.fill(0, 0, plaintext.length());
                Ok(Some(DataKey::from_vec(key)))
            };
            keyring.unwrap_with(info, expected, open).await?
        } else {
            keyring.unwrap_data_key_with_context(info, expected)?
        };
        Ok(Uint8Array::from(data_key.expose()).into())
    })
}
