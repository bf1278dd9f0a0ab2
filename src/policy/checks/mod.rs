//! The validator's checks, one file per family. Each check is a [`Check`] (code, severity,
//! one-line doc, learn-more link) plus the code in its family's `run` that reports it.
//!
//! Codes are IAM Access Analyzer's issue codes where it has the check (its "policy check
//! reference"); callseal's own checks (KMS key policies, JSON details) use the same style.

use super::catalog::Catalog;
use super::finding::{Finding, Fix, Severity};
use super::model::Policy;
use super::span::TextRange;
use super::validate::PolicyType;

pub mod syntax;

/// One check: its code, severity, a one-line description and its documentation link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    pub code: &'static str,
    pub severity: Severity,
    pub doc: &'static str,
    pub learn_more: Option<&'static str>,
}

/// Declares `pub const NAME: Check` items and a `CHECKS` list for a family.
macro_rules! checks {
    ($( $(#[$m:meta])* $name:ident = ($sev:ident, $doc:expr, $link:expr); )*) => {
        $( $(#[$m])* pub const $name: $crate::policy::checks::Check = $crate::policy::checks::Check {
            code: stringify!($name),
            severity: $crate::policy::finding::Severity::$sev,
            doc: $doc,
            learn_more: $link,
        }; )*
        /// Every check of this family.
        pub const CHECKS: &[$crate::policy::checks::Check] = &[$($name),*];
    };
}
pub(crate) use checks;

/// Shared state of one validation run.
pub struct Ctx<'a> {
    pub policy: &'a Policy,
    pub policy_type: PolicyType,
    pub catalog: Option<&'a Catalog>,
    findings: Vec<Finding>,
}

impl<'a> Ctx<'a> {
    pub fn new(policy: &'a Policy, policy_type: PolicyType, catalog: Option<&'a Catalog>) -> Self {
        Ctx {
            policy,
            policy_type,
            catalog,
            findings: Vec::new(),
        }
    }

    /// Reports `check` at `range`.
    pub fn report(
        &mut self,
        check: &Check,
        range: TextRange,
        path: impl Into<String>,
        message: impl Into<String>,
    ) {
        let span = self.policy.span(range);
        self.findings.push(Finding {
            code: check.code,
            severity: check.severity,
            message: message.into(),
            path: path.into(),
            span,
            learn_more: check.learn_more,
            fix: None,
        });
    }

    /// Reports `check` with a fix replacing `fix_range` by `replacement`.
    #[allow(clippy::too_many_arguments)]
    pub fn report_fix(
        &mut self,
        check: &Check,
        range: TextRange,
        path: impl Into<String>,
        message: impl Into<String>,
        fix_range: TextRange,
        replacement: impl Into<String>,
        fix_description: impl Into<String>,
    ) {
        self.report(check, range, path, message);
        let span = self.policy.span(fix_range);
        if let Some(f) = self.findings.last_mut() {
            f.fix = Some(Fix {
                description: fix_description.into(),
                span,
                replacement: replacement.into(),
            });
        }
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }
}

/// Runs every family.
pub fn run_all(ctx: &mut Ctx<'_>) {
    syntax::run(ctx);
}

/// Every check callseal knows, across families.
pub fn all_checks() -> Vec<&'static Check> {
    let families: &[&[Check]] = &[syntax::CHECKS];
    families.iter().flat_map(|f| f.iter()).collect()
}

/// Looks a check up by code.
pub fn check_by_code(code: &str) -> Option<&'static Check> {
    all_checks().into_iter().find(|c| c.code == code)
}
