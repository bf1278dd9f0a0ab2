//! `callseal seal`: seal one object, or back-fill every object under a prefix.
//!
//! ```text
//! callseal seal --bucket B --key K
//! callseal seal --bucket B --prefix P [--start-after K] [--jobs N]
//! callseal seal --queue URL --dead-letter-queue URL [--max-tries N] [--jobs N] [--idle-exit S]
//! callseal seal --lambda
//! ```
//!
//! Settings come from the environment (callseal::sealer::config). One JSON line per object on
//! stdout (`outcome`: sealed, exists, refused, failed; `code` for the last two); a back-fill
//! prints its progress (objects, bytes, rate) on stderr and a summary line at the end. Resumable:
//! sealed keys are deterministic, so a rerun writes nothing for what is done.

use std::sync::Arc;
use std::time::{Duration, Instant};

use callseal::sealer::config::SEALED_SUFFIX;
use callseal::sealer::lambda::{self, LambdaConfig, Sealer};
use callseal::sealer::worker::{self, QueueConfig};
use callseal::sealer::{report_line, seal_object, Clients, SealError, Sealed, SealerConfig};
use tokio::task::JoinSet;

const USAGE: &str =
    "usage: callseal seal --bucket B (--key K | --prefix P [--start-after K] [--jobs N])
       callseal seal --queue URL --dead-letter-queue URL [--max-tries N] [--jobs N] [--idle-exit S]
       callseal seal --lambda

  --bucket B        the bucket Amazon Connect writes to
  --key K           seal this object into K.esdk
  --prefix P        back-fill: seal every object under P (objects ending in .esdk are sealed
                    objects and are passed over; what is sealed already is not written again)
  --start-after K   back-fill: begin after this key (S3 listing order)
  --jobs N          objects (back-fill) or messages (worker) handled at once (1..10, default 2)
  --queue URL       worker: S3 ObjectCreated event notifications from this SQS queue (workers
                    may compete on one queue); runs until stopped or --idle-exit
  --dead-letter-queue URL  worker: where a message goes, with its reason in the message
                    attributes callseal-code and callseal-reason, when its object is refused or
                    still fails on its --max-tries-th receive (default 5)
  --idle-exit S     worker: exit after S seconds without a message
  --lambda          the Lambda function (Runtime API at AWS_LAMBDA_RUNTIME_API): S3 event
                    notifications, plain or as SQS records (partial batch failures); SQS records
                    refused go to CALLSEAL_SEAL_DEAD_LETTER_URL with their reason, transient
                    failures after CALLSEAL_SEAL_MAX_TRIES (5) receives. The same binary named
                    `bootstrap` (a provided.al2023 package) runs this with no arguments.

settings (environment): CALLSEAL_KMS_KEY_ARN, CALLSEAL_CONNECT_INSTANCE_ID (required);
CALLSEAL_SEAL_PREFIXES (default connect/), CALLSEAL_SEAL_FRAME_LENGTH (4096),
CALLSEAL_SEAL_PART_BYTES (8 MiB); CALLSEAL_SEAL_ORIGINALS (keep; delete: every version once the
sealed object is read back and verified; expire: verified, then tagged callseal-sealed=verified
for a lifecycle rule); CALLSEAL_S3_ENDPOINT, CALLSEAL_S3_FORCE_PATH_STYLE,
CALLSEAL_KMS_ENDPOINT for a local stack; AWS region and credentials from the SDK's default chain.

exit status: 0 every object sealed or sealed already, 1 some refused or failed, 2 usage error.
";

#[derive(Default)]
struct Args {
    bucket: Option<String>,
    key: Option<String>,
    prefix: Option<String>,
    start_after: Option<String>,
    jobs: usize,
    queue: Option<String>,
    dead_letter: Option<String>,
    max_tries: u32,
    idle_exit: Option<u64>,
    lambda: bool,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut a = Args {
        jobs: 2,
        max_tries: 5,
        ..Args::default()
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--bucket" => a.bucket = Some(value()?),
            "--key" => a.key = Some(value()?),
            "--prefix" => a.prefix = Some(value()?),
            "--start-after" => a.start_after = Some(value()?),
            "--jobs" => a.jobs = within(flag, &value()?, 1..=10)?,
            "--queue" => a.queue = Some(value()?),
            "--dead-letter-queue" => a.dead_letter = Some(value()?),
            "--max-tries" => a.max_tries = within(flag, &value()?, 1..=100)?,
            "--idle-exit" => {
                let v = value()?;
                a.idle_exit = Some(
                    v.parse()
                        .map_err(|_| format!("--idle-exit wants seconds, got `{v}`"))?,
                );
            }
            "--lambda" => a.lambda = true,
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    if a.lambda {
        if args.len() > 1 {
            return Err(
                "--lambda takes no other option (its settings are environment variables)".into(),
            );
        }
    } else if a.queue.is_some() {
        if a.dead_letter.is_none() || a.bucket.is_some() {
            return Err(
                "a worker takes --queue and --dead-letter-queue (its events name the buckets)"
                    .into(),
            );
        }
    } else if a.bucket.is_none() || a.key.is_some() == a.prefix.is_some() {
        return Err("give --bucket and exactly one of --key, --prefix (or --queue)".into());
    }
    Ok(a)
}

/// `v` as a whole number in `range`, or the usage error naming `flag`.
fn within<T>(flag: &str, v: &str, range: std::ops::RangeInclusive<T>) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    v.parse().ok().filter(|n| range.contains(n)).ok_or(format!(
        "{flag} wants {}..{}, got `{v}`",
        range.start(),
        range.end()
    ))
}

