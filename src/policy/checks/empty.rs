//! Empty elements: statements that grant or deny nothing, conditions that always or never match.
//! spec: IAM User Guide, "Condition" (empty value sets) and the element pages.

use super::{checks, links, Ctx};
use crate::policy::iam::operator::SetQualifier;
use crate::policy::model::PrincipalValue;

checks! {
    EMPTY_ARRAY_ACTION = (Suggestion, "Action is an empty array: the statement matches no action.", links::ACTION);
    EMPTY_ARRAY_RESOURCE = (Suggestion, "Resource is an empty array: the statement matches no resource.", links::RESOURCE);
    EMPTY_ARRAY_PRINCIPAL = (Suggestion, "A principal type with an empty array: it names nobody.", links::PRINCIPAL);
    EMPTY_OBJECT_PRINCIPAL = (Suggestion, "Principal is an empty object: it names nobody.", links::PRINCIPAL);
    EMPTY_OBJECT_CONDITION = (Suggestion, "Condition (or one operator in it) is an empty object.", links::CONDITION);
    EMPTY_ARRAY_CONDITION = (Suggestion, "A condition key with an empty array of values never matches.", links::CONDITION);
    EMPTY_ARRAY_CONDITION_FORALLVALUES = (Suggestion, "ForAllValues with no values matches only when the key is absent; use Null instead.", links::MULTI_VALUE);
    EMPTY_ARRAY_CONDITION_FORANYVALUE = (Suggestion, "ForAnyValue with no values never matches.", links::MULTI_VALUE);
    EMPTY_ARRAY_CONDITION_IFEXISTS = (Suggestion, "...IfExists with no values matches only when the key is absent; use Null instead.", links::OPERATORS);
    EMPTY_STRING_VALUE = (Warning, "An empty string as an action, resource or principal never matches anything.", links::GRAMMAR);
}

pub fn run(ctx: &mut Ctx<'_>) {
    let p = ctx.policy;
    for st in &p.statements {
        if let Some(a) = &st.action {
            if a.is_array && a.items.is_empty() && source_is_empty_array(ctx, a.range) {
                ctx.report(&EMPTY_ARRAY_ACTION, a.range, a.path.clone(), format!("`{}` is empty: this statement matches no action; list actions or remove the statement.", a.name));
            }
            for (i, it) in a.items.iter().enumerate() {
                if it.value.is_empty() {
                    ctx.report(
                        &EMPTY_STRING_VALUE,
                        it.range,
                        a.item_path(i),
                        "An empty action matches nothing.",
                    );
                }
            }
        }
        if let Some(r) = &st.resource {
            if r.is_array && r.items.is_empty() && source_is_empty_array(ctx, r.range) {
                ctx.report(
                    &EMPTY_ARRAY_RESOURCE,
                    r.range,
                    r.path.clone(),
                    format!("`{}` is empty: this statement matches no resource.", r.name),
                );
            }
            for (i, it) in r.items.iter().enumerate() {
                if it.value.is_empty() {
                    ctx.report(
                        &EMPTY_STRING_VALUE,
                        it.range,
                        r.item_path(i),
                        "An empty resource matches nothing.",
                    );
                }
            }
        }
        if let Some(pr) = &st.principal {
            if let PrincipalValue::Map(entries) = &pr.value {
                if entries.is_empty() && ctx.policy.source.slice(pr.range).starts_with('{') {
                    ctx.report(&EMPTY_OBJECT_PRINCIPAL, pr.range, pr.path.clone(), "`Principal` is an empty object: it names nobody, so the statement has no effect.");
                }
                for e in entries {
                    if e.is_array && e.values.is_empty() && source_is_empty_array(ctx, e.range) {
                        ctx.report(
                            &EMPTY_ARRAY_PRINCIPAL,
                            e.range,
                            e.path.clone(),
                            format!("`{}` has no principals.", e.kind.as_str()),
                        );
                    }
                    for (i, v) in e.values.iter().enumerate() {
                        if v.value.is_empty() {
                            ctx.report(
                                &EMPTY_STRING_VALUE,
                                v.range,
                                e.item_path(i),
                                "An empty principal names nobody.",
                            );
                        }
                    }
                }
            }
        }
        if let Some(c) = &st.condition {
            if c.operators.is_empty() && ctx.policy.source.slice(c.range).starts_with('{') {
                ctx.report(
                    &EMPTY_OBJECT_CONDITION,
                    c.range,
                    c.path.clone(),
                    "`Condition` is empty: remove it or add conditions.",
                );
            }
            for op in &c.operators {
                if op.entries.is_empty() && ctx.policy.source.slice(op.range).starts_with('{') {
                    ctx.report(
                        &EMPTY_OBJECT_CONDITION,
                        op.range,
                        op.path.clone(),
                        format!("`{}` has no condition keys.", op.name.value),
                    );
                }
                for e in &op.entries {
                    if !(e.is_array && e.values.is_empty() && source_is_empty_array(ctx, e.range)) {
                        continue;
                    }
                    let key = &e.key.value;
                    match op.op {
                        Some(o) if o.qualifier == Some(SetQualifier::ForAllValues) => ctx.report(&EMPTY_ARRAY_CONDITION_FORALLVALUES, e.range, e.path.clone(), format!("ForAllValues with no values for `{key}` matches only when the request has no `{key}`; to test that, use `\"Null\": {{\"{key}\": \"true\"}}`.")),
                        Some(o) if o.qualifier == Some(SetQualifier::ForAnyValue) => ctx.report(&EMPTY_ARRAY_CONDITION_FORANYVALUE, e.range, e.path.clone(), format!("ForAnyValue with no values for `{key}` never matches.")),
                        Some(o) if o.if_exists => ctx.report(&EMPTY_ARRAY_CONDITION_IFEXISTS, e.range, e.path.clone(), format!("`{}` with no values matches only when `{key}` is absent; to test that, use `\"Null\": {{\"{key}\": \"true\"}}`.", op.name.value)),
                        _ => ctx.report(&EMPTY_ARRAY_CONDITION, e.range, e.path.clone(), format!("`{key}` has no values, so this condition never matches.")),
                    }
                }
            }
        }
    }
}

/// `[]` with only whitespace inside (a list whose items were all of the wrong type is not empty).
fn source_is_empty_array(ctx: &Ctx<'_>, range: crate::policy::span::TextRange) -> bool {
    let s = ctx.policy.source.slice(range);
    s.starts_with('[') && s[1..].trim_start().starts_with(']')
}
