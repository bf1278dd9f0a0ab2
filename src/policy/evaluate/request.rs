//! The request being authorized: who (principal ARN), what (action), on what (resource), and
//! the request context (condition keys), prepared once for fast matching.
//!
//! spec: IAM User Guide, "Policy evaluation logic" > "Processing the request context";
//! "AWS global condition context keys" for the keys derived from the principal and resource
//! (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:username`,
//! `aws:PrincipalServiceName`, `aws:PrincipalIsAWSService`, `aws:ResourceAccount`) and the
//! KMS Developer Guide, "AWS KMS condition keys" (`kms:CallerAccount`).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::super::catalog::Catalog;
use crate::policy::iam::arn::Arn;

/// One authorization request (`EvaluationRequest` in the TypeScript contract).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Request {
    /// ARN of the caller (IAM user, role, assumed-role session, federated user, account root
    /// or a 12-digit account id), a service principal (`connect.amazonaws.com`), or `*` /
    /// `anonymous` for an unauthenticated caller.
    pub principal: String,
    /// `service:Action`, e.g. `kms:Decrypt`.
    pub action: String,
    /// The resource ARN (or `*`).
    pub resource: String,
    /// Owner of the resource when its ARN has no account (S3 buckets and objects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_account: Option<String>,
    /// Condition keys (case-insensitive) and their values.
    #[serde(default)]
    pub context: BTreeMap<String, ContextValue>,
}

impl Request {
    /// Checks the request against [`crate::policy::limits`]: every string at most
    /// [`MAX_REQUEST_STRING_LEN`](crate::policy::limits::MAX_REQUEST_STRING_LEN) bytes, at most
    /// [`MAX_REQUEST_CONTEXT_VALUES`](crate::policy::limits::MAX_REQUEST_CONTEXT_VALUES)
    /// context values (`LIMIT_EXCEEDED`). Wildcard matching costs pattern length x string
    /// length, so bounded request strings keep evaluation linear in the policy size.
    pub fn check_limits(&self) -> crate::Result<()> {
        use crate::policy::limits::{MAX_REQUEST_CONTEXT_VALUES, MAX_REQUEST_STRING_LEN};
        let check = |what: &str, s: &str| {
            if s.len() > MAX_REQUEST_STRING_LEN {
                Err(crate::err!(
                    LimitExceeded,
                    "request {what}: {} bytes, more than the {MAX_REQUEST_STRING_LEN} byte limit",
                    s.len()
                ))
            } else {
                Ok(())
            }
        };
        check("principal", &self.principal)?;
        check("action", &self.action)?;
        check("resource", &self.resource)?;
        if let Some(a) = &self.resource_account {
            check("resourceAccount", a)?;
        }
        let mut values = 0usize;
        for (k, v) in &self.context {
            check("context key", k)?;
            let scalars: &[Scalar] = match v {
                ContextValue::One(s) => std::slice::from_ref(s),
                ContextValue::Many(l) => l,
            };
            values += scalars.len().max(1);
            if values > MAX_REQUEST_CONTEXT_VALUES {
                return Err(crate::err!(
                    LimitExceeded,
                    "request context: more than {MAX_REQUEST_CONTEXT_VALUES} values"
                ));
            }
            for s in scalars {
                if let Scalar::String(s) = s {
                    check(&format!("context value of `{k}`"), s)?;
                }
            }
        }
        Ok(())
    }
}

/// A context value: one value or a list (multivalued keys such as `aws:TagKeys`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ContextValue {
    One(Scalar),
    Many(Vec<Scalar>),
}

/// A scalar context value; numbers and booleans are compared as their text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    String(String),
    Bool(bool),
    Number(f64),
}

impl Scalar {
    fn into_text(self) -> String {
        match self {
            Scalar::String(s) => s,
            Scalar::Bool(b) => b.to_string(),
            Scalar::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", n as i64),
            Scalar::Number(n) => n.to_string(),
        }
    }
}

