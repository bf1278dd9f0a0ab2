//! KMS grants beyond the evaluation corpus (tests/policy/evaluate/grants.json, run by
//! tests/policy_evaluate.rs): the seed's CloudTrail record as published, and what a grant
//! the engine cannot fully read does to a policy set.
#![cfg(feature = "policy")]

use std::path::Path;

use callseal::policy::evaluate::{DecisionKind, PolicySet, PolicyTexts, Request};
use serde_json::{json, Value};

fn seed_record() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/policy/grants/voiceid-creategrant-cloudtrail.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("seed record")).expect("JSON")
}

const KEY: &str = "arn:aws:kms:us-west-2:111122223333:key/44444444-3333-2222-1111-EXAMPLE11111";
const DOMAIN: &str = "arn:aws:voiceid:us-west-2:111122223333:domain/sampleDomainId";

fn voice_request() -> Request {
    serde_json::from_value(json!({
        "principal": "voiceid.amazonaws.com", "action": "kms:Decrypt", "resource": KEY,
        "context": {"kms:EncryptionContext:aws:voiceid:domain:arn": DOMAIN}
    }))
    .unwrap()
}

/// The Voice ID CreateGrant record as the Connect guide prints it names the grantee
/// `"voiceid.amazonaws.com "` (trailing space). No caller is that principal; rather than
/// guess, evaluation refuses the record and says where.
#[test]
fn seed_record_as_published_is_refused_with_its_path() {
    let texts = PolicyTexts {
        grants: vec![seed_record()],
        ..Default::default()
    };
    let e = PolicySet::compile(&texts).expect_err("the published record has a padded principal");
    assert_eq!(e.code, callseal::ErrorCode::MalformedPolicy);
    assert!(
        e.message
            .starts_with("grants[0] requestParameters.granteePrincipal: `voiceid.amazonaws.com `"),
        "{}",
        e.message
    );
}

#[test]
fn seed_record_corrected_allows_voice_id_in_its_domain() {
    let mut record = seed_record();
    record["requestParameters"]["granteePrincipal"] = json!("voiceid.amazonaws.com");
    let set = PolicySet::compile(&PolicyTexts {
        grants: vec![record],
        ..Default::default()
    })
    .unwrap();
    let d = set.evaluate(&voice_request());
    assert_eq!(d.decision, DecisionKind::Allow, "{}", d.reason);
    let grant = &d.grants[0];
    assert_eq!(
        grant.label.grant_id.as_deref(),
        Some("00000000000000000000000000000cce47be074a8c379ed39f22b155c6e86af82")
    );
    // No policy allows Voice ID here: the reason names the grant, not a policy.
    assert_eq!(
        d.reason,
        "allowed by the KMS grant: grants[0] (00000000000000000000000000000cce47be074a8c379ed39f22b155c6e86af82)"
    );
    let v = serde_json::to_value(&d).unwrap();
    assert_eq!(
        v["grants"],
        json!([{"grant": "grants[0]", "grantId": "00000000000000000000000000000cce47be074a8c379ed39f22b155c6e86af82", "as": "grantee"}])
    );
}

/// A grant that is not fully readable refuses the whole set (never a decision without it).
#[test]
fn unreadable_grants_refuse_the_set() {
    for (grant, says) in [
        (
            json!({"KeyId": KEY, "GranteePrincipal": "voiceid.amazonaws.com", "Operations": ["Decrypt", "Decrpyt"]}),
            "grants[0] Operations[1]: `Decrpyt` is not a grant operation",
        ),
        (
            json!({"KeyId": KEY, "GranteePrincipal": "voiceid.amazonaws.com", "Operations": ["Decrypt"], "Constraints": {"EncryptionContextSubset": {"a": "b"}, "SourceArn": "x"}}),
            "grants[0] Constraints.SourceArn",
        ),
        (
            json!({"KeyId": KEY, "GranteePrincipal": "*", "Operations": ["Decrypt"]}),
            "no wildcard",
        ),
        (
            json!({"eventName": "CreateGrant", "requestParameters": {"keyId": KEY, "granteePrincipal": "voiceid.amazonaws.com", "operations": ["Decrypt"], "dryRun": true}}),
            "dry-run",
        ),
        (json!("a string"), "expected an object"),
    ] {
        let e = PolicySet::compile(&PolicyTexts {
            grants: vec![grant],
            ..Default::default()
        })
        .expect_err(says);
        assert_eq!(e.code, callseal::ErrorCode::MalformedPolicy);
        assert!(e.message.contains(says), "{}: {}", says, e.message);
    }
}

