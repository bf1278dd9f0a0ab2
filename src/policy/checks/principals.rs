//! Principal values: forms per principal type, wildcards, ids instead of ARNs, NotPrincipal
//! with Allow, public access, placeholders left in. spec: IAM User Guide, "Principal",
//! "NotPrincipal".

use super::syntax::INVALID_PRINCIPAL_FORMAT;
use super::{checks, links, verdict_checks, Check, Ctx, Verdict};
use crate::policy::iam::arn::{is_account_id, Arn};
use crate::policy::iam::glob::{text_has_variable, text_has_wildcard};
use crate::policy::model::{PrincipalKind, PrincipalValue};
use crate::policy::span::TextRange;
use crate::policy::validate::PolicyType;

checks! {
    UNSUPPORTED_WILDCARD_IN_PRINCIPAL = (Error, "Wildcards are not allowed inside principal ARNs (only \"*\" alone).", links::PRINCIPAL) => unsupported_wildcard_in_principal;
    INVALID_ROLE_REFERENCE = (Warning, "A role's unique id (AROA...) instead of its ARN.", links::PRINCIPAL) => invalid_role_reference;
    INVALID_USER_REFERENCE = (Warning, "A user's unique id (AIDA...) instead of its ARN.", links::PRINCIPAL) => invalid_user_reference;
    ALLOW_WITH_NOT_PRINCIPAL = (SecurityWarning, "Allow with NotPrincipal grants everyone else, anonymous users included.", links::NOT_PRINCIPAL) => allow_with_not_principal;
    PUBLIC_ACCESS = (SecurityWarning, "Allow to everyone (\"*\") without a condition that narrows it (account, organization, source).", links::PRINCIPAL) => public_access;
    INVALID_SERVICE_PRINCIPAL = (Error, "A Service principal that is not a service principal name (`service.amazonaws.com`).", Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-services")) => invalid_service_principal;
    INVALID_FEDERATED_PRINCIPAL = (Error, "A Federated principal that is neither a SAML/OIDC provider ARN nor a known identity provider domain.", links::PRINCIPAL) => invalid_federated_principal;
    INVALID_CANONICAL_USER = (Error, "A CanonicalUser that is not a 64-character hexadecimal id.", links::PRINCIPAL) => invalid_canonical_user;
    PLACEHOLDER_VALUE = (Error, "A documentation placeholder left in the policy (`your_user_or_role_ARN`, `<account-id>`, `ACCOUNT_ID`).", links::GRAMMAR) => placeholder_value;
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

/// Whether a statement's condition keys (lower-cased) limit who (account, org, source,
/// principal).
pub fn has_scoping_condition<'k>(mut keys: impl Iterator<Item = &'k str>) -> bool {
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
    keys.any(|k| SCOPING.contains(&k))
}

fn allow_with_not_principal(ctx: &Ctx<'_>) {
    for st in ctx.policy.statements.iter().filter(|st| st.is_allow()) {
        if let Some(pr) = st.principal.as_ref().filter(|pr| pr.negated) {
            ctx.report(&ALLOW_WITH_NOT_PRINCIPAL, pr.key_range, pr.path.clone(), "Allow with NotPrincipal grants access to every principal not listed, anonymous users included. List the principals in `Principal` instead, or use Deny with NotPrincipal.");
        }
    }
}

/// Whether a principal names everyone: `"*"`, or `"*"` as an AWS or Service principal.
fn is_public(pr: &crate::policy::model::PrincipalElement) -> bool {
    match &pr.value {
        PrincipalValue::Wildcard(_) => true,
        PrincipalValue::Map(entries) => entries.iter().any(|e| {
            matches!(e.kind, PrincipalKind::Aws | PrincipalKind::Service)
                && e.values.iter().any(|v| v.value == "*")
        }),
    }
}

fn public_access(ctx: &Ctx<'_>) {
    if !matches!(
        ctx.policy_type,
        PolicyType::Resource | PolicyType::KmsKey | PolicyType::Trust
    ) {
        return;
    }
    for (i, st) in ctx.policy.statements.iter().enumerate() {
        let Some(pr) = &st.principal else { continue };
        if is_public(pr)
            && st.is_allow()
            && !pr.negated
            && !has_scoping_condition(ctx.parsed.condition_keys(i))
        {
            ctx.report(&PUBLIC_ACCESS, pr.range, pr.path.clone(), "This allows everyone, including anonymous users and every AWS account, with no condition that narrows it (such as aws:PrincipalOrgID, aws:SourceAccount or aws:PrincipalAccount).");
        }
    }
}

/// What is wrong with each principal value (at most one finding each), worked out once for
/// the checks below and syntax's INVALID_PRINCIPAL_FORMAT.
pub fn value_verdicts<'c>(ctx: &'c Ctx<'_>) -> &'c [Verdict] {
    ctx.parsed.principal_values.get_or_init(|| {
        let mut out = Vec::new();
        for st in &ctx.policy.statements {
            let Some(PrincipalValue::Map(entries)) = st.principal.as_ref().map(|p| &p.value) else {
                continue;
            };
            for e in entries {
                for (i, v) in e.values.iter().enumerate() {
                    out.extend(value_verdict(&e.kind, v.range, e.item_path(i), &v.value));
                }
            }
        }
        out
    })
}

/// The finding for principal value `val` of type `kind`, if any.
fn value_verdict(
    kind: &PrincipalKind,
    range: TextRange,
    path: String,
    val: &str,
) -> Option<Verdict> {
    // Variables in principals are reported by the variables family.
    if val.is_empty() || text_has_variable(val) {
        return None;
    }
    let at = |check: &'static Check, message: String| {
        Some(Verdict::new(check, range, path.as_str(), message))
    };
    if looks_like_placeholder(val) {
        return at(
            &PLACEHOLDER_VALUE,
            format!(
                "`{val}` is a placeholder from an example: replace it with the real {}.",
                match kind {
                    PrincipalKind::Service => "service principal",
                    _ => "principal ARN or account id",
                }
            ),
        );
    }
    match kind {
        PrincipalKind::Aws if val == "*" => None,
        PrincipalKind::Aws => aws_principal(val).and_then(|(check, message)| at(check, message)),
        PrincipalKind::Service if val == "*" => at(&INVALID_SERVICE_PRINCIPAL, "`\"Service\": \"*\"` is not valid: name the service principal (for example connect.amazonaws.com).".into()),
        PrincipalKind::Service if text_has_wildcard(val) => at(
            &UNSUPPORTED_WILDCARD_IN_PRINCIPAL,
            format!("`{val}`: service principals cannot contain wildcards."),
        ),
        PrincipalKind::Service if !valid_service_principal(val) => at(&INVALID_SERVICE_PRINCIPAL, format!("`{val}` is not a service principal: they look like `connect.amazonaws.com`.")),
        PrincipalKind::Federated if text_has_wildcard(val) => at(&UNSUPPORTED_WILDCARD_IN_PRINCIPAL, format!("`{val}`: federated principals cannot contain wildcards.")),
        PrincipalKind::Federated
            if !(val.starts_with("arn:")
                && (val.contains(":saml-provider/") || val.contains(":oidc-provider/")))
                && ![
                    "cognito-identity.amazonaws.com",
                    "www.amazon.com",
                    "graph.facebook.com",
                    "accounts.google.com",
                ]
                .contains(&val) =>
        {
            at(&INVALID_FEDERATED_PRINCIPAL, format!("`{val}` is not an identity provider: use the ARN of an IAM SAML or OIDC provider (arn:aws:iam::ACCOUNT:saml-provider/NAME) or cognito-identity.amazonaws.com, www.amazon.com, graph.facebook.com, accounts.google.com."))
        }
        PrincipalKind::CanonicalUser
            if !(val.len() == 64 && val.bytes().all(|b| b.is_ascii_hexdigit())) =>
        {
            at(&INVALID_CANONICAL_USER, format!("`{val}` is not a canonical user id (64 hexadecimal characters)."))
        }
        _ => None,
    }
}

