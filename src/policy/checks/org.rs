//! AWS Organizations policies: service control policies (SCPs) and resource control policies
//! (RCPs). spec: AWS Organizations User Guide, "SCP syntax", "RCP syntax".
//!
//! Note: since September 2025 SCPs accept the full IAM policy language (conditions, resources
//! and NotAction with Allow, wildcards anywhere in actions). Access Analyzer's older SCP
//! syntax checks are kept as warnings (tools and older partitions may still refuse them);
//! Principal / NotPrincipal are still refused.

use super::{checks, links, split_action, Ctx};
use crate::policy::iam::glob::text_has_wildcard;
use crate::policy::model::{PrincipalValue, Statement};
use crate::policy::validate::PolicyType;

checks! {
    SCP_SYNTAX_ERROR_PRINCIPAL = (Error, "SCPs do not take Principal or NotPrincipal (use aws:PrincipalArn in a condition).", links::SCP) => scp_syntax_error_principal;
    SCP_SYNTAX_ERROR_ACTION_WILDCARD = (Warning, "Wildcard in the middle or start of an SCP action (accepted only since 2025).", links::SCP) => scp_syntax_error_action_wildcard;
    SCP_SYNTAX_ERROR_ALLOW_CONDITION = (Warning, "Condition on an Allow statement of an SCP (accepted only since 2025).", links::SCP) => scp_syntax_error_allow_condition;
    SCP_SYNTAX_ERROR_ALLOW_NOTACTION = (Warning, "NotAction with Allow in an SCP (accepted only since 2025).", links::SCP) => scp_syntax_error_allow_notaction;
    SCP_SYNTAX_ERROR_ALLOW_RESOURCE = (Warning, "A Resource other than `*` on an Allow statement of an SCP (accepted only since 2025).", links::SCP) => scp_syntax_error_allow_resource;
    SCP_SYNTAX_ERROR_NOTRESOURCE = (Warning, "NotResource in an SCP (accepted only since 2025).", links::SCP) => scp_syntax_error_notresource;
    RCP_SYNTAX_ERROR_PRINCIPAL = (Error, "An RCP statement's Principal must be \"*\" (narrow it with conditions).", links::RCP) => rcp_syntax_error_principal;
    RCP_SYNTAX_ERROR_NOTPRINCIPAL = (Error, "RCPs do not take NotPrincipal.", links::RCP) => rcp_syntax_error_notprincipal;
    RCP_SYNTAX_ERROR_ALLOW = (Error, "RCPs can only deny (the Allow-all RCPFullAWSAccess is managed by AWS).", links::RCP) => rcp_syntax_error_allow;
    RCP_SYNTAX_ERROR_ACTION_WILDCARD = (Error, "An RCP cannot use `*` alone as its action: name the services.", links::RCP) => rcp_syntax_error_action_wildcard;
    RCP_UNSUPPORTED_SERVICE = (Error, "An action of a service that resource control policies do not support.", links::RCP) => rcp_unsupported_service;
}

/// Services RCPs support, for use without service data.
const RCP_SERVICES: &[&str] = &[
    "s3",
    "sts",
    "sqs",
    "secretsmanager",
    "kms",
    "ecr",
    "aoss",
    "cognito-identity",
    "logs",
    "dynamodb",
];

/// The statements of an SCP (none in other policy types).
fn scp_statements<'a>(ctx: &Ctx<'a>) -> &'a [Statement] {
    match ctx.policy_type {
        PolicyType::Scp => &ctx.policy.statements,
        _ => &[],
    }
}

/// The statements of an RCP (none in other policy types).
fn rcp_statements<'a>(ctx: &Ctx<'a>) -> &'a [Statement] {
    match ctx.policy_type {
        PolicyType::Rcp => &ctx.policy.statements,
        _ => &[],
    }
}

fn scp_syntax_error_principal(ctx: &Ctx<'_>) {
    for pr in scp_statements(ctx)
        .iter()
        .filter_map(|st| st.principal.as_ref())
    {
        ctx.report(&SCP_SYNTAX_ERROR_PRINCIPAL, pr.key_range, pr.path.clone(), "SCPs apply to the accounts they are attached to: remove Principal / NotPrincipal and use a condition on aws:PrincipalArn to exempt principals.");
    }
}

fn scp_syntax_error_action_wildcard(ctx: &Ctx<'_>) {
    for a in scp_statements(ctx)
        .iter()
        .filter_map(|st| st.action.as_ref())
    {
        for (i, it) in a.items.iter().enumerate() {
            if let Some((_, name)) = split_action(&it.value) {
                if text_has_wildcard(name.trim_end_matches('*')) {
                    ctx.report(&SCP_SYNTAX_ERROR_ACTION_WILDCARD, it.range, a.item_path(i), format!("`{}` has a wildcard before the end of the action name; SCPs accepted only trailing wildcards before 2025 (check your partition and tooling).", it.value));
                }
            }
        }
    }
}

