#!/usr/bin/env python3
"""Authenticated but semantically invalid (or unusual) ESDK messages, and what the official SDKs do
with them.

  make_semantic.py OUTDIR     write OUTDIR/*.bin and OUTDIR/manifest.json

The tamper sweep (tests/esdk_tamper.rs) covers messages whose authentication fails. Every message
here is *well authenticated*: the header tag, the key commitment, each frame tag and (signed
suites) the footer signature are computed with the known data key, so whatever a decryptor does
with it is its reading of the format, not a tag failure. Each case breaks or stretches one rule of
awslabs/aws-encryption-sdk-specification (data-format/message-header.md, message-body.md,
message-footer.md, client-apis/decrypt.md, framework/default-cmm.md).

The data key is wrapped as one raw AES-256 encrypted data key (namespace/name and wrapping key in
the manifest; AAD = the serialized encryption context, pairs sorted by key, as the official raw AES
keyrings compute it), so the official SDKs decrypt through their own keyrings:
- Python: aws-encryption-sdk (this venv) with a RawMasterKey, in-process;
- JavaScript: @aws-crypto/client-node with RawAesKeyringNode (tests/interop/semantic_node.mjs).
Both with the commitment policy REQUIRE_ENCRYPT_ALLOW_DECRYPT. Their outcomes go in the manifest
(`official.python`, `official.node`), next to the outcome callseal is held to (`callseal`:
`"plaintext"` or an error code) and why (`why`); `callseal_buffered`, where present, is the
outcome of the APIs that hold a frame in memory (streaming, random access) when it differs. tests/esdk_semantic.rs and
tests/wasm/semantic.test.mjs assert callseal's outcome for every message, given the data key.

Everything but the ECDSA signatures is deterministic (keys, message ids and IVs derive from the
case id); rerunning rewrites the messages with fresh signatures and the same outcomes.
"""
import base64
import hashlib
import json
import logging
import os
import struct
import subprocess
import sys

import aws_encryption_sdk
from aws_encryption_sdk.identifiers import CommitmentPolicy, EncryptionKeyType, WrappingAlgorithm
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
from aws_encryption_sdk.key_providers.raw import RawMasterKey
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

HERE = os.path.dirname(os.path.abspath(__file__))
NAMESPACE, KEY_NAME = "callseal-semantic", "aes-256"
WRAPPING_KEY = hashlib.sha256(b"callseal semantic wrapping key").digest()
PK = "aws-crypto-public-key"

# id -> (key length, header version, kdf hash, signature curve)
SUITES = {
    0x0014: (16, 1, None, None),
    0x0178: (32, 1, hashes.SHA256, None),
    0x0214: (16, 1, hashes.SHA256, ec.SECP256R1),
    0x0378: (32, 1, hashes.SHA384, ec.SECP384R1),
    0x0478: (32, 2, hashes.SHA512, None),
    0x0578: (32, 2, hashes.SHA512, ec.SECP384R1),
}
ORDER = {ec.SECP256R1: 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
         ec.SECP384R1: int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16)}


