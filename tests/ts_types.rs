//! The package's TypeScript types are the Rust types': pkg-config/src/lib/generated.ts (what
//! pages, the broker and www/ type-check against, and what scripts/build-wasm.sh regenerates
//! into the package) is exactly what `callseal-types` writes from them. A field added to
//! `MessageHeader`, a new error code, check or finding field fails here until the file is
//! regenerated.
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

#[test]
fn finding_code_is_the_union_of_the_registries_codes() {
    // `Finding.code` is `FindingCode`, whose values in the committed file are exactly the codes
    // of the three registries a finding comes from, in their order: the policy checks (the
    // `checks!` families, JSON_SYNTAX_ERROR and POLICY_LIMIT_EXCEEDED among them),
    // SERVICE_DATA_NOT_LOADED and the grant checks. A check added to a registry fails here
    // until generated.ts is regenerated.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let union = committed
        .lines()
        .find_map(|l| l.strip_prefix("export type FindingCode = "))
        .and_then(|l| l.strip_suffix(';'))
        .expect("generated.ts declares FindingCode");
    let declared: Vec<&str> = union
        .split(" | ")
        .map(|c| {
            c.strip_prefix('"')
                .and_then(|c| c.strip_suffix('"'))
                .expect("a string literal")
        })
        .collect();
    let registries: Vec<&str> = callseal::policy::checks::all_checks()
        .into_iter()
        .chain([&callseal::policy::SERVICE_DATA_NOT_LOADED])
        .chain(callseal::policy::grants::checks::CHECKS)
        .map(|c| c.code)
        .collect();
    assert_eq!(declared, registries);
    for code in [
        "JSON_SYNTAX_ERROR",
        "POLICY_LIMIT_EXCEEDED",
        "SERVICE_DATA_NOT_LOADED",
        "MALFORMED_GRANT",
    ] {
        assert!(declared.contains(&code), "FindingCode lacks {code}");
    }
    let unique: std::collections::BTreeSet<&str> = declared.iter().copied().collect();
    assert_eq!(unique.len(), declared.len(), "a code declared twice");
    let finding = committed
        .split("export type Finding = {")
        .nth(1)
        .and_then(|rest| rest.split("};").next())
        .expect("Finding declared");
    assert!(
        finding.contains("code: FindingCode,"),
        "Finding.code is not FindingCode"
    );
}
