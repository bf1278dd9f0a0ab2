//! Action / NotAction values: format, service and action existence (service data), wildcards,
//! actions that cannot apply to the policy type. spec: IAM User Guide, "Action" and the
//! Service Authorization Reference.

use super::{article, checks, links, split_action, Ctx};
use crate::policy::catalog::Catalog;
use crate::policy::iam::glob::{encode_pattern, glob_match, text_has_wildcard};
use crate::policy::model::edit_distance_le1;
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
    let p = ctx.policy;
    let catalog = ctx.catalog;
    for st in &p.statements {
        let Some(list) = &st.action else { continue };
        for (i, it) in list.items.iter().enumerate() {
            let a = it.value.as_str();
            let path = list.item_path(i);
            // Variables in actions are reported by the variables family.
            if a == "*" || a.is_empty() || a.contains("${") {
                continue;
            }
            let Some((svc, name)) = split_action(a) else {
                ctx.report(&INVALID_ACTION_FORMAT, it.range, path, format!("`{a}` is not an action: write `service:ActionName` (for example `kms:Decrypt`) or `*`."));
                continue;
            };
            if svc.contains(char::is_whitespace)
                || name.contains(char::is_whitespace)
                || name.contains(':')
            {
                ctx.report(
                    &INVALID_ACTION_FORMAT,
                    it.range,
                    path,
                    format!(
                        "`{a}` is not an action: no spaces and only one `:` (service:ActionName)."
                    ),
                );
                continue;
            }
            if text_has_wildcard(svc) {
                ctx.report(&WILDCARD_IN_SERVICE_NAME, it.range, path.clone(), format!("`{svc}` uses a wildcard in the service name: it can match other services, including future ones. Name the services."));
            }
            // Policy-type restrictions (no service data needed).
            match ctx.policy_type {
                PolicyType::KmsKey
                    if !text_has_wildcard(svc) && !svc.eq_ignore_ascii_case("kms") =>
                {
                    ctx.report(&UNSUPPORTED_ACTION_IN_POLICY, it.range, path.clone(), format!("`{a}` is not a KMS action: a key policy only controls access to the KMS key, so this entry has no effect."));
                }
                PolicyType::Trust if !text_has_wildcard(svc) && !list.negated => {
                    let pattern = encode_pattern(a);
                    let ok = TRUST_ACTIONS
                        .iter()
                        .any(|t| glob_match(&pattern, t.as_bytes(), true));
                    if !ok {
                        ctx.report(&UNSUPPORTED_ACTION_IN_POLICY, it.range, path.clone(), format!("`{a}` cannot be used in a role trust policy: only sts:AssumeRole, sts:AssumeRoleWithSAML, sts:AssumeRoleWithWebIdentity, sts:TagSession, sts:SetSourceIdentity and sts:SetContext apply."));
                    }
                }
                _ => {}
            }
            let Some(cat) = catalog else { continue };
            if text_has_wildcard(svc) {
                continue;
            }
            check_with_catalog(ctx, cat, it.range, &path, a, svc, name);
        }
    }
}

fn check_with_catalog(
    ctx: &mut Ctx<'_>,
    cat: &Catalog,
    range: crate::policy::span::TextRange,
    path: &str,
    a: &str,
    svc: &str,
    name: &str,
) {
    let Some(service) = cat.service(svc) else {
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
        return;
    };
    if text_has_wildcard(name) {
        if service.matching_actions(name).next().is_none() {
            ctx.report(
                &INVALID_ACTION,
                range,
                path,
                format!("`{a}` matches no {} action.", service.name),
            );
        }
        return;
    }
    if service.action(name).is_some() {
        return;
    }
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
