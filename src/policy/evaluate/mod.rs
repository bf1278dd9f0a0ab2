//! Policy evaluation: given a request (principal, action, resource, context) and the policies
//! that apply to it, decide `Allow`, `ExplicitDeny` or `ImplicitDeny` as AWS does, say which
//! statements decided it and which context keys the answer depended on that the request did
//! not give.
//!
//! spec: IAM User Guide, "Policy evaluation logic", "Cross-account policy evaluation logic",
//! "IAM JSON policy elements: Condition operators", "Set operators for multivalued context
//! keys", "IAM policy elements: Variables and tags", "NotPrincipal"; KMS Developer Guide,
//! "Key policies in AWS KMS".
//!
//! Layers (each testable alone):
//! - pure matching on plain values: [`crate::policy::iam`] (globs, ARNs, condition operators,
//!   numbers, dates, CIDRs, shared with the validator), [`variables`] (`${...}`);
//! - [`request`]: the request, prepared once (principal parsed, derived keys added, keys that
//!   differ only in case noted);
//! - `compiled`: policies compiled once from the [`model`](super::model) (patterns encoded,
//!   condition values parsed, spans resolved);
//! - `readable`: a policy with a finding that changes its meaning is refused
//!   (`INVALID_POLICY`), never decided;
//! - `matcher`: does a statement apply; `engine`: the decision procedure.
//!
//! ```
//! use callseal::policy::evaluate::{evaluate, PolicyTexts, Request, DecisionKind};
//! let policies = PolicyTexts {
//!     identity: vec![r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}}"#.into()],
//!     kms_key_policy: Some("default".into()),
//!     ..Default::default()
//! };
//! let request: Request = serde_json::from_str(r#"{"principal":"arn:aws:iam::111122223333:user/alice",
//!     "action":"kms:Decrypt","resource":"arn:aws:kms:us-east-1:111122223333:key/k"}"#).unwrap();
//! assert_eq!(evaluate(&request, &policies).unwrap().decision, DecisionKind::Allow);
//! ```

mod compiled;
mod decision;
mod engine;
mod matcher;
mod readable;
pub mod request;
pub mod variables;

pub use decision::{DecidingStatement, Decision, DecisionKind, DenyGate, EffectName};
pub use engine::{Level, PolicySet, PolicyTexts};
pub use matcher::PrincipalMatch;
pub use request::{ContextValue, Prepared, Request, Scalar};

/// Evaluates one request against policy texts (parses and compiles them first; to evaluate
/// many requests against the same policies, compile once with [`PolicySet::compile`]).
pub fn evaluate(request: &Request, policies: &PolicyTexts) -> crate::Result<Decision> {
    request.check_limits()?;
    Ok(PolicySet::compile(policies)?.evaluate(request))
}
