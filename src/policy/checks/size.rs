//! Size quotas. spec: IAM User Guide, "IAM and AWS STS quotas" (managed policy 6,144
//! characters; inline policies of a role 10,240, group 5,120, user 2,048; role trust policy
//! 2,048 by default; whitespace not counted; Access Analyzer measures identity policies against
//! 10,240 when it is not told which); AWS KMS "Quotas"
//! (key policy 32 KB); AWS Organizations "Quotas" (SCP / RCP 5,120 characters); Amazon S3
//! (bucket policy 20 KB).

use super::{checks, links, Check, Ctx};
use crate::policy::span::TextRange;
use crate::policy::validate::{IdentityPolicy, PolicyType};

checks! {
    POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA = (Warning, "More non-whitespace characters than the identity policy quota: 10,240 unless told the kind (managed 6,144; inline for a role 10,240, a group 5,120, a user 2,048).", links::QUOTAS) => policy_size_exceeds_identity_policy_quota;
    POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA = (Warning, "More than 20,480 characters: too large for an S3 bucket policy (most resource policies have similar limits).", links::QUOTAS) => policy_size_exceeds_resource_policy_quota;
    POLICY_SIZE_EXCEEDS_SCP_QUOTA = (Error, "More than 5,120 characters: too large for a service control policy.", links::ORG_QUOTAS) => policy_size_exceeds_scp_quota;
    POLICY_SIZE_EXCEEDS_RCP_QUOTA = (Error, "More than 5,120 characters: too large for a resource control policy.", links::ORG_QUOTAS) => policy_size_exceeds_rcp_quota;
    POLICY_SIZE_EXCEEDS_KEY_POLICY_QUOTA = (Error, "More than 32,768 bytes: too large for a KMS key policy.", Some("https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html")) => policy_size_exceeds_key_policy_quota;
    POLICY_SIZE_EXCEEDS_TRUST_POLICY_QUOTA = (Warning, "More than 2,048 non-whitespace characters: above the default role trust policy quota (raisable to 8,192).", links::QUOTAS) => policy_size_exceeds_trust_policy_quota;
}

/// Characters that count towards IAM quotas: whitespace outside strings is not counted.
pub fn counted_chars(text: &str) -> usize {
    let mut n = 0;
    let mut in_str = false;
    let mut esc = false;
    // Byte by byte: a character is counted at its first byte (continuation bytes are skipped),
    // and only a non-ASCII character outside a string is decoded (for Unicode whitespace).
    for (i, &c) in text.as_bytes().iter().enumerate() {
        if c & 0xC0 == 0x80 {
            continue;
        }
        if in_str {
            n += 1;
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            }
        } else if c == b'"' {
            in_str = true;
            n += 1;
        } else if c < 0x80 {
            n += usize::from(!matches!(c, b'\t'..=b'\r' | b' '));
        } else if !text[i..].chars().next().is_some_and(char::is_whitespace) {
            n += 1;
        }
    }
    n
}

/// Reports `check` when the policy, of type `policy_type`, is larger than `limit` `unit`
/// (bytes for key policies, else characters counted as IAM counts them).
fn exceeds(ctx: &Ctx<'_>, check: &Check, policy_type: PolicyType, limit: usize, unit: &str) {
    if ctx.policy_type != policy_type {
        return;
    }
    let text = &ctx.policy.source.text;
    let size = match policy_type {
        PolicyType::KmsKey => text.len(),
        _ => counted_chars(text),
    };
    if size <= limit {
        return;
    }
    let quota = match (policy_type, ctx.identity_policy) {
        (PolicyType::Identity, Some(kind)) => format!("the quota for {} is {limit}", kind.describe()),
        (PolicyType::Identity, None) => format!("the quota Access Analyzer measures identity policies against is {limit} (a managed policy may have 6,144)"),
        _ => format!("the quota is {limit}"),
    };
    let range = TextRange::new(0, 1.min(text.len() as u32));
    ctx.report(check, range, "", format!("The policy is {size} {unit}; {quota}. Split it into several policies or remove redundant entries."));
}

/// Characters, as IAM and Organizations count them.
const CHARACTERS: &str = "characters (whitespace not counted)";

fn policy_size_exceeds_identity_policy_quota(ctx: &Ctx<'_>) {
    let quota = ctx
        .identity_policy
        .map_or(IdentityPolicy::DEFAULT_QUOTA, IdentityPolicy::quota);
    exceeds(
        ctx,
        &POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA,
        PolicyType::Identity,
        quota,
        CHARACTERS,
    );
}

fn policy_size_exceeds_resource_policy_quota(ctx: &Ctx<'_>) {
    exceeds(
        ctx,
        &POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA,
        PolicyType::Resource,
        20480,
        "characters",
    );
}

fn policy_size_exceeds_scp_quota(ctx: &Ctx<'_>) {
    exceeds(
        ctx,
        &POLICY_SIZE_EXCEEDS_SCP_QUOTA,
        PolicyType::Scp,
        5120,
        CHARACTERS,
    );
}

fn policy_size_exceeds_rcp_quota(ctx: &Ctx<'_>) {
    exceeds(
        ctx,
        &POLICY_SIZE_EXCEEDS_RCP_QUOTA,
        PolicyType::Rcp,
        5120,
        CHARACTERS,
    );
}

fn policy_size_exceeds_key_policy_quota(ctx: &Ctx<'_>) {
    exceeds(
        ctx,
        &POLICY_SIZE_EXCEEDS_KEY_POLICY_QUOTA,
        PolicyType::KmsKey,
        32768,
        "bytes",
    );
}

fn policy_size_exceeds_trust_policy_quota(ctx: &Ctx<'_>) {
    exceeds(
        ctx,
        &POLICY_SIZE_EXCEEDS_TRUST_POLICY_QUOTA,
        PolicyType::Trust,
        2048,
        CHARACTERS,
    );
}

#[cfg(test)]
mod tests {
    use super::counted_chars;

    /// The count by characters, as the quota's definition reads.
    fn by_chars(text: &str) -> usize {
        let (mut n, mut in_str, mut esc) = (0, false, false);
        for c in text.chars() {
            let counted = in_str || c == '"' || !c.is_whitespace();
            n += usize::from(counted);
            if in_str {
                if esc {
                    esc = false;
                } else if c == '\\' {
                    esc = true;
                } else if c == '"' {
                    in_str = false;
                }
            } else if c == '"' {
                in_str = true;
            }
        }
        n
    }

    #[test]
    fn counts_characters_not_bytes_nor_whitespace_outside_strings() {
        for text in [
            "{ \"Sid\" : \"a b\" }",
            "{\u{a0}\"é ü\"\u{2003}:\u{b}\"\\\" ✓ \"\r\n\t\u{c}}",
            "\u{1f600} \u{3000}\"\u{3000}\u{1f600}\"",
            "\"unterminated \\",
        ] {
            assert_eq!(counted_chars(text), by_chars(text), "{text:?}");
        }
        assert_eq!(counted_chars("{\u{a0}\"é\"}"), 5);
    }
}
