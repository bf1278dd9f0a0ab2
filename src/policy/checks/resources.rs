//! Resource / NotResource ARNs: shape (prefix, fields, partition, service case, region,
//! account) and, with service data, whether the ARN is one of the service's resource types and
//! where it may or must carry a region and account. spec: IAM User Guide, "IAM identifiers"
//! (ARN format) and the Service Authorization Reference (resource types).

use super::{checks, links, Ctx};
use crate::policy::catalog::Catalog;
use crate::policy::iam::arn::{is_account_id, is_region_like, Arn, PARTITIONS};
use crate::policy::iam::glob::text_has_wildcard;
use crate::policy::model::ItemPath;
use crate::policy::span::TextRange;

checks! {
    INVALID_ARN_PREFIX = (Error, "A resource that is neither `*` nor an ARN starting with `arn:`.", links::ARNS);
    MISSING_ARN_FIELD = (Error, "An ARN with fewer than six colon-separated fields.", links::ARNS);
    INVALID_PARTITION = (Error, "An ARN partition other than aws, aws-cn, aws-us-gov, aws-iso*, aws-eusc.", links::ARNS);
    INVALID_ARN_SERVICE_CASE = (Error, "The service in an ARN must be lower case.", links::ARNS);
    INVALID_ARN_REGION = (Error, "The region field of an ARN is not a region code.", links::ARNS);
    INVALID_ARN_ACCOUNT = (Error, "The account field of an ARN is not a 12-digit account id.", links::ARNS);
    INVALID_SERVICE = (Error, "A service prefix (in an ARN or a condition key) that does not exist (service data).", links::SERVICE_REFERENCE);
    INVALID_ARN_RESOURCE = (Error, "The ARN matches none of the service's resource types (service data).", links::SERVICE_REFERENCE);
    MISSING_ARN_REGION = (Error, "The service's resource type needs a region in the ARN (service data).", links::SERVICE_REFERENCE);
    ARN_REGION_NOT_ALLOWED = (Error, "The service's resource type has no region in its ARN (service data).", links::SERVICE_REFERENCE);
    MISSING_ARN_ACCOUNT = (Error, "The service's resource type needs an account id in the ARN (service data).", links::SERVICE_REFERENCE);
    ARN_ACCOUNT_NOT_ALLOWED = (Error, "The service's resource type has no account id in its ARN (e.g. S3 buckets) (service data).", links::SERVICE_REFERENCE);
}

/// Replaces each `${...}` policy variable by `*` (what it can match) so that ARN fields split
/// correctly.
pub fn mask_variables(s: &str) -> String {
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
    out
}

pub fn run(ctx: &mut Ctx<'_>) {
    let p = ctx.policy;
    for st in &p.statements {
        let Some(list) = &st.resource else { continue };
        for (i, it) in list.items.iter().enumerate() {
            if it.value == "*" || it.value.is_empty() {
                continue;
            }
            check_arn(ctx, it.range, list.item(i), &it.value);
        }
    }
}

/// Checks one ARN (also used for ARN condition values and principals).
pub fn check_arn(ctx: &Ctx<'_>, range: TextRange, path: ItemPath<'_>, raw: &str) -> bool {
    let masked = mask_variables(raw);
    let s = masked.as_str();
    if !s.starts_with("arn:") {
        if s.to_ascii_lowercase().starts_with("arn:") {
            let fixed = format!("\"arn:{}\"", &raw[4..]);
            ctx.report_fix(
                &INVALID_ARN_PREFIX,
                range,
                path,
                format!("`{raw}`: the ARN prefix must be lower-case `arn:`."),
                range,
                fixed,
                "Use `arn:`",
            );
        } else {
            ctx.report(&INVALID_ARN_PREFIX, range, path, format!("`{raw}` is not an ARN: resources are `*` or ARNs such as `arn:aws:s3:::my-bucket/*`."));
        }
        return false;
    }
    let Some(arn) = Arn::parse(s) else {
        ctx.report(&MISSING_ARN_FIELD, range, path, format!("`{raw}` has too few fields: an ARN is `arn:partition:service:region:account:resource` (region and account may be empty, the colons may not)."));
        return false;
    };
    let mut ok = true;
    if !text_has_wildcard(arn.partition) && !PARTITIONS.contains(&arn.partition) {
        ctx.report(
            &INVALID_PARTITION,
            range,
            path,
            format!(
                "`{}` is not an AWS partition: use `aws` (or aws-cn, aws-us-gov, ...).",
                arn.partition
            ),
        );
        ok = false;
    }
    if arn.service.is_empty() {
        ctx.report(
            &MISSING_ARN_FIELD,
            range,
            path,
            format!("`{raw}` has an empty service field."),
        );
        return false;
    }
    if text_has_wildcard(arn.service) {
        ctx.report(&super::actions::WILDCARD_IN_SERVICE_NAME, range, path, format!("`{}` uses a wildcard in the ARN's service: it can match other services. Name the service.", arn.service));
        return ok;
    }
    if arn.service.bytes().any(|b| b.is_ascii_uppercase()) {
        let fixed = raw.replacen(arn.service, &arn.service.to_ascii_lowercase(), 1);
        ctx.report_fix(
            &INVALID_ARN_SERVICE_CASE,
            range,
            path,
            format!(
                "The service `{}` in an ARN must be lower case.",
                arn.service
            ),
            range,
            format!("\"{fixed}\""),
            "Lower-case the service",
        );
        ok = false;
    }
    if !arn.region.is_empty() && !text_has_wildcard(arn.region) && !is_region_like(arn.region) {
        ctx.report(
            &INVALID_ARN_REGION,
            range,
            path,
            format!("`{}` is not a region code (such as us-east-1).", arn.region),
        );
        ok = false;
    }
    if !arn.account.is_empty()
        && !text_has_wildcard(arn.account)
        && !is_account_id(arn.account)
        && arn.account != "aws"
    {
        ctx.report(
            &INVALID_ARN_ACCOUNT,
            range,
            path,
            format!(
                "`{}` is not an account id: use the 12-digit AWS account number.",
                arn.account
            ),
        );
        ok = false;
    }
    if let Some(cat) = ctx.catalog {
        ok &= check_with_catalog(ctx, cat, range, path, raw, &arn);
    }
    ok
}

