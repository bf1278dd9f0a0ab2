//! Statement ids. spec: IAM User Guide, "IAM JSON policy elements: Sid".

use foldhash::{HashMap, HashMapExt};

use super::{checks, links, Check, Ctx};
use crate::policy::model::{Located, Statement};
use crate::policy::validate::PolicyType;

checks! {
    UNIQUE_SIDS_REQUIRED = (Error, "Two statements share a Sid in a policy type that requires unique Sids (IAM, Organizations).", links::SID) => unique_sids_required;
    UNIQUE_SIDS_RECOMMENDED = (Warning, "Two statements share a Sid (resource-based and key policies accept it, but it confuses readers and tools).", links::SID) => unique_sids_recommended;
    UNSUPPORTED_SID = (Error, "IAM and Organizations policies accept only A-Z, a-z, 0-9 in Sid.", links::SID) => unsupported_sid;
    EMPTY_SID_VALUE = (Suggestion, "An empty Sid: remove it or give it a value.", links::SID) => empty_sid_value;
}

/// Whether the policy type requires unique Sids of letters and digits (IAM, Organizations).
fn strict(ctx: &Ctx<'_>) -> bool {
    matches!(
        ctx.policy_type,
        PolicyType::Identity | PolicyType::Trust | PolicyType::Scp | PolicyType::Rcp
    )
}

/// The statements with a non-empty Sid, with it.
fn sids<'a>(ctx: &Ctx<'a>) -> impl Iterator<Item = (&'a Statement, &'a Located<String>)> + 'a {
    ctx.policy
        .statements
        .iter()
        .filter_map(|st| Some((st, st.sid.as_ref().filter(|s| !s.value.is_empty())?)))
}

fn sid_path(st: &Statement) -> String {
    format!("{}.Sid", st.path)
}

fn empty_sid_value(ctx: &Ctx<'_>) {
    for st in &ctx.policy.statements {
        if let Some(sid) = st.sid.as_ref().filter(|s| s.value.is_empty()) {
            ctx.report(
                &EMPTY_SID_VALUE,
                sid.range,
                sid_path(st),
                "The Sid is empty: give the statement a name or remove `Sid`.",
            );
        }
    }
}

fn unsupported_sid(ctx: &Ctx<'_>) {
    if !strict(ctx) {
        return;
    }
    for (st, sid) in sids(ctx).filter(|(_, s)| !s.value.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        let cleaned: String = sid
            .value
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        let msg = format!(
            "Sid `{}` has characters IAM does not accept here: use only A-Z, a-z and 0-9.",
            sid.value
        );
        if cleaned.is_empty() {
            ctx.report(&UNSUPPORTED_SID, sid.range, sid_path(st), msg);
        } else {
            ctx.report_fix(
                &UNSUPPORTED_SID,
                sid.range,
                sid_path(st),
                msg,
                sid.range,
                format!("\"{cleaned}\""),
                format!("Use `{cleaned}`"),
            );
        }
    }
}

fn unique_sids_required(ctx: &Ctx<'_>) {
    if strict(ctx) {
        duplicate_sids(ctx, &UNIQUE_SIDS_REQUIRED);
    }
}

fn unique_sids_recommended(ctx: &Ctx<'_>) {
    if !strict(ctx) {
        duplicate_sids(ctx, &UNIQUE_SIDS_RECOMMENDED);
    }
}

/// Reports `check` at each Sid an earlier statement already has.
fn duplicate_sids(ctx: &Ctx<'_>, check: &Check) {
    // First statement per Sid (a map: thousands of statements stay linear).
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (st, sid) in sids(ctx) {
        match seen.get(sid.value.as_str()) {
            Some(first) => ctx.report(
                check,
                sid.range,
                sid_path(st),
                format!(
                    "Sid `{}` is already used by statement {first}; give each statement its own Sid.",
                    sid.value
                ),
            ),
            None => {
                seen.insert(sid.value.as_str(), st.index);
            }
        }
    }
}
