//! KMS key policies: checks IAM Access Analyzer does not have. spec: AWS KMS Developer Guide,
//! "Key policies in AWS KMS", "Default key policy" (the account-root statement that lets IAM
//! policies grant access; the policy lockout safety check), "Condition keys for AWS KMS"
//! (kms:ViaService, kms:EncryptionContext:*, kms:GrantIsForAWSResource), "Grants"; IAM User
//! Guide "The confused deputy problem"; Amazon Connect Administrator Guide, "Encryption at
//! rest" (Connect and Voice ID key permissions).

use super::parsed::StatementActions;
use super::{checks, links, Ctx};
use crate::policy::iam::arn::{is_account_id, Arn};
use crate::policy::model::{PrincipalKind, PrincipalValue, Statement, StringList};
use crate::policy::span::TextRange;
use crate::policy::validate::PolicyType;

checks! {
    KMS_KEY_POLICY_LOCKOUT = (Error, "No principal is allowed kms:PutKeyPolicy: nobody could change the key policy again (KMS's policy lockout safety check).", links::KEY_POLICY_DEFAULT) => kms_key_policy_lockout;
    KMS_MISSING_ACCOUNT_ROOT_STATEMENT = (Warning, "No statement allows the account (arn:aws:iam::ACCOUNT:root): IAM policies in the account cannot grant access to this key.", links::KEY_POLICY_DEFAULT) => kms_missing_account_root_statement;
    KMS_FULL_ACCESS_TO_NON_ADMIN = (SecurityWarning, "kms:* (or *) allowed to a principal that is not the account root or a key administrator role.", links::KEY_POLICIES) => kms_full_access_to_non_admin;
    KMS_SERVICE_PRINCIPAL_WITHOUT_SOURCE_CONDITION = (SecurityWarning, "A service principal is allowed without aws:SourceAccount / aws:SourceArn (or kms:ViaService / encryption context): confused-deputy risk.", links::CONFUSED_DEPUTY) => kms_service_principal_without_source_condition;
    KMS_GRANT_WITHOUT_ENCRYPTION_CONTEXT_CONSTRAINT = (Warning, "kms:CreateGrant allowed without kms:EncryptionContext* or kms:GrantIsForAWSResource: grants can cover any data under the key.", links::KMS_GRANTS) => kms_grant_without_encryption_context_constraint;
    KMS_CONNECT_MISSING_PERMISSIONS = (Warning, "connect.amazonaws.com lacks one of kms:Encrypt, kms:Decrypt, kms:GenerateDataKey, kms:DescribeKey that Amazon Connect needs.", links::CONNECT_ENCRYPTION) => kms_connect_missing_permissions;
    KMS_VOICE_ID_MISSING_PERMISSIONS = (Warning, "A Voice ID statement (kms:ViaService voiceid.*) lacks one of kms:CreateGrant, kms:Decrypt, kms:DescribeKey.", links::CONNECT_ENCRYPTION) => kms_voice_id_missing_permissions;
    KMS_VIA_SERVICE_WITH_SERVICE_PRINCIPAL = (Warning, "kms:ViaService on a statement for service principals: the key is absent when a service calls KMS directly, so the statement never matches.", links::KMS_CONDITIONS) => kms_via_service_with_service_principal;
    KMS_RESOURCE_NOT_WILDCARD = (Warning, "In a key policy Resource is \"*\" (this key); other values match nothing.", links::KEY_POLICIES) => kms_resource_not_wildcard;
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

/// Whether statement `i` has a condition key among `prefixes` (a prefix ending in `:` matches
/// the keys it starts).
fn has_any_key(ctx: &Ctx<'_>, i: usize, prefixes: &[&str]) -> bool {
    ctx.parsed.condition_keys(i).any(|k| {
        prefixes
            .iter()
            .any(|p| k == *p || (p.ends_with(':') && k.starts_with(p)))
    })
}

/// The statements of a key policy with at least one statement (none otherwise), with their
/// index and actions.
fn key_policy<'c, 'a: 'c>(
    ctx: &'c Ctx<'a>,
) -> impl Iterator<Item = (usize, &'a Statement, &'c StatementActions<'a>)> + 'c {
    let applies = ctx.policy_type == PolicyType::KmsKey;
    ctx.parsed
        .statements(ctx.policy)
        .enumerate()
        .filter(move |_| applies)
        .map(|(i, (st, actions))| (i, st, actions))
}

/// The Allow statements with Action / NotAction of a key policy, with their index, actions and
/// Action list.
fn allows_with_action<'c, 'a: 'c>(
    ctx: &'c Ctx<'a>,
) -> impl Iterator<
    Item = (
        usize,
        &'a Statement,
        &'c StatementActions<'a>,
        &'a StringList,
    ),
