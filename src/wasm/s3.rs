//! JS bindings of S3 Encryption Client objects, in the module loaded on demand (`decrypt-more`):
//! `parseS3Metadata` and `decryptS3Object`.

use std::collections::BTreeMap;

use js_sys::{Object, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::args::{self, string_pairs, Options, S3_OPTIONS};
use super::convert::{set, string_map};
use super::webcrypto::{self, AesKey};
use crate::error::Result;
use crate::s3ec::{self, S3ObjectMetadata};

fn s3_metadata(
    metadata: JsValue,
    instruction_file: Option<&str>,
) -> Result<S3ObjectMetadata, JsValue> {
    let headers: BTreeMap<String, String> =
        string_pairs(&metadata, "metadata")?.into_iter().collect();
    Ok(S3ObjectMetadata::from_headers(&headers, instruction_file)?)
}

/// Reads S3 Encryption Client metadata (object headers, plus the instruction file JSON if the
/// object uses one): what a page sends to its key broker. Unauthenticated, like `parseHeader`.
#[wasm_bindgen(js_name = parseS3Metadata)]
pub fn parse_s3_metadata(
    metadata: JsValue,
    instruction_file: Option<String>,
) -> Result<JsValue, JsValue> {
    let meta = s3_metadata(metadata, instruction_file.as_deref())?;
    let obj = Object::new();
    set(&obj, "unauthenticated", &true.into());
    let (format, extra) = match &meta.format {
        s3ec::ContentFormat::V2 { .. } => ("v2", false),
        s3ec::ContentFormat::V3 { .. } => ("v3", true),
    };
    set(&obj, "format", &format.into());
    set(&obj, "committing", &extra.into());
    set(&obj, "wrapAlgorithm", &meta.wrap_algorithm.name().into());
    set(
        &obj,
        "encryptedDataKey",
        &Uint8Array::from(&meta.encrypted_data_key[..]).into(),
    );
    set(
        &obj,
        "encryptionContext",
        &string_map(meta.encryption_context().iter()).into(),
    );
    set(
        &obj,
        "kmsEncryptionContext",
        &string_map(meta.kms_encryption_context().iter()).into(),
    );
    Ok(obj.into())
}

/// Decrypts an S3 Encryption Client object body with its metadata and the unwrapped data key.
/// Like `decrypt`, it reads its arguments before it returns, and the body while decrypting.
#[wasm_bindgen(js_name = decryptS3Object)]
pub fn decrypt_s3_object(
    body: JsValue,
    metadata: JsValue,
    data_key: JsValue,
    options: JsValue,
) -> Promise {
    let args = (|| {
        let body = args::bytes_arg(&body, "decryptS3Object: body")?;
        let key = args::bytes_arg(&data_key, "decryptS3Object: dataKey")?;
        let opts = Options::from_js(&options, S3_OPTIONS)?;
        let meta = s3_metadata(metadata, opts.instruction_file.as_deref())?;
        Ok::<_, JsValue>((body, zeroize::Zeroizing::new(key.to_vec()), opts, meta))
    })();
    future_to_promise(async move {
        let (body, data_key, opts, meta) = args?;
        Ok(decrypt_s3(body, &data_key, &opts, &meta).await?.into())
    })
}

async fn decrypt_s3(
    body: Uint8Array,
    data_key: &[u8],
    opts: &Options,
    meta: &S3ObjectMetadata,
) -> Result<Uint8Array> {
    meta.require_context(&opts.core.expected_context)?;
    if !opts.use_webcrypto(32)? {
        let plaintext =
            zeroize::Zeroizing::new(s3ec::decrypt_object(&body.to_vec(), meta, data_key)?);
        return Ok(Uint8Array::from(&plaintext[..]));
    }
    let cipher = s3ec::content_cipher(meta, data_key)?;
    s3ec::check_body_len(body.length() as u64, meta)?;
    let key = AesKey::import(cipher.key()).await?;
    key.open_one(
        &cipher.iv,
        cipher.aad,
        &webcrypto::unshared(body),
        "S3EC object body",
    )
    .await
}
