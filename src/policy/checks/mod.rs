//! The validator's checks, one file per family. Each check is a [`Check`] (code, severity,
//! one-line doc, learn-more link: plain data in its family's `checks!` registry) and the
//! function that reports it through [`Ctx::report`], registered beside it (`=> f`); a function
//! reports only its own check. What several checks read (each statement's actions, resources
//! and condition entries) is read once, in [`parsed`]; where one analysis decides between
//! several checks (one verdict per place), it runs once and each check reports its own
//! [`Verdict`]s. JSON_SYNTAX_ERROR and POLICY_LIMIT_EXCEEDED have no function: a text that is
//! not a policy is reported by [`syntax::json_error`] before any check runs.
//!
//! Codes are IAM Access Analyzer's issue codes where it has the check (its "policy check
//! reference"); callseal's own checks (KMS key policies, JSON details) use the same style.

use std::cell::RefCell;

use self::parsed::Parsed;
use super::catalog::Catalog;
use super::finding::{Finding, Fix, Severity};
use super::model::Policy;
use super::span::TextRange;
use super::validate::{IdentityPolicy, PolicyType};

pub mod actions;
pub mod conditions;
pub mod empty;
pub mod kms;
pub mod org;
pub mod parsed;
pub mod principals;
pub mod redundancy;
pub mod resources;
pub mod sensitive;
pub mod sid;
pub mod size;
pub mod syntax;
pub mod tags;
pub mod variables;
pub mod version;

/// One check: its code, severity, a one-line description and its documentation link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    pub code: &'static str,
    pub severity: Severity,
    pub doc: &'static str,
    pub learn_more: Option<&'static str>,
}

