//! Permissions that hand out more permissions: iam:PassRole, iam:CreateServiceLinkedRole and
//! permissions management with `*`; NotAction / NotResource with Allow. spec: IAM User Guide,
//! "Granting a user permissions to pass a role to an AWS service", "Service-linked roles",
//! "NotAction", "NotResource".

use super::parsed::StatementActions;
use super::{checks, links, verdict_checks, Check, Ctx, Verdict};
use crate::policy::model::{Statement, StringList};
use crate::policy::validate::PolicyType;

checks! {
    PASS_ROLE_WITH_STAR_IN_RESOURCE = (SecurityWarning, "iam:PassRole on `*`: any role can be passed to any service.", links::PASS_ROLE) => pass_role_with_star_in_resource;
    PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE = (SecurityWarning, "A wildcard action that includes iam:PassRole, on `*`.", links::PASS_ROLE) => pass_role_with_star_in_action_and_resource;
    PASS_ROLE_WITH_NOT_RESOURCE = (SecurityWarning, "iam:PassRole with NotResource: every role except those listed.", links::PASS_ROLE) => pass_role_with_not_resource;
    PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE = (SecurityWarning, "A wildcard action that includes iam:PassRole, with NotResource.", links::PASS_ROLE) => pass_role_with_star_in_action_and_not_resource;
    PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE = (SecurityWarning, "NotAction (not excluding iam:PassRole) with NotResource.", links::PASS_ROLE) => pass_role_with_not_action_and_not_resource;
    PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION = (SecurityWarning, "NotAction (not excluding iam:PassRole) on `*`.", links::PASS_ROLE) => pass_role_with_star_in_resource_and_not_action;
    CREATE_SLR_WITH_STAR_IN_RESOURCE = (Warning, "iam:CreateServiceLinkedRole on `*`.", links::SLR) => create_slr_with_star_in_resource;
    CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE = (Warning, "A wildcard action that includes iam:CreateServiceLinkedRole, on `*`.", links::SLR) => create_slr_with_star_in_action_and_resource;
    CREATE_SLR_WITH_NOT_RESOURCE = (Warning, "iam:CreateServiceLinkedRole with NotResource.", links::SLR) => create_slr_with_not_resource;
    CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE = (Warning, "A wildcard action that includes iam:CreateServiceLinkedRole, with NotResource.", links::SLR) => create_slr_with_star_in_action_and_not_resource;
    CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE = (Warning, "NotAction (not excluding iam:CreateServiceLinkedRole) with NotResource.", links::SLR) => create_slr_with_not_action_and_not_resource;
    CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION = (Warning, "NotAction (not excluding iam:CreateServiceLinkedRole) on `*`.", links::SLR) => create_slr_with_star_in_resource_and_not_action;
    PERMISSIONS_MANAGEMENT_WITH_STAR_IN_RESOURCE = (SecurityWarning, "Actions that change permissions (attach / put policies, update trust) on `*`: privilege escalation.", Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_understand-policy-summary-access-level-summaries.html")) => permissions_management_with_star_in_resource;
    ALLOW_NOT_ACTION_WITH_STAR_RESOURCE = (SecurityWarning, "Allow with NotAction on `*`: grants every other action of every service, including future ones.", links::NOT_ACTION) => allow_not_action_with_star_resource;
    ALLOW_NOT_RESOURCE = (Warning, "Allow with NotResource: grants every other resource, including ones created later.", links::NOT_RESOURCE) => allow_not_resource;
    FULL_ADMIN_ACCESS = (Warning, "Allow `*` on `*`: full administrator access.", links::ACTION) => full_admin_access;
}

/// Actions that let the holder grant themselves more (permissions management in IAM / STS /
/// Organizations), checked without service data.
const PERMISSION_ACTIONS: &[&str] = &[
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:AttachRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
    "iam:PutRolePolicy",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:UpdateAssumeRolePolicy",
    "iam:AddUserToGroup",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:PutUserPermissionsBoundary",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteUserPermissionsBoundary",
    "kms:PutKeyPolicy",
    "kms:CreateGrant",
    "s3:PutBucketPolicy",
    "organizations:AttachPolicy",
    "lambda:AddPermission",
    "sqs:AddPermission",
    "sns:AddPermission",
];

fn names(st: &Statement, action: &str) -> bool {
    st.action
        .as_ref()
        .is_some_and(|a| !a.negated && a.items.iter().any(|i| i.value.eq_ignore_ascii_case(action)))
}

/// An Allow statement with Action / NotAction and Resource / NotResource, in a policy type
/// these checks apply to (identity and resource-based policies).
struct Grant<'a, 'p> {
    /// Its index in [`crate::policy::model::Policy::statements`].
    i: usize,
    st: &'a Statement,
    actions: &'p StatementActions<'a>,
    action: &'a StringList,
    resource: &'a StringList,
    /// Resource is `*` (or every role).
    res_star: bool,
    /// NotResource.
    not_res: bool,
    has_cond: bool,
}

fn grants<'p, 'a: 'p>(ctx: &'p Ctx<'a>) -> impl Iterator<Item = Grant<'a, 'p>> + 'p {
    // Key, trust and organization policies cannot grant iam:* to anyone meaningfully.
    let applies = matches!(ctx.policy_type, PolicyType::Identity | PolicyType::Resource);
    ctx.parsed
        .statements(ctx.policy)
        .enumerate()
        .filter(move |_| applies)
        .filter_map(|(i, (st, actions))| {
            let (Some(action), Some(resource)) = (&st.action, &st.resource) else {
                return None;
            };
            st.is_allow().then(|| Grant {
                i,
                st,
                actions,
                action,
                resource,
                res_star: !resource.negated
                    && resource
                        .items
                        .iter()
                        .any(|i| i.value == "*" || i.value == "arn:aws:iam::*:role/*"),
                not_res: resource.negated,
                has_cond: st
                    .condition
                    .as_ref()
                    .is_some_and(|c| !c.operators.is_empty()),
            })
        })
}

/// The findings on iam:PassRole and iam:CreateServiceLinkedRole (at most one of each per
/// statement, by how the statement reaches the action), worked out once for the twelve checks.
fn delegation<'c>(ctx: &'c Ctx<'_>) -> &'c [Verdict] {
    ctx.parsed.delegation.get_or_init(|| {
        let mut out = Vec::new();
        for g in grants(ctx) {
            out.extend(delegates(ctx, &g, &PASS_ROLE));
            out.extend(delegates(ctx, &g, &CREATE_SLR));
        }
        out
    })
}

/// An action that hands out a role, and its checks.
struct Delegated {
    action: &'static str,
    /// The condition key (lower-cased) that scopes it.
    scoping_key: &'static str,
    /// What the holder can do, ending the messages.
    risk: &'static str,
    /// Joins the action's name to `risk` after NotAction: ": it " or ", which ".
    joint: &'static str,
    not_action_not_resource: &'static Check,
    star_resource_not_action: &'static Check,
    not_resource: &'static Check,
    star_action_not_resource: &'static Check,
    star_resource: &'static Check,
    star_action_star_resource: &'static Check,
}

const PASS_ROLE: Delegated = Delegated {
    action: "iam:PassRole",
    scoping_key: "iam:passedtoservice",
    risk: "can pass any role to any service, letting the holder act with that role's permissions. Name the roles in Resource or add an iam:PassedToService condition.",
    joint: ": it ",
    not_action_not_resource: &PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE,
    star_resource_not_action: &PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION,
    not_resource: &PASS_ROLE_WITH_NOT_RESOURCE,
    star_action_not_resource: &PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE,
    star_resource: &PASS_ROLE_WITH_STAR_IN_RESOURCE,
    star_action_star_resource: &PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE,
};

const CREATE_SLR: Delegated = Delegated {
    action: "iam:CreateServiceLinkedRole",
    scoping_key: "iam:awsservicename",
    risk: "can create service-linked roles for any service. Name them in Resource or add an iam:AWSServiceName condition.",
    joint: ", which ",
    not_action_not_resource: &CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE,
    star_resource_not_action: &CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION,
    not_resource: &CREATE_SLR_WITH_NOT_RESOURCE,
    star_action_not_resource: &CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE,
    star_resource: &CREATE_SLR_WITH_STAR_IN_RESOURCE,
    star_action_star_resource: &CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE,
};

/// The finding on `g` for `d`'s action, if it allows the action unscoped.
fn delegates(ctx: &Ctx<'_>, g: &Grant<'_, '_>, d: &Delegated) -> Option<Verdict> {
    if !g.actions.matches(d.action) || ctx.parsed.condition_keys(g.i).any(|k| k == d.scoping_key) {
        return None;
    }
    let (a, m) = (d.action, d.risk);
    let explicit = names(g.st, a);
    let (check, message) = if g.action.negated && g.not_res {
        (
            d.not_action_not_resource,
            format!("NotAction with NotResource allows {a}{}{m}", d.joint),
        )
    } else if g.action.negated && g.res_star {
        (
            d.star_resource_not_action,
            format!("NotAction on `*` allows {a}{}{m}", d.joint),
        )
    } else if g.not_res {
        let c = if explicit {
            d.not_resource
        } else {
            d.star_action_not_resource
        };
        (c, format!("{a} with NotResource {m}"))
    } else if g.res_star {
        let c = if explicit {
            d.star_resource
        } else {
            d.star_action_star_resource
        };
        (c, format!("{a} on `*` {m}"))
    } else {
        return None;
    };
    Some(Verdict::new(
        check,
        g.action.range,
        g.action.path.as_str(),
        message,
    ))
}

verdict_checks! {
    delegation;
    pass_role_with_star_in_resource => PASS_ROLE_WITH_STAR_IN_RESOURCE,
    pass_role_with_star_in_action_and_resource => PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE,
    pass_role_with_not_resource => PASS_ROLE_WITH_NOT_RESOURCE,
    pass_role_with_star_in_action_and_not_resource => PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE,
    pass_role_with_not_action_and_not_resource => PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE,
    pass_role_with_star_in_resource_and_not_action => PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION,
    create_slr_with_star_in_resource => CREATE_SLR_WITH_STAR_IN_RESOURCE,
    create_slr_with_star_in_action_and_resource => CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE,
    create_slr_with_not_resource => CREATE_SLR_WITH_NOT_RESOURCE,
    create_slr_with_star_in_action_and_not_resource => CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE,
    create_slr_with_not_action_and_not_resource => CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE,
    create_slr_with_star_in_resource_and_not_action => CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION,
}

/// Unconditioned Allows on `*` of actions other than `*`: the permission-changing ones they
/// allow, when any.
fn permissions_management_with_star_in_resource(ctx: &Ctx<'_>) {
    for g in grants(ctx).filter(|g| g.res_star && !g.action.negated && !g.has_cond) {
        if g.action.items.iter().any(|i| i.value == "*") {
            continue;
        }
        let hits: Vec<&str> = PERMISSION_ACTIONS
            .iter()
            .copied()
            .filter(|a| g.actions.matches(a))
            .collect();
        if !hits.is_empty() {
            let shown: Vec<&str> = hits.iter().take(4).copied().collect();
            ctx.report(&PERMISSIONS_MANAGEMENT_WITH_STAR_IN_RESOURCE, g.action.range, g.action.path.clone(), format!("This allows permission-changing actions ({}{}) on every resource: whoever holds it can grant themselves more. Name the resources.", shown.join(", "), if hits.len() > 4 { ", ..." } else { "" }));
        }
    }
}

fn full_admin_access(ctx: &Ctx<'_>) {
    for g in grants(ctx).filter(|g| g.res_star && !g.action.negated && !g.has_cond) {
        if g.action.items.iter().any(|i| i.value == "*") {
            ctx.report(&FULL_ADMIN_ACCESS, g.action.range, g.action.path.clone(), "`\"Action\": \"*\"` on `\"Resource\": \"*\"` is full administrator access. Grant only the services and actions needed.");
        }
    }
}

fn allow_not_action_with_star_resource(ctx: &Ctx<'_>) {
    for g in grants(ctx).filter(|g| g.action.negated && g.res_star) {
        ctx.report(&ALLOW_NOT_ACTION_WITH_STAR_RESOURCE, g.action.key_range, g.action.path.clone(), "Allow with NotAction on `*` grants every action not listed, in every service, including services added later. List the allowed actions in `Action` instead.");
    }
}

fn allow_not_resource(ctx: &Ctx<'_>) {
    for g in grants(ctx).filter(|g| g.not_res) {
        ctx.report(&ALLOW_NOT_RESOURCE, g.resource.key_range, g.resource.path.clone(), "Allow with NotResource grants the actions on every resource not listed, including resources created later. List the resources in `Resource` instead.");
    }
}
