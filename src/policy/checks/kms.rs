//! KMS key policies: checks IAM Access Analyzer does not have. spec: AWS KMS Developer Guide,
//! "Key policies in AWS KMS", "Default key policy" (the account-root statement that lets IAM
//! policies grant access; the policy lockout safety check), "Condition keys for AWS KMS"
//! (kms:ViaService, kms:EncryptionContext:*, kms:GrantIsForAWSResource), "Grants"; IAM User
//! Guide "The confused deputy problem"; Amazon Connect Administrator Guide, "Encryption at
//! rest" (Connect and Voice ID key permissions).

use super::parsed::StatementActions;
use super::{checks, links, Ctx};
use crate::policy::iam::arn::{is_account_id, Arn};
use crate::policy::model::{PrincipalKind, PrincipalValue, Statement};
use crate::policy::span::TextRange;
use crate::policy::validate::PolicyType;

checks! {
    KMS_KEY_POLICY_LOCKOUT = (Error, "No principal is allowed kms:PutKeyPolicy: nobody could change the key policy again (KMS's policy lockout safety check).", links::KEY_POLICY_DEFAULT);
    KMS_MISSING_ACCOUNT_ROOT_STATEMENT = (Warning, "No statement allows the account (arn:aws:iam::ACCOUNT:root): IAM policies in the account cannot grant access to this key.", links::KEY_POLICY_DEFAULT);
    KMS_FULL_ACCESS_TO_NON_ADMIN = (SecurityWarning, "kms:* (or *) allowed to a principal that is not the account root or a key administrator role.", links::KEY_POLICIES);
    KMS_SERVICE_PRINCIPAL_WITHOUT_SOURCE_CONDITION = (SecurityWarning, "A service principal is allowed without aws:SourceAccount / aws:SourceArn (or kms:ViaService / encryption context): confused-deputy risk.", links::CONFUSED_DEPUTY);
    KMS_GRANT_WITHOUT_ENCRYPTION_CONTEXT_CONSTRAINT = (Warning, "kms:CreateGrant allowed without kms:EncryptionContext* or kms:GrantIsForAWSResource: grants can cover any data under the key.", links::KMS_GRANTS);
    KMS_CONNECT_MISSING_PERMISSIONS = (Warning, "connect.amazonaws.com lacks one of kms:Encrypt, kms:Decrypt, kms:GenerateDataKey, kms:DescribeKey that Amazon Connect needs.", links::CONNECT_ENCRYPTION);
    KMS_VOICE_ID_MISSING_PERMISSIONS = (Warning, "A Voice ID statement (kms:ViaService voiceid.*) lacks one of kms:CreateGrant, kms:Decrypt, kms:DescribeKey.", links::CONNECT_ENCRYPTION);
    KMS_VIA_SERVICE_WITH_SERVICE_PRINCIPAL = (Warning, "kms:ViaService on a statement for service principals: the key is absent when a service calls KMS directly, so the statement never matches.", links::KMS_CONDITIONS);
    KMS_RESOURCE_NOT_WILDCARD = (Warning, "In a key policy Resource is \"*\" (this key); other values match nothing.", links::KEY_POLICIES);
}

fn aws_values(st: &Statement) -> Vec<(&str, TextRange)> {
    match st.principal.as_ref().map(|p| &p.value) {
        Some(PrincipalValue::Map(entries)) => entries
            .iter()
            .filter(|e| e.kind == PrincipalKind::Aws)
            .flat_map(|e| e.values.iter().map(|v| (v.value.as_str(), v.range)))
            .collect(),
        Some(PrincipalValue::Wildcard(r)) => vec![("*", *r)],
        None => Vec::new(),
    }
}

fn service_values(st: &Statement) -> Vec<(&str, TextRange)> {
    match st.principal.as_ref().map(|p| &p.value) {
        Some(PrincipalValue::Map(entries)) => entries
            .iter()
            .filter(|e| e.kind == PrincipalKind::Service)
            .flat_map(|e| e.values.iter().map(|v| (v.value.as_str(), v.range)))
            .collect(),
        _ => Vec::new(),
    }
}

/// `arn:aws:iam::ACCOUNT:root` or a bare account id.
fn is_root(v: &str) -> bool {
    is_account_id(v)
        || Arn::parse(v)
            .is_some_and(|a| a.service == "iam" && a.resource == "root" && is_account_id(a.account))
}

