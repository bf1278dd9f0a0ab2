//! Condition blocks: key names (global keys built in, service keys from service data), value
//! types per operator family, IfExists / Null / set-operator misuse, IP ranges, wildcards
//! without Like. spec: IAM User Guide, "Condition", "Condition operators", "Single-valued vs.
//! multivalued context keys", "AWS global condition context keys".

use super::parsed::CondEntry;
use super::{article, checks, links, verdict_checks, Check, Ctx, Verdict};
use crate::policy::catalog::global::{global_key, known_multivalued, UNSUPPORTED_GLOBAL_KEYS};
use crate::policy::catalog::{Catalog, KeyType};
use crate::policy::iam::arn::{is_account_id, is_region_like, Arn};
use crate::policy::iam::date::{is_epoch_seconds, parse_date};
use crate::policy::iam::glob::{text_has_variable, text_has_wildcard};
use crate::policy::iam::ip::{is_private, Cidr};
use crate::policy::iam::operator::{
    parse_number, BaseOperator, Operator, OperatorFamily, SetQualifier,
};
use crate::policy::model::ConditionEntry;
use crate::policy::span::TextRange;

checks! {
    INVALID_CONDITION_KEY_FORMAT = (Error, "A condition key that is not `prefix:name`.", links::CONDITION) => invalid_condition_key_format;
    INVALID_GLOBAL_CONDITION_KEY = (Error, "An `aws:` condition key that is not a global condition key.", links::GLOBAL_KEYS) => invalid_global_condition_key;
    UNSUPPORTED_GLOBAL_CONDITION_KEY = (Error, "A global key IAM does not support (aws:ARN).", links::GLOBAL_KEYS) => unsupported_global_condition_key;
    INVALID_SERVICE_CONDITION_KEY = (Error, "A service condition key the service does not define (service data).", links::SERVICE_REFERENCE) => invalid_service_condition_key;
    MISSING_TAG_KEY_IN_CONDITION = (Error, "aws:ResourceTag / aws:RequestTag / aws:PrincipalTag without the `/tag-key` part.", links::ABAC) => missing_tag_key_in_condition;
    DUPLICATE_KEYS_WITH_DIFFERENT_CASE = (Error, "The same condition key twice in one operator, with different capitalisation (key names are case-insensitive).", links::CONDITION) => duplicate_keys_with_different_case;
    INVALID_CONDITION_MULTIPLE_BOOLEAN = (Error, "Several values for a Bool condition: a Boolean key has one value.", links::OPERATORS) => invalid_condition_multiple_boolean;
    INVALID_CONDITION_DATA_TYPE = (Error, "Values of different JSON types in one condition.", links::CONDITION) => invalid_condition_data_type;
    TYPE_MISMATCH = (Warning, "The operator's type does not fit the key's type (e.g. StringEquals on a Bool key).", links::OPERATORS) => type_mismatch;
    TYPE_MISMATCH_BOOLEAN = (Warning, "A Bool or Null condition value other than true / false.", links::OPERATORS) => type_mismatch_boolean;
    TYPE_MISMATCH_DATE = (Warning, "A Date condition value that is not an ISO 8601 date or epoch time.", links::OPERATORS) => type_mismatch_date;
    TYPE_MISMATCH_IP_RANGE = (Warning, "An IpAddress value that is not an IP address or CIDR range.", links::OPERATORS) => type_mismatch_ip_range;
    TYPE_MISMATCH_NUMBER = (Warning, "A Numeric condition value that is not a number.", links::OPERATORS) => type_mismatch_number;
    TYPE_MISMATCH_STRING = (Warning, "A BinaryEquals value that is not base64.", links::OPERATORS) => type_mismatch_string;
    TYPE_MISMATCH_ARN = (Warning, "An Arn operator value that is not an ARN.", links::OPERATORS) => type_mismatch_arn;
    INVALID_DATE_VALUE = (Warning, "An epoch-seconds date: it may not resolve as expected; prefer ISO 8601.", links::OPERATORS) => invalid_date_value;
    WILDCARD_WITHOUT_LIKE_OPERATOR = (Warning, "A `*` or `?` in a value of an operator that compares literally (use ...Like).", links::OPERATORS) => wildcard_without_like_operator;
    IMPROVE_IP_RANGE = (Suggestion, "An IP range with host bits set after the mask: they are ignored.", links::OPERATORS) => improve_ip_range;
    PRIVATE_IP_ADDRESS = (Error, "aws:SourceIp with only private addresses never matches (aws:SourceIp sees public addresses).", links::GLOBAL_KEYS) => private_ip_address;
    PRIVATE_NOT_IP_ADDRESS = (Error, "NotIpAddress on aws:SourceIp with only private addresses always matches.", links::GLOBAL_KEYS) => private_not_ip_address;
    PRIVATE_IP_ADDRESS_SUBSET = (Suggestion, "aws:SourceIp mixes private and public ranges; the private ones have no effect (use aws:VpcSourceIp).", links::GLOBAL_KEYS) => private_ip_address_subset;
    PRIVATE_NOT_IP_ADDRESS_SUBSET = (Suggestion, "NotIpAddress on aws:SourceIp mixes private and public ranges; the private ones have no effect.", links::GLOBAL_KEYS) => private_not_ip_address_subset;
    NULL_WITH_QUALIFIER = (Suggestion, "Null with ForAllValues / ForAnyValue always returns true / false.", links::MULTI_VALUE) => null_with_qualifier;
    FORALLVALUES_WITH_SINGLE_VALUED_KEY = (SecurityWarning, "ForAllValues with a single-valued key: also true when the key is absent, so it can allow too much.", links::MULTI_VALUE) => forallvalues_with_single_valued_key;
    FORANYVALUE_WITH_SINGLE_VALUED_KEY = (Suggestion, "ForAnyValue with a single-valued key: the plain operator says the same more clearly.", links::MULTI_VALUE) => foranyvalue_with_single_valued_key;
    MISSING_QUALIFIER = (Error, "A multivalued key without ForAllValues / ForAnyValue.", links::MULTI_VALUE) => missing_qualifier;
    MISSING_PAIRED_CONDITION_KEYS = (SecurityWarning, "A key that is only meaningful together with another (aws:VpcSourceIp with aws:SourceVpc).", links::GLOBAL_KEYS) => missing_paired_condition_keys;
    INVALID_REGION = (Error, "aws:RequestedRegion with a value that is not a region code.", links::GLOBAL_KEYS) => invalid_region;
    INVALID_SERVICE_PRINCIPAL_FORMAT = (Error, "A service-principal-valued key (kms:ViaService, aws:PrincipalServiceName, aws:CalledVia) with a value of the wrong form.", links::KMS_CONDITIONS) => invalid_service_principal_format;
    INVALID_ACCOUNT_ID_VALUE = (Error, "An account-valued key (aws:SourceAccount, kms:CallerAccount, ...) with a value that is not a 12-digit account id.", links::GLOBAL_KEYS) => invalid_account_id_value;
    STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS = (SecurityWarning, "StringLike on a key typed ARN: it compares the ARN as plain text, where ArnLike compares it field by field.", Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-security-warning-string-like-operator-with-arn-condition-keys")) => string_like_operator_with_arn_condition_keys;
    IF_EXISTS_ON_ALWAYS_PRESENT_KEY = (Suggestion, "...IfExists on a key that is always in the request (aws:CurrentTime, aws:EpochTime) changes nothing.", links::OPERATORS) => if_exists_on_always_present_key;
}

/// What is known about a key's type.
#[derive(Debug, Clone, Copy)]
pub struct KeyInfo {
    key_type: KeyType,
    multivalued: Option<bool>,
}

/// The type of `key` by the global keys, the KMS encryption context, the service data (with
/// `catalog`) or the known multivalued keys.
pub fn key_info(catalog: Option<&Catalog>, key: &str) -> Option<KeyInfo> {
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
    if let Some(cat) = catalog {
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

/// The condition entries whose operator is valid, with it.
fn with_operator<'c, 'a: 'c>(
    ctx: &'c Ctx<'a>,
) -> impl Iterator<Item = (&'c CondEntry<'a>, Operator)> + 'c {
    ctx.parsed
        .conditions()
        .iter()
        .filter_map(|c| Some((c, c.op.op?)))
}

fn duplicate_keys_with_different_case(ctx: &Ctx<'_>) {
    let operators = ctx
        .policy
        .statements
        .iter()
        .filter_map(|st| st.condition.as_ref())
        .flat_map(|c| &c.operators);
    for op in operators {
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
        }
    }
}

