//! What the documentation says about errors, checked against the code: every error code the
//! README, SECURITY.md, the package README and the TypeScript doc comments name exists in
//! `src/error.rs` (or is a validator finding code, or one of a few names that are not codes),
//! and the package's list of codes and its `CallsealErrorCode` type hold every code there is.

use std::collections::BTreeSet;
use std::path::Path;

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The codes `ErrorCode::as_str` returns (`Io => "IO",` lines of src/error.rs).
fn error_codes() -> BTreeSet<String> {
    let src = read("src/error.rs");
    let codes: BTreeSet<String> = src
        .lines()
        .filter_map(|l| {
            let (_, rhs) = l.split_once("=> \"")?;
            Some(rhs.split_once('"')?.0.to_string())
        })
        .collect();
    assert!(
        codes.len() >= 21 && codes.contains("TAG_MISMATCH"),
        "{codes:?}"
    );
    codes
}

/// SCREAMING_SNAKE names enclosed in backticks or quotes; in prose (`any_word` false) only those
/// with a `_` (`TRUNCATED` alone is not told apart from other capitalised words there).
fn quoted_codes(text: &str, any_word: bool) -> BTreeSet<String> {
    let b = text.as_bytes();
    let mut out = BTreeSet::new();
    let mut i = 0;
    while i < b.len() {
        let q = b[i];
        if matches!(q, b'`' | b'\'' | b'"') {
            let start = i + 1;
            let mut j = start;
            while j < b.len()
                && (b[j].is_ascii_uppercase() || b[j].is_ascii_digit() || b[j] == b'_')
            {
                j += 1;
            }
            let word = &text[start..j];
            if j < b.len()
                && b[j] == q
                && (any_word || word.contains('_'))
                && word.starts_with(|c: char| c.is_ascii_uppercase())
            {
                out.insert(word.to_string());
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Names the documents quote that are not callseal error codes.
const NOT_ERROR_CODES: &[&str] = &[
    "ERR_REQUIRE_ESM",     // Node's, for `require` of an ES module
    "TOLERATED_TRANSFORM", // a Vite warning
    "FUZZ_SECONDS",
    "FUZZ_RUNS",
    "FUZZ_BUDGET",
    "CALLSEAL_REFUSED_PER_MINUTE",
    "CALLSEAL_TEST_NAMED_TEMPFILE",
    "CALLSEAL_SERVICE_DATA",
    "O_TMPFILE",
    "AES_256",                 // KMS GenerateDataKey's KeySpec
    "SECURITY_WARNING",        // a finding's severity
    "CALLSEAL_SEAL_ORIGINALS", // the sealer's settings
    "CALLSEAL_SEAL_MAX_TRIES",
    "CALLSEAL_SEAL_DEAD_LETTER_URL",
    "MEDIA_ERR_DECODE", // the browser's MediaError code
];

#[test]
fn every_error_code_the_documents_name_exists() {
    let codes = error_codes();
    // Validator findings have codes of their own (IAM Access Analyzer's), declared in the policy
    // checks as `NAME = (severity, ...)`, or as a `Check { code: "NAME", ... }`.
    let mut policy_src = String::new();
    for dir in ["src/policy/checks", "src/policy/grants", "src/policy"] {
        for e in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "rs") {
                policy_src.push_str(&std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    let mut docs = vec![
        "README.md".to_string(),
        "SECURITY.md".to_string(),
        "pkg-config/README.md".to_string(),
        "src/wasm/callseal_error.d.ts".to_string(),
    ];
    for e in
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("pkg-config/src/lib")).unwrap()
    {
        let p = e.unwrap().path();
        docs.push(format!(
            "pkg-config/src/lib/{}",
            p.file_name().unwrap().to_str().unwrap()
        ));
    }
    // The player's own codes (a replaced object's OBJECT_CHANGED, say) are thrown by its
    // TypeScript in www/lib as quoted literals.
    let mut player_src = String::new();
    for e in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("www/lib")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "ts") {
            player_src.push_str(&std::fs::read_to_string(&p).unwrap());
        }
    }
    let mut unknown = Vec::new();
    for doc in &docs {
        for word in quoted_codes(&read(doc), false) {
            let finding = policy_src.contains(&format!("{word} = ("))
                || policy_src.contains(&format!("code: \"{word}\""));
            let player = player_src.contains(&format!("'{word}'"));
            if !codes.contains(&word)
                && !finding
                && !player
                && !NOT_ERROR_CODES.contains(&word.as_str())
            {
                unknown.push(format!("{doc}: {word}"));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "codes named in the docs that neither src/error.rs, the policy checks nor the player (www/lib) have: {unknown:?}"
    );
}

#[test]
fn the_package_lists_every_error_code() {
    let codes = error_codes();
    // pkg-config/README.md: "Errors are `CallsealError` (an `Error`) with a stable `code`: ...".
    let readme = read("pkg-config/README.md");
    let list = readme
        .split_once("with a stable `code`:")
        .expect("the package README lists the error codes")
        .1;
    let list = &list[..list.find("\n\n").unwrap()];
    let listed = quoted_codes(list, true);
    // IO comes from the native command line, and from the package only where its TypeScript
    // layer throws it itself (`new CallsealError('IO', ...)`), as every code that layer throws.
    let mut thrown_by_ts = BTreeSet::new();
    for e in
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("pkg-config/src/lib")).unwrap()
    {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        for (i, call) in text.match_indices("new CallsealError(") {
            let first_argument = text[i + call.len()..].split([',', ')']).next().unwrap();
            thrown_by_ts.extend(quoted_codes(first_argument, true));
        }
    }
    assert!(
        thrown_by_ts.contains("INVALID_ARGUMENT"),
        "{thrown_by_ts:?}"
    );
    let expected: BTreeSet<String> = codes
        .iter()
        .filter(|c| *c != "IO" || thrown_by_ts.contains("IO"))
        .cloned()
        .collect();
    assert_eq!(listed, expected, "pkg-config/README.md's list of codes");
    // The TypeScript union every entry point exports (generated from ErrorCode: tests/ts_types.rs).
    let dts = read("pkg-config/src/lib/generated.ts");
    let union = dts.split_once("export type CallsealErrorCode =").unwrap().1;
    let union = &union[..union.find(';').unwrap()];
    assert_eq!(
        quoted_codes(union, true),
        codes,
        "CallsealErrorCode in pkg-config/src/lib/generated.ts"
    );
}

/// SECURITY.md: "callseal has no `unsafe`" (why the fuzz campaign ran without a sanitizer).
#[test]
fn the_crate_has_no_unsafe_code() {
    fn walk(dir: &Path, found: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, found);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                for (i, line) in text.lines().enumerate() {
                    let code = line.split("//").next().unwrap_or_default();
                    // Natively the compiler forbids it (src/lib.rs); this scan also covers
                    // src/wasm, which only builds for wasm32.
                    if [
                        "unsafe {",
                        "unsafe fn",
                        "unsafe impl",
                        "unsafe extern",
                        "unsafe trait",
                    ]
                    .iter()
                    .any(|k| code.contains(k))
                    {
                        found.push(format!("{}:{}", p.display(), i + 1));
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut found,
    );
    assert!(found.is_empty(), "unsafe code: {found:?}");
}
