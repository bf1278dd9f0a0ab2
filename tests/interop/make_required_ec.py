#!/usr/bin/env python3
"""Official test vectors for messages made with a Required Encryption Context CMM.

What it makes
  AWS Encryption SDK messages encrypted by the official Python ESDK (aws-encryption-sdk 4.0.7)
  with the AWS Cryptographic Material Providers Library (MPL): a raw AES-256 keyring (fixed
  wrapping key, namespace and name, all written to the manifest) wrapped by a Required
  Encryption Context CMM (required keys "tenant" and "purpose"). The encryption context is
  {"tenant": "t-42", "purpose": "call-recording", "contact-id": "c-1"}: the required pairs are
  authenticated (appended to the header-authentication AAD) but NOT stored in the header.

  Suites 0578 (default, signed, committing), 0478 (committing), 0178 and 0378 (v1 headers,
  non-committing, encrypted under FORBID_ENCRYPT_ALLOW_DECRYPT); frame lengths 4096, 512 and
  0 (non-framed); plaintexts of 0, 1 and 5000 bytes. Plus two control messages (0578, 0178)
  with the same context and the plain keyring (default CMM: every pair stored in the header).

  OUTDIR/manifest.json lists, per message: suite, frame length, ciphertext and plaintext files,
  the plaintext data key (base64; from the MPL CMM's DecryptMaterials with the reproduced
  context), the full context used at encryption, the required keys, the context the header
  stores (parsed with the ESDK's own header deserializer), and what the official ESDK did with
  several reproduced contexts ("checks", defined at the top of the manifest), both through the
  Required Encryption Context CMM and through the plain keyring (default CMM), plus
  "with_data_key": the ESDK's own header check given the data key, which is what a decryptor
  handed the data key must match. "rsa_keyring_observations" repeats the checks through a raw
  RSA keyring (binds no context to the EDK) on throwaway messages, so the header-auth failure
  is seen end to end. The script checks every fact it records and exits non-zero otherwise.

How to run (needs the MPL, so a scratch venv, not the project's .venv):
  python3 -m venv /tmp/mplvenv
  /tmp/mplvenv/bin/pip install aws-encryption-sdk==4.0.7 aws-cryptographic-material-providers
  /tmp/mplvenv/bin/python tests/interop/make_required_ec.py tests/vectors/esdk/required-ec [SEED]

Messages are random (message ids, IVs, signing keys), so a rerun writes different bytes; the
plaintexts come from SEED (default 4207).
"""
import base64
import io
import json
import logging
import os
import platform
import random
import struct
import sys
from importlib.metadata import version

import aws_encryption_sdk
from aws_cryptographic_material_providers.mpl import AwsCryptographicMaterialProviders
from aws_cryptographic_material_providers.mpl.config import MaterialProvidersConfig
from aws_cryptographic_material_providers.mpl.models import (
    AesWrappingAlg,
    AlgorithmSuiteIdESDK,
    CommitmentPolicyESDK,
    CreateDefaultCryptographicMaterialsManagerInput,
    CreateRawAesKeyringInput,
    CreateRawRsaKeyringInput,
    CreateRequiredEncryptionContextCMMInput,
    DecryptMaterialsInput,
    EncryptedDataKey,
    PaddingScheme,
)
from aws_encryption_sdk.identifiers import Algorithm, CommitmentPolicy
from aws_encryption_sdk.internal.crypto.data_keys import derive_data_encryption_key
from aws_encryption_sdk.internal.formatting.deserialize import (deserialize_header,
                                                                deserialize_header_auth,
                                                                validate_header)
from aws_encryption_sdk.internal.formatting.encryption_context import serialize_encryption_context
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# The ESDK logs "Error on closing" tracebacks for every failed decrypt; the errors are recorded.
logging.getLogger("aws_encryption_sdk").setLevel(logging.CRITICAL)

