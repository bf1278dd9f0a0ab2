//! Empty elements: statements that grant or deny nothing, conditions that always or never match.
//! spec: IAM User Guide, "Condition" (empty value sets) and the element pages.

use super::{checks, links, Check, Ctx};
use crate::policy::iam::operator::SetQualifier;
use crate::policy::model::{
    ConditionEntry, ConditionOperator, PrincipalEntry, PrincipalValue, Statement,
};
use crate::policy::span::TextRange;

checks! {
    EMPTY_ARRAY_ACTION = (Suggestion, "Action is an empty array: the statement matches no action.", links::ACTION) => empty_array_action;
    EMPTY_ARRAY_RESOURCE = (Suggestion, "Resource is an empty array: the statement matches no resource.", links::RESOURCE) => empty_array_resource;
    EMPTY_ARRAY_PRINCIPAL = (Suggestion, "A principal type with an empty array: it names nobody.", links::PRINCIPAL) => empty_array_principal;
    EMPTY_OBJECT_PRINCIPAL = (Suggestion, "Principal is an empty object: it names nobody.", links::PRINCIPAL) => empty_object_principal;
    EMPTY_OBJECT_CONDITION = (Suggestion, "Condition (or one operator in it) is an empty object.", links::CONDITION) => empty_object_condition;
    EMPTY_ARRAY_CONDITION = (Suggestion, "A condition key with an empty array of values never matches.", links::CONDITION) => empty_array_condition;
    EMPTY_ARRAY_CONDITION_FORALLVALUES = (Suggestion, "ForAllValues with no values matches only when the key is absent; use Null instead.", links::MULTI_VALUE) => empty_array_condition_forallvalues;
    EMPTY_ARRAY_CONDITION_FORANYVALUE = (Suggestion, "ForAnyValue with no values never matches.", links::MULTI_VALUE) => empty_array_condition_foranyvalue;
    EMPTY_ARRAY_CONDITION_IFEXISTS = (Suggestion, "...IfExists with no values matches only when the key is absent; use Null instead.", links::OPERATORS) => empty_array_condition_ifexists;
    EMPTY_STRING_VALUE = (Warning, "An empty string as an action, resource or principal never matches anything.", links::GRAMMAR) => empty_string_value;
}

fn empty_array_action(ctx: &Ctx<'_>) {
    for a in ctx
        .policy
        .statements
        .iter()
        .filter_map(|st| st.action.as_ref())
    {
        if a.is_array && a.items.is_empty() && source_is_empty_array(ctx, a.range) {
            ctx.report(&EMPTY_ARRAY_ACTION, a.range, a.path.clone(), format!("`{}` is empty: this statement matches no action; list actions or remove the statement.", a.name));
        }
    }
}

fn empty_array_resource(ctx: &Ctx<'_>) {
    for r in ctx
        .policy
        .statements
        .iter()
        .filter_map(|st| st.resource.as_ref())
    {
        if r.is_array && r.items.is_empty() && source_is_empty_array(ctx, r.range) {
            ctx.report(
                &EMPTY_ARRAY_RESOURCE,
                r.range,
                r.path.clone(),
                format!("`{}` is empty: this statement matches no resource.", r.name),
            );
        }
    }
}

/// The principal-type entries of a statement whose Principal is an object.
fn principal_entries(st: &Statement) -> &[PrincipalEntry] {
    match st.principal.as_ref().map(|p| &p.value) {
        Some(PrincipalValue::Map(entries)) => entries,
        _ => &[],
    }
}

fn empty_object_principal(ctx: &Ctx<'_>) {
    for pr in ctx
        .policy
        .statements
        .iter()
        .filter_map(|st| st.principal.as_ref())
    {
        if matches!(&pr.value, PrincipalValue::Map(entries) if entries.is_empty())
            && ctx.policy.source.slice(pr.range).starts_with('{')
        {
            ctx.report(
                &EMPTY_OBJECT_PRINCIPAL,
                pr.range,
                pr.path.clone(),
                "`Principal` is an empty object: it names nobody, so the statement has no effect.",
            );
        }
    }
}

fn empty_array_principal(ctx: &Ctx<'_>) {
    for e in ctx.policy.statements.iter().flat_map(principal_entries) {
        if e.is_array && e.values.is_empty() && source_is_empty_array(ctx, e.range) {
            ctx.report(
                &EMPTY_ARRAY_PRINCIPAL,
                e.range,
                e.path.clone(),
                format!("`{}` has no principals.", e.kind.as_str()),
            );
        }
    }
}