fn missing_paired_condition_keys(ctx: &Ctx<'_>) {
    for c in ctx.parsed.conditions() {
        let keys = || ctx.parsed.condition_keys(c.statement);
        let e = c.entry;
        if c.key == "aws:vpcsourceip"
            && !keys()
                .any(|k| k == "aws:sourcevpc" || k == "aws:sourcevpce" || k == "aws:sourcevpcarn")
        {
            ctx.report(&MISSING_PAIRED_CONDITION_KEYS, e.key.range, e.path.clone(), "aws:VpcSourceIp matches the address inside any VPC (private ranges repeat across VPCs): pair it with aws:SourceVpc or aws:SourceVpce in the same condition block.");
        }
        if c.key == "aws:ec2instancesourceprivateipv4"
            && !keys().any(|k| k == "aws:ec2instancesourcevpc")
        {
            ctx.report(&MISSING_PAIRED_CONDITION_KEYS, e.key.range, e.path.clone(), "aws:Ec2InstanceSourcePrivateIPv4 is only meaningful with aws:Ec2InstanceSourceVpc in the same condition block.");
        }
    }
}

fn if_exists_on_always_present_key(ctx: &Ctx<'_>) {
    for (c, o) in with_operator(ctx) {
        if o.if_exists && ALWAYS_PRESENT.contains(&c.key.as_str()) {
            ctx.report(
                &IF_EXISTS_ON_ALWAYS_PRESENT_KEY,
                c.op.name.range,
                c.op.path.clone(),
                format!(
                    "`{}` is in every request, so `IfExists` changes nothing here.",
                    c.entry.key.value
                ),
            );
        }
    }
}

/// STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS: `StringLike` (with any qualifier or
/// `IfExists`) on a key the global keys or the service data type as ARN (`aws:PrincipalArn`,
/// `acm-pca:TemplateArn`, `iam:AssociatedResourceARN`); the fix names the `ArnLike` form.
fn string_like_operator_with_arn_condition_keys(ctx: &Ctx<'_>) {
    for (c, o) in with_operator(ctx) {
        if o.base != BaseOperator::StringLike || !c.info.is_some_and(|k| k.key_type == KeyType::Arn)
        {
            continue;
        }
        let op = c.op;
        let arn_like = op.name.value.replacen("StringLike", "ArnLike", 1);
        ctx.report_fix(
            &STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS,
            op.name.range,
            c.entry.path.clone(),
            format!(
                "`{}` is an ARN: `{}` compares it as plain text, where `{arn_like}` compares it as an ARN. Use `{arn_like}`.",
                c.entry.key.value, op.name.value
            ),
            op.name.range,
            format!("\"{arn_like}\""),
            format!("Use `{arn_like}`"),
        );
    }
}

/// What is wrong with each condition key (at most one finding each), worked out once for the
/// checks below and the resources family's INVALID_SERVICE.
pub fn key_verdicts<'c>(ctx: &'c Ctx<'_>) -> &'c [Verdict] {
    ctx.parsed.condition_keys.get_or_init(|| {
        ctx.parsed
            .conditions()
            .iter()
            .filter_map(|c| key_verdict(ctx, c.entry))
            .collect()
    })
}

