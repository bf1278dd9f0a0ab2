//! JS conversion of results: headers (`MessageHeader`) and string maps.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::envelope::header::{ContentType, HeaderInfo};

pub(crate) fn set(obj: &Object, key: &str, value: &JsValue) {
    // Reflect.set on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &key.into(), value);
}

/// A plain object of string pairs. `Object.fromEntries` defines each key as an own property,
/// `__proto__` included (which `Reflect.set` would take as the prototype).
pub(crate) fn string_map(
    pairs: impl IntoIterator<Item = (impl AsRef<str>, impl AsRef<str>)>,
) -> Object {
    let entries = Array::new();
    for (k, v) in pairs {
        entries.push(&Array::of2(&k.as_ref().into(), &v.as_ref().into()));
    }
    Object::from_entries(&entries).unwrap_or_else(|_| Object::new())
}

/// The header as the package's `MessageHeader`, declared from
/// [`crate::envelope::message_header::MessageHeader`]: the same fields under the same names
/// (tests/wasm/generated-types.test.mjs holds them equal on every suite's official messages).
pub(crate) fn header_to_js(info: &HeaderInfo) -> JsValue {
    let obj = Object::new();
    set(&obj, "unauthenticated", &true.into());
    set(&obj, "version", &(info.version.byte() as u32).into());
    set(&obj, "suiteId", &(info.suite.id as u32).into());
    set(&obj, "suite", &info.suite.id_hex().into());
    set(
        &obj,
        "messageId",
        &Uint8Array::from(&info.message_id[..]).into(),
    );
    set(
        &obj,
        "encryptionContext",
        &string_map(info.encryption_context.pairs().iter().map(|(k, v)| (k, v))).into(),
    );
    let edks = Array::new();
    for edk in &info.encrypted_data_keys {
        let o = Object::new();
        set(&o, "providerId", &edk.provider_id.clone().into());
        set(
            &o,
            "providerInfo",
            &Uint8Array::from(&edk.provider_info[..]).into(),
        );
        set(
            &o,
            "ciphertext",
            &Uint8Array::from(&edk.ciphertext[..]).into(),
        );
        edks.push(&o);
    }
    set(&obj, "encryptedDataKeys", &edks.into());
    let framed = info.content_type == ContentType::Framed;
    set(
        &obj,
        "contentType",
        &(if framed { "framed" } else { "non-framed" }).into(),
    );
    set(&obj, "frameLength", &info.frame_length.into());
    set(&obj, "headerLength", &(info.header_len as u32).into());
    set(&obj, "signed", &info.suite.is_signed().into());
    set(&obj, "committing", &info.suite.committing.into());
    set(&obj, "dataKeyLength", &(info.suite.key_len as u32).into());
    obj.into()
}

/// The header as `VerifiedMessageHeader` (`unauthenticated: false`): verified with the data key.
#[cfg(feature = "decrypt-more")]
pub(crate) fn verified_header_to_js(info: &HeaderInfo) -> JsValue {
    let header = header_to_js(info);
    set(header.unchecked_ref(), "unauthenticated", &false.into());
    header
}
