//! The validation corpus: every case in tests/policy/validate/manifest.json is validated and its
//! findings (code + start line:column) must equal the expected ones exactly.
//!
//! Expected positions are written as `"L:C"` or as an anchor: the first occurrence (or the
//! `n`-th with `"anchor#n"`) of a piece of text in the policy, i.e. the token that should be
//! flagged. Anchors are resolved here, independently of the validator.
#![cfg(feature = "policy")]

mod policy_common;

use std::collections::BTreeMap;
use std::path::Path;

use callseal::policy::span::LineIndex;
use callseal::policy::{validate_with, Catalog, PolicyType, ValidateOptions};

#[derive(serde::Deserialize)]
struct Case {
    file: String,
    #[serde(rename = "type")]
    policy_type: String,
    /// Needs service data (skipped without it, which CI must not allow: see below).
    #[serde(default)]
    catalog: bool,
    /// [code, position] pairs.
    expect: Vec<(String, String)>,
    #[serde(default)]
    #[allow(dead_code)]
    source: Option<String>,
}

fn position(text: &str, lines: &LineIndex, at: &str) -> Option<(u32, u32)> {
    if let Some((l, c)) = at.split_once(':') {
        if let (Ok(l), Ok(c)) = (l.parse(), c.parse()) {
            return Some((l, c));
        }
    }
    let (anchor, nth) = match at.rsplit_once('#') {
        Some((a, n)) if n.parse::<usize>().is_ok() => (a, n.parse::<usize>().ok()?),
        _ => (at, 1),
    };
    let mut from = 0;
    let mut found = None;
    for _ in 0..nth {
        let i = text[from..].find(anchor)? + from;
        found = Some(i);
        from = i + 1;
    }
    let p = lines.position(text, found? as u32);
    Some((p.line, p.column))
}

#[test]
fn validation_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/policy/validate");
    let manifest: Vec<Case> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let catalog = Catalog::load_default().ok();
    if catalog.is_none() && std::env::var_os("CI").is_some() {
        panic!("service data missing: run `node scripts/gen-service-data.mjs` first");
    }
    let mut failures = Vec::new();
    let mut ran = 0;
    let mut codes_seen: BTreeMap<String, usize> = BTreeMap::new();
    for case in &manifest {
        if case.catalog && catalog.is_none() {
            continue;
        }
        let text = std::fs::read_to_string(dir.join("cases").join(&case.file))
            .unwrap_or_else(|e| panic!("{}: {e}", case.file));
        let ty = PolicyType::parse(&case.policy_type)
            .unwrap_or_else(|| panic!("{}: bad type", case.file));
        let lines = LineIndex::new(&text);
        let findings = validate_with(
            &text,
            ValidateOptions {
                policy_type: ty,
                catalog: if case.catalog { catalog.as_ref() } else { None },
                identity_policy: None,
            },
        );
        let mut got: Vec<String> = findings
            .iter()
            .map(|f| format!("{} {}:{}", f.code, f.span.start.line, f.span.start.column))
            .collect();
        let mut want: Vec<String> = case
            .expect
            .iter()
            .map(|(code, at)| {
                let (l, c) = position(&text, &lines, at)
                    .unwrap_or_else(|| panic!("{}: anchor `{at}` not found", case.file));
                format!("{code} {l}:{c}")
            })
            .collect();
        got.sort();
        want.sort();
        for f in &findings {
            *codes_seen.entry(f.code.to_string()).or_default() += 1;
        }
        ran += 1;
        if got != want {
            let detail: Vec<String> = findings
                .iter()
                .map(|f| {
                    format!(
                        "    {} {}:{} {}",
                        f.code, f.span.start.line, f.span.start.column, f.message
                    )
                })
                .collect();
            failures.push(format!(
                "{} ({}):\n  want {want:?}\n  got  {got:?}\n{}",
                case.file,
                case.policy_type,
                detail.join("\n")
            ));
        }
    }
    eprintln!(
        "validation corpus: {ran} cases run, {} distinct codes seen",
        codes_seen.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {ran} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every check code the validator declares appears in at least one expectation of the corpus.
#[test]
fn corpus_covers_every_check() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/policy/validate");
    let manifest: Vec<Case> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let expected: std::collections::BTreeSet<&str> = manifest
        .iter()
        .flat_map(|c| c.expect.iter().map(|(code, _)| code.as_str()))
        .collect();
    let missing: Vec<&str> = callseal::policy::checks::all_checks()
        .iter()
        .map(|c| c.code)
        .filter(|c| !expected.contains(c))
        .collect();
    eprintln!(
        "checks: {}, covered by the corpus: {}",
        callseal::policy::checks::all_checks().len(),
        callseal::policy::checks::all_checks().len() - missing.len()
    );
    assert!(
        missing.is_empty(),
        "checks without a corpus case: {missing:?}"
    );
}

