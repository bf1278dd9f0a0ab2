//! Hard limits, each with its typed error code, and linear cost of large inputs (issue 8).
//!
//! | limit | where | code |
//! | --- | --- | --- |
//! | header size (`max_header_len`, default 1 MiB) | ESDK header parser | `LIMIT_EXCEEDED` |
//! | number of encrypted data keys (`max_encrypted_data_keys`) | ESDK header parser | `TOO_MANY_DATA_KEYS` |
//! | frame length (`max_frame_buffer`, default 256 MiB, on the frames present; random access: a non-framed body too) | streaming decryptor, random access | `LIMIT_EXCEEDED` |
//! | message length (`max_message_len`) | decryptor, random access | `LIMIT_EXCEEDED` |
//! | non-framed body > 2^36 - 32 bytes | decryptor | `MALFORMED_BODY` (format rule) |
//! | policy size 128 KiB, nesting 32, string 8 KiB | validator / evaluator | finding `POLICY_LIMIT_EXCEEDED` / `LIMIT_EXCEEDED` |
//! | request strings 8 KiB, 1024 context values | evaluator | `LIMIT_EXCEEDED` |
//! | S3EC metadata value 8 KiB, instruction file 64 KiB | S3EC metadata | `LIMIT_EXCEEDED` |
//!
//! Linear cost is checked by timing two sizes (1x and 8x) in one test, taking the fastest of a
//! few runs of each, and requiring the ratio to stay far below what quadratic cost would give
//! (64): the bound is generous (24) so a busy machine does not make the test flaky.

#![cfg(all(feature = "envelope", feature = "policy"))]

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use callseal::envelope::encrypt::{prepare, EncryptRequest};
use callseal::envelope::random_access::RandomAccessReader;
use callseal::envelope::{
    decrypt, DataKey, DecryptOptions, EncryptedDataKey, EncryptionContext, HeaderLimits,
    UnverifiedHeader, ALL_SUITES,
};
use callseal::policy::evaluate::{self, PolicySet, PolicyTexts, Request};
use callseal::policy::limits::{
    MAX_POLICY_DEPTH, MAX_POLICY_LEN, MAX_POLICY_STRING_LEN, MAX_REQUEST_CONTEXT_VALUES,
    MAX_REQUEST_STRING_LEN,
};
use callseal::policy::{validate, PolicyType};
use callseal::s3ec::S3ObjectMetadata;
use callseal::s3ec::{MAX_INSTRUCTION_FILE_LEN, MAX_METADATA_VALUE_LEN};
use callseal::ErrorCode;
use common::*;

/// An official message (Python ESDK 4.0.7): suite 0478, 128-byte frames, 4096-byte plaintext.
fn official_framed() -> (Vec<u8>, Vec<u8>) {
    official("114-0478-f128-n4096")
}

fn official(id: &str) -> (Vec<u8>, Vec<u8>) {
    let c = OfficialCase::load(id);
    (c.ciphertext(), c.data_key)
}

fn code<T: std::fmt::Debug>(r: callseal::Result<T>) -> ErrorCode {
    r.expect_err("expected an error").code
}

fn random_access_code(ct: &[u8], key: &[u8], opts: &DecryptOptions) -> ErrorCode {
    code(
        ready(RandomAccessReader::open(
            ct,
            &DataKey::new(key),
            &releasing(opts),
        ))
        .map(|_| ()),
    )
}

// ---------------------------------------------------------------------------------------------
// ESDK
// ---------------------------------------------------------------------------------------------

#[test]
fn header_size_limit() {
    let (ct, key) = official_framed();
    let h = UnverifiedHeader::parse(&ct, HeaderLimits::default()).unwrap();
    let header_len = h.unverified().header_len;
    let opts = DecryptOptions {
        max_header_len: header_len - 1,
        ..Default::default()
    };
    assert_eq!(code(decrypt(&ct, &key, &opts)), ErrorCode::LimitExceeded);
    assert_eq!(
        stream_decrypt(&ct, &key, &opts, 7).0.unwrap_err().code,
        ErrorCode::LimitExceeded
    );
    assert_eq!(
        random_access_code(&ct, &key, &opts),
        ErrorCode::LimitExceeded
    );
    // Exactly the header length is allowed.
    let opts = DecryptOptions {
        max_header_len: header_len,
        ..Default::default()
    };
    assert_eq!(decrypt(&ct, &key, &opts).unwrap().len(), 4096);
}

