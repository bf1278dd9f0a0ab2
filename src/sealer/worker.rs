//! The long-running worker: S3 event notifications from an SQS queue, any number of workers
//! competing on it. Per message: every created object it names is sealed; then the message is
//! deleted (sealed, or sealed already), sent to the dead-letter queue with its reason (a
//! permanent refusal, a malformed event, or a transient failure on its `max_tries`-th receive),
//! or left for redelivery after a backoff (a transient failure). Events for `.esdk` keys (the
//! sealer's own writes, when the notification's filter lets them through) are passed over.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::{Message, MessageAttributeValue, MessageSystemAttributeName};
use tokio::task::JoinSet;

use crate::sealer::config::{Clients, SealerConfig, SEALED_SUFFIX};
use crate::sealer::events::created_objects;
use crate::sealer::outcome::{report_line, SealCode, SealError, Sealed};
use crate::sealer::seal::seal_object;

#[derive(Debug, Clone)]
pub struct QueueConfig {
    pub queue_url: String,
    pub dead_letter_url: String,
    /// Receives of one message before a transient failure sends it to the dead-letter queue.
    pub max_tries: u32,
    /// Messages handled at once by this worker (1..=10: one ReceiveMessage batch).
    pub concurrency: usize,
    /// Long-poll wait of one ReceiveMessage (0..=20 s).
    pub wait_seconds: i32,
    /// Stop after this long without a message (None: run until the process is stopped).
    pub idle_exit: Option<Duration>,
}

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    Done,
    /// A transient failure (the first one of the message's objects): receive it again later.
    Retry(SealError),
    DeadLetter(SealError),
}

/// Messages by disposition, over the worker's life.
#[derive(Debug, Default, Clone)]
pub struct WorkerTally {
    pub done: u64,
    pub retried: u64,
    pub dead_lettered: u64,
}

/// One event's objects, each with what became of it; prints one log line per object (stdout).
/// Events for `.esdk` keys are passed over. `MalformedEvent` when the body is not an S3 event.
pub async fn seal_event(
    clients: &Clients,
    cfg: &SealerConfig,
    body: &str,
) -> Result<Vec<(String, Result<Sealed, SealError>)>, SealError> {
    let mut out = Vec::new();
    for o in created_objects(body)? {
        if o.key.ends_with(SEALED_SUFFIX) {
            continue;
        }
        let result = seal_object(clients, cfg, &o.bucket, &o.key, o.etag.as_deref()).await;
        println!("{}", report_line(&o.key, &result));
        let permanent = matches!(&result, Err(e) if e.code.permanent());
        out.push((o.key, result));
        if permanent {
            break;
        }
    }
    Ok(out)
}

/// Handles one message's objects (on its `tries`-th receive); prints one log line per object.
pub async fn handle(
    clients: &Clients,
    cfg: &SealerConfig,
    body: &str,
    tries: u32,
    max_tries: u32,
) -> Disposition {
    let results = match seal_event(clients, cfg, body).await {
        Ok(r) => r,
        Err(e) => return Disposition::DeadLetter(e),
    };
    let mut transient = None;
    for (_, result) in results {
        match result {
            Ok(_) => {}
            Err(e) if e.code.permanent() => return Disposition::DeadLetter(e),
            Err(e) => transient = transient.or(Some(e)),
        }
    }
    match transient {
        None => Disposition::Done,
        Some(e) if tries >= max_tries => Disposition::DeadLetter(SealError::new(
            e.code,
            format!("{} (gave up after {tries} tries)", e.message),
        )),
        Some(e) => Disposition::Retry(e),
    }
}

