//! The sealed object's multipart upload. Parts are uploaded while the next one fills (at most
//! one part in flight: memory is about two parts). Completion is conditional
//! (`If-None-Match: *`): when another worker completed the same sealed key first, this upload is
//! aborted and reports that the object exists, so one sealed object results however many workers
//! raced. Any failure aborts the upload: no incomplete upload is left behind by a worker that
//! returns (one killed outright leaves one, which the bucket's AbortIncompleteMultipartUpload
//! lifecycle rule removes).

use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use tokio::task::JoinHandle;

use crate::sealer::outcome::{SealCode, SealError};

/// How a conditional completion ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Completion {
    /// This upload is the sealed object.
    Written,
    /// The key existed already (412 Precondition Failed, or 409 ConditionalRequestConflict
    /// while another completion of the same key was in progress); this upload was aborted.
    Exists,
}

type PartResult = Result<CompletedPart, SealError>;

pub struct MultipartUpload {
    s3: aws_sdk_s3::Client,
    bucket: String,
    key: String,
    upload_id: String,
    parts: Vec<CompletedPart>,
    in_flight: Option<JoinHandle<PartResult>>,
    bytes: u64,
}

fn storage(what: &str, e: impl std::error::Error) -> SealError {
    SealError::new(
        SealCode::StorageUnavailable,
        format!("{what}: {}", DisplayErrorContext(e)),
    )
}

impl MultipartUpload {
    /// Starts the upload of `key`, with `metadata` on the object it will become.
    pub async fn start(
        s3: &aws_sdk_s3::Client,
        bucket: &str,
        key: &str,
        metadata: &[(&str, String)],
    ) -> Result<Self, SealError> {
        let mut req = s3
            .create_multipart_upload()
            .bucket(bucket)
            .key(key)
            .content_type("application/octet-stream");
        for (k, v) in metadata {
            req = req.metadata(*k, v);
        }
        let out = req
            .send()
            .await
            .map_err(|e| storage(&format!("CreateMultipartUpload s3://{bucket}/{key}"), e))?;
        let upload_id = out.upload_id.ok_or_else(|| {
            SealError::new(
                SealCode::StorageUnavailable,
                "CreateMultipartUpload returned no upload id",
            )
        })?;
        Ok(MultipartUpload {
            s3: s3.clone(),
            bucket: bucket.into(),
            key: key.into(),
            upload_id,
            parts: Vec::new(),
            in_flight: None,
            bytes: 0,
        })
    }

    /// Bytes handed to parts so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Parts started so far.
    pub fn parts(&self) -> u32 {
        self.parts.len() as u32 + u32::from(self.in_flight.is_some())
    }

    /// Uploads `data` as the next part once the previous part finished.
    pub async fn part(&mut self, data: Vec<u8>) -> Result<(), SealError> {
        self.wait_in_flight().await?;
        let number = self.parts.len() as i32 + 1;
        self.bytes += data.len() as u64;
        let req = self
            .s3
            .upload_part()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(&self.upload_id)
            .part_number(number)
            .body(ByteStream::from(data));
        self.in_flight = Some(tokio::spawn(async move {
            let out = req
                .send()
                .await
                .map_err(|e| storage(&format!("UploadPart {number}"), e))?;
            Ok(CompletedPart::builder()
                .part_number(number)
                .set_e_tag(out.e_tag)
                .build())
        }));
        Ok(())
    }

    async fn wait_in_flight(&mut self) -> Result<(), SealError> {
        if let Some(handle) = self.in_flight.take() {
            let part = handle.await.map_err(|e| {
                SealError::new(
                    SealCode::StorageUnavailable,
                    format!("UploadPart task: {e}"),
                )
            })??;
            self.parts.push(part);
        }
        Ok(())
    }

    /// Completes the upload unless the key exists (`If-None-Match: *`).
    pub async fn complete(mut self) -> Result<Completion, SealError> {
        if let Err(e) = self.wait_in_flight().await {
            self.abort().await;
            return Err(e);
        }
        let parts = CompletedMultipartUpload::builder()
            .set_parts(Some(std::mem::take(&mut self.parts)))
            .build();
        let res = self
            .s3
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(&self.upload_id)
            .multipart_upload(parts)
            .if_none_match("*")
            .send()
            .await;
        match res {
            Ok(_) => Ok(Completion::Written),
            Err(e) => {
                let status = e.raw_response().map(|r| r.status().as_u16());
                let code = e.code().map(str::to_string);
                self.abort().await;
                if status == Some(412)
                    || code.as_deref() == Some("PreconditionFailed")
                    || code.as_deref() == Some("ConditionalRequestConflict")
                {
                    Ok(Completion::Exists)
                } else {
                    Err(storage("CompleteMultipartUpload", e))
                }
            }
        }
    }

    /// Aborts the upload (its parts are deleted). Best effort: a failure is logged, and the
    /// bucket's lifecycle rule removes what remains.
    pub async fn abort(mut self) {
        if let Some(handle) = self.in_flight.take() {
            let _ = handle.await;
        }
        let res = self
            .s3
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(&self.upload_id)
            .send()
            .await;
        if let Err(e) = res {
            eprintln!(
                "{{\"level\":\"warn\",\"event\":\"AbortMultipartUpload failed\",\"key\":{:?},\"uploadId\":{:?},\"error\":{:?}}}",
                self.key,
                self.upload_id,
                DisplayErrorContext(e).to_string()
            );
        }
    }
}
