//! A grant as written: a `GrantListEntry` as `ListGrants` returns it (PascalCase), or the
//! CloudTrail record of the `CreateGrant` call that made it (camelCase `requestParameters`,
//! the grant id in `responseElements.grantId`). Both become one [`Grant`], every element with
//! its byte range and its path in the text, for evaluation and for the grant checks.
//!
//! spec: KMS API Reference, "GrantListEntry", "CreateGrant", "GrantConstraints"; KMS Developer
//! Guide, "Logging AWS KMS API calls with AWS CloudTrail" > "CreateGrant".
//!
//! Nothing is guessed: a missing grantee, key or operation list, an unknown operation, an
//! unknown field, a principal with surrounding whitespace (KMS principals have none; the
//! text names some other principal than it seems to), a failed or dry-run `CreateGrant`
//! record (no grant was made) are [`GrantError`]s, which evaluation refuses and validation
//! reports.

use super::super::json::{Member, Node, Value};
use super::super::model::Located;
use super::super::span::TextRange;
use super::ops::{self, Operation};

/// Which form the grant was given in (decides the field names in paths).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `GrantListEntry` (`ListGrants`): `GranteePrincipal`, `Operations`, ...
    ListGrants,
    /// CloudTrail `CreateGrant` event: `requestParameters.granteePrincipal`, ...
    CloudTrail,
}

/// The fields of a grant, named independently of the shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    KeyId,
    GrantId,
    Name,
    GranteePrincipal,
    RetiringPrincipal,
    Operations,
    Constraints,
    EncryptionContextSubset,
    EncryptionContextEquals,
}

impl Shape {
    /// The path of a field in this shape's text.
    pub fn path(self, field: Field) -> &'static str {
        use Field::*;
        match (self, field) {
            (Shape::ListGrants, KeyId) => "KeyId",
            (Shape::ListGrants, GrantId) => "GrantId",
            (Shape::ListGrants, Name) => "Name",
            (Shape::ListGrants, GranteePrincipal) => "GranteePrincipal",
            (Shape::ListGrants, RetiringPrincipal) => "RetiringPrincipal",
            (Shape::ListGrants, Operations) => "Operations",
            (Shape::ListGrants, Constraints) => "Constraints",
            (Shape::ListGrants, EncryptionContextSubset) => "Constraints.EncryptionContextSubset",
            (Shape::ListGrants, EncryptionContextEquals) => "Constraints.EncryptionContextEquals",
            (Shape::CloudTrail, KeyId) => "requestParameters.keyId",
            (Shape::CloudTrail, GrantId) => "responseElements.grantId",
            (Shape::CloudTrail, Name) => "requestParameters.name",
            (Shape::CloudTrail, GranteePrincipal) => "requestParameters.granteePrincipal",
            (Shape::CloudTrail, RetiringPrincipal) => "requestParameters.retiringPrincipal",
            (Shape::CloudTrail, Operations) => "requestParameters.operations",
            (Shape::CloudTrail, Constraints) => "requestParameters.constraints",
            (Shape::CloudTrail, EncryptionContextSubset) => {
                "requestParameters.constraints.encryptionContextSubset"
            }
            (Shape::CloudTrail, EncryptionContextEquals) => {
                "requestParameters.constraints.encryptionContextEquals"
            }
        }
    }

    /// The field's member name in this shape (`GranteePrincipal` / `granteePrincipal`).
    fn key(self, field: Field) -> &'static str {
        let path = self.path(field);
        path.rsplit('.').next().unwrap_or(path)
    }
}

/// One encryption-context pair of a constraint, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub key: String,
    pub value: String,
    /// `kms:EncryptionContext:<key>`: the request context key that carries this pair, for
    /// the decision's missing keys.
    pub context_key: String,
}

/// The grant's constraints (`GrantConstraints`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Constraints {
    pub subset: Option<Located<Vec<Pair>>>,
    pub equals: Option<Located<Vec<Pair>>>,
}

impl Constraints {
    /// Whether any encryption-context constraint is set (an empty map constrains nothing).
    pub fn any(&self) -> bool {
        let some = |c: &Option<Located<Vec<Pair>>>| c.as_ref().is_some_and(|c| !c.value.is_empty());
        some(&self.subset) || some(&self.equals)
    }
}

/// A grant, read from its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub shape: Shape,
    /// Key id or key ARN.
    pub key_id: Located<String>,
    pub grant_id: Option<String>,
    pub name: Option<String>,
    pub grantee: Located<String>,
    pub retiring: Option<Located<String>>,
    /// Range of the whole `Operations` array and each operation.
    pub operations: Located<Vec<Located<&'static Operation>>>,
    /// Range of the `Constraints` object (the range of the grant when absent).
    pub constraints: Located<Constraints>,
    /// Range of the grant's object.
    pub range: TextRange,
}