/// What kind of caller the principal string names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    /// `arn:aws:iam::ACCOUNT:root` or a bare account id.
    Root,
    /// `arn:aws:iam::ACCOUNT:user/...`.
    User,
    /// `arn:aws:iam::ACCOUNT:role/...` (requests are really made by sessions; accepted).
    Role,
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    AssumedRole,
    /// `arn:aws:sts::ACCOUNT:federated-user/NAME` (a `GetFederationToken` session).
    FederatedUser,
    /// `service.amazonaws.com`.
    Service,
    /// `*` or `anonymous`.
    Anonymous,
    /// Anything else (a canonical user id, an identity provider): matched by exact text only.
    Other,
}

impl PrincipalKind {
    /// IAM principals that belong to an account (identity-based policies, SCPs apply).
    pub fn is_iam(self) -> bool {
        matches!(
            self,
            Self::Root | Self::User | Self::Role | Self::AssumedRole | Self::FederatedUser
        )
    }
    /// Session principals (session policies apply).
    pub fn is_session(self) -> bool {
        matches!(self, Self::AssumedRole | Self::FederatedUser)
    }
}

/// The principal, parsed once.
#[derive(Debug, Clone)]
pub struct Principal {
    pub kind: PrincipalKind,
    /// The principal as given (a bare account id becomes its root ARN).
    pub arn: String,
    pub partition: String,
    pub account: Option<String>,
    /// For roles and sessions: the role's name (last path segment) and `arn:P:iam::A:role/NAME`.
    pub role_name: Option<String>,
    pub role_arn: Option<String>,
    /// For IAM users: the user name (`aws:username`).
    pub user_name: Option<String>,
}

impl Principal {
    pub fn parse(text: &str) -> Principal {
        let text = text.trim();
        let mut p = Principal {
            kind: PrincipalKind::Other,
            arn: text.to_string(),
            partition: "aws".into(),
            account: None,
            role_name: None,
            role_arn: None,
            user_name: None,
        };
        if text == "*" || text.eq_ignore_ascii_case("anonymous") {
            p.kind = PrincipalKind::Anonymous;
            return p;
        }
        if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
            p.kind = PrincipalKind::Root;
            p.account = Some(text.to_string());
            p.arn = format!("arn:aws:iam::{text}:root");
            return p;
        }
        if let Some(a) = Arn::parse(text) {
            p.partition = a.partition.to_string();
            if !a.account.is_empty() {
                p.account = Some(a.account.to_string());
            }
            let (kind, rest) = a.resource.split_once('/').unwrap_or((a.resource, ""));
            match (a.service, kind) {
                ("iam", "root") => p.kind = PrincipalKind::Root,
                ("iam", "user") => {
                    p.kind = PrincipalKind::User;
                    p.user_name = rest.rsplit('/').next().map(str::to_string);
                }
                ("iam", "role") => {
                    p.kind = PrincipalKind::Role;
                    let name = rest.rsplit('/').next().unwrap_or(rest);
                    p.role_name = Some(name.to_string());
                    p.role_arn = Some(text.to_string());
                }
                ("sts", "assumed-role") => {
                    p.kind = PrincipalKind::AssumedRole;
                    let name = rest.split('/').next().unwrap_or(rest);
                    p.role_name = Some(name.to_string());
                    p.role_arn = Some(format!(
                        "arn:{}:iam::{}:role/{}",
                        a.partition, a.account, name
                    ));
                }
                ("sts", "federated-user") => p.kind = PrincipalKind::FederatedUser,
                _ => {}
            }
            return p;
        }
        if !text.contains(':')
            && (text.ends_with(".amazonaws.com") || text.ends_with(".amazonaws.com.cn"))
        {
            p.kind = PrincipalKind::Service;
        }
        p
    }
}

/// One context key's values.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The key as the request spelt it (the keys AWS derives are static, lower case); looked
    /// up ASCII-case-insensitively.
    pub key: Cow<'static, str>,
    pub values: Vec<String>,
    /// Given as a list (a multivalued key cannot be used as a policy variable).
    pub multi: bool,
}