verdict_checks! {
    key_verdicts;
    invalid_condition_key_format => INVALID_CONDITION_KEY_FORMAT,
    missing_tag_key_in_condition => MISSING_TAG_KEY_IN_CONDITION,
    unsupported_global_condition_key => UNSUPPORTED_GLOBAL_CONDITION_KEY,
    invalid_global_condition_key => INVALID_GLOBAL_CONDITION_KEY,
    invalid_service_condition_key => INVALID_SERVICE_CONDITION_KEY,
}

/// The finding for the key of `e`, if any.
fn key_verdict(ctx: &Ctx<'_>, e: &ConditionEntry) -> Option<Verdict> {
    let key = e.key.value.as_str();
    let at = |check: &'static Check, message: String| {
        Verdict::new(check, e.key.range, e.path.as_str(), message)
    };
    let Some((prefix, name)) = key.split_once(':') else {
        return Some(at(&INVALID_CONDITION_KEY_FORMAT, format!("`{key}` is not a condition key: keys are `prefix:name`, such as aws:SourceAccount or kms:ViaService.")));
    };
    if prefix.is_empty() || name.is_empty() || key.contains(char::is_whitespace) {
        return Some(at(
            &INVALID_CONDITION_KEY_FORMAT,
            format!("`{key}` is not a condition key: keys are `prefix:name` without spaces."),
        ));
    }
    if prefix.eq_ignore_ascii_case("aws") {
        let lower = key.to_ascii_lowercase();
        for tag in ["aws:resourcetag", "aws:requesttag", "aws:principaltag"] {
            if lower == tag || lower == format!("{tag}/") {
                return Some(at(
                    &MISSING_TAG_KEY_IN_CONDITION,
                    format!(
                        "`{key}` needs the tag key: `{key}/TAG-KEY` (for example {}/team).",
                        key.trim_end_matches('/')
                    ),
                ));
            }
        }
        if let Some((_, instead)) = UNSUPPORTED_GLOBAL_KEYS
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
        {
            return Some(at(
                &UNSUPPORTED_GLOBAL_CONDITION_KEY,
                format!("`{key}` is not supported: use {instead}."),
            ));
        }
        if global_key(key).is_some() {
            return None;
        }
        let sug = crate::policy::catalog::global::GLOBAL_KEYS
            .iter()
            .filter(|g| !g.name.contains('$'))
            .find(|g| crate::policy::model::edit_distance_le1(&g.name.to_ascii_lowercase(), &lower))
            .map(|g| g.name);
        return Some(match sug {
            Some(s) => at(
                &INVALID_GLOBAL_CONDITION_KEY,
                format!("`{key}` is not a global condition key; did you mean `{s}`?"),
            )
            .with_fix(format!("\"{s}\""), format!("Use `{s}`")),
            None => at(
                &INVALID_GLOBAL_CONDITION_KEY,
                format!("`{key}` is not a global condition key."),
            ),
        });
    }
    let cat = ctx.catalog?;
    let Some(svc) = cat.service(prefix) else {
        // Identity-provider keys (accounts.google.com:aud, token.actions...:sub, saml:..)
        // have a domain or path as prefix.
        let federated =
            prefix.contains('.') || prefix.contains('/') || cat.any_service_key(key).is_some();
        return (!federated).then(|| {
            at(
                &super::resources::INVALID_SERVICE,
                format!("`{prefix}` in `{key}` is not an AWS service prefix."),
            )
        });
    };
    if svc.key(key).is_some() || cat.any_service_key(key).is_some() {
        return None;
    }
    let lower = key.to_ascii_lowercase();
    let sug = svc
        .keys
        .iter()
        .filter(|k| !k.name.contains('$') && !k.name.contains('<'))
        .find(|k| crate::policy::model::edit_distance_le1(&k.name.to_ascii_lowercase(), &lower))
        .map(|k| k.name.clone());
    Some(match sug {
        Some(s) => at(
            &INVALID_SERVICE_CONDITION_KEY,
            format!(
                "`{key}` is not {} {} condition key; did you mean `{s}`?",
                article(&svc.name),
                svc.name
            ),
        )
        .with_fix(format!("\"{s}\""), format!("Use `{s}`")),
        None => at(
            &INVALID_SERVICE_CONDITION_KEY,
            format!(
                "`{key}` is not {} {} condition key.",
                article(&svc.name),
                svc.name
            ),
        ),
    })
}

