//! The package's TypeScript types are the Rust types': pkg-config/src/lib/generated.ts (what
//! pages, the broker and www/ type-check against, and what scripts/build-wasm.sh regenerates
//! into the package) is exactly what `callseal-types` writes from them. A field added to
//! `MessageHeader`, a new error code or finding field fails here until the file is regenerated.
#![cfg(feature = "ts-types")]

use std::path::Path;

const COMMITTED: &str = "pkg-config/src/lib/generated.ts";

#[test]
fn committed_typescript_types_are_the_rust_types() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = callseal::ts_types::module();
    assert!(
        committed == generated,
        "{COMMITTED} is not what the Rust types declare: run `cargo run --bin callseal-types -- {COMMITTED}`\n\
         first difference at line {}",
        committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or(committed.lines().count().min(generated.lines().count()), |i| i)
            + 1
    );
}

#[test]
fn message_header_declares_every_field_the_wasm_layer_sets() {
    // The fields src/wasm/convert.rs sets, each declared under its name and type
    // (tests/wasm/generated-types.test.mjs compares them with the objects the wasm returns).
    let generated = callseal::ts_types::module();
    let decl = generated
        .split("export type MessageHeader = {")
        .nth(1)
        .and_then(|rest| rest.split("};").next())
        .expect("MessageHeader declared");
    for field in [
        "unauthenticated: true",
        "version: 1 | 2",
        "suiteId: number",
        "suite: string",
        "messageId: OwnedBytes",
        "encryptionContext: Record<string, string>",
        "encryptedDataKeys: Array<EncryptedDataKey>",
        "contentType: ContentType",
        "frameLength: number",
        "headerLength: number",
        "signed: boolean",
        "committing: boolean",
        "dataKeyLength: number",
    ] {
        assert!(decl.contains(field), "MessageHeader lacks `{field}`");
    }
}
