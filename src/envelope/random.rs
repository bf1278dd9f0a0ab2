//! The platform's secure random source, for keys, IVs and message ids.

use rand_core::RngCore as _;

use crate::err;
use crate::error::Result;

/// Fills `buf` from the platform's secure random source (getrandom: the OS, or
/// `crypto.getRandomValues` in wasm). `ENGINE_UNAVAILABLE` when that source fails or is missing:
/// an error the caller sees, never a panic (a panic aborts the wasm module mid-call, skipping
/// the destructors that wipe keys).
pub(crate) fn fill_random(buf: &mut [u8]) -> Result<()> {
    rand_core::OsRng.try_fill_bytes(buf).map_err(|e| {
        err!(
            EngineUnavailable,
            "no secure random numbers from the platform ({e}): cannot make a key, IV or message id"
        )
    })
}
