//! Sealing one object: checks (prefix, not sealed already, a Connect key), then the source is
//! read as a stream, encrypted frame by frame and written as multipart parts. Memory is about
//! two parts (one filling, one uploading) plus one frame, whatever the object's size.
//!
//! ```text
//! GetObject body ─chunks─► FrameWriter::push ─frames─► part buffer ─(part_bytes)─► UploadPart
//!                                                      CompleteMultipartUpload If-None-Match: *
//! ```
//! The sealed key is deterministic (`<key>.esdk`), so a redelivered event, a second worker or a
//! resumed back-fill finds it (HeadObject first, the conditional completion when they race) and
//! writes nothing.

use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_s3::operation::get_object::GetObjectError;
use aws_sdk_s3::operation::head_object::HeadObjectError;

use crate::connect::{classify, ObjectFacts};
use crate::envelope::encrypt::{prepare, EncryptRequest};
use crate::envelope::{EncryptionContext, ALL_SUITES};
use crate::sealer::config::{Clients, SealerConfig, SEALED_SUFFIX};
use crate::sealer::data_key;
use crate::sealer::originals::{digest_source, settle, Originals, SourceDigest};
use crate::sealer::outcome::{fail, SealCode, SealError, Sealed};
use crate::sealer::upload::{Completion, MultipartUpload};
use sha2::{Digest, Sha256};

/// Metadata on sealed objects (`x-amz-meta-callseal-envelope`), also what marks an object as
/// sealed when its key does not.
pub const ENVELOPE_METADATA: &str = "callseal-envelope";
pub const ENVELOPE_VALUE: &str = "aws-encryption-sdk";
/// The sealed object's other metadata, what the broker's listing reads with one HeadObject (the
/// header's bytes stay authoritative: the player authenticates them):
/// the object's id (crate::connect), the plaintext's length (the source's Content-Length), the
/// suite id (`0x0578`), the frame length, and the source's ETag.
pub const OBJECT_ID_METADATA: &str = "callseal-object-id";
pub const PLAINTEXT_LENGTH_METADATA: &str = "callseal-plaintext-length";
pub const SUITE_METADATA: &str = "callseal-suite-id";
pub const FRAME_LENGTH_METADATA: &str = "callseal-frame-length";
pub const SOURCE_ETAG_METADATA: &str = "callseal-source-etag";

/// The encryption context binding an object to its contact: what the broker compares with its
/// listing and the key policy's `kms:EncryptionContext:` conditions read.
pub fn encryption_context(
    cfg: &SealerConfig,
    facts: &ObjectFacts,
) -> Result<EncryptionContext, SealError> {
    EncryptionContext::from_pairs(vec![
        ("aws:connect:instance-id", cfg.connect_instance_id.as_str()),
        ("aws:connect:contact-id", facts.contact_id.as_str()),
        ("callseal:kind", facts.kind),
        ("callseal:format", facts.format.as_str()),
    ])
    .map_err(|e| SealError::new(SealCode::EnvelopeFailed, e.to_string()))
}

/// The checks that need only the key: prefix, not a sealed object's key, a Connect object.
pub fn check_key(cfg: &SealerConfig, key: &str) -> Result<ObjectFacts, SealError> {
    if key.ends_with(SEALED_SUFFIX) {
        return Err(SealError::new(
            SealCode::AlreadySealed,
            format!("{key}: a sealed object's key (ends with {SEALED_SUFFIX})"),
        ));
    }
    if !cfg.prefixes.iter().any(|p| key.starts_with(p.as_str())) {
        return Err(SealError::new(
            SealCode::OutsidePrefixes,
            format!("{key}: outside the configured prefixes {:?}", cfg.prefixes),
        ));
    }
    classify(key)
        .map_err(|why| SealError::new(SealCode::NotAConnectObject, format!("{key}: {why}")))
}

