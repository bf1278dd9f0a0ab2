//! What becomes of an original once its sealed object exists (`CALLSEAL_SEAL_ORIGINALS`).
//!
//! Amazon Connect's own contact-details playback, the Contact Lens UI and evaluations read the
//! originals: removing them trades those views for having no plaintext at rest. So it is a setting:
//!
//! | setting | what the sealer does | the originals |
//! | --- | --- | --- |
//! | `keep` (default) | nothing | stay; Connect's views keep working |
//! | `delete` | reads the sealed object back and verifies it, then deletes every version of the original (and its delete markers) | gone from the bucket |
//! | `expire` | reads back and verifies, then tags the original `callseal-sealed=verified` | removed by the bucket's lifecycle rule on that tag after N days |
//!
//! Verification is a fresh read: the sealed object is fetched, its data key unwrapped by KMS
//! Decrypt under the header's encryption context (the path every reader takes; one more KMS
//! request per object), every frame and the signature checked, and the plaintext's SHA-256 and
//! length compared with the original's as it was sealed. Nothing is deleted or tagged when any of
//! it fails (`VerifyFailed`), nor when the original's newest version is not the one sealed
//! (`SourceChanged`: its own event seals the newer one). What deletion cannot reach: replicas
//! (S3 Replication copies the original to other buckets before it is sealed), backups (AWS
//! Backup, S3 Object Lock retention), copies Connect or anyone made elsewhere.

use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::primitives::Blob;
use aws_sdk_s3::types::{Tag, Tagging};
use sha2::{Digest, Sha256};

use crate::envelope::{
    DataKey, DecryptOptions, EncryptionContext, HeaderLimits, HeaderParser, Release,
    StreamDecryptor,
};
use crate::sealer::config::{Clients, SealerConfig};
use crate::sealer::data_key::KMS_PROVIDER_ID;
use crate::sealer::outcome::{SealCode, SealError};

/// The tag `expire` puts on a verified original (the lifecycle rule's filter).
pub const SEALED_TAG: (&str, &str) = ("callseal-sealed", "verified");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Originals {
    Keep,
    Delete,
    Expire,
}

impl Originals {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "keep" => Some(Originals::Keep),
            "delete" => Some(Originals::Delete),
            "expire" => Some(Originals::Expire),
            _ => None,
        }
    }

    /// The report line's `original`: what became of it.
    pub fn outcome(self) -> &'static str {
        match self {
            Originals::Keep => "kept",
            Originals::Delete => "deleted",
            Originals::Expire => "tagged",
        }
    }
}

/// The original as it was sealed: its ETag, length and SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceDigest {
    pub etag: String,
    pub length: u64,
    pub sha256: [u8; 32],
}

/// Reads `key` (the version with `etag`, when given) and digests it.
pub async fn digest_source(
    clients: &Clients,
    bucket: &str,
    key: &str,
    etag: Option<&str>,
) -> Result<SourceDigest, SealError> {
    let mut get = clients.s3.get_object().bucket(bucket).key(key);
    if let Some(etag) = etag {
        get = get.if_match(format!("\"{}\"", etag.trim_matches('"')));
    }
    let out = get.send().await.map_err(|e| {
        let code = if e.raw_response().map(|r| r.status().as_u16()) == Some(412) {
            SealCode::SourceChanged
        } else {
            SealCode::StorageUnavailable
        };
        SealError::new(code, format!("GetObject {key}: {}", DisplayErrorContext(e)))
    })?;
    let etag = out
        .e_tag()
        .unwrap_or_default()
        .trim_matches('"')
        .to_string();
    let mut body = out.body;
    let (mut hash, mut length) = (Sha256::new(), 0u64);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| storage(&format!("reading {key}"), e))?;
        hash.update(&chunk);
        length += chunk.len() as u64;
    }
    Ok(SourceDigest {
        etag,
        length,
        sha256: hash.finalize().into(),
    })
}

/// Verifies `sealed_key`, then deletes or tags the original `key` as `cfg.originals` says.
pub async fn settle(
    clients: &Clients,
    cfg: &SealerConfig,
    bucket: &str,
    key: &str,
    sealed_key: &str,
    expected: &EncryptionContext,
    source: &SourceDigest,
) -> Result<(), SealError> {
    if cfg.originals == Originals::Keep {
        return Ok(());
    }
    verify(clients, cfg, bucket, sealed_key, expected, source).await?;
    match cfg.originals {
        Originals::Keep => Ok(()),
        Originals::Delete => delete_versions(clients, bucket, key, &source.etag).await,
        Originals::Expire => tag(clients, bucket, key, &source.etag).await,
    }
}

