//! The footer signature of a signed message, checked over its bytes alone: no data key, no
//! decryption. The ECDSA signature covers the header and the body as stored (spec "Footer"), so
//! a reader that has played a message by random access (which never reads the footer) can
//! confirm afterwards, from the ciphertext, that the message's writer signed it.
//!
//! The footer is found from the end: its u16 length field followed by that many DER bytes (see
//! `random_access::footer_candidates`). More than one length can fit by chance; the bytes are
//! hashed once up to the earliest candidate and the hash is finished for each (a signature made
//! by the writer verifies for one of them only).

use crate::envelope::decrypt::DecryptOptions;
use crate::envelope::footer::{MessageHasher, VerificationKey};
use crate::envelope::header::{HeaderInfo, UnverifiedHeader};
use crate::envelope::random_access::{
    footer_candidates, read_exactly, read_header, RangeSource, HINT_TAIL_BYTES,
};
use crate::err;
use crate::error::Result;

/// Bytes at the end of a message that [`FooterCheck::new`] reads (the longest footer).
pub const FOOTER_TAIL_BYTES: u64 = HINT_TAIL_BYTES;

/// A footer signature check in progress: fed the message's bytes from its first up to
/// [`FooterCheck::hashed_len`], then finished with the bytes after them.
pub struct FooterCheck {
    key: VerificationKey,
    hasher: MessageHasher,
    /// Where the footer may start (ascending): the signed bytes are `[0, start)`.
    starts: Vec<u64>,
    total: u64,
    fed: u64,
}

impl FooterCheck {
    /// For a message of `total_size` bytes with header `info` whose last bytes are `tail`
    /// (at least its last [`FOOTER_TAIL_BYTES`], or all of it). `INVALID_ARGUMENT` for an
    /// unsigned suite, `MALFORMED_BODY` when no footer fits the end.
    pub fn new(info: &HeaderInfo, total_size: u64, tail: &[u8]) -> Result<Self> {
        let key = info.verification_key()?.ok_or_else(|| {
            err!(
                InvalidArgument,
                "suite {} is not signed: there is no footer signature to check",
                info.suite.id_hex()
            )
        })?;
        let tail_start = total_size.checked_sub(tail.len() as u64).ok_or_else(|| {
            err!(
                InvalidArgument,
                "the tail ({} bytes) is longer than the message ({total_size} bytes)",
                tail.len()
            )
        })?;
        let mut starts: Vec<u64> =
            footer_candidates(info.suite.signature, total_size, tail_start, tail)
                .into_iter()
                .map(|footer| total_size - footer)
                .filter(|&start| start >= info.header_len as u64)
                .collect();
        starts.sort_unstable();
        if starts.is_empty() {
            return Err(err!(
                MalformedBody,
                "no footer of a {} signature ends the message",
                key.curve_name()
            ));
        }
        Ok(FooterCheck {
            key,
            hasher: MessageHasher::for_suite(&info.suite),
            starts,
            total: total_size,
            fed: 0,
        })
    }

    /// How many bytes from the message's first [`FooterCheck::update`] takes.
    pub fn hashed_len(&self) -> u64 {
        self.starts[0]
    }

    /// Feeds the next message bytes (in order, up to `hashed_len` in all).
    pub fn update(&mut self, bytes: &[u8]) -> Result<()> {
        if self.fed + bytes.len() as u64 > self.hashed_len() {
            return Err(err!(
                InvalidArgument,
                "{} bytes past the {} to hash",
                self.fed + bytes.len() as u64 - self.hashed_len(),
                self.hashed_len()
            ));
        }
        self.hasher.update(bytes);
        self.fed += bytes.len() as u64;
        Ok(())
    }

    /// Checks the signature with the message's bytes from `hashed_len` to its end.
    /// `SIGNATURE_INVALID` unless the writer's key signed the bytes before one candidate footer.
    pub fn finish(self, rest: &[u8]) -> Result<()> {
        if self.fed != self.hashed_len() || self.fed + rest.len() as u64 != self.total {
            return Err(err!(
                InvalidArgument,
                "{} bytes hashed and {} given of a {}-byte message",
                self.fed,
                rest.len(),
                self.total
            ));
        }
        let first = self.hashed_len();
        let verified = self.starts.iter().any(|&start| {
            let (extra, footer) = rest.split_at((start - first) as usize);
            let mut h = self.hasher.clone();
            h.update(extra);
            // The footer: u16 length ‖ DER signature (its length checked by footer_candidates).
            self.key.verify_prehash(&h.finalize(), &footer[2..]).is_ok()
        });
        if verified {
            Ok(())
        } else {
            Err(err!(
                SignatureInvalid,
                "the footer signature does not verify over the message's bytes"
            ))
        }
    }
}

/// Checks the footer signature of the signed message in `source` without its data key: reads
/// its header ([`read_header`]) and its last [`FOOTER_TAIL_BYTES`], then every byte in order,
/// `chunk` at a time (one chunk held), calling `after_chunk(hashed, total)` after each (an error
/// it returns stops the check). Returns the header it read (unauthenticated).
pub async fn verify_signature<S: RangeSource>(
    source: &S,
    opts: &DecryptOptions,
    chunk: u64,
    mut after_chunk: impl FnMut(u64, u64) -> Result<()>,
) -> Result<UnverifiedHeader> {
    if chunk == 0 {
        return Err(err!(InvalidArgument, "chunk size 0"));
    }
    let header = read_header(source, opts).await?;
    let size = source.size();
    let tail = read_exactly(source, size - FOOTER_TAIL_BYTES.min(size)..size).await?;
    let mut check = FooterCheck::new(header.unverified(), size, &tail)?;
    let end = check.hashed_len();
    let mut at = 0;
    while at < end {
        let to = end.min(at + chunk);
        check.update(&read_exactly(source, at..to).await?)?;
        at = to;
        after_chunk(at, end)?;
    }
    check.finish(&read_exactly(source, end..size).await?)?;
    Ok(header)
}
