//! The data key of one message: one KMS GenerateDataKey under the configured key, for exactly
//! the message's encryption context, recorded as the ESDK's KMS keyring records it (provider id
//! `aws-kms`, provider info the key ARN KMS answered with) so that the official ESDKs and the
//! broker unwrap it.
//!
//! spec: framework/aws-kms/aws-kms-keyring.md#onencrypt

use std::collections::HashMap;

use crate::envelope::{DataKey, EncryptedDataKey, EncryptionContext, Suite};
use crate::sealer::outcome::{SealCode, SealError};

/// The ESDK KMS keyring's provider id.
pub const KMS_PROVIDER_ID: &str = "aws-kms";

/// Generates the data key for `context` under `key_arn`: the plaintext key (zeroized on drop)
/// and its encrypted form. `WrongKmsKey` when KMS answers for another key.
pub async fn generate(
    kms: &aws_sdk_kms::Client,
    key_arn: &str,
    suite: &Suite,
    context: &EncryptionContext,
) -> Result<(DataKey, EncryptedDataKey), SealError> {
    let pairs: HashMap<String, String> = context.pairs().iter().cloned().collect();
    let out = kms
        .generate_data_key()
        .key_id(key_arn)
        .number_of_bytes(suite.key_len as i32)
        .set_encryption_context(Some(pairs))
        .send()
        .await
        .map_err(|e| {
            SealError::new(
                SealCode::KmsUnavailable,
                format!(
                    "GenerateDataKey on {key_arn}: {}",
                    aws_sdk_kms::error::DisplayErrorContext(&e)
                ),
            )
        })?;
    let plaintext = out.plaintext.map(|b| b.into_inner()).unwrap_or_default();
    let data_key = DataKey::from_vec(plaintext);
    let answered = out.key_id.unwrap_or_default();
    if answered != key_arn {
        return Err(SealError::new(
            SealCode::WrongKmsKey,
            format!("KMS generated the data key under `{answered}`, not the configured {key_arn}"),
        ));
    }
    if data_key.len() != suite.key_len {
        return Err(SealError::new(
            SealCode::KmsUnavailable,
            format!(
                "GenerateDataKey returned {} bytes, not {}",
                data_key.len(),
                suite.key_len
            ),
        ));
    }
    let ciphertext = out
        .ciphertext_blob
        .map(|b| b.into_inner())
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            SealError::new(
                SealCode::KmsUnavailable,
                "GenerateDataKey returned no ciphertext",
            )
        })?;
    Ok((
        data_key,
        EncryptedDataKey {
            provider_id: KMS_PROVIDER_ID.to_string(),
            provider_info: answered.into_bytes(),
            ciphertext,
        },
    ))
}
