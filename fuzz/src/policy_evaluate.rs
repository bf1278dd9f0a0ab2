//! Policy evaluator with an arbitrary request and policies.
//!
//! Input: parts separated by NUL bytes: request JSON, identity policy, resource (or KMS key)
//! policy, boundary, SCP, session policy. Seeds: the evaluation corpus in tests/policy/evaluate.
//!
//! Invariants: never panics; evaluation is deterministic; an Allow names the statements that
//! granted it and an explicit deny names its Deny statements; adding an identity policy that
//! denies everything turns any decision into an explicit deny (deny always wins), except for a
//! request whose context keys differ only in case, denied before any policy is read.

use callseal::policy::evaluate::request::{Principal, PrincipalKind};
use callseal::policy::evaluate::{DecisionKind, DenyGate, Level, PolicySet, PolicyTexts, Request};

const DENY_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}"#;

/// One fuzz input: panics (assertion failures) are findings.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.split('\0');
    let Some(req) = parts.next() else { return };
    let Ok(request) = serde_json::from_str::<Request>(req) else {
        return;
    };
    let mut texts = PolicyTexts::default();
    let kms = request.action.to_ascii_lowercase().starts_with("kms:");
    let mut i = 0;
    for p in parts.take(5) {
        i += 1;
        if p.is_empty() {
            continue;
        }
        match i {
            1 => texts.identity.push(p.to_string()),
            2 if kms => texts.kms_key_policy = Some(p.to_string()),
            2 => texts.resource = Some(p.to_string()),
            3 => texts.boundary = Some(p.to_string()),
            4 => texts.scps.push(Level::One(p.to_string())),
            _ => texts.session = Some(p.to_string()),
        }
    }
    let Ok(set) = PolicySet::compile(&texts) else {
        return;
    };
    let d = set.evaluate(&request);
    let d2 = set.evaluate(&request);
    assert_eq!(d.decision, d2.decision);
    assert_eq!(d.statements.len(), d2.statements.len());
    assert_eq!(d.missing_context_keys, d2.missing_context_keys);
    // An explicit deny names its Deny statements; an Allow names the statements that granted
    // it, except for the account root user in its own account, who needs no policy ("all
    // requests are implicitly denied with the exception of the AWS account root user").
    let root = Principal::parse(&request.principal).kind == PrincipalKind::Root;

    match d.decision {
        DecisionKind::ExplicitDeny => assert!(!d.statements.is_empty(), "deny without statements"),
        DecisionKind::Allow => assert!(
            root || !d.statements.is_empty(),
            "Allow of a non-root caller without deciding statements"
        ),
        DecisionKind::ImplicitDeny => {}
    }
    // Identity-based policies apply to IAM principals of an account (not to anonymous callers
    // or service principals): for those, a deny-all identity policy always wins.
    let kind = Principal::parse(&request.principal).kind;
    if !kind.is_iam() {
        return;
    }
    texts.identity.push(DENY_ALL.to_string());
    let set = PolicySet::compile(&texts).expect("adding a valid policy keeps the set valid");
    let d3 = set.evaluate(&request);
    assert!(
        d3.decision == DecisionKind::ExplicitDeny
            || d3.denied_by == Some(DenyGate::AmbiguousContext),
        "deny-all identity policy did not deny"
    );
}
