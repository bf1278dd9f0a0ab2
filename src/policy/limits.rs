//! Hard limits on policy text, checked in one linear pass before parsing so that hostile input
//! (a megabyte of `[`, a string of a million `*`) costs time linear in its size and bounded
//! stack depth, in the validator (finding `POLICY_LIMIT_EXCEEDED`) and the evaluator
//! (error `LIMIT_EXCEEDED`).
//!
//! The limits sit above every policy AWS attaches: AWS managed policies are not held to the
//! customer quotas (6,144 characters managed, 32 KB KMS key policy), and the largest,
//! AWSSupportServiceRolePolicy, is 152 KB compact and 231 KB as IAM prints it (4-space
//! indentation). The deepest well-formed policy nests 6 levels (policy, `Statement` list,
//! statement, `Condition`, operator, value list). Validation and evaluation are linear in the
//! text up to these limits (tests/limits.rs).

use super::json::JsonError;
use super::span::TextRange;

/// Largest policy text in bytes: 512 KiB (twice the largest AWS managed policy as IAM prints
/// it, room for it to grow).
pub const MAX_POLICY_LEN: usize = 512 << 10;
/// Deepest nesting of JSON arrays and objects.
pub const MAX_POLICY_DEPTH: usize = 32;
/// Longest JSON string (key or value) in a policy, in bytes of source text: 8 KiB
/// (ARNs are at most 2,048 characters).
pub const MAX_POLICY_STRING_LEN: usize = 8 << 10;
/// Longest string in an evaluation request (principal, action, resource, a context key or
/// value), in bytes: 8 KiB.
pub const MAX_REQUEST_STRING_LEN: usize = 8 << 10;
/// Most wildcard matching one evaluation may do, in bytes of pattern plus text per comparison
/// summed: 64 MiB. Every comparison is linear, but a policy of many patterns against a request
/// of many long values multiplies; past this the evaluation stops and denies (never allows).
pub const MAX_MATCH_WORK: usize = 64 << 20;
/// Most context values in an evaluation request (all keys, list values counted one by one).
pub const MAX_REQUEST_CONTEXT_VALUES: usize = 1024;

fn limit_error(range: TextRange, message: String) -> JsonError {
    JsonError {
        range,
        message,
        repair: None,
        limit: true,
    }
}

/// Checks size, nesting depth and string lengths of `text` in one pass over its bytes.
pub fn check_text(text: &str) -> Result<(), JsonError> {
    if text.len() > MAX_POLICY_LEN {
        return Err(limit_error(
            TextRange::from_usize(MAX_POLICY_LEN, text.len()),
            format!(
                "The policy is {} bytes, more than the {MAX_POLICY_LEN} byte limit.",
                text.len()
            ),
        ));
    }
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let start = i;
                i += 1;
                // A raw line break cannot be inside a JSON string: stop there (the parser
                // reports the unterminated string) instead of measuring to the end of the text.
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                let end = (i + 1).min(b.len());
                if end - start > MAX_POLICY_STRING_LEN + 2 {
                    return Err(limit_error(
                        TextRange::from_usize(start, end),
                        format!(
                            "A string of {} bytes: more than the {MAX_POLICY_STRING_LEN} byte limit.",
                            end - start - 2
                        ),
                    ));
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_POLICY_DEPTH {
                    return Err(limit_error(
                        TextRange::from_usize(i, i + 1),
                        format!("Nested more than {MAX_POLICY_DEPTH} levels deep."),
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}
