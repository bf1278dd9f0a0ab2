//! IAM and KMS key policies: spanned parse ([`json`], [`model`]), validation ([`validate`],
//! [`checks`], service data in [`catalog`]) and evaluation (`evaluate`).
//!
//! Layers, as in Cedar: text -> [`json::Node`] (spanned JSON, duplicates kept) ->
//! [`model::Policy`] (typed, every element with its range and path) -> checks -> [`Finding`]s.
//! Positions: see [`span`] (1-based line, 1-based code-point column, 0-based byte offset and
//! 0-based UTF-16 offset for JavaScript editors).

pub mod catalog;
pub mod checks;
pub mod evaluate;
pub mod finding;
pub mod json;
pub mod model;
pub mod span;
mod validate;

pub use catalog::Catalog;
pub use finding::{Finding, Fix, Severity};
pub use model::Policy;
pub use span::{Position, Span, TextRange};
pub use validate::{validate, validate_with, PolicyType, ValidateOptions};