# Fixed wrapping key (test material only): bytes 0x40..0x5f.
WRAPPING_KEY = bytes(range(0x40, 0x60))
KEY_NAMESPACE = "callseal-test"
KEY_NAME = "required-ec-aes-256"
REQUIRED_KEYS = ["tenant", "purpose"]
CONTEXT = {"tenant": "t-42", "purpose": "call-recording", "contact-id": "c-1"}

SUITES = {
    "0578": (Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384, True),
    "0478": (Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY, True),
    "0178": (Algorithm.AES_256_GCM_IV12_TAG16_HKDF_SHA256, False),
    "0378": (Algorithm.AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384, False),
}
FRAME_LENGTHS = [4096, 512, 0]
SIZES = [0, 1, 5000]

# Reproduced contexts given to the official decrypt. None: no encryption_context argument.
CHECKS = {
    "full": dict(CONTEXT),
    "none": None,
    "required-only": {"tenant": "t-42", "purpose": "call-recording"},
    "missing-purpose": {"tenant": "t-42", "contact-id": "c-1"},
    "wrong-tenant": {"tenant": "t-43", "purpose": "call-recording", "contact-id": "c-1"},
    "wrong-stored": {"tenant": "t-42", "purpose": "call-recording", "contact-id": "c-2"},
    "full-plus-extra": dict(CONTEXT, extra="x"),
    "stored-only": {"contact-id": "c-1"},
}


def die(msg):
    sys.stderr.write("make_required_ec: " + msg + "\n")
    sys.exit(1)


class Materials:
    def __init__(self):
        self.mpl = AwsCryptographicMaterialProviders(config=MaterialProvidersConfig())
        self.keyring = self.mpl.create_raw_aes_keyring(CreateRawAesKeyringInput(
            key_namespace=KEY_NAMESPACE, key_name=KEY_NAME, wrapping_key=WRAPPING_KEY,
            wrapping_alg=AesWrappingAlg.ALG_AES256_GCM_IV12_TAG16))
        default_cmm = self.mpl.create_default_cryptographic_materials_manager(
            CreateDefaultCryptographicMaterialsManagerInput(keyring=self.keyring))
        self.required_cmm = self.mpl.create_required_encryption_context_cmm(
            CreateRequiredEncryptionContextCMMInput(
                required_encryption_context_keys=REQUIRED_KEYS, underlying_cmm=default_cmm))


def client(committing):
    policy = (CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT if committing
              else CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT)
    return aws_encryption_sdk.EncryptionSDKClient(commitment_policy=policy)


# Decryption always allows every suite (the non-committing ones included).
DECRYPTOR = aws_encryption_sdk.EncryptionSDKClient(
    commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT)


def parse_header(ct):
    header, raw = deserialize_header(io.BytesIO(ct))
    return header, raw


def header_auth_with_data_key(ct, data_key, reproduced):
    """What a decryptor that is handed the data key (no keyring) must do, with the ESDK's own
    functions: a reproduced value that differs from a stored one is an error (the MPL default
    CMM's rule); reproduced pairs whose keys the header does not store are serialized and
    appended to the header body as the header-auth AAD (the default CMM makes them required
    keys; the ESDK appends the required pairs); validate_header checks the tag."""
    stream = io.BytesIO(ct)
    header, raw_header = deserialize_header(stream)
    auth = deserialize_header_auth(version=header.version, stream=stream, algorithm=header.algorithm)
    stored = dict(header.encryption_context)
    reproduced = reproduced or {}
    if any(k in stored and stored[k] != v for k, v in reproduced.items()):
        return "error", "reproduced value differs from the stored one"
    tail = serialize_encryption_context({k: v for k, v in reproduced.items() if k not in stored})
    derived = derive_data_encryption_key(source_key=data_key, algorithm=header.algorithm,
                                         message_id=header.message_id)
    try:
        validate_header(header=header, header_auth=auth, raw_header=raw_header + tail, data_key=derived)
        return "ok", None
    except Exception as e:
        return "error", "%s: %s" % (type(e).__name__, e)


