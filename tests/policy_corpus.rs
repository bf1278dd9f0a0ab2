//! The real-policy corpora (tests/policy/corpus: the AWS managed policies and the KMS guide's key
//! policies) through the validator with the service data. Writes `tests/policy/corpus-report.md`
//! (every ERROR finding, by class, with why AWS is wrong there; counts of the other findings) and
//! fails when that differs from the committed report: a change in findings is a change in review.
//!
//! Every ERROR class must have an entry in [`WHY`]: on policies AWS wrote and IAM attaches, an
//! ERROR is only right where the service catalog shows the action, key or resource type does
//! not exist (or, in the guide's snippets, where the guide prints a placeholder).
#![cfg(feature = "policy")]

mod policy_common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;

use callseal::policy::evaluate::{DecisionKind, PolicySet, PolicyTexts, Request};
use callseal::policy::{validate_with, Catalog, Finding, PolicyType, Severity, ValidateOptions};

/// Why an ERROR of this class on a policy AWS published is AWS's mistake, not ours.
const WHY: &[(&str, &str)] = &[
    ("INVALID_ACTION", "The action is not in its service's action list in the service data (renamed, retired, or an API name that is not an IAM action, e.g. `s3:ListObjects`); IAM stores such actions but they never match a request."),
    ("INVALID_ARN_RESOURCE", "The ARN fits none of the resource types whose ARNs have this namespace in the service data (nor the ARNs AWS documents apart from it), so it names no resource that exists."),
    ("INVALID_SERVICE", "Neither a service prefix nor an ARN namespace in the service data (a retired service such as DeepRacer)."),
    ("INVALID_SERVICE_CONDITION_KEY", "The key is not among its service's condition keys in the service data."),
    ("INVALID_SERVICE_IN_ACTION", "The service prefix is not in the service data: the service was retired (Mobile Hub, IoT 1-Click, DeepRacer, DeepLens, Elastic Inference, ...) or never had IAM actions, so the entries grant nothing."),
    ("MISSING_ARN_ACCOUNT", "Every resource type of this ARN's namespace has an account id in its ARN (service data), so an ARN with an empty account field matches no resource."),
    ("MISSING_ARN_REGION", "Every resource type of this ARN's namespace has a region in its ARN (service data), so an ARN with an empty region field matches no resource."),
    ("MISSING_QUALIFIER", "The service data types the key as multivalued (`ArrayOf...`), which needs ForAnyValue / ForAllValues; Access Analyzer reports the same ERROR on AWS managed policies."),
    ("INVALID_SERVICE_PRINCIPAL_FORMAT", "The guide prints `region` as a placeholder in a kms:ViaService value; a literal `region` never matches a request."),
    ("KMS_KEY_POLICY_LOCKOUT", "The guide shows these statements on their own; as a whole key policy they lack the statement that keeps the account in control of the key, which KMS refuses unless its lockout safety check is bypassed."),
    ("PLACEHOLDER_VALUE", "The guide prints a placeholder (`your_user_or_role_ARN`) where a principal belongs; IAM refuses it as a principal."),
];

struct Corpus {
    title: &'static str,
    file: &'static str,
    policy_type: PolicyType,
    /// (name, policy text)
    policies: Vec<(String, String)>,
}

/// The (name, policy text) pairs of a gzipped JSON-lines corpus; `text` reads one line's policy.
fn read_corpus(file: &str, text: fn(&serde_json::Value) -> String) -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/policy/corpus")
        .join(file);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut lines)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    lines
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            (v["name"].as_str().expect("name").to_string(), text(&v))
        })
        .collect()
}

fn corpora() -> Vec<Corpus> {
    let managed = "aws-managed-policies-2026-08-22.jsonl.gz";
    let kms = "kms-key-policies-aws-docs.jsonl.gz";
    vec![
        Corpus {
            title: "AWS managed policies",
            file: managed,
            policy_type: PolicyType::Identity,
            policies: read_corpus(managed, |v| {
                serde_json::to_string(&v["document"]).expect("document")
            }),
        },
        Corpus {
            title: "KMS Developer Guide key policies",
            file: kms,
            policy_type: PolicyType::KmsKey,
            policies: read_corpus(kms, |v| v["text"].as_str().expect("text").to_string()),
        },
    ]
}

