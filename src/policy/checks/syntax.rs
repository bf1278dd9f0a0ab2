//! JSON syntax and policy shape: the document is JSON, the elements exist, have the right
//! types and names, and fit the policy type. spec: IAM User Guide, "Grammar of the IAM JSON
//! policy language" and "IAM JSON policy element reference".

use super::{checks, links, Ctx};
use crate::policy::finding::{Finding, Fix};
use crate::policy::json::{JsonError, Node};
use crate::policy::model::{Policy, ShapeKind, Statement};
use crate::policy::span::{LineIndex, TextRange};
use crate::policy::validate::PolicyType;

checks! {
    JSON_SYNTAX_ERROR = (Error, "The text is not valid JSON (the finding points at the first error and, where recognisable, says what was meant).", links::GRAMMAR);
    POLICY_LIMIT_EXCEEDED = (Error, "The text breaks one of callseal's hard limits (512 KiB, 32 levels of nesting, 8 KiB per string), above every policy AWS attaches; it is not checked further.", links::QUOTAS);
    DUPLICATE_KEY = (Error, "A key appears twice in one JSON object; parsers disagree on which one counts.", links::GRAMMAR) => duplicate_key;
    INVALID_POLICY_ELEMENT = (Error, "An element name that is not part of the policy grammar (often a misspelling).", links::ELEMENTS) => invalid_policy_element;
    DATA_TYPE_MISMATCH = (Error, "An element has the wrong JSON type (e.g. Effect is not a string).", links::GRAMMAR) => data_type_mismatch;
    UNSUPPORTED_ELEMENT_COMBINATION = (Error, "Mutually exclusive elements in one statement (Action and NotAction, ...).", links::ELEMENTS) => unsupported_element_combination;
    INVALID_EFFECT = (Error, "Effect is neither Allow nor Deny (case-sensitive).", links::EFFECT) => invalid_effect;
    MISSING_EFFECT = (Error, "A statement without Effect.", links::EFFECT) => missing_effect;
    MISSING_ACTION = (Error, "A statement without Action or NotAction.", links::ACTION) => missing_action;
    MISSING_RESOURCE = (Error, "A statement without Resource or NotResource (required outside trust policies).", links::RESOURCE) => missing_resource;
    MISSING_STATEMENT = (Error, "The policy has no Statement, or an empty one.", links::ELEMENTS) => missing_statement;
    MISSING_PRINCIPAL = (Error, "A resource-based, key or trust policy statement without Principal or NotPrincipal.", links::PRINCIPAL) => missing_principal;
    UNSUPPORTED_PRINCIPAL = (Error, "Principal / NotPrincipal in a policy type that does not take one (identity policies, SCPs).", links::PRINCIPAL) => unsupported_principal;
    INVALID_PRINCIPAL_KEY = (Error, "A principal type other than AWS, Service, Federated, CanonicalUser.", links::PRINCIPAL) => invalid_principal_key;
    INVALID_PRINCIPAL_FORMAT = (Error, "A principal that is neither \"*\" nor an object of principal types, or a value of the wrong form.", links::PRINCIPAL) => invalid_principal_format;
    INVALID_CONDITION_OPERATOR = (Error, "A condition operator IAM does not know (names are case-sensitive).", links::OPERATORS) => invalid_condition_operator;
    NULL_WITH_IF_EXISTS = (Error, "The Null operator cannot take the IfExists suffix.", links::OPERATORS) => null_with_if_exists;
    RESOURCE_IN_TRUST_POLICY = (Error, "Role trust policies must not contain Resource or NotResource (IAM rejects them).", Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#term_trust-policy")) => resource_in_trust_policy;
}

/// Turns a JSON syntax error into its finding (with the repair, when one is recognised).
pub fn json_error(text: &str, e: &JsonError) -> Vec<Finding> {
    let lines = LineIndex::new(text);
    let span = lines.span(text, e.range);
    let check = if e.limit {
        &POLICY_LIMIT_EXCEEDED
    } else {
        &JSON_SYNTAX_ERROR
    };
    vec![Finding {
        code: check.code,
        severity: check.severity,
        message: e.message.clone(),
        path: String::new(),
        span,
        learn_more: check.learn_more,
        fix: e.repair.as_ref().map(|r| Fix {
            description: r.description.clone(),
            span: lines.span(text, r.range),
            replacement: r.replacement.clone(),
        }),
    }]
}

/// The shape issues the policy model recorded, with their paths.
fn issues<'c>(ctx: &'c Ctx<'_>) -> impl Iterator<Item = (&'c ShapeKind, TextRange, String)> + 'c {
    ctx.policy
        .issues
        .iter()
        .map(|issue| (&issue.kind, issue.range, issue.path.clone()))
}

