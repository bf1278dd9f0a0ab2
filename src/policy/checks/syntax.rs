//! JSON syntax and policy shape: the document is JSON, the elements exist, have the right
//! types and names. spec: IAM User Guide, "Grammar of the IAM JSON policy language".

use super::{checks, Ctx};
use crate::policy::finding::{Finding, Fix};
use crate::policy::json::JsonError;
use crate::policy::span::LineIndex;

const GRAMMAR: Option<&str> =
    Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html");

checks! {
    JSON_SYNTAX_ERROR = (Error, "The text is not valid JSON.", GRAMMAR);
}

/// Turns a JSON syntax error into its finding (with the repair, when one is recognised).
pub fn json_error(text: &str, e: &JsonError) -> Vec<Finding> {
    let lines = LineIndex::new(text);
    let span = lines.span(text, e.range);
    vec![Finding {
        code: JSON_SYNTAX_ERROR.code,
        severity: JSON_SYNTAX_ERROR.severity,
        message: e.message.clone(),
        path: String::new(),
        span,
        learn_more: JSON_SYNTAX_ERROR.learn_more,
        fix: e.repair.as_ref().map(|r| Fix {
            description: r.description.clone(),
            span: lines.span(text, r.range),
            replacement: r.replacement.clone(),
        }),
    }]
}

pub fn run(_ctx: &mut Ctx<'_>) {}
