//! ARNs: parsing, the parts' shapes (partition, region, account) and per-segment wildcard
//! matching.
//!
//! spec: IAM User Guide, "IAM identifiers" (ARN format
//! `arn:partition:service:region:account-id:resource`, the resource part may itself hold
//! colons and slashes), "IAM JSON policy elements: Resource" (wildcards within segments,
//! case-sensitive) and "Condition operators" (`ArnLike`: "each of the six colon-delimited
//! components of the ARN is checked separately").

use super::glob::{glob_match, STAR};

/// A parsed ARN: borrowed slices of the six components.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    /// Everything after the fifth colon (`user/path/name`, `key/1234`, `bucket/key:with:colons`).
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Parses `text` as an ARN; `None` when it does not start with `arn:` or has fewer than
    /// six components.
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut it = text.splitn(6, ':');
        if it.next()? != "arn" {
            return None;
        }
        Some(Arn {
            partition: it.next()?,
            service: it.next()?,
            region: it.next()?,
            account: it.next()?,
            resource: it.next()?,
        })
    }

    /// The components after `arn`, in order.
    pub fn segments(&self) -> [&'a str; 5] {
        [
            self.partition,
            self.service,
            self.region,
            self.account,
            self.resource,
        ]
    }
}

/// Known partitions.
pub const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// 12 ASCII digits.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Region code shape: `us-east-1`, `us-gov-west-1`, `cn-north-1`, `eu-isoe-west-1`.
pub fn is_region_like(s: &str) -> bool {
    let mut parts = 0usize;
    let mut last_all_digits = false;
    for (i, p) in s.split('-').enumerate() {
        let ok = !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if !ok || (i == 0 && p.len() != 2) {
            return false;
        }
        last_all_digits = p.bytes().all(|b| b.is_ascii_digit());
        parts += 1;
    }
    parts >= 3 && last_all_digits
}

/// Splits an encoded pattern (see [`super::glob`]) into its six colon-separated components.
/// `None` when the pattern has fewer than six.
fn split_pattern(pattern: &[u8]) -> Option<[&[u8]; 6]> {
    let mut out: [&[u8]; 6] = [&[]; 6];
    let mut rest = pattern;
    for slot in out.iter_mut().take(5) {
        let i = rest.iter().position(|&b| b == b':')?;
        *slot = &rest[..i];
        rest = &rest[i + 1..];
    }
    out[5] = rest;
    Some(out)
}

/// Matches an encoded `ArnLike` / `ArnEquals` condition value against a context value:
/// "each of the six colon-delimited components of the ARN is checked separately"
/// (case-sensitive), so a `*` never takes a colon before the resource part.
///
/// A pattern that is only wildcards (`*`) matches anything, ARN or not. When the text is not
/// an ARN, the pattern is compared as a whole string. A pattern of fewer than six components
/// matches no ARN.
pub fn arn_like(pattern: &[u8], text: &str) -> bool {
    if pattern.iter().all(|&b| b == STAR) && !pattern.is_empty() {
        return true;
    }
    let Some(t) = Arn::parse(text) else {
        return glob_match(pattern, text.as_bytes(), false);
    };
    let Some(p) = split_pattern(pattern) else {
        return false;
    };
    if !glob_match(p[0], b"arn", false) {
        return false;
    }
    p[1..]
        .iter()
        .zip(t.segments())
        .all(|(ps, ts)| glob_match(ps, ts.as_bytes(), false))
}

/// Matches an encoded `Resource` / `NotResource` pattern against a resource string,
/// case-sensitively, in the reading that grants least: only a `*` ending the account segment
/// takes colons (into the resource part). See [`arn_match_widest`] for the other reading.
///
/// spec: IAM User Guide, "IAM JSON policy elements: Resource": wildcards work within each
/// colon-separated segment; "if the `*` wildcard is the last character of a resource ARN
/// segment, it can expand to match beyond the colon boundaries"; "you can't use a wildcard in
/// the service segment". The guide does not say which segments: AWS Glue's
/// `arn:aws:logs:*:*:/aws-glue/*` (in AWS managed policies) is reported to work in a live
/// account (awsdocs/aws-glue-developer-guide pull request 71), which needs the account's `*`
/// to reach into the resource part (`...:111122223333:log-group:/aws-glue/x`); nothing shows
/// a region's `*` reaching past the account, which would let `arn:aws:*:*:111122223333:*`
/// name `arn:aws:s3:::evilbucket/x:111122223333:y`. The resource part (after the fifth colon)
/// is one segment whose wildcards take colons too.
///
/// A pattern that is only wildcards matches anything, ARN or not; when the text is not an ARN
/// the pattern is compared as a whole string.
pub fn arn_match(pattern: &[u8], text: &str) -> bool {
    arn_match_crossing(pattern, text, |component| component == ACCOUNT)
}

/// [`arn_match`] in the widest reading of the guide's sentence: a `*` ending any segment
/// before the resource part takes colons. For the statements a wider match can only make
/// stricter (a Deny's `Resource`, an Allow's `NotResource`).
pub fn arn_match_widest(pattern: &[u8], text: &str) -> bool {
    arn_match_crossing(pattern, text, |_| true)
}

