//! Resource / NotResource ARNs: shape (prefix, fields, partition, service case, region,
//! account) and, with service data, whether the ARN is one of the service's resource types and
//! where it may or must carry a region and account. spec: IAM User Guide, "IAM identifiers"
//! (ARN format) and the Service Authorization Reference (resource types).

use super::parsed::ResourceEntry;
use super::{checks, links, verdict_checks, Check, Ctx, Verdict};
use std::borrow::Cow;
use std::cell::OnceCell;

use foldhash::{HashMap, HashMapExt};

use crate::policy::catalog::Catalog;
use crate::policy::iam::arn::{is_account_id, is_region_like, Arn, PARTITIONS};
use crate::policy::iam::glob::{text_has_variable, text_has_wildcard};

checks! {
    INVALID_ARN_PREFIX = (Error, "A resource that is neither `*` nor an ARN starting with `arn:`.", links::ARNS) => invalid_arn_prefix;
    MISSING_ARN_FIELD = (Error, "An ARN with fewer than six colon-separated fields.", links::ARNS) => missing_arn_field;
    INVALID_PARTITION = (Error, "An ARN partition other than aws, aws-cn, aws-us-gov, aws-iso*, aws-eusc.", links::ARNS) => invalid_partition;
    INVALID_ARN_SERVICE_CASE = (Error, "The service in an ARN must be lower case.", links::ARNS) => invalid_arn_service_case;
    INVALID_ARN_REGION = (Error, "The region field of an ARN is not a region code.", links::ARNS) => invalid_arn_region;
    INVALID_ARN_ACCOUNT = (Error, "The account field of an ARN is not a 12-digit account id.", links::ARNS) => invalid_arn_account;
    INVALID_SERVICE = (Error, "A service prefix (in an ARN or a condition key) that does not exist (service data).", links::SERVICE_REFERENCE) => invalid_service;
    INVALID_ARN_RESOURCE = (Error, "The ARN matches none of the service's resource types (service data).", links::SERVICE_REFERENCE) => invalid_arn_resource;
    MISSING_ARN_REGION = (Error, "The service's resource type needs a region in the ARN (service data).", links::SERVICE_REFERENCE) => missing_arn_region;
    ARN_REGION_NOT_ALLOWED = (Error, "The service's resource type has no region in its ARN (service data).", links::SERVICE_REFERENCE) => arn_region_not_allowed;
    MISSING_ARN_ACCOUNT = (Error, "The service's resource type needs an account id in the ARN (service data).", links::SERVICE_REFERENCE) => missing_arn_account;
    ARN_ACCOUNT_NOT_ALLOWED = (Error, "The service's resource type has no account id in its ARN (e.g. S3 buckets) (service data).", links::SERVICE_REFERENCE) => arn_account_not_allowed;
}

