//! Policies compiled for evaluation: every pattern encoded, every condition value parsed into
//! its operator's type, every statement's span resolved, once per policy set. Evaluating a
//! request then never re-reads policy text.

use super::super::iam::arn::Arn;
use super::super::iam::date::parse_date;
use super::super::iam::glob::{encode_pattern, has_wildcard};
use super::super::iam::ip::Cidr;
use super::super::iam::operator::{parse_bool, parse_number, Operator, OperatorFamily};
use super::super::model::{self, Effect, Policy, PrincipalValue};
use super::super::span::Span;
use super::variables::Template;

/// What a policy is to the request (decides how its statements count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyRole {
    Identity,
    Resource,
    KmsKeyPolicy,
    Boundary,
    Scp,
    Rcp,
    Session,
}

impl PolicyRole {
    /// Whether statements name their principal (`Principal` / `NotPrincipal`).
    pub fn names_principal(self) -> bool {
        matches!(
            self,
            PolicyRole::Resource | PolicyRole::KmsKeyPolicy | PolicyRole::Rcp
        )
    }
}

/// One compiled policy.
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    /// `identity[0]`, `resource`, `kmsKeyPolicy`, `boundary`, `scps[1]`, `rcps[0]`, `session`.
    pub label: String,
    pub role: PolicyRole,
    pub statements: Vec<CStatement>,
}

/// One compiled statement. Policies reach compilation only when they read completely (a
/// statement without a valid `Effect`, `Action` or `Resource` is refused before, in `readable`).
#[derive(Debug, Clone)]
pub struct CStatement {
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub span: Span,
    pub actions: Option<ListMatcher<ActionPattern>>,
    /// `None` when the statement has neither `Resource` nor `NotResource` (trust policies):
    /// then every resource matches.
    pub resources: Option<ListMatcher<StrPattern>>,
    pub principals: Option<PrincipalMatcher>,
    pub conditions: Vec<CCondition>,
}

/// An element and its `Not` form: matches when any item matches, inverted when negated.
#[derive(Debug, Clone)]
pub struct ListMatcher<T> {
    pub negated: bool,
    pub items: Vec<T>,
}

/// An `Action` item: `service:Name` with wildcards, compared ASCII-case-insensitively.
#[derive(Debug, Clone)]
pub struct ActionPattern {
    pub text: String,
    /// Encoded pattern; `None` when the text has no wildcard (plain comparison).
    pub pattern: Option<Vec<u8>>,
}

/// A string pattern (resource ARN, `StringLike`/`Arn*` value): static or with variables.
#[derive(Debug, Clone)]
pub enum StrPattern {
    Static(Vec<u8>),
    Template(Template),
}

impl StrPattern {
    fn new(text: &str, variables: bool) -> StrPattern {
        match variables.then(|| Template::parse(text)).flatten() {
            Some(t) => StrPattern::Template(t),
            None => StrPattern::Static(encode_pattern(text)),
        }
    }
}

/// A literal string value (`StringEquals`, `Bool`, `BinaryEquals`): static or with variables.
#[derive(Debug, Clone)]
pub enum TextValue {
    Static(String),
    Template(Template),
}

impl TextValue {
    fn new(text: &str, variables: bool) -> TextValue {
        match variables.then(|| Template::parse(text)).flatten() {
            Some(t) => TextValue::Template(t),
            None => TextValue::Static(text.to_string()),
        }
    }
}

/// `Principal` / `NotPrincipal`.
#[derive(Debug, Clone)]
pub struct PrincipalMatcher {
    pub negated: bool,
    pub entries: Vec<PrincipalEntry>,
}

/// One principal named by a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalEntry {
    /// `"*"` or `{"AWS": "*"}`.
    Any,
    /// `{"AWS": "111122223333"}` or `arn:aws:iam::111122223333:root`.
    Account(String),
    /// The account that owns the resource (the principal of the default key policy, which
    /// names the key's own account).
    ResourceAccount,
    /// A user, role, assumed-role session or federated-user ARN.
    Arn(String),
    Service(String),
    Federated(String),
    CanonicalUser(String),
}

/// A compiled condition: one operator and one key with its values.
#[derive(Debug, Clone)]
pub struct CCondition {
    /// `None` for an operator IAM does not define (the condition is then never met).
    pub op: Option<Operator>,
    /// The key as written (reported in missing keys).
    pub key: String,
    pub key_lc: String,
    pub values: Vec<CValue>,
}

/// A policy's condition value, parsed for its operator. `None` inside: the value does not
/// parse as the operator's type and never matches.
#[derive(Debug, Clone)]
pub enum CValue {
    Text(TextValue),
    Pattern(StrPattern),
    Number(Option<f64>),
    Date(Option<i64>),
    Ip(Option<Cidr>),
    Null(Option<bool>),
}

