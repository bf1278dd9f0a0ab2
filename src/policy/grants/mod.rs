//! KMS grants: read ([`parse`]), matched against requests in evaluation ([`matching`]), and
//! checked ([`checks`], `validate_grant`).
//!
//! A grant is given as `ListGrants` returns it (`GrantListEntry`) or as CloudTrail records the
//! `CreateGrant` call that made it. In evaluation, grants allow where the policies do not (a
//! grant can allow, never deny: an explicit Deny in any policy still wins), with the same
//! gates as a key policy statement naming the caller the same way; the decision names the
//! grants that allowed it ([`DecidingGrant`]).
//!
//! spec: KMS Developer Guide, "Grants in AWS KMS", "Grant constraints", "Retiring and revoking
//! grants"; KMS API Reference, "CreateGrant", "GrantListEntry", "GrantConstraints".

pub mod checks;
pub mod matching;
pub mod ops;
pub mod parse;

use serde::Serialize;

pub use matching::{Capacity, GrantMatch};
pub use parse::{Field, Grant, GrantError, Shape};

use super::json;

/// Which grant: its place in the policy set and the names it carries.
#[cfg_attr(feature = "ts-types", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantLabel {
    /// `grants[0]`: the grant's place in the policy set's `grants`.
    pub grant: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts-types", ts(optional))]
    pub grant_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts-types", ts(optional))]
    pub name: Option<String>,
}

impl GrantLabel {
    pub fn new(g: &Grant, index: usize) -> GrantLabel {
        GrantLabel {
            grant: format!("grants[{index}]"),
            grant_id: g.grant_id.clone(),
            name: g.name.clone(),
        }
    }
}

/// A grant that took part in a decision.
#[cfg_attr(feature = "ts-types", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecidingGrant {
    #[serde(flatten)]
    pub label: GrantLabel,
    /// Whether the caller was the grant's grantee or its retiring principal.
    #[serde(rename = "as")]
    pub capacity: Capacity,
    /// The grant's place in the policy set's `grants`.
    #[serde(skip)]
    pub index: usize,
}

/// Reads a grant from its JSON text; errors are `MALFORMED_POLICY` (`LIMIT_EXCEEDED` past the
/// text limits) naming `label`, the path in the grant and what is wrong.
pub fn from_text(text: &str, label: &str) -> crate::Result<Grant> {
    let node = json::parse(text).map_err(|e| {
        if e.limit {
            crate::err!(
                LimitExceeded,
                "{label}: at byte {}: {}",
                e.range.start,
                e.message
            )
        } else {
            crate::err!(
                MalformedPolicy,
                "{label}: not valid JSON at byte {}: {}",
                e.range.start,
                e.message
            )
        }
    })?;
    parse::parse(&node).map_err(|e| {
        let at = if e.path.is_empty() {
            String::new()
        } else {
            format!(" {}", e.path)
        };
        crate::err!(MalformedPolicy, "{label}{at}: {}", e.message)
    })
}

/// Reads a grant given as a JSON value (the policy set's `grants` entries).
pub fn from_value(value: &serde_json::Value, label: &str) -> crate::Result<Grant> {
    let text =
        serde_json::to_string(value).map_err(|e| crate::err!(InvalidArgument, "{label}: {e}"))?;
    from_text(&text, label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_shapes_read_alike() {
        let listed = from_text(
            r#"{"KeyId":"arn:aws:kms:us-west-2:111122223333:key/k","GrantId":"g1","GranteePrincipal":"voiceid.amazonaws.com",
                "Operations":["Decrypt"],"Constraints":{"EncryptionContextSubset":{"aws:voiceid:domain:arn":"d"}}}"#,
            "grants[0]",
        )
        .unwrap();
        let logged = from_text(
            r#"{"eventName":"CreateGrant","eventSource":"kms.amazonaws.com","requestParameters":{"keyId":"arn:aws:kms:us-west-2:111122223333:key/k",
                "granteePrincipal":"voiceid.amazonaws.com","operations":["Decrypt"],
                "constraints":{"encryptionContextSubset":{"aws:voiceid:domain:arn":"d"}}},"responseElements":{"grantId":"g1"}}"#,
            "grants[1]",
        )
        .unwrap();
        assert_eq!(listed.grant_id, logged.grant_id);
        assert_eq!(listed.grantee.value, logged.grantee.value);
        assert_eq!(
            listed.constraints.value.subset.as_ref().unwrap().value,
            logged.constraints.value.subset.as_ref().unwrap().value
        );
        assert_eq!(
            logged.path(Field::Operations),
            "requestParameters.operations"
        );
    }

    #[test]
    fn refuses_what_is_not_a_grant() {
        for (text, says) in [
            (
                r#"{"KeyId":"k","GranteePrincipal":"a.amazonaws.com","Operations":["decrypt"]}"#,
                "Operations[0]: `decrypt` is not a grant operation (did you mean `Decrypt`?)",
            ),
            (
                r#"{"KeyId":"k","Operations":["Decrypt"]}"#,
                "GranteePrincipal: the grant has no `GranteePrincipal`",
            ),
            (
                r#"{"KeyId":"k","GranteePrincipal":"a.amazonaws.com ","Operations":["Decrypt"]}"#,
                "without surrounding whitespace",
            ),
            (
                r#"{"KeyId":"k","GranteePrincipal":"a.amazonaws.com","Operations":[]}"#,
                "at least one operation",
            ),
            (
                r#"{"KeyId":"k","GranteePrincipal":"a.amazonaws.com","Operations":["Decrypt"],"Constraint":{}}"#,
                "`Constraint` is not a field of a GrantListEntry",
            ),
            (
                r#"{"KeyId":"k","GranteePrincipal":"a.amazonaws.com","Operations":["Decrypt"],"Constraints":{"EncryptionContextSubset":{"a":1}}}"#,
                "expected a string",
            ),
            (
                r#"{"eventName":"CreateGrant","errorCode":"AccessDenied","requestParameters":{}}"#,
                "made no grant",
            ),
            (
                r#"{"eventName":"Decrypt","requestParameters":{}}"#,
                "`CreateGrant` event",
            ),
        ] {
            let e = from_text(text, "grants[0]").unwrap_err();
            assert_eq!(e.code, crate::ErrorCode::MalformedPolicy, "{text}");
            assert!(e.message.contains(says), "{text}: {}", e.message);
        }
    }
}
