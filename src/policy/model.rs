//! The typed policy: [`Policy`] -> [`Statement`]s -> elements, every element with its byte
//! range ([`TextRange`]) and its path (`Statement[1].Condition.StringEquals`).
//!
//! Building the model never fails once the JSON parses: elements of the wrong shape are left
//! out (or kept as far as they make sense) and recorded as [`ShapeIssue`]s, which the
//! validator's syntax checks turn into findings. The raw spanned tree stays available as
//! [`Policy::root`] for checks that need it.
//!
//! Grammar (IAM User Guide, "Grammar of the IAM JSON policy language"): `Action`, `NotAction`,
//! `Resource`, `NotResource`, principal values and condition values each take a single value
//! or an array; the model always holds a list and remembers which form was written
//! (`is_array`). When a key appears twice in one object the LAST occurrence is used (as
//! `JSON.parse` does) and the duplicate is a shape issue.

use super::iam::operator::Operator;
use super::json::{self, Kind, Member, Node, Value};
use super::span::{LineIndex, Span, TextRange};

/// A value with the byte range of its JSON token (strings: including the quotes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub range: TextRange,
}

/// The policy text and its line index, to turn ranges into line/column [`Span`]s.
#[derive(Debug, Clone)]
pub struct Source {
    pub text: String,
    pub lines: LineIndex,
}

impl Source {
    pub fn new(text: &str) -> Self {
        Source {
            text: text.to_string(),
            lines: LineIndex::new(text),
        }
    }
    pub fn span(&self, range: TextRange) -> Span {
        self.lines.span(&self.text, range)
    }
    /// The source text of a range (empty when out of bounds).
    pub fn slice(&self, range: TextRange) -> &str {
        self.text
            .get(range.start as usize..range.end as usize)
            .unwrap_or("")
    }
}

/// A parsed policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub source: Source,
    /// The raw spanned JSON tree.
    pub root: Node,
    /// `Version`, when it is a string.
    pub version: Option<Located<String>>,
    /// `Id`, when it is a string.
    pub id: Option<Located<String>>,
    /// Range of the `Statement` key, when present.
    pub statement_key_range: Option<TextRange>,
    /// Whether `Statement` was written as an array (paths then carry an index).
    pub statement_is_array: bool,
    /// Statements that are objects, in source order.
    pub statements: Vec<Statement>,
    /// Shape problems met while building the model.
    pub issues: Vec<ShapeIssue>,
}

/// `Allow` or `Deny` (case-sensitive in IAM).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    Allow,
    Deny,
}

/// One statement.
#[derive(Debug, Clone)]
pub struct Statement {
    /// Position in the `Statement` array (0 for a single statement object).
    pub index: usize,
    /// `Statement[2]`, or `Statement` when the policy has a single statement object.
    pub path: String,
    /// Range of the statement object.
    pub range: TextRange,
    pub sid: Option<Located<String>>,
    /// `None` when missing or not `Allow`/`Deny` (see [`Statement::effect_raw`]).
    pub effect: Option<Located<Effect>>,
    /// The `Effect` value as written, when it is a string.
    pub effect_raw: Option<Located<String>>,
    /// `Action` or `NotAction` (`negated`).
    pub action: Option<StringList>,
    /// `Resource` or `NotResource` (`negated`).
    pub resource: Option<StringList>,
    /// `Principal` or `NotPrincipal` (`negated`).
    pub principal: Option<PrincipalElement>,
    pub condition: Option<ConditionBlock>,
}

impl Statement {
    pub fn is_allow(&self) -> bool {
        matches!(
            self.effect,
            Some(Located {
                value: Effect::Allow,
                ..
            })
        )
    }
    pub fn is_deny(&self) -> bool {
        matches!(
            self.effect,
            Some(Located {
                value: Effect::Deny,
                ..
            })
        )
    }
    pub fn sid_str(&self) -> Option<&str> {
        self.sid.as_ref().map(|s| s.value.as_str())
    }
}

/// `Action` / `NotAction` / `Resource` / `NotResource`: one string or an array of strings.
#[derive(Debug, Clone)]
pub struct StringList {
    /// `NotAction` / `NotResource`.
    pub negated: bool,
    /// The element name as written (`Action`, `NotResource`, ...).
    pub name: &'static str,
    /// `Statement[0].Action`.
    pub path: String,
    pub key_range: TextRange,
    /// Range of the value (the string or the array).
    pub range: TextRange,
    pub is_array: bool,
    /// The string items (non-string items are shape issues and left out).
    pub items: Vec<Located<String>>,
}

