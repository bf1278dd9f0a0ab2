//! The global condition keys (`aws:*`), built in. spec: IAM User Guide, "AWS global condition
//! context keys" (types and single/multivalued as documented there).

use super::{key_pattern_matches, KeyType};

/// One global key: documented name (placeholders `${TagKey}`), type, multivalued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlobalKey {
    pub name: &'static str,
    pub key_type: KeyType,
    pub multivalued: bool,
}

const fn k(name: &'static str, key_type: KeyType, multivalued: bool) -> GlobalKey {
    GlobalKey {
        name,
        key_type,
        multivalued,
    }
}

use KeyType::*;

/// Every documented global condition key.
pub const GLOBAL_KEYS: &[GlobalKey] = &[
    // Principal properties
    k("aws:PrincipalArn", Arn, false),
    k("aws:PrincipalAccount", String, false),
    k("aws:PrincipalOrgPaths", String, true),
    k("aws:PrincipalOrgID", String, false),
    // Not on the global keys page, but AWS's own AWSSSOServiceRolePolicy conditions on it (AWS
    // Managed Policy Reference, https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSSSOServiceRolePolicy.html:
    // `StringNotEquals` against `${aws:PrincipalAccount}`): the account id of the management
    // account of the principal's organization.
    k("aws:PrincipalOrgMasterAccountId", String, false),
    k("aws:PrincipalTag/${TagKey}", String, false),
    k("aws:PrincipalIsAWSService", Bool, false),
    k("aws:PrincipalServiceName", String, false),
    k("aws:PrincipalServiceNamesList", String, true),
    k("aws:PrincipalType", String, false),
    k("aws:userid", String, false),
    k("aws:username", String, false),
    k("aws:AssumedRoot", Bool, false),
    // Role session properties
    k("aws:FederatedProvider", String, false),
    k("aws:TokenIssueTime", Date, false),
    k("aws:MultiFactorAuthAge", Numeric, false),
    k("aws:MultiFactorAuthPresent", Bool, false),
    k("aws:ChatbotSourceArn", Arn, false),
    k("aws:Ec2InstanceSourceVpc", String, false),
    k("aws:Ec2InstanceSourcePrivateIPv4", IpAddress, false),
    k("aws:SourceIdentity", String, false),
    k("ec2:RoleDelivery", Numeric, false),
    k("ec2:SourceInstanceArn", Arn, false),
    k("glue:RoleAssumedBy", String, false),
    k("glue:CredentialIssuingService", String, false),
    k("codestar-connections:PassedToService", String, false),
    k("lambda:SourceFunctionArn", Arn, false),
    k("ssm:SourceInstanceArn", Arn, false),
    k("identitystore:UserId", String, false),
    // Network properties
    k("aws:SourceIp", IpAddress, false),
    k("aws:SourceVpc", String, false),
    k("aws:SourceVpcArn", Arn, false),
    k("aws:SourceVpce", String, false),
    k("aws:VpceAccount", String, false),
    k("aws:VpceOrgID", String, false),
    k("aws:VpceOrgPaths", String, true),
    k("aws:VpcSourceIp", IpAddress, false),
    // Resource properties
    k("aws:ResourceAccount", String, false),
    k("aws:ResourceOrgID", String, false),
    k("aws:ResourceOrgPaths", String, true),
    k("aws:ResourceTag/${TagKey}", String, false),
    // Request properties
    k("aws:CalledVia", String, true),
    k("aws:CalledViaFirst", String, false),
    k("aws:CalledViaLast", String, false),
    k("aws:ViaAWSService", Bool, false),
    k("aws:CurrentTime", Date, false),
    k("aws:EpochTime", Date, false),
    k("aws:referer", String, false),
    k("aws:RequestedRegion", String, false),
    k("aws:RequestTag/${TagKey}", String, false),
    k("aws:TagKeys", String, true),
    k("aws:SecureTransport", Bool, false),
    k("aws:SourceAccount", String, false),
    k("aws:SourceArn", Arn, false),
    k("aws:SourceOrgID", String, false),
    k("aws:SourceOrgPaths", String, true),
    k("aws:UserAgent", String, false),
    k("aws:IsMcpServiceAction", Bool, false),
    // Older keys some services still document.
    k("aws:SourceOwner", String, false),
];

/// Keys IAM does not support at all (Access Analyzer: UNSUPPORTED_GLOBAL_CONDITION_KEY), with
/// what to use instead.
pub const UNSUPPORTED_GLOBAL_KEYS: &[(&str, &str)] =
    &[("aws:ARN", "aws:PrincipalArn or aws:SourceArn")];

/// The global key matching `key` (case-insensitive).
pub fn global_key(key: &str) -> Option<&'static GlobalKey> {
    GLOBAL_KEYS
        .iter()
        .find(|g| key_pattern_matches(g.name, key))
}

/// The multivalued keys callseal knows without service data (globals plus the KMS and
/// tagging keys policies of this project use most).
pub fn known_multivalued(key: &str) -> Option<bool> {
    if let Some(g) = global_key(key) {
        return Some(g.multivalued);
    }
    const MULTI: &[&str] = &[
        "kms:EncryptionContextKeys",
        "kms:GrantOperations",
        "kms:ResourceAliases",
        "kms:RequestAlias",
    ];
    if MULTI.iter().any(|m| m.eq_ignore_ascii_case(key)) {
        return Some(!key.eq_ignore_ascii_case("kms:RequestAlias"));
    }
    None
}
