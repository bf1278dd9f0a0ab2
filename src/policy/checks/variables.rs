//! Policy variables `${aws:username}`, `${aws:PrincipalTag/team, 'none'}`, `${*}`: syntax,
//! where they may appear, and the Version they need. spec: IAM User Guide, "IAM policy
//! elements: Variables and tags".

use super::{checks, links, Ctx};
use crate::policy::catalog::global::global_key;
use crate::policy::iam::operator::OperatorFamily;
use crate::policy::span::TextRange;

checks! {
    MISSING_BRACE_IN_VARIABLE = (Error, "A policy variable without its closing `}`.", links::VARIABLES);
    UNSUPPORTED_SYMBOL_IN_VARIABLE = (Error, "A character that is not allowed in a policy variable name.", links::VARIABLES);
    MISSING_QUOTE_IN_VARIABLE = (Error, "A variable default value that is not in single quotes.", links::VARIABLES);
    UNSUPPORTED_SPACE_IN_VARIABLE = (Error, "A space inside a variable name.", links::VARIABLES);
    EMPTY_VARIABLE = (Error, "`${}`: a variable with no name.", links::VARIABLES);
    VARIABLE_UNSUPPORTED_IN_ELEMENT = (Error, "Policy variables only work in Resource and in string / ARN condition values.", links::VARIABLES);
    VARIABLE_UNSUPPORTED_IN_VERSION = (Error, "Policy variables need Version 2012-10-17; otherwise they are literal text.", links::VARIABLES);
    INVALID_VARIABLE_FOR_OPERATOR = (Error, "Policy variables only work with String and ARN operators.", links::VARIABLES);
    UNKNOWN_POLICY_VARIABLE = (Warning, "A variable that names no known condition key: it never resolves, so it never matches.", links::VARIABLES);
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

pub fn run(ctx: &mut Ctx<'_>) {
    let p = ctx.policy;
    let v2012 = p.version.as_ref().is_some_and(|v| v.value == "2012-10-17");
    for st in &p.statements {
        // Elements where variables are not substituted.
        if let Some(a) = &st.action {
            for (i, it) in a.items.iter().enumerate() {
                if it.value.contains("${") {
                    ctx.report(&VARIABLE_UNSUPPORTED_IN_ELEMENT, it.range, a.item_path(i), format!("Policy variables are not substituted in `{}`; they only work in Resource and in string or ARN conditions.", a.name));
                }
            }
        }
        if let Some(pr) = &st.principal {
            if let crate::policy::model::PrincipalValue::Map(entries) = &pr.value {
                for e in entries {
                    for (i, v) in e.values.iter().enumerate() {
                        if v.value.contains("${") {
                            ctx.report(&VARIABLE_UNSUPPORTED_IN_ELEMENT, v.range, e.item_path(i), "Policy variables are not substituted in `Principal`; use a condition such as aws:PrincipalArn instead.");
                        }
                    }
                }
            }
        }
        if let Some(r) = &st.resource {
            for (i, it) in r.items.iter().enumerate() {
                check_string(ctx, it.range, &r.item_path(i), &it.value, v2012);
            }
        }
        if let Some(c) = &st.condition {
            for op in &c.operators {
                let fam = op.op.map(|o| o.base.family());
                for e in &op.entries {
                    if e.key.value.contains("${") {
                        ctx.report(
                            &VARIABLE_UNSUPPORTED_IN_ELEMENT,
                            e.key.range,
                            e.path.clone(),
                            "Policy variables are not substituted in condition key names.",
                        );
                    }
                    for (i, v) in e.values.iter().enumerate() {
                        if !v.value.text.contains("${") {
                            continue;
                        }
                        let path = e.item_path(i);
                        match fam {
                            Some(OperatorFamily::String) | Some(OperatorFamily::Arn) | None => check_string(ctx, v.range, &path, &v.value.text, v2012),
                            Some(f) => ctx.report(&INVALID_VARIABLE_FOR_OPERATOR, v.range, path, format!("Policy variables only work with String and ARN operators, not with {} operators like `{}`.", f.as_str(), op.name.value)),
                        }
                    }
                }
            }
        }
    }
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

fn check_string(ctx: &mut Ctx<'_>, range: TextRange, path: &str, s: &str, v2012: bool) {
    let found = vars(s);
    if found.is_empty() {
        return;
    }
    let src = ctx.policy.source.slice(range).to_string();
    if !v2012 {
        ctx.report(&VARIABLE_UNSUPPORTED_IN_VERSION, range, path, "This value uses a policy variable, but the policy's Version is not 2012-10-17, so `${...}` is literal text here. Set `\"Version\": \"2012-10-17\"`.");
    }
    for v in found {
        let r = sub_range(
            range,
            s,
            &src,
            v.start,
            if v.closed {
                v.inner.len() + 3
            } else {
                s.len() - v.start
            },
        );
        if !v.closed {
            ctx.report(
                &MISSING_BRACE_IN_VARIABLE,
                r,
                path,
                format!("`${{{}` has no closing `}}`.", v.inner),
            );
            continue;
        }
        let inner = v.inner;
        if inner.is_empty() {
            ctx.report(
                &EMPTY_VARIABLE,
                r,
                path,
                "`${}` names no variable: write `${aws:username}`, or `${$}` for a literal `$`.",
            );
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
            ctx.report(&UNSUPPORTED_SPACE_IN_VARIABLE, r, path, format!("`${{{inner}}}`: no spaces in the variable name (a space is only allowed after the comma before a default)."));
            continue;
        }
        if let Some(bad) = name.chars().find(|c| {
            !(c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '_' | '-' | '.' | '@'))
        }) {
            ctx.report(
                &UNSUPPORTED_SYMBOL_IN_VARIABLE,
                r,
                path,
                format!("`{bad}` is not allowed in the variable name `{name}`."),
            );
            continue;
        }
        if let Some(d) = default {
            let d = d.trim_start();
            if !(d.len() >= 2 && d.starts_with('\'') && d.ends_with('\'')) {
                ctx.report(&MISSING_QUOTE_IN_VARIABLE, r, path, format!("The default value in `${{{inner}}}` must be in single quotes: `${{{name}, '{}'}}`.", d.trim_matches('\'')));
                continue;
            }
        }
        if !name.contains(':') {
            ctx.report(&UNKNOWN_POLICY_VARIABLE, r, path, format!("`${{{name}}}` is not a condition key (variables name keys such as aws:username or aws:PrincipalTag/team)."));
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
            ctx.report(&UNKNOWN_POLICY_VARIABLE, r, path, format!("`${{{name}}}` names no known condition key, so it never resolves and this value never matches."));
        }
    }
}
