//! Tag conditions (`aws:ResourceTag/...`) on actions whose service does not support them:
//! the key is then absent, so Allow never matches and Deny never denies. spec: IAM User Guide,
//! "Controlling access to AWS resources using tags" and the Service Authorization Reference.

use super::{checks, links, split_action, Ctx};
use crate::policy::catalog::{ActionDef, Catalog, Service};
use crate::policy::iam::glob::text_has_wildcard;
use crate::policy::iam::operator::BaseOperator;
use crate::policy::model::{ConditionEntry, Statement, StringList};

checks! {
    ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE = (Suggestion, "Allow with aws:ResourceTag for actions that do not support it: those actions are never allowed by this statement.", links::ABAC) => allow_with_unsupported_tag_condition_key_for_service;
    DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE = (SecurityWarning, "Deny with aws:ResourceTag for actions that do not support it: those actions are never denied by this statement.", links::ABAC) => deny_with_unsupported_tag_condition_key_for_service;
    ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE = (Suggestion, "Allow + NotAction with aws:ResourceTag: actions that lack the key are not allowed.", links::ABAC) => allow_notaction_with_unsupported_tag_condition_key_for_service;
    DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE = (SecurityWarning, "Deny + NotAction with aws:ResourceTag: actions that lack the key are not denied.", links::ABAC) => deny_notaction_with_unsupported_tag_condition_key_for_service;
}

fn supports_resource_tag(svc: &Service, a: &ActionDef) -> bool {
    let is_tag = |i: &u16| {
        svc.key_at(*i).is_some_and(|k| {
            k.name.to_ascii_lowercase().starts_with("aws:resourcetag/")
                || k.name
                    .to_ascii_lowercase()
                    .ends_with(":resourcetag/${tagkey}")
        })
    };
    a.condition_keys.iter().any(is_tag)
        || a.resource_types.iter().any(|(t, _)| {
            svc.resource_type(*t)
                .is_some_and(|rt| rt.condition_keys.iter().any(is_tag))
        })
}

/// The statements with an `aws:ResourceTag/...` condition (under an operator other than Null)
/// and Action / NotAction, with the first such entry.
fn tag_conditioned<'a>(
    ctx: &Ctx<'a>,
) -> impl Iterator<Item = (&'a Statement, &'a ConditionEntry, &'a StringList)> + 'a {
    ctx.policy.statements.iter().filter_map(|st| {
        let entry = st
            .condition
            .as_ref()?
            .operators
            .iter()
            .filter(|o| o.op.is_some_and(|o| o.base != BaseOperator::Null))
            .flat_map(|o| o.entries.iter())
            .find(|e| {
                e.key
                    .value
                    .to_ascii_lowercase()
                    .starts_with("aws:resourcetag/")
            })?;
        Some((st, entry, st.action.as_ref()?))
    })
}

fn allow_notaction_with_unsupported_tag_condition_key_for_service(ctx: &Ctx<'_>) {
    for (_, entry, _) in tag_conditioned(ctx).filter(|(st, _, a)| st.is_allow() && a.negated) {
        ctx.report(&ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE, entry.key.range, entry.path.clone(), "With NotAction, this statement covers actions of every service, and those that do not support aws:ResourceTag are not allowed by it. List the actions in `Action` instead.");
    }
}

fn deny_notaction_with_unsupported_tag_condition_key_for_service(ctx: &Ctx<'_>) {
    for (_, entry, _) in tag_conditioned(ctx).filter(|(st, _, a)| !st.is_allow() && a.negated) {
        ctx.report(&DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE, entry.key.range, entry.path.clone(), "With NotAction, this Deny covers actions of every service, and those that do not support aws:ResourceTag are never denied by it (the key is absent, so the condition is false). List the actions to deny in `Action`.");
    }
}

/// The Action entries (without repeats) that name actions of a known service that do not
/// support aws:ResourceTag.
fn unsupported(cat: &Catalog, action: &StringList) -> Vec<String> {
    let mut unsupported: Vec<String> = Vec::new();
    for it in &action.items {
        let Some((svc, name)) = split_action(&it.value) else {
            continue;
        };
        if text_has_wildcard(svc) {
            continue;
        }
        let Some(service) = cat.service(svc) else {
            continue;
        };
        let bad = if text_has_wildcard(name) {
            service
                .matching_actions(name)
                .any(|a| !supports_resource_tag(service, a))
        } else {
            service
                .action(name)
                .is_some_and(|a| !supports_resource_tag(service, a))
        };
        if bad && !unsupported.contains(&it.value) {
            unsupported.push(it.value.clone());
        }
    }
    unsupported
}

/// The tag-conditioned statements of `effect` (Allow: true) with an Action list, with the
/// entries [`unsupported`] finds, when there are any: (entry, the list, "does"/"do",
/// "it"/"them").
fn unsupported_actions<'a>(
    ctx: &Ctx<'a>,
    allow: bool,
) -> impl Iterator<Item = (&'a ConditionEntry, String, &'static str, &'static str)> + 'a {
    let cat = ctx.catalog;
    tag_conditioned(ctx)
        .filter(move |(st, _, a)| st.is_allow() == allow && !a.negated)
        .filter_map(move |(_, entry, action)| {
            let unsupported = unsupported(cat?, action);
            let (verb, pronoun) = match unsupported.len() {
                0 => return None,
                1 => ("does", "it"),
                _ => ("do", "them"),
            };
            Some((entry, unsupported.join(", "), verb, pronoun))
        })
}

fn allow_with_unsupported_tag_condition_key_for_service(ctx: &Ctx<'_>) {
    for (entry, list, verb, them) in unsupported_actions(ctx, true) {
        ctx.report(&ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE, entry.key.range, entry.path.clone(), format!("{list} {verb} not support aws:ResourceTag, so this statement never allows {them}. Move {them} to a statement without this condition, scoped by resource ARN."));
    }
}

fn deny_with_unsupported_tag_condition_key_for_service(ctx: &Ctx<'_>) {
    for (entry, list, verb, them) in unsupported_actions(ctx, false) {
        ctx.report(&DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE, entry.key.range, entry.path.clone(), format!("{list} {verb} not support aws:ResourceTag, so this Deny never applies to {them} (the key is absent and the condition is false). Deny {them} in a separate statement scoped by resource ARN; do not use ...IfExists as a workaround."));
    }
}
