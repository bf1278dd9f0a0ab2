//! Redundant entries: actions or resources covered by another entry of the same list,
//! duplicate statements, numeric values subsumed by another. spec: IAM Access Analyzer
//! suggestions REDUNDANT_*.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::borrow::Cow;

use super::parsed::{ActionForm, ActionName, StatementActions};
use super::{checks, links, Ctx};
use crate::policy::catalog::Catalog;
use crate::policy::iam::arn::{arn_match, is_account_id, Arn};
use crate::policy::iam::glob::{encode_pattern, glob_match, text_has_variable, text_has_wildcard};
use crate::policy::iam::operator::BaseOperator;
use crate::policy::model::{PrincipalValue, StringList};

checks! {
    REDUNDANT_ACTION = (Suggestion, "An action entry whose every action other entries of the same list match (a duplicate, a wildcard over it, or several entries together).", links::ACTION) => redundant_action;
    REDUNDANT_RESOURCE = (Suggestion, "A resource already covered by another entry of the same list.", links::RESOURCE) => redundant_resource;
    REDUNDANT_STATEMENT = (Suggestion, "A statement identical to another one (apart from Sid).", links::ELEMENTS) => redundant_statement;
    REDUNDANT_CONDITION_VALUE_NUM = (Suggestion, "Several values for a numeric less-than / greater-than: only the extreme one matters.", links::OPERATORS) => redundant_condition_value_num;
    REDUNDANT_PRINCIPAL = (Suggestion, "A principal listed twice, or an IAM principal whose account root is also listed.", links::PRINCIPAL) => redundant_principal;
    REDUNDANT_CONDITION_VALUE = (Suggestion, "The same condition value listed twice.", links::CONDITION) => redundant_condition_value;
}

/// Work one list's wildcard comparisons may cost, in bytes hashed or matched: [`WORK_FLOOR`]
/// plus this much per byte of the list. Lists whose wildcard entries share no literal prefix
/// and suffix with the others stay far within it, and short lists are compared in full; past
/// it the remaining entries are not compared (these are suggestions, never errors).
const WORK_PER_BYTE: usize = 64;
/// See [`WORK_PER_BYTE`]: enough to compare every pair of a list of a few hundred ARNs.
const WORK_FLOOR: usize = 16 << 20;

/// Wildcard entries of one literal prefix, by literal suffix (after the last `*` / `?`).
#[derive(Default)]
struct SameFix<'a> {
    by_suffix: HashMap<&'a [u8], Vec<usize>>,
    suffix_lengths: Vec<usize>,
}

/// For each item, the index of another item that covers it: a duplicate (the first covers the
/// later ones) or a wildcard entry that matches it. Exact duplicates are found with a hash map;
/// an entry is compared only with the wildcard entries whose literal prefix (before the first
/// `*` / `?`) starts it and whose literal suffix ends it, found by hashing its prefixes and
/// suffixes of the lengths in use. The work is linear in the list for lists of literal ARNs or
/// actions and bounded by [`WORK_PER_BYTE`] and [`WORK_FLOOR`] otherwise.
fn covered(list: &StringList, case_insensitive: bool) -> Vec<(usize, usize)> {
    let texts: Vec<Cow<'_, str>> = list
        .items
        .iter()
        .map(|i| match case_insensitive {
            true => Cow::Owned(i.value.to_ascii_lowercase()),
            false => Cow::Borrowed(i.value.as_str()),
        })
        .collect();
    // Only wildcard entries cover others than their duplicates.
    let patterns: Vec<Option<Vec<u8>>> = texts
        .iter()
        .map(|t| text_has_wildcard(t).then(|| encode_pattern(t)))
        .collect();
    let covers = |j: usize, i: usize| {
        // A `?` of j would take a `*` of i as one character: no proof that j covers i.
        if texts[i].contains('*') && texts[j].contains('?') {
            return false;
        }
        let Some(pattern) = &patterns[j] else {
            return false;
        };
        if case_insensitive {
            glob_match(pattern, texts[i].as_bytes(), false)
        } else {
            arn_match(pattern, &texts[i])
        }
    };
    let mut out = Vec::new();
    let mut first: HashMap<&str, usize> = HashMap::new();
    let mut duplicate = vec![false; texts.len()];
    for (i, t) in texts.iter().enumerate() {
        match first.get(t.as_ref()) {
            Some(&j) => {
                duplicate[i] = true;
                if !text_has_variable(t) {
                    out.push((i, j));
                }
            }
            None => {
                first.insert(t, i);
            }
        }
    }
    let mut by_prefix: HashMap<&[u8], SameFix<'_>> = HashMap::new();
    for (j, t) in texts.iter().enumerate() {
        if duplicate[j] || !text_has_wildcard(t) {
            continue;
        }
        let b = t.as_bytes();
        let head = t.find(['*', '?']).unwrap_or(0);
        let tail = t.rfind(['*', '?']).map_or(b.len(), |i| i + 1);
        let group = by_prefix.entry(&b[..head]).or_default();
        group.by_suffix.entry(&b[tail..]).or_default().push(j);
        group.suffix_lengths.push(b.len() - tail);
    }
    let mut prefix_lengths: Vec<usize> = by_prefix.keys().map(|p| p.len()).collect();
    prefix_lengths.sort_unstable();
    prefix_lengths.dedup();
    for g in by_prefix.values_mut() {
        g.suffix_lengths.sort_unstable();
        g.suffix_lengths.dedup();
        // The shortest (usually the most general) entries first.
        for js in g.by_suffix.values_mut() {
            js.sort_by_key(|&j| (texts[j].len(), j));
        }
    }
    let total: usize = texts.iter().map(|t| t.len() + 1).sum();
    let mut budget = WORK_PER_BYTE
        .saturating_mul(total)
        .saturating_add(WORK_FLOOR);
    let mut spend = |n: usize| match budget.checked_sub(n) {
        Some(left) => {
            budget = left;
            true
        }
        None => false,
    };
    'items: for (i, t) in texts.iter().enumerate() {
        if duplicate[i] || text_has_variable(t) {
            continue;
        }
        let b = t.as_bytes();
        for &head in prefix_lengths.iter().take_while(|&&l| l <= b.len()) {
            if !spend(head + 1) {
                break 'items;
            }
            let Some(group) = by_prefix.get(&b[..head]) else {
                continue;
            };
            for &tail in group
                .suffix_lengths
                .iter()
                .take_while(|&&l| head + l <= b.len())
            {
                if !spend(tail + 1) {
                    break 'items;
                }
                let Some(js) = group.by_suffix.get(&b[b.len() - tail..]) else {
                    continue;
                };
                for &j in js.iter().filter(|&&j| j != i) {
                    if !spend(2 * (texts[j].len() + b.len())) {
                        break 'items;
                    }
                    // Two entries that cover each other: the later one is the redundant one.
                    if covers(j, i) && (j < i || !covers(i, j)) {
                        out.push((i, j));
                        continue 'items;
                    }
                }
            }
        }
    }
    out.sort_unstable();
    out
}

