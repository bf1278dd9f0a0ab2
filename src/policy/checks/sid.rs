//! Statement ids. spec: IAM User Guide, "IAM JSON policy elements: Sid".

use super::{checks, links, Ctx};
use crate::policy::validate::PolicyType;

checks! {
    UNIQUE_SIDS_REQUIRED = (Error, "Two statements share a Sid in a policy type that requires unique Sids (IAM, Organizations).", links::SID);
    UNIQUE_SIDS_RECOMMENDED = (Warning, "Two statements share a Sid (resource-based and key policies accept it, but it confuses readers and tools).", links::SID);
    UNSUPPORTED_SID = (Error, "IAM and Organizations policies accept only A-Z, a-z, 0-9 in Sid.", links::SID);
    EMPTY_SID_VALUE = (Suggestion, "An empty Sid: remove it or give it a value.", links::SID);
}

pub fn run(ctx: &mut Ctx<'_>) {
    let p = ctx.policy;
    let strict = matches!(
        ctx.policy_type,
        PolicyType::Identity | PolicyType::Trust | PolicyType::Scp | PolicyType::Rcp
    );
    // First statement per Sid (a map: thousands of statements stay linear).
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for st in &p.statements {
        let Some(sid) = &st.sid else { continue };
        let path = format!("{}.Sid", st.path);
        if sid.value.is_empty() {
            ctx.report(
                &EMPTY_SID_VALUE,
                sid.range,
                path,
                "The Sid is empty: give the statement a name or remove `Sid`.",
            );
            continue;
        }
        if strict && !sid.value.bytes().all(|b| b.is_ascii_alphanumeric()) {
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
                ctx.report(&UNSUPPORTED_SID, sid.range, path.clone(), msg);
            } else {
                ctx.report_fix(
                    &UNSUPPORTED_SID,
                    sid.range,
                    path.clone(),
                    msg,
                    sid.range,
                    format!("\"{cleaned}\""),
                    format!("Use `{cleaned}`"),
                );
            }
        }
        if let Some(first) = seen.get(sid.value.as_str()) {
            let check = if strict {
                &UNIQUE_SIDS_REQUIRED
            } else {
                &UNIQUE_SIDS_RECOMMENDED
            };
            ctx.report(
                check,
                sid.range,
                path,
                format!(
                    "Sid `{}` is already used by statement {}; give each statement its own Sid.",
                    sid.value, first
                ),
            );
        } else {
            seen.insert(sid.value.as_str(), st.index);
        }
    }
}