> + 'c {
    key_policy(ctx)
        .filter(|(_, st, _)| st.is_allow())
        .filter_map(|(i, st, actions)| Some((i, st, actions, st.action.as_ref()?)))
}

/// Where a whole-policy finding goes: the `Statement` key, else the policy's first character.
fn statement_key(ctx: &Ctx<'_>) -> TextRange {
    let p = ctx.policy;
    p.statement_key_range
        .unwrap_or(TextRange::new(p.root.range.start, p.root.range.start + 1))
}

fn principal_path(st: &Statement) -> String {
    st.principal
        .as_ref()
        .map(|p| p.path.clone())
        .unwrap_or_default()
}

/// Lockout: some non-service principal must be allowed kms:PutKeyPolicy.
fn kms_key_policy_lockout(ctx: &Ctx<'_>) {
    if key_policy(ctx).next().is_none() {
        return;
    }
    let can_admin = key_policy(ctx).any(|(_, st, actions)| {
        allows(st, actions, "kms:PutKeyPolicy") && !aws_values(st).is_empty()
    });
    if !can_admin {
        ctx.report(&KMS_KEY_POLICY_LOCKOUT, statement_key(ctx), "Statement", "No statement allows an IAM principal kms:PutKeyPolicy, so nobody could change this key policy again and the key becomes unmanageable (KMS refuses such a policy unless the lockout safety check is bypassed). Keep the account-root statement or allow a key-administrator role kms:PutKeyPolicy.");
    }
}

/// The account root statement (lets IAM policies grant access).
fn kms_missing_account_root_statement(ctx: &Ctx<'_>) {
    if key_policy(ctx).next().is_none() {
        return;
    }
    let root_stmt = key_policy(ctx).any(|(_, st, _)| {
        st.is_allow() && st.condition.is_none() && aws_values(st).iter().any(|(v, _)| is_root(v))
    });
    if !root_stmt {
        ctx.report(&KMS_MISSING_ACCOUNT_ROOT_STATEMENT, statement_key(ctx), "Statement", "No statement allows the account itself (`\"Principal\": {\"AWS\": \"arn:aws:iam::ACCOUNT:root\"}`), so IAM policies in the account cannot grant any use of this key: only the principals named here can use it. Add the default key policy's \"Enable IAM User Permissions\" statement unless this is intended.");
    }
}

fn kms_resource_not_wildcard(ctx: &Ctx<'_>) {
    for r in key_policy(ctx).filter_map(|(_, st, _)| st.resource.as_ref()) {
        if let Some((i, it)) = r
            .items
            .iter()
            .enumerate()
            .find(|(_, it)| r.negated || it.value != "*")
        {
            ctx.report_fix(&KMS_RESOURCE_NOT_WILDCARD, it.range, r.item_path(i), format!("In a key policy the resource is the key itself, written `\"*\"`; `{}` does not name it.", it.value), it.range, "\"*\"", "Use \"*\"");
        }
    }
}

/// kms:* to non-admins.
fn kms_full_access_to_non_admin(ctx: &Ctx<'_>) {
    for (_, st, _, action) in allows_with_action(ctx) {
        let full = !action.negated
            && action
                .items
                .iter()
                .any(|i| i.value == "*" || i.value.eq_ignore_ascii_case("kms:*"));
        if !full {
            continue;
        }
        for (v, r) in aws_values(st) {
            if !is_admin(v) {
                ctx.report(&KMS_FULL_ACCESS_TO_NON_ADMIN, r, principal_path(st), format!("`{v}` is allowed every KMS action on this key, including kms:PutKeyPolicy and kms:ScheduleKeyDeletion. Grant key users only the cryptographic actions they need (kms:Decrypt, kms:GenerateDataKey, ...)."));
            }
        }
    }
}

/// Service principals without source scoping.
fn kms_service_principal_without_source_condition(ctx: &Ctx<'_>) {
    const SCOPING: &[&str] = &[
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "kms:viaservice",
        "kms:calleraccount",
        "kms:encryptioncontext:",
        "kms:encryptioncontextkeys",
    ];
    for (i, st, _, _) in allows_with_action(ctx) {
        let Some(&(v, r)) = service_values(st).first() else {
            continue;
        };
        if !has_any_key(ctx, i, SCOPING) {
            ctx.report(&KMS_SERVICE_PRINCIPAL_WITHOUT_SOURCE_CONDITION, r, principal_path(st), format!("`{v}` may use this key on behalf of any account's resources. Add a condition on aws:SourceAccount (your account id) and, where the service sets it, aws:SourceArn (your resource, e.g. the Connect instance ARN)."));
        }
    }
}

