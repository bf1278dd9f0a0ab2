//! Glob matching with IAM's two wildcards, `*` (any run of characters, empty included) and
//! `?` (exactly one character), without allocation.
//!
//! spec: IAM User Guide, "IAM JSON policy elements: Action" (wildcards, case-insensitive),
//! "Resource" (wildcards within ARN segments, case-sensitive), "Condition operators"
//! (`StringLike`).
//!
//! Patterns are *encoded*: [`STAR`] and [`ONE`] stand for the wildcards, every other byte is
//! literal. Both are bytes that never occur in UTF-8 text, so a `*` that came from a policy
//! variable's value or from the escape `${*}` stays a literal asterisk (spec: "Policy
//! variables", special characters).

/// Encoded `*`: any run of characters.
pub const STAR: u8 = 0xFF;
/// Encoded `?`: exactly one character.
pub const ONE: u8 = 0xFE;

/// Appends `text` to `out`, turning `*` and `?` into wildcards.
pub fn encode_pattern_into(text: &str, out: &mut Vec<u8>) {
    out.extend(text.bytes().map(|b| match b {
        b'*' => STAR,
        b'?' => ONE,
        other => other,
    }));
}

/// `text` as a pattern whose `*` and `?` are wildcards.
pub fn encode_pattern(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    encode_pattern_into(text, &mut out);
    out
}

/// True when the encoded pattern holds a wildcard.
pub fn has_wildcard(pattern: &[u8]) -> bool {
    pattern.iter().any(|&b| b == STAR || b == ONE)
}

/// True when policy text (not encoded) holds `*` or `?`.
pub fn text_has_wildcard(s: &str) -> bool {
    s.contains(['*', '?'])
}

/// Length in bytes of the UTF-8 character that starts with `lead` (1 for a stray byte).
#[inline]
fn char_len(lead: u8) -> usize {
    match lead {
        0xF0..=0xF7 => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[inline]
fn eq(a: u8, b: u8, ignore_case: bool) -> bool {
    a == b || (ignore_case && a.eq_ignore_ascii_case(&b))
}

/// Matches an encoded `pattern` against `text`. `ignore_case` folds ASCII letters only
/// (action names and `...IgnoreCase` operators; ARNs and `StringLike` are case-sensitive).
///
/// Linear backtracking on the last `*` (the classic greedy algorithm): O(|p|·|t|) worst case,
/// no recursion, no allocation.
pub fn glob_match(pattern: &[u8], text: &[u8], ignore_case: bool) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    // Position after the last `*` seen in the pattern, and where in the text it resumes.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(&STAR) => {
                star = Some((p + 1, t));
                p += 1;
                continue;
            }
            Some(&ONE) => {
                p += 1;
                t += char_len(text[t]).min(text.len() - t);
                continue;
            }
            Some(&c) if eq(c, text[t], ignore_case) => {
                p += 1;
                t += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sp, st)) => {
                // Let the last `*` swallow one more character and retry.
                let next = st + char_len(text[st]).min(text.len() - st);
                star = Some((sp, next));
                p = sp;
                t = next;
            }
            None => return false,
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|&b| b == STAR)
}

/// Exact comparison of a literal (unencoded) text, optionally ASCII-case-insensitive.
#[inline]
pub fn literal_eq(a: &str, b: &str, ignore_case: bool) -> bool {
    if ignore_case {
        a.eq_ignore_ascii_case(b)
    } else {
        a == b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, t: &str) -> bool {
        glob_match(&encode_pattern(p), t.as_bytes(), false)
    }

    #[test]
    fn star_and_question() {
        assert!(m("*", ""));
        assert!(m("*", "anything"));
        assert!(m("a*", "a"));
        assert!(m("a*c", "abbbc"));
        assert!(m("a*b*c", "axxbyyc"));
        assert!(!m("a*b*c", "axxbyy"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(!m("a?c", "abbc"));
        assert!(m("*log*", "carlossalazar-logs"));
        assert!(!m("*log*", "carlossalazar"));
        assert!(m("", ""));
        assert!(!m("", "x"));
        assert!(!m("abc", "abcd"));
        assert!(m("**", "x"));
    }

    #[test]
    fn question_is_one_character_not_one_byte() {
        assert!(m("caf?", "café"));
        assert!(!m("caf??", "café"));
    }

    #[test]
    fn case_folding_is_opt_in() {
        let p = encode_pattern("s3:Get*");
        assert!(glob_match(&p, b"S3:GETOBJECT", true));
        assert!(!glob_match(&p, b"S3:GETOBJECT", false));
    }

    #[test]
    fn literal_star_does_not_wildcard() {
        let mut p = b"home/".to_vec();
        p.push(b'*'); // a literal asterisk, as `${*}` renders
        assert!(glob_match(&p, b"home/*", false));
        assert!(!glob_match(&p, b"home/alice", false));
    }

    #[test]
    fn pathological_backtracking_terminates() {
        let text = "a".repeat(2000);
        assert!(!m("*a*a*a*a*a*b", &text));
    }
}