fn invalid_condition_data_type(ctx: &Ctx<'_>) {
    for (c, _) in with_operator(ctx) {
        let e = c.entry;
        if e.values.len() < 2 {
            continue;
        }
        let first = e.values[0].value.kind;
        if let Some(v) = e.values.iter().find(|v| v.value.kind != first) {
            ctx.report(&INVALID_CONDITION_DATA_TYPE, v.range, e.path.clone(), format!("The values of `{}` mix {} and {}: use one JSON type (strings are always accepted).", e.key.value, first.as_str(), v.value.kind.as_str()));
        }
    }
}

fn type_mismatch(ctx: &Ctx<'_>) {
    for (c, o) in with_operator(ctx) {
        let Some(ki) = c.info else { continue };
        let compatible = match (o.base.family(), ki.key_type) {
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
            (OperatorFamily::Numeric, KeyType::Date) => c.key == "aws:epochtime",
            _ => false,
        };
        if compatible {
            continue;
        }
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
            c.op.name.range,
            c.entry.path.clone(),
            format!(
                "`{}` is {} {} key: use {} {want} operator instead of `{}`.",
                c.entry.key.value,
                article(ki.key_type.as_str()),
                ki.key_type.as_str(),
                article(want),
                c.op.name.value
            ),
        );
    }
}

/// The entries whose set qualifier (`qualifier`, or none) and key (`multivalued` or not)
/// disagree, Null aside.
fn qualifier_mismatches<'c, 'a: 'c>(
    ctx: &'c Ctx<'a>,
    qualifier: Option<SetQualifier>,
    multivalued: bool,
) -> impl Iterator<Item = &'c CondEntry<'a>> + 'c {
    with_operator(ctx)
        .filter(move |(c, o)| {
            o.base != BaseOperator::Null
                && o.qualifier == qualifier
                && c.info.and_then(|k| k.multivalued) == Some(multivalued)
        })
        .map(|(c, _)| c)
}

fn forallvalues_with_single_valued_key(ctx: &Ctx<'_>) {
    for c in qualifier_mismatches(ctx, Some(SetQualifier::ForAllValues), false) {
        ctx.report(&FORALLVALUES_WITH_SINGLE_VALUED_KEY, c.op.name.range, c.entry.path.clone(), format!("`{}` has a single value: ForAllValues is also true when the key is missing, which can allow more than intended. Remove `ForAllValues:`.", c.entry.key.value));
    }
}

fn foranyvalue_with_single_valued_key(ctx: &Ctx<'_>) {
    for c in qualifier_mismatches(ctx, Some(SetQualifier::ForAnyValue), false) {
        ctx.report(
            &FORANYVALUE_WITH_SINGLE_VALUED_KEY,
            c.op.name.range,
            c.entry.path.clone(),
            format!(
                "`{}` has a single value: `ForAnyValue:` is not needed.",
                c.entry.key.value
            ),
        );
    }
}

fn missing_qualifier(ctx: &Ctx<'_>) {
    for c in qualifier_mismatches(ctx, None, true) {
        let op = &c.op.name.value;
        ctx.report(&MISSING_QUALIFIER, c.op.name.range, c.entry.path.clone(), format!("`{}` can have several values in a request: say how to compare the set with `ForAnyValue:{op}` (any value matches) or `ForAllValues:{op}` (every value matches).", c.entry.key.value));
    }
}

fn null_with_qualifier(ctx: &Ctx<'_>) {
    for (c, o) in with_operator(ctx) {
        if o.base == BaseOperator::Null && o.qualifier.is_some() {
            ctx.report(&NULL_WITH_QUALIFIER, c.op.name.range, c.op.path.clone(), "Null with ForAllValues always returns true and with ForAnyValue always false: use plain `Null`.");
        }
    }
}

