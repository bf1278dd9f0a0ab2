//! Does a grant allow a request? Operation, key, principal and constraints of a [`Grant`]
//! against a prepared request.
//!
//! spec: KMS Developer Guide, "Grants in AWS KMS" (a grant allows its grantee principal to
//! call its operations on its one KMS key when its constraints are met; it can allow, never
//! deny), "Grant constraints" and the API's "GrantConstraints" (`EncryptionContextSubset`:
//! the request's encryption context includes the pairs; `EncryptionContextEquals`: it is
//! exactly the pairs; "in a grant constraint, the key in each key-value pair is not case
//! sensitive, but the value is case sensitive"; constraints apply only to operations that
//! take an encryption context), "Retiring and revoking grants" (the retiring principal may
//! retire the grant; so may the grantee when the grant allows `RetireGrant`), "Grant
//! constraints" for `CreateGrant` (a grantee that got `CreateGrant` from a grant can create
//! grants only for operations of its own grant, with constraints at least as strict).
//!
//! How the grantee principal names the caller decides what else must allow the request,
//! exactly as for a principal named in a key policy ([`PrincipalMatch`]): the caller itself
//! (user, session, service principal, the root user as the account ARN) is named directly;
//! a role names its sessions, which the boundary and session policy still limit; an account
//! (`arn:aws:iam::A:root`) delegates to that account's IAM policies, which must allow.
//!
//! The request's encryption context is read from its `kms:EncryptionContext:<key>` context
//! keys. A key given more than once (two spellings that differ only in case, or a list) is
//! ambiguous and satisfies no constraint on that key.

use serde::Serialize;

use super::super::evaluate::request::{Prepared, Principal, PrincipalKind};
use super::ops::{self, Operation};
use super::parse::{Grant, Pair};
use crate::policy::evaluate::PrincipalMatch;
use crate::policy::iam::arn::Arn;

/// In what capacity a grant named the caller.
#[cfg_attr(feature = "ts-types", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Capacity {
    /// The grant's grantee principal.
    Grantee,
    /// The grant's retiring principal (`RetireGrant` only).
    RetiringPrincipal,
}

/// A grant that allows the request, and how it named the caller.
#[derive(Debug, Clone, Copy)]
pub struct GrantMatch {
    pub how: PrincipalMatch,
    pub capacity: Capacity,
}

const ENCRYPTION_CONTEXT: &str = "kms:encryptioncontext:";
const GRANT_OPERATIONS: &str = "kms:GrantOperations";

/// Whether `grant` allows the request; context keys its constraints read that the request did
/// not give are added to `missing`.
pub fn applies<'g>(
    grant: &'g Grant,
    req: &Prepared,
    missing: &mut Vec<&'g str>,
) -> Option<GrantMatch> {
    let op = ops::for_action(&req.action)?;
    if !names_key(&grant.key_id.value, &req.resource) {
        return None;
    }
    if op.name == "RetireGrant" {
        if let Some(how) = grant
            .retiring
            .as_ref()
            .and_then(|r| names(&r.value, &req.principal))
        {
            return Some(GrantMatch {
                how,
                capacity: Capacity::RetiringPrincipal,
            });
        }
    }
    if !grant.allows(op) {
        return None;
    }
    let how = names(&grant.grantee.value, &req.principal)?;
    if op.encryption_context && !constraints_met(grant, req, missing) {
        return None;
    }
    if op.name == "CreateGrant" && !subset_of_grant(grant, req, missing) {
        return None;
    }
    Some(GrantMatch {
        how,
        capacity: Capacity::Grantee,
    })
}

/// Whether the grant's key (a key ARN, or a key id of the form `1234abcd-...`) is the
/// request's resource.
fn names_key(key_id: &str, resource: &str) -> bool {
    if key_id.starts_with("arn:") {
        return key_id == resource;
    }
    Arn::parse(resource)
        .is_some_and(|a| a.service == "kms" && a.resource.strip_prefix("key/") == Some(key_id))
}

/// How the principal `named` in a grant names the caller, if it does.
pub fn names(named: &str, caller: &Principal) -> Option<PrincipalMatch> {
    let g = Principal::parse(named);
    if g.kind == PrincipalKind::Other || g.kind == PrincipalKind::Anonymous {
        // Neither an IAM principal nor a service principal: matched by no caller.
        return None;
    }
    if g.arn == caller.arn {
        return Some(PrincipalMatch::Direct);
    }
    let same_account =
        g.account.is_some() && g.account == caller.account && g.partition == caller.partition;
    match g.kind {
        PrincipalKind::Role
            if caller.kind == PrincipalKind::AssumedRole
                && same_account
                && g.role_name == caller.role_name =>
        {
            Some(PrincipalMatch::RoleArn)
        }
        PrincipalKind::Root if caller.kind.is_iam() && same_account => {
            Some(PrincipalMatch::Account)
        }
        _ => None,
    }
}

/// The request's one value of encryption-context key `key` (compared case-insensitively);
/// `Err(())` when the key is absent, `Ok(None)` when it is ambiguous.
fn context_value<'r>(req: &'r Prepared, key: &str) -> Result<Option<&'r str>, ()> {
    let lc = format!("{ENCRYPTION_CONTEXT}{}", key.to_ascii_lowercase());
    match req.get(&lc) {
        None => Err(()),
        Some(e) if e.values.len() == 1 && !e.multi => Ok(Some(e.values[0].as_str())),
        Some(_) => Ok(None),
    }
}

/// Every pair is in the request's encryption context (keys case-insensitive, values exact).
fn includes<'g>(pairs: &'g [Pair], req: &Prepared, missing: &mut Vec<&'g str>) -> bool {
    let mut ok = true;
    for p in pairs {
        match context_value(req, &p.key) {
            Err(()) => {
                missing.push(&p.context_key);
                ok = false;
            }
            Ok(v) => ok &= v == Some(p.value.as_str()),
        }
    }
    ok
}

fn constraints_met<'g>(grant: &'g Grant, req: &Prepared, missing: &mut Vec<&'g str>) -> bool {
    let c = &grant.constraints.value;
    if let Some(subset) = &c.subset {
        if !includes(&subset.value, req, missing) {
            return false;
        }
    }
    if let Some(equals) = &c.equals {
        if !includes(&equals.value, req, missing) {
            return false;
        }
        // Exactly those pairs: no other encryption-context key in the request.
        // Request keys are as the request spelt them: the prefix is compared case-insensitively.
        let extra = req.context.iter().any(|e| {
            let n = ENCRYPTION_CONTEXT.len();
            !e.values.is_empty()
                && e.key
                    .get(..n)
                    .is_some_and(|h| h.eq_ignore_ascii_case(ENCRYPTION_CONTEXT))
                && !equals
                    .value
                    .iter()
                    .any(|p| p.key.eq_ignore_ascii_case(&e.key[n..]))
        });
        if extra {
            return false;
        }
    }
    true
}

/// For `CreateGrant` through a grant: every operation of the new grant (`kms:GrantOperations`)
/// is one this grant allows.
fn subset_of_grant<'g>(grant: &'g Grant, req: &Prepared, missing: &mut Vec<&'g str>) -> bool {
    let Some(e) = req.get("kms:grantoperations") else {
        missing.push(GRANT_OPERATIONS);
        return false;
    };
    e.values
        .iter()
        .all(|v| ops::find(v).is_some_and(|op: &Operation| grant.allows(op)))
}
