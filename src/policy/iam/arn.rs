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

/// Splits an encoded pattern (see [`super::wildcard`]) into its six colon-separated
/// components. `None` when the pattern has fewer than six.
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

/// Matches an encoded ARN pattern (from a `Resource` element or an `Arn*` condition) against
/// a resource string, segment by segment and case-sensitively.
///
/// A pattern that is only wildcards (`*`) matches anything, ARN or not. When the text is not
/// an ARN (for example `*`, or a service's non-ARN resource), the pattern is compared as a
/// whole string. A pattern of fewer than six components matches no ARN.
pub fn arn_match(pattern: &[u8], text: &str) -> bool {
    if pattern.iter().all(|&b| b == STAR) && !pattern.is_empty() {
        return true;
    }
    let Some(t) = Arn::parse(text) else {
        return glob_match(pattern, text.as_bytes(), false);
    };
    // A pattern with fewer than six components cannot match an ARN segment by segment.
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

#[cfg(test)]
mod tests {
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
        // `*` in the region segment does not swallow the account segment's colon.
        assert!(!m(
            "arn:aws:kms:*:key/*",
            "arn:aws:kms:us-east-1:111122223333:key/abc"
        ));
        assert!(m("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a:b"));
        assert!(m(
            "arn:aws:iam::*:role/Admin?",
            "arn:aws:iam::111122223333:role/Admin1"
        ));
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