fn empty_string_value(ctx: &Ctx<'_>) {
    for st in &ctx.policy.statements {
        let lists = [
            (&st.action, "An empty action matches nothing."),
            (&st.resource, "An empty resource matches nothing."),
        ];
        for (list, message) in lists {
            let Some(l) = list else { continue };
            for (i, it) in l
                .items
                .iter()
                .enumerate()
                .filter(|(_, it)| it.value.is_empty())
            {
                ctx.report(&EMPTY_STRING_VALUE, it.range, l.item_path(i), message);
            }
        }
        for e in principal_entries(st) {
            for (i, v) in e
                .values
                .iter()
                .enumerate()
                .filter(|(_, v)| v.value.is_empty())
            {
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

fn empty_object_condition(ctx: &Ctx<'_>) {
    for c in ctx
        .policy
        .statements
        .iter()
        .filter_map(|st| st.condition.as_ref())
    {
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
        }
    }
}

/// The condition entries with an empty array of values, with the check each belongs to (by
/// the operator's set qualifier or IfExists).
fn empty_condition_arrays<'c, 'a: 'c>(
    ctx: &'c Ctx<'a>,
) -> impl Iterator<Item = (&'a ConditionOperator, &'a ConditionEntry, &'static Check)> + 'c {
    ctx.parsed.conditions().iter().filter_map(|c| {
        let e = c.entry;
        if !(e.is_array && e.values.is_empty() && source_is_empty_array(ctx, e.range)) {
            return None;
        }
        let check = match c.op.op {
            Some(o) if o.qualifier == Some(SetQualifier::ForAllValues) => {
                &EMPTY_ARRAY_CONDITION_FORALLVALUES
            }
            Some(o) if o.qualifier == Some(SetQualifier::ForAnyValue) => {
                &EMPTY_ARRAY_CONDITION_FORANYVALUE
            }
            Some(o) if o.if_exists => &EMPTY_ARRAY_CONDITION_IFEXISTS,
            _ => &EMPTY_ARRAY_CONDITION,
        };
        Some((c.op, e, check))
    })
}

/// Reports `check` at each empty value array [`empty_condition_arrays`] gives it, with
/// `message` (the operator's name, the key).
fn report_empty_conditions(ctx: &Ctx<'_>, check: &Check, message: fn(&str, &str) -> String) {
    for (op, e, _) in empty_condition_arrays(ctx).filter(|(_, _, c)| c.code == check.code) {
        ctx.report(
            check,
            e.range,
            e.path.clone(),
            message(&op.name.value, &e.key.value),
        );
    }
}

fn empty_array_condition_forallvalues(ctx: &Ctx<'_>) {
    report_empty_conditions(ctx, &EMPTY_ARRAY_CONDITION_FORALLVALUES, |_, key| {
        format!("ForAllValues with no values for `{key}` matches only when the request has no `{key}`; to test that, use `\"Null\": {{\"{key}\": \"true\"}}`.")
    });
}

fn empty_array_condition_foranyvalue(ctx: &Ctx<'_>) {
    report_empty_conditions(ctx, &EMPTY_ARRAY_CONDITION_FORANYVALUE, |_, key| {
        format!("ForAnyValue with no values for `{key}` never matches.")
    });
}

fn empty_array_condition_ifexists(ctx: &Ctx<'_>) {
    report_empty_conditions(ctx, &EMPTY_ARRAY_CONDITION_IFEXISTS, |op, key| {
        format!("`{op}` with no values matches only when `{key}` is absent; to test that, use `\"Null\": {{\"{key}\": \"true\"}}`.")
    });
}

fn empty_array_condition(ctx: &Ctx<'_>) {
    report_empty_conditions(ctx, &EMPTY_ARRAY_CONDITION, |_, key| {
        format!("`{key}` has no values, so this condition never matches.")
    });
}

/// `[]` with only whitespace inside (a list whose items were all of the wrong type is not empty).
fn source_is_empty_array(ctx: &Ctx<'_>, range: TextRange) -> bool {
    let s = ctx.policy.source.slice(range);
    s.starts_with('[') && s[1..].trim_start().starts_with(']')
}
