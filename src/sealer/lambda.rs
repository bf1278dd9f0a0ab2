//! The sealer as an AWS Lambda function (`callseal seal --lambda`; the `bootstrap` of a
//! provided.al2023 function), run by AWS's `lambda_runtime`. It is invoked two ways, told apart by
//! the records' `eventSource`:
//!
//! - **S3 directly** (`aws:s3`: the bucket's event notification names the function, an
//!   asynchronous invocation). Every created object is sealed by the worker's code
//!   ([`worker::seal_event`]); if one is refused or fails, the invocation fails with the refusal's
//!   code as its `errorType`, so Lambda's asynchronous retries and the function's on-failure
//!   destination get it with its reason.
//! - **SQS** (`aws:sqs`: an event source mapping on the queue S3 notifies, with
//!   `ReportBatchItemFailures`). Each record's body is an S3 event handled as one worker message
//!   ([`worker::handle`], its receive count from the record's `ApproximateReceiveCount`). The
//!   answer is a partial batch response: records that failed transiently are listed in
//!   `batchItemFailures`, so SQS redelivers only those; a refused or malformed record, or one still
//!   failing on its `CALLSEAL_SEAL_MAX_TRIES`-th receive, goes to `CALLSEAL_SEAL_DEAD_LETTER_URL`
//!   with its reason in the message attributes (as the worker sends it) and is then done. Without a
//!   dead-letter URL it is listed as failed too, and the queue's redrive policy moves it.
//!
//! S3 cannot notify a FIFO queue, so records are handled concurrently and independently.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use serde_json::Value;
use tokio::task::JoinSet;

use crate::sealer::config::{Clients, SealerConfig};
use crate::sealer::outcome::{SealCode, SealError};
use crate::sealer::worker::{self, Disposition};

/// Settings of the SQS path (environment variables).
#[derive(Debug, Clone)]
pub struct LambdaConfig {
    /// `CALLSEAL_SEAL_DEAD_LETTER_URL`: where refused records go with their reason.
    pub dead_letter_url: Option<String>,
    /// `CALLSEAL_SEAL_MAX_TRIES` (1..=100, default 5): receives of a record before a transient
    /// failure is dead-lettered.
    pub max_tries: u32,
}

impl LambdaConfig {
    pub fn from_env() -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let max_tries = match var("CALLSEAL_SEAL_MAX_TRIES") {
            None => 5,
            Some(v) => v
                .parse()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or(format!(
                    "CALLSEAL_SEAL_MAX_TRIES must be an integer in 1..=100, got {v}"
                ))?,
        };
        Ok(LambdaConfig {
            dead_letter_url: var("CALLSEAL_SEAL_DEAD_LETTER_URL"),
            max_tries,
        })
    }
}

/// What one invocation needs, shared by every invocation of the execution environment.
pub struct Sealer {
    pub clients: Clients,
    pub cfg: SealerConfig,
    pub lambda: LambdaConfig,
}

/// A refusal or failure as Lambda reports it: its code is the `errorType`.
impl From<SealError> for Diagnostic {
    fn from(e: SealError) -> Self {
        Diagnostic {
            error_type: e.code.to_string(),
            error_message: e.message,
        }
    }
}

/// The Lambda Runtime API loop (`AWS_LAMBDA_RUNTIME_API`), until the environment ends. Boxed: the
/// runtime's future type is nested past the compiler's layout depth limit in a caller's async block.
pub fn run(sealer: Sealer) -> Pin<Box<dyn Future<Output = Result<(), lambda_runtime::Error>>>> {
    let sealer = Arc::new(sealer);
    Box::pin(lambda_runtime::run(service_fn(
        move |event: LambdaEvent<Value>| {
            let sealer = sealer.clone();
            async move { invoke(&sealer, event.payload).await }
        },
    )))
}

/// One invocation: an S3 event or an SQS event of S3 events.
pub async fn invoke(sealer: &Arc<Sealer>, event: Value) -> Result<Value, SealError> {
    let source = event
        .get("Records")
        .and_then(|r| r.get(0))
        .and_then(|r| r.get("eventSource"))
        .and_then(Value::as_str);
    match source {
        Some("aws:sqs") => {
            let event: SqsEvent = serde_json::from_value(event).map_err(|e| {
                SealError::new(SealCode::MalformedEvent, format!("not an SQS event: {e}"))
            })?;
            let answer = sqs_batch(sealer, event).await?;
            Ok(serde_json::to_value(answer).expect("a batch response serializes"))
        }
        Some("aws:s3") => s3_event(sealer, &event.to_string()).await,
        _ => Err(SealError::new(
            SealCode::MalformedEvent,
            "neither an S3 event notification nor an SQS event (Records[0].eventSource)",
        )),
    }
}

/// S3 invoked the function: the objects sealed (`{"objects":[{key, sealedKey, written}]}`), or the
/// first refusal (else the first failure) as the invocation's error, naming every key that failed.
async fn s3_event(sealer: &Sealer, body: &str) -> Result<Value, SealError> {
    let results = worker::seal_event(&sealer.clients, &sealer.cfg, body).await?;
    let failed: Vec<(&String, &SealError)> = results
        .iter()
        .filter_map(|(k, r)| r.as_ref().err().map(|e| (k, e)))
        .collect();
    let first = failed
        .iter()
        .find(|(_, e)| e.code.permanent())
        .or(failed.first());
    if let Some((_, e)) = first {
        let all = failed
            .iter()
            .map(|(k, e)| format!("{k}: {e}"))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(SealError::new(e.code, all));
    }
    let objects = results
        .iter()
        .filter_map(|(key, r)| {
            r.as_ref().ok().map(|s| {
                serde_json::json!({"key": key, "sealedKey": s.sealed_key, "written": s.written})
            })
        })
        .collect::<Vec<_>>();
    Ok(serde_json::json!({ "objects": objects }))
}

/// SQS invoked the function: each record as one worker message; the records SQS should deliver
/// again.
async fn sqs_batch(sealer: &Arc<Sealer>, event: SqsEvent) -> Result<SqsBatchResponse, SealError> {
    let mut tasks = JoinSet::new();
    for record in event.records {
        let Some(id) = record.message_id.clone().filter(|id| !id.is_empty()) else {
            // Without its messageId no record can be reported alone: fail the batch.
            return Err(SealError::new(
                SealCode::MalformedEvent,
                "an SQS record has no messageId",
            ));
        };
        let sealer = sealer.clone();
        tasks.spawn(async move {
            let body = record.body.unwrap_or_default();
            let tries = record
                .attributes
                .get("ApproximateReceiveCount")
                .and_then(|v| v.parse().ok())
                .unwrap_or(1);
            let l = &sealer.lambda;
            let d = worker::handle(&sealer.clients, &sealer.cfg, &body, tries, l.max_tries).await;
            let again = match (d, &l.dead_letter_url) {
                (Disposition::Done, _) => false,
                (Disposition::Retry(_), _) | (Disposition::DeadLetter(_), None) => true,
                (Disposition::DeadLetter(e), Some(url)) => {
                    worker::dead_letter(&sealer.clients, url, &body, tries, &e)
                        .await
                        .inspect_err(|e| eprintln!("callseal seal: {e}"))
                        .is_err()
                }
            };
            (id, again)
        });
    }
    let mut failures = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (id, again) = joined.map_err(|e| {
            SealError::new(SealCode::StorageUnavailable, format!("record task: {e}"))
        })?;
        if again {
            failures.push(BatchItemFailure {
                item_identifier: id,
            });
        }
    }
    Ok(SqsBatchResponse {
        batch_item_failures: failures,
    })
}
