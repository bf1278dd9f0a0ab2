//! What the checks share, read once per validation: each statement's Action / NotAction
//! entries (what form each entry has, `service:Action`, `*` or malformed, its service in the
//! service data, and a matcher that answers "does this list cover `service:Action`" without
//! rescanning the list's text), every Resource entry, every condition entry with its key
//! lower-cased and typed, and the verdicts of analyses several checks share.

use std::borrow::Cow;
use std::cell::OnceCell;

use crate::policy::catalog::{cmp_ignore_ascii_case, Catalog};
use crate::policy::iam::arn::Arn;
use crate::policy::iam::glob::{encode_pattern, glob_match, text_has_variable, text_has_wildcard};
use crate::policy::model::{
    ConditionEntry, ConditionOperator, Effect, ItemPath, Located, Policy, Statement, StringList,
};

use super::conditions::{key_info, KeyInfo};
use super::resources::mask_variables;
use super::{split_action, Verdict};

/// What an Action / NotAction entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionForm<'a> {
    /// `*`, an empty string, or text with a policy variable (the variables family's).
    Other,
    /// Not `service:Action` with both parts non-empty.
    NoServiceOrName,
    /// Whitespace in either part, or a second `:`.
    BadCharacters,
    /// `service:Action`, either part possibly with `*` / `?`.
    Named(ActionName<'a>),
}

/// A `service:Action` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionName<'a> {
    pub service: &'a str,
    pub name: &'a str,
    pub wild_service: bool,
    pub wild_name: bool,
    /// The service's index in the service data (literal services it knows).
    pub catalog_service: Option<usize>,
    /// The action's index in that service's actions (literal names it knows).
    pub catalog_action: Option<usize>,
}

/// The last service looked up in the service data and its index there: the entries of an
/// Action list mostly come in runs of one service.
type LastService<'a> = Option<(&'a str, Option<usize>)>;

impl<'a> ActionForm<'a> {
    fn of(text: &'a str, catalog: Option<&Catalog>, last: &mut LastService<'a>) -> Self {
        if text == "*" || text.is_empty() || text_has_variable(text) {
            return ActionForm::Other;
        }
        let Some((service, name)) = split_action(text) else {
            return ActionForm::NoServiceOrName;
        };
        if has_whitespace(service) || has_whitespace(name) || name.contains(':') {
            return ActionForm::BadCharacters;
        }
        let wild_service = text_has_wildcard(service);
        let wild_name = text_has_wildcard(name);
        let catalog_service = catalog.filter(|_| !wild_service).and_then(|c| {
            let si = match *last {
                Some((s, si)) if s == service => si,
                _ => {
                    let si = c.service_index(service);
                    *last = Some((service, si));
                    si
                }
            };
            Some((c, si?))
        });
        ActionForm::Named(ActionName {
            service,
            name,
            wild_service,
            wild_name,
            catalog_service: catalog_service.map(|(_, si)| si),
            catalog_action: catalog_service
                .filter(|_| !wild_name)
                .and_then(|(c, si)| c.services()[si].action_index(name)),
        })
    }
}

/// Whether `s` holds a Unicode whitespace character (ASCII text checked byte by byte).
fn has_whitespace(s: &str) -> bool {
    match s.is_ascii() {
        true => s.bytes().any(|b| matches!(b, b'\t'..=b'\r' | b' ')),
        false => s.contains(char::is_whitespace),
    }
}

/// One statement's Action / NotAction, read once.
#[derive(Debug, Default)]
pub struct StatementActions<'a> {
    list: Option<&'a StringList>,
    /// The forms of the list's entries, in order (empty when the statement has none).
    pub forms: Vec<ActionForm<'a>>,
    /// Built by the first [`StatementActions::matches`].
    matcher: OnceCell<Matcher<'a>>,
}

/// A list's entries split for lookups.
#[derive(Debug)]
struct Matcher<'a> {
    /// Entries without wildcards, sorted case-insensitively.
    literals: Vec<&'a str>,
    /// Entries with `*` / `?`, encoded.
    patterns: Vec<Vec<u8>>,
}