/// The account's position among the colon-ended components (`arn`, partition, service,
/// region, account).
const ACCOUNT: usize = 4;

/// Matches with `crosses(i)` saying whether a `*` ending component `i` (0 = `arn`, ...,
/// 4 = account) may take colons.
///
/// Cost: each pattern segment is compared with each text segment at most once (the text
/// segments a crossing `*` may end before are tried in order, each once), and the resource
/// part with one glob, so time is linear in the text for a fixed pattern.
fn arn_match_crossing(pattern: &[u8], text: &str, crosses: fn(usize) -> bool) -> bool {
    if pattern.iter().all(|&b| b == STAR) && !pattern.is_empty() {
        return true;
    }
    if Arn::parse(text).is_none() {
        return glob_match(pattern, text.as_bytes(), false);
    }
    let t = text.as_bytes();
    // The pattern's segments: at most five colon-ended ones, then the resource part.
    let mut segments: Vec<&[u8]> = Vec::with_capacity(6);
    let mut rest = pattern;
    while segments.len() < 5 {
        match rest.iter().position(|&b| b == b':') {
            Some(i) => {
                segments.push(&rest[..i]);
                rest = &rest[i + 1..];
            }
            None => break,
        }
    }
    segments.push(rest);
    // Where in the text the next pattern segment may start: these positions, and (`from`)
    // right after every colon at or after `from`.
    let mut starts: Vec<usize> = vec![0];
    let mut from: Option<usize> = None;
    let (last, fields) = segments.split_last().unwrap_or((&rest, &[]));
    for (i, seg) in fields.iter().enumerate() {
        let crossing = seg.last() == Some(&STAR) && crosses(i);
        let mut next: Vec<usize> = Vec::new();
        let mut next_from: Option<usize> = None;
        let after_colons = from
            .into_iter()
            .flat_map(|f| memchr::memchr_iter(b':', &t[f..]).map(move |c| f + c + 1));
        let mut candidates: Vec<usize> = starts.iter().copied().chain(after_colons).collect();
        candidates.sort_unstable();
        candidates.dedup();
        for s in candidates {
            // The text segment at `s` ends at the next colon; without one, no pattern colon
            // can follow.
            let Some(len) = memchr::memchr(b':', &t[s..]) else {
                continue;
            };
            if !glob_match(seg, &t[s..s + len], false) {
                continue;
            }
            if crossing {
                // The `*` may also take this colon and any run after it.
                next_from = Some(next_from.map_or(s + len, |f: usize| f.min(s + len)));
                break;
            }
            next.push(s + len + 1);
        }
        starts = next;
        from = next_from;
        if starts.is_empty() && from.is_none() {
            return false;
        }
    }
    if fields.len() < 5 {
        // A pattern of fewer than six components ends in an ordinary segment: it takes one
        // text segment, or the rest of the text when it ends with a `*`.
        let tail_matches = |s: usize| {
            let end = memchr::memchr(b':', &t[s..]).map_or(t.len(), |i| s + i);
            (end == t.len() || (last.last() == Some(&STAR) && crosses(fields.len())))
                && glob_match(last, &t[s..end], false)
        };
        let after_colons = from
            .into_iter()
            .flat_map(|f| memchr::memchr_iter(b':', &t[f..]).map(move |c| f + c + 1));
        return starts.iter().copied().chain(after_colons).any(tail_matches);
    }
    if starts.iter().any(|&s| glob_match(last, &t[s..], false)) {
        return true;
    }
    // Some colon at or after `from`, then the resource part: `*:` + last, from `from`.
    from.is_some_and(|f| {
        let mut tail = Vec::with_capacity(last.len() + 2);
        tail.extend_from_slice(&[STAR, b':']);
        tail.extend_from_slice(last);
        glob_match(&tail, &t[f..], false)
    })
}

#[cfg(test)]
mod tests {
    use super::super::all_strings;
    use super::super::glob::encode_pattern;
    use super::*;

    fn m(p: &str, t: &str) -> bool {
        arn_match(&encode_pattern(p), t)
    }

    #[test]
    fn parses_six_parts_with_colons_in_resource() {
        let a = Arn::parse("arn:aws:s3:::bucket/a:b:c").unwrap();
        assert_eq!(a.service, "s3");
        assert_eq!(a.account, "");
        assert_eq!(a.resource, "bucket/a:b:c");
        assert!(Arn::parse("arn:aws:s3::").is_none());
        assert!(Arn::parse("urn:aws:s3:::b").is_none());
    }

