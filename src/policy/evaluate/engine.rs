//! The decision procedure.
//!
//! spec: IAM User Guide, "Policy evaluation logic" > "Determining whether a request is allowed
//! or denied within an account" (deny evaluation, Organizations RCPs and SCPs, resource-based
//! policies and the principal they name, identity-based policies, permissions boundaries,
//! session policies), "Cross-account policy evaluation logic" (both accounts must allow), and
//! the KMS Developer Guide, "Key policies in AWS KMS" (the key policy is the root of trust:
//! IAM policies count only when the key policy allows the account).

use serde::Deserialize;

use super::super::catalog::Catalog;
use super::super::model::{Effect, Policy};
use super::compiled::{compile, default_key_policy, CStatement, CompiledPolicy, PolicyRole};
use super::decision::{DecidingStatement, Decision, DecisionKind, DenyGate};
use super::matcher::{Matcher, PrincipalMatch};
use super::request::{Prepared, PrincipalKind, Request};
use crate::policy::grants::{self, DecidingGrant, Grant, GrantLabel, GrantMatch};
use crate::{err, Result};

/// The policy texts that apply to a request (`PolicySet` in the TypeScript contract).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyTexts {
    /// Identity-based policies of the caller (user, its groups, or role).
    #[serde(default)]
    pub identity: Vec<String>,
    /// The resource's resource-based policy (bucket policy, role trust policy, ...).
    #[serde(default)]
    pub resource: Option<String>,
    /// The KMS key policy of the key (instead of `resource`), or `"default"` for the default
    /// key policy (the key's own account is allowed `kms:*`, so IAM policies decide). A `kms:`
    /// request on a KMS key without a key policy is denied: the key policy is the root of trust.
    #[serde(default)]
    pub kms_key_policy: Option<String>,
    /// The caller's permissions boundary.
    #[serde(default)]
    pub boundary: Option<String>,
    /// Service control policies, one entry per level of the organization (root, each OU,
    /// the account); an entry may be a list of the policies attached at that level. Every
    /// level must allow.
    #[serde(default)]
    pub scps: Vec<Level>,
    /// Resource control policies, levels as for `scps`.
    #[serde(default)]
    pub rcps: Vec<Level>,
    /// The session policy passed when the caller's session was created.
    #[serde(default)]
    pub session: Option<String>,
    /// The key's KMS grants, each a `GrantListEntry` (as `ListGrants` returns it) or the
    /// CloudTrail record of its `CreateGrant` call ([`crate::policy::grants`]).
    #[serde(default)]
    pub grants: Vec<serde_json::Value>,
}

/// One level of an organization: one policy, or the policies attached at that level.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Level {
    One(String),
    Many(Vec<String>),
}

/// A compiled policy set: parse and compile once, evaluate many requests.
#[derive(Debug, Clone)]
pub struct PolicySet {
    identity: Vec<CompiledPolicy>,
    /// The resource policy or the KMS key policy.
    resource: Option<CompiledPolicy>,
    /// `kmsKeyPolicy` was `"default"` (the decision says so).
    default_key_policy: bool,
    boundary: Option<CompiledPolicy>,
    session: Option<CompiledPolicy>,
    scps: Vec<Vec<CompiledPolicy>>,
    rcps: Vec<Vec<CompiledPolicy>>,
    grants: Vec<Grant>,
}

fn parse_one(text: &str, label: String, role: PolicyRole) -> Result<CompiledPolicy> {
    let policy = Policy::parse(text).map_err(|e| {
        if e.limit {
            return err!(
                LimitExceeded,
                "{label}: at byte {}: {}",
                e.range.start,
                e.message
            );
        }
        err!(
            MalformedPolicy,
            "{label}: not valid JSON at byte {}: {}",
            e.range.start,
            e.message
        )
    })?;
    super::readable::check(&policy, &label, role)?;
    Ok(compile(&policy, label, role))
}

fn parse_levels(
    levels: &[Level],
    name: &str,
    role: PolicyRole,
) -> Result<Vec<Vec<CompiledPolicy>>> {
    levels
        .iter()
        .enumerate()
        .map(|(i, level)| match level {
            Level::One(t) => Ok(vec![parse_one(t, format!("{name}[{i}]"), role)?]),
            Level::Many(ts) => ts
                .iter()
                .enumerate()
                .map(|(j, t)| parse_one(t, format!("{name}[{i}][{j}]"), role))
                .collect(),
        })
        .collect()
}