fn data_type_mismatch(ctx: &Ctx<'_>) {
    for (kind, range, path) in issues(ctx) {
        let message = match kind {
            ShapeKind::RootNotObject { found } => format!(
                "A policy is a JSON object `{{\"Version\": ..., \"Statement\": ...}}`; this is {}.",
                found.as_str()
            ),
            ShapeKind::WrongType {
                element,
                expected,
                found,
            } => format!("`{element}` must be {expected}, not {}.", found.as_str()),
            _ => continue,
        };
        ctx.report(&DATA_TYPE_MISMATCH, range, path, message);
    }
}

fn duplicate_key(ctx: &Ctx<'_>) {
    for (kind, range, path) in issues(ctx) {
        if let ShapeKind::DuplicateKey { key, first } = kind {
            let at = ctx.policy.span(*first).start;
            ctx.report(
                &DUPLICATE_KEY,
                range,
                path,
                format!("`{key}` appears twice in the same object (first at line {}, column {}); only one of them takes effect. Merge them.", at.line, at.column),
            )
        }
    }
}

fn invalid_policy_element(ctx: &Ctx<'_>) {
    for (kind, range, path) in issues(ctx) {
        let (ShapeKind::UnknownTopLevelKey { key, suggestion }
        | ShapeKind::UnknownStatementKey { key, suggestion }) = kind
        else {
            continue;
        };
        let msg = match suggestion {
            Some(s) => format!("`{key}` is not a policy element; did you mean `{s}`? (element names are case-sensitive)"),
            None => format!("`{key}` is not a policy element."),
        };
        ctx.report_suggested(
            &INVALID_POLICY_ELEMENT,
            range,
            path,
            msg,
            suggestion.as_deref(),
            "Rename to",
        );
    }
}

fn unsupported_element_combination(ctx: &Ctx<'_>) {
    for (kind, range, path) in issues(ctx) {
        if let ShapeKind::ConflictingElements { first, second } = kind {
            ctx.report(
                &UNSUPPORTED_ELEMENT_COMBINATION,
                range,
                path,
                format!("`{first}` and `{second}` cannot be used in the same statement; remove one of them."),
            );
        }
    }
}

fn invalid_effect(ctx: &Ctx<'_>) {
    for (kind, range, path) in issues(ctx) {
        let ShapeKind::InvalidEffect { value } = kind else {
            continue;
        };
        let fixed = if value.eq_ignore_ascii_case("allow") {
            Some("Allow")
        } else if value.eq_ignore_ascii_case("deny") {
            Some("Deny")
        } else {
            None
        };
        let msg = format!("Effect `{value}` is not valid: use `Allow` or `Deny` (case-sensitive).");
        match fixed {
            Some(f) => ctx.report_fix(
                &INVALID_EFFECT,
                range,
                path,
                msg,
                range,
                format!("\"{f}\""),
                format!("Use `{f}`"),
            ),
            None => ctx.report(&INVALID_EFFECT, range, path, msg),
        }
    }
}

fn invalid_principal_key(ctx: &Ctx<'_>) {
    for (kind, range, path) in issues(ctx) {
        let ShapeKind::UnknownPrincipalType { key } = kind else {
            continue;
        };
        let known = ["AWS", "Service", "Federated", "CanonicalUser"];
        let sug = known.iter().find(|k| k.eq_ignore_ascii_case(key));
        let msg = format!(
            "`{key}` is not a principal type: use AWS, Service, Federated or CanonicalUser."
        );
        ctx.report_suggested(
            &INVALID_PRINCIPAL_KEY,
            range,
            path,
            msg,
            sug.copied(),
            "Use",
        );
    }
}