fn invalid_condition_multiple_boolean(ctx: &Ctx<'_>) {
    for (c, o) in with_operator(ctx) {
        if o.base == BaseOperator::Bool && c.entry.values.len() > 1 {
            ctx.report(
                &INVALID_CONDITION_MULTIPLE_BOOLEAN,
                c.entry.range,
                c.entry.path.clone(),
                format!(
                    "`{}` is a Boolean: give one value, true or false.",
                    c.entry.key.value
                ),
            );
        }
    }
}

/// One condition value of an entry whose operator is of `family`.
struct Value<'c, 'a> {
    c: &'c CondEntry<'a>,
    op: Operator,
    range: TextRange,
    path: String,
    text: &'c str,
}

/// The values of the entries whose operator is of `family`, in order.
fn values<'c, 'a: 'c>(
    ctx: &'c Ctx<'a>,
    family: OperatorFamily,
) -> impl Iterator<Item = Value<'c, 'a>> + 'c {
    with_operator(ctx)
        .filter(move |(_, o)| o.base.family() == family)
        .flat_map(|(c, op)| {
            c.entry.values.iter().enumerate().map(move |(i, v)| Value {
                c,
                op,
                range: v.range,
                path: c.entry.item_path(i),
                text: v.value.text.as_str(),
            })
        })
}

fn type_mismatch_number(ctx: &Ctx<'_>) {
    for v in values(ctx, OperatorFamily::Numeric) {
        if !text_has_variable(v.text) && parse_number(v.text).is_none() {
            ctx.report(
                &TYPE_MISMATCH_NUMBER,
                v.range,
                v.path,
                format!(
                    "`{}` is not a number, which `{}` needs.",
                    v.text, v.c.op.name.value
                ),
            );
        }
    }
}

fn type_mismatch_date(ctx: &Ctx<'_>) {
    for v in values(ctx, OperatorFamily::Date) {
        if !text_has_variable(v.text) && parse_date(v.text).is_none() {
            ctx.report(
                &TYPE_MISMATCH_DATE,
                v.range,
                v.path,
                format!(
                    "`{}` is not a date: use ISO 8601 such as 2026-01-31 or 2026-01-31T12:00:00Z.",
                    v.text
                ),
            );
        }
    }
}

fn invalid_date_value(ctx: &Ctx<'_>) {
    for v in values(ctx, OperatorFamily::Date) {
        if !text_has_variable(v.text) && parse_date(v.text).is_some() && is_epoch_seconds(v.text) {
            ctx.report(&INVALID_DATE_VALUE, v.range, v.path, format!("`{}` is read as epoch seconds; write dates as ISO 8601 (2026-01-31T00:00:00Z) so that they read as meant.", v.text));
        }
    }
}

fn type_mismatch_boolean(ctx: &Ctx<'_>) {
    for family in [OperatorFamily::Bool, OperatorFamily::Null] {
        for v in values(ctx, family) {
            if !v.text.eq_ignore_ascii_case("true") && !v.text.eq_ignore_ascii_case("false") {
                ctx.report(
                    &TYPE_MISMATCH_BOOLEAN,
                    v.range,
                    v.path,
                    format!("`{}` is not a Boolean: use true or false.", v.text),
                );
            }
        }
    }
}

fn type_mismatch_string(ctx: &Ctx<'_>) {
    for v in values(ctx, OperatorFamily::Binary) {
        if !is_base64(v.text) {
            ctx.report(
                &TYPE_MISMATCH_STRING,
                v.range,
                v.path,
                format!("`{}` is not base64, which BinaryEquals compares.", v.text),
            );
        }
    }
}

fn type_mismatch_arn(ctx: &Ctx<'_>) {
    for v in values(ctx, OperatorFamily::Arn) {
        if !text_has_variable(v.text) && v.text != "*" && Arn::parse(v.text).is_none() {
            ctx.report(&TYPE_MISMATCH_ARN, v.range, v.path, format!("`{}` is not an ARN (arn:partition:service:region:account:resource), which `{}` compares.", v.text, v.c.op.name.value));
        }
    }
}