impl PolicySet {
    /// Parses and compiles the policy texts. Errors name the policy (`identity[1]`) and where:
    /// `MALFORMED_POLICY` where its JSON broke, `INVALID_POLICY` for the first validator
    /// finding that changes what it means (see `readable`), `INVALID_ARGUMENT`.
    pub fn compile(texts: &PolicyTexts) -> Result<PolicySet> {
        if texts.resource.is_some() && texts.kms_key_policy.is_some() {
            return Err(err!(
                InvalidArgument,
                "policies: give either `resource` or `kmsKeyPolicy` (a KMS key's resource policy is its key policy), not both"
            ));
        }
        let identity = texts
            .identity
            .iter()
            .enumerate()
            .map(|(i, t)| parse_one(t, format!("identity[{i}]"), PolicyRole::Identity))
            .collect::<Result<Vec<_>>>()?;
        let resource = match (&texts.resource, &texts.kms_key_policy) {
            (Some(t), _) => Some(parse_one(t, "resource".into(), PolicyRole::Resource)?),
            (_, Some(t)) if t == "default" => Some(default_key_policy()),
            (_, Some(t)) => Some(parse_one(
                t,
                "kmsKeyPolicy".into(),
                PolicyRole::KmsKeyPolicy,
            )?),
            _ => None,
        };
        let opt = |t: &Option<String>, label: &str, role| {
            t.as_ref()
                .map(|t| parse_one(t, label.into(), role))
                .transpose()
        };
        Ok(PolicySet {
            identity,
            default_key_policy: texts.kms_key_policy.as_deref() == Some("default"),
            resource,
            boundary: opt(&texts.boundary, "boundary", PolicyRole::Boundary)?,
            session: opt(&texts.session, "session", PolicyRole::Session)?,
            scps: parse_levels(&texts.scps, "scps", PolicyRole::Scp)?,
            rcps: parse_levels(&texts.rcps, "rcps", PolicyRole::Rcp)?,
            grants: texts
                .grants
                .iter()
                .enumerate()
                .map(|(i, g)| grants::from_value(g, &format!("grants[{i}]")))
                .collect::<Result<_>>()?,
        })
    }

    /// Every statement of the set as a [`DecidingStatement`], policy by policy (identity,
    /// resource or key policy, boundary, session, SCP levels, RCP levels), each in source order.
    /// A decision's statements are always among these, so a caller can build them once.
    pub fn statements(&self) -> Vec<DecidingStatement> {
        let levels = self.scps.iter().chain(self.rcps.iter()).flatten();
        self.identity
            .iter()
            .chain(self.resource.iter())
            .chain(self.boundary.iter())
            .chain(self.session.iter())
            .chain(levels)
            .flat_map(|p| p.statements.iter().map(move |st| deciding(p, st)))
            .collect()
    }

    /// The set's grants, in order (what a decision's grants refer to).
    pub fn grant_labels(&self) -> Vec<GrantLabel> {
        self.grants
            .iter()
            .enumerate()
            .map(|(i, g)| GrantLabel::new(g, i))
            .collect()
    }

    /// Evaluates one request.
    ///
    /// The request is not checked against [`crate::policy::limits`]; call
    /// [`Request::check_limits`] first on untrusted requests ([`super::evaluate`] and the wasm
    /// API do).
    pub fn evaluate(&self, request: &Request) -> Decision {
        self.evaluate_prepared(&Prepared::new(request))
    }

    /// Evaluates a request it owns (no copies of its strings).
    pub fn evaluate_owned(&self, request: Request) -> Decision {
        self.evaluate_prepared(&Prepared::from_request(request))
    }

    /// Evaluates a request it owns with the service catalog: context keys of the action's
    /// service that AWS never sends with the action are ignored, as IAM ignores them, and the
    /// decision's `notes` say which ([`Prepared::with_catalog`]).
    pub fn evaluate_with_catalog(&self, request: Request, catalog: Option<&Catalog>) -> Decision {
        self.evaluate_prepared(&Prepared::with_catalog(request, catalog))
    }

