//! Permissions that hand out more permissions: iam:PassRole, iam:CreateServiceLinkedRole and
//! permissions management with `*`; NotAction / NotResource with Allow. spec: IAM User Guide,
//! "Granting a user permissions to pass a role to an AWS service", "Service-linked roles",
//! "NotAction", "NotResource".

use super::{checks, links, Ctx};
use crate::policy::model::Statement;

checks! {
    PASS_ROLE_WITH_STAR_IN_RESOURCE = (SecurityWarning, "iam:PassRole on `*`: any role can be passed to any service.", links::PASS_ROLE);
    PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE = (SecurityWarning, "A wildcard action that includes iam:PassRole, on `*`.", links::PASS_ROLE);
    PASS_ROLE_WITH_NOT_RESOURCE = (SecurityWarning, "iam:PassRole with NotResource: every role except those listed.", links::PASS_ROLE);
    PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE = (SecurityWarning, "A wildcard action that includes iam:PassRole, with NotResource.", links::PASS_ROLE);
    PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE = (SecurityWarning, "NotAction (not excluding iam:PassRole) with NotResource.", links::PASS_ROLE);
    PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION = (SecurityWarning, "NotAction (not excluding iam:PassRole) on `*`.", links::PASS_ROLE);
    CREATE_SLR_WITH_STAR_IN_RESOURCE = (Warning, "iam:CreateServiceLinkedRole on `*`.", links::SLR);
    CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE = (Warning, "A wildcard action that includes iam:CreateServiceLinkedRole, on `*`.", links::SLR);
    CREATE_SLR_WITH_NOT_RESOURCE = (Warning, "iam:CreateServiceLinkedRole with NotResource.", links::SLR);
    CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE = (Warning, "A wildcard action that includes iam:CreateServiceLinkedRole, with NotResource.", links::SLR);
    CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE = (Warning, "NotAction (not excluding iam:CreateServiceLinkedRole) with NotResource.", links::SLR);
    CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION = (Warning, "NotAction (not excluding iam:CreateServiceLinkedRole) on `*`.", links::SLR);
    PERMISSIONS_MANAGEMENT_WITH_STAR_IN_RESOURCE = (SecurityWarning, "Actions that change permissions (attach / put policies, update trust) on `*`: privilege escalation.", Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_understand-policy-summary-access-level-summaries.html"));
    ALLOW_NOT_ACTION_WITH_STAR_RESOURCE = (SecurityWarning, "Allow with NotAction on `*`: grants every other action of every service, including future ones.", links::NOT_ACTION);
    ALLOW_NOT_RESOURCE = (Warning, "Allow with NotResource: grants every other resource, including ones created later.", links::NOT_RESOURCE);
    FULL_ADMIN_ACCESS = (Warning, "Allow `*` on `*`: full administrator access.", links::ACTION);
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

pub fn run(ctx: &mut Ctx<'_>) {
    if !matches!(
        ctx.policy_type,
        crate::policy::validate::PolicyType::Identity
            | crate::policy::validate::PolicyType::Resource
    ) {
        // Key, trust and organization policies cannot grant iam:* to anyone meaningfully.
        if ctx.policy_type != crate::policy::validate::PolicyType::Scp {
            return;
        }
    }
    let p = ctx.policy;
    let scp = ctx.policy_type == crate::policy::validate::PolicyType::Scp;
    for (st, actions) in ctx.parsed.statements(p) {
        let grants = |action: &str| actions.matches(action);
        if !st.is_allow() {
            continue;
        }
        let (Some(action), Some(resource)) = (&st.action, &st.resource) else {
            continue;
        };
        let res_star = !resource.negated
            && resource
                .items
                .iter()
                .any(|i| i.value == "*" || i.value == "arn:aws:iam::*:role/*");
        let not_res = resource.negated;
        let has_cond = st
            .condition
            .as_ref()
            .is_some_and(|c| !c.operators.is_empty());
        let range = action.range;
        let path = action.path.clone();
        if scp {
            continue;
        }
        // iam:PassRole
        if grants("iam:PassRole")
            && !super::condition_keys(st)
                .iter()
                .any(|k| k == "iam:passedtoservice")
        {
            let explicit = names(st, "iam:PassRole");
            let m = "can pass any role to any service, letting the holder act with that role's permissions. Name the roles in Resource or add an iam:PassedToService condition.";
            if action.negated && not_res {
                ctx.report(
                    &PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE,
                    range,
                    path.clone(),
                    format!("NotAction with NotResource allows iam:PassRole: it {m}"),
                );
            } else if action.negated && res_star {
                ctx.report(
                    &PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION,
                    range,
                    path.clone(),
                    format!("NotAction on `*` allows iam:PassRole: it {m}"),
                );
            } else if not_res {
                let c = if explicit {
                    &PASS_ROLE_WITH_NOT_RESOURCE
                } else {
                    &PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE
                };
                ctx.report(
                    c,
                    range,
                    path.clone(),
                    format!("iam:PassRole with NotResource {m}"),
                );
            } else if res_star {
                let c = if explicit {
                    &PASS_ROLE_WITH_STAR_IN_RESOURCE
                } else {
                    &PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE
                };
                ctx.report(c, range, path.clone(), format!("iam:PassRole on `*` {m}"));
            }
        }
        // iam:CreateServiceLinkedRole
        if grants("iam:CreateServiceLinkedRole")
            && !super::condition_keys(st)
                .iter()
                .any(|k| k == "iam:awsservicename")
        {
            let explicit = names(st, "iam:CreateServiceLinkedRole");
            let m = "can create service-linked roles for any service. Name them in Resource or add an iam:AWSServiceName condition.";
            if action.negated && not_res {
                ctx.report(
                    &CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE,
                    range,
                    path.clone(),
                    format!(
                        "NotAction with NotResource allows iam:CreateServiceLinkedRole, which {m}"
                    ),
                );
            } else if action.negated && res_star {
                ctx.report(
                    &CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION,
                    range,
                    path.clone(),
                    format!("NotAction on `*` allows iam:CreateServiceLinkedRole, which {m}"),
                );
            } else if not_res {
                let c = if explicit {
                    &CREATE_SLR_WITH_NOT_RESOURCE
                } else {
                    &CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE
                };
                ctx.report(
                    c,
                    range,
                    path.clone(),
                    format!("iam:CreateServiceLinkedRole with NotResource {m}"),
                );
            } else if res_star {
                let c = if explicit {
                    &CREATE_SLR_WITH_STAR_IN_RESOURCE
                } else {
                    &CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE
                };
                ctx.report(
                    c,
                    range,
                    path.clone(),
                    format!("iam:CreateServiceLinkedRole on `*` {m}"),
                );
            }
        }
        // Permissions management (explicitly named or via a service wildcard such as iam:*).
        if res_star && !action.negated && !has_cond {
            let full = action.items.iter().any(|i| i.value == "*");
            if !full {
                let hits: Vec<&str> = PERMISSION_ACTIONS
                    .iter()
                    .copied()
                    .filter(|a| grants(a))
                    .collect();
                if !hits.is_empty() {
                    let shown: Vec<&str> = hits.iter().take(4).copied().collect();
                    ctx.report(&PERMISSIONS_MANAGEMENT_WITH_STAR_IN_RESOURCE, range, path.clone(), format!("This allows permission-changing actions ({}{}) on every resource: whoever holds it can grant themselves more. Name the resources.", shown.join(", "), if hits.len() > 4 { ", ..." } else { "" }));
                }
            } else if !has_cond {
                ctx.report(&FULL_ADMIN_ACCESS, range, path.clone(), "`\"Action\": \"*\"` on `\"Resource\": \"*\"` is full administrator access. Grant only the services and actions needed.");
            }
        }
        if action.negated && res_star {
            ctx.report(&ALLOW_NOT_ACTION_WITH_STAR_RESOURCE, action.key_range, path.clone(), "Allow with NotAction on `*` grants every action not listed, in every service, including services added later. List the allowed actions in `Action` instead.");
        }
        if not_res {
            ctx.report(&ALLOW_NOT_RESOURCE, resource.key_range, resource.path.clone(), "Allow with NotResource grants the actions on every resource not listed, including resources created later. List the resources in `Resource` instead.");
        }
    }
}