/// REDUNDANT_ACTION. Access Analyzer reports an entry when everything it matches is matched by
/// the rest of the list. Entries that one other entry covers (a duplicate, `iam:GetRole` beside
/// `iam:Get*`) are found from the text; with service data also an entry whose actions the other
/// entries match between them (`kms:*crypt` beside `kms:De*` and `kms:En*`), in lists of any
/// length. Entries without wildcards are weighed first, so a pattern stays when it is what
/// covers them.
fn redundant_actions_in(ctx: &Ctx<'_>, list: &StringList, actions: &StatementActions<'_>) {
    let n = list.items.len();
    let mut flagged = vec![false; n];
    for (i, j) in covered(list, true) {
        flagged[i] = true;
        let msg = if list.items[j]
            .value
            .eq_ignore_ascii_case(&list.items[i].value)
        {
            format!("`{}` is listed twice; remove it.", list.items[i].value)
        } else {
            format!(
                "`{}` is already covered by `{}`; remove it.",
                list.items[i].value, list.items[j].value
            )
        };
        ctx.report(
            &REDUNDANT_ACTION,
            list.items[i].range,
            list.item_path(i),
            msg,
        );
    }
    // Without a wildcard entry the entries cover only their duplicates, found above.
    let Some(cat) = ctx.catalog else { return };
    if !list.items.iter().any(|i| text_has_wildcard(&i.value)) {
        return;
    }
    let sets: Vec<Vec<u32>> = actions
        .forms
        .iter()
        .map(|form| catalog_actions(cat, form))
        .collect();
    // (action, entry) for every action of every entry not yet flagged, sorted.
    let mut holders: Vec<(u32, usize)> = sets
        .iter()
        .enumerate()
        .filter(|(i, _)| !flagged[*i])
        .flat_map(|(i, set)| set.iter().map(move |&a| (a, i)))
        .collect();
    holders.sort_unstable();
    let holders_of = |a: u32| {
        let start = holders.partition_point(|&(x, _)| x < a);
        holders[start..]
            .iter()
            .take_while(move |&&(x, _)| x == a)
            .map(|&(_, j)| j)
    };
    let wild = |i: &usize| text_has_wildcard(&list.items[*i].value);
    // Later entries first, so of two duplicates the second is reported.
    let order: Vec<usize> = (0..n)
        .rev()
        .filter(|i| !wild(i))
        .chain((0..n).rev().filter(|i| wild(i)))
        .collect();
    for i in order {
        if flagged[i] || sets[i].is_empty() {
            continue;
        }
        // For each action of the entry, another live entry that matches it.
        let mut by: Vec<usize> = Vec::new();
        let all = sets[i]
            .iter()
            .all(|&a| match holders_of(a).find(|&j| j != i && !flagged[j]) {
                Some(j) => {
                    if !by.contains(&j) {
                        by.push(j);
                    }
                    true
                }
                None => false,
            });
        if !all {
            continue;
        }
        flagged[i] = true;
        let names: Vec<String> = by
            .iter()
            .take(3)
            .map(|&j| format!("`{}`", list.items[j].value))
            .collect();
        let more = if by.len() > 3 { ", ..." } else { "" };
        let msg = if by.len() == 1
            && list.items[by[0]]
                .value
                .eq_ignore_ascii_case(&list.items[i].value)
        {
            format!("`{}` is listed twice; remove it.", list.items[i].value)
        } else if by.len() == 1 {
            format!(
                "`{}` is already covered by {}; remove it.",
                list.items[i].value, names[0]
            )
        } else {
            format!(
                "Every action `{}` matches today is also matched by {}{more}; remove it (or keep it for actions the service adds later).",
                list.items[i].value,
                names.join(", ")
            )
        };
        ctx.report(
            &REDUNDANT_ACTION,
            list.items[i].range,
            list.item_path(i),
            msg,
        );
    }
}

