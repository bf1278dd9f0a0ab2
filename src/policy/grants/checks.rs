//! Checks of one grant (`validateGrant`), in the style of the policy checks: a stable code, a
//! severity, a learn-more link into the KMS documentation, the path and span of the element.
//!
//! What "wider than the grantee needs" means here, exactly:
//! - the grantee is a service whose documentation lists the KMS operations it uses
//!   ([`SERVICES`], from the Amazon Connect Administrator Guide's "Encryption at rest" and the
//!   project's source documents): every other operation in its grant is
//!   `GRANT_OPERATION_NOT_NEEDED`;
//! - any grantee: operations that no single KMS key supports together (a key has one key
//!   usage, and e.g. `GenerateMac` needs an HMAC key while `GenerateDataKey` needs a symmetric
//!   encryption key) are `GRANT_OPERATIONS_WITHOUT_COMMON_KEY_USAGE`: some of them can never be
//!   used, so the grant lists more than anyone can need.

use super::super::checks::{checks, Check};
use super::super::evaluate::request::{Principal, PrincipalKind};
use super::super::finding::Finding;
use super::super::json;
use super::super::model::Source;
use super::super::span::TextRange;
use super::ops::Usage;
use super::parse::{self, Field, Grant};

mod links {
    pub const GRANT_CONSTRAINTS: Option<&str> =
        Some("https://docs.aws.amazon.com/kms/latest/developerguide/create-grant-overview.html#grant-constraints");
    pub const GRANT_CREATEGRANT: Option<&str> =
        Some("https://docs.aws.amazon.com/kms/latest/developerguide/create-grant-overview.html#grant-creategrant");
    pub const GRANT_LIST_ENTRY: Option<&str> =
        Some("https://docs.aws.amazon.com/kms/latest/APIReference/API_GrantListEntry.html");
    pub const CONNECT_ENCRYPTION: Option<&str> =
        Some("https://docs.aws.amazon.com/connect/latest/adminguide/encryption-at-rest.html");
    pub const KEY_USAGE: Option<&str> = Some(
        "https://docs.aws.amazon.com/kms/latest/developerguide/symm-asymm-choose-key-usage.html",
    );
}

checks! {
    MALFORMED_GRANT = (Error, "The text is not a grant callseal can read (a GrantListEntry or a CloudTrail CreateGrant record): a missing or mistyped field, an unknown operation or constraint, a principal with surrounding whitespace. Evaluation refuses it.", links::GRANT_LIST_ENTRY);
    GRANT_TO_SERVICE_WITHOUT_CONSTRAINTS = (SecurityWarning, "A grant to a service principal allows operations that take an encryption context without an encryption-context constraint: the service may use the key for any resource, not only yours.", links::GRANT_CONSTRAINTS);
    GRANT_CREATE_GRANT_WITHOUT_CONSTRAINTS = (SecurityWarning, "CreateGrant is among the grant's operations and the grant has no encryption-context constraint: the grantee can pass the grant's operations on to any principal, for any encryption context.", links::GRANT_CREATEGRANT);
    GRANT_OPERATION_NOT_NEEDED = (Warning, "The grantee is a service whose documentation lists the KMS operations it uses, and this operation is not among them.", links::CONNECT_ENCRYPTION);
    GRANT_OPERATIONS_WITHOUT_COMMON_KEY_USAGE = (Warning, "No KMS key supports all of the grant's operations (a key has one key usage): some of them can never be used.", links::KEY_USAGE);
    GRANT_CONSTRAINT_KEYS_DIFFER_ONLY_IN_CASE = (Warning, "Two encryption-context pairs of a constraint differ only in the case of their keys; KMS compares constraint keys case-insensitively, so both must hold for one key.", links::GRANT_CONSTRAINTS);
}

/// A service whose documentation lists the KMS operations it uses on a customer managed key.
pub struct ServiceNeeds {
    pub principal: &'static str,
    pub operations: &'static [&'static str],
    /// Where the list comes from.
    pub source: &'static str,
}

/// The services whose needs are documented in the project's source documents.
pub const SERVICES: &[ServiceNeeds] = &[
    ServiceNeeds {
        principal: "voiceid.amazonaws.com",
        operations: &[
            "DescribeKey",
            "GenerateDataKey",
            "GenerateDataKeyWithoutPlaintext",
            "Decrypt",
            "ReEncryptFrom",
            "ReEncryptTo",
        ],
        source: "Amazon Connect Administrator Guide, Encryption at rest, \"How Amazon Connect Voice ID uses grants in AWS KMS\" (DescribeKey, GenerateDataKey, Decrypt, ReEncrypt) and the CloudTrail records it shows (GenerateDataKeyWithoutPlaintext, ReEncrypt)",
    },
    ServiceNeeds {
        principal: "app-integrations.amazonaws.com",
        operations: &["GenerateDataKey", "Decrypt"],
        source: "Amazon Connect Administrator Guide, Encryption at rest, \"Amazon AppIntegrations data encryption at rest\" (GenerateDataKey, Decrypt)",
    },
    ServiceNeeds {
        principal: "connect.amazonaws.com",
        operations: &["Encrypt", "Decrypt", "GenerateDataKey", "DescribeKey"],
        source: "the project's Amazon Connect KMS integration notes (required permissions of connect.amazonaws.com: Encrypt, Decrypt, GenerateDataKey, DescribeKey)",
    },
];

struct Report<'a> {
    source: &'a Source,
    findings: Vec<Finding>,
}

