//! Strict JSON with spans: every value, every object key with its byte range, duplicate keys
//! kept in source order (plain JSON parsers silently keep only the last one).
//!
//! Parsing is done by the maintained `jsonc-parser` crate (dprint) with every extension turned
//! off (no comments, trailing commas, missing commas, single quotes, bare words, hex, `+1`, `.5`,
//! `NaN`, JSON5 escapes), so it accepts exactly RFC 8259 JSON. Its borrowed AST is converted
//! into the owned [`Node`] tree below so that a parsed policy can outlive the text buffer.
//!
//! A syntax error is returned as a [`JsonError`] with the exact byte range and, where the
//! mistake is recognisable (unescaped quotes inside a string, a list of statements without the
//! policy around it, a trailing comma, a comment), what was probably meant and a repair.

use jsonc_parser::ast;
use jsonc_parser::errors::ParseErrorKind;
use jsonc_parser::{CollectOptions, ParseOptions};

use super::span::TextRange;

/// A JSON value with its byte range.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub range: TextRange,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// The number as written (IAM compares numbers in conditions as text or decimals).
    Number(String),
    /// The unescaped string.
    String(String),
    Array(Vec<Node>),
    /// Members in source order, duplicates kept.
    Object(Vec<Member>),
}

/// One `"key": value` pair of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The unescaped key.
    pub key: String,
    /// Range of the key including its quotes.
    pub key_range: TextRange,
    pub value: Node,
}

impl Member {
    /// Range of the whole member, key to end of value.
    pub fn range(&self) -> TextRange {
        self.key_range.cover(self.value.range)
    }
}

/// The JSON kinds, as named in messages ("expected a string, found an array").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Array => "an array",
            Kind::Object => "an object",
        }
    }
}