def data_key_via_cmm(mats, header, cmm, reproduced):
    """The plaintext data key: the MPL CMM's DecryptMaterials on the header's EDKs."""
    edks = [EncryptedDataKey(key_provider_id=e.key_provider.provider_id,
                             key_provider_info=e.key_provider.key_info,
                             ciphertext=e.encrypted_data_key)
            for e in header.encrypted_data_keys]
    out = cmm.decrypt_materials(DecryptMaterialsInput(
        algorithm_suite_id=AlgorithmSuiteIdESDK("0x%04x" % header.algorithm.algorithm_id),
        commitment_policy=CommitmentPolicyESDK(value="REQUIRE_ENCRYPT_ALLOW_DECRYPT"),
        encrypted_data_keys=edks,
        encryption_context=dict(header.encryption_context),
        reproduced_encryption_context=reproduced))
    m = out.decryption_materials
    return bytes(m.plaintext_data_key), dict(m.encryption_context), list(m.required_encryption_context_keys)


def unwrap_edk_independently(header, aad_context):
    """Raw AES keyring EDK by hand (cryptography's AES-GCM): provider info = key name,
    tag length in bits (u32), IV length (u32), IV; ciphertext = wrapped key || tag; AAD = the
    serialized encryption context. Returns the key or None if the tag does not verify."""
    (edk,) = header.encrypted_data_keys
    info = edk.key_provider.key_info
    name = KEY_NAME.encode()
    if edk.key_provider.provider_id != KEY_NAMESPACE or not info.startswith(name):
        die("unexpected EDK provider %r / %r" % (edk.key_provider.provider_id, info))
    tag_bits, iv_len = struct.unpack(">II", info[len(name):len(name) + 8])
    iv = info[len(name) + 8:len(name) + 8 + iv_len]
    if tag_bits != 128 or iv_len != 12:
        die("unexpected raw AES provider info")
    try:
        return AESGCM(WRAPPING_KEY).decrypt(iv, edk.encrypted_data_key,
                                            serialize_encryption_context(aad_context))
    except Exception:
        return None


# Short names for the official errors seen (the manifest maps them to the full messages).
ERRORS = {
    "no-reproduced-context": "No reproduced encryption context on decrypt.",
    "missing-required-keys": "Reproduced encryption context missing required keys.",
    "context-mismatch": "Encryption context does not match reproduced encryption context.",
    "keyring-unwrap-failed": "Raw AES Keyring was unable to decrypt any encrypted data key.",
    "header-auth-failed": "Header authorization failed",
}
SEEN_ERRORS = {}


def short_error(detail):
    for code, text in ERRORS.items():
        if text in detail:
            SEEN_ERRORS[code] = detail
            return "error:" + code
    die("unclassified official error: " + detail)


def official_decrypt(ct, reproduced, materials_manager=None, keyring=None):
    """Returns ("ok", plaintext) or ("error", "ExceptionType: message")."""
    kwargs = {"source": ct}
    if materials_manager is not None:
        kwargs["materials_manager"] = materials_manager
    else:
        kwargs["keyring"] = keyring
    if reproduced is not None:
        kwargs["encryption_context"] = dict(reproduced)
    try:
        pt, _ = DECRYPTOR.decrypt(**kwargs)
        return "ok", pt
    except Exception as e:  # the official SDK's own error, recorded as text
        return "error", "%s: %s" % (type(e).__name__, str(e).splitlines()[0][:200] if str(e) else "")