    /// Evaluates a request already prepared with [`Prepared::new`].
    pub fn evaluate_prepared(&self, req: &Prepared) -> Decision {
        Evaluation::new(self, req).run()
    }
}

/// A statement that applied, in its policy.
#[derive(Clone, Copy)]
struct Hit<'p> {
    policy: &'p CompiledPolicy,
    st: &'p CStatement,
    how: PrincipalMatch,
}

/// Allow and Deny statements of one group of policies that applied to the request.
#[derive(Default)]
struct Hits<'p> {
    allow: Vec<Hit<'p>>,
    deny: Vec<Hit<'p>>,
}

struct Evaluation<'p, 'r> {
    set: &'p PolicySet,
    req: &'r Prepared,
    m: Matcher<'r, 'p>,
    /// Grants that allow the request, by their place in the set.
    grants: Vec<(usize, GrantMatch)>,
    /// Those of them the decision rests on.
    granted_by: Vec<usize>,
}

impl<'p, 'r> Evaluation<'p, 'r> {
    fn new(set: &'p PolicySet, req: &'r Prepared) -> Self {
        let iam = req.principal.kind.is_iam();
        let boundary_present = iam && set.boundary.is_some();
        Evaluation {
            set,
            req,
            m: Matcher::new(req, boundary_present),
            grants: Vec::new(),
            granted_by: Vec::new(),
        }
    }