verdict_checks! {
    value_verdicts;
    unsupported_wildcard_in_principal => UNSUPPORTED_WILDCARD_IN_PRINCIPAL,
    invalid_role_reference => INVALID_ROLE_REFERENCE,
    invalid_user_reference => INVALID_USER_REFERENCE,
    invalid_service_principal => INVALID_SERVICE_PRINCIPAL,
    invalid_federated_principal => INVALID_FEDERATED_PRINCIPAL,
    invalid_canonical_user => INVALID_CANONICAL_USER,
    placeholder_value => PLACEHOLDER_VALUE,
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

/// The finding for an AWS principal value other than `"*"`, if any.
fn aws_principal(val: &str) -> Option<(&'static Check, String)> {
    if is_account_id(val) {
        return None;
    }
    if val.starts_with("AROA") && val.len() >= 16 && val.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Some((&INVALID_ROLE_REFERENCE, format!("`{val}` is a role's unique id: use the role ARN (arn:aws:iam::ACCOUNT:role/NAME). IAM shows an id when the role was deleted; a recreated role does not match it.")));
    }
    if val.starts_with("AIDA") && val.len() >= 16 && val.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Some((
            &INVALID_USER_REFERENCE,
            format!(
                "`{val}` is a user's unique id: use the user ARN (arn:aws:iam::ACCOUNT:user/NAME)."
            ),
        ));
    }
    let Some(arn) = Arn::parse(val) else {
        return Some((&INVALID_PRINCIPAL_FORMAT, format!("`{val}` is not an AWS principal: use an account id (12 digits), an ARN such as arn:aws:iam::111122223333:root or arn:aws:iam::111122223333:role/NAME, or \"*\".")));
    };
    if text_has_wildcard(val) {
        return Some((&UNSUPPORTED_WILDCARD_IN_PRINCIPAL, format!("`{val}`: wildcards are not allowed in principal ARNs. To match many principals use \"*\" with a condition such as aws:PrincipalArn (ArnLike).")));
    }
    let ok_service = matches!(arn.service, "iam" | "sts");
    let ok_account = is_account_id(arn.account);
    let r = arn.resource;
    let ok_resource = r == "root"
        || r.starts_with("user/")
        || r.starts_with("role/")
        || r.starts_with("assumed-role/")
        || r.starts_with("federated-user/");
    (!(ok_service && ok_account && ok_resource && arn.region.is_empty())).then(|| (&INVALID_PRINCIPAL_FORMAT, format!("`{val}` is not a principal ARN: AWS principals are arn:aws:iam::ACCOUNT:root, :user/NAME, :role/NAME or arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION.")))
}
