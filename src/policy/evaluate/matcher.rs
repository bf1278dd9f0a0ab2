//! Does a statement apply to a request? Action, resource, principal and condition matching
//! of compiled statements against a prepared request, recording the context keys consulted
//! that the request did not give.

use super::super::model::Effect;
use super::compiled::{
    ActionPattern, CCondition, CStatement, CValue, ListMatcher, PrincipalEntry, PrincipalMatcher,
    StrPattern, TextValue,
};
use super::request::{Prepared, PrincipalKind};
use super::variables::Template;
use crate::policy::iam::arn::{arn_like, arn_match, arn_match_widest, Arn};
use crate::policy::iam::date::parse_date;
use crate::policy::iam::glob::glob_match;
use crate::policy::iam::ip::parse_ip;
use crate::policy::iam::operator::{
    compare_ordered, parse_bool, parse_number, BaseOperator, SetQualifier,
};
use crate::policy::limits::MAX_MATCH_WORK;

/// How a resource-based policy's `Principal` named the caller. Ordered: a stronger match wins.
/// spec: "Policy evaluation logic" > "Resource-based policies" (the principal ARN in the
/// policy decides which implicit denies still apply).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PrincipalMatch {
    /// The caller's account (`111122223333` or `arn:aws:iam::111122223333:root`): delegates
    /// to the account's identity-based policies.
    Account,
    /// The role of an assumed-role session: limited by boundary and session policy.
    RoleArn,
    /// The caller itself: user ARN, session ARN, federated-user ARN, service, `*`.
    Direct,
}

/// Per-request matching state: the request and the keys it lacked.
pub struct Matcher<'r, 'p> {
    pub req: &'r Prepared,
    /// Context keys consulted but absent (as spelled in the policy).
    pub missing: Vec<&'p str>,
    /// A permissions boundary applies to the caller (NotPrincipal + Deny quirk).
    pub boundary_present: bool,
    buf: Vec<u8>,
    /// Bytes of pattern and text compared so far.
    work: usize,
    /// The comparisons went past [`MAX_MATCH_WORK`]: the outcome is unknown.
    pub exhausted: bool,
}

impl<'r, 'p> Matcher<'r, 'p> {
    pub fn new(req: &'r Prepared, boundary_present: bool) -> Self {
        Matcher {
            req,
            missing: Vec::new(),
            boundary_present,
            buf: Vec::new(),
            work: 0,
            exhausted: false,
        }
    }

    /// Whether `st` applies; for policies that name principals, how the caller was named.
    /// Conditions are evaluated last so that only statements that otherwise apply report
    /// missing keys.
    pub fn statement(
        &mut self,
        st: &'p CStatement,
        check_principal: bool,
    ) -> Option<PrincipalMatch> {
        if !self.actions(st.actions.as_ref()?) {
            return None;
        }
        if let Some(r) = &st.resources {
            if !self.resources(r, st.effect) {
                return None;
            }
        }
        let how = if check_principal {
            self.principal(st.principals.as_ref()?, st.effect)?
        } else {
            PrincipalMatch::Direct
        };
        for (i, c) in st.conditions.iter().enumerate() {
            if !self.condition(c) {
                // The statement fails; still report the other absent keys it reads, so the
                // answer does not depend on the order of the condition block.
                for rest in &st.conditions[i + 1..] {
                    if self.req.get(&rest.key_lc).is_none() {
                        self.missing.push(&rest.key);
                    }
                }
                return None;
            }
        }
        Some(how)
    }

    fn actions(&mut self, m: &ListMatcher<ActionPattern>) -> bool {
        let req = self.req;
        let action = req.action.as_str();
        let any = m.items.iter().any(|a| match &a.pattern {
            None => a.text.eq_ignore_ascii_case(action),
            Some(p) => self.spend(p.len() + action.len()) && glob_match(p, action.as_bytes(), true),
        });
        any != m.negated
    }

    /// Counts `bytes` of comparison; false (and [`Self::exhausted`]) past [`MAX_MATCH_WORK`].
    fn spend(&mut self, bytes: usize) -> bool {
        self.work = self.work.saturating_add(bytes);
        if self.work > MAX_MATCH_WORK {
            self.exhausted = true;
        }
        !self.exhausted
    }

    /// Whether the request's resource is in (`Resource`) or outside (`NotResource`) the list,
    /// in the ARN reading that makes the statement stricter: the widest for a Deny's
    /// `Resource` and an Allow's `NotResource`, the narrowest otherwise (see [`arn_match`]).
    fn resources(&mut self, m: &'p ListMatcher<StrPattern>, effect: Effect) -> bool {
        let req = self.req;
        let how = if (effect == Effect::Deny) != m.negated {
            arn_match_widest
        } else {
            arn_match
        };
        let any = m
            .items
            .iter()
            .any(|item| self.pattern_match(item, &req.resource, how));
        any != m.negated
    }