impl<'a> Matcher<'a> {
    fn of(list: &'a StringList) -> Self {
        let mut literals = Vec::new();
        let mut patterns = Vec::new();
        for it in &list.items {
            if text_has_wildcard(&it.value) {
                patterns.push(encode_pattern(&it.value));
            } else {
                literals.push(it.value.as_str());
            }
        }
        literals.sort_unstable_by(|a, b| cmp_ignore_ascii_case(a, b));
        Matcher { literals, patterns }
    }
}

impl<'a> StatementActions<'a> {
    fn of(list: Option<&'a StringList>, catalog: Option<&Catalog>) -> Self {
        let mut last = None;
        StatementActions {
            list,
            forms: list
                .iter()
                .flat_map(|l| &l.items)
                .map(|it| ActionForm::of(&it.value, catalog, &mut last))
                .collect(),
            matcher: OnceCell::new(),
        }
    }

    /// Whether the Action / NotAction covers `action` (case-insensitive globs); false when the
    /// statement has neither.
    pub fn matches(&self, action: &str) -> bool {
        let Some(list) = self.list else {
            return false;
        };
        let m = self.matcher.get_or_init(|| Matcher::of(list));
        let hit = m
            .literals
            .binary_search_by(|l| cmp_ignore_ascii_case(l, action))
            .is_ok()
            || m.patterns
                .iter()
                .any(|p| glob_match(p, action.as_bytes(), true));
        hit != list.negated
    }
}

/// One Action / NotAction entry.
#[derive(Debug, Clone, Copy)]
pub struct ActionEntry<'a, 'p> {
    pub list: &'a StringList,
    /// Its index in `list`.
    pub i: usize,
    pub item: &'a Located<String>,
    pub form: &'p ActionForm<'a>,
}

impl ActionEntry<'_, '_> {
    /// Reports `check` at this entry.
    pub fn report(&self, ctx: &super::Ctx<'_>, check: &super::Check, message: String) {
        ctx.report(check, self.item.range, self.list.item(self.i), message);
    }
}

/// One Resource / NotResource entry other than `*` and the empty string.
#[derive(Debug)]
pub struct ResourceEntry<'a> {
    pub list: &'a StringList,
    /// Its index in `list`.
    pub i: usize,
    pub item: &'a Located<String>,
    /// The text with each `${...}` variable replaced by `*` (what it can match), so that the
    /// ARN's fields split where the policy's do.
    pub masked: Cow<'a, str>,
    /// Whether a wider match makes the statement stricter (a Deny's `Resource`, an Allow's
    /// `NotResource`, and a statement without a valid Effect), so that the evaluator reads a
    /// `*` ending any ARN segment as taking colons; otherwise only the account's does
    /// ([`crate::policy::iam::arn::arn_match`]).
    pub widest: bool,
}

impl ResourceEntry<'_> {
    /// The ARN's fields, when the text has six.
    pub fn arn(&self) -> Option<Arn<'_>> {
        Arn::parse(&self.masked)
    }
    pub fn path(&self) -> ItemPath<'_> {
        self.list.item(self.i)
    }
    /// Reports `check` at this entry.
    pub fn report(&self, ctx: &super::Ctx<'_>, check: &super::Check, message: String) {
        ctx.report(check, self.item.range, self.path(), message);
    }
}

/// One condition entry (`"aws:SourceAccount": [...]` under its operator).
#[derive(Debug)]
pub struct CondEntry<'a> {
    /// Its statement's index in [`Policy::statements`].
    pub statement: usize,
    pub op: &'a ConditionOperator,
    pub entry: &'a ConditionEntry,
    /// The key, lower-cased.
    pub key: String,
    /// The key's type, for an entry whose operator is valid (`None` otherwise, and for keys
    /// neither the global keys nor the service data type).
    pub info: Option<KeyInfo>,
}

