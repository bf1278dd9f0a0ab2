//! The sealer (feature `sealer`, native only): objects Amazon Connect writes to S3 (recordings,
//! Contact Lens output, chat transcripts) become AWS Encryption SDK messages under the recordings
//! KMS key, stored next to the original as `<key>.esdk`, where the broker's listing and the
//! roles' policies find them.
//!
//! | module | holds |
//! | --- | --- |
//! | [`config`] | settings (environment variables), the AWS clients |
//! | [`originals`] | what becomes of an original once sealed: kept, or read back, verified and deleted or tagged |
//! | [`outcome`] | what happened to one object: sealed, already sealed, or a typed refusal / failure |
//! | [`data_key`] | one KMS GenerateDataKey per object, as the ESDK's KMS keyring writes it |
//! | [`upload`] | the sealed object's multipart upload: conditional completion, abort on failure |
//! | [`seal`] | one object: S3 stream → frames → multipart parts (memory bounded by the part size) |
//! | [`events`] | S3 event notification JSON (`aws_lambda_events`): the objects created |
//! | [`worker`] | SQS workers: seal, delete, retry with backoff, or dead-letter with the reason |
//! | [`lambda`] | the Lambda function: S3 events plain or SQS-wrapped, partial batch failures |

pub mod config;
pub mod data_key;
pub mod events;
pub mod lambda;
pub mod originals;
pub mod outcome;
pub mod seal;
pub mod upload;
pub mod worker;

pub use config::{Clients, SealerConfig};
pub use outcome::{report_line, SealCode, SealError, Sealed};
pub use seal::seal_object;