/// A request ready for evaluation: principal parsed, context keys as given (looked up
/// case-insensitively), keys AWS derives from the principal and resource added (unless the
/// request gave them).
#[derive(Debug, Clone)]
pub struct Prepared {
    pub principal: Principal,
    pub action: String,
    pub resource: String,
    /// The resource's account (from `resourceAccount` or the ARN); `None` when unknown.
    pub resource_account: Option<String>,
    pub context: Vec<Entry>,
    /// Two keys of the request's context that differ only in case (as spelt), when it has
    /// such a pair: condition keys are case-insensitive, so the request gives one key two
    /// values and AWS does not document which one a policy sees (KMS Developer Guide, "Case
    /// sensitivity of the encryption context condition"). Such a request is denied.
    pub ambiguous: Option<(String, String)>,
    /// Context keys ignored because AWS never sends them with the action (see
    /// [`Prepared::with_catalog`]), one note each.
    pub notes: Vec<String>,
}

impl Prepared {
    pub fn new(req: &Request) -> Prepared {
        Prepared::from_request(req.clone())
    }

    /// Prepares a request it owns (its strings move instead of being copied).
    pub fn from_request(req: Request) -> Prepared {
        Prepared::with_catalog(req, None)
    }

    /// Prepares a request; with the service catalog, the context keys of the action's service
    /// that the catalog does not list for the action (nor for its resource types) are ignored,
    /// as IAM ignores keys AWS never sends with an action (`s3:max-keys` with `s3:GetObject`),
    /// each with a note. Keys the catalog does not know, and other services' keys, are kept.
    pub fn with_catalog(req: Request, catalog: Option<&Catalog>) -> Prepared {
        let principal = Principal::parse(&req.principal);
        let resource_account = req.resource_account.filter(|a| !a.is_empty()).or_else(|| {
            Arn::parse(&req.resource)
                .map(|a| a.account.to_string())
                .filter(|a| !a.is_empty())
        });
        let mut context: Vec<Entry> = Vec::with_capacity(req.context.len() + 8);
        let mut ambiguous = None;
        for (key, v) in req.context {
            let (values, multi) = match v {
                ContextValue::One(s) => (vec![s.into_text()], false),
                ContextValue::Many(list) => {
                    (list.into_iter().map(Scalar::into_text).collect(), true)
                }
            };
            // The request's keys are distinct strings, so a match differs only in case.
            if let Some(e) = context.iter().find(|e| e.key.eq_ignore_ascii_case(&key)) {
                ambiguous.get_or_insert_with(|| (e.key.to_string(), key.clone()));
            }
            context.push(Entry {
                key: Cow::Owned(key),
                values,
                multi,
            });
        }
        let mut prepared = Prepared {
            principal,
            action: req.action,
            resource: req.resource,
            resource_account,
            context,
            ambiguous,
            notes: Vec::new(),
        };
        if let Some(catalog) = catalog {
            prepared.drop_unsent_keys(catalog);
        }
        prepared.derive_keys();
        prepared
    }

    fn drop_unsent_keys(&mut self, catalog: &Catalog) {
        let Some((prefix, name)) = self.action.split_once(':') else {
            return;
        };
        let Some(service) = catalog.service(prefix) else {
            return;
        };
        let Some(action) = service.action(name) else {
            return;
        };
        let resource_keys = action
            .resource_types
            .iter()
            .filter_map(|&(rt, _)| service.resource_type(rt))
            .flat_map(|rt| rt.condition_keys.iter());
        let sent: Vec<_> = action
            .condition_keys
            .iter()
            .chain(resource_keys)
            .filter_map(|&i| service.key_at(i))
            .collect();
        let notes = &mut self.notes;
        self.context.retain(|e| {
            let Some(def) = service.key(&e.key) else {
                return true;
            };
            if sent.iter().any(|k| k.matches(&e.key)) {
                return true;
            }
            notes.push(format!(
                "context key {} ignored: AWS does not send it with {}:{} (service catalog)",
                def.name, service.prefix, action.name
            ));
            false
        });
    }

    fn add_default(&mut self, key: &'static str, value: Option<String>) {
        if let Some(value) = value {
            if self.get(key).is_none() {
                self.context.push(Entry {
                    key: Cow::Borrowed(key),
                    values: vec![value],
                    multi: false,
                });
            }
        }
    }

