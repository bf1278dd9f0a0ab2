//! IAM and KMS key policies: spanned parse ([`json`], [`model`]), validation ([`validate`],
//! [`checks`], service data in [`catalog`]) and evaluation (`evaluate`), all reading the
//! policy language's values (globs, ARNs, dates, IP ranges, operators) through [`iam`].
//!
//! Layers, as in Cedar: text -> [`json::Node`] (spanned JSON, duplicates kept) ->
//! [`model::Policy`] (typed, every element with its range and path) -> checks -> [`Finding`]s.
//! Positions: see [`span`] (1-based line, 1-based code-point column, 0-based byte offset and
//! 0-based UTF-16 offset for JavaScript editors).
//!
//! Entry points (what the wasm layer calls):
//! - [`validate_with`]`(text, ValidateOptions { policy_type, catalog: Option<&Catalog>,
//!   identity_policy: Option<IdentityPolicy> })
//!   -> Vec<Finding>`; [`validate`]`(text, PolicyType)` is the same without service data.
//!   Never panics; malformed JSON is a `JSON_SYNTAX_ERROR` finding. Findings serialize with
//!   serde as `{code, severity, message, path, span: {start, end: {line, column, offset,
//!   utf16Offset}}, learnMore?, fix?: {description, span, replacement}}`.
//! - [`PolicyType`] deserializes from `"identity" | "resource" | "kms-key" | "trust" | "scp" |
//!   "rcp"`; [`PolicyType::parse`] accepts the same strings.
//! - [`Catalog::from_bytes`] parses the service data file (fetched lazily by the wasm layer);
//!   [`Catalog::load_default`] reads it natively (`CALLSEAL_SERVICE_DATA` or
//!   `target/generated/service-data.bin`). Build one catalog and reuse it.
//! - [`checks::all_checks`] lists every policy check (code, severity, doc, learn-more link);
//!   [`finding_checks`] every check a finding comes from (with the grant checks).
//!
//! Cost: linear in the policy size except per-list pairwise redundancy checks (bounded to 400
//! entries) and per-ARN matching against the service's resource templates (stops at the first
//! template that fits).

pub mod catalog;
pub mod checks;
pub mod evaluate;
pub mod finding;
pub mod grants;
pub mod iam;
pub mod json;
pub mod limits;
pub mod model;
pub mod span;
mod validate;

pub use catalog::Catalog;
pub use finding::{finding_checks, Finding, Fix, Severity};
pub use model::Policy;
pub use span::{Position, Span, TextRange};
pub use validate::{
    service_data_not_loaded, validate, validate_with, IdentityPolicy, PolicyType, ValidateOptions,
    SERVICE_DATA_NOT_LOADED,
};