fn verify_failed(sealed_key: &str, why: impl std::fmt::Display) -> SealError {
    SealError::new(
        SealCode::VerifyFailed,
        format!("{sealed_key}: {why}; the original stays"),
    )
}

fn storage(what: &str, e: impl std::error::Error) -> SealError {
    SealError::new(
        SealCode::StorageUnavailable,
        format!("{what}: {}", DisplayErrorContext(e)),
    )
}

/// Reads the sealed object back: header (the configured key, the object's context), the data key
/// from KMS, every frame and the signature, and the plaintext's digest against the source's.
async fn verify(
    clients: &Clients,
    cfg: &SealerConfig,
    bucket: &str,
    sealed_key: &str,
    expected: &EncryptionContext,
    source: &SourceDigest,
) -> Result<(), SealError> {
    let read = |e| storage(&format!("GetObject {sealed_key}"), e);
    let out = clients
        .s3
        .get_object()
        .bucket(bucket)
        .key(sealed_key)
        .send()
        .await
        .map_err(read)?;
    let mut body = out.body;
    let mut parser = HeaderParser::new(HeaderLimits {
        max_encrypted_data_keys: Some(16),
        max_header_len: 64 * 1024,
    });
    let mut head = Vec::new();
    let header = loop {
        let Some(chunk) = body.next().await else {
            return Err(verify_failed(sealed_key, parser.truncated_error()));
        };
        let chunk = chunk.map_err(|e| storage(&format!("reading {sealed_key}"), e))?;
        head.extend_from_slice(&chunk);
        parser
            .push(&chunk)
            .map_err(|e| verify_failed(sealed_key, e))?;
        if let Some(h) = parser.take().map_err(|e| verify_failed(sealed_key, e))? {
            break h;
        }
    };
    let info = header.unverified();
    let edk = info
        .encrypted_data_keys
        .iter()
        .find(|k| k.provider_id == KMS_PROVIDER_ID && k.provider_info == cfg.kms_key_arn.as_bytes())
        .ok_or_else(|| verify_failed(sealed_key, "no data key under the configured KMS key"))?;
    let context = &info.encryption_context;
    let pairs = expected.pairs().to_vec();
    if let Some((k, _)) = pairs
        .iter()
        .find(|(k, v)| context.get(k) != Some(v.as_str()))
    {
        return Err(verify_failed(
            sealed_key,
            format!("its encryption context's {k} is not the original's"),
        ));
    }
    let data_key = unwrap(clients, cfg, sealed_key, &edk.ciphertext, context).await?;

    let opts = DecryptOptions {
        expected_context: pairs,
        ..DecryptOptions::default()
    };
    let mut d = StreamDecryptor::new(data_key, opts)
        .map_err(|e| verify_failed(sealed_key, e))?
        .with_release(Release::AfterSignature);
    let (mut hash, mut length, mut out) = (Sha256::new(), 0u64, Vec::new());
    let mut feed = |bytes: &[u8], d: &mut StreamDecryptor| -> Result<(), SealError> {
        d.update(bytes, &mut out)
            .map_err(|e| verify_failed(sealed_key, e))?;
        hash.update(&out);
        length += out.len() as u64;
        out.clear();
        Ok(())
    };
    feed(&head, &mut d)?;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| storage(&format!("reading {sealed_key}"), e))?;
        feed(&chunk, &mut d)?;
    }
    d.finish().map_err(|e| verify_failed(sealed_key, e))?;
    let sha256: [u8; 32] = hash.finalize().into();
    if length != source.length || sha256 != source.sha256 {
        return Err(verify_failed(
            sealed_key,
            format!(
                "it decrypts to {length} bytes that are not the original's ({} bytes, ETag {})",
                source.length, source.etag
            ),
        ));
    }
    Ok(())
}