#[test]
fn check_codes_are_unique() {
    let all = callseal::policy::checks::all_checks();
    let mut codes: Vec<&str> = all.iter().map(|c| c.code).collect();
    codes.sort();
    let n = codes.len();
    codes.dedup();
    assert_eq!(n, codes.len(), "duplicate check codes");
}

/// A realistic ~6 KB identity policy (the size the playground validates on every keystroke).
pub fn six_kb_policy() -> String {
    let mut stmts = Vec::new();
    let mut i = 0;
    while serde_json::to_string_pretty(&stmts).unwrap().len() < 5800 {
        stmts.push(serde_json::json!({
            "Sid": format!("Statement{i}"),
            "Effect": "Allow",
            "Action": ["connect:DescribeContactFlow", "connect:ListContactFlows", "connect:Describe*", "s3:GetObject", "kms:Decrypt"],
            "Resource": [format!("arn:aws:connect:us-east-1:111122223333:instance/{i:08}/*"), format!("arn:aws:s3:::recordings-{i}/connect/*")],
            "Condition": {"StringEquals": {"aws:PrincipalTag/team": "${aws:username}", "kms:ViaService": "s3.us-east-1.amazonaws.com"}, "Bool": {"aws:SecureTransport": "true"}}
        }));
        i += 1;
    }
    serde_json::to_string_pretty(&serde_json::json!({"Version": "2012-10-17", "Statement": stmts}))
        .unwrap()
}

/// Validation cost, measured natively (run with `cargo test --release --test policy_validate
/// -- --ignored --nocapture`); the browser figure comes from the wasm benchmark.
#[test]
#[ignore]
fn validation_cost_6kb() {
    let text = six_kb_policy();
    let catalog = Catalog::load_default().ok();
    for (label, cat) in [
        ("without service data", None),
        ("with service data", catalog.as_ref()),
    ] {
        let opts = ValidateOptions {
            policy_type: PolicyType::Identity,
            catalog: cat,
            identity_policy: None,
        };
        let mut times = Vec::new();
        let mut n = 0;
        for _ in 0..200 {
            let t = std::time::Instant::now();
            n += validate_with(&text, opts).len();
            times.push(t.elapsed());
        }
        times.sort();
        eprintln!("6 KB policy ({} bytes), {label}: min {:?}, median {:?}, p90 {:?} ({} findings per run)", text.len(), times[0], times[100], times[180], n / 200);
    }
}

#[test]
#[ignore]
fn validation_cost_breakdown() {
    let text = six_kb_policy();
    let t = std::time::Instant::now();
    for _ in 0..200 {
        std::hint::black_box(callseal::policy::json::parse(&text).is_ok());
    }
    eprintln!("json parse: {:?} per run", t.elapsed() / 200);
    let t = std::time::Instant::now();
    for _ in 0..200 {
        std::hint::black_box(callseal::policy::Policy::parse(&text).is_ok());
    }
    eprintln!("model: {:?} per run", t.elapsed() / 200);
}

