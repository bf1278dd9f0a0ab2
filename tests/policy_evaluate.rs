//! Runs the evaluation corpus (tests/policy/evaluate/*.json) through the native evaluator.
//!
//! Each case's expected decision was derived by hand from AWS's documentation (the case's
//! `doc` field names the section; tests/policy/evaluate/generate.py holds the tables). The same
//! files are meant to be run through the wasm package in Node: a case's policies are JSON
//! objects, passed as `JSON.stringify(policy)` texts.
#![cfg(feature = "policy")]

mod policy_common;

use std::path::Path;

use callseal::policy::evaluate::{Level, PolicySet, PolicyTexts, Request};
use callseal::policy::Catalog;
use serde_json::Value;

fn text(v: &Value) -> String {
    serde_json::to_string(v).expect("policy serializes")
}

fn policies(v: &Value) -> PolicyTexts {
    let one = |k: &str| v.get(k).map(text);
    let levels = |k: &str| -> Vec<Level> {
        v.get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|l| match l.as_array() {
                        Some(many) => Level::Many(many.iter().map(text).collect()),
                        None => Level::One(text(l)),
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    PolicyTexts {
        identity: v
            .get("identity")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(text).collect())
            .unwrap_or_default(),
        resource: one("resource"),
        kms_key_policy: one("kmsKeyPolicy"),
        boundary: one("boundary"),
        session: one("session"),
        scps: levels("scps"),
        rcps: levels("rcps"),
        grants: v
            .get("grants")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
    }
}

/// Checks one case; `Err` says what differed. With the service catalog the case is evaluated
/// as the wasm package evaluates it (keys AWS never sends with the action ignored).
fn check(case: &Value, catalog: Option<&Catalog>) -> Result<(), String> {
    let request: Request =
        serde_json::from_value(case["request"].clone()).map_err(|e| format!("bad request: {e}"))?;
    let set =
        PolicySet::compile(&policies(&case["policies"])).map_err(|e| format!("compile: {e}"))?;
    let got = set.evaluate_with_catalog(request, catalog);
    let expect = &case["expect"];
    let mut problems = Vec::new();
    if expect["decision"].as_str() != Some(got.decision.as_str()) {
        problems.push(format!(
            "decision {} (expected {})",
            got.decision.as_str(),
            expect["decision"]
        ));
    }
    if let Some(want) = expect.get("statements").and_then(Value::as_array) {
        let mut want: Vec<(String, u64)> = want
            .iter()
            .map(|s| {
                (
                    s[0].as_str().unwrap_or_default().to_string(),
                    s[1].as_u64().unwrap_or(u64::MAX),
                )
            })
            .collect();
        let mut have: Vec<(String, u64)> = got
            .statements
            .iter()
            .map(|s| (s.policy.clone(), s.index as u64))
            .collect();
        want.sort();
        have.sort();
        if want != have {
            problems.push(format!("statements {have:?} (expected {want:?})"));
        }
    }
    if let Some(want) = expect.get("missingContextKeys").and_then(Value::as_array) {
        let mut want: Vec<String> = want
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_ascii_lowercase)
            .collect();
        let mut have: Vec<String> = got
            .missing_context_keys
            .iter()
            .map(|k| k.to_ascii_lowercase())
            .collect();
        want.sort();
        have.sort();
        if want != have {
            problems.push(format!("missing keys {have:?} (expected {want:?})"));
        }
    }
    if let Some(want) = expect.get("grants").and_then(Value::as_array) {
        let want: Vec<Value> = want.clone();
        let have: Vec<Value> = got
            .grants
            .iter()
            .map(|g| {
                serde_json::json!([
                    g.label.grant,
                    serde_json::to_value(g.capacity).unwrap_or_default()
                ])
            })
            .collect();
        if want != have {
            problems.push(format!("grants {have:?} (expected {want:?})"));
        }
    } else if !got.grants.is_empty() {
        problems.push(format!("grants {:?} (expected none)", got.grants));
    }
    if let Some(want) = expect.get("deniedBy").and_then(Value::as_str) {
        let have = got
            .denied_by
            .map(|g| serde_json::to_value(g).unwrap_or_default());
        if have.as_ref().and_then(Value::as_str) != Some(want) {
            problems.push(format!("deniedBy {have:?} (expected {want})"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{} [reason: {}]", problems.join("; "), got.reason))
    }
}

#[test]
fn evaluation_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/policy/evaluate");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let catalog = Catalog::load_default().ok();
    let (mut total, mut failures) = (0usize, Vec::new());
    for path in &files {
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("read corpus file"))
                .expect("corpus JSON");
        for case in doc["cases"].as_array().expect("cases array") {
            total += 1;
            for catalog in [None, catalog.as_ref()] {
                if let Err(e) = check(case, catalog) {
                    failures.push(format!(
                        "{}: {} ({} service data): {e}",
                        path.file_name().unwrap_or_default().to_string_lossy(),
                        case["name"].as_str().unwrap_or("?"),
                        if catalog.is_some() { "with" } else { "without" }
                    ));
                }
            }
        }
    }
    assert!(
        total >= 300,
        "the corpus should hold at least 300 cases, found {total}"
    );
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{total} evaluation cases passed");
}

#[test]
fn every_case_cites_documentation_and_has_a_decision() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/policy/evaluate");
    for entry in std::fs::read_dir(dir).expect("corpus directory").flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
        for case in doc["cases"].as_array().expect("cases") {
            let name = case["name"].as_str().unwrap_or("?");
            assert!(
                case["doc"].as_str().is_some_and(|d| d.len() > 10),
                "{name}: no doc citation"
            );
            assert!(
                matches!(
                    case["expect"]["decision"].as_str(),
                    Some("Allow" | "ExplicitDeny" | "ImplicitDeny")
                ),
                "{name}: bad decision"
            );
        }
    }
}

