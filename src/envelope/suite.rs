//! The 11 AWS Encryption SDK algorithm suites, as data.
//!
//! spec: framework/algorithm-suites.md#supported-algorithm-suites-enum

use crate::err;
use crate::error::Result;

/// Key derivation function of a suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kdf {
    /// The data key is the content key (legacy suites 0014/0046/0078).
    Identity,
    /// HKDF with SHA-256.
    HkdfSha256,
    /// HKDF with SHA-384.
    HkdfSha384,
    /// HKDF with SHA-512 (committing suites).
    HkdfSha512,
}

/// Footer signature algorithm of a suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signature {
    /// No footer.
    None,
    /// ECDSA over P-256 with SHA-256.
    EcdsaP256Sha256,
    /// ECDSA over P-384 with SHA-384.
    EcdsaP384Sha384,
}

impl Signature {
    /// Length of the signature's hash (32 for P-256, 48 for P-384), 0 for none.
    pub fn hash_len(self) -> usize {
        match self {
            Signature::None => 0,
            Signature::EcdsaP256Sha256 => 32,
            Signature::EcdsaP384Sha384 => 48,
        }
    }
}

/// Message format (header) version a suite is used with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderVersion {
    /// Version 1 (`01`), 16-byte message id, header IV.
    V1,
    /// Version 2 (`02`), 32-byte message id, suite data (commitment key).
    V2,
}

impl HeaderVersion {
    /// The version byte.
    pub fn byte(self) -> u8 {
        match self {
            HeaderVersion::V1 => 1,
            HeaderVersion::V2 => 2,
        }
    }
    /// Length of the message id in this version.
    pub fn message_id_len(self) -> usize {
        match self {
            HeaderVersion::V1 => 16,
            HeaderVersion::V2 => 32,
        }
    }
}

/// One ESDK algorithm suite. All use AES-GCM with a 12-byte IV and a 16-byte tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suite {
    /// The 2-byte suite id as it appears in the header (e.g. `0x0578`).
    pub id: u16,
    /// AES key length in bytes (16, 24 or 32); also the data key length.
    pub key_len: usize,
    /// Key derivation.
    pub kdf: Kdf,
    /// Footer signature.
    pub signature: Signature,
    /// Whether the suite commits to its key (header suite data = 32-byte commitment).
    pub committing: bool,
    /// Header version the suite is written with.
    pub header_version: HeaderVersion,
}

/// AES-GCM IV length used by every suite.
pub const IV_LEN: usize = 12;
/// AES-GCM tag length used by every suite.
pub const TAG_LEN: usize = 16;
/// Length of the commitment key (v2 suite data) of committing suites.
pub const COMMITMENT_LEN: usize = 32;

const fn suite(
    id: u16,
    key_len: usize,
    kdf: Kdf,
    signature: Signature,
    committing: bool,
    header_version: HeaderVersion,
) -> Suite {
    Suite {
        id,
        key_len,
        kdf,
        signature,
        committing,
        header_version,
    }
}

use HeaderVersion::{V1, V2};
use Kdf::*;
use Signature::{EcdsaP256Sha256, EcdsaP384Sha384, None as NoSig};

/// All 11 suites, in id order.
pub const ALL_SUITES: [Suite; 11] = [
    suite(0x0014, 16, Identity, NoSig, false, V1),
    suite(0x0046, 24, Identity, NoSig, false, V1),
    suite(0x0078, 32, Identity, NoSig, false, V1),
    suite(0x0114, 16, HkdfSha256, NoSig, false, V1),
    suite(0x0146, 24, HkdfSha256, NoSig, false, V1),
    suite(0x0178, 32, HkdfSha256, NoSig, false, V1),
    suite(0x0214, 16, HkdfSha256, EcdsaP256Sha256, false, V1),
    suite(0x0346, 24, HkdfSha384, EcdsaP384Sha384, false, V1),
    suite(0x0378, 32, HkdfSha384, EcdsaP384Sha384, false, V1),
    suite(0x0478, 32, HkdfSha512, NoSig, true, V2),
    suite(0x0578, 32, HkdfSha512, EcdsaP384Sha384, true, V2),
];

impl Suite {
    /// Looks a suite up by id; `UNSUPPORTED_SUITE` for anything else.
    pub fn from_id(id: u16) -> Result<Suite> {
        ALL_SUITES
            .iter()
            .copied()
            .find(|s| s.id == id)
            .ok_or_else(|| {
                err!(
                    UnsupportedSuite,
                    "algorithm suite {:04X} is not an ESDK suite",
                    id
                )
            })
    }

    /// Whether messages of this suite carry an ECDSA footer.
    pub fn is_signed(&self) -> bool {
        self.signature != Signature::None
    }

    /// The id as the 4 hex digits used in the spec and the vectors (`"0578"`).
    pub fn id_hex(&self) -> String {
        format!("{:04X}", self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_known() {
        for s in ALL_SUITES {
            assert_eq!(Suite::from_id(s.id).unwrap(), s);
            assert_eq!(s.committing, s.header_version == V2);
        }
        assert_eq!(
            Suite::from_id(0x0015).unwrap_err().code,
            crate::ErrorCode::UnsupportedSuite
        );
    }
}