impl StringList {
    /// Path of item `i` (`Statement[0].Action[1]`, or the element path for a single string).
    pub fn item_path(&self, i: usize) -> String {
        if self.is_array {
            format!("{}[{i}]", self.path)
        } else {
            self.path.clone()
        }
    }
    /// Item `i`'s path, written out only when it is needed (`String::from`).
    pub fn item(&self, i: usize) -> ItemPath<'_> {
        ItemPath { list: self, i }
    }
}

/// The path of one item of a [`StringList`], not yet written out.
#[derive(Debug, Clone, Copy)]
pub struct ItemPath<'a> {
    list: &'a StringList,
    i: usize,
}

impl From<ItemPath<'_>> for String {
    fn from(p: ItemPath<'_>) -> String {
        p.list.item_path(p.i)
    }
}

/// `Principal` / `NotPrincipal`.
#[derive(Debug, Clone)]
pub struct PrincipalElement {
    pub negated: bool,
    pub path: String,
    pub key_range: TextRange,
    pub range: TextRange,
    pub value: PrincipalValue,
}

#[derive(Debug, Clone)]
pub enum PrincipalValue {
    /// `"Principal": "*"` (everyone, anonymous included). Other bare strings are shape issues
    /// and recorded as `Map(vec![])`.
    Wildcard(TextRange),
    /// `{"AWS": ..., "Service": ...}`.
    Map(Vec<PrincipalEntry>),
}

/// The principal types IAM knows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    Aws,
    Service,
    Federated,
    CanonicalUser,
    /// Anything else, as written (a shape issue).
    Other(String),
}

impl PrincipalKind {
    pub fn parse(s: &str) -> PrincipalKind {
        match s {
            "AWS" => PrincipalKind::Aws,
            "Service" => PrincipalKind::Service,
            "Federated" => PrincipalKind::Federated,
            "CanonicalUser" => PrincipalKind::CanonicalUser,
            other => PrincipalKind::Other(other.to_string()),
        }
    }
    pub fn as_str(&self) -> &str {
        match self {
            PrincipalKind::Aws => "AWS",
            PrincipalKind::Service => "Service",
            PrincipalKind::Federated => "Federated",
            PrincipalKind::CanonicalUser => "CanonicalUser",
            PrincipalKind::Other(s) => s,
        }
    }
}

/// `"AWS": "arn:aws:iam::111122223333:root"` or `"Service": ["a", "b"]`.
#[derive(Debug, Clone)]
pub struct PrincipalEntry {
    pub kind: PrincipalKind,
    /// `Statement[0].Principal.AWS`.
    pub path: String,
    pub kind_range: TextRange,
    pub range: TextRange,
    pub is_array: bool,
    pub values: Vec<Located<String>>,
}

impl PrincipalEntry {
    pub fn item_path(&self, i: usize) -> String {
        if self.is_array {
            format!("{}[{i}]", self.path)
        } else {
            self.path.clone()
        }
    }
}

/// `Condition`: operators, each with keys, each with values.
#[derive(Debug, Clone)]
pub struct ConditionBlock {
    pub path: String,
    pub key_range: TextRange,
    pub range: TextRange,
    pub operators: Vec<ConditionOperator>,
}

/// `"StringEquals": { key: values, ... }`.
#[derive(Debug, Clone)]
pub struct ConditionOperator {
    /// The operator as written (`ForAnyValue:StringLikeIfExists`).
    pub name: Located<String>,
    /// `None` when the name is not a valid operator.
    pub op: Option<Operator>,
    /// `Statement[0].Condition.StringEquals`.
    pub path: String,
    /// Range of the operator's object.
    pub range: TextRange,
    pub entries: Vec<ConditionEntry>,
}

/// `"aws:SourceAccount": ["111122223333"]`.
#[derive(Debug, Clone)]
pub struct ConditionEntry {
    /// The condition key as written (keys are case-insensitive in IAM).
    pub key: Located<String>,
    /// `Statement[0].Condition.StringEquals.aws:SourceAccount`.
    pub path: String,
    /// Range of the value (scalar or array).
    pub range: TextRange,
    pub is_array: bool,
    pub values: Vec<Located<ConditionValue>>,
}

