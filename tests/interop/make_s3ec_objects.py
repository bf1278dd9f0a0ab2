#!/usr/bin/env python3
"""Makes S3 Encryption Client objects with the OFFICIAL Amazon S3 Encryption Client for Python
(amazon-s3-encryption-client-python, AWS Crypto Tools) against moto's in-process S3 and KMS.

For each object it records what a browser would have: the body as stored, the object's
metadata headers, and the plaintext data key a key broker gets from KMS Decrypt with the
object's KMS encryption context (stored context + aws:x-amz-cek-alg). The official client's
own decrypt is run on every object first, so the expected plaintext is what AWS's client says.

With --non-ascii, each object's context also holds non-ASCII values ("Zürich", "東京"), and each
case records, besides the metadata as stored, the headers the way S3 returns them when the JSON
map's header value is not ASCII (a writer such as the Java client sends the JSON as raw UTF-8):
RFC 2047 encoded words over S3's "double encoding" (the UTF-8 bytes read as ISO-8859-1 and
encoded again), in B and Q form, and over a single UTF-8 encoding. The Python client escapes
non-ASCII in its JSON and 4.0.0 refuses such contexts on put (_validate_encryption_context, a
put-side check only), so that check is bypassed here; the objects and data keys are still made
and decrypted by the official client and KMS.

usage: make_s3ec_objects.py OUT.json [--seed N] [--count N] [--non-ascii]
"""
import base64
import email.header
import email.quoprimime
import json
import random
import sys

import boto3
from moto import mock_aws
from s3_encryption import S3EncryptionClient, S3EncryptionClientConfig
from s3_encryption.materials.kms_keyring import KmsKeyring
from s3_encryption.materials.materials import AlgorithmSuite, CommitmentPolicy

REGION = "us-east-1"
BUCKET = "callseal-s3ec"


def b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def s3_returned(value: str) -> dict:
    """The JSON map header as S3 returns it once its text is not ASCII (see the module doc)."""
    text = json.dumps(json.loads(value), ensure_ascii=False)  # same map, raw UTF-8 as Java writes it
    double = text.encode("utf-8").decode("latin-1").encode("utf-8")
    forms = {
        "rfc2047-b-double": "=?UTF-8?B?" + b64(double) + "?=",
        "rfc2047-q-double": email.quoprimime.header_encode(double, charset="utf-8"),
        "rfc2047-b-single": "=?UTF-8?B?" + b64(text.encode("utf-8")) + "?=",
    }
    # Cross-check with the standard library's RFC 2047 decoder.
    for name, encoded in forms.items():
        [(raw, charset)] = email.header.decode_header(encoded)
        got = raw.decode(charset)
        if name.endswith("-double"):
            got = got.encode("latin-1").decode("utf-8")
        assert json.loads(got) == json.loads(value), name
    return forms


def main() -> None:
    out = sys.argv[1]
    non_ascii = "--non-ascii" in sys.argv
    if non_ascii:
        import s3_encryption

        s3_encryption._validate_encryption_context = lambda _ctx: None
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 7
    count = int(sys.argv[sys.argv.index("--count") + 1]) if "--count" in sys.argv else 6
    rng = random.Random(seed)
    with mock_aws():
        kms = boto3.client("kms", region_name=REGION)
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        key_arn = kms.create_key(Description="callseal s3ec vectors")["KeyMetadata"]["Arn"]
        keyring = KmsKeyring(kms, key_arn)
        clients = {
            # one boto3 client each: the S3EC registers event hooks on the client it wraps
            "v3": S3EncryptionClient(boto3.client("s3", region_name=REGION), S3EncryptionClientConfig(keyring=keyring)),
            "v2": S3EncryptionClient(
                boto3.client("s3", region_name=REGION),
                S3EncryptionClientConfig(
                    keyring=keyring,
                    encryption_algorithm=AlgorithmSuite.ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
                    commitment_policy=CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT,
                ),
            ),
        }
        cases = []
        for fmt, client in clients.items():
            for i in range(count):
                size = rng.choice([0, 1, 15, 16, 17, 4096, rng.randrange(1, 200_000)])
                plaintext = rng.randbytes(size)
                context = {"contact-id": f"c0ffee{i:02d}-{fmt}", "kind": rng.choice(["recording", "transcript"])}
                if non_ascii:
                    context["site"] = rng.choice(["Zürich", "東京", "São Paulo – Zürich"])
                key = f"{fmt}/object-{i}"
                client.put_object(Bucket=BUCKET, Key=key, Body=plaintext, EncryptionContext=context)
                # The official client's own decrypt is the reference.
                got = client.get_object(Bucket=BUCKET, Key=key, EncryptionContext=context)["Body"].read()
                assert got == plaintext, "official client round trip failed"
                raw = s3.get_object(Bucket=BUCKET, Key=key)
                body = raw["Body"].read()
                metadata = {f"x-amz-meta-{k}": v for k, v in raw["Metadata"].items()}
                edk = base64.b64decode(raw["Metadata"]["x-amz-3" if fmt == "v3" else "x-amz-key-v2"])
                kms_context = dict(context)
                kms_context["aws:x-amz-cek-alg"] = "115" if fmt == "v3" else "AES/GCM/NoPadding"
                data_key = kms.decrypt(CiphertextBlob=edk, EncryptionContext=kms_context)["Plaintext"]
                case = {
                    "id": f"{fmt}-{i}-n{size}",
                    "format": fmt,
                    "body": b64(body),
                    "metadata": metadata,
                    "expected_context": context,
                    "kms_encryption_context": kms_context,
                    "data_key": b64(data_key),
                    "plaintext": b64(plaintext),
                }
                if non_ascii:
                    field = "x-amz-meta-" + ("x-amz-t" if fmt == "v3" else "x-amz-matdesc")
                    case["s3_returned_metadata"] = {
                        name: {**metadata, field: encoded}
                        for name, encoded in s3_returned(metadata[field]).items()
                    }
                cases.append(case)
    with open(out, "w") as f:
        json.dump({"producer": "amazon-s3-encryption-client-python 4.0.0 (official) + moto", "cases": cases}, f, indent=1)
    print(f"wrote {len(cases)} S3EC objects to {out}")


if __name__ == "__main__":
    main()