/// Replaces each `${...}` policy variable by `*` (what it can match) so that ARN fields split
/// correctly.
pub fn mask_variables(s: &str) -> Cow<'_, str> {
    if !text_has_variable(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        match rest[i..].find('}') {
            Some(j) => {
                out.push('*');
                rest = &rest[i + j + 1..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn invalid_arn_prefix(ctx: &Ctx<'_>) {
    for r in ctx.parsed.resources() {
        let raw = r.item.value.as_str();
        if r.masked.starts_with("arn:") {
            continue;
        }
        if r.masked.to_ascii_lowercase().starts_with("arn:") {
            ctx.report_fix(
                &INVALID_ARN_PREFIX,
                r.item.range,
                r.path(),
                format!("`{raw}`: the ARN prefix must be lower-case `arn:`."),
                r.item.range,
                format!("\"arn:{}\"", &raw[4..]),
                "Use `arn:`",
            );
        } else {
            r.report(ctx, &INVALID_ARN_PREFIX, format!("`{raw}` is not an ARN: resources are `*` or ARNs such as `arn:aws:s3:::my-bucket/*`."));
        }
    }
}

fn missing_arn_field(ctx: &Ctx<'_>) {
    for r in ctx.parsed.resources() {
        let raw = &r.item.value;
        match r.arn() {
            None if r.masked.starts_with("arn:") => r.report(ctx, &MISSING_ARN_FIELD, format!("`{raw}` has too few fields: an ARN is `arn:partition:service:region:account:resource` (region and account may be empty, the colons may not).")),
            Some(arn) if arn.service.is_empty() => r.report(
                ctx,
                &MISSING_ARN_FIELD,
                format!("`{raw}` has an empty service field."),
            ),
            _ => {}
        }
    }
}

fn invalid_partition(ctx: &Ctx<'_>) {
    for r in ctx.parsed.resources() {
        let Some(arn) = r.arn() else { continue };
        if !text_has_wildcard(arn.partition) && !PARTITIONS.contains(&arn.partition) {
            r.report(
                ctx,
                &INVALID_PARTITION,
                format!(
                    "`{}` is not an AWS partition: use `aws` (or aws-cn, aws-us-gov, ...).",
                    arn.partition
                ),
            );
        }
    }
}

/// The ARNs whose service is named: not empty, no wildcard (reported by the actions family's
/// WILDCARD_IN_SERVICE_NAME). The field checks below look at these only.
fn named_service<'c>(
    ctx: &'c Ctx<'_>,
) -> impl Iterator<Item = (&'c ResourceEntry<'c>, Arn<'c>)> + 'c {
    ctx.parsed.resources().iter().filter_map(|r| {
        let arn = r.arn()?;
        (!arn.service.is_empty() && !text_has_wildcard(arn.service)).then_some((r, arn))
    })
}

fn invalid_arn_service_case(ctx: &Ctx<'_>) {
    for (r, arn) in named_service(ctx) {
        if !arn.service.bytes().any(|b| b.is_ascii_uppercase()) {
            continue;
        }
        let fixed = r
            .item
            .value
            .replacen(arn.service, &arn.service.to_ascii_lowercase(), 1);
        ctx.report_fix(
            &INVALID_ARN_SERVICE_CASE,
            r.item.range,
            r.path(),
            format!(
                "The service `{}` in an ARN must be lower case.",
                arn.service
            ),
            r.item.range,
            format!("\"{fixed}\""),
            "Lower-case the service",
        );
    }
}

fn invalid_arn_region(ctx: &Ctx<'_>) {
    for (r, arn) in named_service(ctx) {
        if !arn.region.is_empty() && !text_has_wildcard(arn.region) && !is_region_like(arn.region) {
            r.report(
                ctx,
                &INVALID_ARN_REGION,
                format!("`{}` is not a region code (such as us-east-1).", arn.region),
            );
        }
    }
}

fn invalid_arn_account(ctx: &Ctx<'_>) {
    for (r, arn) in named_service(ctx) {
        if !arn.account.is_empty()
            && !text_has_wildcard(arn.account)
            && !is_account_id(arn.account)
            && arn.account != "aws"
        {
            r.report(
                ctx,
                &INVALID_ARN_ACCOUNT,
                format!(
                    "`{}` is not an account id: use the 12-digit AWS account number.",
                    arn.account
                ),
            );
        }
    }
}

/// What the service data says about each ARN with a named service (at most one finding each),
/// worked out once for the six checks below.
fn catalog_findings<'c>(ctx: &'c Ctx<'_>) -> &'c [Verdict] {
    ctx.parsed.resource_catalog.get_or_init(|| {
        let Some(cat) = ctx.catalog else {
            return Vec::new();
        };
        // The templates of each namespace, read once per policy.
        let mut templates: HashMap<&str, Vec<ArnTemplate<'_>>> = HashMap::new();
        named_service(ctx)
            .filter_map(|(r, arn)| {
                let in_namespace = templates
                    .entry(arn.service)
                    .or_insert_with(|| templates_in_namespace(cat, arn.service));
                let (check, message) =
                    catalog_finding(cat, &r.item.value, &arn, r.widest, in_namespace)?;
                Some(Verdict::new(check, r.item.range, r.path(), message))
            })
            .collect()
    })
}

verdict_checks! {
    catalog_findings;
    invalid_arn_resource => INVALID_ARN_RESOURCE,
    missing_arn_region => MISSING_ARN_REGION,
    arn_region_not_allowed => ARN_REGION_NOT_ALLOWED,
    missing_arn_account => MISSING_ARN_ACCOUNT,
    arn_account_not_allowed => ARN_ACCOUNT_NOT_ALLOWED,
}

/// ARN namespaces and condition-key prefixes that are no service in the service data.
fn invalid_service(ctx: &Ctx<'_>) {
    ctx.report_verdicts(catalog_findings(ctx), &INVALID_SERVICE);
    ctx.report_verdicts(super::conditions::key_verdicts(ctx), &INVALID_SERVICE);
}

/// The ARN templates of a namespace: resource types are looked up by the ARN's namespace
/// (Service Catalog's ARNs say `catalog`, Route 53 ARC's `route53-recovery-control`, EC2 lists
/// `elastic-inference`), and the ARNs of [`DOCUMENTED_ARNS`].
fn templates_in_namespace<'a>(cat: &'a Catalog, namespace: &'a str) -> Vec<ArnTemplate<'a>> {
    cat.resource_types_in_namespace(namespace)
        .filter_map(|(s, t)| {
            let f = t.arn_fields()?;
            Some(ArnTemplate {
                service: &s.name,
                full: &t.arn,
                region: f.region,
                account: f.account,
                resource: f.resource,
                literal: f.resource_literal,
                tokens: OnceCell::new(),
            })
        })
        .chain(
            DOCUMENTED_ARNS
                .iter()
                .filter(|(ns, _, _)| *ns == namespace)
                .filter_map(|(_, name, arn)| template(name, arn)),
        )
        .collect()
}

/// The service-data finding for one ARN (`raw`, parsed as `arn`, whose namespace's templates
/// are `in_namespace`), if any. `widest`: whether a `*` ending the region, not only the
/// account, may take colons ([`super::parsed::ResourceEntry::widest`]).
fn catalog_finding(
    cat: &Catalog,
    raw: &str,
    arn: &Arn<'_>,
    widest: bool,
    in_namespace: &[ArnTemplate<'_>],
) -> Option<(&'static Check, String)> {
    let name = match (cat.service(arn.service), in_namespace.first()) {
        (Some(s), _) => s.name.as_str(),
        (None, Some(t)) => t.service,
        (None, None) => {
            return Some((&INVALID_SERVICE, format!(
                    "`{}` is neither an AWS service prefix nor the namespace of any resource type's ARN.",
                    arn.service
                )));
        }
    };
    if in_namespace.is_empty() {
        return None;
    }

    let resource_tokens = policy_tokens(arn.resource);
    let wild_region = text_has_wildcard(arn.region);
    let wild_account = text_has_wildcard(arn.account);
    // Collect matching templates lazily, stopping once one fits the ARN's region and account
    // fields (then no region / account finding is possible): keeps large services cheap.
    let fits = |t: &ArnTemplate<'_>| {
        (arn.region.is_empty() || wild_region) == t.region.is_empty() || wild_region
    } && {
        (arn.account.is_empty() || wild_account) == t.account.is_empty() || wild_account
    };
    let mut candidates: Vec<&ArnTemplate<'_>> = Vec::new();
    for t in in_namespace {
        if !literal_prefixes_agree(t.literal, arn.resource)
            || !globs_intersect(t.resource_tokens(), &resource_tokens)
        {
            continue;
        }
        let done = fits(t);
        candidates.push(t);
        if done {
            break;
        }
    }
    if candidates.is_empty() {
        if star_crosses_segments(arn, in_namespace, widest) {
            return None;
        }
        let examples: Vec<&str> = in_namespace.iter().take(3).map(|t| t.full).collect();
        return Some((
            &INVALID_ARN_RESOURCE,
            format!(
                "`{raw}` matches no {name} resource type; ARNs look like {}.",
                examples.join(", ")
            ),
        ));
    }
    if arn.region.is_empty() && candidates.iter().all(|t| !t.region.is_empty()) {
        return Some((
            &MISSING_ARN_REGION,
            format!(
                "{} ARNs of this type include a region (`{}`); add it or use `*`.",
                name, candidates[0].full
            ),
        ));
    }
    if !arn.region.is_empty() && !wild_region && candidates.iter().all(|t| t.region.is_empty()) {
        return Some((
            &ARN_REGION_NOT_ALLOWED,
            format!(
                "{} ARNs of this type have no region (`{}`): remove `{}`.",
                name, candidates[0].full, arn.region
            ),
        ));
    }
    if arn.account.is_empty() && candidates.iter().all(|t| !t.account.is_empty()) {
        return Some((
            &MISSING_ARN_ACCOUNT,
            format!(
                "{} ARNs of this type include an account id (`{}`); add it or use `*`.",
                name, candidates[0].full
            ),
        ));
    }
    if !arn.account.is_empty() && !wild_account && candidates.iter().all(|t| t.account.is_empty()) {
        return Some((
            &ARN_ACCOUNT_NOT_ALLOWED,
            format!(
                "{} ARNs of this type have no account id (`{}`): remove `{}`.",
                name, candidates[0].full, arn.account
            ),
        ));
    }
    None
}

/// Cheap pre-filter: the literal text before the first placeholder (template, `t`) / wildcard
/// (policy) must agree on their common length, else the patterns cannot intersect.
fn literal_prefixes_agree(t: &str, policy: &str) -> bool {
    let p = policy.find(['*', '?']).map_or(policy, |i| &policy[..i]);
    let n = t.len().min(p.len());
    t.as_bytes()[..n] == p.as_bytes()[..n]
}

struct ArnTemplate<'a> {
    /// The name of the service that lists the resource type.
    service: &'a str,
    full: &'a str,
    region: &'a str,
    account: &'a str,
    resource: &'a str,
    /// `resource` up to its first placeholder.
    literal: &'a str,
    /// `resource` as [`template_tokens`] (placeholders may take colons), made when first used.
    tokens: OnceCell<Vec<Tok>>,
}

impl ArnTemplate<'_> {
    fn resource_tokens(&self) -> &[Tok] {
        self.tokens
            .get_or_init(|| template_tokens(self.resource, true))
    }
}

/// ARNs that AWS documents but the service data has no resource type for: (namespace, who
/// documents it, ARN template).
const DOCUMENTED_ARNS: &[(&str, &str, &str)] = &[
    // IAM User Guide, "IAM identifiers": the account root user.
    ("iam", "AWS Identity and Access Management (IAM)", "arn:${Partition}:iam::${Account}:root"),
    // Systems Manager User Guide: AWS-owned public documents, automation runbooks and public
    // parameters (`/aws/service/...`) carry no account id.
    ("ssm", "AWS Systems Manager", "arn:${Partition}:ssm:${Region}::document/${DocumentName}"),
    ("ssm", "AWS Systems Manager", "arn:${Partition}:ssm:${Region}::automation-definition/${AutomationDefinitionName}:${VersionId}"),
    ("ssm", "AWS Systems Manager", "arn:${Partition}:ssm:${Region}::parameter/aws/${ParameterPath}"),
];

fn template<'a>(service: &'a str, arn: &'a str) -> Option<ArnTemplate<'a>> {
    let parts = Arn::parse(arn)?;
    Some(ArnTemplate {
        service,
        full: arn,
        region: parts.region,
        account: parts.account,
        resource: parts.resource,
        literal: parts
            .resource
            .find("${")
            .map_or(parts.resource, |i| &parts.resource[..i]),
        tokens: OnceCell::new(),
    })
}

/// IAM User Guide, "Resource": a `*` that is the last character of an ARN segment can match
/// beyond the colon boundaries, so `arn:aws:logs:*:*:/aws-glue/*` names log groups
/// (`...:123456789012:log-group:/aws-glue/...`). Compares `region:account:resource` as a whole:
/// a `*` ending the account (with `widest`, also one ending the region) may take colons, as
/// may one ending a colon-separated part of the resource; any other wildcard and every template
/// placeholder may not. Without `widest` this is the reading the evaluator gives an Allow's
/// `Resource` ([`crate::policy::iam::arn::arn_match`]), so an ARN reported here is one the
/// evaluator matches no resource with.
fn star_crosses_segments(arn: &Arn<'_>, templates: &[ArnTemplate<'_>], widest: bool) -> bool {
    let region_crosses = widest && arn.region.ends_with('*');
    if !region_crosses && !arn.account.ends_with('*') {
        return false;
    }
    let mut policy = segment_tokens(arn.region);
    if !region_crosses {
        if let Some(Tok::Any(colons)) = policy.last_mut() {
            *colons = false;
        }
    }
    for part in [arn.account, arn.resource] {
        policy.push(Tok::Lit(b':'));
        policy.extend(segment_tokens(part));
    }
    templates.iter().any(|t| {
        let whole = format!("{}:{}:{}", t.region, t.account, t.resource);
        globs_intersect(&template_tokens(&whole, false), &policy)
    })
}

/// Policy tokens over a whole ARN tail: a `*` ending a segment (before `:` or at the end)
/// matches any run including colons; other wildcards stay within a segment.
fn segment_tokens(s: &str) -> Vec<Tok> {
    let b = s.as_bytes();
    b.iter()
        .enumerate()
        .map(|(i, &c)| match c {
            b'*' => Tok::Any(matches!(b.get(i + 1), None | Some(b':'))),
            b'?' => Tok::One(false),
            c => Tok::Lit(c),
        })
        .collect()
}

/// A pattern token; the flag says whether the wildcard may take a `:`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    Lit(u8),
    One(bool),
    Any(bool),
}

