//! Action / NotAction values: format, service and action existence (service data), wildcards,
//! actions that cannot apply to the policy type. spec: IAM User Guide, "Action" and the
//! Service Authorization Reference.

use super::parsed::ActionForm;
use super::{article, checks, links, Ctx};
use crate::policy::catalog::{Catalog, Service};
use crate::policy::iam::glob::{encode_pattern, glob_match};
use crate::policy::model::{edit_distance_le1, StringList};
use crate::policy::span::TextRange;
use crate::policy::validate::PolicyType;

checks! {
    INVALID_ACTION_FORMAT = (Error, "An action is not `service:Action` (or `*`).", links::ACTION);
    INVALID_SERVICE_IN_ACTION = (Error, "The service prefix of an action does not exist (service data).", links::SERVICE_REFERENCE);
    INVALID_ACTION = (Error, "The action does not exist in its service, or the pattern matches no action (service data).", links::SERVICE_REFERENCE);
    WILDCARD_IN_SERVICE_NAME = (Suggestion, "A wildcard in a service name can match services you did not mean, including future ones.", links::ACTION);
    UNSUPPORTED_ACTION_IN_POLICY = (Error, "An action that can never apply to this policy type (a non-KMS action in a key policy, a non-STS action in a trust policy).", links::ACTION);
}

/// Actions a role trust policy can allow.
const TRUST_ACTIONS: &[&str] = &[
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:TagSession",
    "sts:SetSourceIdentity",
    "sts:SetContext",
];

pub fn run(ctx: &mut Ctx<'_>) {
    let catalog = ctx.catalog;
    for (st, actions) in ctx.parsed.statements(ctx.policy) {
        let Some(list) = &st.action else { continue };
        for ((i, it), form) in list.items.iter().enumerate().zip(&actions.forms) {
            let a = it.value.as_str();
            let n = match *form {
                // `*`, empty entries and variables (the variables family's).
                ActionForm::Other => continue,
                ActionForm::NoServiceOrName => {
                    ctx.report(&INVALID_ACTION_FORMAT, it.range, list.item_path(i), format!("`{a}` is not an action: write `service:ActionName` (for example `kms:Decrypt`) or `*`."));
                    continue;
                }
                ActionForm::BadCharacters => {
                    ctx.report(
                        &INVALID_ACTION_FORMAT,
                        it.range,
                        list.item_path(i),
                        format!(
                            "`{a}` is not an action: no spaces and only one `:` (service:ActionName)."
                        ),
                    );
                    continue;
                }
                ActionForm::Named(n) => n,
            };
            let (svc, name, wild_svc) = (n.service, n.name, n.wild_service);
            if wild_svc {
                ctx.report(&WILDCARD_IN_SERVICE_NAME, it.range, list.item_path(i), format!("`{svc}` uses a wildcard in the service name: it can match other services, including future ones. Name the services."));
            }
            // Policy-type restrictions (no service data needed).
            match ctx.policy_type {
                PolicyType::KmsKey if !wild_svc && !svc.eq_ignore_ascii_case("kms") => {
                    ctx.report(&UNSUPPORTED_ACTION_IN_POLICY, it.range, list.item_path(i), format!("`{a}` is not a KMS action: a key policy only controls access to the KMS key, so this entry has no effect."));
                }
                PolicyType::Trust if !wild_svc && !list.negated => {
                    let pattern = encode_pattern(a);
                    let ok = TRUST_ACTIONS
                        .iter()
                        .any(|t| glob_match(&pattern, t.as_bytes(), true));
                    if !ok {
                        ctx.report(&UNSUPPORTED_ACTION_IN_POLICY, it.range, list.item_path(i), format!("`{a}` cannot be used in a role trust policy: only sts:AssumeRole, sts:AssumeRoleWithSAML, sts:AssumeRoleWithWebIdentity, sts:TagSession, sts:SetSourceIdentity and sts:SetContext apply."));
                    }
                }
                _ => {}
            }
            let Some(cat) = catalog else { continue };
            if wild_svc {
                continue;
            }
            let at = Entry {
                range: it.range,
                list,
                i,
            };
            match n.catalog_service {
                Some(_) if n.catalog_action.is_some() => {}
                Some(si) => check_action(ctx, &cat.services()[si], at, a, name, n.wild_name),
                None => unknown_service(ctx, cat, at, svc, name),
            }
        }
    }
}

/// Where an entry is: its range and its place in its list (the path, made when reported).
#[derive(Clone, Copy)]
struct Entry<'a> {
    range: TextRange,
    list: &'a StringList,
    i: usize,
}

fn unknown_service(ctx: &Ctx<'_>, cat: &Catalog, at: Entry<'_>, svc: &str, name: &str) {
    let range = at.range;
    let path = at.list.item_path(at.i);
    let lc = svc.to_ascii_lowercase();
    let sug = cat
        .services()
        .iter()
        .find(|s| edit_distance_le1(&s.prefix, &lc))
        .map(|s| s.prefix.clone());
    let msg = match &sug {
        Some(s) => format!("`{svc}` is not an AWS service prefix; did you mean `{s}`?"),
        None => format!(
            "`{svc}` is not an AWS service prefix (service data {}).",
            cat.source
        ),
    };
    match sug {
        Some(s) => ctx.report_fix(
            &INVALID_SERVICE_IN_ACTION,
            range,
            path,
            msg,
            range,
            format!("\"{s}:{name}\""),
            format!("Use `{s}`"),
        ),
        None => ctx.report(&INVALID_SERVICE_IN_ACTION, range, path, msg),
    }
}

/// An entry of a known service that names no action of it (a known action is not checked).
fn check_action(
    ctx: &Ctx<'_>,
    service: &Service,
    at: Entry<'_>,
    a: &str,
    name: &str,
    wild_name: bool,
) {
    let range = at.range;
    if wild_name {
        if service.matching_action_indices(name).is_empty() {
            ctx.report(
                &INVALID_ACTION,
                range,
                at.list.item_path(at.i),
                format!("`{a}` matches no {} action.", service.name),
            );
        }
        return;
    }
    let path = at.list.item_path(at.i);
    let lc = name.to_ascii_lowercase();
    let sug = service
        .actions
        .iter()
        .find(|x| edit_distance_le1(&x.name.to_ascii_lowercase(), &lc))
        .map(|x| x.name.clone());
    let msg = match &sug {
        Some(s) => format!(
            "`{a}` is not {} {} action; did you mean `{}:{s}`?",
            article(&service.name),
            service.name,
            service.prefix
        ),
        None => format!(
            "`{a}` is not {} {} action.",
            article(&service.name),
            service.name
        ),
    };
    match sug {
        Some(s) => {
            let repl = format!("\"{}:{s}\"", service.prefix);
            ctx.report_fix(
                &INVALID_ACTION,
                range,
                path,
                msg,
                range,
                repl,
                format!("Use `{}:{s}`", service.prefix),
            )
        }
        None => ctx.report(&INVALID_ACTION, range, path, msg),
    }
}