    fn scan(&mut self, policies: &'p [CompiledPolicy]) -> Hits<'p> {
        let mut hits = Hits::default();
        for policy in policies {
            self.scan_into(policy, &mut hits);
        }
        hits
    }

    fn scan_into(&mut self, policy: &'p CompiledPolicy, hits: &mut Hits<'p>) {
        let check_principal = policy.role.names_principal();
        for st in &policy.statements {
            if let Some(how) = self.m.statement(st, check_principal) {
                let hit = Hit { policy, st, how };
                match st.effect {
                    Effect::Allow => hits.allow.push(hit),
                    Effect::Deny => hits.deny.push(hit),
                }
            }
        }
    }

    fn scan_opt(&mut self, policy: &'p Option<CompiledPolicy>) -> Option<Hits<'p>> {
        policy.as_ref().map(|p| {
            let mut h = Hits::default();
            self.scan_into(p, &mut h);
            h
        })
    }

    fn run(mut self) -> Decision {
        if let Some((a, b)) = &self.req.ambiguous {
            let reason = format!("the request context has both `{a}` and `{b}`: condition keys are case-insensitive, so that is one key with two values, and AWS does not document which one a policy sees; denied without reading the policies");
            return self.implicit(DenyGate::AmbiguousContext, reason);
        }
        let set = self.set;
        let p = &self.req.principal;
        let iam = p.kind.is_iam();
        // Which policies apply to this caller (spec: SCPs apply to principals of member
        // accounts, identity/boundary/session policies to IAM identities and sessions;
        // service principals and anonymous callers have only the resource's policy).
        let identity = if iam {
            self.scan(&set.identity)
        } else {
            Hits::default()
        };
        let boundary = if iam && p.kind != PrincipalKind::Root {
            self.scan_opt(&set.boundary)
        } else {
            None
        };
        let session = if p.kind.is_session() {
            self.scan_opt(&set.session)
        } else {
            None
        };
        let resource = self.scan_opt(&set.resource);
        for (i, g) in set.grants.iter().enumerate() {
            if let Some(hit) = grants::matching::applies(g, self.req, &mut self.m.missing) {
                self.grants.push((i, hit));
            }
        }
        let scps: Vec<Hits<'p>> = if iam {
            set.scps.iter().map(|l| self.scan(l)).collect()
        } else {
            Vec::new()
        };
        let rcps: Vec<Hits<'p>> = if p.kind != PrincipalKind::Service {
            set.rcps.iter().map(|l| self.scan(l)).collect()
        } else {
            Vec::new()
        };
        if self.m.exhausted {
            self.granted_by.clear();
            let reason = format!(
                "not decided: matching the policies' wildcards against this request went past \
                 {} MiB of comparisons, so the request is denied",
                crate::policy::limits::MAX_MATCH_WORK >> 20
            );
            return self.finish(DecisionKind::ImplicitDeny, &[], None, reason);
        }

        // 1. Deny evaluation: an applicable Deny in any policy.
        let mut denies: Vec<Hit<'p>> = Vec::new();
        for h in scps
            .iter()
            .chain(rcps.iter())
            .chain(resource.iter())
            .chain(std::iter::once(&identity))
        {
            denies.extend(h.deny.iter().copied());
        }
        for h in boundary.iter().chain(session.iter()) {
            denies.extend(h.deny.iter().copied());
        }
        if !denies.is_empty() {
            let first = &denies[0];
            let reason = format!(
                "explicitly denied by {} statement {}{}",
                first.policy.label,
                first.st.index,
                sid_note(first.st)
            );
            return self.finish(DecisionKind::ExplicitDeny, &denies, None, reason);
        }

        let mut granted: Vec<Hit<'p>> = Vec::new();
        // 2. RCPs: every level must allow (they apply to the resource's account).
        for (i, level) in rcps.iter().enumerate() {
            if level.allow.is_empty() {
                return self.implicit(DenyGate::Rcp, format!("no statement in resource control policy level rcps[{i}] allows the request"));
            }
            granted.extend(level.allow.iter().copied());
        }
        // 3. SCPs: every level must allow (they apply to the caller's account).
        for (i, level) in scps.iter().enumerate() {
            if level.allow.is_empty() {
                return self.implicit(
                    DenyGate::Scp,
                    format!(
                        "no statement in service control policy level scps[{i}] allows the request"
                    ),
                );
            }
            granted.extend(level.allow.iter().copied());
        }

        let resource_allows = resource.as_ref().map(|h| h.allow.as_slice()).unwrap_or(&[]);
        let strongest = resource_allows
            .iter()
            .map(|h| h.how)
            .chain(self.grants.iter().map(|(_, g)| g.how))
            .max();
        let with = |how: PrincipalMatch| {
            resource_allows
                .iter()
                .filter(move |h| h.how == how)
                .copied()
        };
        // A KMS key's resource-based policy is its key policy, the root of trust.
        let kms = set
            .resource
            .as_ref()
            .is_some_and(|r| r.role == PolicyRole::KmsKeyPolicy)
            || is_kms_key_request(&self.req.action, &self.req.resource);
        // Role trust policies, like key policies, must explicitly allow the caller.
        let trust = is_assume_role(&self.req.action) && is_role_arn(&self.req.resource);
        // Nothing stands in for a missing key or trust policy (a KMS grant still allows).
        if (kms || trust) && set.resource.is_none() && self.grants.is_empty() {
            let reason = if kms {
                "no key policy was given for this KMS key, and nothing is assumed: in AWS the key policy is the root of trust, so identity policies alone never allow (pass kmsKeyPolicy: the key's policy, or \"default\" for the default key policy)"
            } else {
                "no role trust policy was given, and nothing is assumed: a role trust policy must allow the caller (pass it as resource)"
            };
            return self.implicit(DenyGate::ResourcePolicyRequired, reason.into());
        }
        let required = kms || trust;
        // Whether the Allow that decides comes from grants only (no policy statement names
        // the caller as strongly): the reasons then name the grant, not the policy.
        let by_grant =
            strongest.is_some() && !resource_allows.iter().any(|h| Some(h.how) == strongest);
        let what = if by_grant {
            "KMS grant"
        } else if kms {
            "key policy"
        } else if trust {
            "role trust policy"
        } else {
            "resource-based policy"
        };

        // Callers without identity policies: service principals, anonymous callers.
        if !iam {
            if strongest.is_none() {
                return self.implicit(
                    DenyGate::ResourcePolicy,
                    format!("no {what} statement allows this caller (it has no identity-based policies)"),
                );
            }
            granted.extend(resource_allows.iter().copied());
            self.grant_all();
            return self.finish(
                DecisionKind::Allow,
                &granted,
                None,
                format!("allowed by the {what}"),
            );
        }

        let cross = self.req.is_cross_account();
        if cross {
            // Trusting account: the resource's policy must allow the caller (any form of
            // naming it, the caller's account included).
            if strongest.is_none() {
                return self.implicit(
                    DenyGate::ResourcePolicy,
                    format!("cross-account request: no {what} statement of the resource's account allows the caller"),
                );
            }
            granted.extend(resource_allows.iter().copied());
            self.grant_all();
            // Trusted account: the caller's own policies must allow.
            return self.identity_path(
                identity,
                boundary,
                session,
                granted,
                false,
                "cross-account request allowed by both accounts",
            );
        }

        // Same account.
        if strongest == Some(PrincipalMatch::Direct) {
            // The policy names the caller itself: implicit denies in identity policies,
            // boundaries and session policies do not apply.
            granted.extend(with(PrincipalMatch::Direct));
            self.grant_with(PrincipalMatch::Direct);
            return self.finish(
                DecisionKind::Allow,
                &granted,
                None,
                format!("allowed by the {what}, which names the caller directly"),
            );
        }
        if required && strongest.is_none() {
            let reason = if kms {
                "the key policy does not allow this caller, neither directly nor by allowing its account (so IAM policies cannot grant access to the key)".to_string()
            } else {
                format!("the {what} does not allow this caller")
            };
            return self.implicit(DenyGate::ResourcePolicyRequired, reason);
        }
        if strongest == Some(PrincipalMatch::RoleArn) {
            // Naming the session's role stands in for an identity-policy Allow, but the
            // boundary and session policy still limit it.
            granted.extend(with(PrincipalMatch::RoleArn));
            self.grant_with(PrincipalMatch::RoleArn);
            return self.identity_path(
                identity,
                boundary,
                session,
                granted,
                true,
                "allowed by the resource-based policy naming the caller's role",
            );
        }
        if strongest == Some(PrincipalMatch::Account) && required {
            granted.extend(with(PrincipalMatch::Account));
            self.grant_with(PrincipalMatch::Account);
        }
        let reason = if kms {
            "the key policy allows the account and its IAM policies allow the request"
        } else {
            "allowed by identity-based policy"
        };
        self.identity_path(identity, boundary, session, granted, false, reason)
    }