impl Grant {
    pub fn path(&self, field: Field) -> &'static str {
        self.shape.path(field)
    }

    /// Whether the grant allows `op`.
    pub fn allows(&self, op: &Operation) -> bool {
        self.operations
            .value
            .iter()
            .any(|o| std::ptr::eq(o.value, op))
    }
}

/// Why a text is not a grant: what, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantError {
    pub path: String,
    pub range: TextRange,
    pub message: String,
}

fn fail<T>(
    path: impl Into<String>,
    range: TextRange,
    message: impl Into<String>,
) -> Result<T, GrantError> {
    Err(GrantError {
        path: path.into(),
        range,
        message: message.into(),
    })
}

/// The members of an object, refusing a key given twice (parsers disagree on which counts).
fn members<'a>(node: &'a Node, path: &str) -> Result<&'a [Member], GrantError> {
    let Some(ms) = node.as_object() else {
        return fail(
            path,
            node.range,
            format!("expected an object, found {}", node.kind().as_str()),
        );
    };
    for (i, m) in ms.iter().enumerate() {
        if ms[..i].iter().any(|o| o.key == m.key) {
            return fail(path, m.key_range, format!("`{}` appears twice", m.key));
        }
    }
    Ok(ms)
}

fn string(node: &Node, path: &str) -> Result<Located<String>, GrantError> {
    match node.as_str() {
        Some(s) => Ok(Located {
            value: s.to_string(),
            range: node.range,
        }),
        None => fail(
            path,
            node.range,
            format!("expected a string, found {}", node.kind().as_str()),
        ),
    }
}

fn principal(node: &Node, path: &str) -> Result<Located<String>, GrantError> {
    let p = string(node, path)?;
    if p.value == "*" {
        return fail(
            path,
            p.range,
            "`*`: a grant names one principal; KMS accepts no wildcard here",
        );
    }
    if p.value.trim() != p.value || p.value.is_empty() {
        return fail(
            path,
            p.range,
            format!("`{}`: a principal is an ARN or a service principal name, without surrounding whitespace (this names no principal KMS would match)", p.value),
        );
    }
    Ok(p)
}

fn pairs(node: &Node, path: &str) -> Result<Located<Vec<Pair>>, GrantError> {
    let ms = members(node, path)?;
    let mut out = Vec::with_capacity(ms.len());
    for m in ms {
        let value = string(&m.value, &format!("{path}.{}", m.key))?.value;
        out.push(Pair {
            context_key: format!("kms:EncryptionContext:{}", m.key),
            key: m.key.clone(),
            value,
        });
    }
    Ok(Located {
        value: out,
        range: node.range,
    })
}

/// Reads one grant: a `GrantListEntry`, or a CloudTrail `CreateGrant` record (recognised by
/// its `eventName`).
pub fn parse(node: &Node) -> Result<Grant, GrantError> {
    let top = members(node, "")?;
    if top.iter().any(|m| m.key == "eventName") {
        cloudtrail(node, top)
    } else {
        fields(
            Shape::ListGrants,
            node,
            top,
            None,
            &[
                "KeyId",
                "GrantId",
                "Name",
                "CreationDate",
                "GranteePrincipal",
                "RetiringPrincipal",
                "IssuingAccount",
                "Operations",
                "Constraints",
            ],
        )
    }
}

fn get<'a>(ms: &'a [Member], key: &str) -> Option<&'a Member> {
    ms.iter().find(|m| m.key == key)
}

fn cloudtrail(node: &Node, top: &[Member]) -> Result<Grant, GrantError> {
    let event = get(top, "eventName").map(|m| &m.value);
    if let Some(e) = event.filter(|e| e.as_str() != Some("CreateGrant")) {
        return fail(
            "eventName",
            e.range,
            "a CloudTrail record of a grant is a `CreateGrant` event",
        );
    }
    if let Some(s) =
        get(top, "eventSource").filter(|m| m.value.as_str() != Some("kms.amazonaws.com"))
    {
        return fail(
            "eventSource",
            s.value.range,
            "a grant's CreateGrant event comes from `kms.amazonaws.com`",
        );
    }
    if let Some(e) = get(top, "errorCode") {
        return fail(
            "errorCode",
            e.value.range,
            "this CreateGrant call failed: it made no grant",
        );
    }
    let Some(params) = get(top, "requestParameters") else {
        return fail(
            "",
            node.range,
            "a CreateGrant record without `requestParameters` does not say what was granted",
        );
    };
    let ps = members(&params.value, "requestParameters")?;
    if let Some(d) = get(ps, "dryRun").filter(|d| d.value.value == Value::Bool(true)) {
        return fail(
            "requestParameters.dryRun",
            d.value.range,
            "a dry-run CreateGrant made no grant",
        );
    }
    let grant_id = match get(top, "responseElements").map(|m| &m.value) {
        Some(r) if r.as_object().is_some() => match get(members(r, "responseElements")?, "grantId")
        {
            Some(g) => Some(string(&g.value, "responseElements.grantId")?.value),
            None => None,
        },
        _ => None,
    };
    let mut grant = fields(
        Shape::CloudTrail,
        &params.value,
        ps,
        grant_id,
        &[
            "keyId",
            "granteePrincipal",
            "retiringPrincipal",
            "operations",
            "constraints",
            "name",
            "grantTokens",
            "dryRun",
        ],
    )?;
    grant.range = node.range;
    Ok(grant)
}

