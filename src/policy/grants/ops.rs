//! The grant operations: every value of the KMS API's `GrantOperation` enum, what kind of key
//! it works with, and whether it takes an encryption context (grant constraints apply only to
//! those).
//!
//! spec: KMS API Reference, "CreateGrant" (`Operations`: the `GrantOperation` values) and
//! "GrantConstraints" ("AWS KMS applies the grant constraints only to cryptographic operations
//! that support an encryption context, that is, all cryptographic operations with a symmetric
//! KMS key. Grant constraints are not applied to operations that do not support an encryption
//! context, such as cryptographic operations with asymmetric KMS keys and management
//! operations, such as DescribeKey or RetireGrant"); KMS Developer Guide, "Key usage" (a KMS
//! key has one key usage: ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC or KEY_AGREEMENT).

/// Which key usages an operation works with. A grant's operations that have no usage in common
/// cannot all be used on its one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// Works on every key (`DescribeKey`, `CreateGrant`, `RetireGrant`).
    Any,
    /// Symmetric or asymmetric (RSA, SM2) encryption keys.
    EncryptDecrypt,
    /// Symmetric encryption keys only (data keys are generated under a symmetric key).
    SymmetricEncrypt,
    /// Asymmetric keys that have a public key (encryption, signing, key agreement).
    Asymmetric,
    SignVerify,
    GenerateVerifyMac,
    KeyAgreement,
}

impl Usage {
    /// The key usages (as KMS names them) a key must have for this operation.
    pub fn key_usages(self) -> &'static [&'static str] {
        match self {
            Usage::Any => &[
                "ENCRYPT_DECRYPT",
                "SIGN_VERIFY",
                "GENERATE_VERIFY_MAC",
                "KEY_AGREEMENT",
            ],
            Usage::EncryptDecrypt | Usage::SymmetricEncrypt => &["ENCRYPT_DECRYPT"],
            Usage::Asymmetric => &["ENCRYPT_DECRYPT", "SIGN_VERIFY", "KEY_AGREEMENT"],
            Usage::SignVerify => &["SIGN_VERIFY"],
            Usage::GenerateVerifyMac => &["GENERATE_VERIFY_MAC"],
            Usage::KeyAgreement => &["KEY_AGREEMENT"],
        }
    }
}

/// One grant operation.
#[derive(Debug, PartialEq, Eq)]
pub struct Operation {
    /// As the API spells it (`GenerateDataKey`); the IAM action is `kms:` + this name.
    pub name: &'static str,
    /// Takes an encryption context (grant constraints apply).
    pub encryption_context: bool,
    pub usage: Usage,
}

macro_rules! operations {
    ($($name:ident: $ec:expr, $usage:ident;)*) => {
        /// Every `GrantOperation` value.
        pub const OPERATIONS: &[Operation] = &[$(Operation {
            name: stringify!($name),
            encryption_context: $ec,
            usage: Usage::$usage,
        }),*];
    };
}

operations! {
    Decrypt: true, EncryptDecrypt;
    Encrypt: true, EncryptDecrypt;
    GenerateDataKey: true, SymmetricEncrypt;
    GenerateDataKeyWithoutPlaintext: true, SymmetricEncrypt;
    GenerateDataKeyPair: true, SymmetricEncrypt;
    GenerateDataKeyPairWithoutPlaintext: true, SymmetricEncrypt;
    ReEncryptFrom: true, EncryptDecrypt;
    ReEncryptTo: true, EncryptDecrypt;
    // A grant's constraints bind the grants it lets the grantee create (KMS Developer Guide,
    // "Grant constraints": the new grant must have constraints at least as strict); the
    // request's `kms:EncryptionContext:` keys are the new grant's constraint pairs.
    CreateGrant: true, Any;
    RetireGrant: false, Any;
    DescribeKey: false, Any;
    GetPublicKey: false, Asymmetric;
    Sign: false, SignVerify;
    Verify: false, SignVerify;
    GenerateMac: false, GenerateVerifyMac;
    VerifyMac: false, GenerateVerifyMac;
    DeriveSharedSecret: false, KeyAgreement;
}

/// The operation named exactly `name` (the API's enum is case-sensitive).
pub fn find(name: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|o| o.name == name)
}

/// The operation a request's action (`kms:Decrypt`, any case, as IAM reads action names)
/// asks for; `None` for other services and for KMS actions no grant can allow.
pub fn for_action(action: &str) -> Option<&'static Operation> {
    let (service, name) = action.split_once(':')?;
    if !service.eq_ignore_ascii_case("kms") {
        return None;
    }
    OPERATIONS
        .iter()
        .find(|o| o.name.eq_ignore_ascii_case(name))
}

/// The operation a misspelt name probably meant: the same name in another case, or one
/// edit away.
pub fn suggest(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    OPERATIONS
        .iter()
        .find(|o| {
            let op = o.name.to_ascii_lowercase();
            op == lower || crate::policy::model::edit_distance_le1(&op, &lower)
        })
        .map(|o| o.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups() {
        assert_eq!(find("Decrypt").map(|o| o.name), Some("Decrypt"));
        assert!(find("decrypt").is_none());
        assert_eq!(for_action("KMS:decrypt").map(|o| o.name), Some("Decrypt"));
        assert!(for_action("kms:ListGrants").is_none());
        assert!(for_action("s3:Decrypt").is_none());
        assert_eq!(suggest("decrypt"), Some("Decrypt"));
        assert_eq!(suggest("Decryp"), Some("Decrypt"));
        assert_eq!(suggest("ReEncrypt"), None);
        assert_eq!(suggest("Nothing"), None);
    }
}
