//! The evaluator decides only on policies it reads completely. A policy that parses but has a
//! validator finding that changes what the policy means (an element IAM does not know, so a
//! misspelt `Condition` or `Resource` would be ignored; an `Effect` or operator IAM does not
//! know, so a `Deny` would never apply; a value of the wrong JSON type; an empty `Action` or
//! `Resource` list) is refused with `INVALID_POLICY` naming the policy, the finding and where
//! it is. IAM refuses to attach such policies, so there is no AWS answer to copy.
//!
//! The findings are the validator's own (the same checks `validatePolicy` runs), so the two
//! never disagree about which text is broken. Malformed actions, resource ARNs and condition
//! keys refuse too (`kms Decrypt`, a five-field ARN, `ARN:`, `aws:PrincipalTag` without its tag
//! key, `awsusername`, `aws:usrname`): they match nothing, so a `Deny` naming them would never
//! apply, and an `Allow` whose condition holds when its key is absent would always apply.
//! Findings that need the service catalog (unknown actions, service condition keys, ARN
//! resource types) do not refuse: an unknown action matches nothing, as in IAM, and the
//! catalog trails AWS.

use super::super::checks::{
    self, actions, conditions, empty, resources, syntax, variables, version, Check, Ctx,
};
use super::super::model::Policy;
use super::super::validate::PolicyType;
use super::compiled::PolicyRole;
use crate::{err, Result};

/// Findings that make a policy unreadable for evaluation.
const REFUSED: &[&Check] = &[
    &syntax::DUPLICATE_KEY,
    &syntax::INVALID_POLICY_ELEMENT,
    &syntax::DATA_TYPE_MISMATCH,
    &syntax::UNSUPPORTED_ELEMENT_COMBINATION,
    &syntax::INVALID_EFFECT,
    &syntax::MISSING_EFFECT,
    &syntax::MISSING_ACTION,
    &syntax::MISSING_RESOURCE,
    &syntax::MISSING_PRINCIPAL,
    &syntax::UNSUPPORTED_PRINCIPAL,
    &syntax::INVALID_PRINCIPAL_KEY,
    &syntax::INVALID_PRINCIPAL_FORMAT,
    &syntax::INVALID_CONDITION_OPERATOR,
    &syntax::NULL_WITH_IF_EXISTS,
    &syntax::RESOURCE_IN_TRUST_POLICY,
    &version::INVALID_VERSION,
    &conditions::DUPLICATE_KEYS_WITH_DIFFERENT_CASE,
    // A key no request carries (not `prefix:name`; an `aws:` key that is not a global key) is
    // absent from every request. Refused in Allow and Deny alike: a Deny under `StringEquals`
    // would never apply, an Allow under `StringNotEquals`, `...IfExists`, `Null: true` or
    // `ForAllValues` would always apply.
    &conditions::INVALID_CONDITION_KEY_FORMAT,
    &conditions::INVALID_GLOBAL_CONDITION_KEY,
    &conditions::MISSING_TAG_KEY_IN_CONDITION,
    &conditions::INVALID_CONDITION_MULTIPLE_BOOLEAN,
    &actions::INVALID_ACTION_FORMAT,
    &resources::INVALID_ARN_PREFIX,
    &resources::MISSING_ARN_FIELD,
    &resources::INVALID_ARN_SERVICE_CASE,
    &variables::INVALID_VARIABLE_FOR_OPERATOR,
    &variables::MISSING_BRACE_IN_VARIABLE,
    &variables::UNSUPPORTED_SYMBOL_IN_VARIABLE,
    &variables::MISSING_QUOTE_IN_VARIABLE,
    &variables::UNSUPPORTED_SPACE_IN_VARIABLE,
    &variables::EMPTY_VARIABLE,
    // Suggestions in Access Analyzer, but IAM refuses the policy ("Policy statement must
    // contain actions/resources"), and an empty `NotAction`/`NotResource` would match
    // everything.
    &empty::EMPTY_ARRAY_ACTION,
    &empty::EMPTY_ARRAY_RESOURCE,
];

/// Refuses `policy` (compiled as `label` for `role`) when it has a [`REFUSED`] finding.
pub fn check(policy: &Policy, label: &str, role: PolicyRole) -> Result<()> {
    let ctx = Ctx::new(policy, policy_type(policy, role), None);
    checks::run_only(&ctx, REFUSED);
    let mut refused: Vec<_> = ctx
        .into_findings()
        .into_iter()
        .filter(|f| REFUSED.iter().any(|c| c.code == f.code))
        .collect();
    // A missing element is often the consequence of a misspelt one (`Resources`): name the
    // cause first.
    refused.sort_by_key(|f| (f.code.starts_with("MISSING_"), f.span.start.offset, f.code));
    let Some(first) = refused.first() else {
        return Ok(());
    };
    let more = match refused.len() - 1 {
        0 => String::new(),
        1 => " (1 more such finding: validatePolicy lists it)".into(),
        n => format!(" ({n} more such findings: validatePolicy lists them)"),
    };
    Err(err!(
        InvalidPolicy,
        "{label}: {} at {} (line {}, column {}): {} The evaluator decides only on policies it reads completely{more}.",
        first.code,
        if first.path.is_empty() { "the policy" } else { &first.path },
        first.span.start.line,
        first.span.start.column,
        first.message,
    ))
}

/// The validator's policy type for a policy in `role`. A resource-based policy whose
/// statements all lack `Resource` and name only `sts:` actions is a role trust policy.
fn policy_type(policy: &Policy, role: PolicyRole) -> PolicyType {
    match role {
        PolicyRole::Identity | PolicyRole::Boundary | PolicyRole::Session => PolicyType::Identity,
        PolicyRole::KmsKeyPolicy => PolicyType::KmsKey,
        PolicyRole::Scp => PolicyType::Scp,
        PolicyRole::Rcp => PolicyType::Rcp,
        PolicyRole::Resource if is_trust_policy(policy) => PolicyType::Trust,
        PolicyRole::Resource => PolicyType::Resource,
    }
}

fn is_trust_policy(policy: &Policy) -> bool {
    !policy.statements.is_empty()
        && policy.statements.iter().all(|st| {
            st.resource.is_none()
                && st.action.as_ref().is_some_and(|a| {
                    !a.negated
                        && a.items.iter().all(|i| {
                            checks::split_action(&i.value)
                                .is_some_and(|(svc, _)| svc.eq_ignore_ascii_case("sts"))
                        })
                })
        })
}