def off_curve_x_p384():
    """The smallest x for which x^3 - 3x + b is not a square mod p (no P-384 point has it)."""
    p = 2 ** 384 - 2 ** 128 - 2 ** 96 + 2 ** 32 - 1
    b = int("B3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875AC656398D8A2ED19D2A85C8EDD3EC2AEF", 16)
    x = 1
    while pow((x ** 3 - 3 * x + b) % p, (p - 1) // 2, p) == 1:
        x += 1
    return x


def det(case_id, label, n):
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(("%s/%s/%d" % (case_id, label, i)).encode()).digest()
        i += 1
    return out[:n]


def u16(n):
    return struct.pack(">H", n)


def u32(n):
    return struct.pack(">I", n)


def iv_for(seq):
    return b"\x00" * 8 + u32(seq)


def hkdf(hash_cls, salt, ikm, info, n):
    return HKDF(algorithm=hash_cls(), length=n, salt=salt, info=info).derive(ikm)


def serialize_pairs(pairs):
    """pairs: list of (key bytes, value bytes) in wire order -> the AAD field's content."""
    if not pairs:
        return b""
    out = u16(len(pairs))
    for k, v in pairs:
        out += u16(len(k)) + k + u16(len(v)) + v
    return out


def sorted_context_aad(pairs):
    """What the official raw AES keyrings use as the EDK's AAD: the context as a map (a repeated
    key keeps its last value), serialized with the pairs sorted by the keys' UTF-8 bytes."""
    d = {}
    for k, v in pairs:
        d[k] = v
    return serialize_pairs(sorted(d.items()))


class Msg:
    """One message under construction. Defaults give a valid message like the ESDK writes."""

    def __init__(self, case_id, suite, plaintext=b"", frame_length=128):
        self.id = case_id
        self.suite = suite
        self.key_len, self.version, self.kdf, self.curve = SUITES[suite]
        self.data_key = det(case_id, "data key", self.key_len)
        self.message_id = det(case_id, "message id", 16 if self.version == 1 else 32)
        self.signer = ec.derive_private_key(int.from_bytes(det(case_id, "signer", 32), "big") % (ORDER[self.curve] - 1) + 1,
                                            self.curve()) if self.curve else None
        self.pairs = [(b"contact-id", b"c-1"), (b"kind", b"recording")]
        self.public_key = self.pk_value() if self.signer else None  # None: no aws-crypto-public-key pair
        self.aad_override = None  # raw bytes of the AAD field's content
        self.wrap_aad_override = None
        self.edk_count_override = None
        self.extra_edks = []  # (provider id bytes, info, ciphertext) written before the real EDK
        self.message_type = 0x80
        self.content_type = 2 if frame_length else 1
        self.reserved = b"\x00\x00\x00\x00"
        self.iv_len = 12
        self.frame_length = frame_length
        self.plaintext = plaintext
        self.units = None  # None: the ESDK's framing of `plaintext`
        self.footer = "sign"
        self.trailing = b""

    def pk_value(self):
        return base64.b64encode(self.signer.public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint))

    def context_pairs(self):
        pairs = list(self.pairs)
        if self.public_key is not None:
            pairs.append((PK.encode(), self.public_key))
            pairs.sort(key=lambda kv: kv[0])
        return pairs

    def default_units(self):
        """ESDK framing: regular frames of frame_length, then a final frame with the rest (a full
        frame when the length is an exact non-zero multiple)."""
        pt, f = self.plaintext, self.frame_length
        if self.content_type == 1:
            return [("single", 1, iv_for(1), pt)]
        units = []
        regular = 0 if not pt else (len(pt) - 1) // f
        for k in range(regular):
            units.append(("regular", k + 1, iv_for(k + 1), pt[k * f:(k + 1) * f]))
        units.append(("final", regular + 1, iv_for(regular + 1), pt[regular * f:]))
        return units

    def keys(self):
        sid = u16(self.suite)
        if self.kdf is None:
            return self.data_key, None
        if self.version == 1:
            return hkdf(self.kdf, None, self.data_key, sid + self.message_id, self.key_len), None
        return (hkdf(self.kdf, self.message_id, self.data_key, sid + b"DERIVEKEY", self.key_len),
                hkdf(self.kdf, self.message_id, self.data_key, b"COMMITKEY", 32))

    def edk(self, wrap_aad):
        iv = det(self.id, "edk iv", 12)
        ct = AESGCM(WRAPPING_KEY).encrypt(iv, self.data_key, wrap_aad)
        info = KEY_NAME.encode() + u32(128) + u32(12) + iv
        return (NAMESPACE.encode(), info, ct)

    def build(self):
        pairs = self.context_pairs()
        aad = self.aad_override if self.aad_override is not None else serialize_pairs(pairs)
        wrap_aad = self.wrap_aad_override if self.wrap_aad_override is not None else sorted_context_aad(pairs)
        content_key, commit = self.keys()
        edks = self.extra_edks + [self.edk(wrap_aad)]
        h = bytes([self.version])
        if self.version == 1:
            h += bytes([self.message_type])
        h += u16(self.suite) + self.message_id + u16(len(aad)) + aad
        h += u16(len(edks) if self.edk_count_override is None else self.edk_count_override)
        if self.edk_count_override != 0:
            for pid, info, ct in edks:
                h += u16(len(pid)) + pid + u16(len(info)) + info + u16(len(ct)) + ct
        h += bytes([self.content_type])
        if self.version == 1:
            h += self.reserved + bytes([self.iv_len])
        h += u32(self.frame_length)
        if self.version == 2:
            h += commit
        header_iv = b"\x00" * 12
        tag = AESGCM(content_key).encrypt(header_iv, b"", h)
        out = h + (header_iv if self.version == 1 else b"") + tag
        gcm = AESGCM(content_key)
        for unit in (self.units if self.units is not None else self.default_units()):
            kind, seq, iv, pt = unit[:4]
            if kind == "single":
                aad = self.message_id + b"AWSKMSEncryptionClient Single Block" + u32(seq) + struct.pack(">Q", len(pt))
                ct = gcm.encrypt(iv, pt, aad)
                out += iv + struct.pack(">Q", len(pt)) + ct
            elif kind == "regular":
                aad = self.message_id + b"AWSKMSEncryptionClient Frame" + u32(seq) + struct.pack(">Q", len(pt))
                out += u32(seq) + iv + gcm.encrypt(iv, pt, aad)
            else:
                aad = self.message_id + b"AWSKMSEncryptionClient Final Frame" + u32(seq) + struct.pack(">Q", len(pt))
                out += b"\xff\xff\xff\xff" + u32(seq) + iv + u32(len(pt)) + gcm.encrypt(iv, pt, aad)
        if self.signer is not None and self.footer is not None:
            out += self.sign(out)
        return out + self.trailing

    def sign(self, signed):
        h = hashes.SHA256 if self.curve is ec.SECP256R1 else hashes.SHA384
        der = self.signer.sign(signed, ec.ECDSA(h()))
        r, s = decode_dss_signature(der)
        n = ORDER[self.curve]
        low = min(s, n - s)
        if self.footer == "sign":
            der = encode_dss_signature(r, low)
        elif self.footer == "high-s":
            der = encode_dss_signature(r, n - low)
        elif self.footer == "extra-byte":
            der = encode_dss_signature(r, low) + b"\x00"
        elif self.footer == "non-minimal-integer":
            # r with a superfluous leading 00 byte: valid BER, not DER.
            rb = r.to_bytes((r.bit_length() + 7) // 8, "big")
            rb = b"\x00" + (b"\x00" if rb[0] & 0x80 else b"") + rb
            sb = low.to_bytes((low.bit_length() + 7) // 8, "big")
            sb = (b"\x00" if sb[0] & 0x80 else b"") + sb
            body = b"\x02" + bytes([len(rb)]) + rb + b"\x02" + bytes([len(sb)]) + sb
            der = b"\x30" + (bytes([len(body)]) if len(body) < 128 else b"\x81" + bytes([len(body)])) + body
        elif self.footer == "raw-r-s":
            size = 32 if self.curve is ec.SECP256R1 else 48
            der = r.to_bytes(size, "big") + low.to_bytes(size, "big")
        else:
            raise ValueError(self.footer)
        return u16(len(der)) + der


PT300 = bytes((i * 7 + 1) % 256 for i in range(300))
PT256 = bytes((i * 5 + 3) % 256 for i in range(256))
PT128 = PT256[:128]


def cases():
    """(id, description, spec rule, callseal outcome, why, Msg)."""
    out = []

    def case(cid, desc, spec, callseal, why, suite=0x0178, plaintext=PT300, frame_length=128, **kw):
        m = Msg(cid, suite, plaintext, frame_length)
        buffered = kw.pop("buffered", None)
        for k, v in kw.items():
            if callable(v) and k == "edit":
                v(m)
            else:
                setattr(m, k, v)
        m.buffered = buffered
        out.append((cid, desc, spec, callseal, why, m))

    ok = "plaintext"
    # ---- controls ------------------------------------------------------------------------------
    case("control-v1-framed", "valid 0178 message, 3 frames", "-", ok, "valid")
    case("control-v2-signed", "valid 0578 message, 3 frames, signed", "-", ok, "valid", suite=0x0578)
    case("control-v1-signed-p256", "valid 0214 message, signed (P-256)", "-", ok, "valid", suite=0x0214)
    # ---- header ------------------------------------------------------------------------------
    case("v1-reserved-nonzero", "v1 header, reserved field 00000001",
         "message-header.md#reserved: MUST be 00 00 00 00", "MALFORMED_HEADER", "spec MUST",
         reserved=b"\x00\x00\x00\x01")
    case("v1-iv-length-16", "v1 header, IV length field 16 (suite IV length 12)",
         "message-header.md#iv-length: MUST equal the suite's IV length", "MALFORMED_HEADER", "spec MUST", iv_len=16)
    case("v1-iv-length-0", "v1 header, IV length field 0",
         "message-header.md#iv-length: MUST equal the suite's IV length", "MALFORMED_HEADER", "spec MUST", iv_len=0)
    case("framed-frame-length-0", "framed content type, frame length 0, one empty final frame",
         "message-header.md#frame-length; message-body.md#final-frame (content <= frame length)",
         "MALFORMED_HEADER", "no framed message can have frame length 0 (regular frames would be empty)",
         plaintext=b"", frame_length=0, content_type=2,
         units=[("final", 1, iv_for(1), b"")])
    case("v2-framed-frame-length-0", "v2 (0478): framed, frame length 0, one empty final frame",
         "message-header.md#frame-length", "MALFORMED_HEADER", "as framed-frame-length-0",
         suite=0x0478, plaintext=b"", frame_length=0, content_type=2, units=[("final", 1, iv_for(1), b"")])
    case("nonframed-frame-length-4096", "non-framed content type, frame length 4096",
         "message-header.md#frame-length: non-framed MUST be 0", "MALFORMED_HEADER", "spec MUST",
         frame_length=4096, content_type=1, units=[("single", 1, iv_for(1), PT300)])
    case("content-type-3", "content type 03 (unknown), non-framed body",
         "message-header.md#content-type: MUST be 01 or 02", "UNSUPPORTED_VERSION", "spec MUST",
         frame_length=0, content_type=3, units=[("single", 1, iv_for(1), PT300)])
    case("content-type-0", "content type 00, non-framed body",
         "message-header.md#content-type: MUST be 01 or 02", "UNSUPPORTED_VERSION", "spec MUST",
         frame_length=0, content_type=0, units=[("single", 1, iv_for(1), PT300)])
    case("ec-duplicate-key", "encryption context with the key `kind` twice",
         "message-header.md#key-value-pair-entries: MUST not contain duplicate entries", "MALFORMED_HEADER",
         "spec MUST", pairs=[(b"contact-id", b"c-1"), (b"kind", b"a"), (b"kind", b"b")])
    case("ec-duplicate-key-same-value", "encryption context with the pair kind=a twice",
         "message-header.md#key-value-pair-entries: MUST not contain duplicate entries", "MALFORMED_HEADER",
         "spec MUST", pairs=[(b"contact-id", b"c-1"), (b"kind", b"a"), (b"kind", b"a")])
    case("ec-empty-key", "encryption context pair with an empty key",
         "no MUST against it (keys are UTF-8 strings)", ok, "official SDKs write and read it",
         pairs=[(b"", b"x"), (b"contact-id", b"c-1")])
    case("ec-empty-value", "encryption context pair with an empty value",
         "no MUST against it", ok, "official SDKs write and read it", pairs=[(b"a", b""), (b"contact-id", b"c-1")])
    case("ec-invalid-utf8-key", "encryption context key with bytes FF FE",
         "message-header.md#key-value-pair-entries: keys are UTF-8 encoded", "MALFORMED_HEADER", "not UTF-8",
         pairs=[(b"contact-id", b"c-1"), (b"k\xff\xfe", b"v")])
    case("ec-invalid-utf8-value", "encryption context value with bytes C3 28",
         "message-header.md#key-value-pair-entries: values are UTF-8 encoded", "MALFORMED_HEADER", "not UTF-8",
         pairs=[(b"contact-id", b"c-1"), (b"kind", b"\xc3\x28")])
    case("ec-surrogate-utf8", "encryption context value with an encoded surrogate (ED A0 80)",
         "UTF-8 excludes surrogates", "MALFORMED_HEADER", "not UTF-8",
         pairs=[(b"contact-id", b"c-1"), (b"kind", b"\xed\xa0\x80")])
    case("ec-count-0-nonzero-length", "AAD length 2, key-value pair count 0",
         "message-header.md#key-value-pair-count: MUST be greater than 0; empty context MUST have length 0",
         "MALFORMED_HEADER", "spec MUST", aad_override=b"\x00\x00", wrap_aad_override=b"")
    case("ec-trailing-bytes", "one pair then 3 bytes inside the AAD length",
         "message-header.md#aad: the pairs are the whole field", "MALFORMED_HEADER", "bytes the context does not describe",
         aad_override=serialize_pairs([(b"contact-id", b"c-1")]) + b"xyz",
         wrap_aad_override=serialize_pairs([(b"contact-id", b"c-1")]))
    case("ec-count-too-high", "pair count 3 but 2 pairs in the AAD length",
         "message-header.md#aad", "MALFORMED_HEADER", "pairs run past the field",
         aad_override=b"\x00\x03" + serialize_pairs([(b"contact-id", b"c-1"), (b"kind", b"recording")])[2:],
         wrap_aad_override=serialize_pairs([(b"contact-id", b"c-1"), (b"kind", b"recording")]))
    case("ec-unsorted", "context pairs in wire order kind, contact-id (not sorted); EDK wrapped over the sorted pairs",
         "message-header.md#key-value-pair-entries: writers MUST sort; readers use the bytes as they are",
         ok, "official SDKs accept it (the header tag covers the wire bytes)",
         pairs=[(b"kind", b"recording"), (b"contact-id", b"c-1")])
    case("zero-edks", "encrypted data key count 0",
         "message-header.md#encrypted-data-key-count: MUST be greater than 0", "MALFORMED_HEADER", "spec MUST",
         edk_count_override=0)
    case("edk-provider-id-invalid-utf8", "a first EDK whose provider id is FF FE (then the real one)",
         "message-header.md#key-provider-id: UTF-8 encoded bytes", "MALFORMED_HEADER", "not UTF-8",
         extra_edks=[(b"\xff\xfe", b"info", b"ciphertext")])
    # ---- framed body ---------------------------------------------------------------------------
    case("frames-out-of-order", "regular frames 2, 1, then final frame 3",
         "message-body.md#regular-frame-sequence-number: MUST start at 1, in order", "MALFORMED_BODY", "spec MUST",
         units=[("regular", 2, iv_for(2), PT300[128:256]), ("regular", 1, iv_for(1), PT300[:128]),
                ("final", 3, iv_for(3), PT300[256:])])
    case("frame-seq-repeats", "regular frames 1, 1, then final frame 2",
         "message-body.md#regular-frame-sequence-number: increment of 1", "MALFORMED_BODY", "spec MUST",
         units=[("regular", 1, iv_for(1), PT300[:128]), ("regular", 1, iv_for(1), PT300[128:256]),
                ("final", 2, iv_for(2), PT300[256:])])
    case("frame-seq-skips", "regular frames 1, 3, then final frame 4",
         "message-body.md#regular-frame-sequence-number: increment of 1", "MALFORMED_BODY", "spec MUST",
         units=[("regular", 1, iv_for(1), PT300[:128]), ("regular", 3, iv_for(3), PT300[128:256]),
                ("final", 4, iv_for(4), PT300[256:])])
    case("final-seq-wrong", "regular frames 1, 2, final frame numbered 5",
         "message-body.md#final-frame-sequence-number: MUST equal the number of frames", "MALFORMED_BODY",
         "spec MUST", units=[("regular", 1, iv_for(1), PT300[:128]), ("regular", 2, iv_for(2), PT300[128:256]),
                             ("final", 5, iv_for(5), PT300[256:])])
    case("regular-seq-0", "regular frame 0, then final frame 1",
         "message-body.md: framed data MUST start at sequence number 1", "MALFORMED_BODY", "spec MUST",
         units=[("regular", 0, iv_for(0), PT300[:128]), ("final", 1, iv_for(1), PT300[128:256])])
    case("final-seq-0", "a single final frame numbered 0",
         "message-body.md: framed data MUST start at sequence number 1", "MALFORMED_BODY", "spec MUST",
         units=[("final", 0, iv_for(0), PT300[:100])])
    case("final-exceeds-frame-length", "frame length 128, single final frame of 200 bytes",
         "decrypt.md: MUST ensure the final frame's content length <= frame length", "MALFORMED_BODY", "spec MUST",
         units=[("final", 1, iv_for(1), PT300[:200])])
    case("final-equals-frame-length", "frame length 128, 128-byte plaintext as one final frame of 128 bytes",
         "message-body.md#final-frame: SHOULD be the frame length when an exact multiple", ok, "what the ESDK writes",
         plaintext=PT128)
    case("final-empty-after-full-frame", "frame length 128, 128-byte plaintext as a regular frame and an empty final frame",
         "message-body.md#final-frame: MAY be 0", ok, "spec allows it",
         plaintext=PT128, units=[("regular", 1, iv_for(1), PT128), ("final", 2, iv_for(2), b"")])
    case("final-empty-after-two-frames", "frame length 128, 256 bytes as 2 regular frames and an empty final frame",
         "message-body.md#final-frame: MAY be 0", ok, "spec allows it",
         plaintext=PT256, units=[("regular", 1, iv_for(1), PT256[:128]), ("regular", 2, iv_for(2), PT256[128:]),
                                 ("final", 3, iv_for(3), b"")])
    case("regular-then-short-final", "valid: 156 bytes as a 128-byte regular frame and a 28-byte final frame",
         "-", ok, "valid", plaintext=PT300[:156])
    case("empty-plaintext-framed", "framed, empty plaintext: one empty final frame", "-", ok, "valid", plaintext=b"")
    case("no-final-frame", "regular frames 1, 2 and no final frame",
         "message-body.md#final-frame: MUST contain exactly one final frame", "TRUNCATED", "spec MUST",
         plaintext=PT256, units=[("regular", 1, iv_for(1), PT256[:128]), ("regular", 2, iv_for(2), PT256[128:])])
    case("two-final-frames", "final frame 1 then another final frame 2",
         "message-body.md#final-frame: exactly one final frame, the last frame", "TRAILING_BYTES",
         "decrypt.md: unprocessed bytes after the message MUST fail",
         units=[("final", 1, iv_for(1), PT300[:100]), ("final", 2, iv_for(2), PT300[100:200])])
    case("regular-after-final", "final frame 1 then a regular frame 2",
         "message-body.md#final-frame: the final frame MUST be the last frame", "TRAILING_BYTES",
         "decrypt.md: unprocessed bytes after the message MUST fail",
         units=[("final", 1, iv_for(1), PT300[:100]), ("regular", 2, iv_for(2), PT300[100:228])])
    case("final-iv-not-seq", "regular frame 1, final frame 2 whose IV is 3 (padded)",
         "decrypt.md: the IV is the sequence number padded to the IV length", "MALFORMED_BODY",
         "the spec decrypts with IV = padded sequence number, so this frame's tag cannot verify",
         plaintext=PT256[:200], units=[("regular", 1, iv_for(1), PT256[:128]), ("final", 2, iv_for(3), PT256[128:200])])
    case("regular-iv-not-seq", "regular frame 1 whose IV is 7 (padded), final frame 2",
         "decrypt.md: the IV is the sequence number padded to the IV length", "MALFORMED_BODY",
         "as final-iv-not-seq",
         plaintext=PT256[:200], units=[("regular", 1, iv_for(7), PT256[:128]), ("final", 2, iv_for(2), PT256[128:200])])
    case("iv-prefix-nonzero", "frame IVs FFFFFFFFFFFFFFFF || sequence number (last 4 bytes are the number)",
         "decrypt.md: the IV is the sequence number padded to the IV length", ok,
         "official SDKs accept it and the official commitment vectors carry such IVs (callseal's documented reading)",
         plaintext=PT256[:200], units=[("regular", 1, b"\xff" * 8 + u32(1), PT256[:128]),
                                       ("final", 2, b"\xff" * 8 + u32(2), PT256[128:200])])
    case("frame-length-2147483647", "frame length 2^31 - 1 (the Python SDK's maximum) with a 300-byte final frame",
         "message-body.md: a frame MUST be <= 2^32 - 1 bytes", ok,
         "spec-valid; the APIs that hold a frame in memory check their buffer limit "
         "(DecryptOptions::max_frame_buffer, 256 MiB by default) on the frames the message has, "
         "and this one has a single 300-byte final frame",
         frame_length=(1 << 31) - 1)
    # ---- non-framed body -----------------------------------------------------------------------
    case("nonframed-empty", "non-framed, content length 0", "message-body.md: <= 2^36 - 32", ok,
         "what the ESDK writes for an empty plaintext", plaintext=b"", frame_length=0)
    case("nonframed-iv-not-1", "non-framed body whose IV is 2 (padded)",
         "decrypt.md: un-framed sequence number MUST be 1; IV = padded sequence number", "MALFORMED_BODY",
         "as final-iv-not-seq", frame_length=0, units=[("single", 1, iv_for(2), PT300)])
    # ---- signed suites / public key ------------------------------------------------------------
    case("signed-no-public-key", "0378 (signed) without aws-crypto-public-key in the context",
         "default-cmm.md: signed suite without a verification key MUST fail", "CONTEXT_MISMATCH", "spec MUST",
         suite=0x0378, public_key=None)
    case("signed-public-key-not-base64", "0378 with aws-crypto-public-key = `!!!`",
         "default-cmm.md: the verification key is the base64 public key", "MALFORMED_HEADER", "no key to verify with",
         suite=0x0378, public_key=b"!!!")
    case("signed-public-key-not-a-point", "0378 with aws-crypto-public-key = a compressed P-384 point whose x has no y",
         "default-cmm.md", "MALFORMED_HEADER", "no key to verify with",
         suite=0x0378, public_key=base64.b64encode(b"\x02" + off_curve_x_p384().to_bytes(48, "big")))
    case("signed-public-key-other-curve", "0378 (P-384) with a P-256 public key",
         "algorithm-suites.md: 0378 signs with P-384", "MALFORMED_HEADER", "no key to verify with",
         suite=0x0378, edit=lambda m: setattr(m, "public_key", base64.b64encode(
             ec.derive_private_key(7, ec.SECP256R1()).public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint))))
    case("signed-public-key-uncompressed", "0378 with the public key as an uncompressed point (04 || x || y)",
         "default-cmm.md / algorithm-suites.md: the base64 public key, written as the compressed point", "MALFORMED_HEADER",
         "both official SDKs refuse it (they decode a compressed point only) and no official writer makes it",
         suite=0x0378, edit=lambda m: setattr(m, "public_key", base64.b64encode(
             m.signer.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))))
    case("unsigned-with-public-key", "0178 (unsigned) with an aws-crypto-public-key pair",
         "default-cmm.md: unsigned suite with aws-crypto-public-key MUST fail", "CONTEXT_MISMATCH", "spec MUST",
         pairs=[(PK.encode(), base64.b64encode(
             ec.derive_private_key(7, ec.SECP384R1()).public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint))),
             (b"contact-id", b"c-1")])
    case("signature-high-s", "0378 footer signature with s > n/2 (valid ECDSA, not low-S normalized)",
         "message-footer.md: DER ECDSA signature", ok, "official SDKs write high-S signatures about half the time",
         suite=0x0378, footer="high-s")
    case("signature-high-s-p256", "0214 footer signature with s > n/2",
         "message-footer.md", ok, "as signature-high-s", suite=0x0214, footer="high-s")
    case("signature-high-s-v2", "0578 footer signature with s > n/2",
         "message-footer.md", ok, "as signature-high-s", suite=0x0578, footer="high-s")
    case("signature-extra-byte", "0378 footer: DER signature followed by one 00 byte (inside the signature length)",
         "message-footer.md: the signature is DER", "SIGNATURE_INVALID", "not a DER signature",
         suite=0x0378, footer="extra-byte")
    case("signature-non-minimal-integer", "0378 footer: r encoded with a superfluous leading 00 (BER, not DER)",
         "message-footer.md: the signature is DER", "SIGNATURE_INVALID", "not a DER signature",
         suite=0x0378, footer="non-minimal-integer")
    case("signature-raw-r-s", "0378 footer: r || s (IEEE P1363) instead of DER",
         "message-footer.md: the signature is DER", "SIGNATURE_INVALID", "not a DER signature",
         suite=0x0378, footer="raw-r-s")
    case("signed-no-footer", "0378 message that ends after the final frame",
         "message-footer.md: signed suites MUST have a footer", "TRUNCATED", "spec MUST", suite=0x0378, footer=None)
    return out