impl Node {
    pub fn kind(&self) -> Kind {
        match self.value {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Bool,
            Value::Number(_) => Kind::Number,
            Value::String(_) => Kind::String,
            Value::Array(_) => Kind::Array,
            Value::Object(_) => Kind::Object,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_object(&self) -> Option<&[Member]> {
        match &self.value {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_array(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }
    /// The last member named `key` (exact, case-sensitive), as `JSON.parse` would keep it.
    pub fn get(&self, key: &str) -> Option<&Member> {
        self.as_object()?.iter().rev().find(|m| m.key == key)
    }
    /// Scalars as IAM reads them in conditions: strings, numbers and booleans as text.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.clone()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

/// A JSON syntax error.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonError {
    /// Where the parser stopped (the offending token).
    pub range: TextRange,
    /// What is wrong, in plain words.
    pub message: String,
    /// What was probably meant, when recognisable: a replacement for `range_to_replace`.
    pub repair: Option<Repair>,
    /// The text broke a hard limit of [`super::limits`] (size, depth, string length) rather
    /// than the JSON grammar.
    pub limit: bool,
}

/// A suggested textual repair.
#[derive(Debug, Clone, PartialEq)]
pub struct Repair {
    pub range: TextRange,
    pub replacement: String,
    pub description: String,
}

fn strict_options() -> ParseOptions {
    ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// Parses strict JSON. Never panics; an empty text is an error.
pub fn parse(text: &str) -> Result<Node, JsonError> {
    super::limits::check_text(text)?;
    match parse_raw(text) {
        Ok(node) => Ok(node),
        Err(mut e) => {
            if e.repair.is_none() {
                e.repair = suggest_repair(text, &e);
            }
            if let Some(r) = &e.repair {
                e.message = format!("{} {}", e.message, r.description);
            }
            Err(e)
        }
    }
}

/// Parse without repair suggestions (used by the repair search itself).
fn parse_raw(text: &str) -> Result<Node, JsonError> {
    let result = jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &strict_options());
    match result {
        Ok(r) => match r.value {
            Some(v) => Ok(convert(v)),
            None => Err(JsonError {
                range: TextRange::empty(u32::try_from(text.len()).unwrap_or(u32::MAX)),
                message: "The policy is empty: expected a JSON object `{ ... }`.".into(),
                repair: None,
                limit: false,
            }),
        },
        Err(e) => {
            let r = e.range();
            let mut range = TextRange::from_usize(r.start, r.end);
            let mut repair = None;
            if range.is_empty() {
                // The parser reports some errors (a missing comma) as an empty range at the end
                // of the previous token: point at the next token, which is what is unexpected.
                if let Some(next) = next_token(text, r.start) {
                    if matches!(e.kind(), ParseErrorKind::ExpectedComma) {
                        repair = Some(Repair {
                            range: TextRange::from_usize(r.start, r.start),
                            replacement: ",".into(),
                            description: "Insert the missing comma.".into(),
                        });
                    }
                    range = next;
                }
            }
            Err(JsonError {
                range,
                message: describe(text, e.kind(), range),
                repair,
                limit: false,
            })
        }
    }
}

/// The token starting at the first non-whitespace character at or after `from`: a whole string
/// literal, or a run up to the next delimiter.
fn next_token(text: &str, from: usize) -> Option<TextRange> {
    let rest = text.get(from..)?;
    let skip = rest.len() - rest.trim_start().len();
    let start = from + skip;
    let t = text.get(start..)?;
    let first = t.chars().next()?;
    let len = if first == '"' {
        let b = t.as_bytes();
        let mut i = 1;
        while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
            i += if b[i] == b'\\' { 2 } else { 1 };
        }
        (i + 1).min(b.len())
    } else if "{}[],:".contains(first) {
        1
    } else {
        t.find(|c: char| c.is_whitespace() || "{}[],:\"".contains(c))
            .unwrap_or(t.len())
            .max(first.len_utf8())
    };
    Some(TextRange::from_usize(start, start + len))
}

fn snippet(text: &str, range: TextRange) -> String {
    let s = text
        .get(range.start as usize..range.end as usize)
        .unwrap_or("");
    let s: String = s.chars().take(40).collect();
    s.replace('\n', "\\n")
}

fn describe(text: &str, kind: &ParseErrorKind, range: TextRange) -> String {
    use ParseErrorKind::*;
    let found = snippet(text, range);
    let found = if found.is_empty() {
        "the end of the text".to_string()
    } else {
        format!("`{found}`")
    };
    match kind {
        CommentsNotAllowed => "Comments are not allowed in JSON policies.".into(),
        TrailingCommasNotAllowed => "Trailing comma: JSON allows no comma after the last element.".into(),
        ExpectedColonAfterObjectKey => format!("Expected `:` after the object key, found {found}."),
        ExpectedObjectValue => format!("Expected a value after `:`, found {found}."),
        ExpectedStringObjectProperty => format!("Expected a double-quoted key, found {found}."),
        ExpectedComma => format!("Expected `,` between elements, found {found}."),
        MultipleRootJsonValues => format!("Unexpected {found} after the end of the JSON value: a policy is one JSON object."),
        SingleQuotedStringsNotAllowed => "Strings must use double quotes in JSON.".into(),
        UnexpectedCloseBrace => "Unexpected `}`.".into(),
        UnexpectedCloseBracket => "Unexpected `]`.".into(),
        UnexpectedColon => "Unexpected `:`.".into(),
        UnexpectedComma => "Unexpected `,`.".into(),
        UnexpectedWord => format!("Unexpected {found}: strings must be in double quotes, and only true, false and null are bare words."),
        UnterminatedArray => "Unterminated array: missing `]`.".into(),
        UnterminatedObject => "Unterminated object: missing `}`.".into(),
        UnterminatedCommentBlock => "Unterminated comment (comments are not allowed in JSON policies).".into(),
        NestingDepthExceeded => "The JSON is nested too deeply.".into(),
        other => format!("Invalid JSON ({other}) at {found}."),
    }
}

fn convert(v: ast::Value<'_>) -> Node {
    match v {
        ast::Value::StringLit(s) => Node {
            range: TextRange::from_usize(s.range.start, s.range.end),
            value: Value::String(s.value.into_owned()),
        },
        ast::Value::NumberLit(n) => Node {
            range: TextRange::from_usize(n.range.start, n.range.end),
            value: Value::Number(n.value.to_string()),
        },
        ast::Value::BooleanLit(b) => Node {
            range: TextRange::from_usize(b.range.start, b.range.end),
            value: Value::Bool(b.value),
        },
        ast::Value::NullKeyword(n) => Node {
            range: TextRange::from_usize(n.range.start, n.range.end),
            value: Value::Null,
        },
        ast::Value::Array(a) => Node {
            range: TextRange::from_usize(a.range.start, a.range.end),
            value: Value::Array(a.elements.into_iter().map(convert).collect()),
        },
        ast::Value::Object(o) => Node {
            range: TextRange::from_usize(o.range.start, o.range.end),
            value: Value::Object(
                o.properties
                    .into_iter()
                    .map(|p| {
                        let (key, key_range) = match p.name {
                            ast::ObjectPropName::String(s) => (
                                s.value.into_owned(),
                                TextRange::from_usize(s.range.start, s.range.end),
                            ),
                            ast::ObjectPropName::Word(w) => (
                                w.value.to_string(),
                                TextRange::from_usize(w.range.start, w.range.end),
                            ),
                        };
                        Member {
                            key,
                            key_range,
                            value: convert(p.value),
                        }
                    })
                    .collect(),
            ),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Repair suggestions
// ---------------------------------------------------------------------------------------------

/// Tries to recognise a common mistake at the error and to say what was probably meant.
fn suggest_repair(text: &str, err: &JsonError) -> Option<Repair> {
    unescaped_quotes(text, err)
        .or_else(|| trailing_comma(text, err))
        .or_else(|| bare_statement_list(text, err))
}

/// `"kms:EncryptionContext:"aws:voiceid:domain:arn": "arn:...""`: a string closed early by an
/// inner, unescaped quote (the parser then meets a word right after the closing quote). Tries
/// removing the inner quotes (and a doubled quote that ends the same construct) and keeps the
/// repair when the whole text then parses.
fn unescaped_quotes(text: &str, err: &JsonError) -> Option<Repair> {
    let bytes = text.as_bytes();
    let at = err.range.start as usize;
    // The error token must start right after a `"` with no whitespace between.
    if at == 0 || bytes.get(at - 1) != Some(&b'"') {
        return None;
    }
    let first = bytes.get(at)?;
    if !(first.is_ascii_alphanumeric() || matches!(first, b'$' | b'_' | b'-' | b'/' | b'*')) {
        return None;
    }
    let quote = at - 1;
    // Line bounds: the repair stays on the error's line.
    let line_end = text[at..].find(['\n', '\r']).map_or(text.len(), |i| at + i);
    let line_start = text[..quote].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    // Opening quote of the string the stray quote closed.
    let open = find_string_start(text, line_start, quote)?;

    // Candidate 1: drop the stray quote, then the first `""` (doubled quote) after it on the line.
    let mut removed: Vec<usize> = vec![quote];
    if let Some(rel) = text[at..line_end].find("\"\"") {
        removed.push(at + rel + 1);
    }
    let candidate = remove_bytes(text, &removed);
    if parse_raw(&candidate).is_ok() {
        return Some(make_quote_repair(text, open, &removed, "removed"));
    }
    // Candidate 2: the inner quotes belong to the string: escape them (`\"`).
    let inner_close = text[at..line_end].find('"').map(|i| at + i)?;
    let candidate = escape_bytes(text, &[quote, inner_close]);
    if parse_raw(&candidate).is_ok() {
        return Some(make_quote_repair(
            text,
            open,
            &[quote, inner_close],
            "escaped",
        ));
    }
    // Candidate 3: drop only the stray quote.
    let candidate = remove_bytes(text, &[quote]);
    if parse_raw(&candidate).is_ok() {
        return Some(make_quote_repair(text, open, &[quote], "removed"));
    }
    None
}

/// The start of the string literal ending at `close` (a `"`), scanning the line from its start.
fn find_string_start(text: &str, line_start: usize, close: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = line_start;
    let mut open: Option<usize> = None;
    while i < close {
        match bytes[i] {
            b'\\' if open.is_some() => i += 1,
            b'"' => open = if open.is_some() { None } else { Some(i) },
            _ => {}
        }
        i += 1;
    }
    open
}

fn remove_bytes(text: &str, at: &[usize]) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, ch) in text.char_indices() {
        if !at.contains(&i) {
            out.push(ch);
        }
    }
    out
}

fn escape_bytes(text: &str, at: &[usize]) -> String {
    let mut out = String::with_capacity(text.len() + at.len());
    for (i, ch) in text.char_indices() {
        if at.contains(&i) {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

fn make_quote_repair(text: &str, open: usize, edits: &[usize], how: &str) -> Repair {
    let last = edits.iter().copied().max().unwrap_or(open);
    let end = last + 1;
    let original = &text[open..end];
    let mut replacement = String::new();
    for (i, ch) in original.char_indices() {
        let abs = open + i;
        if edits.contains(&abs) {
            if how == "escaped" {
                replacement.push('\\');
                replacement.push(ch);
            }
        } else {
            replacement.push(ch);
        }
    }
    let description = if how == "escaped" {
        format!("The string contains unescaped double quotes; probably meant `{replacement}` (inner quotes escaped as \\\").")
    } else {
        format!("The string `{}` is closed early by an unescaped double quote inside it; probably meant `{replacement}` (the inner quotes removed).",
            &text[open..edits[0] + 1])
    };
    Repair {
        range: TextRange::from_usize(open, end),
        replacement,
        description,
    }
}

/// `[1, 2,]` / `{"a": 1,}`: remove the comma (the parser reports the comma itself, or the
/// closing bracket after it).
fn trailing_comma(text: &str, err: &JsonError) -> Option<Repair> {
    let at = err.range.start as usize;
    let comma = if text.get(at..)?.starts_with(',') {
        at
    } else {
        let before = text.get(..at)?.trim_end();
        if !before.ends_with(',') {
            return None;
        }
        before.len() - 1
    };
    let after = text.get(comma + 1..)?.trim_start();
    if !(after.starts_with(']') || after.starts_with('}')) {
        return None;
    }
    let candidate = remove_bytes(text, &[comma]);
    parse_raw(&candidate).ok()?;
    Some(Repair {
        range: TextRange::from_usize(comma, comma + 1),
        replacement: String::new(),
        description: "Remove the comma after the last element.".into(),
    })
}

/// `{ "Sid": ... }, { "Sid": ... }`: a list of statements without the policy around it.
fn bare_statement_list(text: &str, err: &JsonError) -> Option<Repair> {
    let trimmed = text.trim();
    if !trimmed.starts_with('{') {
        return None;
    }
    let at = err.range.start as usize;
    if text.get(at..)?.chars().next()? != ',' {
        return None;
    }
    let wrapped = format!("{{\"Version\": \"2012-10-17\", \"Statement\": [{trimmed}]}}");
    let node = parse_raw(&wrapped).ok()?;
    let stmts = node.get("Statement")?.value.as_array()?;
    if !stmts.iter().all(|s| s.get("Effect").is_some()) {
        return None;
    }
    let start = text.len() - text.trim_start().len();
    Some(Repair {
        range: TextRange::from_usize(start, start + trimmed.len()),
        replacement: wrapped,
        description: "This looks like a list of statements without the policy around them: wrap them in `{\"Version\": \"2012-10-17\", \"Statement\": [ ... ]}`.".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_duplicates_and_ranges() {
        let t = r#"{"a": 1, "a": [true, null, "x\"y"]}"#;
        let n = parse(t).unwrap();
        let o = n.as_object().unwrap();
        assert_eq!(o.len(), 2);
        assert_eq!(o[0].key_range, TextRange::new(1, 4));
        assert_eq!(
            &t[o[1].value.range.start as usize..o[1].value.range.end as usize],
            r#"[true, null, "x\"y"]"#
        );
        assert_eq!(n.get("a").unwrap().value.kind(), Kind::Array);
        let arr = o[1].value.as_array().unwrap();
        assert_eq!(arr[2].as_str(), Some("x\"y"));
    }

    #[test]
    fn strict() {
        for bad in [
            "{\"a\": 1,}",
            "// c\n{}",
            "{'a': 1}",
            "{a: 1}",
            "{\"a\": 0x1}",
            "{\"a\": .5}",
            "{\"a\": NaN}",
            "",
            "{\"a\": 1} x",
            "{\"a\": \"\\x41\"}",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn unescaped_quotes_repair() {
        let t = r#"{"StringEquals": {"kms:EncryptionContext:"aws:voiceid:domain:arn": "arn:aws:voiceid:us-west-2:111122223333:domain/d""}}"#;
        let e = parse(t).unwrap_err();
        let stray = t.find(":\"aws").unwrap() + 2;
        assert_eq!(e.range.start as usize, stray);
        let r = e.repair.unwrap();
        assert_eq!(
            r.replacement,
            r#""kms:EncryptionContext:aws:voiceid:domain:arn": "arn:aws:voiceid:us-west-2:111122223333:domain/d""#
        );
        let mut fixed = t.to_string();
        fixed.replace_range(r.range.start as usize..r.range.end as usize, &r.replacement);
        assert!(parse(&fixed).is_ok());
    }

    #[test]
    fn trailing_comma_repair() {
        let t = "{\"a\": [1, 2, ]}";
        let e = parse(t).unwrap_err();
        let r = e.repair.unwrap();
        assert_eq!(r.range, TextRange::new(11, 12));
    }
}