fn scp_syntax_error_allow_notaction(ctx: &Ctx<'_>) {
    for st in scp_statements(ctx).iter().filter(|st| st.is_allow()) {
        if let Some(a) = st.action.as_ref().filter(|a| a.negated) {
            ctx.report(&SCP_SYNTAX_ERROR_ALLOW_NOTACTION, a.key_range, a.path.clone(), "NotAction with Allow in an SCP was refused before 2025; prefer Deny with NotAction.");
        }
    }
}

fn scp_syntax_error_notresource(ctx: &Ctx<'_>) {
    for r in scp_statements(ctx)
        .iter()
        .filter_map(|st| st.resource.as_ref())
    {
        if r.negated {
            ctx.report(
                &SCP_SYNTAX_ERROR_NOTRESOURCE,
                r.key_range,
                r.path.clone(),
                "NotResource in an SCP was refused before 2025.",
            );
        }
    }
}

fn scp_syntax_error_allow_resource(ctx: &Ctx<'_>) {
    for st in scp_statements(ctx).iter().filter(|st| st.is_allow()) {
        if let Some(r) = st.resource.as_ref().filter(|r| !r.negated) {
            if r.items.iter().any(|i| i.value != "*") {
                ctx.report(
                    &SCP_SYNTAX_ERROR_ALLOW_RESOURCE,
                    r.range,
                    r.path.clone(),
                    "Allow statements of SCPs took only `\"Resource\": \"*\"` before 2025.",
                );
            }
        }
    }
}

fn scp_syntax_error_allow_condition(ctx: &Ctx<'_>) {
    for st in scp_statements(ctx).iter().filter(|st| st.is_allow()) {
        if let Some(c) = &st.condition {
            ctx.report(&SCP_SYNTAX_ERROR_ALLOW_CONDITION, c.key_range, c.path.clone(), "Conditions on Allow statements of SCPs were refused before 2025; express the rule as a Deny with the negated condition.");
        }
    }
}

fn rcp_syntax_error_allow(ctx: &Ctx<'_>) {
    for st in rcp_statements(ctx).iter().filter(|st| st.is_allow()) {
        if let Some(e) = &st.effect {
            ctx.report(&RCP_SYNTAX_ERROR_ALLOW, e.range, format!("{}.Effect", st.path), "Resource control policies only deny: write Deny statements (AWS attaches RCPFullAWSAccess for the Allow).");
        }
    }
}

fn rcp_syntax_error_notprincipal(ctx: &Ctx<'_>) {
    for pr in rcp_statements(ctx)
        .iter()
        .filter_map(|st| st.principal.as_ref())
    {
        if pr.negated {
            ctx.report(&RCP_SYNTAX_ERROR_NOTPRINCIPAL, pr.key_range, pr.path.clone(), "RCPs do not support NotPrincipal: use \"Principal\": \"*\" with a condition such as aws:PrincipalOrgID.");
        }
    }
}

fn rcp_syntax_error_principal(ctx: &Ctx<'_>) {
    for pr in rcp_statements(ctx)
        .iter()
        .filter_map(|st| st.principal.as_ref())
    {
        if !pr.negated && !matches!(pr.value, PrincipalValue::Wildcard(_)) {
            ctx.report(&RCP_SYNTAX_ERROR_PRINCIPAL, pr.range, pr.path.clone(), "The Principal of an RCP statement must be \"*\"; narrow it with conditions (aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalIsAWSService).");
        }
    }
}

fn rcp_syntax_error_action_wildcard(ctx: &Ctx<'_>) {
    for a in rcp_statements(ctx)
        .iter()
        .filter_map(|st| st.action.as_ref())
    {
        for (i, it) in a.items.iter().enumerate().filter(|(_, it)| it.value == "*") {
            ctx.report(&RCP_SYNTAX_ERROR_ACTION_WILDCARD, it.range, a.item_path(i), "RCPs cannot use `\"*\"` as an action: list the supported services' actions (s3:*, sts:*, kms:*, ...).");
        }
    }
}

fn rcp_unsupported_service(ctx: &Ctx<'_>) {
    for a in rcp_statements(ctx)
        .iter()
        .filter_map(|st| st.action.as_ref())
    {
        for (i, it) in a.items.iter().enumerate().filter(|(_, it)| it.value != "*") {
            let Some((svc, _)) = split_action(&it.value) else {
                continue;
            };
            if text_has_wildcard(svc) {
                continue;
            }
            let supported = match ctx.catalog {
                Some(cat) => cat.rcp_supports(svc),
                None => RCP_SERVICES.iter().any(|s| s.eq_ignore_ascii_case(svc)),
            };
            if !supported {
                ctx.report(&RCP_UNSUPPORTED_SERVICE, it.range, a.item_path(i), format!("Resource control policies do not apply to `{svc}`: this action is ignored."));
            }
        }
    }
}