fn type_mismatch_ip_range(ctx: &Ctx<'_>) {
    for v in values(ctx, OperatorFamily::Ip) {
        if Cidr::parse(v.text).is_none() {
            ctx.report(
                &TYPE_MISMATCH_IP_RANGE,
                v.range,
                v.path,
                format!(
                    "`{}` is not an IP address or CIDR range (203.0.113.0/24, 2001:db8::/32).",
                    v.text
                ),
            );
        }
    }
}

fn improve_ip_range(ctx: &Ctx<'_>) {
    for v in values(ctx, OperatorFamily::Ip) {
        let Some(cidr) = Cidr::parse(v.text) else {
            continue;
        };
        if let Some(c) = cidr.canonical() {
            ctx.report_fix(
                &IMPROVE_IP_RANGE,
                v.range,
                v.path,
                format!(
                    "`{}` has bits set after the /{} mask; they are ignored, so this means `{c}`.",
                    v.text, cidr.prefix
                ),
                v.range,
                format!("\"{c}\""),
                format!("Use `{c}`"),
            );
        }
    }
}

/// aws:SourceIp entries with a private range: (entry, whether it also has a public range,
/// whether the operator is NotIpAddress).
fn private_source_ips<'c, 'a: 'c>(
    ctx: &'c Ctx<'a>,
) -> impl Iterator<Item = (&'a ConditionEntry, bool, bool)> + 'c {
    with_operator(ctx)
        .filter(|(c, o)| c.key == "aws:sourceip" && o.base.family() == OperatorFamily::Ip)
        .filter_map(|(c, o)| {
            let (mut private, mut public) = (0usize, 0usize);
            for cidr in c
                .entry
                .values
                .iter()
                .filter_map(|v| Cidr::parse(&v.value.text))
            {
                match is_private(cidr.addr) {
                    true => private += 1,
                    false => public += 1,
                }
            }
            (private > 0).then_some((c.entry, public > 0, o.base == BaseOperator::NotIpAddress))
        })
}

fn private_ip_address(ctx: &Ctx<'_>) {
    for (e, _, _) in private_source_ips(ctx).filter(|&(_, public, negated)| !public && !negated) {
        ctx.report(&PRIVATE_IP_ADDRESS, e.range, e.path.clone(), "aws:SourceIp only ever holds public addresses, so these private ranges never match. For requests through a VPC endpoint use aws:VpcSourceIp.");
    }
}

fn private_not_ip_address(ctx: &Ctx<'_>) {
    for (e, _, _) in private_source_ips(ctx).filter(|&(_, public, negated)| !public && negated) {
        ctx.report(&PRIVATE_NOT_IP_ADDRESS, e.range, e.path.clone(), "aws:SourceIp only ever holds public addresses, so NotIpAddress on private ranges always matches. Use aws:VpcSourceIp for private ranges.");
    }
}

fn private_ip_address_subset(ctx: &Ctx<'_>) {
    for (e, _, _) in private_source_ips(ctx).filter(|&(_, public, negated)| public && !negated) {
        ctx.report(&PRIVATE_IP_ADDRESS_SUBSET, e.range, e.path.clone(), "aws:SourceIp only holds public addresses: the private ranges here have no effect (use aws:VpcSourceIp for them).");
    }
}

fn private_not_ip_address_subset(ctx: &Ctx<'_>) {
    for (e, _, _) in private_source_ips(ctx).filter(|&(_, public, negated)| public && negated) {
        ctx.report(&PRIVATE_NOT_IP_ADDRESS_SUBSET, e.range, e.path.clone(), "aws:SourceIp only holds public addresses: the private ranges in NotIpAddress have no effect.");
    }
}

fn wildcard_without_like_operator(ctx: &Ctx<'_>) {
    for v in values(ctx, OperatorFamily::String) {
        let literal = matches!(
            v.op.base,
            BaseOperator::StringEquals
                | BaseOperator::StringNotEquals
                | BaseOperator::StringEqualsIgnoreCase
                | BaseOperator::StringNotEqualsIgnoreCase
        );
        let stripped = v.text.replace("${*}", "").replace("${?}", "");
        if literal && text_has_wildcard(&stripped) {
            let op = &v.c.op.name;
            let like = op
                .value
                .replace("StringEqualsIgnoreCase", "StringLike")
                .replace("StringNotEqualsIgnoreCase", "StringNotLike")
                .replace("StringEquals", "StringLike")
                .replace("StringNotEquals", "StringNotLike");
            ctx.report_fix(&WILDCARD_WITHOUT_LIKE_OPERATOR, v.range, v.path, format!("`{}` contains `*` or `?`, which `{}` compares literally. If you meant a wildcard, use `{like}`.", v.text, op.value), op.range, format!("\"{like}\""), format!("Use `{like}`"));
        }
    }
}

/// The String-operator values without a variable that the value form of their key is checked
/// on (a wildcard under a ...Like operator matches many, so it is not).
fn checked_strings<'c, 'a: 'c>(ctx: &'c Ctx<'a>) -> impl Iterator<Item = Value<'c, 'a>> + 'c {
    values(ctx, OperatorFamily::String).filter(|v| {
        let many = v.op.base.is_like() && text_has_wildcard(v.text);
        !text_has_variable(v.text) && !many
    })
}

fn invalid_region(ctx: &Ctx<'_>) {
    for v in checked_strings(ctx).filter(|v| v.c.key == "aws:requestedregion") {
        if !is_region_like(v.text) {
            ctx.report(
                &INVALID_REGION,
                v.range,
                v.path,
                format!("`{}` is not a region code (such as us-east-1).", v.text),
            );
        }
    }
}

fn invalid_account_id_value(ctx: &Ctx<'_>) {
    const ACCOUNT_KEYS: &[&str] = &[
        "aws:sourceaccount",
        "aws:principalaccount",
        "aws:resourceaccount",
        "kms:calleraccount",
        "aws:vpceaccount",
    ];
    for v in checked_strings(ctx).filter(|v| ACCOUNT_KEYS.contains(&v.c.key.as_str())) {
        if !is_account_id(v.text) {
            ctx.report(
                &INVALID_ACCOUNT_ID_VALUE,
                v.range,
                v.path,
                format!(
                    "`{}` is not an account id: {} holds a 12-digit account number.",
                    v.text, v.c.entry.key.value
                ),
            );
        }
    }
}

fn invalid_service_principal_format(ctx: &Ctx<'_>) {
    for v in checked_strings(ctx) {
        let text = v.text;
        let message = match v.c.key.as_str() {
            "kms:viaservice" => {
                // service.REGION.amazonaws.com
                let parts: Vec<&str> = text.split('.').collect();
                let ok = parts.len() == 4
                    && parts[2] == "amazonaws"
                    && parts[3] == "com"
                    && is_region_like(parts[1])
                    && !parts[0].is_empty();
                if ok {
                    continue;
                }
                let hint = if parts.len() == 4 && parts[1] == "region" {
                    format!(" `region` is a placeholder from the documentation: use the key's region, for example `{}.us-east-1.amazonaws.com`.", parts[0])
                } else {
                    String::new()
                };
                format!("`{text}` is not a kms:ViaService value: it is `SERVICE.REGION.amazonaws.com` (for example voiceid.us-west-2.amazonaws.com).{hint}")
            }
            "aws:principalservicename"
            | "aws:principalservicenameslist"
            | "aws:calledvia"
            | "aws:calledviafirst"
            | "aws:calledvialast" => {
                if (text.ends_with(".amazonaws.com") || text.ends_with(".amazon.com"))
                    && !text.contains(char::is_whitespace)
                {
                    continue;
                }
                format!("`{text}` is not a service principal (SERVICE.amazonaws.com).")
            }
            _ => continue,
        };
        ctx.report(&INVALID_SERVICE_PRINCIPAL_FORMAT, v.range, v.path, message);
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
