//! Redundant entries: actions or resources covered by another entry of the same list,
//! duplicate statements, numeric values subsumed by another. spec: IAM Access Analyzer
//! suggestions REDUNDANT_*.

use super::{checks, links, Ctx};
use crate::policy::iam::arn::{arn_match, is_account_id, Arn};
use crate::policy::iam::glob::{encode_pattern, glob_match};
use crate::policy::iam::operator::BaseOperator;
use crate::policy::model::StringList;

checks! {
    REDUNDANT_ACTION = (Suggestion, "An action already covered by another entry (duplicate or wildcard) of the same list.", links::ACTION);
    REDUNDANT_RESOURCE = (Suggestion, "A resource already covered by another entry of the same list.", links::RESOURCE);
    REDUNDANT_STATEMENT = (Suggestion, "A statement identical to another one (apart from Sid).", links::ELEMENTS);
    REDUNDANT_CONDITION_VALUE_NUM = (Suggestion, "Several values for a numeric less-than / greater-than: only the extreme one matters.", links::OPERATORS);
    REDUNDANT_PRINCIPAL = (Suggestion, "A principal listed twice, or an IAM principal whose account root is also listed.", links::PRINCIPAL);
    REDUNDANT_CONDITION_VALUE = (Suggestion, "The same condition value listed twice.", links::CONDITION);
}

/// For each item, the index of another item that covers it (duplicates: the first covers later ones).
fn covered(list: &StringList, case_insensitive: bool) -> Vec<(usize, usize)> {
    let n = list.items.len();
    let mut out = Vec::new();
    // Lists are short; but bound the pairwise work for huge lists.
    if n > 400 {
        return out;
    }
    let patterns: Vec<Vec<u8>> = list
        .items
        .iter()
        .map(|i| encode_pattern(&i.value))
        .collect();
    for i in 0..n {
        let a = &list.items[i].value;
        for (j, (item, pattern)) in list.items.iter().zip(&patterns).enumerate() {
            if i == j {
                continue;
            }
            let b = &item.value;
            let same = if case_insensitive {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            };
            let covers = if same {
                j < i
            } else if case_insensitive {
                glob_match(pattern, a.as_bytes(), true)
            } else {
                arn_match(pattern, a)
            };
            if covers && !a.contains("${") {
                out.push((i, j));
                break;
            }
        }
    }
    out
}

pub fn run(ctx: &mut Ctx<'_>) {
    let p = ctx.policy;
    for st in &p.statements {
        if let Some(a) = &st.action {
            for (i, j) in covered(a, true) {
                let msg = format!(
                    "`{}` is already covered by `{}`; remove it.",
                    a.items[i].value, a.items[j].value
                );
                ctx.report(&REDUNDANT_ACTION, a.items[i].range, a.item_path(i), msg);
            }
        }
        if let Some(r) = &st.resource {
            for (i, j) in covered(r, false) {
                let msg = format!("`{}` is already covered by `{}`; remove it (or drop the wildcard if only the listed resources are meant).", r.items[i].value, r.items[j].value);
                ctx.report(&REDUNDANT_RESOURCE, r.items[i].range, r.item_path(i), msg);
            }
        }
        if let Some(pr) = &st.principal {
            if let crate::policy::model::PrincipalValue::Map(entries) = &pr.value {
                for e in entries {
                    let roots: Vec<String> = e
                        .values
                        .iter()
                        .filter_map(|v| {
                            let a = Arn::parse(&v.value)?;
                            (a.resource == "root").then(|| a.account.to_string())
                        })
                        .chain(
                            e.values
                                .iter()
                                .filter(|v| is_account_id(&v.value))
                                .map(|v| v.value.clone()),
                        )
                        .collect();
                    let mut listed = std::collections::HashSet::new();
                    for (i, v) in e.values.iter().enumerate() {
                        if !listed.insert(v.value.as_str()) {
                            ctx.report(
                                &REDUNDANT_PRINCIPAL,
                                v.range,
                                e.item_path(i),
                                format!("`{}` is listed twice.", v.value),
                            );
                            continue;
                        }
                        if let Some(a) = Arn::parse(&v.value) {
                            if a.resource != "root" && roots.iter().any(|r| r == a.account) {
                                ctx.report(&REDUNDANT_PRINCIPAL, v.range, e.item_path(i), format!("`{}` is already included by its account's root principal in the same list (which allows every principal of account {} that IAM policies allow).", v.value, a.account));
                            }
                        }
                    }
                }
            }
        }
        if let Some(c) = &st.condition {
            for op in &c.operators {
                let Some(o) = op.op else { continue };
                for e in &op.entries {
                    let mut listed = std::collections::HashSet::new();
                    for (i, v) in e.values.iter().enumerate() {
                        if !listed.insert(v.value.text.as_str()) {
                            ctx.report(
                                &REDUNDANT_CONDITION_VALUE,
                                v.range,
                                e.item_path(i),
                                format!("`{}` is listed twice.", v.value.text),
                            );
                        }
                    }
                    let dir = match o.base {
                        BaseOperator::NumericLessThan | BaseOperator::NumericLessThanEquals => {
                            Some(true)
                        }
                        BaseOperator::NumericGreaterThan
                        | BaseOperator::NumericGreaterThanEquals => Some(false),
                        _ => None,
                    };
                    let Some(less) = dir else { continue };
                    if e.values.len() < 2 || o.qualifier.is_some() {
                        continue;
                    }
                    let nums: Vec<f64> = e
                        .values
                        .iter()
                        .filter_map(|v| v.value.text.trim().parse::<f64>().ok())
                        .collect();
                    if nums.len() != e.values.len() {
                        continue;
                    }
                    let best = if less {
                        nums.iter().cloned().fold(f64::MIN, f64::max)
                    } else {
                        nums.iter().cloned().fold(f64::MAX, f64::min)
                    };
                    ctx.report(&REDUNDANT_CONDITION_VALUE_NUM, e.range, e.path.clone(), format!("Values of `{}` are ORed, so only the {} one matters: use the single value {best}.", e.key.value, if less { "greatest" } else { "least" }));
                }
            }
        }
    }
    // Identical statements (ignoring Sid): compare the source text of the statement without Sid.
    let mut first: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, st) in p.statements.iter().enumerate() {
        let j = *first.entry(normalized(ctx, st)).or_insert(i);
        if j != i {
            let st = &p.statements[i];
            ctx.report(
                &REDUNDANT_STATEMENT,
                st.range,
                st.path.clone(),
                format!(
                    "This statement grants the same as statement {} ({}); remove one of them.",
                    p.statements[j].index,
                    p.statements[j].sid_str().unwrap_or("no Sid")
                ),
            );
        }
    }
}

/// A canonical text of a statement: its JSON members except Sid, whitespace removed, sorted.
fn normalized(ctx: &Ctx<'_>, st: &crate::policy::model::Statement) -> String {
    let Some(node) = super::syntax::statement_node(ctx.policy, st) else {
        return String::new();
    };
    let Some(members) = node.as_object() else {
        return String::new();
    };
    let mut parts: Vec<String> = members
        .iter()
        .filter(|m| m.key != "Sid")
        .map(|m| {
            let v: String = ctx
                .policy
                .source
                .slice(m.value.range)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            format!("{}={v}", m.key)
        })
        .collect();
    parts.sort();
    parts.join(";")
}