pub fn run(args: &[String]) -> i32 {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        print!("{USAGE}");
        return 0;
    }
    let args = match parse_args(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("callseal seal: {e}\n\n{USAGE}");
            return 2;
        }
    };
    let cfg = match SealerConfig::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("callseal seal: {e}");
            return 2;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("callseal seal: cannot start the runtime: {e}");
            return 1;
        }
    };
    if args.lambda {
        let lambda = match LambdaConfig::from_env() {
            Ok(l) => l,
            Err(e) => {
                eprintln!("callseal seal: {e}");
                return 2;
            }
        };
        return runtime.block_on(async move {
            let clients = Clients::from_env().await;
            match lambda::run(Sealer {
                clients,
                cfg,
                lambda,
            })
            .await
            {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("callseal seal: the Lambda runtime stopped: {e}");
                    1
                }
            }
        });
    }
    runtime.block_on(async move {
        let clients = Clients::from_env().await;
        if let Some(queue_url) = args.queue.clone() {
            let q = QueueConfig {
                queue_url,
                dead_letter_url: args.dead_letter.clone().unwrap_or_default(),
                max_tries: args.max_tries,
                concurrency: args.jobs,
                wait_seconds: if args.idle_exit.is_some() { 1 } else { 20 },
                idle_exit: args.idle_exit.map(Duration::from_secs),
            };
            return match worker::run(clients, cfg, q).await {
                Ok(t) => {
                    println!(
                        "{{\"summary\":{{\"messagesDone\":{},\"retried\":{},\"deadLettered\":{}}}}}",
                        t.done, t.retried, t.dead_lettered
                    );
                    0
                }
                Err(e) => {
                    eprintln!("callseal seal: {e}");
                    1
                }
            };
        }
        let bucket = args.bucket.clone().unwrap_or_default();
        match &args.key {
            Some(key) => {
                let result = seal_object(&clients, &cfg, &bucket, key, None).await;
                println!("{}", report_line(key, &result));
                i32::from(result.is_err())
            }
            None => backfill(clients, cfg, bucket, args).await,
        }
    })
}

#[derive(Default)]
struct Tally {
    sealed: u64,
    exists: u64,
    refused: u64,
    failed: u64,
    bytes: u64,
}

async fn backfill(clients: Clients, cfg: SealerConfig, bucket: String, args: Args) -> i32 {
    let prefix = args.prefix.clone().unwrap_or_default();
    let started = Instant::now();
    let (clients, cfg) = (Arc::new(clients), Arc::new(cfg));
    let mut tally = Tally::default();
    let mut tasks: JoinSet<(String, Result<Sealed, SealError>)> = JoinSet::new();
    let mut listing = clients
        .s3
        .list_objects_v2()
        .bucket(&bucket)
        .prefix(&prefix)
        .set_start_after(args.start_after.clone())
        .into_paginator()
        .send();
    let record = |tally: &mut Tally, key: String, result: Result<Sealed, SealError>| {
        println!("{}", report_line(&key, &result));
        match &result {
            Ok(s) if s.written => {
                tally.sealed += 1;
                tally.bytes += s.plaintext_bytes;
            }
            Ok(_) => tally.exists += 1,
            Err(e) if e.code.permanent() => tally.refused += 1,
            Err(_) => tally.failed += 1,
        }
        let secs = started.elapsed().as_secs_f64().max(1e-3);
        eprint!(
            "\r[seal] {} sealed, {} already, {} refused, {} failed; {:.1} MiB at {:.1} MiB/s   ",
            tally.sealed,
            tally.exists,
            tally.refused,
            tally.failed,
            tally.bytes as f64 / 1048576.0,
            tally.bytes as f64 / 1048576.0 / secs
        );
    };
    while let Some(page) = listing.next().await {
        let page = match page {
            Ok(p) => p,
            Err(e) => {
                eprintln!(
                    "\ncallseal seal: listing s3://{bucket}/{prefix} failed: {}",
                    aws_sdk_s3::error::DisplayErrorContext(e)
                );
                tally.failed += 1;
                break;
            }
        };
        for object in page.contents() {
            let Some(key) = object.key() else { continue };
            if key.ends_with(SEALED_SUFFIX) {
                continue;
            }
            while tasks.len() >= args.jobs {
                if let Some(Ok((k, r))) = tasks.join_next().await {
                    record(&mut tally, k, r);
                }
            }
            let (clients, cfg, bucket, key) = (
                clients.clone(),
                cfg.clone(),
                bucket.clone(),
                key.to_string(),
            );
            let etag = object.e_tag().map(str::to_string);
            tasks.spawn(async move {
                let r = seal_object(&clients, &cfg, &bucket, &key, etag.as_deref()).await;
                (key, r)
            });
        }
    }
    while let Some(done) = tasks.join_next().await {
        if let Ok((k, r)) = done {
            record(&mut tally, k, r);
        }
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!();
    println!(
        "{{\"summary\":{{\"sealed\":{},\"exists\":{},\"refused\":{},\"failed\":{},\"plaintextBytes\":{},\"seconds\":{:.3}}}}}",
        tally.sealed, tally.exists, tally.refused, tally.failed, tally.bytes, secs
    );
    i32::from(tally.refused + tally.failed > 0)
}
