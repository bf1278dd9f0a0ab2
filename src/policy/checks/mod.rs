//! The validator's checks, one file per family. Each check is a [`Check`] (code, severity,
//! one-line doc, learn-more link: plain data in its family's `checks!` registry) and the code
//! that reports it through [`Ctx::report`]: its own function, registered beside it (`=> f`), in
//! the families whose registry names them (actions, resources, sid, version); the other
//! families report from their `run`.
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

/// Declares a family's checks: `pub const NAME: Check` items, the `CHECKS` list, and `RUNS`, the
/// functions of the checks declared with `=> function` (each reports its own check, through
/// [`Ctx::report`]), in order.
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
        /// The functions of this family's checks, in order.
        pub const RUNS: &[$crate::policy::checks::CheckFn] = &[$($($run,)?)*];
    };
}
pub(crate) use checks;

/// A check's function: reports its check wherever the policy has the problem.
pub type CheckFn = fn(&Ctx<'_>);

/// Runs `checks` in order.
pub fn run_checks(ctx: &Ctx<'_>, checks: &[CheckFn]) {
    for check in checks {
        check(ctx);
    }
}

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

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings.into_inner()
    }
}

/// Runs every family.
pub fn run_all(ctx: &mut Ctx<'_>) {
    syntax::run(ctx);
    version::run(ctx);
    sid::run(ctx);
    empty::run(ctx);
    actions::run(ctx);
    resources::run(ctx);
    principals::run(ctx);
    conditions::run(ctx);
    variables::run(ctx);
    sensitive::run(ctx);
    tags::run(ctx);
    redundancy::run(ctx);
    size::run(ctx);
    org::run(ctx);
    kms::run(ctx);
}

/// Every check callseal knows, across families.
pub fn all_checks() -> Vec<&'static Check> {
    let families: &[&[Check]] = &[
        syntax::CHECKS,
        version::CHECKS,
        sid::CHECKS,
        empty::CHECKS,
        actions::CHECKS,
        resources::CHECKS,
        principals::CHECKS,
        conditions::CHECKS,
        variables::CHECKS,
        sensitive::CHECKS,
        tags::CHECKS,
        redundancy::CHECKS,
        size::CHECKS,
        org::CHECKS,
        kms::CHECKS,
    ];
    families.iter().flat_map(|f| f.iter()).collect()
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

/// All condition keys used by a statement (lower-cased), for "has a condition on X" tests.
pub fn condition_keys(st: &crate::policy::model::Statement) -> Vec<String> {
    st.condition
        .iter()
        .flat_map(|c| c.operators.iter())
        .flat_map(|o| o.entries.iter())
        .map(|e| e.key.value.to_ascii_lowercase())
        .collect()
}
