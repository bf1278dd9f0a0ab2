//! The sealer's settings, from environment variables (the local stack's `.stack/stack.env`
//! names), and its AWS clients. On AWS leave the endpoints unset: the SDK's default chain finds
//! region and credentials.
//!
//! | variable | meaning | default |
//! | --- | --- | --- |
//! | `CALLSEAL_KMS_KEY_ARN` | the recordings key (a key ARN: KMS answers with it) | required |
//! | `CALLSEAL_CONNECT_INSTANCE_ID` | the Connect instance the objects belong to | required |
//! | `CALLSEAL_SEAL_PREFIXES` | comma-separated key prefixes the sealer may seal | `connect/` |
//! | `CALLSEAL_SEAL_FRAME_LENGTH` | ESDK frame length in bytes | 4096 |
//! | `CALLSEAL_SEAL_PART_BYTES` | multipart part size (5 MiB .. 64 MiB) | 8 MiB |
//! | `CALLSEAL_SEAL_ORIGINALS` | `keep`, `delete` or `expire` (crate::sealer::originals) | `keep` |
//! | `CALLSEAL_S3_ENDPOINT`, `CALLSEAL_S3_FORCE_PATH_STYLE` | S3 endpoint (local stack) | AWS |
//! | `CALLSEAL_KMS_ENDPOINT` | KMS endpoint (local stack) | AWS |
//! | `CALLSEAL_SQS_ENDPOINT` | SQS endpoint (local stack) | AWS |

use aws_config::BehaviorVersion;

use crate::envelope::Suite;
use crate::sealer::originals::Originals;

/// The ESDK's default suite: AES-256-GCM, HKDF-SHA512, key commitment, ECDSA P-384.
pub const DEFAULT_SUITE_ID: u16 = 0x0578;
/// The ESDK's default frame length.
pub const DEFAULT_FRAME_LENGTH: u32 = 4096;
/// S3's smallest part (all but the last).
pub const MIN_PART_BYTES: usize = 5 * 1024 * 1024;
/// The largest part the sealer buffers (memory is about two parts).
pub const MAX_PART_BYTES: usize = 64 * 1024 * 1024;
/// Suffix of a sealed object's key: `<source key>.esdk`.
pub const SEALED_SUFFIX: &str = ".esdk";

#[derive(Debug, Clone)]
pub struct SealerConfig {
    pub kms_key_arn: String,
    pub connect_instance_id: String,
    pub prefixes: Vec<String>,
    pub suite: Suite,
    pub frame_length: u32,
    pub part_bytes: usize,
    pub originals: Originals,
}

impl SealerConfig {
    /// Settings from the environment; the message names the variable at fault.
    pub fn from_env() -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let required = |name: &str| var(name).ok_or(format!("{name} is required"));
        let number = |name: &str, dflt: usize, min: usize, max: usize| -> Result<usize, String> {
            match var(name) {
                None => Ok(dflt),
                Some(v) => v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (min..=max).contains(n))
                    .ok_or(format!(
                        "{name} must be an integer in {min}..={max}, got {v}"
                    )),
            }
        };
        let kms_key_arn = required("CALLSEAL_KMS_KEY_ARN")?;
        if !kms_key_arn.starts_with("arn:") || !kms_key_arn.contains(":key/") {
            return Err(format!(
                "CALLSEAL_KMS_KEY_ARN must be a key ARN (arn:aws:kms:<region>:<account>:key/<id>), got {kms_key_arn}"
            ));
        }
        let prefixes = var("CALLSEAL_SEAL_PREFIXES")
            .unwrap_or_else(|| "connect/".into())
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>();
        if prefixes.is_empty() {
            return Err("CALLSEAL_SEAL_PREFIXES names no prefix".into());
        }
        let originals = var("CALLSEAL_SEAL_ORIGINALS").unwrap_or_else(|| "keep".into());
        let originals = Originals::parse(&originals).ok_or(format!(
            "CALLSEAL_SEAL_ORIGINALS must be keep, delete or expire, got {originals}"
        ))?;
        Ok(SealerConfig {
            originals,
            kms_key_arn,
            connect_instance_id: required("CALLSEAL_CONNECT_INSTANCE_ID")?,
            prefixes,
            suite: Suite::from_id(DEFAULT_SUITE_ID).map_err(|e| e.to_string())?,
            frame_length: number(
                "CALLSEAL_SEAL_FRAME_LENGTH",
                DEFAULT_FRAME_LENGTH as usize,
                1,
                crate::envelope::encrypt::MAX_FRAME_LENGTH as usize,
            )? as u32,
            part_bytes: number(
                "CALLSEAL_SEAL_PART_BYTES",
                8 * 1024 * 1024,
                MIN_PART_BYTES,
                MAX_PART_BYTES,
            )?,
        })
    }
}

/// The AWS clients the sealer uses.
#[derive(Clone)]
pub struct Clients {
    pub s3: aws_sdk_s3::Client,
    pub kms: aws_sdk_kms::Client,
    pub sqs: aws_sdk_sqs::Client,
}

impl Clients {
    /// Clients from the SDK's default chain, with the local stack's endpoints when set.
    pub async fn from_env() -> Self {
        let shared = aws_config::defaults(BehaviorVersion::latest()).load().await;
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        // No flexible checksums beyond what S3 requires: the ESDK message authenticates every
        // frame, and S3-compatible stores differ in what they accept.
        let mut s3 = aws_sdk_s3::config::Builder::from(&shared)
            .request_checksum_calculation(
                aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired,
            )
            .response_checksum_validation(
                aws_sdk_s3::config::ResponseChecksumValidation::WhenRequired,
            );
        if let Some(url) = var("CALLSEAL_S3_ENDPOINT") {
            s3 = s3.endpoint_url(url);
        }
        if var("CALLSEAL_S3_FORCE_PATH_STYLE").as_deref() == Some("true") {
            s3 = s3.force_path_style(true);
        }
        let mut kms = aws_sdk_kms::config::Builder::from(&shared);
        if let Some(url) = var("CALLSEAL_KMS_ENDPOINT") {
            kms = kms.endpoint_url(url);
        }
        let mut sqs = aws_sdk_sqs::config::Builder::from(&shared);
        if let Some(url) = var("CALLSEAL_SQS_ENDPOINT") {
            sqs = sqs.endpoint_url(url);
        }
        Clients {
            s3: aws_sdk_s3::Client::from_conf(s3.build()),
            kms: aws_sdk_kms::Client::from_conf(kms.build()),
            sqs: aws_sdk_sqs::Client::from_conf(sqs.build()),
        }
    }
}
