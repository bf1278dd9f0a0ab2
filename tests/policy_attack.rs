//! Attacks on the evaluator's fail-closed rule: a policy the validator reports an ERROR on is
//! never decided into an Allow. A Deny whose action, resource or condition key is malformed
//! matches nothing; ignoring it would allow what its author meant to deny.
#![cfg(feature = "policy")]

use callseal::policy::evaluate::{PolicySet, PolicyTexts, Request};
use callseal::policy::{validate, PolicyType};
use serde_json::json;

const USER: &str = "arn:aws:iam::111122223333:user/alice";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn req(v: serde_json::Value) -> Request {
    serde_json::from_value(v).unwrap()
}

fn errors(text: &str, t: PolicyType) -> Vec<String> {
    validate(text, t)
        .into_iter()
        .filter(|f| format!("{:?}", f.severity) == "Error")
        .map(|f| format!("{} at {}", f.code, f.path))
        .collect()
}

/// Returns a description of the outcome: refused, or the decision.
fn outcome(texts: &PolicyTexts, r: &Request) -> String {
    match PolicySet::compile(texts) {
        Err(e) => format!("refused {:?}", e.code),
        Ok(set) => {
            let d = set.evaluate(r);
            format!("{:?}: {}", d.decision, d.reason)
        }
    }
}

fn allow_all() -> String {
    json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})
        .to_string()
}

