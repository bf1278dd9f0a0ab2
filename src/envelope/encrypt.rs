//! Writing ESDK messages (pipelines, tests): every suite, framed or non-framed, v1/v2 headers,
//! ECDSA signing with a fresh key, key commitment. Byte-compatible with the official SDKs.
//!
//! spec: client-apis/encrypt.md, data-format/*
//!
//! ```text
//! prepare(request) ──► PreparedMessage::encryption_context()  (with aws-crypto-public-key)
//!                      │  wrap the data key for exactly this context (KMS, raw AES...)
//!                      ├► PreparedMessage::seal(plaintext, data key, EDKs) ──► message bytes
//!                      └► PreparedMessage::begin(data key, EDKs, out) ──► header, then a
//!                         FrameWriter for plaintext in pieces (frame_writer.rs)
//! ```
//! [`encrypt_with_raw_aes`] does both steps with a [`RawAesKeyring`] and a random data key.

use crate::engine::RustAesGcm;
use crate::envelope::body::{body_aad, BodyKind, FrameIv, MAX_NON_FRAMED_LEN};
use crate::envelope::footer::{
    serialize_footer, MessageHasher, SigningKey, PUBLIC_KEY_CONTEXT_KEY,
};
use crate::envelope::frame_writer::FrameWriter;
use crate::envelope::header::{ContentType, EncryptedDataKey, EncryptionContext, HeaderInfo};
use crate::envelope::keys::{derive_keys, header_auth_tag, ContentKey, DataKey};
use crate::envelope::random::fill_random;
use crate::envelope::raw_aes::RawAesKeyring;
use crate::envelope::suite::{HeaderVersion, Suite};
use crate::err;
use crate::error::Result;

/// What to write.
#[derive(Debug, Clone)]
pub struct EncryptRequest {
    /// Algorithm suite (the ESDK default is 0578).
    pub suite: Suite,
    /// Frame length in bytes, at most [`MAX_FRAME_LENGTH`]; 0 writes a non-framed message. The
    /// ESDK default is 4096.
    pub frame_length: u32,
    /// Encryption context (no key may start with `aws-crypto-`: `aws-crypto-public-key` is
    /// added for signed suites).
    pub encryption_context: EncryptionContext,
}

/// A message being written: the signing key (signed suites) and the final encryption context
/// are fixed; the data key must be wrapped for exactly [`PreparedMessage::encryption_context`].
pub struct PreparedMessage {
    request: EncryptRequest,
    context: EncryptionContext,
    signer: Option<SigningKey>,
}

/// Encryption-context keys with this prefix are the ESDK's own (`aws-crypto-public-key`...).
/// spec: client-apis/encrypt.md#encryption-context ("the encryption operation MUST fail")
pub const RESERVED_CONTEXT_PREFIX: &str = "aws-crypto-";

/// The largest frame length callseal writes: the Python ESDK (4.0.7) refuses to decrypt a
/// header whose frame length exceeds 2^31 - 1, although the format allows 2^32 - 1.
pub const MAX_FRAME_LENGTH: u32 = i32::MAX as u32;

/// Validates `request`, generates the signing key of signed suites and the final context.
/// `INVALID_ARGUMENT` for a context key starting with `aws-crypto-` or a frame length above
/// [`MAX_FRAME_LENGTH`].
pub fn prepare(request: EncryptRequest) -> Result<PreparedMessage> {
    if let Some((key, _)) = request
        .encryption_context
        .pairs()
        .iter()
        .find(|(k, _)| k.starts_with(RESERVED_CONTEXT_PREFIX))
    {
        return Err(err!(
            InvalidArgument,
            "encryption context key `{key}`: the prefix `{RESERVED_CONTEXT_PREFIX}` is reserved \
             for the Encryption SDK (`{PUBLIC_KEY_CONTEXT_KEY}` is added for signed suites)"
        ));
    }
    if request.frame_length > MAX_FRAME_LENGTH {
        return Err(err!(
            InvalidArgument,
            "frame length {} exceeds {MAX_FRAME_LENGTH} (2^31 - 1), the largest the official \
             SDKs decrypt",
            request.frame_length
        ));
    }
    let signer = SigningKey::generate(&request.suite)?;
    let context = match &signer {
        None => request.encryption_context.clone(),
        Some(s) => {
            let mut pairs = request.encryption_context.pairs().to_vec();
            pairs.push((
                PUBLIC_KEY_CONTEXT_KEY.to_string(),
                s.public_key_context_value(),
            ));
            EncryptionContext::from_pairs(pairs)?
        }
    };
    if context.serialize().len() > u16::MAX as usize {
        return Err(err!(
            InvalidArgument,
            "serialized encryption context exceeds 65535 bytes"
        ));
    }
    Ok(PreparedMessage {
        request,
        context,
        signer,
    })
}

impl PreparedMessage {
    /// The context the data key must be wrapped for (includes the public key when signed).
    pub fn encryption_context(&self) -> &EncryptionContext {
        &self.context
    }