/// Declares a family's checks: `pub const NAME: Check` items, the `CHECKS` list, and `RUNS`,
/// each check declared with `=> function` beside its function (which reports that check only,
/// through [`Ctx::report`]), in order.
macro_rules! checks {
    ($( $(#[$m:meta])* $name:ident = ($sev:ident, $doc:expr, $link:expr) $(=> $run:path)?; )*) => {
        $( $(#[$m])* pub const $name: $crate::policy::checks::Check = $crate::policy::checks::Check {
            code: stringify!($name),
            severity: $crate::policy::finding::Severity::$sev,
            doc: $doc,
            learn_more: $link,
        }; )*
        /// Every check of this family.
        pub const CHECKS: &[$crate::policy::checks::Check] = &[$($name),*];
        /// This family's checks with their functions, in order.
        pub const RUNS: &[$crate::policy::checks::CheckRun] = &[$($(($name, $run),)?)*];
    };
}
pub(crate) use checks;

/// A check's function: reports its check wherever the policy has the problem.
pub type CheckFn = fn(&Ctx<'_>);

/// A check and its function.
pub type CheckRun = (Check, CheckFn);

/// Runs `checks` in order.
pub fn run_checks(ctx: &Ctx<'_>, checks: &[CheckRun]) {
    for (_, run) in checks {
        run(ctx);
    }
}

/// A finding that an analysis shared by several checks worked out, for the check it belongs
/// to to report ([`Ctx::report_verdicts`]).
#[derive(Debug)]
pub struct Verdict {
    pub check: &'static Check,
    pub range: TextRange,
    pub path: String,
    pub message: String,
    /// The fix: the range it replaces, the replacement and its description.
    pub fix: Option<(TextRange, String, String)>,
}

impl Verdict {
    pub fn new(
        check: &'static Check,
        range: TextRange,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Verdict {
            check,
            range,
            path: path.into(),
            message: message.into(),
            fix: None,
        }
    }

    /// This verdict with a fix replacing its own range by `replacement`.
    pub fn with_fix(
        mut self,
        replacement: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        self.fix = Some((self.range, replacement.into(), description.into()));
        self
    }
}

/// Declares the functions of checks whose findings one shared analysis works out: each reports
/// its own verdicts of `$verdicts(ctx)`.
macro_rules! verdict_checks {
    ($verdicts:path; $($f:ident => $check:ident),* $(,)?) => {
        $(fn $f(ctx: &$crate::policy::checks::Ctx<'_>) {
            ctx.report_verdicts($verdicts(ctx), &$check);
        })*
    };
}
pub(crate) use verdict_checks;

/// Shared state of one validation run.
pub struct Ctx<'a> {
    pub policy: &'a Policy,
    pub policy_type: PolicyType,
    pub catalog: Option<&'a Catalog>,
    /// Which identity policy an `identity` policy is (its size quota), if the caller said.
    pub identity_policy: Option<IdentityPolicy>,
    /// Each statement's actions, read once for every check.
    pub parsed: Parsed<'a>,
    findings: RefCell<Vec<Finding>>,
}

impl<'a> Ctx<'a> {
    pub fn new(policy: &'a Policy, policy_type: PolicyType, catalog: Option<&'a Catalog>) -> Self {
        Ctx {
            policy,
            policy_type,
            catalog,
            identity_policy: None,
            parsed: Parsed::new(policy, catalog),
            findings: RefCell::new(Vec::new()),
        }
    }

    /// Reports `check` at `range`.
    pub fn report(
        &self,
        check: &Check,
        range: TextRange,
        path: impl Into<String>,
        message: impl Into<String>,
    ) {
        let span = self.policy.span(range);
        self.findings.borrow_mut().push(Finding {
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
        &self,
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
        if let Some(f) = self.findings.borrow_mut().last_mut() {
            f.fix = Some(Fix {
                description: fix_description.into(),
                span,
                replacement: replacement.into(),
            });
        }
    }

    /// Reports `check`; with a `suggestion`, also the fix that puts it (as a JSON string) in place
    /// of the text at `range`, described as "`verb` `suggestion`".
    pub fn report_suggested(
        &self,
        check: &Check,
        range: TextRange,
        path: impl Into<String>,
        message: String,
        suggestion: Option<&str>,
        verb: &str,
    ) {
        match suggestion {
            Some(s) => self.report_fix(
                check,
                range,
                path,
                message,
                range,
                format!("\"{s}\""),
                format!("{verb} `{s}`"),
            ),
            None => self.report(check, range, path, message),
        }
    }

    /// Reports the verdicts of `check` among `verdicts`, in order.
    pub fn report_verdicts(&self, verdicts: &[Verdict], check: &Check) {
        for v in verdicts.iter().filter(|v| v.check.code == check.code) {
            match &v.fix {
                Some((range, replacement, description)) => self.report_fix(
                    check,
                    v.range,
                    v.path.as_str(),
                    v.message.as_str(),
                    *range,
                    replacement.as_str(),
                    description.as_str(),
                ),
                None => self.report(check, v.range, v.path.as_str(), v.message.as_str()),
            }
        }
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings.into_inner()
    }
}

/// The families' checks and their functions, in the order they run.
const FAMILIES: &[(&[Check], &[CheckRun])] = &[
    (syntax::CHECKS, syntax::RUNS),
    (version::CHECKS, version::RUNS),
    (sid::CHECKS, sid::RUNS),
    (empty::CHECKS, empty::RUNS),
    (actions::CHECKS, actions::RUNS),
    (resources::CHECKS, resources::RUNS),
    (principals::CHECKS, principals::RUNS),
    (conditions::CHECKS, conditions::RUNS),
    (variables::CHECKS, variables::RUNS),
    (sensitive::CHECKS, sensitive::RUNS),
    (tags::CHECKS, tags::RUNS),
    (redundancy::CHECKS, redundancy::RUNS),
    (size::CHECKS, size::RUNS),
    (org::CHECKS, org::RUNS),
    (kms::CHECKS, kms::RUNS),
];

/// Runs every check.
pub fn run_all(ctx: &Ctx<'_>) {
    for (_, runs) in FAMILIES {
        run_checks(ctx, runs);
    }
}

/// Runs the functions of `checks` only, in the order [`run_all`] runs them.
pub fn run_only(ctx: &Ctx<'_>, checks: &[&Check]) {
    for (check, run) in FAMILIES.iter().flat_map(|(_, runs)| runs.iter()) {
        if checks.iter().any(|c| c.code == check.code) {
            run(ctx);
        }
    }
}

/// Every check callseal knows, across families.
pub fn all_checks() -> Vec<&'static Check> {
    FAMILIES
        .iter()
        .flat_map(|(checks, _)| checks.iter())
        .collect()
}

/// Looks a check up by code.
pub fn check_by_code(code: &str) -> Option<&'static Check> {
    all_checks().into_iter().find(|c| c.code == code)
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the families
// ---------------------------------------------------------------------------------------------

/// Documentation links (IAM User Guide and friends).
pub mod links {
    pub const GRAMMAR: Option<&str> =
        Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html");
    pub const ELEMENTS: Option<&str> =
        Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html");
    pub const VERSION: Option<&str> = Some(
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html",
    );
    pub const SID: Option<&str> = Some(
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html",
    );
    pub const EFFECT: Option<&str> = Some(
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_effect.html",
    );
    pub const ACTION: Option<&str> = Some(
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html",
    );
    pub const NOT_ACTION: Option<&str> = Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html");
    pub const RESOURCE: Option<&str> = Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html");
    pub const NOT_RESOURCE: Option<&str> = Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html");
    pub const PRINCIPAL: Option<&str> = Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html");
    pub const NOT_PRINCIPAL: Option<&str> = Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html");
    pub const CONDITION: Option<&str> = Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html");
    pub const OPERATORS: Option<&str> = Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html");
    pub const MULTI_VALUE: Option<&str> = Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html");
    pub const GLOBAL_KEYS: Option<&str> = Some(
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html",
    );
    pub const SERVICE_REFERENCE: Option<&str> = Some("https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html");
    pub const ARNS: Option<&str> =
        Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html");
    pub const VARIABLES: Option<&str> =
        Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html");
    pub const PASS_ROLE: Option<&str> =
        Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html");
    pub const SLR: Option<&str> =
        Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html");
    pub const QUOTAS: Option<&str> =
        Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html");
    pub const SCP: Option<&str> = Some("https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_syntax.html");
    pub const RCP: Option<&str> = Some("https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html");
    pub const ORG_QUOTAS: Option<&str> = Some(
        "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html",
    );
    pub const ABAC: Option<&str> = Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/introduction_attribute-based-access-control.html");
    pub const KEY_POLICIES: Option<&str> =
        Some("https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html");
    pub const KEY_POLICY_DEFAULT: Option<&str> =
        Some("https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html");
    pub const KMS_CONDITIONS: Option<&str> =
        Some("https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html");
    pub const KMS_GRANTS: Option<&str> =
        Some("https://docs.aws.amazon.com/kms/latest/developerguide/grants.html");
    pub const CONFUSED_DEPUTY: Option<&str> =
        Some("https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html");
    pub const CONNECT_ENCRYPTION: Option<&str> =
        Some("https://docs.aws.amazon.com/connect/latest/adminguide/encryption-at-rest.html");
}

/// The indefinite article for `word` ("an Amazon S3 action", "a Tag Editor action", "an ARN
/// key"): every AWS service name and key type that starts with a vowel letter is read with a
/// vowel sound.
pub fn article(word: &str) -> &'static str {
    match word.bytes().next().map(|b| b.to_ascii_lowercase()) {
        Some(b'a' | b'e' | b'i' | b'o' | b'u') => "an",
        _ => "a",
    }
}

/// The service prefix and action name of `service:Action` (both non-empty), else `None`.
pub fn split_action(s: &str) -> Option<(&str, &str)> {
    let (svc, name) = s.split_once(':')?;
    (!svc.is_empty() && !name.is_empty()).then_some((svc, name))
}

/// Whether the statement's Resource is `*` (or NotResource, which also covers almost all).
pub fn resource_is_star(st: &crate::policy::model::Statement) -> bool {
    st.resource
        .as_ref()
        .is_some_and(|r| !r.negated && r.items.iter().any(|i| i.value == "*"))
}
