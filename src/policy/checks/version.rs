//! The Version element. spec: IAM User Guide, "IAM JSON policy elements: Version".

use super::{checks, links, Ctx};
use crate::policy::model::Located;
use crate::policy::span::TextRange;

checks! {
    INVALID_VERSION = (Error, "Version is not one of the policy language versions (2012-10-17, 2008-10-17).", links::VERSION) => invalid_version;
    MISSING_VERSION = (Warning, "No Version: IAM then uses 2008-10-17, where policy variables are plain text.", links::VERSION) => missing_version;
    OLD_VERSION = (Warning, "Version 2008-10-17: policy variables are not substituted and newer features do not work.", links::VERSION) => old_version;
}

/// The `Version` string of a policy whose root is an object.
fn version<'a>(ctx: &Ctx<'a>) -> Option<&'a Located<String>> {
    ctx.policy.root.as_object()?;
    ctx.policy.version.as_ref()
}

fn missing_version(ctx: &Ctx<'_>) {
    let p = ctx.policy;
    if p.root.as_object().is_none() || p.version.is_some() || p.root.get("Version").is_some() {
        return;
    }
    let at = p.root.range.start + 1;
    ctx.report_fix(
        &MISSING_VERSION,
        TextRange::new(p.root.range.start, at),
        "",
        "Add `\"Version\": \"2012-10-17\"`: without it the 2008-10-17 language applies and policy variables like ${aws:username} are not substituted.",
        TextRange::empty(at),
        "\"Version\": \"2012-10-17\", ",
        "Add `\"Version\": \"2012-10-17\"`",
    );
}

fn old_version(ctx: &Ctx<'_>) {
    let Some(v) = version(ctx).filter(|v| v.value == "2008-10-17") else {
        return;
    };
    ctx.report_fix(
        &OLD_VERSION,
        v.range,
        "Version",
        "Version 2008-10-17 is the old policy language: policy variables are treated as literal text. Use 2012-10-17.",
        v.range,
        "\"2012-10-17\"",
        "Use 2012-10-17",
    );
}

fn invalid_version(ctx: &Ctx<'_>) {
    let Some(v) = version(ctx).filter(|v| !matches!(v.value.as_str(), "2012-10-17" | "2008-10-17"))
    else {
        return;
    };
    ctx.report_fix(
        &INVALID_VERSION,
        v.range,
        "Version",
        format!("`{}` is not a policy language version: use \"2012-10-17\" (Version is the language version, not a date of your policy).", v.value),
        v.range,
        "\"2012-10-17\"",
        "Use 2012-10-17",
    );
}
