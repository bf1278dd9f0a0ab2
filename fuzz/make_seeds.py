#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<target>/ from the repo's test data (run from anywhere).

Seeds carry the control bytes each target reads first (see the target's doc comment), then
real data: ESDK messages made by the official Python ESDK (tests/vectors/esdk), S3EC objects
made by the official Python S3 Encryption Client (tests/vectors/s3ec), the policy validation
and evaluation corpora (tests/policy). Small inputs only: the corpora stay well under a few MB.
"""
import base64, hashlib, json, os, pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "fuzz" / "corpus"
ESDK = ROOT / "tests" / "vectors" / "esdk"


def put(target, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def esdk_cases(max_len):
    m = json.loads((ESDK / "python-4.0.7" / "manifest.json").read_text())
    seen = set()
    for t in m["tests"]:
        ct = (ESDK / "python-4.0.7" / t["ciphertext"]).read_bytes()
        if len(ct) > max_len or t["ciphertext"] in seen:
            continue
        seen.add(t["ciphertext"])
        yield t, base64.b64decode(t["data_key"]), ct


SUITES = 11
# esdk_header: limits byte, 4 chunk seeds, bytes
for t, key, ct in esdk_cases(3000):
    put("esdk_header", bytes([0, 1, 7, 64, 0]) + ct[:1200])
put("esdk_header", bytes([0x80 | 1, 3, 3, 3, 3]) + next(esdk_cases(3000))[2])

# esdk_stream raw mode: mode, key length, key, 8 chunk seeds, message (one per suite/framing)
picked = {}
for t, key, ct in esdk_cases(1400):
    picked.setdefault((t["suite"], t["frame_length"]), (key, ct))
for (suite, fl), (key, ct) in sorted(picked.items()):
    put("esdk_stream", bytes([0, len(key)]) + key + bytes([1, 5, 16, 3, 200, 0, 7, 64]) + ct)
# built mode: mode, suite, frame selector, plaintext length (u16), 8 chunk seeds, mutations
for s in range(SUITES):
    for f, n in ((0, 33), (3, 40), (5, 300), (6, 129)):
        put("esdk_stream", bytes([1, s, f, n >> 8, n & 255, 9, 1, 33, 0, 4, 4, 100, 2]))
    put("esdk_stream", bytes([1, s, 4, 0, 50, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 60, 0x41]))

# esdk_random_access: suite, frame selector, plaintext length, flags, #mutations, mutations,
# then reads (offset u16, length u16, continue byte), then low-level ops
for s in range(SUITES):
    for f, n in ((0, 77), (3, 40), (4, 100), (7, 650)):
        put("esdk_random_access", bytes([s, f, n >> 8, n & 255, 0, 0, 0, 5, 0, 20, 0, 0, 0, 0, 0, 7, 0]))

# s3ec_metadata: key length, key, header lines, NUL, body
s3 = json.loads((ROOT / "tests" / "vectors" / "s3ec" / "python-4.0.0.json").read_text())
for c in s3["cases"]:
    body = base64.b64decode(c["body"])
    if len(body) > 2000:
        continue
    key = base64.b64decode(c["data_key"])
    lines = "\n".join(f"{k}: {v}" for k, v in c["metadata"].items())
    put("s3ec_metadata", bytes([len(key)]) + key + lines.encode() + b"\0" + body)
    if "instruction_file" in c:
        put("s3ec_metadata", bytes([len(key)]) + key + lines.encode() + b"\n---\n" +
            c["instruction_file"].encode() + b"\0" + body)

# policy_validate: type selector (| 0x80 = with service data), policy text
TYPES = ["identity", "resource", "kms-key", "trust", "scp", "rcp"]
man = json.loads((ROOT / "tests" / "policy" / "validate" / "manifest.json").read_text())
for c in man:
    text = (ROOT / "tests" / "policy" / "validate" / "cases" / c["file"]).read_bytes()
    sel = TYPES.index(c["type"]) | (0x80 if c.get("catalog") else 0) | 0x40
    put("policy_validate", bytes([sel]) + text[:4000])

# policy_evaluate: request JSON, NUL, identity, NUL, resource/key policy, NUL, boundary, NUL, scp
for f in sorted((ROOT / "tests" / "policy" / "evaluate").glob("*.json")):
    for case in json.loads(f.read_text())["cases"][::4]:
        p = case["policies"]
        one = lambda v: json.dumps(v[0] if isinstance(v, list) and v else v) if v else ""
        res = p.get("resource") or p.get("kmsKeyPolicy")
        scp = p.get("scps", [None])[0] if p.get("scps") else None
        parts = [json.dumps(case["request"]), one(p.get("identity")),
                 json.dumps(res) if res else "", json.dumps(p["boundary"]) if p.get("boundary") else "",
                 one(scp) if isinstance(scp, list) else (json.dumps(scp) if scp else ""),
                 json.dumps(p["session"]) if p.get("session") else ""]
        put("policy_evaluate", "\0".join(parts).encode())
