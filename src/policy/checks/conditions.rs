//! Condition blocks: key names (global keys built in, service keys from service data), value
//! types per operator family, IfExists / Null / set-operator misuse, IP ranges, wildcards
//! without Like. spec: IAM User Guide, "Condition", "Condition operators", "Single-valued vs.
//! multivalued context keys", "AWS global condition context keys".

use super::{article, checks, links, Ctx};
use crate::policy::catalog::global::{global_key, known_multivalued, UNSUPPORTED_GLOBAL_KEYS};
use crate::policy::catalog::KeyType;
use crate::policy::iam::arn::{is_account_id, is_region_like, Arn};
use crate::policy::iam::date::{is_epoch_seconds, parse_date};
use crate::policy::iam::glob::text_has_wildcard;
use crate::policy::iam::ip::{is_private, Cidr};
use crate::policy::iam::operator::{parse_number, BaseOperator, OperatorFamily, SetQualifier};
use crate::policy::model::{ConditionEntry, ConditionOperator};
use crate::policy::span::TextRange;

checks! {
    INVALID_CONDITION_KEY_FORMAT = (Error, "A condition key that is not `prefix:name`.", links::CONDITION);
    INVALID_GLOBAL_CONDITION_KEY = (Error, "An `aws:` condition key that is not a global condition key.", links::GLOBAL_KEYS);
    UNSUPPORTED_GLOBAL_CONDITION_KEY = (Error, "A global key IAM does not support (aws:ARN).", links::GLOBAL_KEYS);
    INVALID_SERVICE_CONDITION_KEY = (Error, "A service condition key the service does not define (service data).", links::SERVICE_REFERENCE);
    MISSING_TAG_KEY_IN_CONDITION = (Error, "aws:ResourceTag / aws:RequestTag / aws:PrincipalTag without the `/tag-key` part.", links::ABAC);
    DUPLICATE_KEYS_WITH_DIFFERENT_CASE = (Error, "The same condition key twice in one operator, with different capitalisation (key names are case-insensitive).", links::CONDITION);
    INVALID_CONDITION_MULTIPLE_BOOLEAN = (Error, "Several values for a Bool condition: a Boolean key has one value.", links::OPERATORS);
    INVALID_CONDITION_DATA_TYPE = (Error, "Values of different JSON types in one condition.", links::CONDITION);
    TYPE_MISMATCH = (Warning, "The operator's type does not fit the key's type (e.g. StringEquals on a Bool key).", links::OPERATORS);
    TYPE_MISMATCH_BOOLEAN = (Warning, "A Bool or Null condition value other than true / false.", links::OPERATORS);
    TYPE_MISMATCH_DATE = (Warning, "A Date condition value that is not an ISO 8601 date or epoch time.", links::OPERATORS);
    TYPE_MISMATCH_IP_RANGE = (Warning, "An IpAddress value that is not an IP address or CIDR range.", links::OPERATORS);
    TYPE_MISMATCH_NUMBER = (Warning, "A Numeric condition value that is not a number.", links::OPERATORS);
    TYPE_MISMATCH_STRING = (Warning, "A BinaryEquals value that is not base64.", links::OPERATORS);
    TYPE_MISMATCH_ARN = (Warning, "An Arn operator value that is not an ARN.", links::OPERATORS);
    INVALID_DATE_VALUE = (Warning, "An epoch-seconds date: it may not resolve as expected; prefer ISO 8601.", links::OPERATORS);
    WILDCARD_WITHOUT_LIKE_OPERATOR = (Warning, "A `*` or `?` in a value of an operator that compares literally (use ...Like).", links::OPERATORS);
    IMPROVE_IP_RANGE = (Suggestion, "An IP range with host bits set after the mask: they are ignored.", links::OPERATORS);
    PRIVATE_IP_ADDRESS = (Error, "aws:SourceIp with only private addresses never matches (aws:SourceIp sees public addresses).", links::GLOBAL_KEYS);
    PRIVATE_NOT_IP_ADDRESS = (Error, "NotIpAddress on aws:SourceIp with only private addresses always matches.", links::GLOBAL_KEYS);
    PRIVATE_IP_ADDRESS_SUBSET = (Suggestion, "aws:SourceIp mixes private and public ranges; the private ones have no effect (use aws:VpcSourceIp).", links::GLOBAL_KEYS);
    PRIVATE_NOT_IP_ADDRESS_SUBSET = (Suggestion, "NotIpAddress on aws:SourceIp mixes private and public ranges; the private ones have no effect.", links::GLOBAL_KEYS);
    NULL_WITH_QUALIFIER = (Suggestion, "Null with ForAllValues / ForAnyValue always returns true / false.", links::MULTI_VALUE);
    FORALLVALUES_WITH_SINGLE_VALUED_KEY = (SecurityWarning, "ForAllValues with a single-valued key: also true when the key is absent, so it can allow too much.", links::MULTI_VALUE);
    FORANYVALUE_WITH_SINGLE_VALUED_KEY = (Suggestion, "ForAnyValue with a single-valued key: the plain operator says the same more clearly.", links::MULTI_VALUE);
    MISSING_QUALIFIER = (Error, "A multivalued key without ForAllValues / ForAnyValue.", links::MULTI_VALUE);
    MISSING_PAIRED_CONDITION_KEYS = (SecurityWarning, "A key that is only meaningful together with another (aws:VpcSourceIp with aws:SourceVpc).", links::GLOBAL_KEYS);
    INVALID_REGION = (Error, "aws:RequestedRegion with a value that is not a region code.", links::GLOBAL_KEYS);
    INVALID_SERVICE_PRINCIPAL_FORMAT = (Error, "A service-principal-valued key (kms:ViaService, aws:PrincipalServiceName, aws:CalledVia) with a value of the wrong form.", links::KMS_CONDITIONS);
    INVALID_ACCOUNT_ID_VALUE = (Error, "An account-valued key (aws:SourceAccount, kms:CallerAccount, ...) with a value that is not a 12-digit account id.", links::GLOBAL_KEYS);
    STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS = (SecurityWarning, "StringLike on a key typed ARN: it compares the ARN as plain text, where ArnLike compares it field by field.", Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-security-warning-string-like-operator-with-arn-condition-keys"));
    IF_EXISTS_ON_ALWAYS_PRESENT_KEY = (Suggestion, "...IfExists on a key that is always in the request (aws:CurrentTime, aws:EpochTime) changes nothing.", links::OPERATORS);
}

/// What is known about a key's type.
#[derive(Debug, Clone, Copy)]
struct KeyInfo {
    key_type: KeyType,
    multivalued: Option<bool>,
}

fn key_info(ctx: &Ctx<'_>, key: &str) -> Option<KeyInfo> {
    if let Some(g) = global_key(key) {
        return Some(KeyInfo {
            key_type: g.key_type,
            multivalued: Some(g.multivalued),
        });
    }
    let lower = key.to_ascii_lowercase();
    if lower.starts_with("kms:encryptioncontext:") {
        return Some(KeyInfo {
            key_type: KeyType::String,
            multivalued: Some(false),
        });
    }
    if let Some(cat) = ctx.catalog {
        let (prefix, _) = key.split_once(':')?;
        let def = cat
            .service(prefix)
            .and_then(|s| s.key(key))
            .or_else(|| cat.any_service_key(key).map(|(_, k)| k));
        if let Some(d) = def {
            return Some(KeyInfo {
                key_type: d.key_type,
                multivalued: Some(d.multivalued),
            });
        }
    }
    known_multivalued(key).map(|m| KeyInfo {
        key_type: KeyType::String,
        multivalued: Some(m),
    })
}

/// Keys present in every request context (the request time).
const ALWAYS_PRESENT: &[&str] = &["aws:currenttime", "aws:epochtime"];

pub fn run(ctx: &mut Ctx<'_>) {
    let p = ctx.policy;
    for st in &p.statements {
        let Some(c) = &st.condition else { continue };
        let all_keys = super::condition_keys(st);
        for op in &c.operators {
            let mut seen: Vec<&str> = Vec::new();
            for e in &op.entries {
                let key = e.key.value.as_str();
                if let Some(prev) = seen
                    .iter()
                    .find(|s| s.eq_ignore_ascii_case(key) && **s != key)
                {
                    ctx.report(&DUPLICATE_KEYS_WITH_DIFFERENT_CASE, e.key.range, e.path.clone(), format!("`{key}` and `{prev}` are the same key (key names are case-insensitive); merge their values."));
                }
                seen.push(key);
                check_key(ctx, e);
                check_values(ctx, op, e);
                string_like_on_arn_key(ctx, op, e);
                // Paired keys.
                let lk = key.to_ascii_lowercase();
                if lk == "aws:vpcsourceip"
                    && !all_keys.iter().any(|k| {
                        k == "aws:sourcevpc" || k == "aws:sourcevpce" || k == "aws:sourcevpcarn"
                    })
                {
                    ctx.report(&MISSING_PAIRED_CONDITION_KEYS, e.key.range, e.path.clone(), "aws:VpcSourceIp matches the address inside any VPC (private ranges repeat across VPCs): pair it with aws:SourceVpc or aws:SourceVpce in the same condition block.");
                }
                if lk == "aws:ec2instancesourceprivateipv4"
                    && !all_keys.iter().any(|k| k == "aws:ec2instancesourcevpc")
                {
                    ctx.report(&MISSING_PAIRED_CONDITION_KEYS, e.key.range, e.path.clone(), "aws:Ec2InstanceSourcePrivateIPv4 is only meaningful with aws:Ec2InstanceSourceVpc in the same condition block.");
                }
                if let Some(o) = op.op {
                    if o.if_exists && ALWAYS_PRESENT.contains(&lk.as_str()) {
                        ctx.report(
                            &IF_EXISTS_ON_ALWAYS_PRESENT_KEY,
                            op.name.range,
                            op.path.clone(),
                            format!(
                                "`{key}` is in every request, so `IfExists` changes nothing here."
                            ),
                        );
                    }
                }
            }
        }
    }
}

/// STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS: `StringLike` (with any qualifier or
/// `IfExists`) on a key the global keys or the service data type as ARN (`aws:PrincipalArn`,
/// `acm-pca:TemplateArn`, `iam:AssociatedResourceARN`); the fix names the `ArnLike` form.
fn string_like_on_arn_key(ctx: &mut Ctx<'_>, op: &ConditionOperator, e: &ConditionEntry) {
    let Some(o) = op.op else { return };
    if o.base != BaseOperator::StringLike {
        return;
    }
    let key = e.key.value.as_str();
    if !key_info(ctx, key).is_some_and(|k| k.key_type == KeyType::Arn) {
        return;
    }
    let arn_like = op.name.value.replacen("StringLike", "ArnLike", 1);
    ctx.report_fix(
        &STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS,
        op.name.range,
        e.path.clone(),
        format!(
            "`{key}` is an ARN: `{}` compares it as plain text, where `{arn_like}` compares it as an ARN. Use `{arn_like}`.",
            op.name.value
        ),
        op.name.range,
        format!("\"{arn_like}\""),
        format!("Use `{arn_like}`"),
    );
}

fn check_key(ctx: &mut Ctx<'_>, e: &ConditionEntry) {
    let key = e.key.value.as_str();
    let range = e.key.range;
    let path = e.path.clone();
    let Some((prefix, name)) = key.split_once(':') else {
        ctx.report(&INVALID_CONDITION_KEY_FORMAT, range, path, format!("`{key}` is not a condition key: keys are `prefix:name`, such as aws:SourceAccount or kms:ViaService."));
        return;
    };
    if prefix.is_empty() || name.is_empty() || key.contains(char::is_whitespace) {
        ctx.report(
            &INVALID_CONDITION_KEY_FORMAT,
            range,
            path,
            format!("`{key}` is not a condition key: keys are `prefix:name` without spaces."),
        );
        return;
    }
    if prefix.eq_ignore_ascii_case("aws") {
        let lower = key.to_ascii_lowercase();
        for tag in ["aws:resourcetag", "aws:requesttag", "aws:principaltag"] {
            if lower == tag || lower == format!("{tag}/") {
                ctx.report(
                    &MISSING_TAG_KEY_IN_CONDITION,
                    range,
                    path,
                    format!(
                        "`{key}` needs the tag key: `{key}/TAG-KEY` (for example {}/team).",
                        key.trim_end_matches('/')
                    ),
                );
                return;
            }
        }
        if let Some((_, instead)) = UNSUPPORTED_GLOBAL_KEYS
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
        {
            ctx.report(
                &UNSUPPORTED_GLOBAL_CONDITION_KEY,
                range,
                path,
                format!("`{key}` is not supported: use {instead}."),
            );
            return;
        }
        if global_key(key).is_none() {
            let sug = crate::policy::catalog::global::GLOBAL_KEYS
                .iter()
                .filter(|g| !g.name.contains('$'))
                .find(|g| {
                    crate::policy::model::edit_distance_le1(&g.name.to_ascii_lowercase(), &lower)
                })
                .map(|g| g.name);
            match sug {
                Some(s) => ctx.report_fix(
                    &INVALID_GLOBAL_CONDITION_KEY,
                    range,
                    path,
                    format!("`{key}` is not a global condition key; did you mean `{s}`?"),
                    range,
                    format!("\"{s}\""),
                    format!("Use `{s}`"),
                ),
                None => ctx.report(
                    &INVALID_GLOBAL_CONDITION_KEY,
                    range,
                    path,
                    format!("`{key}` is not a global condition key."),
                ),
            }
        }
        return;
    }
    let Some(cat) = ctx.catalog else { return };
    match cat.service(prefix) {
        Some(svc) => {
            if svc.key(key).is_none() && cat.any_service_key(key).is_none() {
                let lower = key.to_ascii_lowercase();
                let sug = svc
                    .keys
                    .iter()
                    .filter(|k| !k.name.contains('$') && !k.name.contains('<'))
                    .find(|k| {
                        crate::policy::model::edit_distance_le1(
                            &k.name.to_ascii_lowercase(),
                            &lower,
                        )
                    })
                    .map(|k| k.name.clone());
                match sug {
                    Some(s) => ctx.report_fix(
                        &INVALID_SERVICE_CONDITION_KEY,
                        range,
                        path,
                        format!(
                            "`{key}` is not {} {} condition key; did you mean `{s}`?",
                            article(&svc.name),
                            svc.name
                        ),
                        range,
                        format!("\"{s}\""),
                        format!("Use `{s}`"),
                    ),
                    None => ctx.report(
                        &INVALID_SERVICE_CONDITION_KEY,
                        range,
                        path,
                        format!(
                            "`{key}` is not {} {} condition key.",
                            article(&svc.name),
                            svc.name
                        ),
                    ),
                }
            }
        }
        None => {
            // Identity-provider keys (accounts.google.com:aud, token.actions...:sub, saml:..)
            // have a domain or path as prefix.
            let federated =
                prefix.contains('.') || prefix.contains('/') || cat.any_service_key(key).is_some();
            if !federated {
                ctx.report(
                    &super::resources::INVALID_SERVICE,
                    range,
                    path,
                    format!("`{prefix}` in `{key}` is not an AWS service prefix."),
                );
            }
        }
    }
}

fn check_values(ctx: &mut Ctx<'_>, op: &ConditionOperator, e: &ConditionEntry) {
    let Some(o) = op.op else { return };
    let key = e.key.value.as_str();
    let lk = key.to_ascii_lowercase();
    let fam = o.base.family();
    let info = key_info(ctx, key);

    // Mixed JSON types in one value list.
    if e.values.len() > 1 {
        let first = e.values[0].value.kind;
        if let Some(v) = e.values.iter().find(|v| v.value.kind != first) {
            ctx.report(&INVALID_CONDITION_DATA_TYPE, v.range, e.path.clone(), format!("The values of `{key}` mix {} and {}: use one JSON type (strings are always accepted).", first.as_str(), v.value.kind.as_str()));
        }
    }

    // Operator family vs key type.
    if let Some(ki) = info {
        let compatible = match (fam, ki.key_type) {
            (OperatorFamily::Null, _) | (_, KeyType::Unknown) => true,
            (OperatorFamily::String, KeyType::String) | (OperatorFamily::String, KeyType::Arn) => {
                true
            }
            (OperatorFamily::Arn, KeyType::Arn) => true,
            (OperatorFamily::Numeric, KeyType::Numeric) => true,
            (OperatorFamily::Date, KeyType::Date) => true,
            (OperatorFamily::Bool, KeyType::Bool) => true,
            (OperatorFamily::Binary, KeyType::Binary) => true,
            (OperatorFamily::Ip, KeyType::IpAddress) => true,
            // aws:EpochTime is documented as Date but also compares numerically.
            (OperatorFamily::Numeric, KeyType::Date) => lk == "aws:epochtime",
            _ => false,
        };
        if !compatible {
            let want = match ki.key_type {
                KeyType::String => "String (StringEquals, StringLike, ...)",
                KeyType::Arn => "ARN (ArnEquals, ArnLike, ...)",
                KeyType::Numeric => "Numeric (NumericEquals, NumericLessThan, ...)",
                KeyType::Date => "Date (DateGreaterThan, ...)",
                KeyType::Bool => "Bool",
                KeyType::IpAddress => "IpAddress / NotIpAddress",
                KeyType::Binary => "BinaryEquals",
                KeyType::Unknown => "matching",
            };
            ctx.report(
                &TYPE_MISMATCH,
                op.name.range,
                e.path.clone(),
                format!(
                    "`{key}` is {} {} key: use {} {want} operator instead of `{}`.",
                    article(ki.key_type.as_str()),
                    ki.key_type.as_str(),
                    article(want),
                    op.name.value
                ),
            );
        }
        // Set qualifiers against single / multivalued keys.
        if let Some(multi) = ki.multivalued {
            match (o.qualifier, multi) {
                (Some(SetQualifier::ForAllValues), false) if o.base != BaseOperator::Null => ctx.report(&FORALLVALUES_WITH_SINGLE_VALUED_KEY, op.name.range, e.path.clone(), format!("`{key}` has a single value: ForAllValues is also true when the key is missing, which can allow more than intended. Remove `ForAllValues:`.")),
                (Some(SetQualifier::ForAnyValue), false) if o.base != BaseOperator::Null => ctx.report(&FORANYVALUE_WITH_SINGLE_VALUED_KEY, op.name.range, e.path.clone(), format!("`{key}` has a single value: `ForAnyValue:` is not needed.")),
                (None, true) if o.base != BaseOperator::Null => ctx.report(&MISSING_QUALIFIER, op.name.range, e.path.clone(), format!("`{key}` can have several values in a request: say how to compare the set with `ForAnyValue:{}` (any value matches) or `ForAllValues:{}` (every value matches).", op.name.value, op.name.value)),
                _ => {}
            }
        }
    }

    if o.base == BaseOperator::Null && o.qualifier.is_some() {
        ctx.report(&NULL_WITH_QUALIFIER, op.name.range, op.path.clone(), "Null with ForAllValues always returns true and with ForAnyValue always false: use plain `Null`.");
    }
    if o.base == BaseOperator::Bool && e.values.len() > 1 {
        ctx.report(
            &INVALID_CONDITION_MULTIPLE_BOOLEAN,
            e.range,
            e.path.clone(),
            format!("`{key}` is a Boolean: give one value, true or false."),
        );
    }

    let mut private = 0usize;
    let mut public = 0usize;
    for (i, v) in e.values.iter().enumerate() {
        let text = v.value.text.as_str();
        let path = e.item_path(i);
        let has_var = text.contains("${");
        match fam {
            OperatorFamily::Numeric => {
                if !has_var && parse_number(text).is_none() {
                    ctx.report(&TYPE_MISMATCH_NUMBER, v.range, path, format!("`{text}` is not a number, which `{}` needs.", op.name.value));
                }
            }
            OperatorFamily::Date => {
                if has_var {
                } else if parse_date(text).is_none() {
                    ctx.report(&TYPE_MISMATCH_DATE, v.range, path, format!("`{text}` is not a date: use ISO 8601 such as 2026-01-31 or 2026-01-31T12:00:00Z."));
                } else if is_epoch_seconds(text) {
                    ctx.report(&INVALID_DATE_VALUE, v.range, path, format!("`{text}` is read as epoch seconds; write dates as ISO 8601 (2026-01-31T00:00:00Z) so that they read as meant."));
                }
            }
            OperatorFamily::Bool | OperatorFamily::Null => {
                if !text.eq_ignore_ascii_case("true") && !text.eq_ignore_ascii_case("false") {
                    ctx.report(&TYPE_MISMATCH_BOOLEAN, v.range, path, format!("`{text}` is not a Boolean: use true or false."));
                }
            }
            OperatorFamily::Binary => {
                if !is_base64(text) {
                    ctx.report(&TYPE_MISMATCH_STRING, v.range, path, format!("`{text}` is not base64, which BinaryEquals compares."));
                }
            }
            OperatorFamily::Ip => match Cidr::parse(text) {
                None => ctx.report(&TYPE_MISMATCH_IP_RANGE, v.range, path, format!("`{text}` is not an IP address or CIDR range (203.0.113.0/24, 2001:db8::/32).")),
                Some(cidr) => {
                    if let Some(c) = cidr.canonical() {
                        ctx.report_fix(&IMPROVE_IP_RANGE, v.range, path, format!("`{text}` has bits set after the /{} mask; they are ignored, so this means `{c}`.", cidr.prefix), v.range, format!("\"{c}\""), format!("Use `{c}`"));
                    }
                    if is_private(cidr.addr) {
                        private += 1;
                    } else {
                        public += 1;
                    }
                }
            },
            OperatorFamily::Arn => {
                if !has_var && text != "*" && Arn::parse(text).is_none() {
                    ctx.report(&TYPE_MISMATCH_ARN, v.range, path, format!("`{text}` is not an ARN (arn:partition:service:region:account:resource), which `{}` compares.", op.name.value));
                }
            }
            OperatorFamily::String => {
                let literal = matches!(o.base, BaseOperator::StringEquals | BaseOperator::StringNotEquals | BaseOperator::StringEqualsIgnoreCase | BaseOperator::StringNotEqualsIgnoreCase);
                let stripped = text.replace("${*}", "").replace("${?}", "");
                if literal && text_has_wildcard(&stripped) {
                    let like = op.name.value.replace("StringEqualsIgnoreCase", "StringLike").replace("StringNotEqualsIgnoreCase", "StringNotLike").replace("StringEquals", "StringLike").replace("StringNotEquals", "StringNotLike");
                    ctx.report_fix(&WILDCARD_WITHOUT_LIKE_OPERATOR, v.range, path.clone(), format!("`{text}` contains `*` or `?`, which `{}` compares literally. If you meant a wildcard, use `{like}`.", op.name.value), op.name.range, format!("\"{like}\""), format!("Use `{like}`"));
                }
                if has_var {
                    continue;
                }
                check_string_value(ctx, &lk, key, v.range, &path, text, o.base.is_like());
            }
        }
    }
    if lk == "aws:sourceip" && fam == OperatorFamily::Ip && private > 0 {
        let negated = o.base == BaseOperator::NotIpAddress;
        match (public == 0, negated) {
            (true, false) => ctx.report(&PRIVATE_IP_ADDRESS, e.range, e.path.clone(), "aws:SourceIp only ever holds public addresses, so these private ranges never match. For requests through a VPC endpoint use aws:VpcSourceIp."),
            (true, true) => ctx.report(&PRIVATE_NOT_IP_ADDRESS, e.range, e.path.clone(), "aws:SourceIp only ever holds public addresses, so NotIpAddress on private ranges always matches. Use aws:VpcSourceIp for private ranges."),
            (false, false) => ctx.report(&PRIVATE_IP_ADDRESS_SUBSET, e.range, e.path.clone(), "aws:SourceIp only holds public addresses: the private ranges here have no effect (use aws:VpcSourceIp for them)."),
            (false, true) => ctx.report(&PRIVATE_NOT_IP_ADDRESS_SUBSET, e.range, e.path.clone(), "aws:SourceIp only holds public addresses: the private ranges in NotIpAddress have no effect."),
        }
    }
}

/// Value checks for keys with a known value form.
#[allow(clippy::collapsible_match)]
fn check_string_value(
    ctx: &mut Ctx<'_>,
    lk: &str,
    key: &str,
    range: TextRange,
    path: &str,
    text: &str,
    like: bool,
) {
    if like && text_has_wildcard(text) {
        return;
    }
    match lk {
        "aws:requestedregion" => {
            if !is_region_like(text) {
                ctx.report(
                    &INVALID_REGION,
                    range,
                    path,
                    format!("`{text}` is not a region code (such as us-east-1)."),
                );
            }
        }
        "aws:sourceaccount"
        | "aws:principalaccount"
        | "aws:resourceaccount"
        | "kms:calleraccount"
        | "aws:vpceaccount" => {
            if !is_account_id(text) {
                ctx.report(
                    &INVALID_ACCOUNT_ID_VALUE,
                    range,
                    path,
                    format!(
                        "`{text}` is not an account id: {key} holds a 12-digit account number."
                    ),
                );
            }
        }
        "kms:viaservice" => {
            // service.REGION.amazonaws.com
            let parts: Vec<&str> = text.split('.').collect();
            let ok = parts.len() == 4
                && parts[2] == "amazonaws"
                && parts[3] == "com"
                && is_region_like(parts[1])
                && !parts[0].is_empty();
            if !ok {
                let hint = if parts.len() == 4 && parts[1] == "region" {
                    format!(" `region` is a placeholder from the documentation: use the key's region, for example `{}.us-east-1.amazonaws.com`.", parts[0])
                } else {
                    String::new()
                };
                ctx.report(&INVALID_SERVICE_PRINCIPAL_FORMAT, range, path, format!("`{text}` is not a kms:ViaService value: it is `SERVICE.REGION.amazonaws.com` (for example voiceid.us-west-2.amazonaws.com).{hint}"));
            }
        }
        "aws:principalservicename"
        | "aws:principalservicenameslist"
        | "aws:calledvia"
        | "aws:calledviafirst"
        | "aws:calledvialast" => {
            if !(text.ends_with(".amazonaws.com") || text.ends_with(".amazon.com"))
                || text.contains(char::is_whitespace)
            {
                ctx.report(
                    &INVALID_SERVICE_PRINCIPAL_FORMAT,
                    range,
                    path,
                    format!("`{text}` is not a service principal (SERVICE.amazonaws.com)."),
                );
            }
        }
        _ => {}
    }
}

fn is_base64(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || !b.len().is_multiple_of(4) {
        return false;
    }
    let pad = b.iter().rev().take_while(|&&c| c == b'=').count();
    pad <= 2
        && b[..b.len() - pad]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64() {
        assert!(is_base64("QUJD"));
        assert!(!is_base64("not base64"));
    }
}