/// True when `first` (the object's first bytes, at least 4 unless it is shorter) starts like an
/// ESDK message: version 2 and a known suite id, or version 1, type 0x80 and a known suite id.
pub fn looks_sealed(first: &[u8]) -> bool {
    let suite_at = |i: usize| {
        first
            .get(i..i + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .is_some_and(|id| ALL_SUITES.iter().any(|s| s.id == id))
    };
    match first {
        [0x02, ..] => suite_at(1),
        [0x01, 0x80, ..] => suite_at(2),
        _ => false,
    }
}

/// Seals `s3://bucket/key` into `s3://bucket/<key>.esdk`, then settles the original as
/// `cfg.originals` says (kept; or read back, verified and deleted or tagged). `etag`: the ETag the
/// event reported; the source is read only if it still has it (`SourceChanged` otherwise).
pub async fn seal_object(
    clients: &Clients,
    cfg: &SealerConfig,
    bucket: &str,
    key: &str,
    etag: Option<&str>,
) -> Result<Sealed, SealError> {
    let facts = check_key(cfg, key)?;
    let (mut sealed, digest) = seal_new(clients, cfg, bucket, key, etag, &facts).await?;
    if cfg.originals != Originals::Keep {
        let digest = match digest {
            Some(d) => d,
            None => digest_source(clients, bucket, key, etag).await?,
        };
        let expected = encryption_context(cfg, &facts)?;
        settle(
            clients,
            cfg,
            bucket,
            key,
            &sealed.sealed_key,
            &expected,
            &digest,
        )
        .await?;
    }
    sealed.original = cfg.originals.outcome();
    Ok(sealed)
}

/// Writes the sealed object unless it exists; with the source's digest when it read the source
/// and the originals are not simply kept.
async fn seal_new(
    clients: &Clients,
    cfg: &SealerConfig,
    bucket: &str,
    key: &str,
    etag: Option<&str>,
    facts: &ObjectFacts,
) -> Result<(Sealed, Option<SourceDigest>), SealError> {
    let sealed_key = format!("{key}{SEALED_SUFFIX}");
    let exists = Sealed {
        sealed_key: sealed_key.clone(),
        plaintext_bytes: 0,
        sealed_bytes: 0,
        parts: 0,
        written: false,
        original: Originals::Keep.outcome(),
    };
    if sealed_exists(&clients.s3, bucket, &sealed_key).await? {
        return Ok((exists, None));
    }

    let mut get = clients.s3.get_object().bucket(bucket).key(key);
    if let Some(etag) = etag {
        // Events carry the ETag without its quotes; If-Match compares the quoted form.
        get = get.if_match(format!("\"{}\"", etag.trim_matches('"')));
    }
    let source = get.send().await.map_err(|e| source_error(bucket, key, e))?;
    if source
        .metadata()
        .is_some_and(|m| m.contains_key(ENVELOPE_METADATA))
    {
        return Err(SealError::new(
            SealCode::AlreadySealed,
            format!("{key}: its metadata has {ENVELOPE_METADATA} (an ESDK message)"),
        ));
    }
    let source_etag = source
        .e_tag()
        .unwrap_or_default()
        .trim_matches('"')
        .to_string();
    let source_length = source.content_length().unwrap_or_default();
    let source_etag_read = source_etag.clone();
    let mut body = source.body;

    // The first bytes decide whether this is an ESDK message already.
    let mut first = Vec::new();
    let mut eof = false;
    while first.len() < 4 {
        match body.next().await {
            Some(chunk) => first.extend_from_slice(&chunk.map_err(|e| read_error(key, e))?),
            None => {
                eof = true;
                break;
            }
        }
    }
    if looks_sealed(&first) {
        return Err(SealError::new(
            SealCode::AlreadySealed,
            format!("{key}: starts like an ESDK message (version and suite id of its header)"),
        ));
    }

    let envelope = fail(SealCode::EnvelopeFailed);
    let prepared = prepare(EncryptRequest {
        suite: cfg.suite,
        frame_length: cfg.frame_length,
        encryption_context: encryption_context(cfg, facts)?,
    })
    .map_err(|e| envelope(e.to_string()))?;
    let (data_key, edk) = data_key::generate(
        &clients.kms,
        &cfg.kms_key_arn,
        &cfg.suite,
        prepared.encryption_context(),
    )
    .await?;
    let mut buf = Vec::with_capacity(cfg.part_bytes + 64 * 1024);
    let mut frames = prepared
        .begin(&data_key, vec![edk], &mut buf)
        .map_err(|e| SealError::new(SealCode::EnvelopeFailed, e.to_string()))?;
    drop(data_key);

    let metadata = [
        (ENVELOPE_METADATA, ENVELOPE_VALUE.to_string()),
        (OBJECT_ID_METADATA, facts.object_id.clone()),
        (PLAINTEXT_LENGTH_METADATA, source_length.to_string()),
        (SUITE_METADATA, format!("0x{:04x}", cfg.suite.id)),
        (FRAME_LENGTH_METADATA, cfg.frame_length.to_string()),
        (SOURCE_ETAG_METADATA, source_etag),
    ];
    let mut upload = MultipartUpload::start(&clients.s3, bucket, &sealed_key, &metadata).await?;
    // The source's digest, for the read-back check before an original is deleted or tagged.
    let mut hash = (cfg.originals != Originals::Keep).then(Sha256::new);
    let streamed: Result<(), SealError> = async {
        let encrypt = |e: crate::Error| SealError::new(SealCode::EnvelopeFailed, e.to_string());
        if let Some(h) = hash.as_mut() {
            h.update(&first);
        }
        frames.push(&first, &mut buf).map_err(encrypt)?;
        while let Some(chunk) = if eof { None } else { body.next().await } {
            let chunk = chunk.map_err(|e| read_error(key, e))?;
            if let Some(h) = hash.as_mut() {
                h.update(&chunk);
            }
            frames.push(&chunk, &mut buf).map_err(encrypt)?;
            if buf.len() >= cfg.part_bytes {
                let full =
                    std::mem::replace(&mut buf, Vec::with_capacity(cfg.part_bytes + 64 * 1024));
                upload.part(full).await?;
            }
        }
        Ok(())
    }
    .await;
    let plaintext_bytes = frames.plaintext_len();
    let finished = streamed.and_then(|()| {
        frames
            .finish(&mut buf)
            .map_err(|e| SealError::new(SealCode::EnvelopeFailed, e.to_string()))
    });
    if let Err(e) = finished {
        upload.abort().await;
        return Err(e);
    }
    if let Err(e) = upload.part(buf).await {
        upload.abort().await;
        return Err(e);
    }
    let (sealed_bytes, parts) = (upload.bytes(), upload.parts());
    let digest = hash.map(|h| SourceDigest {
        etag: source_etag_read.clone(),
        length: plaintext_bytes,
        sha256: h.finalize().into(),
    });
    match upload.complete().await? {
        Completion::Written => Ok((
            Sealed {
                sealed_key,
                plaintext_bytes,
                sealed_bytes,
                parts,
                written: true,
                original: Originals::Keep.outcome(),
            },
            digest,
        )),
        Completion::Exists => Ok((exists, digest)),
    }
}

async fn sealed_exists(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<bool, SealError> {
    match s3.head_object().bucket(bucket).key(key).send().await {
        Ok(_) => Ok(true),
        Err(e) if matches!(e.as_service_error(), Some(HeadObjectError::NotFound(_))) => Ok(false),
        Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => Ok(false),
        Err(e) => Err(SealError::new(
            SealCode::StorageUnavailable,
            format!("HeadObject s3://{bucket}/{key}: {}", DisplayErrorContext(e)),
        )),
    }
}

fn source_error(
    bucket: &str,
    key: &str,
    e: aws_sdk_s3::error::SdkError<GetObjectError, aws_sdk_s3::config::http::HttpResponse>,
) -> SealError {
    let status = e.raw_response().map(|r| r.status().as_u16());
    let what = format!("GetObject s3://{bucket}/{key}: {}", DisplayErrorContext(&e));
    let code = match (status, e.code()) {
        (Some(412), _) | (_, Some("PreconditionFailed")) => SealCode::SourceChanged,
        (Some(404), _) | (_, Some("NoSuchKey")) | (Some(403), _) => SealCode::SourceUnreadable,
        _ => SealCode::StorageUnavailable,
    };
    SealError::new(code, what)
}

fn read_error(key: &str, e: impl std::error::Error) -> SealError {
    SealError::new(
        SealCode::StorageUnavailable,
        format!("reading {key}: {}", DisplayErrorContext(e)),
    )
}