    /// Writes the whole message.
    pub fn seal(
        self,
        plaintext: &[u8],
        data_key: &DataKey,
        encrypted_data_keys: Vec<EncryptedDataKey>,
    ) -> Result<Vec<u8>> {
        let frame_length = self.request.frame_length as usize;
        let mut out = Vec::new();
        if frame_length == 0 {
            let header = self.write_header(data_key, encrypted_data_keys, &mut out)?;
            seal_non_framed(header, plaintext, &mut out)?;
            return Ok(out);
        }
        let frames = plaintext.len() / frame_length + 1;
        out.reserve(plaintext.len() + frames * 32 + 200);
        let mut body = self.begin(data_key, encrypted_data_keys, &mut out)?;
        body.push(plaintext, &mut out)?;
        body.finish(&mut out)?;
        Ok(out)
    }

    /// Appends the header of a framed message to `out` and returns the writer of its body, for
    /// plaintext that arrives in pieces. `INVALID_ARGUMENT` for a non-framed request (frame
    /// length 0: its header states the whole length up front).
    pub fn begin(
        self,
        data_key: &DataKey,
        encrypted_data_keys: Vec<EncryptedDataKey>,
        out: &mut Vec<u8>,
    ) -> Result<FrameWriter> {
        let frame_length = self.request.frame_length;
        if frame_length == 0 {
            return Err(err!(
                InvalidArgument,
                "a message written in pieces must be framed (frame length 0 asks for non-framed)"
            ));
        }
        let header = self.write_header(data_key, encrypted_data_keys, out)?;
        FrameWriter::new(
            header.message_id,
            header.content_key,
            frame_length,
            header.signer,
        )
    }

    /// Appends the serialized, authenticated header to `out`.
    fn write_header(
        self,
        data_key: &DataKey,
        encrypted_data_keys: Vec<EncryptedDataKey>,
        out: &mut Vec<u8>,
    ) -> Result<WrittenHeader> {
        let suite = self.request.suite;
        let mut message_id = vec![0u8; suite.header_version.message_id_len()];
        fill_random(&mut message_id)?;
        let keys = derive_keys(&suite, &message_id, data_key)?;
        let frame_length = self.request.frame_length;
        let content_type = if frame_length == 0 {
            ContentType::NonFramed
        } else {
            ContentType::Framed
        };
        let mut info = HeaderInfo {
            version: suite.header_version,
            suite,
            message_id,
            encryption_context: self.context,
            encrypted_data_keys,
            content_type,
            frame_length,
            header_iv: (suite.header_version == HeaderVersion::V1).then_some([0u8; 12]),
            commitment: keys.commitment.as_ref().map(|c| **c),
            auth_tag: [0; 16],
            body_len: 0,
            header_len: 0,
        };
        let mark = out.len();
        out.extend_from_slice(&info.serialize_body()?);
        let tag = header_auth_tag(&info, &out[mark..], &keys.content_key)?;
        info.auth_tag = tag;
        if let Some(iv) = info.header_iv {
            out.extend_from_slice(&iv);
        }
        out.extend_from_slice(&tag);
        let signer = self.signer.map(|signer| {
            let mut hasher = MessageHasher::for_suite(&suite);
            hasher.update(&out[mark..]);
            (signer, hasher)
        });
        Ok(WrittenHeader {
            message_id: info.message_id,
            content_key: keys.content_key,
            signer,
        })
    }
}

/// What the body needs from the header just written.
struct WrittenHeader {
    message_id: Vec<u8>,
    content_key: ContentKey,
    /// Signed suites: the signing key and the hash of the message so far.
    signer: Option<(SigningKey, MessageHasher)>,
}

/// Appends the single-block body of a non-framed message (and the footer of signed suites).
fn seal_non_framed(header: WrittenHeader, plaintext: &[u8], out: &mut Vec<u8>) -> Result<()> {
    if plaintext.len() as u64 > MAX_NON_FRAMED_LEN {
        return Err(err!(
            LimitExceeded,
            "non-framed plaintext of {} bytes exceeds 2^36 - 32",
            plaintext.len()
        ));
    }
    let mark = out.len();
    out.reserve(plaintext.len() + 64);
    let iv = FrameIv::for_seq(1);
    out.extend_from_slice(iv.bytes());
    out.extend_from_slice(&(plaintext.len() as u64).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(plaintext);
    let aad = body_aad(
        &header.message_id,
        BodyKind::SingleBlock,
        1,
        plaintext.len() as u64,
    );
    let cipher = RustAesGcm::new(header.content_key.expose())?;
    let tag = cipher.seal_in_place(iv.bytes(), &aad, &mut out[start..])?;
    out.extend_from_slice(&tag);
    if let Some((signer, mut hasher)) = header.signer {
        hasher.update(&out[mark..]);
        let der = signer.sign_prehash(&hasher.finalize())?;
        out.extend_from_slice(&serialize_footer(&der));
    }
    Ok(())
}

/// Encrypts with a fresh random data key wrapped by a raw AES keyring.
pub fn encrypt_with_raw_aes(
    plaintext: &[u8],
    keyring: &RawAesKeyring,
    request: EncryptRequest,
) -> Result<Vec<u8>> {
    let suite = request.suite;
    let prepared = prepare(request)?;
    let mut data_key = DataKey::from_vec(vec![0u8; suite.key_len]);
    fill_random(data_key.expose_mut())?;
    let edk = keyring.wrap_data_key(&data_key, prepared.encryption_context())?;
    prepared.seal(plaintext, &data_key, vec![edk])
}
