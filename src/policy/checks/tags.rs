//! Tag conditions (`aws:ResourceTag/...`) on actions whose service does not support them:
//! the key is then absent, so Allow never matches and Deny never denies. spec: IAM User Guide,
//! "Controlling access to AWS resources using tags" and the Service Authorization Reference.

use super::{checks, links, split_action, Ctx};
use crate::policy::catalog::{ActionDef, Service};
use crate::policy::iam::glob::text_has_wildcard;

checks! {
    ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE = (Suggestion, "Allow with aws:ResourceTag for actions that do not support it: those actions are never allowed by this statement.", links::ABAC);
    DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE = (SecurityWarning, "Deny with aws:ResourceTag for actions that do not support it: those actions are never denied by this statement.", links::ABAC);
    ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE = (Suggestion, "Allow + NotAction with aws:ResourceTag: actions that lack the key are not allowed.", links::ABAC);
    DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE = (SecurityWarning, "Deny + NotAction with aws:ResourceTag: actions that lack the key are not denied.", links::ABAC);
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

pub fn run(ctx: &mut Ctx<'_>) {
    let p = ctx.policy;
    for st in &p.statements {
        let Some(c) = &st.condition else { continue };
        let tag_entry = c
            .operators
            .iter()
            .filter(|o| {
                o.op.is_some_and(|o| o.base != crate::policy::iam::operator::BaseOperator::Null)
            })
            .flat_map(|o| o.entries.iter())
            .find(|e| {
                e.key
                    .value
                    .to_ascii_lowercase()
                    .starts_with("aws:resourcetag/")
            });
        let Some(entry) = tag_entry else { continue };
        let Some(action) = &st.action else { continue };
        let allow = st.is_allow();
        if action.negated {
            let (check, msg) = if allow {
                (&ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE, "With NotAction, this statement covers actions of every service, and those that do not support aws:ResourceTag are not allowed by it. List the actions in `Action` instead.")
            } else {
                (&DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE, "With NotAction, this Deny covers actions of every service, and those that do not support aws:ResourceTag are never denied by it (the key is absent, so the condition is false). List the actions to deny in `Action`.")
            };
            ctx.report(check, entry.key.range, entry.path.clone(), msg);
            continue;
        }
        let Some(cat) = ctx.catalog else { continue };
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
        if unsupported.is_empty() {
            continue;
        }
        let list = unsupported.join(", ");
        if allow {
            ctx.report(&ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE, entry.key.range, entry.path.clone(), format!("{list} {} not support aws:ResourceTag, so this statement never allows {}. Move {} to a statement without this condition, scoped by resource ARN.", if unsupported.len() == 1 { "does" } else { "do" }, if unsupported.len() == 1 { "it" } else { "them" }, if unsupported.len() == 1 { "it" } else { "them" }));
        } else {
            ctx.report(&DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE, entry.key.range, entry.path.clone(), format!("{list} {} not support aws:ResourceTag, so this Deny never applies to {} (the key is absent and the condition is false). Deny {} in a separate statement scoped by resource ARN; do not use ...IfExists as a workaround.", if unsupported.len() == 1 { "does" } else { "do" }, if unsupported.len() == 1 { "it" } else { "them" }, if unsupported.len() == 1 { "it" } else { "them" }));
        }
    }
}
