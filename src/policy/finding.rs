//! Findings: what the validator reports (serialized for JavaScript with camelCase fields).

use serde::Serialize;

use super::checks::Check;
use super::span::Span;

/// How serious a finding is (IAM Access Analyzer's finding types).
#[cfg_attr(feature = "ts-types", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    /// The policy is invalid or does not do what it says (IAM would refuse it or ignore parts).
    Error,
    /// The policy grants access that is broader than it probably should be.
    SecurityWarning,
    /// Valid, but probably not what was meant.
    Warning,
    /// Simplification or good practice.
    Suggestion,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "ERROR",
            Severity::SecurityWarning => "SECURITY_WARNING",
            Severity::Warning => "WARNING",
            Severity::Suggestion => "SUGGESTION",
        }
    }
}

/// A suggested repair: replace the text of `span` with `replacement`.
#[cfg_attr(feature = "ts-types", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Fix {
    /// What the fix does, in plain words.
    pub description: String,
    pub span: Span,
    pub replacement: String,
}

/// One validation finding.
#[cfg_attr(feature = "ts-types", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Issue code (IAM Access Analyzer's where it has the check), e.g. `MISSING_VERSION`: the
    /// code of one of [`finding_checks`].
    #[cfg_attr(feature = "ts-types", ts(type = "FindingCode"))]
    pub code: &'static str,
    pub severity: Severity,
    /// What is wrong, in plain words.
    pub message: String,
    /// Path of the element, e.g. `Statement[1].Condition.StringEquals`; empty for the policy.
    pub path: String,
    pub span: Span,
    /// Documentation link, where one exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts-types", ts(optional))]
    pub learn_more: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts-types", ts(optional))]
    pub fix: Option<Fix>,
}

/// Every check a [`Finding`] comes from, so every code one carries: the policy checks
/// ([`super::checks::all_checks`], whose syntax family holds `JSON_SYNTAX_ERROR` and
/// `POLICY_LIMIT_EXCEEDED`, reported before any check runs), [`super::SERVICE_DATA_NOT_LOADED`]
/// and the grant checks. The package declares their codes as `FindingCode`.
pub fn finding_checks() -> Vec<&'static Check> {
    let mut all = super::checks::all_checks();
    all.push(&super::SERVICE_DATA_NOT_LOADED);
    all.extend(super::grants::checks::CHECKS);
    all
}