/// Compiles a parsed policy for `role`.
pub fn compile(policy: &Policy, label: String, role: PolicyRole) -> CompiledPolicy {
    // spec: "Variables": only the 2012-10-17 policy language has variables.
    let variables = policy
        .version
        .as_ref()
        .is_some_and(|v| v.value == "2012-10-17");
    let statements = policy
        .statements
        .iter()
        .filter_map(|st| compile_statement(policy, st, variables))
        .collect();
    CompiledPolicy {
        label,
        role,
        statements,
    }
}

fn compile_statement(
    policy: &Policy,
    st: &model::Statement,
    variables: bool,
) -> Option<CStatement> {
    let effect = st.effect.as_ref()?.value;
    let actions = st.action.as_ref().map(|a| ListMatcher {
        negated: a.negated,
        items: a
            .items
            .iter()
            .map(|i| {
                let enc = encode_pattern(&i.value);
                ActionPattern {
                    text: i.value.clone(),
                    pattern: has_wildcard(&enc).then_some(enc),
                }
            })
            .collect(),
    });
    let resources = st.resource.as_ref().map(|r| ListMatcher {
        negated: r.negated,
        items: r
            .items
            .iter()
            .map(|i| StrPattern::new(&i.value, variables))
            .collect(),
    });
    let principals = st.principal.as_ref().map(|p| PrincipalMatcher {
        negated: p.negated,
        entries: match &p.value {
            PrincipalValue::Wildcard(_) => vec![PrincipalEntry::Any],
            PrincipalValue::Map(entries) => entries
                .iter()
                .flat_map(|e| {
                    e.values
                        .iter()
                        .map(move |v| principal_entry(&e.kind, v.value.trim()))
                })
                .collect(),
        },
    });
    let mut conditions = Vec::new();
    if let Some(block) = &st.condition {
        for op in &block.operators {
            let parsed = Operator::parse(&op.name.value);
            for entry in &op.entries {
                let values = entry
                    .values
                    .iter()
                    .map(|v| compile_value(parsed, &v.value.text, variables))
                    .collect();
                conditions.push(CCondition {
                    op: parsed,
                    key: entry.key.value.clone(),
                    key_lc: entry.key.value.to_ascii_lowercase(),
                    values,
                });
            }
        }
    }
    Some(CStatement {
        index: st.index,
        sid: st.sid.as_ref().map(|s| s.value.clone()),
        effect,
        span: policy.span(st.range),
        actions,
        resources,
        principals,
        conditions,
    })
}

fn principal_entry(kind: &model::PrincipalKind, v: &str) -> PrincipalEntry {
    use model::PrincipalKind as K;
    match kind {
        K::Aws if v == "*" => PrincipalEntry::Any,
        K::Aws if v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) => {
            PrincipalEntry::Account(v.to_string())
        }
        K::Aws => match Arn::parse(v) {
            Some(a) if a.service == "iam" && a.resource == "root" => {
                PrincipalEntry::Account(a.account.to_string())
            }
            _ => PrincipalEntry::Arn(v.to_string()),
        },
        K::Service => PrincipalEntry::Service(v.to_string()),
        K::Federated => PrincipalEntry::Federated(v.to_string()),
        K::CanonicalUser => PrincipalEntry::CanonicalUser(v.to_string()),
        // An unknown principal type names nobody.
        K::Other(_) => PrincipalEntry::Arn(String::new()),
    }
}

fn compile_value(op: Option<Operator>, text: &str, variables: bool) -> CValue {
    let Some(op) = op else {
        return CValue::Null(None);
    };
    let vars = variables && op.base.takes_variables();
    match op.base.family() {
        OperatorFamily::String if op.base.is_like() => CValue::Pattern(StrPattern::new(text, vars)),
        OperatorFamily::String | OperatorFamily::Bool | OperatorFamily::Binary => {
            CValue::Text(TextValue::new(text, vars))
        }
        OperatorFamily::Arn => CValue::Pattern(StrPattern::new(text, vars)),
        OperatorFamily::Numeric => CValue::Number(parse_number(text)),
        OperatorFamily::Date => CValue::Date(parse_date(text)),
        OperatorFamily::Ip => CValue::Ip(Cidr::parse(text)),
        OperatorFamily::Null => CValue::Null(parse_bool(text)),
    }
}

/// The default key policy (KMS Developer Guide, "Default key policy": the policy KMS gives a key
/// created without one). Its principal `arn:aws:iam::111122223333:root` stands for the key's
/// own account: `kmsKeyPolicy: "default"` compiles this text with that principal.
pub const DEFAULT_KEY_POLICY: &str = r#"{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#;

/// [`DEFAULT_KEY_POLICY`] compiled, its principal being the key's own account.
pub fn default_key_policy() -> CompiledPolicy {
    let policy = Policy::parse(DEFAULT_KEY_POLICY).expect("the default key policy parses");
    let mut compiled = compile(&policy, "kmsKeyPolicy".into(), PolicyRole::KmsKeyPolicy);
    for st in &mut compiled.statements {
        st.principals = Some(PrincipalMatcher {
            negated: false,
            entries: vec![PrincipalEntry::ResourceAccount],
        });
    }
    compiled
}