/// Table cells: no line breaks or pipes.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The flagged text, shortened for the report.
fn excerpt(text: &str, f: &Finding) -> String {
    let s = &text[f.span.start.offset as usize..f.span.end.offset as usize];
    let mut out: String = s.chars().take(90).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// `text` validated as `policy_type` with the service data.
fn validate_as(text: &str, policy_type: PolicyType, catalog: &Catalog) -> Vec<Finding> {
    validate_with(
        text,
        ValidateOptions {
            policy_type,
            catalog: Some(catalog),
            identity_policy: None,
        },
    )
}

fn report_corpus(
    out: &mut String,
    corpus: &Corpus,
    catalog: &Catalog,
    missing_why: &mut Vec<String>,
) {
    let mut errors: BTreeMap<&'static str, Vec<(String, String, String, String)>> = BTreeMap::new();
    let mut others: BTreeMap<(Severity, &'static str), usize> = BTreeMap::new();
    let mut by_severity: BTreeMap<Severity, usize> = BTreeMap::new();
    let mut with_error = 0;
    for (name, text) in &corpus.policies {
        let findings = validate_as(text, corpus.policy_type, catalog);
        let mut any_error = false;
        for f in &findings {
            *by_severity.entry(f.severity).or_default() += 1;
            if f.severity == Severity::Error {
                any_error = true;
                errors.entry(f.code).or_default().push((
                    name.clone(),
                    f.path.clone(),
                    excerpt(text, f),
                    f.message.clone(),
                ));
            } else {
                *others.entry((f.severity, f.code)).or_default() += 1;
            }
        }
        with_error += usize::from(any_error);
    }
    let _ = writeln!(
        out,
        "## {} ({} policies, `{}`, policyType `{}`)\n",
        corpus.title,
        corpus.policies.len(),
        corpus.file,
        corpus.policy_type.as_str()
    );
    let sev: Vec<String> = by_severity
        .iter()
        .map(|(s, n)| format!("{} {n}", s.as_str()))
        .collect();
    let _ = writeln!(
        out,
        "Findings: {}. Policies with an ERROR: {with_error}.\n",
        if sev.is_empty() {
            "none".to_string()
        } else {
            sev.join(", ")
        }
    );
    if !errors.is_empty() {
        let _ = writeln!(out, "### ERROR classes\n");
        let _ = writeln!(
            out,
            "| code | findings | policies | why AWS is wrong there |"
        );
        let _ = writeln!(out, "| --- | ---: | ---: | --- |");
        for (code, list) in &errors {
            let policies = list
                .iter()
                .map(|e| e.0.as_str())
                .collect::<std::collections::BTreeSet<_>>()
                .len();
            let why = WHY.iter().find(|(c, _)| c == code).map(|(_, w)| *w);
            if why.is_none() {
                missing_why.push(format!("{} in {}", code, corpus.title));
            }
            let _ = writeln!(
                out,
                "| {code} | {} | {policies} | {} |",
                list.len(),
                why.unwrap_or("**no reason known: a false positive until shown otherwise**")
            );
        }
        let _ = writeln!(out);
        for (code, list) in &errors {
            let _ = writeln!(out, "#### {code} ({})\n", list.len());
            let _ = writeln!(out, "| policy | path | text | message |");
            let _ = writeln!(out, "| --- | --- | --- | --- |");
            for (name, path, text, message) in list {
                let _ = writeln!(
                    out,
                    "| {} | {} | `{}` | {} |",
                    cell(name),
                    cell(path),
                    cell(text).replace('`', "'"),
                    cell(message)
                );
            }
            let _ = writeln!(out);
        }
    }
    if !others.is_empty() {
        let _ = writeln!(out, "### Other findings by code\n");
        let _ = writeln!(out, "| severity | code | findings |");
        let _ = writeln!(out, "| --- | --- | ---: |");
        for ((s, code), n) in &others {
            let _ = writeln!(out, "| {} | {code} | {n} |", s.as_str());
        }
        let _ = writeln!(out);
    }
}

#[test]
fn corpus_report() {
    let Some(catalog) = policy_common::catalog_or_skip() else {
        return;
    };
    let mut out = String::new();
    let _ = writeln!(out, "# Validation of the real-policy corpora\n");
    let _ = writeln!(
        out,
        "Written by `cargo test --test policy_corpus` (tests/policy_corpus.rs), which fails when \
         this file changes: review the difference and commit it. Corpora: tests/policy/corpus \
         (README there). Service data: {}.\n",
        catalog.source
    );
    let mut missing_why = Vec::new();
    for corpus in corpora() {
        report_corpus(&mut out, &corpus, &catalog, &mut missing_why);
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/policy/corpus-report.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != out {
        std::fs::write(&path, &out).unwrap();
    }
    let unused: Vec<&str> = WHY
        .iter()
        .map(|(code, _)| *code)
        .filter(|code| !out.contains(&format!("| {code} | ")))
        .collect();
    assert!(
        unused.is_empty(),
        "reasons for ERROR classes no longer found: {unused:?}"
    );
    assert!(
        missing_why.is_empty(),
        "ERROR classes without a reason why AWS is wrong there (false positives?): {missing_why:?}"
    );
    assert!(
        committed == out,
        "the corpus findings changed: {} rewritten; review `git diff` and commit it",
        path.display()
    );
}

/// The largest AWS managed policy, as IAM prints it (4-space indentation), is validated and
/// evaluated like any other: AWS attaches it, so no limit of ours may refuse it.
#[test]
fn largest_managed_policy_is_accepted() {
    let (name, compact) = read_corpus("aws-managed-policies-2026-08-22.jsonl.gz", |v| {
        serde_json::to_string(&v["document"]).expect("document")
    })
    .into_iter()
    .max_by_key(|(_, text)| text.len())
    .expect("a policy");
    assert_eq!(name, "AWSSupportServiceRolePolicy");
    let value: serde_json::Value = serde_json::from_str(&compact).unwrap();
    let mut printed = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    serde::Serialize::serialize(
        &value,
        &mut serde_json::Serializer::with_formatter(&mut printed, formatter),
    )
    .unwrap();
    let printed = String::from_utf8(printed).unwrap();
    assert!(printed.len() > 230_000, "{} bytes", printed.len());
    let findings = validate_with(
        &printed,
        ValidateOptions {
            policy_type: PolicyType::Identity,
            catalog: None,
            identity_policy: None,
        },
    );
    assert!(
        findings.iter().all(|f| f.code != "POLICY_LIMIT_EXCEEDED"),
        "{:?}",
        findings.iter().map(|f| f.code).collect::<Vec<_>>()
    );
    // The first action of the first statement on every resource.
    let action = value["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|st| st["Resource"] == "*" || st["Resource"][0] == "*")
        .and_then(|st| st["Action"][0].as_str())
        .expect("a statement on *");
    let request: Request = serde_json::from_value(serde_json::json!({
        "principal": "arn:aws:iam::111122223333:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport",
        "action": action,
        "resource": "*",
    }))
    .unwrap();
    let set = PolicySet::compile(&PolicyTexts {
        identity: vec![printed],
        ..Default::default()
    })
    .expect("the policy compiles");
    assert_eq!(
        set.evaluate(&request).decision,
        DecisionKind::Allow,
        "{action}"
    );
}

/// Every AWS managed policy compiles for evaluation: AWS attaches them all, so none may have a
/// finding the evaluator refuses (src/policy/evaluate/readable.rs). AWSSSOServiceRolePolicy's
/// `aws:PrincipalOrgMasterAccountId` is the one global key among them that the IAM User
/// Guide's global keys page does not list.
#[test]
fn every_managed_policy_compiles() {
    let refused: Vec<String> = read_corpus("aws-managed-policies-2026-08-22.jsonl.gz", |v| {
        serde_json::to_string(&v["document"]).expect("document")
    })
    .into_iter()
    .filter_map(|(name, text)| {
        let texts = PolicyTexts {
            identity: vec![text],
            ..Default::default()
        };
        PolicySet::compile(&texts)
            .err()
            .map(|e| format!("{name}: {e}"))
    })
    .collect();
    assert!(refused.is_empty(), "{}", refused.join("\n"));
}

/// The REDUNDANT_RESOURCE findings on the AWS managed policies, by class (docs/policy-checks.md,
/// "REDUNDANT_RESOURCE on the AWS managed policies", gives each class's verdict against Access
/// Analyzer's definition). Each finding names the entry and the wider entry of the same list that
/// covers it; the class is how the wider one reaches it.
#[test]
fn redundant_resource_classes_on_managed_policies() {
    let Some(catalog) = policy_common::catalog_or_skip() else {
        return;
    };
    let managed = &corpora()[0];
    let mut classes: BTreeMap<&str, usize> = BTreeMap::new();
    for (name, text) in &managed.policies {
        let findings = validate_as(text, managed.policy_type, &catalog);
        for f in findings.iter().filter(|f| f.code == "REDUNDANT_RESOURCE") {
            let quoted: Vec<&str> = f.message.split('`').skip(1).step_by(2).collect();
            let [covered, wider, ..] = quoted[..] else {
                panic!("{name}: {}", f.message)
            };
            let field = |arn: &str| arn.splitn(6, ':').nth(5).unwrap_or("").to_string();
            let class = match wider.strip_suffix('*') {
                Some(head) if covered.starts_with(head) => {
                    match covered[head.len()..].contains(':') {
                        true => "trailing * across a colon of the resource",
                        false => "trailing * over a longer path",
                    }
                }
                _ if field(covered).ends_with(&field(wider)) => "account * across colons",
                _ => "wildcard inside the name",
            };
            *classes.entry(class).or_default() += 1;
        }
    }
    let want = BTreeMap::from([
        ("trailing * over a longer path", 163),
        ("trailing * across a colon of the resource", 1),
        ("wildcard inside the name", 3),
        ("account * across colons", 1),
    ]);
    assert_eq!(classes, want);
}

/// Every policy of both corpora validated as each policy type, with the service data: how many
/// findings of each code each type gets. Written to `tests/policy/corpus-by-type.md`; the test
/// fails when that differs from the committed file, as [`corpus_report`] does. The checks of
/// the types the corpora are not (resource-based, trust, SCP and RCP policies: principals,
/// organization syntax, size quotas) run on real text this way too.
#[test]
fn corpus_findings_by_policy_type() {
    let Some(catalog) = policy_common::catalog_or_skip() else {
        return;
    };
    let types = [
        PolicyType::Identity,
        PolicyType::Resource,
        PolicyType::Trust,
        PolicyType::Scp,
        PolicyType::Rcp,
        PolicyType::KmsKey,
    ];
    let mut counts: BTreeMap<(&'static str, Severity), [usize; 6]> = BTreeMap::new();
    let mut policies = 0;
    for corpus in corpora() {
        policies += corpus.policies.len();
        for (_, text) in &corpus.policies {
            for (k, ty) in types.iter().enumerate() {
                for f in validate_as(text, *ty, &catalog) {
                    counts.entry((f.code, f.severity)).or_default()[k] += 1;
                }
            }
        }
    }
    let mut out = String::new();
    let _ = writeln!(out, "# The real-policy corpora as every policy type\n");
    let _ = writeln!(
        out,
        "Written by `cargo test --test policy_corpus` (tests/policy_corpus.rs, \
         corpus_findings_by_policy_type), which fails when this file changes: review the \
         difference and commit it. The {policies} policies of tests/policy/corpus, each validated \
         as each policy type with the service data ({}): the number of findings of each code.\n",
        catalog.source
    );
    let header: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
    let _ = writeln!(out, "| code | severity | {} |", header.join(" | "));
    let _ = writeln!(out, "| --- | --- |{}", " ---: |".repeat(types.len()));
    for ((code, severity), n) in &counts {
        let cells: Vec<String> = n.iter().map(|n| n.to_string()).collect();
        let _ = writeln!(
            out,
            "| {code} | {} | {} |",
            severity.as_str(),
            cells.join(" | ")
        );
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/policy/corpus-by-type.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != out {
        std::fs::write(&path, &out).unwrap();
    }
    assert!(
        committed == out,
        "the corpus findings by policy type changed: {} rewritten; review `git diff` and commit it",
        path.display()
    );
}