/// Messages name the service with the right article, and a transposed action gets its
/// suggestion (and fix) like a misspelt one.
#[test]
fn suggestions_and_articles() {
    let Some(catalog) = policy_common::catalog_or_skip() else {
        return;
    };
    let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Decrpyt","s3:ListObjects","connect:GetCurrentMetricDatas"],"Resource":"*","Condition":{"StringEquals":{"aws:SourceIp":"203.0.113.1"}}}]}"#;
    let findings = validate_with(
        text,
        ValidateOptions {
            policy_type: PolicyType::Identity,
            catalog: Some(&catalog),
            identity_policy: None,
        },
    );
    let message = |value: &str| {
        findings
            .iter()
            .find(|f| text[f.span.start.offset as usize..].starts_with(&format!("\"{value}\"")))
            .unwrap_or_else(|| panic!("no finding at {value}: {findings:?}"))
    };
    let decrypt = message("kms:Decrpyt");
    assert_eq!(
        decrypt.message,
        "`kms:Decrpyt` is not an AWS Key Management Service action; did you mean `kms:Decrypt`?"
    );
    assert_eq!(decrypt.fix.as_ref().unwrap().replacement, "\"kms:Decrypt\"");
    assert_eq!(
        message("s3:ListObjects").message,
        "`s3:ListObjects` is not an Amazon S3 action."
    );
    assert!(message("connect:GetCurrentMetricDatas")
        .message
        .contains("did you mean `connect:GetCurrentMetricData`?"));
    let ip_key = findings.iter().find(|f| f.code == "TYPE_MISMATCH").unwrap();
    assert_eq!(
        ip_key.message,
        "`aws:SourceIp` is an IPAddress key: use an IpAddress / NotIpAddress operator instead of `StringEquals`."
    );
}

/// A policy with `n` one-action statements (about 63 non-whitespace characters each).
fn policy(n: usize) -> String {
    let st: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/{i:04}"}}"#))
        .collect();
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
        st.join(", ")
    )
}

/// The identity policy size warning measures against the quota of the kind of policy the
/// caller names, and against Access Analyzer's 10,240 characters when it names none.
#[test]
fn identity_policy_size_quota_by_kind() {
    use callseal::policy::IdentityPolicy;
    let size_warning = |text: &str, kind: Option<IdentityPolicy>| {
        validate_with(
            text,
            ValidateOptions {
                policy_type: PolicyType::Identity,
                catalog: None,
                identity_policy: kind,
            },
        )
        .into_iter()
        .find(|f| f.code == "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA")
        .map(|f| f.message)
    };
    let chars = |t: &str| t.chars().filter(|c| !c.is_whitespace()).count();
    let seven_k = policy(110);
    assert!(
        (6_144..10_240).contains(&chars(&seven_k)),
        "{}",
        chars(&seven_k)
    );
    assert_eq!(size_warning(&seven_k, None), None);
    assert_eq!(size_warning(&seven_k, Some(IdentityPolicy::Role)), None);
    let managed = size_warning(&seven_k, Some(IdentityPolicy::Managed)).unwrap();
    assert!(managed.ends_with("; the quota for a managed policy is 6144. Split it into several policies or remove redundant entries."), "{managed}");
    assert!(size_warning(&seven_k, Some(IdentityPolicy::Group)).is_some());
    let three_k = policy(45);
    assert!((2_048..5_120).contains(&chars(&three_k)));
    assert!(size_warning(&three_k, Some(IdentityPolicy::User)).is_some());
    assert_eq!(size_warning(&three_k, Some(IdentityPolicy::Group)), None);
    let eleven_k = policy(170);
    assert!(chars(&eleven_k) > 10_240);
    assert!(size_warning(&eleven_k, None)
        .unwrap()
        .contains("Access Analyzer"));
}

/// `callseal policy validate --identity-policy K` holds the policy to K's quota, as the API's
/// `identityPolicy` does; the flag is for identity policies only, and other kinds are usage
/// errors (exit 2).
#[cfg(feature = "cli")]
#[test]
fn cli_identity_policy_kind() {
    use std::io::Write;
    let run = |args: &[&str], text: &str| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_callseal"))
            .args(["policy", "validate", "-", "--no-service-data"])
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // A usage error exits before reading stdin: the write then meets a closed pipe, which
        // is that case's expected outcome, not a failure (the exit code is asserted below).
        let written = child.stdin.take().unwrap().write_all(text.as_bytes());
        if let Err(e) = written {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // About 7,000 characters: over a managed policy's and a group's quota, under a role's and
    // Access Analyzer's default.
    let seven_k = policy(110);
    let warned = |out: &str| out.contains(": warning POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA ");
    let (code, out, _) = run(&[], &seven_k);
    assert_eq!(code, Some(0));
    assert!(!warned(&out), "{out}");
    let (code, out, _) = run(&["--identity-policy", "managed"], &seven_k);
    assert_eq!(code, Some(0));
    assert!(
        warned(&out) && out.contains("the quota for a managed policy is 6144"),
        "{out}"
    );
    let (_, out, _) = run(&["--identity-policy", "group"], &seven_k);
    assert!(
        warned(&out) && out.contains("a group's inline policies together"),
        "{out}"
    );
    let (_, out, _) = run(&["--identity-policy", "role"], &seven_k);
    assert!(!warned(&out), "{out}");
    let (_, out, _) = run(&["--identity-policy", "user"], &policy(45));
    assert!(warned(&out), "{out}");
    let (code, _, err) = run(&["--identity-policy", "inline"], &seven_k);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("--identity-policy takes managed, role, group or user"),
        "{err}"
    );
    let (code, _, err) = run(
        &["--type", "kms-key", "--identity-policy", "role"],
        &seven_k,
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("--identity-policy is for --type identity"),
        "{err}"
    );
}