def python_outcome(ct, expected_pt):
    mk = RawMasterKey(provider_id=NAMESPACE, key_id=KEY_NAME.encode(),
                      wrapping_key=WrappingKey(wrapping_algorithm=WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING,
                                               wrapping_key=WRAPPING_KEY, wrapping_key_type=EncryptionKeyType.SYMMETRIC))
    client = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT)
    try:
        pt, _ = client.decrypt(source=ct, key_provider=mk)
    except Exception as e:  # noqa: BLE001 - the outcome is what we record
        return {"result": "error", "error": "%s: %s" % (type(e).__name__, e)}
    return {"result": "plaintext", "plaintext_matches": pt == expected_pt}


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    tests = []
    for cid, desc, spec, callseal, why, m in cases():
        ct = m.build()
        units = m.units if m.units is not None else m.default_units()
        body_pt = b"".join(u[3] for u in units)
        with open(os.path.join(outdir, cid + ".bin"), "wb") as f:
            f.write(ct)
        tests.append({"id": cid, "description": desc, "suite": "%04X" % m.suite, "spec": spec,
                      "ciphertext": cid + ".bin", "data_key": base64.b64encode(m.data_key).decode(),
                      "plaintext": base64.b64encode(body_pt).decode(),
                      "official": {"python": python_outcome(ct, body_pt)},
                      "callseal": callseal, "why": why})
        if m.buffered:
            tests[-1]["callseal_buffered"] = m.buffered
    manifest = {"producer": "tests/interop/make_semantic.py (aws-encryption-sdk %s as the judge)" % aws_encryption_sdk.__version__,
                "wrapping_key": {"key_namespace": NAMESPACE, "key_name": KEY_NAME,
                                 "key": base64.b64encode(WRAPPING_KEY).decode()},
                "tests": tests}
    path = os.path.abspath(os.path.join(outdir, "manifest.json"))
    with open(path, "w") as f:
        json.dump(manifest, f, indent=1)
    node = subprocess.run(["node", os.path.join(HERE, "semantic_node.mjs"), path], check=True,
                          capture_output=True, text=True, cwd=os.path.dirname(os.path.dirname(HERE)))
    results = json.loads(node.stdout)
    for t in tests:
        t["official"]["node"] = results[t["id"]]
    manifest["node_producer"] = results.pop("_producer", "@aws-crypto/client-node")
    with open(path, "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    for t in tests:
        o = t["official"]
        short = lambda r: "ok" if r["result"] == "plaintext" and r.get("plaintext_matches") else \
            ("ok(differs)" if r["result"] == "plaintext" else "error")
        print("%-32s python=%-11s node=%-11s callseal=%s" % (t["id"], short(o["python"]), short(o["node"]), t["callseal"]))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    logging.disable(logging.CRITICAL)  # the Python ESDK logs each failure's traceback on close
    main(sys.argv[1])