#[test]
fn malformed_policy_is_a_typed_error_naming_the_policy() {
    let texts = PolicyTexts {
        identity: vec!["{}".into(), "{\"Version\": ".into()],
        ..Default::default()
    };
    let e = PolicySet::compile(&texts).expect_err("second policy is not JSON");
    assert_eq!(e.code, callseal::ErrorCode::MalformedPolicy);
    assert!(e.message.starts_with("identity[1]"), "{}", e.message);
}

#[test]
fn decision_serializes_for_javascript() {
    let texts = PolicyTexts {
        identity: vec![r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#.into()],
        ..Default::default()
    };
    let request: Request = serde_json::from_str(
        r#"{"principal":"arn:aws:iam::111122223333:user/alice","action":"s3:GetObject","resource":"arn:aws:s3:::b/k","context":{"aws:SecureTransport":true}}"#,
    )
    .unwrap();
    let d = PolicySet::compile(&texts).unwrap().evaluate(&request);
    let v = serde_json::to_value(&d).unwrap();
    assert_eq!(v["decision"], "Allow");
    assert_eq!(v["statements"][0]["policy"], "identity[0]");
    assert_eq!(v["statements"][0]["sid"], "A");
    assert_eq!(v["statements"][0]["effect"], "Allow");
    assert_eq!(v["statements"][0]["span"]["start"]["line"], 1);
    assert_eq!(v["missingContextKeys"], serde_json::json!([]));
    assert!(v.get("deniedBy").is_none());
}

/// Throughput on the corpus (policies compiled once per case, as `PolicySet` is meant to be
/// used). A measurement, not an assertion: run with
/// `cargo test --release --no-default-features --features policy --test policy_evaluate -- --ignored --nocapture`
/// and compare with `node tests/policy/evaluate/compare-iam-simulate.mjs` on the same cases.
#[test]
#[ignore]
fn throughput() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/policy/evaluate");
    let mut prepared = Vec::new();
    let mut compile_inputs = Vec::new();
    for entry in std::fs::read_dir(dir).expect("corpus").flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
        for case in doc["cases"].as_array().expect("cases") {
            let texts = policies(&case["policies"]);
            let request: Request =
                serde_json::from_value(case["request"].clone()).expect("request");
            prepared.push((
                PolicySet::compile(&texts).expect("compile"),
                request.clone(),
            ));
            compile_inputs.push((texts, request));
        }
    }
    let rounds = 200;
    let start = std::time::Instant::now();
    let mut allows = 0usize;
    for _ in 0..rounds {
        for (set, request) in &prepared {
            allows += usize::from(
                set.evaluate(request).decision == callseal::policy::evaluate::DecisionKind::Allow,
            );
        }
    }
    let n = rounds * prepared.len();
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "compiled sets: {n} evaluations in {secs:.3}s = {:.0}/s ({allows} allows)",
        n as f64 / secs
    );
    let start = std::time::Instant::now();
    for _ in 0..20 {
        for (texts, request) in &compile_inputs {
            let _ = callseal::policy::evaluate::evaluate(request, texts).expect("evaluate");
        }
    }
    let n = 20 * compile_inputs.len();
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "parse+compile+evaluate: {n} in {secs:.3}s = {:.0}/s",
        n as f64 / secs
    );
}