/// Identity policies: an Allow-all plus a Deny the validator calls broken. Each case with an
/// ERROR finding is refused (INVALID_POLICY) or denied; the ones without an ERROR are decided.
#[test]
fn broken_identity_deny_never_yields_allow() {
    let r = req(json!({"principal": USER, "action": "kms:Decrypt", "resource": KEY}));
    let alone = PolicyTexts {
        identity: vec![allow_all()],
        kms_key_policy: Some("default".into()),
        ..Default::default()
    };
    assert!(
        outcome(&alone, &r).starts_with("Allow"),
        "{}",
        outcome(&alone, &r)
    );
    let mut failures = vec![];
    let mut refused = 0;
    let denies = [
        json!({"Effect":"Deny","Action":"kms:Decrypt ","Resource":"*"}),
        json!({"Effect":"Deny","Action":"kms Decrypt","Resource":"*"}),
        json!({"Effect":"Deny","Action":"kms:Decrypt","Resource":"arn:aws:kms:us-east-1:111122223333"}),
        json!({"Effect":"Deny","Action":"kms:Decrypt","Resource":"ARN:aws:kms:us-east-1:111122223333:key/*"}),
        json!({"Effect":"Deny","Action":"kms:Decrypt","Resource":"arn:aws:KMS:us-east-1:111122223333:key/*"}),
        json!({"Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":["false","true"]}}}),
        json!({"Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalArn":[USER, 5]}}}),
        json!({"Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Condition":{"NumericEquals":{"aws:MultiFactorAuthAge":"${aws:username}"}}}),
        json!({"Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:username":"alice"}, "stringEquals":{"aws:username":"x"}}}),
        json!({"Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag":"x"}}}),
        json!({"Effect":"Deny","Action":["kms:Decrypt"],"Resource":["*"],"Condition":{}}),
        json!({"Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{}}}),
        json!({"Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:username":[]}}}),
        json!({"Effect":"Deny","Action":"kms:*crypt","Resource":"*","Sid":"bad sid!"}),
        json!({"Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"yesterday"}}}),
        json!({"Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}}),
        json!({"Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Condition":{"NumericLessThan":{"kms:ExpirationModel":"abc"}}}),
        json!({"Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"awsusername":"alice"}}}),
        json!({"Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:usrname":"alice"}}}),
    ];
    for deny in denies {
        let p = json!({"Version":"2012-10-17","Statement":[deny]}).to_string();
        let errs = errors(&p, PolicyType::Identity);
        let texts = PolicyTexts {
            identity: vec![allow_all(), p.clone()],
            kms_key_policy: Some("default".into()),
            ..Default::default()
        };
        let got = outcome(&texts, &r);
        if !errs.is_empty() && !got.starts_with("refused InvalidPolicy") && !got.contains("Deny") {
            failures.push(format!("{p}\n  validator: {errs:?}\n  evaluate: {got}"));
        }
        refused += usize::from(got.starts_with("refused"));
    }
    assert!(failures.is_empty(), "fail-open:\n{}", failures.join("\n"));
    // The malformed action (2), resource (3) and condition (4) cases, and the two condition
    // keys no request carries (`awsusername`, `aws:usrname`).
    assert_eq!(refused, 11);
}

/// Key policies naming bob in ways IAM refuses or that do not name him (wildcards inside a
/// principal ARN, a lower-case `aws` principal type, an upper-case ARN, a bare string, `*` in
/// CanonicalUser / Federated, a padded account value) never give bob the key.
#[test]
fn broken_principals_never_yield_allow() {
    let mut failures = vec![];
    let bob = "arn:aws:iam::444455556666:user/bob";
    let kp = |st: serde_json::Value| json!({"Version":"2012-10-17","Statement":[st]}).to_string();
    let cases = [
        kp(
            json!({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:user/*"},"Action":"kms:Decrypt","Resource":"*"}),
        ),
        kp(
            json!({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::*:user/bob"},"Action":"kms:Decrypt","Resource":"*"}),
        ),
        kp(
            json!({"Effect":"Allow","Principal":{"AWS":"444455556666*"},"Action":"kms:Decrypt","Resource":"*"}),
        ),
        kp(
            json!({"Effect":"Allow","Principal":{"aws":"arn:aws:iam::444455556666:user/bob"},"Action":"kms:Decrypt","Resource":"*"}),
        ),
        kp(
            json!({"Effect":"Allow","Principal":{"AWS":"ARN:AWS:IAM::444455556666:USER/BOB"},"Action":"kms:Decrypt","Resource":"*"}),
        ),
        kp(
            json!({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:user/BOB"},"Action":"kms:Decrypt","Resource":"*"}),
        ),
        kp(
            json!({"Effect":"Allow","Principal":"arn:aws:iam::444455556666:user/bob","Action":"kms:Decrypt","Resource":"*"}),
        ),
        kp(
            json!({"Effect":"Allow","Principal":{"CanonicalUser":"*"},"Action":"kms:Decrypt","Resource":"*"}),
        ),
        kp(
            json!({"Effect":"Allow","Principal":{"Federated":"*"},"Action":"kms:Decrypt","Resource":"*"}),
        ),
        kp(
            json!({"Effect":"Allow","Principal":{"AWS":["*"]},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"444455556666 "}}}),
        ),
    ];
    let ident = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}).to_string();
    for (i, p) in cases.iter().enumerate() {
        let r = req(
            json!({"principal": if i == 5 {"arn:aws:iam::444455556666:user/bob"} else {bob}, "action": "kms:Decrypt", "resource": KEY}),
        );
        let errs = errors(p, PolicyType::KmsKey);
        let texts = PolicyTexts {
            identity: vec![ident.clone()],
            kms_key_policy: Some(p.clone()),
            ..Default::default()
        };
        let got = outcome(&texts, &r);
        if got.starts_with("Allow") && (!errs.is_empty() || i == 4) {
            failures.push(format!("{p}\n  validator: {errs:?}\n  evaluate: {got}"));
        }
    }
    assert!(failures.is_empty(), "fail-open:\n{}", failures.join("\n"));
}

/// A Deny in a key policy whose AWS principal IAM refuses (a group: IAM User Guide, "AWS JSON
/// policy elements: Principal", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html:
/// "You cannot identify a user group as a principal in a policy"; a name that is no ARN; an ARN
/// of another service) names nobody, so ignoring it would allow what its author meant to deny.
/// The validator reports INVALID_PRINCIPAL_FORMAT; compiling refuses with that finding. A Deny
/// naming alice's own ARN is read and decided.
#[test]
fn a_deny_naming_a_principal_iam_refuses_is_refused() {
    let r = req(json!({"principal": USER, "action": "kms:Decrypt", "resource": KEY}));
    let key_policy = |who: &str| {
        json!({"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
            {"Effect":"Deny","Principal":{"AWS":who},"Action":"kms:Decrypt","Resource":"*"}
        ]})
        .to_string()
    };
    let ident = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}).to_string();
    let texts = |who: &str| PolicyTexts {
        identity: vec![ident.clone()],
        kms_key_policy: Some(key_policy(who)),
        ..Default::default()
    };
    for who in [
        "arn:aws:iam::111122223333:group/contractors",
        "alice",
        "arn:aws:s3:::111122223333",
    ] {
        assert!(
            errors(&key_policy(who), PolicyType::KmsKey)
                .iter()
                .any(|e| e == "INVALID_PRINCIPAL_FORMAT at Statement[1].Principal.AWS"),
            "{who}: {:?}",
            errors(&key_policy(who), PolicyType::KmsKey)
        );
        let e = PolicySet::compile(&texts(who)).expect_err(who);
        assert_eq!(e.code, callseal::ErrorCode::InvalidPolicy, "{e}");
        assert!(
            e.message.starts_with(
                "kmsKeyPolicy: INVALID_PRINCIPAL_FORMAT at Statement[1].Principal.AWS"
            ),
            "{who}: {}",
            e.message
        );
    }
    let got = outcome(&texts(USER), &r);
    assert!(got.starts_with("ExplicitDeny"), "{got}");
}

/// A condition key no request carries (`awsusername`: not `prefix:name`; `aws:usrname`: not a
/// global key) is absent from every request, so the statement means something other than its
/// author wrote, whichever its effect: a Deny under `StringEquals` never applies, and an Allow
/// under `StringNotEquals` (or `...IfExists`, `Null: true`, `ForAllValues`) always does. Both
/// are refused, naming the finding; a well-formed `aws:` key IAM lists is decided.
#[test]
fn condition_keys_no_request_carries_are_refused_in_allow_and_deny() {
    let r = req(json!({"principal": USER, "action": "kms:Decrypt", "resource": KEY}));
    let with = |effect: &str, op: &str, key: &str, value: &str| {
        json!({"Version":"2012-10-17","Statement":[{"Effect":effect,"Action":"kms:Decrypt","Resource":"*","Condition":{op:{key:value}}}]})
            .to_string()
    };
    // Each of these conditions holds or fails whatever the request (its key is never there).
    let cases = [
        ("Deny", "StringEquals", "bob", "ImplicitDeny"),
        ("Allow", "StringNotEquals", "bob", "Allow"),
        ("Allow", "StringEqualsIfExists", "bob", "ImplicitDeny"),
        ("Allow", "Null", "true", "ImplicitDeny"),
        ("Allow", "ForAllValues:StringEquals", "bob", "ImplicitDeny"),
    ];
    for (effect, op, value, documented) in cases {
        for (key, code) in [
            ("awsusername", "INVALID_CONDITION_KEY_FORMAT"),
            ("aws:usrname", "INVALID_GLOBAL_CONDITION_KEY"),
            ("aws:", "INVALID_CONDITION_KEY_FORMAT"),
        ] {
            let texts = PolicyTexts {
                identity: vec![allow_all(), with(effect, op, key, value)],
                kms_key_policy: Some("default".into()),
                ..Default::default()
            };
            let e = PolicySet::compile(&texts).expect_err(key);
            assert_eq!(e.code, callseal::ErrorCode::InvalidPolicy, "{e}");
            let want = format!("identity[1]: {code} at Statement[0].Condition.{op}.{key} ");
            assert!(
                e.message.starts_with(&want),
                "{effect} {op} {key}: {}",
                e.message
            );
        }
        // The documented key (present: alice) is read and decided, without an Allow-all beside
        // it: alice is not bob, her username is not null, and her one value is not bob.
        let texts = PolicyTexts {
            identity: vec![with(effect, op, "aws:username", value)],
            kms_key_policy: Some("default".into()),
            ..Default::default()
        };
        let got = outcome(&texts, &r);
        assert!(got.starts_with(documented), "{effect} {op}: {got}");
    }
}

/// `*` in Resource / NotResource ARNs. IAM User Guide, "IAM JSON policy elements: Resource"
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards):
/// wildcards work "within the individual segments of an ARN"; "if the `*` wildcard is the last
/// character of a resource ARN segment, it can expand to match beyond the colon boundaries";
/// "you can't use a wildcard in the service segment". How far a segment-ending `*` reaches is
/// not settled by the guide: the one live test on record (AWS Glue Developer Guide, pull
/// request 71 on awsdocs/aws-glue-developer-guide: `arn:aws:logs:*:*:/aws-glue/*` "does work")
/// has the account's `*` reaching into the resource part; @cloud-copilot/iam-simulate matches
/// partition, service, region and account each on its own. So a statement is read the way
/// that grants less: an Allow's `Resource` (a Deny's `NotResource`) lets only the account's
/// `*` take colons, into the resource part; a Deny's `Resource` (an Allow's `NotResource`)
/// lets a `*` ending any segment take them. In the resource part every wildcard takes colons.
#[test]
fn arn_wildcards_across_colons_never_widen_an_allow() {
    let s3_evil = "arn:aws:s3:::evilbucket/x:111122223333:y";
    // An API of the caller's own account (444455556666) whose path holds the other account.
    let api_evil = "arn:aws:execute-api:us-east-1:444455556666:api1/prod/GET/x:111122223333:y";
    let mallory = "arn:aws:iam::444455556666:user/mallory";
    let glue_stream = "arn:aws:logs:us-east-1:111122223333:log-group:/aws-glue/x:log-stream:y";
    let st = |effect: &str, element: &str, pattern: &str| {
        json!({"Version":"2012-10-17","Statement":[{"Effect":effect,"Action":"*",element:pattern}]})
            .to_string()
    };
    // (what, policies, resource, expected decision)
    let cases = [
        // The account segment pins the account: an Allow's region `*` stops at its colon.
        (
            "Allow arn:aws:*:*:111122223333:* on an S3 object whose key holds the account",
            vec![st("Allow", "Resource", "arn:aws:*:*:111122223333:*")],
            s3_evil,
            "ImplicitDeny",
        ),
        (
            "Allow arn:aws:execute-api:*:111122223333:* on an API path that holds the account",
            vec![st(
                "Allow",
                "Resource",
                "arn:aws:execute-api:*:111122223333:*",
            )],
            api_evil,
            "ImplicitDeny",
        ),
        // A Deny reaches as far as the widest reading.
        (
            "Deny arn:aws:*:*:111122223333:* beside an Allow-all",
            vec![
                allow_all(),
                st("Deny", "Resource", "arn:aws:*:*:111122223333:*"),
            ],
            s3_evil,
            "ExplicitDeny",
        ),
        (
            "Deny arn:aws:execute-api:*:111122223333:* beside an Allow-all",
            vec![
                allow_all(),
                st("Deny", "Resource", "arn:aws:execute-api:*:111122223333:*"),
            ],
            api_evil,
            "ExplicitDeny",
        ),
        // NotResource the other way round.
        (
            "Allow NotResource arn:aws:*:*:111122223333:*",
            vec![st("Allow", "NotResource", "arn:aws:*:*:111122223333:*")],
            s3_evil,
            "ImplicitDeny",
        ),
        (
            "Deny NotResource arn:aws:execute-api:*:111122223333:* beside an Allow-all",
            vec![
                allow_all(),
                st(
                    "Deny",
                    "NotResource",
                    "arn:aws:execute-api:*:111122223333:*",
                ),
            ],
            api_evil,
            "ExplicitDeny",
        ),
        // The account's `*` reaches into the resource part (the Glue policies AWS attaches).
        (
            "Allow arn:aws:logs:*:*:/aws-glue/* on a Glue log stream",
            vec![st("Allow", "Resource", "arn:aws:logs:*:*:/aws-glue/*")],
            glue_stream,
            "Allow",
        ),
        (
            "Allow arn:aws:logs:*:*:/aws-lambda/* on a Glue log stream",
            vec![st("Allow", "Resource", "arn:aws:logs:*:*:/aws-lambda/*")],
            glue_stream,
            "ImplicitDeny",
        ),
        // In the resource part any wildcard takes colons.
        (
            "Allow ...:log-group:/aws-glue/x:* on its stream",
            vec![st(
                "Allow",
                "Resource",
                "arn:aws:logs:us-east-1:111122223333:log-group:/aws-glue/x:*",
            )],
            glue_stream,
            "Allow",
        ),
        (
            "Allow ...:log-group:*:log-stream:y",
            vec![st(
                "Allow",
                "Resource",
                "arn:aws:logs:us-east-1:111122223333:log-group:*:log-stream:y",
            )],
            glue_stream,
            "Allow",
        ),
        // Within a segment wildcards match as usual, the service's too (it then names other
        // services: Access Analyzer's WILDCARD_IN_SERVICE_NAME).
        (
            "Allow arn:aws:s*:*:*:* on an S3 object",
            vec![st("Allow", "Resource", "arn:aws:s*:*:*:*")],
            s3_evil,
            "Allow",
        ),
        (
            "Allow arn:aws:logs:us-*-1:111122223333:* on a Glue log stream",
            vec![st(
                "Allow",
                "Resource",
                "arn:aws:logs:us-*-1:111122223333:*",
            )],
            glue_stream,
            "Allow",
        ),
    ];
    let mut wrong = vec![];
    for (what, identity, resource, want) in cases {
        let principal = if resource == api_evil { mallory } else { USER };
        let r =
            req(json!({"principal": principal, "action": "s3:GetObject", "resource": resource}));
        let texts = PolicyTexts {
            identity,
            ..Default::default()
        };
        let got = outcome(&texts, &r);
        if !got.starts_with(&format!("{want}:")) {
            wrong.push(format!("{what}: want {want}, got {got}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
