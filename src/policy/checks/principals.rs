//! Principal values: forms per principal type, wildcards, ids instead of ARNs, NotPrincipal
//! with Allow, public access, placeholders left in. spec: IAM User Guide, "Principal",
//! "NotPrincipal".

use super::{checks, links, Ctx};
use crate::policy::iam::arn::{is_account_id, Arn};
use crate::policy::iam::glob::text_has_wildcard;
use crate::policy::model::{PrincipalKind, PrincipalValue, Statement};
use crate::policy::validate::PolicyType;

checks! {
    UNSUPPORTED_WILDCARD_IN_PRINCIPAL = (Error, "Wildcards are not allowed inside principal ARNs (only \"*\" alone).", links::PRINCIPAL);
    INVALID_ROLE_REFERENCE = (Warning, "A role's unique id (AROA...) instead of its ARN.", links::PRINCIPAL);
    INVALID_USER_REFERENCE = (Warning, "A user's unique id (AIDA...) instead of its ARN.", links::PRINCIPAL);
    ALLOW_WITH_NOT_PRINCIPAL = (SecurityWarning, "Allow with NotPrincipal grants everyone else, anonymous users included.", links::NOT_PRINCIPAL);
    PUBLIC_ACCESS = (SecurityWarning, "Allow to everyone (\"*\") without a condition that narrows it (account, organization, source).", links::PRINCIPAL);
    INVALID_SERVICE_PRINCIPAL = (Error, "A Service principal that is not a service principal name (`service.amazonaws.com`).", Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-services"));
    INVALID_FEDERATED_PRINCIPAL = (Error, "A Federated principal that is neither a SAML/OIDC provider ARN nor a known identity provider domain.", links::PRINCIPAL);
    INVALID_CANONICAL_USER = (Error, "A CanonicalUser that is not a 64-character hexadecimal id.", links::PRINCIPAL);
    PLACEHOLDER_VALUE = (Error, "A documentation placeholder left in the policy (`your_user_or_role_ARN`, `<account-id>`, `ACCOUNT_ID`).", links::GRAMMAR);
}

/// Placeholder text as documentation prints it.
pub fn looks_like_placeholder(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    l.contains("your_")
        || l.contains("your-")
        || l.starts_with("your")
        || (l.contains('<') && l.contains('>'))
        || l.contains("account_id")
        || (l.contains("account-id") && !l.contains("arn:"))
        || l.contains("replace_me")
        || l.contains("replace-me")
        || l.contains("accountid")
}

/// Whether a statement has a condition that limits who (account, org, source, principal).
pub fn has_scoping_condition(st: &Statement) -> bool {
    const SCOPING: &[&str] = &[
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:principalaccount",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalarn",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceip",
        "aws:vpcsourceip",
        "aws:userid",
        "aws:sourceowner",
        "kms:calleraccount",
        "kms:viaservice",
        "aws:principalservicename",
        "aws:principalisawsservice",
        "s3:dataaccesspointaccount",
        "aws:resourceorgid",
    ];
    super::condition_keys(st)
        .iter()
        .any(|k| SCOPING.contains(&k.as_str()))
}

pub fn run(ctx: &mut Ctx<'_>) {
    let p = ctx.policy;
    for st in &p.statements {
        let Some(pr) = &st.principal else { continue };
        if pr.negated && st.is_allow() {
            ctx.report(&ALLOW_WITH_NOT_PRINCIPAL, pr.key_range, pr.path.clone(), "Allow with NotPrincipal grants access to every principal not listed, anonymous users included. List the principals in `Principal` instead, or use Deny with NotPrincipal.");
        }
        let mut public = false;
        match &pr.value {
            PrincipalValue::Wildcard(_) => public = true,
            PrincipalValue::Map(entries) => {
                for e in entries {
                    for (i, v) in e.values.iter().enumerate() {
                        let val = v.value.as_str();
                        let path = e.item_path(i);
                        // Variables in principals are reported by the variables family.
                        if val.is_empty() || val.contains("${") {
                            continue;
                        }
                        if looks_like_placeholder(val) {
                            ctx.report(&PLACEHOLDER_VALUE, v.range, path, format!("`{val}` is a placeholder from an example: replace it with the real {}.", match e.kind { PrincipalKind::Service => "service principal", _ => "principal ARN or account id" }));
                            continue;
                        }
                        match e.kind {
                            PrincipalKind::Aws => {
                                if val == "*" {
                                    public = true;
                                    continue;
                                }
                                check_aws_principal(ctx, v.range, &path, val);
                            }
                            PrincipalKind::Service => {
                                if val == "*" {
                                    public = true;
                                    ctx.report(&INVALID_SERVICE_PRINCIPAL, v.range, path, "`\"Service\": \"*\"` is not valid: name the service principal (for example connect.amazonaws.com).");
                                } else if text_has_wildcard(val) {
                                    ctx.report(
                                        &UNSUPPORTED_WILDCARD_IN_PRINCIPAL,
                                        v.range,
                                        path,
                                        format!(
                                            "`{val}`: service principals cannot contain wildcards."
                                        ),
                                    );
                                } else if !valid_service_principal(val) {
                                    ctx.report(&INVALID_SERVICE_PRINCIPAL, v.range, path, format!("`{val}` is not a service principal: they look like `connect.amazonaws.com`."));
                                }
                            }
                            PrincipalKind::Federated => {
                                if text_has_wildcard(val) {
                                    ctx.report(&UNSUPPORTED_WILDCARD_IN_PRINCIPAL, v.range, path, format!("`{val}`: federated principals cannot contain wildcards."));
                                } else if !(val.starts_with("arn:")
                                    && (val.contains(":saml-provider/")
                                        || val.contains(":oidc-provider/")))
                                    && ![
                                        "cognito-identity.amazonaws.com",
                                        "www.amazon.com",
                                        "graph.facebook.com",
                                        "accounts.google.com",
                                    ]
                                    .contains(&val)
                                {
                                    ctx.report(&INVALID_FEDERATED_PRINCIPAL, v.range, path, format!("`{val}` is not an identity provider: use the ARN of an IAM SAML or OIDC provider (arn:aws:iam::ACCOUNT:saml-provider/NAME) or cognito-identity.amazonaws.com, www.amazon.com, graph.facebook.com, accounts.google.com."));
                                }
                            }
                            PrincipalKind::CanonicalUser => {
                                if !(val.len() == 64 && val.bytes().all(|b| b.is_ascii_hexdigit()))
                                {
                                    ctx.report(&INVALID_CANONICAL_USER, v.range, path, format!("`{val}` is not a canonical user id (64 hexadecimal characters)."));
                                }
                            }
                            PrincipalKind::Other(_) => {}
                        }
                    }
                }
            }
        }
        if public
            && st.is_allow()
            && !pr.negated
            && matches!(
                ctx.policy_type,
                PolicyType::Resource | PolicyType::KmsKey | PolicyType::Trust
            )
            && !has_scoping_condition(st)
        {
            ctx.report(&PUBLIC_ACCESS, pr.range, pr.path.clone(), "This allows everyone, including anonymous users and every AWS account, with no condition that narrows it (such as aws:PrincipalOrgID, aws:SourceAccount or aws:PrincipalAccount).");
        }
    }
}

fn valid_service_principal(v: &str) -> bool {
    let ok_suffix = v.ends_with(".amazonaws.com")
        || v.ends_with(".amazonaws.com.cn")
        || v.ends_with(".amazon.com")
        || v.ends_with(".c2s.ic.gov")
        || v.ends_with(".sc2s.sgov.gov");
    ok_suffix
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
}

fn check_aws_principal(
    ctx: &mut Ctx<'_>,
    range: crate::policy::span::TextRange,
    path: &str,
    val: &str,
) {
    if is_account_id(val) {
        return;
    }
    if val.starts_with("AROA") && val.len() >= 16 && val.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        ctx.report(&INVALID_ROLE_REFERENCE, range, path, format!("`{val}` is a role's unique id: use the role ARN (arn:aws:iam::ACCOUNT:role/NAME). IAM shows an id when the role was deleted; a recreated role does not match it."));
        return;
    }
    if val.starts_with("AIDA") && val.len() >= 16 && val.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        ctx.report(
            &INVALID_USER_REFERENCE,
            range,
            path,
            format!(
                "`{val}` is a user's unique id: use the user ARN (arn:aws:iam::ACCOUNT:user/NAME)."
            ),
        );
        return;
    }
    let Some(arn) = Arn::parse(val) else {
        ctx.report(&super::syntax::INVALID_PRINCIPAL_FORMAT, range, path, format!("`{val}` is not an AWS principal: use an account id (12 digits), an ARN such as arn:aws:iam::111122223333:root or arn:aws:iam::111122223333:role/NAME, or \"*\"."));
        return;
    };
    if text_has_wildcard(val) {
        ctx.report(&UNSUPPORTED_WILDCARD_IN_PRINCIPAL, range, path, format!("`{val}`: wildcards are not allowed in principal ARNs. To match many principals use \"*\" with a condition such as aws:PrincipalArn (ArnLike)."));
        return;
    }
    let ok_service = matches!(arn.service, "iam" | "sts");
    let ok_account = is_account_id(arn.account);
    let r = arn.resource;
    let ok_resource = r == "root"
        || r.starts_with("user/")
        || r.starts_with("role/")
        || r.starts_with("assumed-role/")
        || r.starts_with("federated-user/");
    if !(ok_service && ok_account && ok_resource && arn.region.is_empty()) {
        ctx.report(&super::syntax::INVALID_PRINCIPAL_FORMAT, range, path, format!("`{val}` is not a principal ARN: AWS principals are arn:aws:iam::ACCOUNT:root, :user/NAME, :role/NAME or arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION."));
    }
}
