//! `callseal policy validate FILE... [--type T] [--identity-policy K] [--format text|json|sarif] [--no-service-data]`
//!
//! Validates IAM / KMS key policies (and, with `--type kms-grant`, KMS grants: a
//! `GrantListEntry` or a CloudTrail `CreateGrant` record) like a compiler: `file:line:col: severity CODE message`.
//! Exits 1 when any finding is an ERROR, 2 on usage or I/O errors, 0 otherwise. Service data
//! comes from `CALLSEAL_SERVICE_DATA` or `target/generated/service-data.bin`; without it the
//! checks that need it are skipped (with a note on stderr). `--identity-policy
//! managed|role|group|user` names the kind of identity policy, for its size quota (without it,
//! Access Analyzer's 10,240 characters), as `validatePolicy`'s `identityPolicy` does.

use callseal::policy::{
    validate_with, Catalog, Finding, IdentityPolicy, PolicyType, Severity, ValidateOptions,
};

const USAGE: &str = "usage: callseal policy validate FILE... [--type identity|resource|kms-key|trust|scp|rcp|kms-grant] [--identity-policy managed|role|group|user] [--format text|json|sarif] [--no-service-data]\n";

pub fn run(args: &[String]) -> i32 {
    match args.first().map(String::as_str) {
        Some("validate") => validate_cmd(&args[1..]),
        Some("--help") | Some("-h") => {
            print!("{USAGE}");
            0
        }
        _ => {
            eprint!("{USAGE}");
            2
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Text,
    Json,
    Sarif,
}

fn validate_cmd(args: &[String]) -> i32 {
    let mut files = Vec::new();
    // `None`: the files are KMS grants.
    let mut ty = Some(PolicyType::Identity);
    let mut format = Format::Text;
    let mut use_data = true;
    let mut identity_policy = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--type" | "-t" => match it.next().map(|v| (v, PolicyType::parse(v))) {
                Some((_, Some(t))) => ty = Some(t),
                Some((v, None)) if v == "kms-grant" => ty = None,
                _ => {
                    eprintln!("callseal policy validate: --type takes identity, resource, kms-key, trust, scp, rcp or kms-grant");
                    return 2;
                }
            },
            "--format" | "-f" => {
                format = match it.next().map(String::as_str) {
                    Some("text") => Format::Text,
                    Some("json") => Format::Json,
                    Some("sarif") => Format::Sarif,
                    _ => {
                        eprintln!("callseal policy validate: --format takes text, json or sarif");
                        return 2;
                    }
                }
            }
            "--identity-policy" => match it.next().and_then(|v| IdentityPolicy::parse(v)) {
                Some(k) => identity_policy = Some(k),
                None => {
                    eprintln!("callseal policy validate: --identity-policy takes managed, role, group or user");
                    return 2;
                }
            },
            "--no-service-data" => use_data = false,
            "--help" | "-h" => {
                print!("{USAGE}");
                return 0;
            }
            f if f.starts_with('-') && f != "-" => {
                eprintln!("callseal policy validate: unknown option `{f}`\n{USAGE}");
                return 2;
            }
            f => files.push(f.to_string()),
        }
    }
    if files.is_empty() {
        eprint!("{USAGE}");
        return 2;
    }
    if identity_policy.is_some() && ty != Some(PolicyType::Identity) {
        eprintln!(
            "callseal policy validate: --identity-policy is for --type identity (the default)"
        );
        return 2;
    }
    let catalog = if use_data && ty.is_some() {
        match Catalog::load_default() {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!(
                    "callseal policy validate: note: {}; checks that need service data are skipped",
                    e.message
                );
                None
            }
        }
    } else {
        None
    };
    let mut results: Vec<(String, Vec<Finding>)> = Vec::new();
    for f in &files {
        let text = if f == "-" {
            let mut s = String::new();
            if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut s) {
                eprintln!("callseal policy validate: stdin: {e}");
                return 2;
            }
            s
        } else {
            match std::fs::read(f) {
                Ok(b) => match String::from_utf8(b) {
                    Ok(s) => s,
                    Err(_) => {
                        eprintln!("callseal policy validate: {f}: not UTF-8 text");
                        return 2;
                    }
                },
                Err(e) => {
                    eprintln!("callseal policy validate: {f}: {e}");
                    return 2;
                }
            }
        };
        let findings = match ty {
            Some(policy_type) => validate_with(
                &text,
                ValidateOptions {
                    policy_type,
                    catalog: catalog.as_ref(),
                    identity_policy,
                },
            ),
            None => callseal::policy::grants::checks::validate_grant(&text),
        };
        results.push((f.clone(), findings));
    }
    match format {
        Format::Text => {
            for (f, fs) in &results {
                for x in fs {
                    println!(
                        "{f}:{}:{}: {} {} {}",
                        x.span.start.line,
                        x.span.start.column,
                        x.severity.as_str().to_ascii_lowercase().replace('_', " "),
                        x.code,
                        x.message
                    );
                }
            }
        }
        Format::Json => {
            let v: Vec<serde_json::Value> = results
                .iter()
                .map(|(f, fs)| serde_json::json!({ "file": f, "findings": fs }))
                .collect();
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        Format::Sarif => println!(
            "{}",
            serde_json::to_string_pretty(&sarif(&results)).unwrap_or_default()
        ),
    }
    let errors = results
        .iter()
        .flat_map(|(_, fs)| fs)
        .any(|x| x.severity == Severity::Error);
    i32::from(errors)
}

/// SARIF 2.1.0 (columns in Unicode code points, as the findings count them).
fn sarif(results: &[(String, Vec<Finding>)]) -> serde_json::Value {
    let rules: Vec<serde_json::Value> = callseal::policy::checks::all_checks()
        .iter()
        .map(|c| {
            let mut r = serde_json::json!({ "id": c.code, "shortDescription": { "text": c.doc } });
            if let Some(u) = c.learn_more {
                r["helpUri"] = serde_json::json!(u);
            }
            r
        })
        .collect();
    let level = |s: Severity| match s {
        Severity::Error => "error",
        Severity::SecurityWarning | Severity::Warning => "warning",
        Severity::Suggestion => "note",
    };
    let res: Vec<serde_json::Value> = results
        .iter()
        .flat_map(|(f, fs)| {
            fs.iter().map(move |x| {
                let mut r = serde_json::json!({
                    "ruleId": x.code,
                    "level": level(x.severity),
                    "message": { "text": x.message },
                    "properties": { "severity": x.severity.as_str(), "path": x.path },
                    "locations": [{ "physicalLocation": {
                        "artifactLocation": { "uri": f },
                        "region": {
                            "startLine": x.span.start.line, "startColumn": x.span.start.column,
                            "endLine": x.span.end.line, "endColumn": x.span.end.column,
                            "byteOffset": x.span.start.offset, "byteLength": x.span.end.offset - x.span.start.offset
                        }
                    }}]
                });
                if let Some(fix) = &x.fix {
                    r["fixes"] = serde_json::json!([{ "description": { "text": fix.description }, "artifactChanges": [{
                        "artifactLocation": { "uri": f },
                        "replacements": [{ "deletedRegion": {
                            "startLine": fix.span.start.line, "startColumn": fix.span.start.column,
                            "endLine": fix.span.end.line, "endColumn": fix.span.end.column
                        }, "insertedContent": { "text": fix.replacement } }]
                    }]}]);
                }
                r
            })
        })
        .collect();
    serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "callseal", "version": env!("CARGO_PKG_VERSION"), "informationUri": "https://github.com/callseal/callseal", "rules": rules } },
            "columnKind": "unicodeCodePoints",
            "results": res
        }]
    })
}
