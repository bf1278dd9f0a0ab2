//! Policy variables `${aws:username}`, `${aws:PrincipalTag/team, 'none'}`, `${*}`: syntax,
//! where they may appear, and the Version they need. spec: IAM User Guide, "IAM policy
//! elements: Variables and tags".

use super::parsed::CondEntry;
use super::{checks, links, verdict_checks, Ctx, Verdict};
use crate::policy::catalog::global::global_key;
use crate::policy::iam::glob::text_has_variable;
use crate::policy::iam::operator::OperatorFamily;
use crate::policy::model::{ConditionValue, Located, PrincipalValue};
use crate::policy::span::TextRange;

checks! {
    MISSING_BRACE_IN_VARIABLE = (Error, "A policy variable without its closing `}`.", links::VARIABLES) => missing_brace_in_variable;
    UNSUPPORTED_SYMBOL_IN_VARIABLE = (Error, "A character that is not allowed in a policy variable name.", links::VARIABLES) => unsupported_symbol_in_variable;
    MISSING_QUOTE_IN_VARIABLE = (Error, "A variable default value that is not in single quotes.", links::VARIABLES) => missing_quote_in_variable;
    UNSUPPORTED_SPACE_IN_VARIABLE = (Error, "A space inside a variable name.", links::VARIABLES) => unsupported_space_in_variable;
    EMPTY_VARIABLE = (Error, "`${}`: a variable with no name.", links::VARIABLES) => empty_variable;
    VARIABLE_UNSUPPORTED_IN_ELEMENT = (Error, "Policy variables only work in Resource and in string / ARN condition values.", links::VARIABLES) => variable_unsupported_in_element;
    VARIABLE_UNSUPPORTED_IN_VERSION = (Error, "Policy variables need Version 2012-10-17; otherwise they are literal text.", links::VARIABLES) => variable_unsupported_in_version;
    INVALID_VARIABLE_FOR_OPERATOR = (Error, "Policy variables only work with String and ARN operators.", links::VARIABLES) => invalid_variable_for_operator;
    UNKNOWN_POLICY_VARIABLE = (Warning, "A variable that names no known condition key: it never resolves, so it never matches.", links::VARIABLES) => unknown_policy_variable;
}

/// One `${...}` occurrence in a string.
struct Var<'a> {
    inner: &'a str,
    closed: bool,
    start: usize,
}

fn vars(s: &str) -> Vec<Var<'_>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = s[from..].find("${") {
        let start = from + i;
        match s[start + 2..].find('}') {
            Some(j) => {
                out.push(Var {
                    inner: &s[start + 2..start + 2 + j],
                    closed: true,
                    start,
                });
                from = start + 2 + j + 1;
            }
            None => {
                out.push(Var {
                    inner: &s[start + 2..],
                    closed: false,
                    start,
                });
                break;
            }
        }
    }
    out
}

fn variable_unsupported_in_element(ctx: &Ctx<'_>) {
    for st in &ctx.policy.statements {
        if let Some(a) = &st.action {
            for (i, it) in a
                .items
                .iter()
                .enumerate()
                .filter(|(_, it)| text_has_variable(&it.value))
            {
                ctx.report(&VARIABLE_UNSUPPORTED_IN_ELEMENT, it.range, a.item_path(i), format!("Policy variables are not substituted in `{}`; they only work in Resource and in string or ARN conditions.", a.name));
            }
        }
        if let Some(PrincipalValue::Map(entries)) = st.principal.as_ref().map(|p| &p.value) {
            for e in entries {
                for (i, v) in e
                    .values
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| text_has_variable(&v.value))
                {
                    ctx.report(&VARIABLE_UNSUPPORTED_IN_ELEMENT, v.range, e.item_path(i), "Policy variables are not substituted in `Principal`; use a condition such as aws:PrincipalArn instead.");
                }
            }
        }
    }
    for e in ctx.parsed.conditions().iter().map(|c| c.entry) {
        if text_has_variable(&e.key.value) {
            ctx.report(
                &VARIABLE_UNSUPPORTED_IN_ELEMENT,
                e.key.range,
                e.path.clone(),
                "Policy variables are not substituted in condition key names.",
            );
        }
    }
}

/// The condition values with a variable, with their operator's family (`None`: an operator
/// IAM does not know).
fn condition_values_with_variables<'c>(
    ctx: &'c Ctx<'_>,
) -> impl Iterator<
    Item = (
        Option<OperatorFamily>,
        &'c CondEntry<'c>,
        usize,
        &'c Located<ConditionValue>,
    ),
> + 'c {
    ctx.parsed.conditions().iter().flat_map(|c| {
        let family = c.op.op.map(|o| o.base.family());
        c.entry
            .values
            .iter()
            .enumerate()
            .filter(|(_, v)| text_has_variable(&v.value.text))
            .map(move |(i, v)| (family, c, i, v))
    })
}

fn invalid_variable_for_operator(ctx: &Ctx<'_>) {
    for (family, c, i, v) in condition_values_with_variables(ctx) {
        match family {
            Some(OperatorFamily::String | OperatorFamily::Arn) | None => {}
            Some(f) => ctx.report(&INVALID_VARIABLE_FOR_OPERATOR, v.range, c.entry.item_path(i), format!("Policy variables only work with String and ARN operators, not with {} operators like `{}`.", f.as_str(), c.op.name.value)),
        }
    }
}