/// Grants only add Allows to KMS requests; an S3 request is untouched by a grant's key.
#[test]
fn grants_allow_only_their_operations_on_their_key() {
    let set = PolicySet::compile(&PolicyTexts {
        grants: vec![json!({"KeyId": "44444444-3333-2222-1111-EXAMPLE11111", "GranteePrincipal": "voiceid.amazonaws.com", "Operations": ["Decrypt"]})],
        ..Default::default()
    })
    .unwrap();
    // A grant's KeyId given as a key id names the key ARN with that id.
    assert_eq!(set.evaluate(&voice_request()).decision, DecisionKind::Allow);
    let mut other: Request = voice_request();
    other.action = "s3:GetObject".into();
    other.resource = "arn:aws:s3:::bucket/44444444-3333-2222-1111-EXAMPLE11111".into();
    assert_eq!(set.evaluate(&other).decision, DecisionKind::ImplicitDeny);
    other.action = "kms:Decrypt".into();
    other.resource =
        "arn:aws:kms:us-west-2:111122223333:alias/44444444-3333-2222-1111-EXAMPLE11111".into();
    assert_eq!(set.evaluate(&other).decision, DecisionKind::ImplicitDeny);
}

/// tests/policy/grants/validate.json: each case's grant (an object, or a text when the case is
/// about the text) and the exact findings `[code, path]` it must produce.
#[test]
fn grant_checks_corpus() {
    use callseal::policy::grants::checks::{validate_grant, CHECKS};
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/policy/grants/validate.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for c in doc["cases"].as_array().unwrap() {
        let text = match &c["grant"] {
            Value::String(s) => s.clone(),
            v => serde_json::to_string_pretty(v).unwrap(),
        };
        let findings = validate_grant(&text);
        let got: Vec<(String, String)> = findings
            .iter()
            .map(|f| (f.code.to_string(), f.path.clone()))
            .collect();
        let want: Vec<(String, String)> = c["expect"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e[0].as_str().unwrap().to_string(),
                    e[1].as_str().unwrap().to_string(),
                )
            })
            .collect();
        for f in &findings {
            seen.insert(f.code);
            // Spans point into the text at the element the path names.
            assert!(
                f.span.end.offset as usize <= text.len()
                    && f.span.start.offset <= f.span.end.offset
            );
            assert!(
                f.code == "JSON_SYNTAX_ERROR"
                    || f.learn_more
                        .is_some_and(|l| l.starts_with("https://docs.aws.amazon.com/")),
                "{}",
                f.code
            );
        }
        if got != want {
            failures.push(format!("{}: got {got:?}, want {want:?}", c["name"]));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let uncovered: Vec<&str> = CHECKS
        .iter()
        .map(|c| c.code)
        .filter(|c| !seen.contains(c))
        .collect();
    assert!(
        uncovered.is_empty(),
        "grant checks without a case: {uncovered:?}"
    );
}

/// The padded grantee's finding points at the string itself.
#[test]
fn malformed_grant_finding_spans_the_element() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/policy/grants/voiceid-creategrant-cloudtrail.json"),
    )
    .unwrap();
    let f = &callseal::policy::grants::checks::validate_grant(&text)[0];
    let at = &text[f.span.start.offset as usize..f.span.end.offset as usize];
    assert_eq!(at, "\"voiceid.amazonaws.com \"");
    assert_eq!(f.severity, callseal::policy::Severity::Error);
}

/// `callseal policy validate --type kms-grant` runs the grant checks (exit 1 on an ERROR).
#[cfg(feature = "cli")]
#[test]
fn cli_validates_grants() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_callseal"))
        .args(["policy", "validate", "--type", "kms-grant"])
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/policy/grants/voiceid-creategrant-cloudtrail.json"),
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(": error MALFORMED_GRANT `voiceid.amazonaws.com `"),
        "{stdout}"
    );
}
