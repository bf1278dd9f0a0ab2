//! Action / NotAction values: format, service and action existence (service data), wildcards,
//! actions that cannot apply to the policy type. spec: IAM User Guide, "Action" and the
//! Service Authorization Reference.

use super::parsed::{ActionEntry, ActionForm, ActionName};
use super::{article, checks, links, Ctx};
use crate::policy::catalog::Service;
use crate::policy::iam::glob::{encode_pattern, glob_match, text_has_wildcard};
use crate::policy::model::edit_distance_le1;
use crate::policy::validate::PolicyType;

checks! {
    INVALID_ACTION_FORMAT = (Error, "An action is not `service:Action` (or `*`).", links::ACTION) => invalid_action_format;
    INVALID_SERVICE_IN_ACTION = (Error, "The service prefix of an action does not exist (service data).", links::SERVICE_REFERENCE) => invalid_service_in_action;
    INVALID_ACTION = (Error, "The action does not exist in its service, or the pattern matches no action (service data).", links::SERVICE_REFERENCE) => invalid_action;
    WILDCARD_IN_SERVICE_NAME = (Suggestion, "A wildcard in a service name can match services you did not mean, including future ones.", links::ACTION) => wildcard_in_service_name;
    UNSUPPORTED_ACTION_IN_POLICY = (Error, "An action that can never apply to this policy type (a non-KMS action in a key policy, a non-STS action in a trust policy).", links::ACTION) => unsupported_action_in_policy;
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

/// The `service:Action` entries (`*`, empty entries and variables are other families').
fn named<'c, 'a: 'c>(
    ctx: &'c Ctx<'a>,
) -> impl Iterator<Item = (ActionEntry<'a, 'c>, ActionName<'a>)> + 'c {
    ctx.parsed
        .action_entries(ctx.policy)
        .filter_map(|e| match *e.form {
            ActionForm::Named(n) => Some((e, n)),
            _ => None,
        })
}

fn invalid_action_format(ctx: &Ctx<'_>) {
    for e in ctx.parsed.action_entries(ctx.policy) {
        let a = &e.item.value;
        let message = match e.form {
            ActionForm::NoServiceOrName => format!("`{a}` is not an action: write `service:ActionName` (for example `kms:Decrypt`) or `*`."),
            ActionForm::BadCharacters => format!("`{a}` is not an action: no spaces and only one `:` (service:ActionName)."),
            ActionForm::Other | ActionForm::Named(_) => continue,
        };
        e.report(ctx, &INVALID_ACTION_FORMAT, message);
    }
}

/// Wildcards in the service of an action, or of a Resource ARN.
fn wildcard_in_service_name(ctx: &Ctx<'_>) {
    for (e, n) in named(ctx).filter(|(_, n)| n.wild_service) {
        e.report(ctx, &WILDCARD_IN_SERVICE_NAME, format!("`{}` uses a wildcard in the service name: it can match other services, including future ones. Name the services.", n.service));
    }
    for r in ctx.parsed.resources() {
        let Some(arn) = r.arn() else { continue };
        if text_has_wildcard(arn.service) {
            r.report(ctx, &WILDCARD_IN_SERVICE_NAME, format!("`{}` uses a wildcard in the ARN's service: it can match other services. Name the service.", arn.service));
        }
    }
}

/// Actions of other services in a key policy; in a trust policy, actions other than STS's
/// (no service data needed).
fn unsupported_action_in_policy(ctx: &Ctx<'_>) {
    for (e, n) in named(ctx).filter(|(_, n)| !n.wild_service) {
        let a = &e.item.value;
        let message = match ctx.policy_type {
            PolicyType::KmsKey if !n.service.eq_ignore_ascii_case("kms") => format!("`{a}` is not a KMS action: a key policy only controls access to the KMS key, so this entry has no effect."),
            PolicyType::Trust if !e.list.negated => {
                let pattern = encode_pattern(a);
                if TRUST_ACTIONS
                    .iter()
                    .any(|t| glob_match(&pattern, t.as_bytes(), true))
                {
                    continue;
                }
                format!("`{a}` cannot be used in a role trust policy: only sts:AssumeRole, sts:AssumeRoleWithSAML, sts:AssumeRoleWithWebIdentity, sts:TagSession, sts:SetSourceIdentity and sts:SetContext apply.")
            }
            _ => continue,
        };
        e.report(ctx, &UNSUPPORTED_ACTION_IN_POLICY, message);
    }
}

/// Literal service prefixes the service data does not have, with the nearest one suggested.
fn invalid_service_in_action(ctx: &Ctx<'_>) {
    let Some(cat) = ctx.catalog else { return };
    for (e, n) in named(ctx).filter(|(_, n)| !n.wild_service && n.catalog_service.is_none()) {
        let (range, svc) = (e.item.range, n.service);
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
                e.list.item(e.i),
                msg,
                range,
                format!("\"{s}:{}\"", n.name),
                format!("Use `{s}`"),
            ),
            None => e.report(ctx, &INVALID_SERVICE_IN_ACTION, msg),
        }
    }
}

/// Entries of a known service that name none of its actions.
fn invalid_action(ctx: &Ctx<'_>) {
    let Some(cat) = ctx.catalog else { return };
    for (e, n) in named(ctx) {
        if let (Some(si), None) = (n.catalog_service, n.catalog_action) {
            check_action(ctx, &cat.services()[si], e, n);
        }
    }
}

/// An entry of a known service whose name is not one of its actions (a pattern: matches none).
fn check_action(ctx: &Ctx<'_>, service: &Service, e: ActionEntry<'_, '_>, n: ActionName<'_>) {
    let (range, a, name) = (e.item.range, e.item.value.as_str(), n.name);
    if n.wild_name {
        if service.matching_action_indices(name).is_empty() {
            e.report(
                ctx,
                &INVALID_ACTION,
                format!("`{a}` matches no {} action.", service.name),
            );
        }
        return;
    }
    let path = e.list.item(e.i);
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