#[test]
fn data_key_count_limit() {
    let suite = ALL_SUITES[7];
    let key = vec![9u8; suite.key_len];
    let prepared = prepare(EncryptRequest {
        suite,
        frame_length: 64,
        encryption_context: EncryptionContext::from_pairs([("contact-id", "c1")]).unwrap(),
    })
    .unwrap();
    let edks = (0..3)
        .map(|i| EncryptedDataKey {
            provider_id: "aws-kms".into(),
            provider_info: format!("arn:aws:kms:eu-west-1:111122223333:key/{i}").into_bytes(),
            ciphertext: vec![i; 64],
        })
        .collect();
    let ct = prepared
        .seal(b"recording", &DataKey::new(&key), edks)
        .unwrap();
    let opts = |n| DecryptOptions {
        max_encrypted_data_keys: Some(n),
        ..Default::default()
    };
    assert_eq!(
        code(decrypt(&ct, &key, &opts(2))),
        ErrorCode::TooManyDataKeys
    );
    assert_eq!(
        stream_decrypt(&ct, &key, &opts(2), 1).0.unwrap_err().code,
        ErrorCode::TooManyDataKeys
    );
    assert_eq!(
        random_access_code(&ct, &key, &opts(2)),
        ErrorCode::TooManyDataKeys
    );
    assert_eq!(decrypt(&ct, &key, &opts(3)).unwrap(), b"recording");
}

#[test]
fn frame_length_limit() {
    let (ct, key) = official_framed();
    // 128-byte frames + 16-byte tags do not fit a 143-byte buffer.
    let opts = DecryptOptions {
        max_frame_buffer: 143,
        ..Default::default()
    };
    assert_eq!(
        stream_decrypt(&ct, &key, &opts, 100).0.unwrap_err().code,
        ErrorCode::LimitExceeded
    );
    assert_eq!(
        random_access_code(&ct, &key, &opts),
        ErrorCode::LimitExceeded
    );
    let opts = DecryptOptions {
        max_frame_buffer: 144,
        ..Default::default()
    };
    let (r, out) = stream_decrypt(&ct, &key, &opts, 100);
    r.unwrap();
    assert_eq!(out.len(), 4096);
    // The non-framed block of an official message: its length is the whole plaintext.
    let (nf, nf_key) = official("110-0478-f0-n4096");
    let opts = DecryptOptions {
        max_frame_buffer: 4096,
        ..Default::default()
    };
    assert_eq!(
        stream_decrypt(&nf, &nf_key, &opts, 1000)
            .0
            .unwrap_err()
            .code,
        ErrorCode::LimitExceeded
    );
    // Random access fetches a non-framed body whole: the same limit, before any fetch of it.
    assert_eq!(
        random_access_code(&nf, &nf_key, &opts),
        ErrorCode::LimitExceeded
    );
    let opts = DecryptOptions {
        max_frame_buffer: 4096 + 36,
        ..Default::default()
    };
    let ra = ready(RandomAccessReader::open(
        &nf[..],
        &DataKey::new(&nf_key),
        &releasing(&opts),
    ))
    .unwrap();
    assert_eq!(ready(ra.read(4000, 96)).unwrap().len(), 96);
}

/// The frame buffer limit is checked on the frames a message has, not on its header's frame
/// length: a short message written with a large frame length (one final frame) is read by every
/// API; once the message has a regular frame of that length, the buffering APIs refuse it.
#[test]
fn frame_buffer_limit_applies_to_the_frames_present() {
    let suite = ALL_SUITES[7];
    let key = vec![5u8; suite.key_len];
    let seal = |plaintext: &[u8]| {
        let edk = EncryptedDataKey {
            provider_id: "aws-kms".into(),
            provider_info: b"arn:aws:kms:eu-west-1:111122223333:key/k".to_vec(),
            ciphertext: vec![1; 64],
        };
        prepare(EncryptRequest {
            suite,
            frame_length: 1000,
            encryption_context: EncryptionContext::from_pairs([("contact-id", "c1")]).unwrap(),
        })
        .unwrap()
        .seal(plaintext, &DataKey::new(&key), vec![edk])
        .unwrap()
    };
    let opts = DecryptOptions {
        max_frame_buffer: 500,
        ..Default::default()
    };
    // 300 bytes: only a final frame of 300 + 16 bytes, within the 500-byte buffer.
    let short: Vec<u8> = (0..300u32).map(|i| i as u8).collect();
    let ct = seal(&short);
    assert_eq!(decrypt(&ct, &key, &opts).unwrap(), short);
    let (r, out) = stream_decrypt(&ct, &key, &opts, 37);
    r.unwrap();
    assert_eq!(out, short);
    let ra = ready(RandomAccessReader::open(
        &ct[..],
        &DataKey::new(&key),
        &releasing(&opts),
    ))
    .unwrap();
    assert_eq!(ready(ra.read(10, 280)).unwrap(), &short[10..290]);
    // 1,200 bytes: a regular frame of 1,000 + 16 bytes, over the buffer.
    let long: Vec<u8> = (0..1200u32).map(|i| i as u8).collect();
    let ct = seal(&long);
    assert_eq!(decrypt(&ct, &key, &opts).unwrap(), long);
    let (r, out) = stream_decrypt(&ct, &key, &opts, 37);
    assert_eq!(r.unwrap_err().code, ErrorCode::LimitExceeded);
    assert!(out.is_empty());
    assert_eq!(
        random_access_code(&ct, &key, &opts),
        ErrorCode::LimitExceeded
    );
}