/// Runs the worker until `idle_exit` passes without a message (or forever).
pub async fn run(
    clients: Clients,
    cfg: SealerConfig,
    q: QueueConfig,
) -> Result<WorkerTally, SealError> {
    let (clients, cfg, q) = (Arc::new(clients), Arc::new(cfg), Arc::new(q));
    let mut tally = WorkerTally::default();
    let mut last_message = Instant::now();
    loop {
        let received = clients
            .sqs
            .receive_message()
            .queue_url(&q.queue_url)
            .max_number_of_messages(q.concurrency.clamp(1, 10) as i32)
            .wait_time_seconds(q.wait_seconds)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(|e| sqs_error("ReceiveMessage", e))?;
        let messages = received.messages.unwrap_or_default();
        if messages.is_empty() {
            if q.idle_exit
                .is_some_and(|idle| last_message.elapsed() >= idle)
            {
                return Ok(tally);
            }
            continue;
        }
        last_message = Instant::now();
        let mut tasks = JoinSet::new();
        for m in messages {
            let (clients, cfg, q) = (clients.clone(), cfg.clone(), q.clone());
            tasks.spawn(async move {
                let tries = receive_count(&m);
                let d = handle(&clients, &cfg, m.body().unwrap_or(""), tries, q.max_tries).await;
                settle(&clients, &q, &m, tries, &d).await.map(|()| d)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            let d = joined.map_err(|e| {
                SealError::new(SealCode::StorageUnavailable, format!("worker task: {e}"))
            })??;
            match d {
                Disposition::Done => tally.done += 1,
                Disposition::Retry(_) => tally.retried += 1,
                Disposition::DeadLetter(_) => tally.dead_lettered += 1,
            }
        }
    }
}

fn receive_count(m: &Message) -> u32 {
    m.attributes()
        .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

/// Deletes, dead-letters (then deletes) or delays the message.
async fn settle(
    clients: &Clients,
    q: &QueueConfig,
    m: &Message,
    tries: u32,
    d: &Disposition,
) -> Result<(), SealError> {
    let receipt = m.receipt_handle().unwrap_or_default();
    match d {
        Disposition::Retry(_) => {
            let backoff = 1i32 << tries.min(6);
            clients
                .sqs
                .change_message_visibility()
                .queue_url(&q.queue_url)
                .receipt_handle(receipt)
                .visibility_timeout(backoff)
                .send()
                .await
                .map_err(|e| sqs_error("ChangeMessageVisibility", e))?;
            return Ok(());
        }
        Disposition::DeadLetter(e) => {
            dead_letter(
                clients,
                &q.dead_letter_url,
                m.body().unwrap_or(""),
                tries,
                e,
            )
            .await?
        }
        Disposition::Done => {}
    }
    clients
        .sqs
        .delete_message()
        .queue_url(&q.queue_url)
        .receipt_handle(receipt)
        .send()
        .await
        .map_err(|e| sqs_error("DeleteMessage", e))?;
    Ok(())
}

/// Sends a message's body to the dead-letter queue with its reason (message attributes
/// `callseal-code`, `callseal-reason`, `callseal-tries`) and logs it (stderr).
pub async fn dead_letter(
    clients: &Clients,
    dead_letter_url: &str,
    body: &str,
    tries: u32,
    e: &SealError,
) -> Result<(), SealError> {
    let attr = |v: String| {
        MessageAttributeValue::builder()
            .data_type("String")
            .string_value(v)
            .build()
            .expect("data type and value are set")
    };
    eprintln!(
        "{{\"level\":\"warn\",\"event\":\"dead-lettered\",\"code\":\"{}\",\"tries\":{tries},\"message\":{}}}",
        e.code,
        serde_json::Value::from(e.message.as_str())
    );
    clients
        .sqs
        .send_message()
        .queue_url(dead_letter_url)
        .message_body(body)
        .message_attributes("callseal-code", attr(e.code.to_string()))
        .message_attributes("callseal-reason", attr(e.message.clone()))
        .message_attributes("callseal-tries", attr(tries.to_string()))
        .send()
        .await
        .map_err(|e| sqs_error("SendMessage (dead-letter queue)", e))?;
    Ok(())
}

fn sqs_error(what: &str, e: impl std::error::Error) -> SealError {
    SealError::new(
        SealCode::QueueUnavailable,
        format!("{what}: {}", aws_sdk_sqs::error::DisplayErrorContext(e)),
    )
}