    #[test]
    fn per_segment_wildcards() {
        assert!(m("*", "arn:aws:kms:us-east-1:111122223333:key/abc"));
        assert!(m(
            "arn:aws:kms:*:111122223333:key/*",
            "arn:aws:kms:us-east-1:111122223333:key/abc"
        ));
        assert!(!m(
            "arn:aws:kms:*:111122223333:key/*",
            "arn:aws:kms:us-east-1:444455556666:key/abc"
        ));
        assert!(m("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a:b"));
        assert!(m(
            "arn:aws:iam::*:role/Admin?",
            "arn:aws:iam::111122223333:role/Admin1"
        ));
        // A `*` inside a segment stays in it.
        assert!(!m(
            "arn:aws:kms:us-*-1:key/*",
            "arn:aws:kms:us-east-1:111122223333:key/abc"
        ));
        assert!(!m(
            "arn:aws:kms:*-1:111122223333:key/*",
            "arn:aws:kms:us-east-1:x:111122223333:key/abc"
        ));
        assert!(!m(
            "arn:aws:kms:us-east-1:111122223333",
            "arn:aws:kms:us-east-1:111122223333:key/a"
        ));
    }

    #[test]
    fn star_ending_a_segment_crosses_colons() {
        let stream = "arn:aws:logs:us-east-1:111122223333:log-group:/aws-glue/x:log-stream:y";
        let kms = "arn:aws:kms:us-east-1:111122223333:key/abc";
        let evil = "arn:aws:s3:::evilbucket/x:111122223333:y";
        let widest = |p: &str, t: &str| arn_match_widest(&encode_pattern(p), t);
        // The account's `*` reaches into the resource part in both readings.
        for f in [m, widest] {
            assert!(f("arn:aws:logs:*:*:/aws-glue/*", stream));
            assert!(f("arn:aws:logs:us-east-1:*:/aws-glue/x:*", stream));
            assert!(!f("arn:aws:logs:*:*:/aws-lambda/*", stream));
            assert!(!f("arn:aws:*:key/abd", kms));
        }
        // Other segments' `*` only in the widest reading.
        for (p, t) in [
            ("arn:aws:*:*:111122223333:*", evil),
            ("arn:aws:s3:*:111122223333:*", evil),
            ("arn:aws:kms:*:key/*", kms),
            ("arn:aws:*:key/abc", kms),
        ] {
            assert!(!m(p, t), "{p}");
            assert!(widest(p, t), "{p}");
        }
        // A condition compares the six components separately.
        let like = |p: &str, t: &str| arn_like(&encode_pattern(p), t);
        assert!(!like("arn:aws:logs:*:*:/aws-glue/*", stream));
        assert!(like("arn:aws:logs:*:*:log-group:/aws-glue/*", stream));
    }

    /// The rule as a reference: a dynamic programme over the whole text in which a `*` or `?`
    /// before the resource part takes no colon, except a `*` that ends a component for which
    /// `crosses` holds.
    fn reference(p: &str, t: &str, crosses: fn(usize) -> bool) -> bool {
        #[derive(Clone, Copy)]
        enum Tok {
            Lit(u8),
            Star { colons: bool },
            One { colons: bool },
        }
        let pb = p.as_bytes();
        let mut toks = Vec::new();
        let mut colons = 0;
        for (i, &b) in pb.iter().enumerate() {
            let in_resource = colons >= 5;
            toks.push(match b {
                b'*' => Tok::Star {
                    colons: in_resource
                        || (matches!(pb.get(i + 1), None | Some(b':')) && crosses(colons)),
                },
                b'?' => Tok::One {
                    colons: in_resource,
                },
                _ => Tok::Lit(b),
            });
            if b == b':' {
                colons += 1;
            }
        }
        let t = t.as_bytes();
        let mut row = vec![false; t.len() + 1];
        row[0] = true;
        for tok in toks {
            let mut next = vec![false; t.len() + 1];
            for j in 0..=t.len() {
                next[j] = match tok {
                    Tok::Lit(c) => j > 0 && row[j - 1] && t[j - 1] == c,
                    Tok::One { colons } => j > 0 && row[j - 1] && (colons || t[j - 1] != b':'),
                    Tok::Star { colons } => {
                        row[j] || (j > 0 && next[j - 1] && (colons || t[j - 1] != b':'))
                    }
                };
            }
            row = next;
        }
        row[t.len()]
    }

    #[test]
    fn agrees_with_the_reference_on_small_arns() {
        let patterns = all_strings(&['a', ':', '*', '?'], 5);
        let texts: Vec<String> = all_strings(&['a', ':'], 8)
            .into_iter()
            .map(|s| format!("arn:{s}"))
            .filter(|s| Arn::parse(s).is_some())
            .collect();
        for p in patterns.iter().map(|p| format!("arn:{p}")) {
            if p.bytes().all(|b| b == b'*') {
                continue;
            }
            let enc = encode_pattern(&p);
            for t in &texts {
                assert_eq!(
                    arn_match(&enc, t),
                    reference(&p, t, |c| c == ACCOUNT),
                    "{p} {t}"
                );
                assert_eq!(
                    arn_match_widest(&enc, t),
                    reference(&p, t, |_| true),
                    "{p} {t}"
                );
            }
        }
    }

    #[test]
    fn case_sensitive() {
        assert!(!m("arn:aws:s3:::Bucket", "arn:aws:s3:::bucket"));
        assert!(!m("arn:aws:S3:::bucket", "arn:aws:s3:::bucket"));
    }

    #[test]
    fn non_arn_text_compared_whole() {
        assert!(!m("arn:aws:s3:::b", "*"));
        assert!(m("*", "*"));
    }
}