    /// Matches a string pattern with `how` (a resource, ARN condition or string glob),
    /// substituting variables. An unresolvable variable matches nothing (spec: "Policy
    /// variables with no value").
    fn pattern_match(
        &mut self,
        p: &'p StrPattern,
        text: &str,
        how: fn(&[u8], &str) -> bool,
    ) -> bool {
        let pattern: &[u8] = match p {
            StrPattern::Static(enc) => enc,
            StrPattern::Template(t) => {
                if !self.render(t, true) {
                    return false;
                }
                &self.buf
            }
        };
        let bytes = pattern.len() + text.len();
        self.work = self.work.saturating_add(bytes);
        if self.work > MAX_MATCH_WORK {
            self.exhausted = true;
        }
        !self.exhausted && how(pattern, text)
    }

    /// Renders a template into `self.buf`; false when a variable has no value and no default.
    fn render(&mut self, t: &'p Template, as_pattern: bool) -> bool {
        let req = self.req;
        let missing = &mut self.missing;
        let mut lookup = |k: &str| req.single(k);
        let mut on_missing = |k: &str| {
            // Keys come from the template, which lives as long as the policy ('p).
            if let Some(key) = t.keys().find(|kk| kk.eq_ignore_ascii_case(k)) {
                missing.push(key);
            }
        };
        t.render(&mut self.buf, as_pattern, &mut lookup, &mut on_missing)
            .is_ok()
    }

    // -------------------------------------------------------------------------------------
    // Principals

    fn principal(&self, m: &PrincipalMatcher, effect: Effect) -> Option<PrincipalMatch> {
        if !m.negated {
            return m.entries.iter().filter_map(|e| self.entry_matches(e)).max();
        }
        // spec: "NotPrincipal": with Deny, the caller is exempt only when every link of its
        // chain (session, role, account / user, account) is listed; a caller with a
        // permissions boundary is never exempt (IAM User Guide, "Permissions boundaries").
        let p = &self.req.principal;
        if effect == Effect::Deny
            && self.boundary_present
            && matches!(
                p.kind,
                PrincipalKind::User | PrincipalKind::AssumedRole | PrincipalKind::Role
            )
        {
            return Some(PrincipalMatch::Direct);
        }
        let listed = |link: &Link| m.entries.iter().any(|e| link_named(link, e, p));
        let chain = self.chain();
        if chain.iter().all(listed) {
            None
        } else {
            Some(PrincipalMatch::Direct)
        }
    }

    /// The identities a request is checked as, from the caller up to its account.
    fn chain(&self) -> Vec<Link> {
        let p = &self.req.principal;
        let mut out = Vec::with_capacity(3);
        match p.kind {
            PrincipalKind::Service => out.push(Link::Service),
            PrincipalKind::Anonymous => out.push(Link::Anonymous),
            PrincipalKind::Other => out.push(Link::Exact),
            PrincipalKind::Root => {}
            PrincipalKind::AssumedRole => {
                out.push(Link::Exact);
                out.push(Link::Role);
            }
            _ => out.push(Link::Exact),
        }
        if p.account.is_some() {
            out.push(Link::Account);
        }
        out
    }

    fn entry_matches(&self, e: &PrincipalEntry) -> Option<PrincipalMatch> {
        let p = &self.req.principal;
        match e {
            PrincipalEntry::Any => Some(PrincipalMatch::Direct),
            PrincipalEntry::Account(a) => (p.kind.is_iam()
                && p.account.as_deref() == Some(a.as_str()))
            .then_some(PrincipalMatch::Account),
            PrincipalEntry::ResourceAccount => {
                (p.kind.is_iam() && p.account.is_some() && p.account == self.req.resource_account)
                    .then_some(PrincipalMatch::Account)
            }
            PrincipalEntry::Arn(arn) => {
                if p.kind.is_iam() && p.kind != PrincipalKind::Root && *arn == p.arn {
                    return Some(match p.kind {
                        PrincipalKind::Role => PrincipalMatch::RoleArn,
                        _ => PrincipalMatch::Direct,
                    });
                }
                (p.kind == PrincipalKind::AssumedRole && names_role(arn, p))
                    .then_some(PrincipalMatch::RoleArn)
            }
            PrincipalEntry::Service(s) => (p.kind == PrincipalKind::Service
                && s.eq_ignore_ascii_case(&p.arn))
            .then_some(PrincipalMatch::Direct),
            // Identity providers and canonical user ids are named by their exact text (a web
            // identity provider may look like a service name: `cognito-identity.amazonaws.com`).
            PrincipalEntry::Federated(s) | PrincipalEntry::CanonicalUser(s) => {
                (!p.kind.is_iam() && *s == p.arn).then_some(PrincipalMatch::Direct)
            }
        }
    }

    // -------------------------------------------------------------------------------------
    // Conditions
    // spec: "Condition operators" (missing keys: false, except negated operators, true;
    // `...IfExists`: true) and "Set operators for multivalued context keys" (`ForAllValues`
    // true and `ForAnyValue` false on a missing key).