/// A principal given as a plain string other than `"*"`; and AWS principal values that are
/// neither an account id nor an IAM / STS principal ARN (the principals family's verdicts).
fn invalid_principal_format(ctx: &Ctx<'_>) {
    for (kind, range, path) in issues(ctx) {
        let ShapeKind::PrincipalStringNotWildcard { value } = kind else {
            continue;
        };
        let msg = format!("A principal given as a plain string must be \"*\"; write `{{\"AWS\": \"{value}\"}}` (or Service / Federated) instead.");
        let kind = if value.ends_with(".amazonaws.com") {
            "Service"
        } else {
            "AWS"
        };
        let repl = format!("{{\"{kind}\": {}}}", ctx.policy.source.slice(range));
        ctx.report_fix(
            &INVALID_PRINCIPAL_FORMAT,
            range,
            path,
            msg,
            range,
            repl,
            format!("Wrap it in {{\"{kind}\": ...}}"),
        );
    }
    ctx.report_verdicts(
        super::principals::value_verdicts(ctx),
        &INVALID_PRINCIPAL_FORMAT,
    );
}

/// The unknown operator names (`NullIfExists` is NULL_WITH_IF_EXISTS's).
fn unknown_operators<'c>(
    ctx: &'c Ctx<'_>,
) -> impl Iterator<Item = (&'c str, TextRange, String)> + 'c {
    issues(ctx).filter_map(|(kind, range, path)| match kind {
        ShapeKind::UnknownOperator { name } => Some((name.as_str(), range, path)),
        _ => None,
    })
}

fn is_null_if_exists(name: &str) -> bool {
    name.strip_suffix("IfExists")
        .is_some_and(|b| b.ends_with("Null"))
}

fn null_with_if_exists(ctx: &Ctx<'_>) {
    for (name, range, path) in unknown_operators(ctx).filter(|(n, _, _)| is_null_if_exists(n)) {
        ctx.report_fix(
            &NULL_WITH_IF_EXISTS,
            range,
            path,
            "`NullIfExists` does not exist: the Null operator already tests whether the key is present. Use `Null`.",
            range,
            format!("\"{}\"", name.trim_end_matches("IfExists")),
            "Use `Null`",
        );
    }
}

fn invalid_condition_operator(ctx: &Ctx<'_>) {
    for (name, range, path) in unknown_operators(ctx).filter(|(n, _, _)| !is_null_if_exists(n)) {
        let suggestion = operator_suggestion(name);
        let msg = match &suggestion {
            Some(s) => format!("`{name}` is not a condition operator; did you mean `{s}`?"),
            None => format!("`{name}` is not a condition operator."),
        };
        ctx.report_suggested(
            &INVALID_CONDITION_OPERATOR,
            range,
            path,
            msg,
            suggestion.as_deref(),
            "Use",
        );
    }
}

fn missing_statement(ctx: &Ctx<'_>) {
    let p = ctx.policy;
    if p.statement_key_range.is_none() {
        if p.root.as_object().is_some() {
            ctx.report(
                &MISSING_STATEMENT,
                TextRange::new(p.root.range.start, p.root.range.start + 1),
                "",
                "The policy has no `Statement` element.",
            );
        }
    } else if p.statements.is_empty() {
        if let Some(node) = p.statement_node() {
            if node.as_array().is_some_and(|a| a.is_empty()) {
                ctx.report(
                    &MISSING_STATEMENT,
                    node.range,
                    "Statement",
                    "`Statement` is empty: the policy grants and denies nothing.",
                );
            }
        }
    }
}

/// The first character of a statement, where a missing element is reported.
fn head(st: &Statement) -> TextRange {
    TextRange::new(st.range.start, st.range.start + 1)
}

fn missing_effect(ctx: &Ctx<'_>) {
    let p = ctx.policy;
    for st in p
        .statements
        .iter()
        .filter(|st| st.effect_raw.is_none() && !has_key(p, st, "Effect"))
    {
        ctx.report_fix(
            &MISSING_EFFECT,
            head(st),
            st.path.clone(),
            "The statement has no `Effect`: add `\"Effect\": \"Allow\"` or `\"Effect\": \"Deny\"`.",
            TextRange::empty(st.range.start + 1),
            " \"Effect\": \"Allow\",",
            "Add `\"Effect\": \"Allow\"`",
        );
    }
}

fn missing_action(ctx: &Ctx<'_>) {
    let p = ctx.policy;
    for st in &p.statements {
        if st.action.is_none() && !has_key(p, st, "Action") && !has_key(p, st, "NotAction") {
            ctx.report(
                &MISSING_ACTION,
                head(st),
                st.path.clone(),
                "The statement has no `Action` or `NotAction`.",
            );
        }
    }
}

fn resource_in_trust_policy(ctx: &Ctx<'_>) {
    if ctx.policy_type != PolicyType::Trust {
        return;
    }
    for r in ctx
        .policy
        .statements
        .iter()
        .filter_map(|st| st.resource.as_ref())
    {
        ctx.report(&RESOURCE_IN_TRUST_POLICY, r.key_range, r.path.clone(), format!("A role trust policy applies to the role itself: remove `{}` (IAM refuses trust policies with it).", r.name));
    }
}

fn missing_resource(ctx: &Ctx<'_>) {
    let p = ctx.policy;
    if ctx.policy_type == PolicyType::Trust {
        return;
    }
    for st in &p.statements {
        let has_resource =
            st.resource.is_some() || has_key(p, st, "Resource") || has_key(p, st, "NotResource");
        if !has_resource {
            ctx.report(
                &MISSING_RESOURCE,
                head(st),
                st.path.clone(),
                "The statement has no `Resource` or `NotResource`.",
            );
        }
    }
}

fn missing_principal(ctx: &Ctx<'_>) {
    let (p, ty) = (ctx.policy, ctx.policy_type);
    if !matches!(
        ty,
        PolicyType::Resource | PolicyType::KmsKey | PolicyType::Trust | PolicyType::Rcp
    ) {
        return;
    }
    for st in &p.statements {
        let has_principal =
            st.principal.is_some() || has_key(p, st, "Principal") || has_key(p, st, "NotPrincipal");
        if !has_principal {
            ctx.report(
                &MISSING_PRINCIPAL,
                head(st),
                st.path.clone(),
                format!(
                    "A {} statement must name who it applies to: add `Principal`.",
                    ty_words(ty)
                ),
            );
        }
    }
}

fn unsupported_principal(ctx: &Ctx<'_>) {
    if ctx.policy_type != PolicyType::Identity {
        return;
    }
    for pr in ctx
        .policy
        .statements
        .iter()
        .filter_map(|st| st.principal.as_ref())
    {
        let name = if pr.negated {
            "NotPrincipal"
        } else {
            "Principal"
        };
        ctx.report(&UNSUPPORTED_PRINCIPAL, pr.key_range, pr.path.clone(), format!("An identity-based policy applies to the identity it is attached to: remove `{name}`."));
    }
}

fn ty_words(ty: PolicyType) -> &'static str {
    match ty {
        PolicyType::KmsKey => "key policy",
        PolicyType::Trust => "trust policy",
        PolicyType::Rcp => "resource control policy",
        _ => "resource-based policy",
    }
}

