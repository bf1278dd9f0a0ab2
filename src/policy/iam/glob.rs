//! Glob matching with IAM's two wildcards, `*` (any run of characters, empty included) and
//! `?` (exactly one character), in time linear in the text (see [`glob_match`]).
//!
//! spec: IAM User Guide, "IAM JSON policy elements: Action" (wildcards, case-insensitive),
//! "Resource" (wildcards within ARN segments, case-sensitive), "Condition operators"
//! (`StringLike`).
//!
//! Patterns are *encoded*: [`STAR`] and [`ONE`] stand for the wildcards, every other byte is
//! literal. Both are bytes that never occur in UTF-8 text, so a `*` that came from a policy
//! variable's value or from the escape `${*}` stays a literal asterisk (spec: "Policy
//! variables", special characters).

use foldhash::{HashMap, HashMapExt};

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
    // Both are ASCII, so no byte of another character equals them.
    s.bytes().any(|b| b == b'*' || b == b'?')
}

/// True when policy text holds `${`, the start of a policy variable.
pub fn text_has_variable(s: &str) -> bool {
    let b = s.as_bytes();
    memchr::memchr_iter(b'$', b).any(|i| b.get(i + 1) == Some(&b'{'))
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

/// Matches an encoded `pattern` against `text`. `ignore_case` folds ASCII letters only
/// (action names; ARNs and `StringLike` are case-sensitive).
///
/// Segment matching: the pattern is split at its `*`s; the first piece must match at the start
/// of the text and the last at its end, and each middle piece is found at its leftmost place
/// after the previous one (leftmost is never worse, since a `*` takes any run). Pieces without
/// `?` are found with `memchr::memmem` (linear); a piece with `?` by a bit-parallel scan over
/// the characters. Cost: O(|pattern| + |text|) for patterns without `?` between two `*`s,
/// O(|text| x (1 + piece/64)) for each middle piece with `?`. No recursion, no backtracking.
pub fn glob_match(pattern: &[u8], text: &[u8], ignore_case: bool) -> bool {
    if ignore_case {
        // STAR and ONE are not ASCII, so lower-casing leaves them as they are.
        return matches(&pattern.to_ascii_lowercase(), &text.to_ascii_lowercase());
    }
    matches(pattern, text)
}

fn matches(pattern: &[u8], text: &[u8]) -> bool {
    let (Some(first), Some(last)) = (
        pattern.iter().position(|&b| b == STAR),
        pattern.iter().rposition(|&b| b == STAR),
    ) else {
        return match_prefix(pattern, text) == Some(text.len());
    };
    let Some(mut pos) = match_prefix(&pattern[..first], text) else {
        return false;
    };
    let Some(end) = match_suffix(&pattern[last + 1..], &text[pos..]) else {
        return false;
    };
    let end = pos + end;
    let middle = pattern.get(first + 1..last).unwrap_or_default();
    for piece in middle.split(|&b| b == STAR) {
        if piece.is_empty() {
            continue;
        }
        match find(piece, &text[pos..end]) {
            Some(after) => pos += after,
            None => return false,
        }
    }
    true
}

/// Matches a star-free `piece` at the start of `text`; the number of bytes it takes.
fn match_prefix(piece: &[u8], text: &[u8]) -> Option<usize> {
    let mut t = 0usize;
    for &b in piece {
        let c = *text.get(t)?;
        if b == ONE {
            t += char_len(c).min(text.len() - t);
        } else if b == c {
            t += 1;
        } else {
            return None;
        }
    }
    Some(t)
}

/// Matches a star-free `piece` at the end of `text`; where in `text` the match starts.
fn match_suffix(piece: &[u8], text: &[u8]) -> Option<usize> {
    let mut t = text.len();
    for &b in piece.iter().rev() {
        if t == 0 {
            return None;
        }
        if b == ONE {
            t -= 1;
            // Back over UTF-8 continuation bytes to the character's first byte.
            let mut back = 0;
            while t > 0 && back < 3 && (0x80..0xC0).contains(&text[t]) {
                t -= 1;
                back += 1;
            }
            if char_len(text[t]) != back + 1 {
                // Not the lead of those continuation bytes: they are stray bytes, one each.
                t += back;
            }
        } else if b == text[t - 1] {
            t -= 1;
        } else {
            return None;
        }
    }
    Some(t)
}

/// The end (in bytes) of the leftmost-ending occurrence of a star-free `piece` in `text`.
fn find(piece: &[u8], text: &[u8]) -> Option<usize> {
    if !piece.contains(&ONE) {
        return memchr::memmem::find(text, piece).map(|i| i + piece.len());
    }
    ShiftAnd::new(piece).find(text)
}

/// One character of a text or piece: `None` for a byte that does not start valid UTF-8 (it
/// only ever matches `?`). Returns the character and its length in bytes.
fn next_char(bytes: &[u8], i: usize) -> (Option<char>, usize) {
    let len = char_len(bytes[i]).min(bytes.len() - i);
    let c = std::str::from_utf8(&bytes[i..i + len])
        .ok()
        .and_then(|s| s.chars().next());
    match c {
        Some(c) => (Some(c), len),
        None => (None, 1),
    }
}

/// Bit-parallel (shift-and) search for a piece whose `?` stand for one character: bit `j` of
/// the state says "the piece's first `j + 1` characters end here".
struct ShiftAnd {
    len: usize,
    /// Positions holding `?`.
    any: Vec<u64>,
    /// Positions holding each literal character.
    chars: HashMap<char, Vec<u64>>,
}

impl ShiftAnd {
    fn new(piece: &[u8]) -> ShiftAnd {
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < piece.len() {
            if piece[i] == ONE {
                tokens.push(None);
                i += 1;
            } else {
                let (c, len) = next_char(piece, i);
                // A literal byte that is not UTF-8 matches no character of a text.
                tokens.push(Some(c.unwrap_or(char::REPLACEMENT_CHARACTER)));
                i += len;
            }
        }
        let words = tokens.len().div_ceil(64);
        let mut any = vec![0u64; words];
        let mut chars: HashMap<char, Vec<u64>> = HashMap::new();
        for (j, t) in tokens.iter().enumerate() {
            let slot = match t {
                None => &mut any,
                Some(c) => chars.entry(*c).or_insert_with(|| vec![0u64; words]),
            };
            slot[j / 64] |= 1 << (j % 64);
        }
        ShiftAnd {
            len: tokens.len(),
            any,
            chars,
        }
    }

    fn find(&self, text: &[u8]) -> Option<usize> {
        let (last_word, last_bit) = ((self.len - 1) / 64, 1u64 << ((self.len - 1) % 64));
        let mut state = vec![0u64; self.any.len()];
        let mut i = 0;
        while i < text.len() {
            let (c, len) = next_char(text, i);
            let lit = c.and_then(|c| self.chars.get(&c));
            let mut carry = 1u64;
            for (w, word) in state.iter_mut().enumerate() {
                let next_carry = *word >> 63;
                let mask = self.any[w] | lit.map_or(0, |m| m[w]);
                *word = ((*word << 1) | carry) & mask;
                carry = next_carry;
            }
            i += len;
            if state[last_word] & last_bit != 0 {
                return Some(i);
            }
        }
        None
    }
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
    use super::super::all_strings;
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
    fn question_marks_inside_middle_pieces() {
        assert!(m("*a?c*", "xxabcxx"));
        assert!(m("*a?c*", "xxaécxx"));
        assert!(!m("*a?c*", "xxaé"));
        assert!(m("x*?é?*y", "x1é2y"));
        assert!(!m("x*?é?*y", "xé2y"));
        assert!(m("*??", "é1"));
        assert!(!m("*???", "é1"));
        let long = format!("*{}b*", "a?".repeat(100));
        assert!(m(
            &long,
            &format!("{}{}b", "q".repeat(50), "a1".repeat(100))
        ));
        assert!(!m(&long, &"a1".repeat(300)));
    }

    #[test]
    fn pathological_patterns_at_the_string_limit() {
        // 8 KiB of `*a` against 8 KiB of `a`: a backtracking matcher retries every `*`.
        let pattern = format!("{}*b", "*a".repeat(4095));
        let text = "a".repeat(8192);
        assert!(!m(&pattern, &text));
        assert!(m(&pattern, &format!("{text}b")));
    }

    /// The textbook dynamic programme over characters, as the reference.
    fn reference(p: &str, t: &str) -> bool {
        let p: Vec<char> = p.chars().collect();
        let t: Vec<char> = t.chars().collect();
        let mut row = vec![false; t.len() + 1];
        row[0] = true;
        for pc in &p {
            let mut next = vec![false; t.len() + 1];
            for j in 0..=t.len() {
                next[j] = match pc {
                    '*' => row[j] || (j > 0 && next[j - 1]),
                    '?' => j > 0 && row[j - 1],
                    c => j > 0 && row[j - 1] && t[j - 1] == *c,
                };
            }
            row = next;
        }
        row[t.len()]
    }

    #[test]
    fn agrees_with_the_reference_on_every_small_case() {
        let patterns = all_strings(&['a', 'é', '*', '?'], 5);
        let texts = all_strings(&['a', 'b', 'é'], 5);
        for p in &patterns {
            let enc = encode_pattern(p);
            for t in &texts {
                assert_eq!(
                    glob_match(&enc, t.as_bytes(), false),
                    reference(p, t),
                    "{p} {t}"
                );
            }
        }
    }
}
