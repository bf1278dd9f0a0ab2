//! `validate(text, PolicyType) -> Vec<Finding>`: parse, build the model, run every check.

use serde::{Deserialize, Serialize};

use super::catalog::Catalog;
use super::checks::{self, links, Check, Ctx};
use super::finding::{Finding, Severity};
use super::model::Policy;
use super::span::{Position, Span};

/// What the policy is attached to; decides which checks apply.
#[cfg_attr(feature = "ts-types", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyType {
    /// Attached to a user, group or role (no `Principal`).
    Identity,
    /// A resource-based policy (S3 bucket, SQS queue, ...): `Principal` required.
    Resource,
    /// A KMS key policy: a resource policy plus the key-policy checks.
    KmsKey,
    /// A role trust policy (`sts:AssumeRole*`).
    Trust,
    /// A service control policy (AWS Organizations).
    Scp,
    /// A resource control policy (AWS Organizations).
    Rcp,
}

impl PolicyType {
    pub fn parse(s: &str) -> Option<PolicyType> {
        Some(match s.to_ascii_lowercase().as_str() {
            "identity" | "identity-based" | "identity_policy" => PolicyType::Identity,
            "resource" | "resource-based" | "resource_policy" => PolicyType::Resource,
            "kms-key" | "kms" | "key" | "key-policy" | "kms_key" => PolicyType::KmsKey,
            "trust" | "trust-policy" => PolicyType::Trust,
            "scp" | "service-control-policy" => PolicyType::Scp,
            "rcp" | "resource-control-policy" => PolicyType::Rcp,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyType::Identity => "identity",
            PolicyType::Resource => "resource",
            PolicyType::KmsKey => "kms-key",
            PolicyType::Trust => "trust",
            PolicyType::Scp => "scp",
            PolicyType::Rcp => "rcp",
        }
    }
    /// Policies whose statements name a principal (resource, key, trust policies and RCPs).
    pub fn has_principal(self) -> bool {
        matches!(
            self,
            PolicyType::Resource | PolicyType::KmsKey | PolicyType::Trust | PolicyType::Rcp
        )
    }
}

/// Which identity policy an `identity` policy is, for its size quota (IAM User Guide, "IAM
/// and AWS STS quotas"; non-whitespace characters, for inline policies the sum of all the
/// identity's inline policies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityPolicy {
    /// A customer managed policy: 6,144 characters.
    Managed,
    /// A role's inline policies: 10,240 characters.
    Role,
    /// A group's inline policies: 5,120 characters.
    Group,
    /// A user's inline policies: 2,048 characters.
    User,
}

impl IdentityPolicy {
    /// Access Analyzer's measure when the kind is not given: 10,240 characters.
    pub const DEFAULT_QUOTA: usize = 10_240;

    pub fn parse(s: &str) -> Option<IdentityPolicy> {
        Some(match s {
            "managed" => IdentityPolicy::Managed,
            "role" => IdentityPolicy::Role,
            "group" => IdentityPolicy::Group,
            "user" => IdentityPolicy::User,
            _ => return None,
        })
    }
    /// Its quota in non-whitespace characters.
    pub fn quota(self) -> usize {
        match self {
            IdentityPolicy::Managed => 6_144,
            IdentityPolicy::Role => 10_240,
            IdentityPolicy::Group => 5_120,
            IdentityPolicy::User => 2_048,
        }
    }
    pub fn describe(self) -> &'static str {
        match self {
            IdentityPolicy::Managed => "a managed policy",
            IdentityPolicy::Role => "a role's inline policies together",
            IdentityPolicy::Group => "a group's inline policies together",
            IdentityPolicy::User => "a user's inline policies together",
        }
    }
}

/// Options beyond the policy type.
#[derive(Debug, Clone, Copy)]
pub struct ValidateOptions<'a> {
    pub policy_type: PolicyType,
    /// Service data for the checks that need it (unknown actions, condition keys, ARN formats).
    /// Without it those checks are skipped; every other check runs.
    pub catalog: Option<&'a Catalog>,
    /// For `identity` policies: which kind, for the size quota (`None`: Access Analyzer's
    /// 10,240 characters).
    pub identity_policy: Option<IdentityPolicy>,
}

/// Validates `text` as a policy of `policy_type` without service data.
pub fn validate(text: &str, policy_type: PolicyType) -> Vec<Finding> {
    validate_with(
        text,
        ValidateOptions {
            policy_type,
            catalog: None,
            identity_policy: None,
        },
    )
}

/// Validates `text`; findings are sorted by position, then code. Never panics.
pub fn validate_with(text: &str, opts: ValidateOptions<'_>) -> Vec<Finding> {
    let mut findings = match Policy::parse(text) {
        Err(e) => checks::syntax::json_error(text, &e),
        Ok(policy) => {
            let mut ctx = Ctx::new(&policy, opts.policy_type, opts.catalog);
            ctx.identity_policy = opts.identity_policy;
            checks::run_all(&ctx);
            ctx.into_findings()
        }
    };
    findings.sort_by(|a, b| {
        (a.span.start.offset, a.span.end.offset, a.code).cmp(&(
            b.span.start.offset,
            b.span.end.offset,
            b.code,
        ))
    });
    findings.dedup_by(|a, b| a.code == b.code && a.span == b.span && a.message == b.message);
    findings
}

/// Reported where validation ran without the service data (the wasm `validatePolicy` before
/// `loadServiceData()` resolved in a browser), so a clean result never hides the checks that
/// did not run.
pub const SERVICE_DATA_NOT_LOADED: Check = Check {
    code: "SERVICE_DATA_NOT_LOADED",
    severity: Severity::Warning,
    doc: "The service data was not loaded: unknown actions, condition keys and resource ARNs were not checked.",
    learn_more: links::SERVICE_REFERENCE,
};

/// The [`SERVICE_DATA_NOT_LOADED`] finding, at the start of the policy.
pub fn service_data_not_loaded() -> Finding {
    let start = Position {
        line: 1,
        column: 1,
        offset: 0,
        utf16_offset: 0,
    };
    Finding {
        code: SERVICE_DATA_NOT_LOADED.code,
        severity: SERVICE_DATA_NOT_LOADED.severity,
        message: "The service data is not loaded, so actions, condition keys and resource ARNs were not checked against the service catalog: call loadServiceData() and validate again.".into(),
        path: String::new(),
        span: Span { start, end: start },
        learn_more: SERVICE_DATA_NOT_LOADED.learn_more,
        fix: None,
    }
}