/// Every statement's actions, parallel to [`Policy::statements`], every resource entry, every
/// condition entry, and the shared analyses' verdicts.
#[derive(Debug, Default)]
pub struct Parsed<'a> {
    statements: Vec<StatementActions<'a>>,
    resources: Vec<ResourceEntry<'a>>,
    conditions: Vec<CondEntry<'a>>,
    /// For each statement, the range of its entries in `conditions`.
    condition_ranges: Vec<std::ops::Range<usize>>,
    /// The resource family's service-data findings, worked out by the first check that asks.
    pub resource_catalog: OnceCell<Vec<Verdict>>,
    /// The principals family's verdicts on principal values.
    pub principal_values: OnceCell<Vec<Verdict>>,
    /// The conditions family's verdicts on condition keys.
    pub condition_keys: OnceCell<Vec<Verdict>>,
    /// The variables family's verdicts on policy variables.
    pub variables: OnceCell<Vec<Verdict>>,
    /// The sensitive family's verdicts on iam:PassRole and iam:CreateServiceLinkedRole.
    pub delegation: OnceCell<Vec<Verdict>>,
}

impl<'a> Parsed<'a> {
    pub fn new(policy: &'a Policy, catalog: Option<&Catalog>) -> Self {
        let mut conditions = Vec::new();
        let mut condition_ranges = Vec::with_capacity(policy.statements.len());
        for (statement, st) in policy.statements.iter().enumerate() {
            let start = conditions.len();
            for op in st.condition.iter().flat_map(|c| &c.operators) {
                for entry in &op.entries {
                    conditions.push(CondEntry {
                        statement,
                        op,
                        entry,
                        key: entry.key.value.to_ascii_lowercase(),
                        info: op.op.and_then(|_| key_info(catalog, &entry.key.value)),
                    });
                }
            }
            condition_ranges.push(start..conditions.len());
        }
        Parsed {
            conditions,
            condition_ranges,
            statements: policy
                .statements
                .iter()
                .map(|st| StatementActions::of(st.action.as_ref(), catalog))
                .collect(),
            resources: policy
                .statements
                .iter()
                .filter_map(|st| Some((st, st.resource.as_ref()?)))
                .flat_map(|(st, list)| {
                    let widest = match st.effect.as_ref().map(|e| e.value) {
                        Some(Effect::Allow) => list.negated,
                        Some(Effect::Deny) => !list.negated,
                        None => true,
                    };
                    list.items
                        .iter()
                        .enumerate()
                        .filter(|(_, it)| it.value != "*" && !it.value.is_empty())
                        .map(move |(i, item)| ResourceEntry {
                            list,
                            i,
                            item,
                            masked: mask_variables(&item.value),
                            widest,
                        })
                })
                .collect(),
            resource_catalog: OnceCell::new(),
            principal_values: OnceCell::new(),
            condition_keys: OnceCell::new(),
            variables: OnceCell::new(),
            delegation: OnceCell::new(),
        }
    }

    /// Every condition entry, in order.
    pub fn conditions(&self) -> &[CondEntry<'a>] {
        &self.conditions
    }

    /// The condition entries of statement `i` of [`Policy::statements`].
    pub fn statement_conditions(&self, i: usize) -> &[CondEntry<'a>] {
        &self.conditions[self.condition_ranges[i].clone()]
    }

    /// The lower-cased condition keys of statement `i`, for "has a condition on X" tests.
    pub fn condition_keys(&self, i: usize) -> impl Iterator<Item = &str> {
        self.statement_conditions(i).iter().map(|c| c.key.as_str())
    }

    /// Every Resource / NotResource entry other than `*` and the empty string, in order.
    pub fn resources(&self) -> &[ResourceEntry<'a>] {
        &self.resources
    }

    /// The actions of statement `i` of [`Policy::statements`].
    pub fn actions(&self, i: usize) -> &StatementActions<'a> {
        &self.statements[i]
    }

    /// Every Action / NotAction entry with its list, its index there and its form.
    pub fn action_entries<'p>(
        &'p self,
        policy: &'a Policy,
    ) -> impl Iterator<Item = ActionEntry<'a, 'p>> + 'p {
        self.statements(policy).flat_map(|(st, actions)| {
            st.action.iter().flat_map(move |list| {
                list.items
                    .iter()
                    .enumerate()
                    .zip(&actions.forms)
                    .map(move |((i, item), form)| ActionEntry {
                        list,
                        i,
                        item,
                        form,
                    })
            })
        })
    }

    /// The statements with their actions.
    pub fn statements<'p>(
        &'p self,
        policy: &'a Policy,
    ) -> impl Iterator<Item = (&'a Statement, &'p StatementActions<'a>)> + 'p {
        policy.statements.iter().zip(&self.statements)
    }
}
