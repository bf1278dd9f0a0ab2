//! The raw AES keyring: wrap and unwrap data keys with a local AES-GCM wrapping key.
//!
//! spec: framework/raw-aes-keyring.md
//!
//! - provider id = key namespace;
//! - provider info = key name ‖ u32 tag length in bits (128) ‖ u32 IV length (12) ‖ IV;
//! - ciphertext = wrapped data key ‖ tag; AAD = the serialized encryption context.

use std::future::Future;

use zeroize::Zeroizing;

use crate::engine::RustAesGcm;
use crate::envelope::header::{EncryptedDataKey, EncryptionContext, HeaderInfo};
use crate::envelope::keys::DataKey;
use crate::envelope::random_access::run_ready;
use crate::envelope::suite::{IV_LEN, TAG_LEN};
use crate::err;
use crate::error::Result;

/// One try at unwrapping a data key ([`RawAesKeyring::unwrap_with`]): AES-GCM under the wrapping
/// key with `iv` over `sealed` (wrapped key ‖ tag), `aad` the serialized encryption context.
#[derive(Debug, Clone)]
pub struct WrappedKey {
    pub iv: [u8; IV_LEN],
    pub aad: Vec<u8>,
    pub sealed: Vec<u8>,
}

/// A raw AES keyring (wrapping key zeroized on drop, never printed).
pub struct RawAesKeyring {
    namespace: String,
    name: String,
    key: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for RawAesKeyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RawAesKeyring({}/{}, {} byte key)",
            self.namespace,
            self.name,
            self.key.len()
        )
    }
}

impl RawAesKeyring {
    /// A keyring; `WRONG_KEY_LENGTH` unless the wrapping key is 16, 24 or 32 bytes.
    pub fn new(namespace: &str, name: &str, wrapping_key: &[u8]) -> Result<Self> {
        if ![16, 24, 32].contains(&wrapping_key.len()) {
            return Err(err!(
                WrongKeyLength,
                "raw AES wrapping key is {} bytes (16, 24 or 32 allowed)",
                wrapping_key.len()
            ));
        }
        Ok(RawAesKeyring {
            namespace: namespace.to_string(),
            name: name.to_string(),
            key: Zeroizing::new(wrapping_key.to_vec()),
        })
    }