/// Whether the statement object has `key` at all (even with a wrong type).
fn has_key(policy: &Policy, st: &Statement, key: &str) -> bool {
    statement_node(policy, st).is_some_and(|n| {
        n.as_object()
            .is_some_and(|m| m.iter().any(|m| m.key == key))
    })
}

/// The raw JSON node of a statement.
pub fn statement_node<'p>(policy: &'p Policy, st: &Statement) -> Option<&'p Node> {
    let node = policy.statement_node()?;
    match node.as_array() {
        Some(items) => items.get(st.index),
        None => Some(node),
    }
}

/// The operator this misspelt / wrongly cased name probably meant.
fn operator_suggestion(name: &str) -> Option<String> {
    use crate::policy::iam::operator::{BaseOperator, Operator};
    let (prefix, rest) = if let Some(r) = strip_prefix_ci(name, "ForAllValues:") {
        ("ForAllValues:", r)
    } else if let Some(r) = strip_prefix_ci(name, "ForAnyValue:") {
        ("ForAnyValue:", r)
    } else {
        ("", name)
    };
    let (base, suffix) = match rest
        .len()
        .checked_sub(8)
        .and_then(|i| rest.get(i..))
        .filter(|s| s.eq_ignore_ascii_case("IfExists"))
    {
        Some(_) => (&rest[..rest.len() - 8], "IfExists"),
        None => (rest, ""),
    };
    let lc = base.to_ascii_lowercase();
    let found = BaseOperator::all()
        .iter()
        .find(|(n, _)| {
            n.to_ascii_lowercase() == lc
                || crate::policy::model::edit_distance_le1(&n.to_ascii_lowercase(), &lc)
        })
        .map(|(n, _)| *n)
        .or(match lc.as_str() {
            "stringequal" | "stringeq" => Some("StringEquals"),
            "arnequal" => Some("ArnEquals"),
            "boolean" => Some("Bool"),
            "ipaddr" | "ip" | "sourceip" => Some("IpAddress"),
            _ => None,
        })?;
    let cand = format!("{prefix}{found}{suffix}");
    Operator::parse(&cand).map(|_| cand)
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}
