#!/usr/bin/env python3
"""Interop with the official AWS Encryption SDK for Python (aws-encryption-sdk 4.x).

  esdk_python.py make OUTDIR COUNT SEED   write COUNT fresh messages (every suite, random keys,
                                          sizes, frame lengths, contexts) + OUTDIR/manifest.json
  esdk_python.py tamper-samples OUTDIR   the fixed small messages of the tamper sweep
  esdk_python.py decrypt MANIFEST         decrypt messages callseal wrote (listed in MANIFEST);
                                          exit 1 on any failure

Messages use a raw AES keyring (the legacy RawMasterKey: no dependency on the material
providers library). The Rust test (tests/esdk_interop.rs) unwraps the data key from the
message's own encrypted data key with the manifest's wrapping key, then decrypts.
"""
import base64
import json
import os
import random
import sys

import aws_encryption_sdk
from aws_encryption_sdk.identifiers import (Algorithm, CommitmentPolicy, EncryptionKeyType,
                                            WrappingAlgorithm)
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
from aws_encryption_sdk.key_providers.raw import RawMasterKey

SUITES = {
    0x0014: Algorithm.AES_128_GCM_IV12_TAG16,
    0x0046: Algorithm.AES_192_GCM_IV12_TAG16,
    0x0078: Algorithm.AES_256_GCM_IV12_TAG16,
    0x0114: Algorithm.AES_128_GCM_IV12_TAG16_HKDF_SHA256,
    0x0146: Algorithm.AES_192_GCM_IV12_TAG16_HKDF_SHA256,
    0x0178: Algorithm.AES_256_GCM_IV12_TAG16_HKDF_SHA256,
    0x0214: Algorithm.AES_128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256,
    0x0346: Algorithm.AES_192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384,
    0x0378: Algorithm.AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384,
    0x0478: Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    0x0578: Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
}
WRAPPING = {16: WrappingAlgorithm.AES_128_GCM_IV12_TAG16_NO_PADDING,
            24: WrappingAlgorithm.AES_192_GCM_IV12_TAG16_NO_PADDING,
            32: WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING}


def master_key(namespace, name, key):
    return RawMasterKey(provider_id=namespace, key_id=name.encode(),
                        wrapping_key=WrappingKey(wrapping_algorithm=WRAPPING[len(key)], wrapping_key=key,
                                                 wrapping_key_type=EncryptionKeyType.SYMMETRIC))


def client(committing):
    policy = (CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT if committing
              else CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT)
    return aws_encryption_sdk.EncryptionSDKClient(commitment_policy=policy)


def random_context(rng):
    choices = [
        {},
        {"contact-id": "c-%08x" % rng.getrandbits(32), "kind": rng.choice(["recording", "transcript"])},
        {"note": "été 漢字 🔒 %d" % rng.randrange(1000), "a": "", "zz": "x" * rng.randrange(300)},
    ]
    return rng.choice(choices)


def make(outdir, count, seed):
    rng = random.Random(seed)
    os.makedirs(outdir, exist_ok=True)
    cases = []
    for i in range(count):
        suite_id = list(SUITES)[i % len(SUITES)]
        wkey = os.urandom(rng.choice([16, 24, 32]))
        namespace, name = "interop-ns-%d" % i, "key-%d" % rng.randrange(1 << 20)
        size = rng.choice([0, 1, 15, 16, 17, 4095, 4096, 4097, rng.randrange(1, 70000)])
        frame = rng.choice([0, 128, 384, 1024, 4096, 65536])  # Python: multiples of 128
        plaintext = os.urandom(size)
        context = random_context(rng)
        ct, header = client(suite_id >= 0x0478).encrypt(
            source=plaintext, key_provider=master_key(namespace, name, wkey), algorithm=SUITES[suite_id],
            frame_length=frame, encryption_context=context)
        base = "%03d-%04x-f%d-n%d" % (i, suite_id, frame, size)
        with open(os.path.join(outdir, base + ".ct"), "wb") as f:
            f.write(ct)
        with open(os.path.join(outdir, base + ".pt"), "wb") as f:
            f.write(plaintext)
        cases.append({"id": base, "suite": "%04X" % suite_id, "frame_length": frame, "ciphertext": base + ".ct",
                      "plaintext": base + ".pt", "encryption_context": context,
                      "wrapping_key": {"key_namespace": namespace, "key_name": name,
                                       "key": base64.b64encode(wkey).decode()}})
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump({"producer": "aws-encryption-sdk (Python) " + aws_encryption_sdk.__version__, "tests": cases}, f,
                  indent=1)
    print("made %d messages in %s" % (count, outdir))


def tamper_samples(outdir):
    """The small official messages of the tamper sweep (tests/esdk_tamper.rs): one per header
    version x (signed framed, unsigned framed, non-framed); 300-byte plaintext, 128-byte frames."""
    os.makedirs(outdir, exist_ok=True)
    wkey = bytes(range(32))
    plaintext = bytes((i * 7) % 256 for i in range(300))
    cases = []
    for suite_id, frame in [(0x0214, 128), (0x0178, 128), (0x0178, 0), (0x0578, 128), (0x0478, 128), (0x0478, 0)]:
        ct, _ = client(suite_id >= 0x0478).encrypt(
            source=plaintext, key_provider=master_key("tamper-ns", "tamper-key", wkey), algorithm=SUITES[suite_id],
            frame_length=frame, encryption_context={"contact-id": "c-1", "kind": "recording"})
        name = "%04x-f%d.bin" % (suite_id, frame)
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(ct)
        cases.append({"ciphertext": name, "suite": "%04X" % suite_id, "frame_length": frame})
    with open(os.path.join(outdir, "plaintext.bin"), "wb") as f:
        f.write(plaintext)
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump({"producer": "aws-encryption-sdk (Python) " + aws_encryption_sdk.__version__,
                   "wrapping_key": {"key_namespace": "tamper-ns", "key_name": "tamper-key",
                                    "key": base64.b64encode(wkey).decode()},
                   "plaintext": "plaintext.bin", "tests": cases}, f, indent=1)


def decrypt(manifest_path):
    base = os.path.dirname(manifest_path)
    with open(manifest_path) as f:
        manifest = json.load(f)
    failures = 0
    for case in manifest["tests"]:
        wk = case["wrapping_key"]
        mk = master_key(wk["key_namespace"], wk["key_name"], base64.b64decode(wk["key"]))
        with open(os.path.join(base, case["ciphertext"]), "rb") as f:
            ct = f.read()
        with open(os.path.join(base, case["plaintext"]), "rb") as f:
            pt = f.read()
        try:
            got, header = client(False).decrypt(source=ct, key_provider=mk) if int(case["suite"], 16) < 0x0478 \
                else aws_encryption_sdk.EncryptionSDKClient(
                    commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT).decrypt(source=ct, key_provider=mk)
            ok = got == pt and all(header.encryption_context.get(k) == v for k, v in case["encryption_context"].items())
        except Exception as e:  # noqa: BLE001 - report every failure
            print("FAIL %s: %r" % (case["id"], e))
            failures += 1
            continue
        if not ok:
            print("FAIL %s: plaintext or context differs" % case["id"])
            failures += 1
    print("python decrypted %d/%d callseal messages" % (len(manifest["tests"]) - failures, len(manifest["tests"])))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif len(sys.argv) == 3 and sys.argv[1] == "tamper-samples":
        tamper_samples(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "decrypt":
        decrypt(sys.argv[2])
    else:
        sys.exit(__doc__)
