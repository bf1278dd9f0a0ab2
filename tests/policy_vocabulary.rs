//! The validator and the evaluator read the policy language's values through one vocabulary
//! (`callseal::policy::iam`), so they agree on the same text: a value the validator reports as
//! unusable never lets the evaluator allow, and a value it accepts is read by the evaluator
//! with the meaning the validator assumed. Each case is text on which two copies of the
//! vocabulary used to disagree.
#![cfg(feature = "policy")]

mod policy_common;

use callseal::policy::evaluate::{evaluate, DecisionKind, PolicyTexts, Request};
use callseal::policy::{validate, validate_with, PolicyType, ValidateOptions};
use serde_json::{json, Value};

/// One Allow statement for `svc:Do`, with `resource` and `condition`.
fn policy(resource: Value, condition: Value) -> String {
    let mut st = json!({"Effect": "Allow", "Action": "svc:Do", "Resource": resource});
    if !condition.is_null() {
        st["Condition"] = condition;
    }
    json!({"Version": "2012-10-17", "Statement": [st]}).to_string()
}

fn codes(text: &str) -> Vec<&'static str> {
    validate(text, PolicyType::Identity)
        .into_iter()
        .map(|f| f.code)
        .collect()
}

/// The decision for `svc:Do` on `resource` with `context`, `None` when the policy set is
/// refused.
fn decide(text: &str, resource: &str, context: Value) -> Option<DecisionKind> {
    let request: Request = serde_json::from_value(json!({
        "principal": "arn:aws:iam::111122223333:user/alice",
        "action": "svc:Do",
        "resource": resource,
        "context": context,
    }))
    .expect("request");
    let policies = PolicyTexts {
        identity: vec![text.to_string()],
        ..Default::default()
    };
    evaluate(&request, &policies).ok().map(|d| d.decision)
}

/// `code` is reported and the request the value seems to allow is not allowed.
fn refused_by_both(text: &str, code: &str, resource: &str, context: Value) {
    let found = codes(text);
    assert!(
        found.contains(&code),
        "{text}: expected {code}, got {found:?}"
    );
    let decision = decide(text, resource, context);
    assert_ne!(
        decision,
        Some(DecisionKind::Allow),
        "{text}: the evaluator allowed"
    );
}

/// None of `codes_absent` is reported and the evaluator allows with the meaning assumed.
fn accepted_by_both(text: &str, codes_absent: &[&str], resource: &str, context: Value) {
    let found = codes(text);
    for c in codes_absent {
        assert!(!found.contains(c), "{text}: unexpected {c} in {found:?}");
    }
    let decision = decide(text, resource, context);
    assert_eq!(decision, Some(DecisionKind::Allow), "{text}");
}

#[test]
fn operator_names_are_case_sensitive_for_both() {
    // IAM refuses `stringequals` ("Invalid Condition type"); the evaluator read it as
    // StringEquals and allowed.
    let text = policy(
        json!("*"),
        json!({"stringequals": {"aws:PrincipalTag/team": "blue"}}),
    );
    refused_by_both(
        &text,
        "INVALID_CONDITION_OPERATOR",
        "*",
        json!({"aws:PrincipalTag/team": "blue"}),
    );
}

#[test]
fn impossible_calendar_date_is_refused_by_both() {
    // The validator took any day up to 31 in any month; the evaluator never matches it.
    let text = policy(
        json!("*"),
        json!({"DateLessThan": {"aws:CurrentTime": "2019-02-30"}}),
    );
    refused_by_both(
        &text,
        "TYPE_MISMATCH_DATE",
        "*",
        json!({"aws:CurrentTime": "2019-01-01T00:00:00Z"}),
    );
}

#[test]
fn w3c_date_forms_are_dates_for_both() {
    // A bare year (the W3C profile's `YYYY`) was called epoch seconds by the validator, and an
    // offset without a colon was called no date at all; the evaluator reads both as dates.
    for value in ["2020", "2020-06", "2020-01-01T00:00:00+0100"] {
        let text = policy(
            json!("*"),
            json!({"DateGreaterThan": {"aws:CurrentTime": value}}),
        );
        accepted_by_both(
            &text,
            &["TYPE_MISMATCH_DATE", "INVALID_DATE_VALUE"],
            "*",
            json!({"aws:CurrentTime": "2021-01-01T00:00:00Z"}),
        );
    }
}

#[test]
fn exponent_is_no_number_for_either() {
    let text = policy(
        json!("*"),
        json!({"NumericLessThan": {"aws:MultiFactorAuthAge": "1e3"}}),
    );
    refused_by_both(
        &text,
        "TYPE_MISMATCH_NUMBER",
        "*",
        json!({"aws:MultiFactorAuthAge": "10"}),
    );
}

#[test]
fn cidr_prefix_is_digits_only_for_both() {
    // The evaluator accepted a signed prefix and surrounding spaces; the validator did not.
    for value in ["203.0.113.0/+24", " 203.0.113.0/24"] {
        let text = policy(json!("*"), json!({"IpAddress": {"aws:SourceIp": value}}));
        refused_by_both(
            &text,
            "TYPE_MISMATCH_IP_RANGE",
            "*",
            json!({"aws:SourceIp": "203.0.113.5"}),
        );
    }
}