/// The service-data actions an Action entry matches, as `service index << 16 | action index`;
/// empty for `*`, wildcard services, variables and names the service data does not know.
fn catalog_actions(cat: &Catalog, form: &ActionForm<'_>) -> Vec<u32> {
    let ActionForm::Named(ActionName {
        name,
        wild_name,
        catalog_service: Some(si),
        catalog_action,
        ..
    }) = *form
    else {
        return Vec::new();
    };
    let indices = match wild_name {
        true => cat.services()[si].matching_action_indices(name),
        false => catalog_action.into_iter().collect(),
    };
    indices
        .into_iter()
        .filter_map(|ai| Some(u32::try_from(si).ok()? << 16 | u32::try_from(ai).ok()?))
        .collect()
}

fn redundant_action(ctx: &Ctx<'_>) {
    for (st, actions) in ctx.parsed.statements(ctx.policy) {
        if let Some(a) = &st.action {
            redundant_actions_in(ctx, a, actions);
        }
    }
}

fn redundant_resource(ctx: &Ctx<'_>) {
    for r in ctx
        .policy
        .statements
        .iter()
        .filter_map(|st| st.resource.as_ref())
    {
        for (i, j) in covered(r, false) {
            let msg = format!("`{}` is already covered by `{}`; remove it (or drop the wildcard if only the listed resources are meant).", r.items[i].value, r.items[j].value);
            ctx.report(&REDUNDANT_RESOURCE, r.items[i].range, r.item_path(i), msg);
        }
    }
}

fn redundant_principal(ctx: &Ctx<'_>) {
    for st in &ctx.policy.statements {
        let Some(PrincipalValue::Map(entries)) = st.principal.as_ref().map(|p| &p.value) else {
            continue;
        };
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
            let mut listed = HashSet::new();
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

fn redundant_condition_value(ctx: &Ctx<'_>) {
    for c in ctx.parsed.conditions().iter().filter(|c| c.op.op.is_some()) {
        let e = c.entry;
        let mut listed = HashSet::new();
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
    }
}

fn redundant_condition_value_num(ctx: &Ctx<'_>) {
    for c in ctx.parsed.conditions() {
        let (Some(o), e) = (c.op.op, c.entry) else {
            continue;
        };
        let less = match o.base {
            BaseOperator::NumericLessThan | BaseOperator::NumericLessThanEquals => true,
            BaseOperator::NumericGreaterThan | BaseOperator::NumericGreaterThanEquals => false,
            _ => continue,
        };
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
        ctx.report(
            &REDUNDANT_CONDITION_VALUE_NUM,
            e.range,
            e.path.clone(),
            format!(
                "Values of `{}` are ORed, so only the {} one matters: use the single value {best}.",
                e.key.value,
                if less { "greatest" } else { "least" }
            ),
        );
    }
}

/// Identical statements (ignoring Sid): compares the source text of the statements without Sid.
fn redundant_statement(ctx: &Ctx<'_>) {
    let p = ctx.policy;
    if p.statements.len() < 2 {
        return;
    }
    let mut first: HashMap<String, usize> = HashMap::new();
    for (i, st) in p.statements.iter().enumerate() {
        let j = *first.entry(normalized(ctx, st)).or_insert(i);
        if j != i {
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
            let mut part = format!("{}=", m.key);
            // Whitespace removed: the runs between it copied whole.
            part.extend(
                ctx.policy
                    .source
                    .slice(m.value.range)
                    .split(char::is_whitespace),
            );
            part
        })
        .collect();
    parts.sort();
    parts.join(";")
}
