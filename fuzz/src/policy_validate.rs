//! Policy parser + validator, with and without service data
//! (`target/generated/service-data.bin`, made by `node scripts/gen-service-data.mjs`; set
//! `CALLSEAL_SERVICE_DATA` to point elsewhere).
//!
//! Invariants: never panics; every finding's span lies inside the text, on character
//! boundaries, start <= end, and its line/column/UTF-16 offset agree with its byte offset;
//! validation is deterministic.

use std::sync::OnceLock;

use callseal::policy::{validate_with, Catalog, PolicyType, Position, ValidateOptions};

fn catalog() -> Option<&'static Catalog> {
    static C: OnceLock<Option<Catalog>> = OnceLock::new();
    C.get_or_init(|| {
        // From the fuzz crate (cwd fuzz/) or the main crate (cwd = the repository).
        let path = std::env::var("CALLSEAL_SERVICE_DATA").unwrap_or_else(|_| {
            [
                "target/generated/service-data.bin",
                "../target/generated/service-data.bin",
            ]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .unwrap_or("target/generated/service-data.bin")
            .to_string()
        });
        match std::fs::read(&path).map(|b| Catalog::from_bytes(&b)) {
            Ok(Ok(c)) => Some(c),
            _ => {
                eprintln!("policy_validate: no service data at {path}; catalog checks skipped");
                None
            }
        }
    })
    .as_ref()
}

const TYPES: [PolicyType; 6] = [
    PolicyType::Identity,
    PolicyType::Resource,
    PolicyType::KmsKey,
    PolicyType::Trust,
    PolicyType::Scp,
    PolicyType::Rcp,
];

fn check_position(text: &str, p: &Position) {
    let off = p.offset as usize;
    assert!(
        off <= text.len(),
        "offset {off} past the end ({})",
        text.len()
    );
    assert!(
        text.is_char_boundary(off),
        "offset {off} inside a character"
    );
    let before = &text[..off];
    // Line breaks as in editors (src/policy/span.rs): `\n`, `\r\n` and a lone `\r`. An offset
    // between the `\r` and `\n` of a `\r\n` counts as the end of the first line.
    let b = before.as_bytes();
    let mut line = 1u32;
    let mut line_start = 0usize;
    for (i, &c) in b.iter().enumerate() {
        let brk = c == b'\n' || (c == b'\r' && text.as_bytes().get(i + 1) != Some(&b'\n'));
        if brk {
            line += 1;
            line_start = i + 1;
        }
    }
    assert_eq!(p.line, line, "line of offset {off}");
    let col = text[line_start..off].chars().count() as u32 + 1;
    assert_eq!(p.column, col, "column of offset {off}");
    let u16 = before.encode_utf16().count() as u32;
    assert_eq!(p.utf16_offset, u16, "UTF-16 offset of {off}");
}

/// One fuzz input: panics (assertion failures) are findings.
pub fn run(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let policy_type = TYPES[sel as usize % TYPES.len()];
    let catalog = if sel & 0x80 != 0 { catalog() } else { None };
    let opts = ValidateOptions {
        policy_type,
        catalog,
        identity_policy: None,
    };
    let findings = validate_with(text, opts);
    for f in &findings {
        assert!(!f.code.is_empty());
        assert!(
            f.span.start.offset <= f.span.end.offset,
            "{} span reversed",
            f.code
        );
        check_position(text, &f.span.start);
        check_position(text, &f.span.end);
        if let Some(fix) = &f.fix {
            let _ = serde_json::to_string(fix).unwrap();
        }
    }
    // Deterministic (the wasm editor re-validates on every keystroke).
    if sel & 0x40 != 0 {
        let again = validate_with(text, opts);
        assert_eq!(findings.len(), again.len());
    }
}