impl ConditionEntry {
    pub fn item_path(&self, i: usize) -> String {
        if self.is_array {
            format!("{}[{i}]", self.path)
        } else {
            self.path.clone()
        }
    }
}

/// A condition value: IAM accepts JSON strings, numbers and booleans and compares them as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionValue {
    pub text: String,
    /// `Kind::String`, `Kind::Number` or `Kind::Bool`.
    pub kind: Kind,
}

// ---------------------------------------------------------------------------------------------
// Shape issues
// ---------------------------------------------------------------------------------------------

/// A problem with the policy's shape found while building the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapeIssue {
    pub kind: ShapeKind,
    pub range: TextRange,
    pub path: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ShapeKind {
    /// The top-level JSON value is not an object.
    RootNotObject { found: Kind },
    /// A key appears twice in one object; `first` is the earlier occurrence's key range.
    DuplicateKey { key: String, first: TextRange },
    /// A top-level key other than Version, Id, Statement. `suggestion`: the element this is
    /// probably a misspelling of.
    UnknownTopLevelKey {
        key: String,
        suggestion: Option<&'static str>,
    },
    /// A statement key that is not a policy element.
    UnknownStatementKey {
        key: String,
        suggestion: Option<&'static str>,
    },
    /// An element whose JSON type is wrong (`expected` in plain words).
    WrongType {
        element: String,
        expected: &'static str,
        found: Kind,
    },
    /// `Action` and `NotAction` (or Resource / Principal pairs) in one statement.
    ConflictingElements {
        first: &'static str,
        second: &'static str,
    },
    /// `Effect` is a string but not `Allow` / `Deny`.
    InvalidEffect { value: String },
    /// A principal type key other than AWS, Service, Federated, CanonicalUser.
    UnknownPrincipalType { key: String },
    /// A bare-string principal other than `"*"`.
    PrincipalStringNotWildcard { value: String },
    /// A condition operator name IAM does not know.
    UnknownOperator { name: String },
}

const TOP_KEYS: &[&str] = &["Version", "Id", "Statement"];
const STATEMENT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
];