fn kms_via_service_with_service_principal(ctx: &Ctx<'_>) {
    for (i, st, _, _) in allows_with_action(ctx) {
        let Some(&(v, r)) = service_values(st).first() else {
            continue;
        };
        if aws_values(st).is_empty() && ctx.parsed.condition_keys(i).any(|k| k == "kms:viaservice")
        {
            ctx.report(&KMS_VIA_SERVICE_WITH_SERVICE_PRINCIPAL, r, principal_path(st), format!("kms:ViaService is set when an IAM principal calls KMS through a service, not when `{v}` calls KMS itself: this statement never matches. Use aws:SourceAccount / aws:SourceArn for service principals."));
        }
    }
}

/// Grants without encryption-context constraints (the account root's statement delegates to
/// IAM, and key administrators manage grants).
fn kms_grant_without_encryption_context_constraint(ctx: &Ctx<'_>) {
    const CONSTRAINTS: &[&str] = &[
        "kms:encryptioncontext:",
        "kms:encryptioncontextkeys",
        "kms:grantisforawsresource",
        "kms:grantconstrainttype",
    ];
    for (i, st, actions, action) in allows_with_action(ctx) {
        if allows(st, actions, "kms:CreateGrant")
            && !aws_values(st).iter().all(|(v, _)| is_admin(v))
            && !has_any_key(ctx, i, CONSTRAINTS)
        {
            ctx.report(&KMS_GRANT_WITHOUT_ENCRYPTION_CONTEXT_CONSTRAINT, action.range, action.path.clone(), "kms:CreateGrant is allowed without a condition on kms:EncryptionContext:<key>, kms:EncryptionContextKeys or kms:GrantIsForAWSResource: the grantee can create grants that cover any data under this key. Require the encryption context (e.g. aws:voiceid:domain:arn) or kms:GrantIsForAWSResource = true.");
        }
    }
}

/// Amazon Connect needs kms:Encrypt, kms:Decrypt, kms:GenerateDataKey and kms:DescribeKey,
/// across the statements for connect.amazonaws.com; reported at the first.
fn kms_connect_missing_permissions(ctx: &Ctx<'_>) {
    const NEEDED: [&str; 4] = [
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "kms:DescribeKey",
    ];
    let mut granted: Vec<&str> = Vec::new();
    let mut at: Option<(TextRange, String)> = None;
    for (_, st, actions, _) in allows_with_action(ctx) {
        let services = service_values(st);
        let Some(&(_, r)) = services.iter().find(|(v, _)| *v == "connect.amazonaws.com") else {
            continue;
        };
        granted.extend(NEEDED.into_iter().filter(|a| actions.matches(a)));
        at.get_or_insert_with(|| (r, principal_path(st)));
    }
    let Some((r, path)) = at else { return };
    let missing: Vec<&str> = NEEDED
        .into_iter()
        .filter(|a| !granted.contains(a))
        .collect();
    if !missing.is_empty() {
        ctx.report(&KMS_CONNECT_MISSING_PERMISSIONS, r, path, format!("Amazon Connect (connect.amazonaws.com) needs kms:Encrypt, kms:Decrypt, kms:GenerateDataKey and kms:DescribeKey on its key; missing: {}.", missing.join(", ")));
    }
}

/// Voice ID (kms:ViaService voiceid.*) needs kms:CreateGrant, kms:Decrypt and kms:DescribeKey,
/// across its statements; reported at the first's Action.
fn kms_voice_id_missing_permissions(ctx: &Ctx<'_>) {
    const NEEDED: [&str; 3] = ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey"];
    let mut granted: Vec<&str> = Vec::new();
    let mut at: Option<(TextRange, String)> = None;
    for (i, _, actions, action) in allows_with_action(ctx) {
        let via_voice = ctx.parsed.statement_conditions(i).iter().any(|c| {
            c.key == "kms:viaservice"
                && c.entry
                    .values
                    .iter()
                    .any(|v| v.value.text.starts_with("voiceid."))
        });
        if !via_voice {
            continue;
        }
        granted.extend(NEEDED.into_iter().filter(|a| actions.matches(a)));
        at.get_or_insert_with(|| (action.range, action.path.clone()));
    }
    let Some((r, path)) = at else { return };
    let missing: Vec<&str> = NEEDED
        .into_iter()
        .filter(|a| !granted.contains(a))
        .collect();
    if !missing.is_empty() {
        ctx.report(&KMS_VOICE_ID_MISSING_PERMISSIONS, r, path, format!("Voice ID (via voiceid.<region>.amazonaws.com) needs kms:CreateGrant, kms:Decrypt and kms:DescribeKey; missing: {}.", missing.join(", ")));
    }
}