/// The grant's fields from the object holding them (`ms`), named as `shape` names them.
fn fields(
    shape: Shape,
    node: &Node,
    ms: &[Member],
    grant_id: Option<String>,
    known: &[&str],
) -> Result<Grant, GrantError> {
    let prefix = match shape {
        Shape::ListGrants => "",
        Shape::CloudTrail => "requestParameters.",
    };
    for m in ms {
        if !known.contains(&m.key.as_str()) {
            let similar = known.iter().find(|k| k.eq_ignore_ascii_case(&m.key));
            let hint = similar
                .map(|k| format!(" (did you mean `{k}`?)"))
                .unwrap_or_default();
            return fail(
                format!("{prefix}{}", m.key),
                m.key_range,
                format!(
                    "`{}` is not a field of {}{hint}",
                    m.key,
                    match shape {
                        Shape::ListGrants => "a GrantListEntry",
                        Shape::CloudTrail => "CreateGrant's request parameters",
                    }
                ),
            );
        }
    }
    let field = |f: Field| get(ms, shape.key(f)).map(|m| &m.value);
    let required = |f: Field| {
        field(f).ok_or_else(|| GrantError {
            path: shape.path(f).to_string(),
            range: node.range,
            message: format!("the grant has no `{}`", shape.key(f)),
        })
    };
    let key_id = string(required(Field::KeyId)?, shape.path(Field::KeyId))?;
    let grantee = principal(
        required(Field::GranteePrincipal)?,
        shape.path(Field::GranteePrincipal),
    )?;
    let retiring = match field(Field::RetiringPrincipal) {
        Some(n) if n.value != Value::Null => {
            Some(principal(n, shape.path(Field::RetiringPrincipal))?)
        }
        _ => None,
    };
    let name = match field(Field::Name) {
        Some(n) => Some(string(n, shape.path(Field::Name))?.value),
        None => None,
    };
    let grant_id = match (shape, field(Field::GrantId)) {
        (Shape::ListGrants, Some(n)) => Some(string(n, shape.path(Field::GrantId))?.value),
        _ => grant_id,
    };
    let ops_node = required(Field::Operations)?;
    let ops_path = shape.path(Field::Operations);
    let Some(list) = ops_node.as_array() else {
        return fail(
            ops_path,
            ops_node.range,
            format!(
                "expected an array of operations, found {}",
                ops_node.kind().as_str()
            ),
        );
    };
    if list.is_empty() {
        return fail(
            ops_path,
            ops_node.range,
            "a grant allows at least one operation",
        );
    }
    let mut operations = Vec::with_capacity(list.len());
    for (i, n) in list.iter().enumerate() {
        let path = format!("{ops_path}[{i}]");
        let name = string(n, &path)?;
        let Some(op) = ops::find(&name.value) else {
            let hint = ops::suggest(&name.value)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            return fail(
                path,
                n.range,
                format!("`{}` is not a grant operation{hint}", name.value),
            );
        };
        operations.push(Located {
            value: op,
            range: n.range,
        });
    }
    let constraints = match field(Field::Constraints) {
        Some(c) => Located {
            value: constraints(shape, c)?,
            range: c.range,
        },
        None => Located {
            value: Constraints::default(),
            range: node.range,
        },
    };
    Ok(Grant {
        shape,
        key_id,
        grant_id,
        name,
        grantee,
        retiring,
        operations: Located {
            value: operations,
            range: ops_node.range,
        },
        constraints,
        range: node.range,
    })
}

fn constraints(shape: Shape, node: &Node) -> Result<Constraints, GrantError> {
    let path = shape.path(Field::Constraints);
    let ms = members(node, path)?;
    let (subset, equals) = (
        shape.key(Field::EncryptionContextSubset),
        shape.key(Field::EncryptionContextEquals),
    );
    let mut out = Constraints::default();
    for m in ms {
        if m.key == subset {
            out.subset = Some(pairs(&m.value, shape.path(Field::EncryptionContextSubset))?);
        } else if m.key == equals {
            out.equals = Some(pairs(&m.value, shape.path(Field::EncryptionContextEquals))?);
        } else {
            return fail(
                format!("{path}.{}", m.key),
                m.key_range,
                format!("`{}` is not a grant constraint that callseal evaluates (known: `{subset}`, `{equals}`)", m.key),
            );
        }
    }
    Ok(out)
}