    /// Keys AWS always puts in the request context for this principal and resource.
    fn derive_keys(&mut self) {
        use PrincipalKind::*;
        let p = &self.principal;
        let principal_arn = match p.kind {
            Root | User | Role | FederatedUser => Some(p.arn.clone()),
            AssumedRole => p.role_arn.clone(),
            _ => None,
        };
        let ptype = match p.kind {
            Root => Some("Account"),
            User => Some("User"),
            AssumedRole | Role => Some("AssumedRole"),
            FederatedUser => Some("FederatedUser"),
            Anonymous => Some("Anonymous"),
            _ => None,
        };
        let is_kms = self
            .action
            .get(..4)
            .is_some_and(|s| s.eq_ignore_ascii_case("kms:"));
        let derived = [
            ("aws:principalarn", principal_arn),
            ("aws:principalaccount", p.account.clone()),
            ("aws:principaltype", ptype.map(str::to_string)),
            ("aws:username", p.user_name.clone()),
            (
                "aws:principalservicename",
                (p.kind == Service).then(|| p.arn.clone()),
            ),
            (
                "aws:principalisawsservice",
                (p.kind != Anonymous && p.kind != Other).then(|| (p.kind == Service).to_string()),
            ),
            ("aws:resourceaccount", self.resource_account.clone()),
            (
                "kms:calleraccount",
                if is_kms && p.kind.is_iam() {
                    p.account.clone()
                } else {
                    None
                },
            ),
        ];
        for (key, value) in derived {
            self.add_default(key, value);
        }
    }

    /// Values of a key (compared ASCII-case-insensitively); `None` when absent or given as an
    /// empty list (a null data set, spec: "Set operators for multivalued context keys").
    #[inline]
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.context
            .iter()
            .find(|e| e.key.eq_ignore_ascii_case(key))
            .filter(|e| !e.values.is_empty())
    }

    /// The single value of a key, for policy variables (multivalued keys cannot be variables).
    #[inline]
    pub fn single(&self, key_lc: &str) -> Option<&str> {
        self.get(key_lc)
            .filter(|e| !e.multi && e.values.len() == 1)
            .map(|e| e.values[0].as_str())
    }

    /// Whether the caller and the resource are in different accounts.
    pub fn is_cross_account(&self) -> bool {
        match (&self.principal.account, &self.resource_account) {
            (Some(p), Some(r)) => p != r,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_forms() {
        let p = Principal::parse("arn:aws:sts::111122223333:assumed-role/Agent/alice");
        assert_eq!(p.kind, PrincipalKind::AssumedRole);
        assert_eq!(
            p.role_arn.as_deref(),
            Some("arn:aws:iam::111122223333:role/Agent")
        );
        assert_eq!(Principal::parse("111122223333").kind, PrincipalKind::Root);
        assert_eq!(
            Principal::parse("arn:aws:iam::111122223333:root").kind,
            PrincipalKind::Root
        );
        let u = Principal::parse("arn:aws:iam::111122223333:user/ops/bob");
        assert_eq!(
            (u.kind, u.user_name.as_deref()),
            (PrincipalKind::User, Some("bob"))
        );
        assert_eq!(
            Principal::parse("connect.amazonaws.com").kind,
            PrincipalKind::Service
        );
        assert_eq!(Principal::parse("*").kind, PrincipalKind::Anonymous);
    }

    #[test]
    fn context_keys_case_insensitive_and_derived() {
        let req: Request = serde_json::from_value(serde_json::json!({
            "principal": "arn:aws:iam::111122223333:user/bob",
            "action": "kms:Decrypt",
            "resource": "arn:aws:kms:us-east-1:444455556666:key/k",
            "context": { "AWS:SourceIp": "10.0.0.1", "aws:TagKeys": ["a", "b"], "s3:max-keys": 10, "aws:SecureTransport": true }
        }))
        .unwrap();
        let p = Prepared::new(&req);
        assert_eq!(p.single("aws:sourceip"), Some("10.0.0.1"));
        assert_eq!(p.single("aws:tagkeys"), None);
        assert_eq!(p.get("aws:tagkeys").unwrap().values, vec!["a", "b"]);
        assert_eq!(p.single("s3:max-keys"), Some("10"));
        assert_eq!(p.single("aws:securetransport"), Some("true"));
        assert_eq!(p.single("aws:username"), Some("bob"));
        assert_eq!(p.single("kms:calleraccount"), Some("111122223333"));
        assert_eq!(p.single("aws:resourceaccount"), Some("444455556666"));
        assert!(p.is_cross_account());
    }
}