def rsa_observations(seed):
    """The raw AES keyring binds the whole context to the EDK, so with it most wrong contexts
    already fail at the keyring. The raw RSA keyring binds nothing: through it the official
    ESDK's header-authentication rule shows end to end. Throwaway RSA key; messages not kept."""
    mats = Materials()
    priv = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem_priv = priv.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    pem_pub = priv.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
    keyring = mats.mpl.create_raw_rsa_keyring(CreateRawRsaKeyringInput(
        key_namespace=KEY_NAMESPACE, key_name="throwaway-rsa", padding_scheme=PaddingScheme.OAEP_SHA256_MGF1,
        public_key=pem_pub, private_key=pem_priv))
    default_cmm = mats.mpl.create_default_cryptographic_materials_manager(
        CreateDefaultCryptographicMaterialsManagerInput(keyring=keyring))
    required_cmm = mats.mpl.create_required_encryption_context_cmm(CreateRequiredEncryptionContextCMMInput(
        required_encryption_context_keys=REQUIRED_KEYS, underlying_cmm=default_cmm))
    pt = random.Random(seed).randbytes(700)
    out = {}
    for label, hexid, committing, kw in (
            ("required-ec-0478", "0478", True, {"materials_manager": required_cmm}),
            ("required-ec-0178", "0178", False, {"materials_manager": required_cmm}),
            ("control-0478", "0478", True, {"keyring": keyring})):
        ct, _ = client(committing).encrypt(source=pt, encryption_context=dict(CONTEXT), frame_length=512,
                                           algorithm=SUITES[hexid][0], **kw)
        header, _ = parse_header(ct)
        data_key, _, _ = data_key_via_cmm(mats, header, default_cmm, dict(CONTEXT))
        res = {}
        for name, reproduced in CHECKS.items():
            status, detail = official_decrypt(ct, reproduced, keyring=keyring)
            if status == "ok" and detail != pt:
                die("rsa %s/%s: wrong plaintext" % (label, name))
            rule, _ = header_auth_with_data_key(ct, data_key, reproduced)
            if rule != status:
                die("rsa %s/%s: official %s (%s), data-key rule %s" % (label, name, status, detail, rule))
            res[name] = status if status == "ok" else short_error(detail)
        out[label] = res
    return {
        "description": "Raw RSA keyring (OAEP-SHA256, throwaway key; the EDK binds no context), "
                       "700-byte plaintext, 512-byte frames, decrypted through the plain keyring "
                       "(MPL default CMM) with each reproduced context of `checks`. Every result "
                       "equals the data-key rule (tests[].checks[].with_data_key). Messages not kept.",
        "results": out,
    }


def dump_manifest(manifest):
    """Indented JSON, with each check's result object on one line (keeps the file small)."""
    placeholders = {}
    tests = []
    for i, t in enumerate(manifest["tests"]):
        token = "@@checks-%d@@" % i
        lines = ["   %s: %s" % (json.dumps(name), json.dumps(res, ensure_ascii=False))
                 for name, res in t["checks"].items()]
        placeholders[json.dumps(token)] = "{\n" + ",\n".join(lines) + "\n  }"
        tests.append(dict(t, checks=token))
    text = json.dumps(dict(manifest, tests=tests), indent=1, ensure_ascii=False)
    for token, block in placeholders.items():
        text = text.replace(token, block)
    if json.loads(text) != manifest:
        die("manifest formatting changed its content")
    return text


