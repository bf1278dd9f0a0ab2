//! callseal: the browser side of client-side envelope encryption for contact-center
//! recordings and transcripts, and an IAM / KMS key policy engine.
//!
//! The core is plain Rust that builds and tests natively; [`wasm`] (wasm32 only) is a thin
//! binding layer over it, published as the npm package `callseal`.
//!
//! - [`envelope`]: AWS Encryption SDK messages (all 11 suites, framed and non-framed,
//!   signatures, key commitment): parse, decrypt (one-shot, streaming, random access), encrypt.
//! - [`s3ec`]: Amazon S3 Encryption Client v2/v3 objects.
//! - [`engine`]: the AES-GCM engine trait (pure Rust here; WebCrypto in the wasm layer).
//! - [`policy`]: IAM and KMS key policies: spanned parse, validation findings, evaluation.
//! - `sealer` (feature `sealer`, native): S3 objects Amazon Connect writes become ESDK messages
//!   under a KMS key, through the AWS SDK for Rust.

// No unsafe code in callseal: enforced by the compiler for the core (every target but wasm32,
// where wasm-bindgen's generated exports are `no_mangle`, which the lint counts as unsafe; the
// binding layer is held to it by tests/doc_claims.rs).
#![cfg_attr(not(target_arch = "wasm32"), forbid(unsafe_code))]

pub mod error;

#[cfg(feature = "envelope")]
pub mod engine;
#[cfg(feature = "envelope")]
pub mod envelope;
#[cfg(feature = "envelope")]
pub mod s3ec;

#[cfg(feature = "policy")]
pub mod policy;

/// Amazon Connect's S3 key layout (the sealer's and the broker's one reading of keys).
#[cfg(feature = "policy")]
pub mod connect;

#[cfg(all(feature = "sealer", not(target_arch = "wasm32")))]
pub mod sealer;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

/// The package's TypeScript types, generated from the Rust types (`callseal-types`).
#[cfg(all(feature = "ts-types", not(target_arch = "wasm32")))]
pub mod ts_types;

pub use error::{Error, ErrorCode, Result};