/// KMS Decrypt of the sealed object's data key, under its header's whole encryption context.
async fn unwrap(
    clients: &Clients,
    cfg: &SealerConfig,
    sealed_key: &str,
    ciphertext: &[u8],
    context: &EncryptionContext,
) -> Result<DataKey, SealError> {
    let out = clients
        .kms
        .decrypt()
        .key_id(&cfg.kms_key_arn)
        .ciphertext_blob(Blob::new(ciphertext))
        .set_encryption_context(Some(context.pairs().iter().cloned().collect()))
        .send()
        .await
        .map_err(|e| {
            let what = format!(
                "KMS Decrypt of {sealed_key}'s data key: {}",
                aws_sdk_kms::error::DisplayErrorContext(&e)
            );
            match e.as_service_error() {
                Some(s) if s.is_invalid_ciphertext_exception() => verify_failed(sealed_key, what),
                _ => SealError::new(SealCode::KmsUnavailable, what),
            }
        })?;
    Ok(DataKey::from_vec(
        out.plaintext.map(|b| b.into_inner()).unwrap_or_default(),
    ))
}

/// Deletes every version of `key` and its delete markers, once its newest version is `etag`.
async fn delete_versions(
    clients: &Clients,
    bucket: &str,
    key: &str,
    etag: &str,
) -> Result<(), SealError> {
    let mut versions = Vec::new();
    let mut latest_etag = None;
    let (mut key_marker, mut version_marker) = (None, None);
    loop {
        let page = clients
            .s3
            .list_object_versions()
            .bucket(bucket)
            .prefix(key)
            .set_key_marker(key_marker.take())
            .set_version_id_marker(version_marker.take())
            .send()
            .await
            .map_err(|e| storage(&format!("ListObjectVersions {key}"), e))?;
        for v in page.versions().iter().filter(|v| v.key() == Some(key)) {
            if v.is_latest() == Some(true) {
                latest_etag = v.e_tag().map(|t| t.trim_matches('"').to_string());
            }
            versions.push(v.version_id().map(str::to_string));
        }
        for m in page
            .delete_markers()
            .iter()
            .filter(|m| m.key() == Some(key))
        {
            versions.push(m.version_id().map(str::to_string));
        }
        if page.is_truncated() != Some(true) {
            break;
        }
        key_marker = page.next_key_marker().map(str::to_string);
        version_marker = page.next_version_id_marker().map(str::to_string);
    }
    if latest_etag.as_deref().is_some_and(|t| t != etag) {
        return Err(SealError::new(
            SealCode::SourceChanged,
            format!("{key}: its newest version (ETag {latest_etag:?}) is not the one sealed ({etag}); nothing deleted"),
        ));
    }
    if versions.is_empty() {
        versions.push(None);
    }
    for version in versions {
        clients
            .s3
            .delete_object()
            .bucket(bucket)
            .key(key)
            .set_version_id(version)
            .send()
            .await
            .map_err(|e| storage(&format!("DeleteObject {key}"), e))?;
    }
    Ok(())
}

/// Adds the `callseal-sealed` tag to the original (its other tags stay), if it is still `etag`.
async fn tag(clients: &Clients, bucket: &str, key: &str, etag: &str) -> Result<(), SealError> {
    let head = clients
        .s3
        .head_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| storage(&format!("HeadObject {key}"), e))?;
    if head.e_tag().map(|t| t.trim_matches('"')) != Some(etag) {
        return Err(SealError::new(
            SealCode::SourceChanged,
            format!("{key} changed since it was sealed; not tagged"),
        ));
    }
    let current = clients
        .s3
        .get_object_tagging()
        .bucket(bucket)
        .key(key)
        .set_version_id(head.version_id().map(str::to_string))
        .send()
        .await
        .map_err(|e| storage(&format!("GetObjectTagging {key}"), e))?;
    let mut tags: Vec<Tag> = current
        .tag_set()
        .iter()
        .filter(|t| t.key() != SEALED_TAG.0)
        .cloned()
        .collect();
    tags.push(
        Tag::builder()
            .key(SEALED_TAG.0)
            .value(SEALED_TAG.1)
            .build()
            .map_err(|e| storage("tag", e))?,
    );
    clients
        .s3
        .put_object_tagging()
        .bucket(bucket)
        .key(key)
        .set_version_id(head.version_id().map(str::to_string))
        .tagging(
            Tagging::builder()
                .set_tag_set(Some(tags))
                .build()
                .map_err(|e| storage("tagging", e))?,
        )
        .send()
        .await
        .map_err(|e| storage(&format!("PutObjectTagging {key}"), e))?;
    Ok(())
}