def make(outdir, seed):
    rng = random.Random(seed)
    mats = Materials()
    os.makedirs(os.path.join(outdir, "ct"), exist_ok=True)
    os.makedirs(os.path.join(outdir, "pt"), exist_ok=True)
    plaintexts = {}
    for size in SIZES:
        pt = bytes(rng.getrandbits(8) for _ in range(size))
        name = "pt/size-%d.bin" % size
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(pt)
        plaintexts[size] = (name, pt)

    cases = []
    for hexid, (alg, committing) in SUITES.items():
        for frame in FRAME_LENGTHS:
            for size in SIZES:
                cases.append(("%s-f%d-p%d" % (hexid, frame, size), hexid, alg, committing, frame,
                              size, "required-ec"))
    cases.append(("control-0578-f4096-p5000", "0578", SUITES["0578"][0], True, 4096, 5000, "default"))
    cases.append(("control-0178-f0-p1", "0178", SUITES["0178"][0], False, 0, 1, "default"))

    tests = []
    for cid, hexid, alg, committing, frame, size, cmm_kind in cases:
        pt_name, pt = plaintexts[size]
        required = cmm_kind == "required-ec"
        enc_kwargs = dict(source=pt, encryption_context=dict(CONTEXT), frame_length=frame)
        # 0578 is the client's default suite: let the client choose it (checked below).
        if hexid != "0578":
            enc_kwargs["algorithm"] = alg
        if required:
            enc_kwargs["materials_manager"] = mats.required_cmm
        else:
            enc_kwargs["keyring"] = mats.keyring
        ct, enc_header = client(committing).encrypt(**enc_kwargs)
        ct_name = "ct/%s.bin" % cid
        with open(os.path.join(outdir, ct_name), "wb") as f:
            f.write(ct)

        header, raw_header = parse_header(ct)
        if "%04x" % header.algorithm.algorithm_id != hexid:
            die("%s: suite %04x" % (cid, header.algorithm.algorithm_id))
        if header.frame_length != frame and not (frame == 0 and header.frame_length == 0):
            die("%s: frame length %d" % (cid, header.frame_length))
        stored = dict(header.encryption_context)
        # Signed suites add the public key to the stored context.
        user_stored = {k: v for k, v in stored.items() if k != "aws-crypto-public-key"}
        expect_stored = ({k: v for k, v in CONTEXT.items() if k not in REQUIRED_KEYS}
                         if required else dict(CONTEXT))
        if user_stored != expect_stored:
            die("%s: header stores %r" % (cid, stored))
        if ("aws-crypto-public-key" in stored) != (hexid in ("0578", "0378")):
            die("%s: public key presence" % cid)
        if required:
            for k in REQUIRED_KEYS:
                if k.encode() in ct or CONTEXT[k].encode() in ct:
                    die("%s: required pair %s bytes appear in the message" % (cid, k))

        cmm_for_key = mats.required_cmm if required else mats.mpl.create_default_cryptographic_materials_manager(
            CreateDefaultCryptographicMaterialsManagerInput(keyring=mats.keyring))
        data_key, mat_ctx, mat_req = data_key_via_cmm(mats, header, cmm_for_key, dict(CONTEXT))
        if mat_ctx != dict(stored, **CONTEXT):
            die("%s: materials context %r" % (cid, mat_ctx))
        if sorted(mat_req) != (sorted(REQUIRED_KEYS) if required else []):
            die("%s: materials required keys %r" % (cid, mat_req))
        # The keyring's EDK binds the FULL context (stored + required + public key): check by hand.
        full_ctx = dict(stored, **CONTEXT)
        by_hand_full = unwrap_edk_independently(header, full_ctx)
        by_hand_stored = unwrap_edk_independently(header, stored)
        if by_hand_full != data_key:
            die("%s: independent unwrap with the full context disagrees" % cid)
        if required and by_hand_stored is not None:
            die("%s: EDK unwraps with the stored context alone" % cid)

        # Header-auth AAD: header body || serialized required pairs (sorted, with count).
        required_pairs = {k: CONTEXT[k] for k in REQUIRED_KEYS} if required else {}
        checks = {}
        for name, reproduced in CHECKS.items():
            res = {}
            for via, kw in (("required_cmm", {"materials_manager": mats.required_cmm}),
                            ("keyring", {"keyring": mats.keyring})):
                status, detail = official_decrypt(ct, reproduced, **kw)
                if status == "ok" and detail != pt:
                    die("%s/%s/%s: wrong plaintext" % (cid, name, via))
                res[via] = "ok" if status == "ok" else short_error(detail)
            status, detail = header_auth_with_data_key(ct, data_key, reproduced)
            res["with_data_key"] = "ok" if status == "ok" else (
                "error:context-mismatch" if "differs" in detail else short_error(detail))
            # Through the plain keyring (default CMM) the official result must agree with the
            # data-key rule whenever the keyring unwraps at all (it binds the full context).
            if (res["keyring"] == "ok") != (status == "ok") and \
                    res["keyring"] != "error:keyring-unwrap-failed":
                die("%s/%s: official %s, data-key rule %s" % (cid, name, res["keyring"], status))
            checks[name] = res

        dec_ok = checks["full"]["required_cmm"] == "ok" and checks["full"]["keyring"] == "ok"
        fails_without = all(checks["none"][v] != "ok" for v in ("required_cmm", "keyring", "with_data_key"))
        if not dec_ok:
            die("%s: the official ESDK does not decrypt it with the reproduced context: %r" % (cid, checks["full"]))
        if required and not fails_without:
            die("%s: decrypts without the reproduced context: %r" % (cid, checks["none"]))

        tests.append({
            "id": cid,
            "cmm": cmm_kind,
            "suite": hexid,
            "frame_length": frame,
            "plaintext_len": size,
            "ciphertext": ct_name,
            "plaintext": pt_name,
            "data_key": base64.b64encode(data_key).decode(),
            "encryption_context": dict(CONTEXT),
            "required_keys": list(REQUIRED_KEYS) if required else [],
            "stored_context": stored,
            "authenticated_only_context": required_pairs,
            "header_auth_aad_tail_hex": serialize_encryption_context(required_pairs).hex(),
            "decrypts_with_reproduced_context": dec_ok,
            "fails_without": fails_without,
            "checks": checks,
        })
        print("%-26s %6d bytes  full=%s none=%s/%s" % (
            cid, len(ct), checks["full"]["keyring"], checks["none"]["required_cmm"], checks["none"]["keyring"]))

    manifest = {
        "description": "AWS Encryption SDK messages made by the official Python ESDK with the MPL's "
                       "Required Encryption Context CMM over a raw AES-256 keyring: the required "
                       "pairs are authenticated (appended, serialized, to the header-auth AAD) but "
                       "not stored in the header. Control messages (cmm: default) store every pair.",
        "generator": "tests/interop/make_required_ec.py",
        "seed": seed,
        "tools": {
            "python": platform.python_version(),
            "aws-encryption-sdk": version("aws-encryption-sdk"),
            "aws-cryptographic-material-providers": version("aws-cryptographic-material-providers"),
            "cryptography": version("cryptography"),
        },
        "keyring": {
            "type": "MPL raw AES keyring (CreateRawAesKeyringInput, ALG_AES256_GCM_IV12_TAG16)",
            "key_namespace": KEY_NAMESPACE,
            "key_name": KEY_NAME,
            "wrapping_key": base64.b64encode(WRAPPING_KEY).decode(),
            "edk_aad": "serialized FULL encryption context of the materials (stored pairs, "
                       "aws-crypto-public-key and the required pairs)",
        },
        "required_keys": REQUIRED_KEYS,
        "encryption_context": CONTEXT,
        "checks": {
            "description": "Reproduced contexts given to the official decrypt (encryption_context=; "
                           "null = argument omitted). Each test's `checks` records the result "
                           "through the Required EC CMM (required_cmm) and through the plain "
                           "keyring, i.e. the MPL default CMM (keyring).",
            "contexts": CHECKS,
            "with_data_key": "tests[].checks[].with_data_key: the ESDK's own validate_header given "
                             "the data key, AAD = header body || serialized reproduced pairs whose "
                             "keys the header does not store (none: nothing appended); a "
                             "reproduced value differing from a stored one is an error. This is "
                             "what a decryptor handed the data key (callseal) should match.",
        },
        "tests": tests,
        "rsa_keyring_observations": rsa_observations(seed),
    }
    manifest["official_errors"] = {
        "description": "error:<name> in checks: the official ESDK's exception, in full",
        "messages": dict(sorted(SEEN_ERRORS.items())),
    }
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        f.write(dump_manifest(manifest) + "\n")
    print("%d messages -> %s" % (len(tests), outdir))


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        die("usage: make_required_ec.py OUTDIR [SEED]")
    make(sys.argv[1], int(sys.argv[2]) if len(sys.argv) == 3 else 4207)