#[test]
fn question_mark_is_one_character_for_both() {
    // `?` stands for one character, not one byte: the validator's redundancy check compared
    // bytes and missed that `caf?` covers `café`, which the evaluator allows by `caf?`.
    let both = policy(
        json!(["arn:aws:s3:::caf?", "arn:aws:s3:::café"]),
        Value::Null,
    );
    let found = validate(&both, PolicyType::Identity);
    assert!(
        found
            .iter()
            .any(|f| f.code == "REDUNDANT_RESOURCE" && f.path == "Statement[0].Resource[1]"),
        "{found:?}"
    );
    let only_pattern = policy(json!("arn:aws:s3:::caf?"), Value::Null);
    assert_eq!(
        decide(&only_pattern, "arn:aws:s3:::café", json!({})),
        Some(DecisionKind::Allow)
    );
}

#[test]
fn star_ending_an_arn_segment_matches_across_colons_for_both() {
    // IAM User Guide, "Resource": "If the * wildcard is the last character of a resource ARN
    // segment, it can expand to match beyond the colon boundaries." AWSGlueServiceRole names
    // log groups and their streams this way.
    let Some(catalog) = policy_common::catalog_or_skip() else {
        return;
    };
    let text = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "logs:PutLogEvents",
        "Resource": "arn:aws:logs:*:*:/aws-glue/*"}]})
    .to_string();
    let found = validate_with(
        &text,
        ValidateOptions {
            policy_type: PolicyType::Identity,
            catalog: Some(&catalog),
            identity_policy: None,
        },
    );
    assert!(
        !found.iter().any(|f| f.code.starts_with("INVALID_ARN")),
        "{found:?}"
    );
    let stream = "arn:aws:logs:us-east-1:111122223333:log-group:/aws-glue/jobs:log-stream:run-1";
    let request: Request = serde_json::from_value(json!({
        "principal": "arn:aws:iam::111122223333:role/glue",
        "action": "logs:PutLogEvents",
        "resource": stream,
    }))
    .expect("request");
    let policies = PolicyTexts {
        identity: vec![text],
        ..Default::default()
    };
    let decision = evaluate(&request, &policies).expect("evaluates");
    assert_eq!(
        decision.decision,
        DecisionKind::Allow,
        "{}",
        decision.reason
    );
}

#[test]
fn region_star_reaches_past_the_account_only_where_that_denies_for_both() {
    // IAM User Guide, "IAM JSON policy elements: Resource"
    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards):
    // "If the * wildcard is the last character of a resource ARN segment, it can expand to
    // match beyond the colon boundaries", without saying which segments. Read for a `*` ending
    // the region too, it lets
    // `arn:aws:logs:*:log-group:/aws-glue/*` name the log group `/aws-glue/jobs` of every
    // account (the region's `*` taking `us-east-1:111122223333`). The evaluator reads that way
    // only where a wider match is stricter (a Deny's Resource); an Allow's Resource lets only
    // the account's `*` take colons (src/policy/iam/arn.rs, arn_match), so the Allow grants
    // nothing, and the validator reports the ARN as matching no resource type there, and only
    // there.
    let Some(catalog) = policy_common::catalog_or_skip() else {
        return;
    };
    let arn = "arn:aws:logs:*:log-group:/aws-glue/*";
    let group = "arn:aws:logs:us-east-1:111122223333:log-group:/aws-glue/jobs";
    let statement = |effect: &str| {
        json!({"Version": "2012-10-17", "Statement": [{
            "Effect": effect, "Action": "logs:DescribeLogGroups", "Resource": arn}]})
        .to_string()
    };
    let invalid_arn_resource = |text: &str| {
        validate_with(
            text,
            ValidateOptions {
                policy_type: PolicyType::Identity,
                catalog: Some(&catalog),
                identity_policy: None,
            },
        )
        .iter()
        .any(|f| f.code == "INVALID_ARN_RESOURCE")
    };
    let decide = |texts: Vec<String>| {
        let request: Request = serde_json::from_value(json!({
            "principal": "arn:aws:iam::111122223333:role/glue",
            "action": "logs:DescribeLogGroups",
            "resource": group,
        }))
        .expect("request");
        let policies = PolicyTexts {
            identity: texts,
            ..Default::default()
        };
        evaluate(&request, &policies).expect("evaluates").decision
    };
    let allow_all = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "*", "Resource": "*"}]})
    .to_string();

    assert!(invalid_arn_resource(&statement("Allow")));
    assert_eq!(decide(vec![statement("Allow")]), DecisionKind::ImplicitDeny);
    assert!(!invalid_arn_resource(&statement("Deny")));
    assert_eq!(
        decide(vec![allow_all, statement("Deny")]),
        DecisionKind::ExplicitDeny
    );
}