fn check_with_catalog(
    ctx: &Ctx<'_>,
    cat: &Catalog,
    range: TextRange,
    path: ItemPath<'_>,
    raw: &str,
    arn: &Arn<'_>,
) -> bool {
    // Resource types are looked up by the ARN's namespace: Service Catalog's ARNs say
    // `catalog`, Route 53 ARC's `route53-recovery-control`, EC2 lists `elastic-inference`.
    let in_namespace: Vec<ArnTemplate<'_>> = cat
        .resource_types_in_namespace(arn.service)
        .filter_map(|(s, t)| {
            let f = t.arn_fields()?;
            Some(ArnTemplate {
                service: &s.name,
                full: &t.arn,
                region: f.region,
                account: f.account,
                resource: f.resource,
                literal: f.resource_literal,
            })
        })
        .chain(
            DOCUMENTED_ARNS
                .iter()
                .filter(|(ns, _, _)| *ns == arn.service)
                .filter_map(|(_, name, arn)| template(name, arn)),
        )
        .collect();
    let name = match (cat.service(arn.service), in_namespace.first()) {
        (Some(s), _) => s.name.as_str(),
        (None, Some(t)) => t.service,
        (None, None) => {
            ctx.report(
                &INVALID_SERVICE,
                range,
                path,
                format!(
                    "`{}` is neither an AWS service prefix nor the namespace of any resource type's ARN.",
                    arn.service
                ),
            );
            return false;
        }
    };
    if in_namespace.is_empty() {
        return true;
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
    for t in &in_namespace {
        if !literal_prefixes_agree(t.literal, arn.resource)
            || !globs_intersect(&template_tokens(t.resource, true), &resource_tokens)
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
        if star_crosses_segments(arn, &in_namespace) {
            return true;
        }
        let examples: Vec<&str> = in_namespace.iter().take(3).map(|t| t.full).collect();
        ctx.report(
            &INVALID_ARN_RESOURCE,
            range,
            path,
            format!(
                "`{raw}` matches no {name} resource type; ARNs look like {}.",
                examples.join(", ")
            ),
        );
        return false;
    }
    if arn.region.is_empty() && candidates.iter().all(|t| !t.region.is_empty()) {
        ctx.report(
            &MISSING_ARN_REGION,
            range,
            path,
            format!(
                "{} ARNs of this type include a region (`{}`); add it or use `*`.",
                name, candidates[0].full
            ),
        );
        return false;
    }
    if !arn.region.is_empty() && !wild_region && candidates.iter().all(|t| t.region.is_empty()) {
        ctx.report(
            &ARN_REGION_NOT_ALLOWED,
            range,
            path,
            format!(
                "{} ARNs of this type have no region (`{}`): remove `{}`.",
                name, candidates[0].full, arn.region
            ),
        );
        return false;
    }
    if arn.account.is_empty() && candidates.iter().all(|t| !t.account.is_empty()) {
        ctx.report(
            &MISSING_ARN_ACCOUNT,
            range,
            path,
            format!(
                "{} ARNs of this type include an account id (`{}`); add it or use `*`.",
                name, candidates[0].full
            ),
        );
        return false;
    }
    if !arn.account.is_empty() && !wild_account && candidates.iter().all(|t| t.account.is_empty()) {
        ctx.report(
            &ARN_ACCOUNT_NOT_ALLOWED,
            range,
            path,
            format!(
                "{} ARNs of this type have no account id (`{}`): remove `{}`.",
                name, candidates[0].full, arn.account
            ),
        );
        return false;
    }
    true
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
    })
}

/// IAM User Guide, "Resource": a `*` that is the last character of an ARN segment can match
/// beyond the colon boundaries, so `arn:aws:logs:*:*:/aws-glue/*` names log groups
/// (`...:123456789012:log-group:/aws-glue/...`). Compares `region:account:resource` as a whole:
/// such a `*` may take colons, any other wildcard and every template placeholder may not.
fn star_crosses_segments(arn: &Arn<'_>, templates: &[ArnTemplate<'_>]) -> bool {
    if !arn.region.ends_with('*') && !arn.account.ends_with('*') {
        return false;
    }
    let policy = format!("{}:{}:{}", arn.region, arn.account, arn.resource);
    let policy = segment_tokens(&policy);
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
