//! The package's generated TypeScript module (pkg-config/src/lib/generated.ts): the types of the
//! values callseal returns to JavaScript, declared from the Rust types by ts-rs, and `SUITES`
//! (the suite table of src/envelope/suite.rs). `callseal-types` writes it; tests/ts_types.rs
//! holds the committed copy to it.

use ts_rs::{Config, TS};

use crate::envelope::header::{ContentType, EncryptedDataKey};
use crate::envelope::message_header::{MessageHeader, SuiteInfo};
use crate::envelope::suite::ALL_SUITES;
use crate::error::ErrorCode;
use crate::policy::evaluate::{DecidingStatement, Decision, DecisionKind, DenyGate, EffectName};
use crate::policy::grants::{Capacity, DecidingGrant, GrantLabel};
use crate::policy::{finding_checks, Finding, Fix, PolicyType, Position, Severity, Span};

/// One declaration: its doc comment and `export type ...`.
fn export<T: TS + ?Sized>(cfg: &Config) -> String {
    let mut out = T::docs().unwrap_or_default();
    out.push_str("export ");
    out.push_str(&T::decl(cfg));
    out.push_str("\n\n");
    out
}

/// `FindingCode`: the codes of [`finding_checks`], in registry order (`Finding.code`'s type).
fn finding_code() -> String {
    let codes: Vec<String> = finding_checks()
        .iter()
        .map(|c| format!("\"{}\"", c.code))
        .collect();
    format!(
        "/**\n * Every code a `Finding` carries: the validator's checks (docs/policy-checks.md),\n \
         * `SERVICE_DATA_NOT_LOADED` and the grant checks, in their registries' order.\n */\n\
         export type FindingCode = {};\n\n",
        codes.join(" | ")
    )
}

/// The whole module, as committed and shipped.
pub fn module() -> String {
    let cfg = Config::default();
    let mut out = String::from(
        "// Generated from callseal's Rust types by `cargo run --bin callseal-types` \
         (scripts/build-wasm.sh runs it): do not edit.\n\
         import type { OwnedBytes } from './types.js';\n\n",
    );
    for decl in [
        export::<ErrorCode>(&cfg),
        export::<MessageHeader>(&cfg),
        export::<EncryptedDataKey>(&cfg),
        export::<ContentType>(&cfg),
        export::<SuiteInfo>(&cfg),
        export::<PolicyType>(&cfg),
        export::<Severity>(&cfg),
        finding_code(),
        export::<Finding>(&cfg),
        export::<Fix>(&cfg),
        export::<Span>(&cfg),
        export::<Position>(&cfg),
        export::<Decision>(&cfg),
        export::<DecisionKind>(&cfg),
        export::<DecidingStatement>(&cfg),
        export::<EffectName>(&cfg),
        export::<DenyGate>(&cfg),
        export::<DecidingGrant>(&cfg),
        export::<GrantLabel>(&cfg),
        export::<Capacity>(&cfg),
    ] {
        out.push_str(&decl);
    }
    out.push_str("/** The 11 ESDK algorithm suites, in id order. */\n");
    out.push_str("export const SUITES: readonly SuiteInfo[] = [\n");
    for suite in ALL_SUITES.iter().map(SuiteInfo::from) {
        let json = serde_json::to_string(&suite).expect("a suite serializes");
        out.push_str(&format!("  {json},\n"));
    }
    out.push_str("];\n\n");
    let lengths: std::collections::BTreeSet<usize> = ALL_SUITES.iter().map(|s| s.key_len).collect();
    let lengths: Vec<String> = lengths.iter().map(usize::to_string).collect();
    out.push_str(
        "/** The suites' data key lengths in bytes, ascending: what a data key may hold before its header is known. */\n",
    );
    out.push_str(&format!(
        "export const DATA_KEY_LENGTHS: readonly number[] = [{}];\n",
        lengths.join(", ")
    ));
    out
}
