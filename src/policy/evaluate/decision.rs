//! The answer: allow or which kind of deny, the statements that decided it, and the context
//! keys it depended on that the request did not give. Serialized for JavaScript as the
//! `Decision` interface of the package's TypeScript contract.

use serde::Serialize;

use super::super::model::Effect;
use super::super::span::Span;

/// `Allow`, `ExplicitDeny` or `ImplicitDeny` (spec: "The difference between explicit and
/// implicit denies").
#[cfg_attr(feature = "ts-types", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DecisionKind {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

impl DecisionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Allow => "Allow",
            DecisionKind::ExplicitDeny => "ExplicitDeny",
            DecisionKind::ImplicitDeny => "ImplicitDeny",
        }
    }
}

/// `Allow` / `Deny`, as written in policies.
#[cfg_attr(feature = "ts-types", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts-types", ts(rename = "Effect"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EffectName {
    Allow,
    Deny,
}

impl From<Effect> for EffectName {
    fn from(e: Effect) -> Self {
        match e {
            Effect::Allow => EffectName::Allow,
            Effect::Deny => EffectName::Deny,
        }
    }
}

/// A statement that took part in the decision.
#[cfg_attr(feature = "ts-types", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecidingStatement {
    /// `identity[0]`, `resource`, `kmsKeyPolicy`, `boundary`, `scps[1]`, `rcps[0]`, `session`.
    pub policy: String,
    /// Index of the statement in its policy's `Statement` array (0 for a single object).
    pub index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts-types", ts(optional))]
    pub sid: Option<String>,
    pub effect: EffectName,
    /// Source span of the statement object.
    pub span: Span,
}

/// Which check an implicit deny came from (`None` for allow and explicit deny).
#[cfg_attr(feature = "ts-types", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DenyGate {
    /// The request's context has two keys that differ only in case: one case-insensitive
    /// condition key with two values, whose meaning AWS does not document. No policy is read.
    AmbiguousContext,
    /// A resource control policy level has no applicable Allow.
    Rcp,
    /// A service control policy level has no applicable Allow.
    Scp,
    /// The KMS key policy (or a role trust policy) does not allow the caller.
    ResourcePolicyRequired,
    /// Cross-account: the resource's policy does not allow the caller.
    ResourcePolicy,
    /// No identity-based policy (nor same-account resource policy) allows the request.
    Identity,
    /// The permissions boundary does not allow it.
    Boundary,
    /// The session policy does not allow it (or a federated-user session has none).
    Session,
}

impl DenyGate {
    /// Every gate, in evaluation order.
    pub const ALL: [DenyGate; 8] = [
        DenyGate::AmbiguousContext,
        DenyGate::Rcp,
        DenyGate::Scp,
        DenyGate::ResourcePolicyRequired,
        DenyGate::ResourcePolicy,
        DenyGate::Identity,
        DenyGate::Boundary,
        DenyGate::Session,
    ];

    /// The name as serialized (`resourcePolicyRequired`).
    pub fn as_str(self) -> &'static str {
        match self {
            DenyGate::AmbiguousContext => "ambiguousContext",
            DenyGate::Rcp => "rcp",
            DenyGate::Scp => "scp",
            DenyGate::ResourcePolicyRequired => "resourcePolicyRequired",
            DenyGate::ResourcePolicy => "resourcePolicy",
            DenyGate::Identity => "identity",
            DenyGate::Boundary => "boundary",
            DenyGate::Session => "session",
        }
    }
}

/// The result of evaluating one request.
#[cfg_attr(feature = "ts-types", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub decision: DecisionKind,
    /// Explicit deny: every applicable Deny. Allow: the Allow statements that granted it at
    /// each check passed. Implicit deny: empty.
    pub statements: Vec<DecidingStatement>,
    /// Keys the request did not give that applicable statements consulted (their outcome
    /// could change the decision), as spelled in the policies, first occurrence first.
    pub missing_context_keys: Vec<String>,
    /// For an allow: the KMS grants it rests on (with or instead of statements). Absent
    /// otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(
        feature = "ts-types",
        ts(as = "Option<Vec<crate::policy::grants::DecidingGrant>>", optional)
    )]
    pub grants: Vec<crate::policy::grants::DecidingGrant>,
    /// For an implicit deny, the check that found no Allow.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts-types", ts(optional))]
    pub denied_by: Option<DenyGate>,
    /// A short explanation in plain words.
    pub reason: String,
    /// What the evaluator assumed or ignored to decide: the default key policy it stood in
    /// for `kmsKeyPolicy: "default"`, context keys AWS never sends with the action.
    pub notes: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_serialized_ones() {
        for g in DenyGate::ALL {
            assert_eq!(serde_json::to_value(g).unwrap(), g.as_str());
        }
        for k in [
            DecisionKind::Allow,
            DecisionKind::ExplicitDeny,
            DecisionKind::ImplicitDeny,
        ] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }
}