    /// Whether `edk` was made by a keyring with this namespace and name (well-formed info).
    fn iv_of<'a>(&self, edk: &'a EncryptedDataKey) -> Option<&'a [u8]> {
        if edk.provider_id != self.namespace {
            return None;
        }
        let info = &edk.provider_info;
        let name = self.name.as_bytes();
        let rest = info.strip_prefix(name)?;
        if rest.len() != 8 + IV_LEN
            || rest[..4] != [0, 0, 0, 0x80]
            || rest[4..8] != [0, 0, 0, IV_LEN as u8]
        {
            return None;
        }
        Some(&rest[8..])
    }

    /// Unwraps the data key of a parsed header: tries each EDK of this namespace/name.
    /// `KEY_UNWRAP_FAILED` if none decrypts to a key of the suite's length.
    ///
    /// The header is unauthenticated at this point: the unwrap itself authenticates the context
    /// (it is the AES-GCM AAD), and decrypt then verifies the header with the key.
    pub fn unwrap_data_key(&self, header: &HeaderInfo) -> Result<DataKey> {
        self.unwrap_data_key_with_context(header, &[])
    }

    /// [`RawAesKeyring::unwrap_data_key`] for a message made with required encryption context:
    /// the pairs of `reproduced` its header does not store join the stored ones in the wrapping
    /// AAD, as the keyring's encryption context is the decryption materials' (stored ∪
    /// reproduced; spec: framework/raw-aes-keyring.md, framework/default-cmm.md). With the
    /// pure-Rust engine ([`RawAesKeyring::unwrap_with`] for another).
    pub fn unwrap_data_key_with_context(
        &self,
        header: &HeaderInfo,
        reproduced: &[(String, String)],
    ) -> Result<DataKey> {
        let cipher = RustAesGcm::new(&self.key)?;
        let open = |w: WrappedKey| {
            let mut key = Zeroizing::new(w.sealed[..w.sealed.len() - TAG_LEN].to_vec());
            let mut tag = [0u8; TAG_LEN];
            tag.copy_from_slice(&w.sealed[key.len()..]);
            let opened = cipher.open_in_place(&w.iv, &w.aad, &mut key, &tag, "raw AES data key");
            std::future::ready(Ok(opened
                .is_ok()
                .then(|| DataKey::from_vec(std::mem::take(&mut *key)))))
        };
        let key = run_ready(self.unwrap_with(header, reproduced, open))
            .unwrap_or_else(|| Err(err!(InvalidState, "the Rust engine waited")));
        // AES-GCM's keystream blocks (the key's bytes XOR the ciphertext's) stay in the stack
        // frames open_in_place returned from: overwritten here.
        crate::envelope::keys::scrub_stack();
        key
    }

    /// The wrapping key, for an engine to import (WebCrypto: [`RawAesKeyring::unwrap_with`]).
    pub fn wrapping_key(&self) -> &[u8] {
        &self.key
    }

    /// Unwraps the data key of a parsed header with an engine keyed with
    /// [`RawAesKeyring::wrapping_key`]: `open` opens one [`WrappedKey`] and gives its plaintext,
    /// `None` if its tag does not verify. Each EDK of this namespace and name is tried with
    /// each AAD its context may have been serialized to; the first plaintext of the suite's key
    /// length is the data key. `KEY_UNWRAP_FAILED` if none is; `open`'s own errors stop it.
    pub async fn unwrap_with<F, K>(
        &self,
        header: &HeaderInfo,
        reproduced: &[(String, String)],
        mut open: F,
    ) -> Result<DataKey>
    where
        F: FnMut(WrappedKey) -> K,
        K: Future<Output = Result<Option<DataKey>>>,
    {
        let stored = &header.encryption_context;
        let extra = stored.unstored(reproduced).cloned();
        // The keyring's AAD is the serialized context, pairs sorted by key (what the official
        // keyrings compute, whatever order the header stores them in). A header that stores its
        // pairs unsorted is also tried in its wire order, the bytes its writer may have used.
        let sorted =
            EncryptionContext::from_pairs(stored.pairs().iter().cloned().chain(extra))?.serialize();
        let mut aads = vec![sorted];
        let wire = stored.serialize();
        if stored.unstored(reproduced).next().is_none() && wire != aads[0] {
            aads.push(wire);
        }
        let mut tried = 0;
        for edk in &header.encrypted_data_keys {
            let Some(iv) = self.iv_of(edk) else { continue };
            tried += 1;
            if edk.ciphertext.len() < TAG_LEN {
                continue;
            }
            let mut ivb = [0u8; IV_LEN];
            ivb.copy_from_slice(iv);
            for aad in &aads {
                let wrapped = WrappedKey {
                    iv: ivb,
                    aad: aad.clone(),
                    sealed: edk.ciphertext.clone(),
                };
                match open(wrapped).await? {
                    Some(key) if key.len() == header.suite.key_len => return Ok(key),
                    _ => {}
                }
            }
        }
        Err(err!(
            KeyUnwrapFailed,
            "no encrypted data key for {}/{} could be unwrapped ({} of {} matched the provider)",
            self.namespace,
            self.name,
            tried,
            header.encrypted_data_keys.len()
        ))
    }

    /// Wraps `data_key` for `context` with a fresh random IV.
    pub fn wrap_data_key(
        &self,
        data_key: &DataKey,
        context: &EncryptionContext,
    ) -> Result<EncryptedDataKey> {
        let mut iv = [0u8; IV_LEN];
        crate::envelope::random::fill_random(&mut iv)?;
        // The data key until sealed: wiped if sealing fails, taken out once it is ciphertext.
        let mut ct = Zeroizing::new(data_key.expose().to_vec());
        let tag = RustAesGcm::new(&self.key)?.seal_in_place(&iv, &context.serialize(), &mut ct)?;
        let mut ct = std::mem::take(&mut *ct);
        ct.extend_from_slice(&tag);
        let mut info = self.name.as_bytes().to_vec();
        info.extend_from_slice(&128u32.to_be_bytes());
        info.extend_from_slice(&(IV_LEN as u32).to_be_bytes());
        info.extend_from_slice(&iv);
        Ok(EncryptedDataKey {
            provider_id: self.namespace.clone(),
            provider_info: info,
            ciphertext: ct,
        })
    }
}