    /// The identity side: identity-based policies (or a stand-in), boundary, session policy.
    fn identity_path(
        self,
        identity: Hits<'p>,
        boundary: Option<Hits<'p>>,
        session: Option<Hits<'p>>,
        mut granted: Vec<Hit<'p>>,
        identity_given: bool,
        reason: &str,
    ) -> Decision {
        let p = &self.req.principal;
        // spec: "By default, all requests are implicitly denied with the exception of the AWS
        // account root user, which has full access."
        let root = p.kind == PrincipalKind::Root;
        if !identity_given && !root && identity.allow.is_empty() {
            return self.implicit(
                DenyGate::Identity,
                "no identity-based policy allows the request".into(),
            );
        }
        granted.extend(identity.allow.iter().copied());
        if let Some(b) = &boundary {
            if b.allow.is_empty() {
                return self.implicit(
                    DenyGate::Boundary,
                    "the permissions boundary does not allow the request".into(),
                );
            }
            granted.extend(b.allow.iter().copied());
        }
        if p.kind.is_session() {
            match &session {
                Some(s) if s.allow.is_empty() => {
                    return self.implicit(
                        DenyGate::Session,
                        "the session policy does not allow the request".into(),
                    );
                }
                Some(s) => granted.extend(s.allow.iter().copied()),
                // spec: without a session policy a role session is allowed, a federated-user
                // session is not.
                None if p.kind == PrincipalKind::FederatedUser => {
                    return self.implicit(
                        DenyGate::Session,
                        "a federated-user session has only the permissions its session policy grants, and none was given".into(),
                    );
                }
                None => {}
            }
        }
        let reason = if root && identity.allow.is_empty() && !identity_given {
            "the account root user has full access in its own account".to_string()
        } else {
            reason.to_string()
        };
        self.finish(DecisionKind::Allow, &granted, None, reason)
    }

    /// The decision rests on every grant that allows the request.
    fn grant_all(&mut self) {
        self.granted_by = self.grants.iter().map(|(i, _)| *i).collect();
    }