fn is_admin(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    is_root(v) || l.contains("admin")
}

fn allows(st: &Statement, actions: &StatementActions<'_>, action: &str) -> bool {
    st.is_allow() && actions.matches(action) && !st.principal.as_ref().is_some_and(|p| p.negated)
}

fn has_any_key(st: &Statement, prefixes: &[&str]) -> bool {
    super::condition_keys(st).iter().any(|k| {
        prefixes
            .iter()
            .any(|p| k == p || (p.ends_with(':') && k.starts_with(p)))
    })
}

pub fn run(ctx: &mut Ctx<'_>) {
    if ctx.policy_type != PolicyType::KmsKey {
        return;
    }
    let p = ctx.policy;
    if p.statements.is_empty() {
        return;
    }
    let whole = TextRange::new(p.root.range.start, p.root.range.start + 1);

    // Lockout: some non-service principal must be allowed kms:PutKeyPolicy.
    let can_admin = ctx
        .parsed
        .statements(p)
        .any(|(st, actions)| allows(st, actions, "kms:PutKeyPolicy") && !aws_values(st).is_empty());
    if !can_admin {
        let at = p.statement_key_range.unwrap_or(whole);
        ctx.report(&KMS_KEY_POLICY_LOCKOUT, at, "Statement", "No statement allows an IAM principal kms:PutKeyPolicy, so nobody could change this key policy again and the key becomes unmanageable (KMS refuses such a policy unless the lockout safety check is bypassed). Keep the account-root statement or allow a key-administrator role kms:PutKeyPolicy.");
    }

    // Account root statement (lets IAM policies grant access).
    let root_stmt = p.statements.iter().any(|st| {
        st.is_allow() && st.condition.is_none() && aws_values(st).iter().any(|(v, _)| is_root(v))
    });
    if !root_stmt {
        let at = p.statement_key_range.unwrap_or(whole);
        ctx.report(&KMS_MISSING_ACCOUNT_ROOT_STATEMENT, at, "Statement", "No statement allows the account itself (`\"Principal\": {\"AWS\": \"arn:aws:iam::ACCOUNT:root\"}`), so IAM policies in the account cannot grant any use of this key: only the principals named here can use it. Add the default key policy's \"Enable IAM User Permissions\" statement unless this is intended.");
    }

    let mut connect_actions: Vec<&str> = Vec::new();
    let mut connect_at: Option<(TextRange, String)> = None;
    let mut voice_actions: Vec<&str> = Vec::new();
    let mut voice_at: Option<(TextRange, String)> = None;

    for (st, actions) in ctx.parsed.statements(p) {
        if let Some(r) = &st.resource {
            for (i, it) in r.items.iter().enumerate() {
                if r.negated || it.value != "*" {
                    ctx.report_fix(&KMS_RESOURCE_NOT_WILDCARD, it.range, r.item_path(i), format!("In a key policy the resource is the key itself, written `\"*\"`; `{}` does not name it.", it.value), it.range, "\"*\"", "Use \"*\"");
                    break;
                }
            }
        }
        if !st.is_allow() {
            continue;
        }
        let Some(action) = &st.action else { continue };
        let aws = aws_values(st);
        let services = service_values(st);
        let keys = super::condition_keys(st);

        // kms:* to non-admins.
        let full = !action.negated
            && action
                .items
                .iter()
                .any(|i| i.value == "*" || i.value.eq_ignore_ascii_case("kms:*"));
        if full {
            for (v, r) in &aws {
                if !is_admin(v) {
                    ctx.report(&KMS_FULL_ACCESS_TO_NON_ADMIN, *r, st.principal.as_ref().map(|p| p.path.clone()).unwrap_or_default(), format!("`{v}` is allowed every KMS action on this key, including kms:PutKeyPolicy and kms:ScheduleKeyDeletion. Grant key users only the cryptographic actions they need (kms:Decrypt, kms:GenerateDataKey, ...)."));
                }
            }
        }

        // Service principals without source scoping.
        if !services.is_empty()
            && !has_any_key(
                st,
                &[
                    "aws:sourceaccount",
                    "aws:sourcearn",
                    "aws:sourceorgid",
                    "aws:sourceorgpaths",
                    "kms:viaservice",
                    "kms:calleraccount",
                    "kms:encryptioncontext:",
                    "kms:encryptioncontextkeys",
                ],
            )
        {
            let (v, r) = services[0];
            ctx.report(&KMS_SERVICE_PRINCIPAL_WITHOUT_SOURCE_CONDITION, r, st.principal.as_ref().map(|p| p.path.clone()).unwrap_or_default(), format!("`{v}` may use this key on behalf of any account's resources. Add a condition on aws:SourceAccount (your account id) and, where the service sets it, aws:SourceArn (your resource, e.g. the Connect instance ARN)."));
        }
        if !services.is_empty() && aws.is_empty() && keys.iter().any(|k| k == "kms:viaservice") {
            let (v, r) = services[0];
            ctx.report(&KMS_VIA_SERVICE_WITH_SERVICE_PRINCIPAL, r, st.principal.as_ref().map(|p| p.path.clone()).unwrap_or_default(), format!("kms:ViaService is set when an IAM principal calls KMS through a service, not when `{v}` calls KMS itself: this statement never matches. Use aws:SourceAccount / aws:SourceArn for service principals."));
        }

        // Grants without encryption-context constraints (the account root's statement delegates to IAM, and key administrators manage grants).
        if allows(st, actions, "kms:CreateGrant")
            && !aws.iter().all(|(v, _)| is_admin(v))
            && !has_any_key(
                st,
                &[
                    "kms:encryptioncontext:",
                    "kms:encryptioncontextkeys",
                    "kms:grantisforawsresource",
                    "kms:grantconstrainttype",
                ],
            )
        {
            ctx.report(&KMS_GRANT_WITHOUT_ENCRYPTION_CONTEXT_CONSTRAINT, action.range, action.path.clone(), "kms:CreateGrant is allowed without a condition on kms:EncryptionContext:<key>, kms:EncryptionContextKeys or kms:GrantIsForAWSResource: the grantee can create grants that cover any data under this key. Require the encryption context (e.g. aws:voiceid:domain:arn) or kms:GrantIsForAWSResource = true.");
        }

        // Amazon Connect and Voice ID needs.
        if services.iter().any(|(v, _)| *v == "connect.amazonaws.com") {
            for a in [
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:GenerateDataKey",
                "kms:DescribeKey",
            ] {
                if actions.matches(a) {
                    connect_actions.push(a);
                }
            }
            if connect_at.is_none() {
                connect_at = Some((
                    services
                        .iter()
                        .find(|(v, _)| *v == "connect.amazonaws.com")
                        .map(|x| x.1)
                        .unwrap_or(st.range),
                    st.principal
                        .as_ref()
                        .map(|p| p.path.clone())
                        .unwrap_or_default(),
                ));
            }
        }
        let via_voice = st
            .condition
            .iter()
            .flat_map(|c| c.operators.iter())
            .flat_map(|o| o.entries.iter())
            .filter(|e| e.key.value.eq_ignore_ascii_case("kms:ViaService"))
            .any(|e| {
                e.values
                    .iter()
                    .any(|v| v.value.text.starts_with("voiceid."))
            });
        if via_voice {
            for a in ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey"] {
                if actions.matches(a) {
                    voice_actions.push(a);
                }
            }
            if voice_at.is_none() {
                voice_at = Some((action.range, action.path.clone()));
            }
        }
    }
    if let Some((r, path)) = connect_at {
        let missing: Vec<&str> = [
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:GenerateDataKey",
            "kms:DescribeKey",
        ]
        .into_iter()
        .filter(|a| !connect_actions.contains(a))
        .collect();
        if !missing.is_empty() {
            ctx.report(&KMS_CONNECT_MISSING_PERMISSIONS, r, path, format!("Amazon Connect (connect.amazonaws.com) needs kms:Encrypt, kms:Decrypt, kms:GenerateDataKey and kms:DescribeKey on its key; missing: {}.", missing.join(", ")));
        }
    }
    if let Some((r, path)) = voice_at {
        let missing: Vec<&str> = ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey"]
            .into_iter()
            .filter(|a| !voice_actions.contains(a))
            .collect();
        if !missing.is_empty() {
            ctx.report(&KMS_VOICE_ID_MISSING_PERMISSIONS, r, path, format!("Voice ID (via voiceid.<region>.amazonaws.com) needs kms:CreateGrant, kms:Decrypt and kms:DescribeKey; missing: {}.", missing.join(", ")));
        }
    }
}