/// The format's own limit on a non-framed body (message-body.md: content length at most
/// 2^36 - 32), read from the body's length field before anything is buffered or opened.
#[test]
fn non_framed_body_length_limit() {
    let (nf, key) = official("110-0478-f0-n4096");
    let h = UnverifiedHeader::parse(&nf, HeaderLimits::default()).unwrap();
    // Non-framed body: IV (12) ‖ content length (u64) ‖ ciphertext ‖ tag.
    let len_at = h.unverified().header_len + 12;
    assert_eq!(
        u64::from_be_bytes(nf[len_at..len_at + 8].try_into().unwrap()),
        4096
    );
    let with_len = |n: u64| {
        let mut m = nf.clone();
        m[len_at..len_at + 8].copy_from_slice(&n.to_be_bytes());
        m
    };
    let max = (1u64 << 36) - 32;
    let over = with_len(max + 1);
    assert_eq!(
        code(decrypt(&over, &key, &DecryptOptions::default())),
        ErrorCode::MalformedBody
    );
    let (r, out) = stream_decrypt(&over, &key, &DecryptOptions::default(), 1);
    assert_eq!(r.unwrap_err().code, ErrorCode::MalformedBody);
    assert!(out.is_empty());
    // At the limit the length is valid: the message is then just far shorter than it says
    // (one-shot) or too long to buffer (streaming).
    let at = with_len(max);
    assert_eq!(
        code(decrypt(&at, &key, &DecryptOptions::default())),
        ErrorCode::Truncated
    );
    assert_eq!(
        stream_decrypt(&at, &key, &DecryptOptions::default(), 1)
            .0
            .unwrap_err()
            .code,
        ErrorCode::LimitExceeded
    );
}