/// A policy the evaluator cannot read completely is refused, never decided: each case is one
/// of issue 19's, a policy `validatePolicy` reports an ERROR for (or, for `Resource: []`, a list
/// IAM refuses: "Policy statement must contain resources") that, read as far as it makes sense,
/// would decide Allow. The refusal names the policy, the finding's code and its path and
/// position.
#[test]
fn broken_policies_are_refused_not_decided() {
    let key = "arn:aws:kms:us-east-1:111122223333:key/mine";
    let allow_all = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#;
    let deny = |body: &str| {
        format!(r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Guard",{body}}}]}}"#)
    };
    // (what, the broken policy, finding code, its path)
    let cases: Vec<(&str, String, &str, &str)> = vec![
        (
            "Allow with a misspelt Condition",
            deny(
                r#""Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Conditon":{"StringEquals":{"kms:EncryptionContext:dept":"OTHER"}}"#,
            ),
            "INVALID_POLICY_ELEMENT",
            "Statement[0].Conditon",
        ),
        (
            "Allow with Resources (plural) naming another key",
            deny(
                r#""Effect":"Allow","Action":"kms:Decrypt","Resources":"arn:aws:kms:us-east-1:111122223333:key/other""#,
            ),
            "INVALID_POLICY_ELEMENT",
            "Statement[0].Resources",
        ),
        (
            "Deny with Effect deny",
            deny(r#""Effect":"deny","Action":"kms:Decrypt","Resource":"*""#),
            "INVALID_EFFECT",
            "Statement[0].Effect",
        ),
        (
            "Deny with operator StringNotEqualz",
            deny(
                r#""Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Condition":{"StringNotEqualz":{"kms:EncryptionContext:dept":"MINE"}}"#,
            ),
            "INVALID_CONDITION_OPERATOR",
            "Statement[0].Condition.StringNotEqualz",
        ),
        (
            "Deny with NotActions",
            deny(r#""Effect":"Deny","NotActions":"kms:Encrypt","Resource":"*""#),
            "INVALID_POLICY_ELEMENT",
            "Statement[0].NotActions",
        ),
        (
            "Deny whose Action is an object",
            deny(r#""Effect":"Deny","Action":{"kms":"Decrypt"},"Resource":"*""#),
            "DATA_TYPE_MISMATCH",
            "Statement[0].Action",
        ),
        (
            "Deny with Resource []",
            deny(r#""Effect":"Deny","Action":"kms:Decrypt","Resource":[]"#),
            "EMPTY_ARRAY_RESOURCE",
            "Statement[0].Resource",
        ),
    ];
    let request: Request = serde_json::from_value(serde_json::json!({
        "principal": "arn:aws:iam::111122223333:user/alice", "action": "kms:Decrypt",
        "resource": key, "context": {"kms:EncryptionContext:dept": "MINE"}
    }))
    .unwrap();
    let default_key_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#;
    let mut problems = Vec::new();
    for (what, broken, code, path) in &cases {
        let texts = PolicyTexts {
            identity: vec![allow_all.into(), broken.clone()],
            kms_key_policy: Some(default_key_policy.into()),
            ..Default::default()
        };
        match callseal::policy::evaluate::evaluate(&request, &texts) {
            Ok(d) => problems.push(format!("{what}: decided {:?} ({})", d.decision, d.reason)),
            Err(e)
                if e.code != callseal::ErrorCode::InvalidPolicy
                    || !e.message.starts_with(&format!(
                        "identity[1]: {code} at {path} (line 1, column "
                    )) =>
            {
                problems.push(format!("{what}: {e}"))
            }
            Err(_) => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // A finding that needs the service data does not refuse: an unknown action matches nothing,
    // as in IAM (the Deny below never applies; the Allow decides).
    let unknown_action = PolicyTexts {
        identity: vec![
            allow_all.into(),
            deny(r#""Effect":"Deny","Action":"kms:Decryptt","Resource":"*""#),
        ],
        kms_key_policy: Some(default_key_policy.into()),
        ..Default::default()
    };
    let d = callseal::policy::evaluate::evaluate(&request, &unknown_action).expect("decided");
    assert_eq!(d.decision.as_str(), "Allow", "{}", d.reason);
    // The same refusal from whichever slot the policy is in (a key policy, an SCP level).
    let broken_key_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringNotEqualz":{"kms:EncryptionContext:dept":"MINE"}}}]}"#;
    let texts = PolicyTexts {
        identity: vec![allow_all.into()],
        kms_key_policy: Some(broken_key_policy.into()),
        ..Default::default()
    };
    let e = PolicySet::compile(&texts).expect_err("broken key policy");
    assert_eq!(e.code, callseal::ErrorCode::InvalidPolicy);
    assert!(
        e.message.starts_with(
            "kmsKeyPolicy: INVALID_CONDITION_OPERATOR at Statement[1].Condition.StringNotEqualz"
        ),
        "{}",
        e.message
    );
    let texts = PolicyTexts {
        identity: vec![allow_all.into()],
        scps: vec![Level::Many(vec![
            allow_all.into(),
            deny(r#""Effect":"deny","Action":"*","Resource":"*""#),
        ])],
        ..Default::default()
    };
    let e = PolicySet::compile(&texts).expect_err("broken SCP");
    assert!(
        e.message.starts_with("scps[0][1]: INVALID_EFFECT"),
        "{}",
        e.message
    );
}

/// Context keys are case-insensitive (KMS DG, "Case sensitivity of the encryption context
/// condition": the condition key, prefix and context-key, "is not case sensitive"), and
/// `kms:EncryptionContext:context-key` is single-valued. A request whose encryption context has
/// `Dept` and `dept` gives that one key two values, and AWS does not say which one a policy
/// sees: the evaluator denies it, in both directions of issue 19's example (the pair an Allow
/// wants plus another must not satisfy the Allow; the pair a Deny exempts must not defeat it).
#[test]
fn context_keys_differing_only_in_case_are_denied() {
    let key = "arn:aws:kms:us-east-1:111122223333:key/k";
    let key_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#;
    let allow_mine = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:Dept":"MINE"}}}]}"#;
    let allow_all = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}"#;
    let deny_others = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Condition":{"StringNotEquals":{"kms:EncryptionContext:Dept":"MINE"}}}]}"#;
    let request = |context: serde_json::Value| -> Request {
        serde_json::from_value(serde_json::json!({
            "principal": "arn:aws:iam::111122223333:user/alice", "action": "kms:Decrypt",
            "resource": key, "context": context
        }))
        .unwrap()
    };
    let sets = [
        ("Allow on Dept=MINE", vec![allow_mine.to_string()]),
        (
            "Deny unless Dept=MINE",
            vec![allow_all.to_string(), deny_others.to_string()],
        ),
    ];
    let mut problems = Vec::new();
    for (what, identity) in &sets {
        let set = PolicySet::compile(&PolicyTexts {
            identity: identity.clone(),
            kms_key_policy: Some(key_policy.into()),
            ..Default::default()
        })
        .unwrap();
        // One spelling: decided as before (MINE allowed, OTHER not).
        let one = set.evaluate(&request(
            serde_json::json!({"kms:EncryptionContext:dept": "MINE"}),
        ));
        assert_eq!(one.decision.as_str(), "Allow", "{what}: {}", one.reason);
        let other = set.evaluate(&request(
            serde_json::json!({"kms:EncryptionContext:Dept": "OTHER"}),
        ));
        assert_ne!(other.decision.as_str(), "Allow", "{what}: {}", other.reason);
        for (a, b) in [("OTHER", "MINE"), ("MINE", "OTHER")] {
            let d = set.evaluate(&request(serde_json::json!({
                "kms:EncryptionContext:Dept": a, "kms:EncryptionContext:dept": b
            })));
            let named = d.reason.contains("kms:EncryptionContext:Dept")
                && d.reason.contains("kms:EncryptionContext:dept");
            if d.decision.as_str() != "ImplicitDeny"
                || d.denied_by.map(|g| g.as_str()) != Some("ambiguousContext")
                || !named
                || !d.statements.is_empty()
            {
                problems.push(format!(
                    "{what}, Dept={a} dept={b}: {} {:?} ({})",
                    d.decision.as_str(),
                    d.denied_by,
                    d.reason
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Defaults are explicit (issue 19). KMS Developer Guide, "Key policies in AWS KMS": "the key
/// policy is the root of trust"; without a key policy nothing is assumed and a `kms:` request on
/// a key is denied, whatever the identity policy allows, unless a grant allows it. `kmsKeyPolicy:
/// "default"` stands for the default key policy (the key's own account allowed `kms:*`), and
/// the decision notes it. A role trust policy that was not given denies, and says so.
#[test]
fn kms_keys_need_a_key_policy_and_default_is_explicit() {
    let key = "arn:aws:kms:us-east-1:111122223333:key/k";
    let identity = vec![
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:*","sts:AssumeRole"],"Resource":"*"}]}"#
            .to_string(),
    ];
    let request = |principal: &str, action: &str, resource: &str| -> Request {
        serde_json::from_value(serde_json::json!({
            "principal": principal, "action": action, "resource": resource
        }))
        .unwrap()
    };
    let alice = "arn:aws:iam::111122223333:user/alice";
    let decide = |texts: &PolicyTexts, r: &Request| PolicySet::compile(texts).unwrap().evaluate(r);
    let only_identity = PolicyTexts {
        identity: identity.clone(),
        ..Default::default()
    };
    let d = decide(&only_identity, &request(alice, "kms:Decrypt", key));
    assert_eq!(d.decision.as_str(), "ImplicitDeny", "{}", d.reason);
    assert_eq!(
        d.denied_by.map(|g| g.as_str()),
        Some("resourcePolicyRequired")
    );
    assert!(
        d.reason.starts_with("no key policy was given"),
        "{}",
        d.reason
    );
    assert!(d.notes.is_empty());
    // A KMS grant still allows without the key policy: nothing stands in for the key policy,
    // but the grant is an authorization of its own (KMS DG, "Grants in AWS KMS").
    let with_grant = PolicyTexts {
        identity: identity.clone(),
        grants: vec![
            serde_json::json!({"KeyId": key, "GrantId": "g1", "GranteePrincipal": alice, "Operations": ["Decrypt"]}),
        ],
        ..Default::default()
    };
    let d = decide(&with_grant, &request(alice, "kms:Decrypt", key));
    assert_eq!(d.decision.as_str(), "Allow", "{}", d.reason);
    assert_eq!(d.grants.len(), 1, "{}", d.reason);
    // Not a request on a key (kms:ListKeys is authorised on "*"): the identity policy decides.
    let d = decide(&only_identity, &request(alice, "kms:ListKeys", "*"));
    assert_eq!(d.decision.as_str(), "Allow", "{}", d.reason);

    let default = PolicyTexts {
        identity: identity.clone(),
        kms_key_policy: Some("default".into()),
        ..Default::default()
    };
    let d = decide(&default, &request(alice, "kms:Decrypt", key));
    assert_eq!(d.decision.as_str(), "Allow", "{}", d.reason);
    let mut decided: Vec<(&str, usize)> = d
        .statements
        .iter()
        .map(|s| (s.policy.as_str(), s.index))
        .collect();
    decided.sort();
    assert_eq!(decided, [("identity[0]", 0), ("kmsKeyPolicy", 0)]);
    assert_eq!(d.notes.len(), 1);
    assert!(d.notes[0].contains("default key policy"), "{:?}", d.notes);
    // The default key policy names the key's own account, not the caller's.
    let bob = "arn:aws:iam::444455556666:user/bob";
    let d = decide(&default, &request(bob, "kms:Decrypt", key));
    assert_eq!(d.decision.as_str(), "ImplicitDeny", "{}", d.reason);
    // Without the identity policy the default key policy alone does not allow a user.
    let d = decide(
        &PolicyTexts {
            kms_key_policy: Some("default".into()),
            ..Default::default()
        },
        &request(alice, "kms:Decrypt", key),
    );
    assert_eq!(
        d.denied_by.map(|g| g.as_str()),
        Some("identity"),
        "{}",
        d.reason
    );

    let role = "arn:aws:iam::111122223333:role/Agent";
    let d = decide(&only_identity, &request(alice, "sts:AssumeRole", role));
    assert_eq!(d.decision.as_str(), "ImplicitDeny", "{}", d.reason);
    assert!(
        d.reason.starts_with("no role trust policy was given"),
        "{}",
        d.reason
    );
}

/// Context keys AWS never sends with the action are ignored, as IAM ignores them, with a note:
/// the service catalog lists `s3:max-keys` for `s3:ListBucket`, not for `s3:GetObject`, so the
/// `s3:max-keys` condition decides ListBucket and not GetObject (without the catalog it decides
/// both).
#[test]
fn context_keys_aws_never_sends_with_the_action_are_ignored_with_a_note() {
    let Some(catalog) = policy_common::catalog_or_skip() else {
        return;
    };
    let set = PolicySet::compile(&PolicyTexts {
        identity: vec![r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*","Condition":{"NumericLessThanEquals":{"s3:max-keys":"100"}}}]}"#.into()],
        ..Default::default()
    })
    .unwrap();
    let request = |action: &str, resource: &str| -> Request {
        serde_json::from_value(serde_json::json!({
            "principal": "arn:aws:iam::111122223333:user/alice", "action": action,
            "resource": resource, "context": {"s3:max-keys": 5, "aws:SecureTransport": true}
        }))
        .unwrap()
    };
    let get = request("s3:GetObject", "arn:aws:s3:::bucket/key");
    assert_eq!(set.evaluate(&get).decision.as_str(), "Allow");
    let d = set.evaluate_with_catalog(get, Some(&catalog));
    assert_eq!(d.decision.as_str(), "ImplicitDeny", "{}", d.reason);
    assert_eq!(d.missing_context_keys, ["s3:max-keys"]);
    assert_eq!(
        d.notes,
        ["context key s3:max-keys ignored: AWS does not send it with s3:GetObject (service catalog)"]
    );
    let d = set.evaluate_with_catalog(
        request("s3:ListBucket", "arn:aws:s3:::bucket"),
        Some(&catalog),
    );
    assert_eq!(d.decision.as_str(), "Allow", "{}", d.reason);
    assert!(d.notes.is_empty(), "{:?}", d.notes);
}
