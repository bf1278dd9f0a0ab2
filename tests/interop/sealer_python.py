#!/usr/bin/env python3
"""Decrypts an ESDK message the sealer wrote with the official AWS Encryption SDK for Python and
its strict KMS master key provider (KMS endpoint from AWS_ENDPOINT_URL_KMS: the local stack).

  sealer_python.py FILE KEY_ARN   prints {"sha256": <of the plaintext>, "context": {...},
                                  "suite": <id>, "frameLength": <n>}; exits 1 on any failure
"""
import hashlib
import json
import sys

import aws_encryption_sdk
from aws_encryption_sdk.identifiers import CommitmentPolicy


def main():
    path, key_arn = sys.argv[1], sys.argv[2]
    client = aws_encryption_sdk.EncryptionSDKClient(
        commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
    provider = aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(key_ids=[key_arn])
    with open(path, 'rb') as f:
        ciphertext = f.read()
    plaintext, header = client.decrypt(source=ciphertext, key_provider=provider)
    print(json.dumps({
        'sha256': hashlib.sha256(plaintext).hexdigest(),
        'context': dict(header.encryption_context),
        'suite': header.algorithm.algorithm_id,
        'frameLength': header.frame_length,
    }))


if __name__ == '__main__':
    try:
        main()
    except Exception as e:  # noqa: BLE001 - the test shows the reason
        print(f'{type(e).__name__}: {e}', file=sys.stderr)
        sys.exit(1)