    fn condition(&mut self, c: &'p CCondition) -> bool {
        let Some(op) = c.op else { return false };
        let req = self.req;
        let entry = req.get(&c.key_lc);
        if op.base == BaseOperator::Null {
            if entry.is_none() {
                self.missing.push(&c.key);
            }
            let absent = entry.is_none();
            // `"Null": {"k": "true"}` is met when the key is absent, `"false"` when present.
            return c
                .values
                .iter()
                .any(|v| matches!(v, CValue::Null(Some(want)) if *want == absent));
        }
        let Some(entry) = entry else {
            self.missing.push(&c.key);
            return op.if_exists
                || match op.qualifier {
                    Some(SetQualifier::ForAllValues) => true,
                    Some(SetQualifier::ForAnyValue) => false,
                    None => op.base.is_negated(),
                };
        };
        let positive = op.base.positive();
        let matches_any_policy_value =
            |me: &mut Self, v: &str| c.values.iter().any(|pv| me.value_matches(positive, pv, v));
        let values = &entry.values;
        match (op.qualifier, op.base.is_negated()) {
            (Some(SetQualifier::ForAllValues), false) => {
                values.iter().all(|v| matches_any_policy_value(self, v))
            }
            (Some(SetQualifier::ForAnyValue), true) => {
                values.iter().any(|v| !matches_any_policy_value(self, v))
            }
            (Some(SetQualifier::ForAnyValue), false) | (None, false) => {
                values.iter().any(|v| matches_any_policy_value(self, v))
            }
            (Some(SetQualifier::ForAllValues), true) | (None, true) => {
                values.iter().all(|v| !matches_any_policy_value(self, v))
            }
        }
    }

    /// The positive comparison of one request value with one policy value.
    fn value_matches(&mut self, base: BaseOperator, pv: &'p CValue, v: &str) -> bool {
        use BaseOperator::*;
        match (base, pv) {
            (StringEquals, CValue::Text(t)) => self.with_text(t, |p| p == v),
            (StringEqualsIgnoreCase, CValue::Text(t)) => {
                self.with_text(t, |p| eq_ignore_case(p, v))
            }
            (Bool, CValue::Text(t)) => {
                let want = parse_bool(v);
                want.is_some() && self.with_text(t, |p| parse_bool(p) == want)
            }
            (BinaryEquals, CValue::Text(t)) => self.with_text(t, |p| p == v),
            (StringLike, CValue::Pattern(p)) => self.pattern_match(p, v, string_like),
            (ArnLike, CValue::Pattern(p)) => {
                Arn::parse(v).is_some() && self.pattern_match(p, v, arn_like)
            }
            (_, CValue::Number(Some(p))) => {
                parse_number(v).is_some_and(|n| compare_ordered(base, n, *p))
            }
            (_, CValue::Date(Some(p))) => {
                parse_date(v).is_some_and(|d| compare_ordered(base, d, *p))
            }
            (IpAddress, CValue::Ip(Some(net))) => parse_ip(v).is_some_and(|ip| net.contains(ip)),
            _ => false,
        }
    }

    fn with_text(&mut self, t: &'p TextValue, f: impl FnOnce(&str) -> bool) -> bool {
        match t {
            TextValue::Static(s) => f(s),
            TextValue::Template(tm) => {
                if !self.render(tm, false) {
                    return false;
                }
                std::str::from_utf8(&self.buf).is_ok_and(f)
            }
        }
    }
}

/// `StringLike`: a case-sensitive glob over the whole value.
fn string_like(pattern: &[u8], text: &str) -> bool {
    glob_match(pattern, text.as_bytes(), false)
}

/// Unicode case-insensitive equality without allocating.
fn eq_ignore_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// Whether a policy's role ARN names the role of an assumed-role caller (same partition,
/// account and role name; the session ARN does not carry the role's path).
fn names_role(arn: &str, p: &super::request::Principal) -> bool {
    let Some(a) = Arn::parse(arn) else {
        return false;
    };
    let Some(rest) = a.resource.strip_prefix("role/") else {
        return false;
    };
    a.service == "iam"
        && a.partition == p.partition
        && p.account.as_deref() == Some(a.account)
        && p.role_name.as_deref() == rest.rsplit('/').next()
}

/// One identity in the caller's chain, for `NotPrincipal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// The caller's own ARN (user, session, federated user, role, other).
    Exact,
    /// The role of an assumed-role session.
    Role,
    Account,
    Service,
    Anonymous,
}

fn link_named(link: &Link, e: &PrincipalEntry, p: &super::request::Principal) -> bool {
    match (link, e) {
        (_, PrincipalEntry::Any) => true,
        (Link::Exact, PrincipalEntry::Arn(a)) => *a == p.arn,
        (Link::Exact, PrincipalEntry::Federated(s) | PrincipalEntry::CanonicalUser(s)) => {
            *s == p.arn
        }
        (Link::Role, PrincipalEntry::Arn(a)) => names_role(a, p),
        (Link::Account, PrincipalEntry::Account(a)) => p.account.as_deref() == Some(a.as_str()),
        (Link::Service, PrincipalEntry::Service(s)) => s.eq_ignore_ascii_case(&p.arn),
        _ => false,
    }
}