    /// The decision rests on the grants that name the caller as `how`.
    fn grant_with(&mut self, how: PrincipalMatch) {
        self.granted_by = self
            .grants
            .iter()
            .filter(|(_, g)| g.how == how)
            .map(|(i, _)| *i)
            .collect();
    }

    fn implicit(mut self, gate: DenyGate, reason: String) -> Decision {
        self.granted_by.clear();
        self.finish(DecisionKind::ImplicitDeny, &[], Some(gate), reason)
    }

    fn finish(
        self,
        kind: DecisionKind,
        hits: &[Hit<'p>],
        gate: Option<DenyGate>,
        reason: String,
    ) -> Decision {
        let mut statements: Vec<DecidingStatement> = Vec::with_capacity(hits.len());
        for h in hits {
            if statements
                .iter()
                .any(|s| s.policy == h.policy.label && s.index == h.st.index)
            {
                continue;
            }
            statements.push(deciding(h.policy, h.st));
        }
        let mut missing: Vec<String> = Vec::new();
        for k in &self.m.missing {
            if !missing.iter().any(|m| m.eq_ignore_ascii_case(k)) {
                missing.push((*k).to_string());
            }
        }
        let mut reason = reason;
        let grants: Vec<DecidingGrant> = match kind {
            DecisionKind::Allow => self
                .granted_by
                .iter()
                .map(|&i| deciding_grant(&self.set.grants[i], i, &self.grants))
                .collect(),
            _ => Vec::new(),
        };
        if !grants.is_empty() {
            let named: Vec<String> = grants.iter().map(grant_name).collect();
            reason = format!("{reason}: {}", named.join(", "));
        }
        let mut notes = self.req.notes.clone();
        if self.set.default_key_policy {
            notes.push(DEFAULT_KEY_POLICY_NOTE.to_string());
        }
        Decision {
            decision: kind,
            statements,
            missing_context_keys: missing,
            grants,
            denied_by: gate,
            reason,
            notes,
        }
    }
}

fn deciding(policy: &CompiledPolicy, st: &CStatement) -> DecidingStatement {
    DecidingStatement {
        policy: policy.label.clone(),
        index: st.index,
        sid: st.sid.clone(),
        effect: st.effect.into(),
        span: st.span,
    }
}

fn deciding_grant(g: &Grant, index: usize, hits: &[(usize, GrantMatch)]) -> DecidingGrant {
    let capacity = hits
        .iter()
        .find(|(j, _)| *j == index)
        .map_or(grants::Capacity::Grantee, |(_, m)| m.capacity);
    DecidingGrant {
        label: GrantLabel::new(g, index),
        capacity,
        index,
    }
}

/// `grants[0]` (its grant id or name, when it has one).
fn grant_name(g: &DecidingGrant) -> String {
    let l = &g.label;
    match l.grant_id.as_ref().or(l.name.as_ref()) {
        Some(id) => format!("{} ({id})", l.grant),
        None => l.grant.clone(),
    }
}

fn sid_note(st: &CStatement) -> String {
    st.sid
        .as_ref()
        .map(|s| format!(" ({s})"))
        .unwrap_or_default()
}

const DEFAULT_KEY_POLICY_NOTE: &str = "kmsKeyPolicy \"default\": evaluated with the default key policy, which allows the key's own account kms:* (so its identity policies decide)";

/// A `kms:` action on a KMS key (`arn:...:kms:...:key/...`).
fn is_kms_key_request(action: &str, resource: &str) -> bool {
    action
        .get(..4)
        .is_some_and(|a| a.eq_ignore_ascii_case("kms:"))
        && crate::policy::iam::arn::Arn::parse(resource)
            .is_some_and(|a| a.service == "kms" && a.resource.starts_with("key/"))
}

/// `sts:AssumeRole`, `sts:AssumeRoleWithSAML`, `sts:AssumeRoleWithWebIdentity`.
fn is_assume_role(action: &str) -> bool {
    action
        .get(..14)
        .is_some_and(|a| a.eq_ignore_ascii_case("sts:AssumeRole"))
}

fn is_role_arn(resource: &str) -> bool {
    crate::policy::iam::arn::Arn::parse(resource)
        .is_some_and(|a| a.service == "iam" && a.resource.starts_with("role/"))
}