/// Template tokens: `${X}` is one or more characters (`colons`: which may include `:`).
fn template_tokens(s: &str, colons: bool) -> Vec<Tok> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' && b.get(i + 1) == Some(&b'{') {
            if let Some(j) = b[i..].iter().position(|&c| c == b'}') {
                out.push(Tok::One(colons));
                out.push(Tok::Any(colons));
                i += j + 1;
                continue;
            }
        }
        out.push(Tok::Lit(b[i]));
        i += 1;
    }
    out
}

/// Policy tokens of an ARN's resource field: `*` any run, `?` one character.
fn policy_tokens(s: &str) -> Vec<Tok> {
    s.bytes()
        .map(|c| match c {
            b'*' => Tok::Any(true),
            b'?' => Tok::One(true),
            c => Tok::Lit(c),
        })
        .collect()
}

/// Whether one character can be consumed by both tokens.
fn compatible(a: Tok, b: Tok) -> bool {
    match (a, b) {
        (Tok::Lit(x), Tok::Lit(y)) => x == y,
        (Tok::Lit(c), Tok::One(colon) | Tok::Any(colon))
        | (Tok::One(colon) | Tok::Any(colon), Tok::Lit(c)) => colon || c != b':',
        _ => true,
    }
}

/// Whether some string matches both patterns (dynamic programming, O(len a × len b)).
fn globs_intersect(a: &[Tok], b: &[Tok]) -> bool {
    let (n, m) = (a.len(), b.len());
    let any = |t: Tok| matches!(t, Tok::Any(_));
    // reach[i][j]: prefixes a[..i], b[..j] can be consumed together.
    let mut reach = vec![false; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    reach[at(0, 0)] = true;
    for i in 0..=n {
        for j in 0..=m {
            if !reach[at(i, j)] {
                continue;
            }
            // `Any` may match the empty string.
            if i < n && any(a[i]) {
                reach[at(i + 1, j)] = true;
            }
            if j < m && any(b[j]) {
                reach[at(i, j + 1)] = true;
            }
            // Consume one character on both sides.
            if i < n && j < m && compatible(a[i], b[j]) {
                // Each side either advances, or stays on an `Any` (which may absorb more).
                let ni = if any(a[i]) { i } else { i + 1 };
                let nj = if any(b[j]) { j } else { j + 1 };
                if (ni, nj) != (i, j) {
                    reach[at(ni, nj)] = true;
                }
                if any(a[i]) && any(b[j]) {
                    reach[at(i + 1, j + 1)] = true;
                }
            }
        }
    }
    reach[at(n, m)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x(t: &str, p: &str) -> bool {
        globs_intersect(&template_tokens(t, true), &policy_tokens(p))
    }

    #[test]
    fn template_intersection() {
        assert!(x("key/${KeyId}", "key/1234"));
        assert!(x("key/${KeyId}", "*"));
        assert!(x("key/${KeyId}", "key/*"));
        assert!(!x("key/${KeyId}", "key/"));
        assert!(!x("key/${KeyId}", "alias/x"));
        assert!(x("${BucketName}/${ObjectName}", "my-bucket/*"));
        assert!(x("${BucketName}", "my-bucket"));
        assert!(!x("${BucketName}/${ObjectName}", "my-bucket"));
        assert!(x(
            "instance/${InstanceId}/contact-flow/${ContactFlowId}",
            "instance/*/contact-flow/*"
        ));
        assert_eq!(
            mask_variables("arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}"),
            "arn:aws:iam::*:user/*"
        );
    }
}