/// docs/policy-checks.md lists every check of Access Analyzer's reference with what callseal
/// does with it, and every check of the registry: "yes" rows are checks of that severity,
/// "no: SEVERITY" rows checks of another severity, "no" rows are not checks, and the registry
/// has nothing the page does not list.
#[test]
fn checks_table_matches_the_registry() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/policy-checks.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let own = doc
        .split_once("## callseal's own checks")
        .expect("own checks section")
        .1;
    let cells = |line: &str| -> Vec<String> {
        line.trim_matches('|')
            .split(" | ")
            .map(|c| c.trim().to_string())
            .collect()
    };
    let rows = |section: &str| -> Vec<Vec<String>> {
        section
            .lines()
            .filter(|l| {
                l.starts_with("| ") && l.as_bytes().get(2).is_some_and(u8::is_ascii_uppercase)
            })
            .map(cells)
            .filter(|c| c[0].bytes().all(|b| b.is_ascii_uppercase() || b == b'_'))
            .collect()
    };
    let registry = callseal::policy::checks::all_checks();
    let find = |code: &str| registry.iter().find(|c| c.code == code);
    let mut listed = std::collections::BTreeSet::new();
    let mut problems = Vec::new();
    let aa = doc.split_once("## callseal's own checks").unwrap().0;
    for row in rows(aa) {
        let (code, aa_type, here) = (&row[0], &row[1], &row[2]);
        listed.insert(code.clone());
        match (here.as_str(), find(code)) {
            ("yes", Some(c)) if c.severity.as_str() == aa_type => {}
            ("yes", c) => {
                problems.push(format!("{code}: yes, registry {:?}", c.map(|c| c.severity)))
            }
            ("no", None) => {}
            (no, Some(c)) if no.strip_prefix("no: ") == Some(c.severity.as_str()) => {}
            (other, c) => problems.push(format!(
                "{code}: `{other}`, registry {:?}",
                c.map(|c| c.severity)
            )),
        }
    }
    for row in rows(own) {
        listed.insert(row[0].clone());
        match find(&row[0]) {
            Some(c) if c.severity.as_str() == row[1] => {}
            c => problems.push(format!(
                "{}: own check {}, registry {:?}",
                row[0],
                row[1],
                c.map(|c| c.severity)
            )),
        }
    }
    for c in &registry {
        if !listed.contains(c.code) {
            problems.push(format!("{} is not on docs/policy-checks.md", c.code));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// With service data, REDUNDANT_ACTION weighs what each entry matches, in lists of any length:
/// 420 EC2 actions beside `ec2:*` are all redundant.
#[test]
fn redundant_actions_in_long_lists() {
    let Some(catalog) = policy_common::catalog_or_skip() else {
        return;
    };
    let ec2 = catalog.service("ec2").unwrap();
    let mut actions: Vec<String> = ec2
        .actions
        .iter()
        .take(420)
        .map(|a| format!("ec2:{}", a.name))
        .collect();
    assert_eq!(actions.len(), 420);
    actions.push("ec2:*".into());
    let text = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]
    })
    .to_string();
    let redundant = validate_with(
        &text,
        ValidateOptions {
            policy_type: PolicyType::Identity,
            catalog: Some(&catalog),
            identity_policy: None,
        },
    )
    .into_iter()
    .filter(|f| f.code == "REDUNDANT_ACTION")
    .count();
    assert_eq!(redundant, 420);
}