/// What is wrong with the variables of each string they are substituted in (Resource entries,
/// String and ARN condition values), worked out once for the checks below.
fn verdicts<'c>(ctx: &'c Ctx<'_>) -> &'c [Verdict] {
    ctx.parsed.variables.get_or_init(|| {
        let v2012 = ctx
            .policy
            .version
            .as_ref()
            .is_some_and(|v| v.value == "2012-10-17");
        let mut out = Vec::new();
        for (st_index, st) in ctx.policy.statements.iter().enumerate() {
            if let Some(r) = &st.resource {
                for (i, it) in r.items.iter().enumerate() {
                    check_string(ctx, &mut out, it.range, &r.item_path(i), &it.value, v2012);
                }
            }
            for c in ctx.parsed.statement_conditions(st_index) {
                let family = c.op.op.map(|o| o.base.family());
                if !matches!(
                    family,
                    Some(OperatorFamily::String | OperatorFamily::Arn) | None
                ) {
                    continue;
                }
                for (i, v) in c.entry.values.iter().enumerate() {
                    if text_has_variable(&v.value.text) {
                        check_string(
                            ctx,
                            &mut out,
                            v.range,
                            &c.entry.item_path(i),
                            &v.value.text,
                            v2012,
                        );
                    }
                }
            }
        }
        out
    })
}

verdict_checks! {
    verdicts;
    missing_brace_in_variable => MISSING_BRACE_IN_VARIABLE,
    unsupported_symbol_in_variable => UNSUPPORTED_SYMBOL_IN_VARIABLE,
    missing_quote_in_variable => MISSING_QUOTE_IN_VARIABLE,
    unsupported_space_in_variable => UNSUPPORTED_SPACE_IN_VARIABLE,
    empty_variable => EMPTY_VARIABLE,
    variable_unsupported_in_version => VARIABLE_UNSUPPORTED_IN_VERSION,
    unknown_policy_variable => UNKNOWN_POLICY_VARIABLE,
}

/// Position of byte `i` of the unescaped string inside its JSON token (approximate when the
/// token has escapes: then the whole token).
fn sub_range(token: TextRange, value: &str, source: &str, i: usize, len: usize) -> TextRange {
    if source.len() == value.len() + 2 {
        let s = token.start + 1 + i as u32;
        TextRange::new(s, s + len as u32)
    } else {
        token
    }
}

/// The verdicts on string `s` (at `range`, `path`), pushed to `out`.
fn check_string(
    ctx: &Ctx<'_>,
    out: &mut Vec<Verdict>,
    range: TextRange,
    path: &str,
    s: &str,
    v2012: bool,
) {
    let found = vars(s);
    if found.is_empty() {
        return;
    }
    let src = ctx.policy.source.slice(range);
    if !v2012 {
        out.push(Verdict::new(&VARIABLE_UNSUPPORTED_IN_VERSION, range, path, "This value uses a policy variable, but the policy's Version is not 2012-10-17, so `${...}` is literal text here. Set `\"Version\": \"2012-10-17\"`."));
    }
    for v in found {
        let r = sub_range(
            range,
            s,
            src,
            v.start,
            if v.closed {
                v.inner.len() + 3
            } else {
                s.len() - v.start
            },
        );
        if !v.closed {
            out.push(Verdict::new(
                &MISSING_BRACE_IN_VARIABLE,
                r,
                path,
                format!("`${{{}` has no closing `}}`.", v.inner),
            ));
            continue;
        }
        let inner = v.inner;
        if inner.is_empty() {
            out.push(Verdict::new(
                &EMPTY_VARIABLE,
                r,
                path,
                "`${}` names no variable: write `${aws:username}`, or `${$}` for a literal `$`.",
            ));
            continue;
        }
        if matches!(inner, "*" | "?" | "$") {
            continue;
        }
        let (name, default) = match inner.split_once(',') {
            Some((n, d)) => (n, Some(d)),
            None => (inner, None),
        };
        if name.trim() != name || name.contains(' ') {
            out.push(Verdict::new(&UNSUPPORTED_SPACE_IN_VARIABLE, r, path, format!("`${{{inner}}}`: no spaces in the variable name (a space is only allowed after the comma before a default).")));
            continue;
        }
        if let Some(bad) = name.chars().find(|c| {
            !(c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '_' | '-' | '.' | '@'))
        }) {
            out.push(Verdict::new(
                &UNSUPPORTED_SYMBOL_IN_VARIABLE,
                r,
                path,
                format!("`{bad}` is not allowed in the variable name `{name}`."),
            ));
            continue;
        }
        if let Some(d) = default {
            let d = d.trim_start();
            if !(d.len() >= 2 && d.starts_with('\'') && d.ends_with('\'')) {
                out.push(Verdict::new(&MISSING_QUOTE_IN_VARIABLE, r, path, format!("The default value in `${{{inner}}}` must be in single quotes: `${{{name}, '{}'}}`.", d.trim_matches('\''))));
                continue;
            }
        }
        if !name.contains(':') {
            out.push(Verdict::new(&UNKNOWN_POLICY_VARIABLE, r, path, format!("`${{{name}}}` is not a condition key (variables name keys such as aws:username or aws:PrincipalTag/team).")));
            continue;
        }
        let known = global_key(name).is_some()
            || name
                .to_ascii_lowercase()
                .starts_with("kms:encryptioncontext:")
            || match ctx.catalog {
                Some(cat) => {
                    let prefix = name.split(':').next().unwrap_or("");
                    cat.service(prefix).and_then(|svc| svc.key(name)).is_some()
                        || cat.any_service_key(name).is_some()
                        || prefix.contains('.')
                        || prefix.contains('/')
                }
                None => !name.to_ascii_lowercase().starts_with("aws:"),
            };
        if !known {
            out.push(Verdict::new(&UNKNOWN_POLICY_VARIABLE, r, path, format!("`${{{name}}}` names no known condition key, so it never resolves and this value never matches.")));
        }
    }
}