impl Report<'_> {
    fn add(&mut self, check: &Check, range: TextRange, path: impl Into<String>, message: String) {
        self.findings.push(Finding {
            code: check.code,
            severity: check.severity,
            message,
            path: path.into(),
            span: self.source.span(range),
            learn_more: check.learn_more,
            fix: None,
        });
    }
}

/// Validates one grant's text; findings sorted by position. Never panics; malformed JSON is a
/// `JSON_SYNTAX_ERROR` finding, a text that is not a grant one `MALFORMED_GRANT` finding.
pub fn validate_grant(text: &str) -> Vec<Finding> {
    let node = match json::parse(text) {
        Ok(n) => n,
        Err(e) => return super::super::checks::syntax::json_error(text, &e),
    };
    let source = Source::new(text);
    let mut r = Report {
        source: &source,
        findings: Vec::new(),
    };
    match parse::parse(&node) {
        Err(e) => r.add(&MALFORMED_GRANT, e.range, e.path, e.message),
        Ok(g) => {
            service_without_constraints(&g, &mut r);
            create_grant_without_constraints(&g, &mut r);
            not_needed(&g, &mut r);
            no_common_usage(&g, &mut r);
            keys_differ_in_case(&g, &mut r);
        }
    }
    let mut findings = r.findings;
    findings.sort_by_key(|f| (f.span.start.offset, f.span.end.offset, f.code));
    findings
}

fn service_without_constraints(g: &Grant, r: &mut Report<'_>) {
    let service = Principal::parse(&g.grantee.value).kind == PrincipalKind::Service;
    let constrainable = g
        .operations
        .value
        .iter()
        .any(|o| o.value.encryption_context);
    if service && constrainable && !g.constraints.value.any() {
        r.add(
            &GRANT_TO_SERVICE_WITHOUT_CONSTRAINTS,
            g.grantee.range,
            g.path(Field::GranteePrincipal),
            format!(
                "`{}` may use this key for {} with any encryption context: add an `EncryptionContextSubset` constraint naming your resource (as Voice ID's grants name `aws:voiceid:domain:arn`).",
                g.grantee.value,
                names(g.operations.value.iter().filter(|o| o.value.encryption_context).map(|o| o.value.name)),
            ),
        );
    }
}

fn create_grant_without_constraints(g: &Grant, r: &mut Report<'_>) {
    if g.constraints.value.any() {
        return;
    }
    for (i, op) in g.operations.value.iter().enumerate() {
        if op.value.name == "CreateGrant" {
            r.add(
                &GRANT_CREATE_GRANT_WITHOUT_CONSTRAINTS,
                op.range,
                format!("{}[{i}]", g.path(Field::Operations)),
                format!("`{}` can create grants for any principal with any of this grant's operations, for any encryption context; constrain the grant (`EncryptionContextSubset`) or leave CreateGrant out.", g.grantee.value),
            );
        }
    }
}

fn not_needed(g: &Grant, r: &mut Report<'_>) {
    let Some(service) = SERVICES.iter().find(|s| s.principal == g.grantee.value) else {
        return;
    };
    for (i, op) in g.operations.value.iter().enumerate() {
        if !service.operations.contains(&op.value.name) {
            r.add(
                &GRANT_OPERATION_NOT_NEEDED,
                op.range,
                format!("{}[{i}]", g.path(Field::Operations)),
                format!(
                    "`{}` is not among the operations {} uses ({}; source: {}).",
                    op.value.name,
                    service.principal,
                    names(service.operations.iter().copied()),
                    service.source
                ),
            );
        }
    }
}

fn no_common_usage(g: &Grant, r: &mut Report<'_>) {
    let usages = [
        "ENCRYPT_DECRYPT",
        "SIGN_VERIFY",
        "GENERATE_VERIFY_MAC",
        "KEY_AGREEMENT",
    ];
    let ops: Vec<_> = g
        .operations
        .value
        .iter()
        .map(|o| o.value)
        .filter(|o| o.usage != Usage::Any)
        .collect();
    let common = usages
        .iter()
        .any(|u| ops.iter().all(|o| o.usage.key_usages().contains(u)));
    if !common {
        let by_usage: Vec<String> = ops
            .iter()
            .map(|o| format!("{} ({})", o.name, o.usage.key_usages().join(" or ")))
            .collect();
        r.add(
            &GRANT_OPERATIONS_WITHOUT_COMMON_KEY_USAGE,
            g.operations.range,
            g.path(Field::Operations),
            format!(
                "A KMS key has one key usage, and no usage allows all of: {}. Grant only the operations of the key's usage.",
                by_usage.join(", ")
            ),
        );
    }
}

fn keys_differ_in_case(g: &Grant, r: &mut Report<'_>) {
    let c = &g.constraints.value;
    for (field, pairs) in [
        (Field::EncryptionContextSubset, &c.subset),
        (Field::EncryptionContextEquals, &c.equals),
    ] {
        let Some(pairs) = pairs else { continue };
        for (i, p) in pairs.value.iter().enumerate() {
            if let Some(q) = pairs.value[..i]
                .iter()
                .find(|q| q.key.eq_ignore_ascii_case(&p.key))
            {
                r.add(
                    &GRANT_CONSTRAINT_KEYS_DIFFER_ONLY_IN_CASE,
                    pairs.range,
                    g.path(field),
                    format!("`{}` and `{}` are one key to KMS; a request satisfies both only when their values are equal. Keep one.", q.key, p.key),
                );
            }
        }
    }
}

fn names<'a>(list: impl Iterator<Item = &'a str>) -> String {
    list.collect::<Vec<_>>().join(", ")
}