#[test]
fn message_length_limit() {
    for (ct, key) in [official_framed(), official("110-0478-f0-n4096")] {
        let opts = |n| DecryptOptions {
            max_message_len: n,
            ..Default::default()
        };
        let short = opts(ct.len() as u64 - 1);
        assert_eq!(code(decrypt(&ct, &key, &short)), ErrorCode::LimitExceeded);
        let (r, _) = stream_decrypt(&ct, &key, &short, 64);
        assert_eq!(r.unwrap_err().code, ErrorCode::LimitExceeded);
        assert_eq!(
            random_access_code(&ct, &key, &short),
            ErrorCode::LimitExceeded
        );
        // The limit fails early: far less than the message is read before the error.
        let tiny = opts(1024);
        let mut d = callseal::envelope::StreamDecryptor::new(DataKey::new(&key), tiny).unwrap();
        let mut out = Vec::new();
        let mut fed = 0;
        let mut failed = None;
        for c in ct.chunks(16) {
            fed += c.len();
            if let Err(e) = d.update(c, &mut out) {
                failed = Some(e.code);
                break;
            }
        }
        assert_eq!(failed, Some(ErrorCode::LimitExceeded));
        assert!(fed <= 1024 + 16, "read {fed} bytes before refusing");
        // Exactly the message length is allowed.
        assert_eq!(
            decrypt(&ct, &key, &opts(ct.len() as u64)).unwrap().len(),
            4096
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------

const ALLOW_GET: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::recordings/*"}]}"#;

fn validate_codes(text: &str) -> Vec<&'static str> {
    validate(text, PolicyType::Identity)
        .into_iter()
        .map(|f| f.code)
        .collect()
}

fn compile_code(text: &str) -> ErrorCode {
    code(PolicySet::compile(&PolicyTexts {
        identity: vec![text.to_string()],
        ..Default::default()
    }))
}

/// A policy with `n` statements (each ~150 bytes).
fn policy_with_statements(n: usize) -> String {
    let stmts: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"Sid":"S{i}","Effect":"Allow","Action":["s3:Get*","kms:Decrypt"],"Resource":"arn:aws:s3:::bucket-{i}/*a*b*c*d*","Condition":{{"StringLike":{{"aws:PrincipalTag/team":"t{i}*"}}}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        stmts.join(",")
    )
}

#[test]
fn policy_size_limit() {
    let big = policy_with_statements(3000);
    assert!(big.len() > MAX_POLICY_LEN);
    assert_eq!(validate_codes(&big), ["POLICY_LIMIT_EXCEEDED"]);
    assert_eq!(compile_code(&big), ErrorCode::LimitExceeded);
    // A policy of AWS's largest quota (32 KB KMS key policy) is not refused.
    let ok = policy_with_statements(200);
    assert!(ok.len() > 32 << 10 && ok.len() < MAX_POLICY_LEN);
    assert!(!validate_codes(&ok).contains(&"POLICY_LIMIT_EXCEEDED"));
    PolicySet::compile(&PolicyTexts {
        identity: vec![ok],
        ..Default::default()
    })
    .unwrap();
}

#[test]
fn policy_nesting_limit() {
    let nested = |depth: usize| {
        // depth - 5 arrays inside policy > Statement > statement > Condition > operator.
        let n = depth - 5;
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{{"StringEquals":{{"aws:username":{}"a"{}}}}}}}]}}"#,
            "[".repeat(n),
            "]".repeat(n)
        )
    };
    let ok = nested(MAX_POLICY_DEPTH);
    assert!(!validate_codes(&ok).contains(&"POLICY_LIMIT_EXCEEDED"));
    let deep = nested(MAX_POLICY_DEPTH + 1);
    let f = validate(&deep, PolicyType::Identity);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].code, "POLICY_LIMIT_EXCEEDED");
    // The finding points at the bracket that goes one level too deep.
    let at = f[0].span.start.offset as usize;
    assert_eq!(&deep[at..at + 1], "[");
    assert_eq!(
        deep[..at].matches('[').count(),
        MAX_POLICY_DEPTH + 1 - 5 + 1 - 1
    );
    assert_eq!(compile_code(&deep), ErrorCode::LimitExceeded);
    // Hostile depth: refused in one pass, no stack overflow (also on wasm's 1 MiB stack).
    let hostile = "[".repeat(100_000);
    assert_eq!(validate_codes(&hostile), ["POLICY_LIMIT_EXCEEDED"]);
    assert_eq!(compile_code(&hostile), ErrorCode::LimitExceeded);
}

#[test]
fn policy_string_length_limit() {
    let with_resource = |len: usize| {
        ALLOW_GET.replace(
            "arn:aws:s3:::recordings/*",
            &format!("arn:aws:s3:::{}", "r".repeat(len - 13)),
        )
    };
    let ok = with_resource(MAX_POLICY_STRING_LEN);
    assert!(!validate_codes(&ok).contains(&"POLICY_LIMIT_EXCEEDED"));
    let long = with_resource(MAX_POLICY_STRING_LEN + 1);
    assert_eq!(validate_codes(&long), ["POLICY_LIMIT_EXCEEDED"]);
    assert_eq!(compile_code(&long), ErrorCode::LimitExceeded);
    // Keys count too.
    let long_key = ALLOW_GET.replace("\"Effect\"", &format!("\"{}\"", "E".repeat(9000)));
    assert_eq!(validate_codes(&long_key), ["POLICY_LIMIT_EXCEEDED"]);
}

fn request(resource: &str) -> Request {
    serde_json::from_value(serde_json::json!({
        "principal": "arn:aws:iam::111122223333:user/supervisor",
        "action": "s3:GetObject",
        "resource": resource,
    }))
    .unwrap()
}

#[test]
fn request_limits() {
    let texts = PolicyTexts {
        identity: vec![ALLOW_GET.into()],
        ..Default::default()
    };
    let ok = format!(
        "arn:aws:s3:::recordings/{}",
        "x".repeat(MAX_REQUEST_STRING_LEN - 24)
    );
    assert_eq!(ok.len(), MAX_REQUEST_STRING_LEN);
    assert_eq!(
        evaluate::evaluate(&request(&ok), &texts).unwrap().decision,
        evaluate::DecisionKind::Allow
    );
    let long = format!("{ok}x");
    assert_eq!(
        code(evaluate::evaluate(&request(&long), &texts)),
        ErrorCode::LimitExceeded
    );
    let mut many = request("arn:aws:s3:::recordings/a");
    many.context.insert(
        "aws:TagKeys".into(),
        serde_json::from_value(serde_json::json!(vec!["k"; MAX_REQUEST_CONTEXT_VALUES + 1]))
            .unwrap(),
    );
    assert_eq!(
        code(evaluate::evaluate(&many, &texts)),
        ErrorCode::LimitExceeded
    );
    let mut long_value = request("arn:aws:s3:::recordings/a");
    long_value.context.insert(
        "aws:PrincipalTag/team".into(),
        serde_json::from_value(serde_json::json!("t".repeat(MAX_REQUEST_STRING_LEN + 1))).unwrap(),
    );
    assert_eq!(
        long_value.check_limits().unwrap_err().code,
        ErrorCode::LimitExceeded
    );
}

// ---------------------------------------------------------------------------------------------
// S3 Encryption Client metadata
// ---------------------------------------------------------------------------------------------

fn s3ec_case() -> (BTreeMap<String, String>, Option<String>) {
    let v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/vectors/s3ec/python-4.0.0.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let c = &v["cases"][0];
    let headers = c["metadata"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    (headers, c["instruction_file"].as_str().map(str::to_string))
}

#[test]
fn s3ec_metadata_limits() {
    let (headers, instruction) = s3ec_case();
    S3ObjectMetadata::from_headers(&headers, instruction.as_deref()).unwrap();
    let name = headers
        .keys()
        .find(|k| k.to_ascii_lowercase().contains("x-amz-"))
        .unwrap()
        .clone();
    let mut long = headers.clone();
    long.insert(name, "A".repeat(MAX_METADATA_VALUE_LEN + 1));
    assert_eq!(
        code(S3ObjectMetadata::from_headers(
            &long,
            instruction.as_deref()
        )),
        ErrorCode::LimitExceeded
    );
    let big_instruction = format!(
        "{{\"x-amz-pad\":\"{}\"}}",
        " ".repeat(MAX_INSTRUCTION_FILE_LEN)
    );
    // An instruction file is read only when the object's own metadata lacks the data key.
    let without_key: BTreeMap<String, String> = headers
        .iter()
        .filter(|(k, _)| !k.ends_with("x-amz-3") && !k.ends_with("x-amz-key-v2"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(
        code(S3ObjectMetadata::from_headers(
            &without_key,
            Some(&big_instruction)
        )),
        ErrorCode::LimitExceeded
    );
}

// ---------------------------------------------------------------------------------------------
// Linear cost
// ---------------------------------------------------------------------------------------------

/// CPU time this thread has used: time spent descheduled on a busy machine is not counted, so
/// the ratios below measure work, not the machine's load.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Thread CPU time per call of `f`: the least of 5 batches of `batch` calls, divided by `batch`
/// (batches keep millisecond-scale operations above the clock's and the caches' noise).
fn per_call(batch: u32, mut f: impl FnMut()) -> Duration {
    (0..5)
        .map(|_| {
            let t = thread_cpu_time();
            for _ in 0..batch {
                f();
            }
            (thread_cpu_time() - t) / batch
        })
        .min()
        .unwrap()
}

/// Asserts that 8x the input costs far less than 64x (quadratic) the time.
fn assert_linear(what: &str, small: Duration, large: Duration) {
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-6);
    eprintln!("{what}: 1x {small:?}, 8x {large:?}, ratio {ratio:.1}");
    assert!(
        ratio < 24.0,
        "{what}: 8x the input took {ratio:.1}x the time (1x {small:?}, 8x {large:?})"
    );
}

fn message(plaintext_len: usize, frame_length: u32, edks: usize) -> (Vec<u8>, Vec<u8>) {
    let suite = ALL_SUITES[7];
    let key = vec![3u8; suite.key_len];
    let prepared = prepare(EncryptRequest {
        suite,
        frame_length,
        encryption_context: EncryptionContext::from_pairs([("contact-id", "c1")]).unwrap(),
    })
    .unwrap();
    let edks = (0..edks)
        .map(|i| EncryptedDataKey {
            provider_id: "aws-kms".into(),
            provider_info: format!("key/{i}").into_bytes(),
            ciphertext: vec![1; 32],
        })
        .collect();
    let pt: Vec<u8> = (0..plaintext_len).map(|i| i as u8).collect();
    (prepared.seal(&pt, &DataKey::new(&key), edks).unwrap(), key)
}

#[test]
fn large_inputs_cost_linear_time() {
    // Streaming in 1-byte chunks (no re-scanning of buffered input), many small frames.
    let (s, key) = message(8 << 10, 32, 1);
    let (l, _) = message(64 << 10, 32, 1);
    let run = |ct: &[u8]| {
        let (r, out) = stream_decrypt(ct, &key, &DecryptOptions::default(), 1);
        r.unwrap();
        assert!(!out.is_empty());
    };
    assert_linear(
        "stream decrypt, 1-byte chunks",
        per_call(2, || run(&s)),
        per_call(1, || run(&l)),
    );

    // Header with many encrypted data keys, parsed incrementally byte by byte.
    let (s, _) = message(0, 0, 200);
    let (l, _) = message(0, 0, 1600);
    let parse = |ct: &[u8]| {
        let mut p = callseal::envelope::HeaderParser::new(HeaderLimits::default());
        for b in ct.chunks(1) {
            p.push(b).unwrap();
            if p.take().unwrap().is_some() {
                return;
            }
        }
        panic!("header not complete");
    };
    assert_linear(
        "header parse, 1-byte chunks",
        per_call(8, || parse(&s)),
        per_call(1, || parse(&l)),
    );

    // Policy validation and evaluation: 8x the statements.
    let (s, l) = (policy_with_statements(60), policy_with_statements(480));
    assert!(l.len() < MAX_POLICY_LEN);
    assert_linear(
        "validate",
        per_call(
            8,
            || assert!(!validate(&s, PolicyType::Identity).is_empty()),
        ),
        per_call(
            1,
            || assert!(!validate(&l, PolicyType::Identity).is_empty()),
        ),
    );
    let long_resource = format!("arn:aws:s3:::bucket-1/{}", "ab".repeat(3000));
    let req = request(&long_resource);
    req.check_limits().unwrap();
    // Evaluation (compiled once, as the playground and PolicyEvaluator do): every statement's
    // wildcard patterns against a 6 KB ARN.
    let compiled = |p: &str| {
        PolicySet::compile(&PolicyTexts {
            identity: vec![p.to_string()],
            ..Default::default()
        })
        .unwrap()
    };
    let (cs, cl) = (compiled(&s), compiled(&l));
    let eval = |set: &PolicySet| {
        assert_eq!(
            set.evaluate(&req).decision,
            evaluate::DecisionKind::ImplicitDeny
        );
    };
    assert_linear(
        "evaluate (wildcard resources against a 6 KB ARN)",
        per_call(8, || eval(&cs)),
        per_call(1, || eval(&cl)),
    );
}

/// Up to the policy size limit validation stays linear where the checks compare list items:
/// condition values (duplicates), statements (duplicate Sids and statements).
#[test]
fn validation_up_to_the_size_limit_is_linear() {
    // Clean apart from the size quota warning.
    let warnings = |t: &str| {
        validate(t, PolicyType::Identity)
            .iter()
            .all(|f| f.code == "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA")
    };
    let values = |n: usize| {
        let v: Vec<String> = (0..n).map(|i| format!("\"v{i}\"")).collect();
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{{"StringEquals":{{"aws:PrincipalTag/team":[{}]}}}}}}]}}"#,
            v.join(",")
        )
    };
    let (s, l) = (values(5_000), values(40_000));
    assert!(l.len() < MAX_POLICY_LEN && l.len() > 320 << 10);
    assert_linear(
        "validate, one condition with many values",
        per_call(4, || assert!(warnings(&s))),
        per_call(1, || assert!(warnings(&l))),
    );
    let statements = |n: usize| {
        let st: Vec<String> = (0..n)
            .map(|i| format!(r#"{{"Sid":"S{i}","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/{i}"}}"#))
            .collect();
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
            st.join(",")
        )
    };
    let (s, l) = (statements(500), statements(4_000));
    assert!(l.len() < MAX_POLICY_LEN && l.len() > 320 << 10);
    assert_linear(
        "validate, many statements",
        per_call(4, || assert!(warnings(&s))),
        per_call(1, || assert!(warnings(&l))),
    );
}

/// A list of any length is checked for redundancy (the check used to skip lists of more than
/// 400 entries): every entry a wildcard entry covers is reported.
#[test]
fn redundancy_is_reported_on_lists_of_any_length() {
    let mut actions: Vec<String> = (0..2000).map(|i| format!("\"svc:Get{i}\"")).collect();
    actions.push("\"svc:Get*\"".into());
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":[{}],"Resource":"*"}}]}}"#,
        actions.join(",")
    );
    let redundant = validate(&text, PolicyType::Identity)
        .iter()
        .filter(|f| f.code == "REDUNDANT_ACTION")
        .count();
    assert_eq!(redundant, 2000);
}

/// One statement allowing `s3:GetObject` on `resources`, with `condition`.
fn policy_with(resources: &[String], condition: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":[{}]{condition}}}]}}"#,
        resources
            .iter()
            .map(|r| format!("\"{r}\""))
            .collect::<Vec<_>>()
            .join(",")
    )
}

/// `n` resources that are near-duplicates of each other: wildcard entries sharing a literal
/// prefix (each compared with every entry that prefix starts) and literal entries they cover.
fn near_duplicates(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| match i % 2 {
            0 => format!("arn:aws:s3:::bucket/logs/*-{i}"),
            _ => format!("arn:aws:s3:::bucket/logs/2026/{i}-{}", i - 1),
        })
        .collect()
}

/// A `StringLike` value `*aaa...ab*` of `n / 2` bytes against a request value of `n` bytes of
/// `a`: a backtracking matcher compares the whole run of `a`s again at every position.
fn pathological_like(n: usize) -> (PolicySet, Request) {
    let pattern = format!("*{}b*", "a".repeat(n / 2 - 3));
    let condition =
        format!(r#","Condition":{{"StringLike":{{"aws:PrincipalTag/team":"{pattern}"}}}}"#);
    let text = policy_with(&["*".to_string()], &condition);
    let set = PolicySet::compile(&PolicyTexts {
        identity: vec![text],
        ..Default::default()
    })
    .unwrap();
    let request: Request = serde_json::from_value(serde_json::json!({
        "principal": "arn:aws:iam::111122223333:user/supervisor",
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::bucket/key",
        "context": {"aws:PrincipalTag/team": "a".repeat(n)},
    }))
    .unwrap();
    (set, request)
}

/// Wildcard matching and the redundancy check cost time linear in what they compare (issue
/// 19): patterns and values growing together, and lists of near-duplicate resources.
#[test]
fn policy_matching_is_linear() {
    let (s, l) = (pathological_like(1 << 10), pathological_like(8 << 10));
    let denied = |(set, request): &(PolicySet, Request)| {
        assert_eq!(set.evaluate(request).decision.as_str(), "ImplicitDeny");
    };
    assert_linear(
        "evaluate, StringLike *aaa...ab* against a...a",
        per_call(8, || denied(&s)),
        per_call(1, || denied(&l)),
    );
    let redundant = |t: &str| {
        validate(t, PolicyType::Identity)
            .iter()
            .filter(|f| f.code == "REDUNDANT_RESOURCE")
            .count()
    };
    let (s, l) = (
        policy_with(&near_duplicates(1_000), ""),
        policy_with(&near_duplicates(8_000), ""),
    );
    assert!(l.len() > 256 << 10 && l.len() < MAX_POLICY_LEN);
    assert_eq!(redundant(&s), 500);
    assert_linear(
        "validate, Resource list of near-duplicates",
        per_call(4, || assert_eq!(redundant(&s), 500)),
        per_call(1, || assert_eq!(redundant(&l), 4_000)),
    );
}

/// Worst cases at the input limits, validated and evaluated once each; prints the times and
/// fails above 100 ms. Run optimized: `cargo test --release --test limits -- --ignored
/// policy_worst_cases` (BENCHMARKS.md records the numbers).
#[test]
#[ignore]
fn policy_worst_cases_at_the_limits() {
    let limit = |what: &str, elapsed: Duration| {
        eprintln!("{what}: {elapsed:?}");
        assert!(elapsed < Duration::from_millis(100), "{what}: {elapsed:?}");
    };
    let timed = |f: &mut dyn FnMut()| {
        let t = Instant::now();
        f();
        t.elapsed()
    };
    let value = "a".repeat(MAX_REQUEST_STRING_LEN);
    let long_like = format!("*{}b*", "a".repeat(MAX_POLICY_STRING_LEN - 16));
    // 1. A policy at the size limit of 8 KiB `*aaa...ab*` StringLike values, against a request
    //    whose key has the most values, each 8 KiB of `a`.
    let n = MAX_POLICY_LEN / (long_like.len() + 3) - 1;
    let values: Vec<String> = (0..n)
        .map(|i| format!("\"{}{i}\"", &long_like[..long_like.len() - 8]))
        .collect();
    let like_policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{{"ForAnyValue:StringLike":{{"aws:TagKeys":[{}]}}}}}}]}}"#,
        values.join(",")
    );
    assert!(like_policy.len() <= MAX_POLICY_LEN, "{}", like_policy.len());
    let tag_values = vec![value.clone(); MAX_REQUEST_CONTEXT_VALUES];
    let like_request: Request = serde_json::from_value(serde_json::json!({
        "principal": "arn:aws:iam::111122223333:user/supervisor",
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::bucket/key",
        "context": {"aws:TagKeys": tag_values},
    }))
    .unwrap();
    // 2. A Resource list at the size limit full of near-duplicates.
    let mut near = near_duplicates(1);
    let mut i = 1;
    while policy_with(&near, "").len() < MAX_POLICY_LEN - 100 {
        near.extend(near_duplicates(i + 200).into_iter().skip(i));
        i += 200;
    }
    near.truncate(near.len() - 200);
    let list_policy = policy_with(&near, "");
    // 3. Statements at the size limit, each with a condition on several operators.
    let statement = r#"{"Effect":"Deny","Action":["s3:Get*","s3:Put*"],"Resource":["arn:aws:s3:::b/*a*a*a*b","arn:aws:s3:*:*:x*"],"Condition":{"StringNotLike":{"aws:PrincipalTag/team":["*a*a*a*b","x?y*"]},"ArnNotLike":{"aws:SourceArn":"arn:aws:*:*:*:*"},"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]},"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}"#;
    let count = MAX_POLICY_LEN / (statement.len() + 1) - 1;
    let many = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        vec![statement; count].join(",")
    );
    let many_request: Request = serde_json::from_value(serde_json::json!({
        "principal": "arn:aws:iam::111122223333:user/supervisor",
        "action": "s3:GetObject",
        "resource": format!("arn:aws:s3:::b/{}", "a".repeat(MAX_REQUEST_STRING_LEN - 32)),
        "context": {"aws:PrincipalTag/team": value, "aws:SourceIp": "203.0.113.9",
            "aws:SourceArn": format!("arn:aws:s3:{}", ":".repeat(MAX_REQUEST_STRING_LEN - 16)),
            "aws:CurrentTime": "2026-01-01T00:00:00Z"},
    }))
    .unwrap();
    for (what, text, request) in [
        (
            "StringLike values x context values",
            &like_policy,
            &like_request,
        ),
        (
            "Resource list of near-duplicates",
            &list_policy,
            &like_request,
        ),
        ("statements with conditions", &many, &many_request),
    ] {
        limit(
            &format!("validate {what} ({} bytes)", text.len()),
            timed(&mut || {
                validate(text, PolicyType::Identity);
            }),
        );
        let policies = PolicyTexts {
            identity: vec![text.clone()],
            ..Default::default()
        };
        let mut decision = None;
        limit(
            &format!("evaluate {what}"),
            timed(&mut || decision = Some(evaluate::evaluate(request, &policies).unwrap())),
        );
        let decision = decision.unwrap();
        assert_ne!(
            decision.decision.as_str(),
            "Allow",
            "{what}: {}",
            decision.reason
        );
        eprintln!("  {}", decision.reason);
    }
}

/// Matching is linear per comparison, but many patterns against many long values multiply:
/// past `MAX_MATCH_WORK` the evaluation stops and denies, even where the request would be
/// allowed by a value it did not reach.
#[test]
fn evaluation_past_the_matching_budget_denies() {
    let pattern = format!("*{}b*", "a".repeat(MAX_POLICY_STRING_LEN - 16));
    let values: Vec<String> = (0..40)
        .map(|i| format!("\"{}{i}\"", &pattern[..pattern.len() - 8]))
        .chain(["\"last\"".to_string()])
        .collect();
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{{"ForAnyValue:StringLike":{{"aws:TagKeys":[{}]}}}}}}]}}"#,
        values.join(",")
    );
    let request = |n: usize| -> Request {
        serde_json::from_value(serde_json::json!({
            "principal": "arn:aws:iam::111122223333:user/supervisor",
            "action": "s3:GetObject",
            "resource": "arn:aws:s3:::bucket/key",
            "context": {"aws:TagKeys": (0..n)
                .map(|i| if i + 1 == n { "last".to_string() } else { "a".repeat(MAX_REQUEST_STRING_LEN) })
                .collect::<Vec<_>>()},
        }))
        .unwrap()
    };
    let policies = PolicyTexts {
        identity: vec![text],
        ..Default::default()
    };
    // Within the budget the request's last value, `last`, allows.
    let few = evaluate::evaluate(&request(4), &policies).unwrap();
    assert_eq!(few.decision.as_str(), "Allow", "{}", few.reason);
    // 1,024 values x 40 patterns of 8 KiB: past the budget, denied, and the reason says why.
    let many = evaluate::evaluate(&request(MAX_REQUEST_CONTEXT_VALUES), &policies).unwrap();
    assert_eq!(many.decision.as_str(), "ImplicitDeny");
    assert!(
        many.reason.contains("MiB of comparisons"),
        "{}",
        many.reason
    );
}