fn suggestion(key: &str, known: &[&'static str]) -> Option<&'static str> {
    let lower = key.to_ascii_lowercase();
    known.iter().copied().find(|k| {
        k.to_ascii_lowercase() == lower || edit_distance_le1(&k.to_ascii_lowercase(), &lower)
    })
}

/// True when `a` and `b` differ by at most one edit: an insertion, deletion, substitution or
/// transposition of adjacent characters (`kms:Decrpyt` / `kms:Decrypt`).
pub fn edit_distance_le1(a: &str, b: &str) -> bool {
    a.len().abs_diff(b.len()) <= 1 && strsim::osa_distance(a, b) <= 1
}

struct Builder {
    issues: Vec<ShapeIssue>,
}

impl Builder {
    fn issue(&mut self, kind: ShapeKind, range: TextRange, path: impl Into<String>) {
        self.issues.push(ShapeIssue {
            kind,
            range,
            path: path.into(),
        });
    }

    /// The members of an object, last occurrence per key, reporting duplicates.
    fn dedup<'a>(&mut self, members: &'a [Member], path: &str) -> Vec<&'a Member> {
        let mut out: Vec<&'a Member> = Vec::with_capacity(members.len());
        for m in members {
            if let Some(pos) = out.iter().position(|o| o.key == m.key) {
                let first = out[pos].key_range;
                self.issue(
                    ShapeKind::DuplicateKey {
                        key: m.key.clone(),
                        first,
                    },
                    m.key_range,
                    join(path, &m.key),
                );
                out[pos] = m;
            } else {
                out.push(m);
            }
        }
        out
    }

    fn wrong_type(&mut self, node: &Node, element: &str, expected: &'static str, path: &str) {
        self.issue(
            ShapeKind::WrongType {
                element: element.to_string(),
                expected,
                found: node.kind(),
            },
            node.range,
            path,
        );
    }

    fn string(&mut self, node: &Node, element: &str, path: &str) -> Option<Located<String>> {
        match &node.value {
            Value::String(s) => Some(Located {
                value: s.clone(),
                range: node.range,
            }),
            _ => {
                self.wrong_type(node, element, "a string", path);
                None
            }
        }
    }

    /// A string or an array of strings.
    fn string_list(
        &mut self,
        node: &Node,
        element: &str,
        path: &str,
    ) -> (bool, Vec<Located<String>>) {
        match &node.value {
            Value::String(s) => (
                false,
                vec![Located {
                    value: s.clone(),
                    range: node.range,
                }],
            ),
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, it) in items.iter().enumerate() {
                    if let Some(s) = self.string(it, element, &format!("{path}[{i}]")) {
                        out.push(s);
                    }
                }
                (true, out)
            }
            _ => {
                self.wrong_type(node, element, "a string or an array of strings", path);
                (false, Vec::new())
            }
        }
    }

    fn statement(&mut self, node: &Node, index: usize, path: String) -> Option<Statement> {
        let members = match node.as_object() {
            Some(m) => m,
            None => {
                self.wrong_type(node, "Statement", "an object", &path);
                return None;
            }
        };
        let mut st = Statement {
            index,
            path: path.clone(),
            range: node.range,
            sid: None,
            effect: None,
            effect_raw: None,
            action: None,
            resource: None,
            principal: None,
            condition: None,
        };
        let members = self.dedup(members, &path);
        for m in members {
            let p = join(&path, &m.key);
            match m.key.as_str() {
                "Sid" => st.sid = self.string(&m.value, "Sid", &p),
                "Effect" => {
                    st.effect_raw = self.string(&m.value, "Effect", &p);
                    if let Some(raw) = &st.effect_raw {
                        let e = match raw.value.as_str() {
                            "Allow" => Some(Effect::Allow),
                            "Deny" => Some(Effect::Deny),
                            _ => None,
                        };
                        match e {
                            Some(e) => {
                                st.effect = Some(Located {
                                    value: e,
                                    range: raw.range,
                                })
                            }
                            None => self.issue(
                                ShapeKind::InvalidEffect {
                                    value: raw.value.clone(),
                                },
                                raw.range,
                                p,
                            ),
                        }
                    }
                }
                "Action" | "NotAction" | "Resource" | "NotResource" => {
                    let name: &'static str = STATEMENT_KEYS
                        .iter()
                        .copied()
                        .find(|k| *k == m.key)
                        .unwrap_or("Action");
                    let (is_array, items) = self.string_list(&m.value, name, &p);
                    let list = StringList {
                        negated: name.starts_with("Not"),
                        name,
                        path: p,
                        key_range: m.key_range,
                        range: m.value.range,
                        is_array,
                        items,
                    };
                    let slot = if name.ends_with("Action") {
                        &mut st.action
                    } else {
                        &mut st.resource
                    };
                    if let Some(prev) = slot {
                        let first = prev.name;
                        self.issue(
                            ShapeKind::ConflictingElements {
                                first,
                                second: name,
                            },
                            m.key_range,
                            join(&path, name),
                        );
                    } else {
                        *slot = Some(list);
                    }
                }
                "Principal" | "NotPrincipal" => {
                    let negated = m.key == "NotPrincipal";
                    let pe = self.principal(m, negated, p);
                    if let Some(prev) = &st.principal {
                        let first = if prev.negated {
                            "NotPrincipal"
                        } else {
                            "Principal"
                        };
                        let second = if negated { "NotPrincipal" } else { "Principal" };
                        self.issue(
                            ShapeKind::ConflictingElements { first, second },
                            m.key_range,
                            join(&path, second),
                        );
                    } else {
                        st.principal = pe;
                    }
                }
                "Condition" => st.condition = self.condition(m, p),
                other => {
                    let suggestion = suggestion(other, STATEMENT_KEYS);
                    self.issue(
                        ShapeKind::UnknownStatementKey {
                            key: other.to_string(),
                            suggestion,
                        },
                        m.key_range,
                        p,
                    );
                }
            }
        }
        Some(st)
    }

    fn principal(&mut self, m: &Member, negated: bool, path: String) -> Option<PrincipalElement> {
        let element = if negated { "NotPrincipal" } else { "Principal" };
        let value = match &m.value.value {
            Value::String(s) => {
                if s != "*" {
                    self.issue(
                        ShapeKind::PrincipalStringNotWildcard { value: s.clone() },
                        m.value.range,
                        path.clone(),
                    );
                    PrincipalValue::Map(Vec::new())
                } else {
                    PrincipalValue::Wildcard(m.value.range)
                }
            }
            Value::Object(members) => {
                let members = self.dedup(members, &path);
                let mut entries = Vec::with_capacity(members.len());
                for pm in members {
                    let p = join(&path, &pm.key);
                    let kind = PrincipalKind::parse(&pm.key);
                    if let PrincipalKind::Other(k) = &kind {
                        self.issue(
                            ShapeKind::UnknownPrincipalType { key: k.clone() },
                            pm.key_range,
                            p.clone(),
                        );
                    }
                    let (is_array, values) = self.string_list(&pm.value, element, &p);
                    entries.push(PrincipalEntry {
                        kind,
                        path: p,
                        kind_range: pm.key_range,
                        range: pm.value.range,
                        is_array,
                        values,
                    });
                }
                PrincipalValue::Map(entries)
            }
            _ => {
                self.wrong_type(
                    &m.value,
                    element,
                    "\"*\" or an object such as {\"AWS\": ...}",
                    &path,
                );
                return None;
            }
        };
        Some(PrincipalElement {
            negated,
            path,
            key_range: m.key_range,
            range: m.value.range,
            value,
        })
    }

    fn condition(&mut self, m: &Member, path: String) -> Option<ConditionBlock> {
        let ops = match m.value.as_object() {
            Some(o) => o,
            None => {
                self.wrong_type(&m.value, "Condition", "an object", &path);
                return None;
            }
        };
        let ops = self.dedup(ops, &path);
        let mut operators = Vec::with_capacity(ops.len());
        for om in ops {
            let op_path = join(&path, &om.key);
            let op = Operator::parse(&om.key);
            if op.is_none() {
                self.issue(
                    ShapeKind::UnknownOperator {
                        name: om.key.clone(),
                    },
                    om.key_range,
                    op_path.clone(),
                );
            }
            let keys = match om.value.as_object() {
                Some(k) => k,
                None => {
                    self.wrong_type(&om.value, &om.key, "an object of condition keys", &op_path);
                    continue;
                }
            };
            let keys = self.dedup(keys, &op_path);
            let mut entries = Vec::with_capacity(keys.len());
            for km in keys {
                let kp = join(&op_path, &km.key);
                let (is_array, items): (bool, Vec<&Node>) = match &km.value.value {
                    Value::Array(a) => (true, a.iter().collect()),
                    _ => (false, vec![&km.value]),
                };
                let mut values = Vec::with_capacity(items.len());
                for (i, it) in items.iter().enumerate() {
                    let ip = if is_array {
                        format!("{kp}[{i}]")
                    } else {
                        kp.clone()
                    };
                    match it.scalar_text() {
                        Some(text) => values.push(Located {
                            value: ConditionValue {
                                text,
                                kind: it.kind(),
                            },
                            range: it.range,
                        }),
                        None => self.wrong_type(
                            it,
                            "condition value",
                            "a string, number or boolean",
                            &ip,
                        ),
                    }
                }
                entries.push(ConditionEntry {
                    key: Located {
                        value: km.key.clone(),
                        range: km.key_range,
                    },
                    path: kp,
                    range: km.value.range,
                    is_array,
                    values,
                });
            }
            operators.push(ConditionOperator {
                name: Located {
                    value: om.key.clone(),
                    range: om.key_range,
                },
                op,
                path: op_path,
                range: om.value.range,
                entries,
            });
        }
        Some(ConditionBlock {
            path,
            key_range: m.key_range,
            range: m.value.range,
            operators,
        })
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl Policy {
    /// Parses policy text: `Err` only when the text is not JSON at all.
    pub fn parse(text: &str) -> Result<Policy, json::JsonError> {
        let root = json::parse(text)?;
        Ok(Policy::from_tree(text, root))
    }

    /// Builds the model from an already parsed tree of `text`.
    pub fn from_tree(text: &str, root: Node) -> Policy {
        let mut b = Builder { issues: Vec::new() };
        let mut policy = Policy {
            source: Source::new(text),
            root: Node {
                value: Value::Null,
                range: root.range,
            },
            version: None,
            id: None,
            statement_key_range: None,
            statement_is_array: false,
            statements: Vec::new(),
            issues: Vec::new(),
        };
        match root.as_object() {
            None => b.issue(
                ShapeKind::RootNotObject { found: root.kind() },
                root.range,
                "",
            ),
            Some(members) => {
                let members = b.dedup(members, "");
                for m in members {
                    match m.key.as_str() {
                        "Version" => policy.version = b.string(&m.value, "Version", "Version"),
                        "Id" => policy.id = b.string(&m.value, "Id", "Id"),
                        "Statement" => {
                            policy.statement_key_range = Some(m.key_range);
                            match &m.value.value {
                                Value::Array(items) => {
                                    policy.statement_is_array = true;
                                    for (i, it) in items.iter().enumerate() {
                                        if let Some(s) =
                                            b.statement(it, i, format!("Statement[{i}]"))
                                        {
                                            policy.statements.push(s);
                                        }
                                    }
                                }
                                Value::Object(_) => {
                                    if let Some(s) = b.statement(&m.value, 0, "Statement".into()) {
                                        policy.statements.push(s);
                                    }
                                }
                                _ => b.wrong_type(
                                    &m.value,
                                    "Statement",
                                    "an object or an array of objects",
                                    "Statement",
                                ),
                            }
                        }
                        other => {
                            let suggestion = suggestion(other, TOP_KEYS);
                            b.issue(
                                ShapeKind::UnknownTopLevelKey {
                                    key: other.to_string(),
                                    suggestion,
                                },
                                m.key_range,
                                other,
                            );
                        }
                    }
                }
            }
        }
        policy.root = root;
        policy.issues = b.issues;
        policy
    }

    /// Line/column span of a byte range of this policy.
    pub fn span(&self, range: TextRange) -> Span {
        self.source.span(range)
    }

    /// The value of the `Statement` element in the raw tree, if present.
    pub fn statement_node(&self) -> Option<&Node> {
        self.root.get("Statement").map(|m| &m.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONNECT: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ConnectUse",
      "Effect": "Allow",
      "Principal": { "Service": "connect.amazonaws.com" },
      "Action": ["kms:Encrypt", "kms:Decrypt"],
      "Resource": "*",
      "Condition": { "StringEquals": { "aws:SourceAccount": "111122223333" }, "Bool": {"aws:SecureTransport": true} }
    }
  ]
}"#;

    #[test]
    fn builds_model_with_ranges_and_paths() {
        let p = Policy::parse(CONNECT).unwrap();
        assert!(p.issues.is_empty(), "{:?}", p.issues);
        assert_eq!(p.version.as_ref().unwrap().value, "2012-10-17");
        let s = &p.statements[0];
        assert_eq!(s.path, "Statement[0]");
        assert!(s.is_allow());
        let a = s.action.as_ref().unwrap();
        assert!(a.is_array && !a.negated);
        assert_eq!(a.items[1].value, "kms:Decrypt");
        assert_eq!(p.source.slice(a.items[1].range), "\"kms:Decrypt\"");
        let sp = p.span(a.items[1].range);
        assert_eq!((sp.start.line, sp.start.column), (8, 33));
        let c = s.condition.as_ref().unwrap();
        assert_eq!(c.operators[0].path, "Statement[0].Condition.StringEquals");
        assert_eq!(
            c.operators[0].entries[0].path,
            "Statement[0].Condition.StringEquals.aws:SourceAccount"
        );
        assert_eq!(c.operators[1].entries[0].values[0].value.kind, Kind::Bool);
        match &s.principal.as_ref().unwrap().value {
            PrincipalValue::Map(e) => assert_eq!(e[0].kind, PrincipalKind::Service),
            _ => panic!(),
        }
    }

    #[test]
    fn shape_issues() {
        let p = Policy::parse(r#"{"Version":"2012-10-17","Statement":{"Effect":"allow","Action":"s3:GetObject","NotAction":"x","Resource":"*","Resource":["a"],"Conditon":{}}}"#).unwrap();
        let kinds: Vec<_> = p.issues.iter().map(|i| &i.kind).collect();
        assert!(kinds
            .iter()
            .any(|k| matches!(k, ShapeKind::InvalidEffect { .. })));
        assert!(kinds
            .iter()
            .any(|k| matches!(k, ShapeKind::ConflictingElements { .. })));
        assert!(kinds
            .iter()
            .any(|k| matches!(k, ShapeKind::DuplicateKey { .. })));
        assert!(kinds.iter().any(|k| matches!(
            k,
            ShapeKind::UnknownStatementKey {
                suggestion: Some("Condition"),
                ..
            }
        )));
        assert_eq!(p.statements[0].path, "Statement");
        assert_eq!(
            p.statements[0].resource.as_ref().unwrap().items[0].value,
            "a"
        );
    }
}
