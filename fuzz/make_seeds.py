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

# --- Seeds for the decryption changes after the 2026-11-30 campaign: required encryption
# context (tests/vectors/esdk/required-ec, official Python ESDK + MPL), the semantic vectors
# (tests/vectors/esdk/semantic: messages one bit off the format), public-key rewrites, reads
# at and past the end of the plaintext.
REQ = ESDK / "required-ec"
req = json.loads((REQ / "manifest.json").read_text())
SEM = ESDK / "semantic"
sem = json.loads((SEM / "manifest.json").read_text())
# masks over common.rs expected_context's pool: 0 stored contact-id, 1 tenant, 2 purpose,
# 3 tenant (wrong), 4 contact-id (wrong), 5 extra, 6 public key, 7 empty key
MASKS = [0b111, 0b110, 0, 0b011, 0b1110, 0b10111, 0b100111, 0b001, 0b1000111, 0b10000110]
for i, t in enumerate(req["tests"]):
    ct = (REQ / t["ciphertext"]).read_bytes()
    key = base64.b64decode(t["data_key"])
    put("esdk_header", bytes([0, 1, 7, 64, 0]) + ct[:1200])
    if len(ct) < 1000:
        for m in MASKS[: 4 if i % 3 else len(MASKS)]:
            put("esdk_stream", bytes([0x10, len(key)]) + key + bytes([1, 5, 16, 3, 200, 0, 7, 64, m, i]) + ct)
    # built mode from the vector (index i): mode, vector, frame, u16, 8 chunk seeds, mask, rot
    for m in MASKS[:6]:
        put("esdk_stream", bytes([0x19, i, 0, 0, 0, 9, 1, 33, 0, 4, 4, 100, 2, m, 1]))
    # random access on the vector: sel, frame, u16, flags (vector | variant+context), variant
    # op (kind 0 = required pairs only... here a no-op key xor of 0 is avoided: kind 3 val 0),
    # mask, rot, no mutations, then reads (in range, at the end, wide overflowing)
    for m in (0b110, 0b111, 0b011, 0):
        put("esdk_random_access", bytes([i, 0, 0, 0, 0x0C, 0, 0, 0, m, 0, 0,
                                        0, 0, 0, 1, 0x00, 0, 9, 0, 3, 0x20, 0xFF, 0xFF, 0, 2, 0xC0,
                                        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xF0, 0, 0, 0, 0, 0, 0, 0, 0x20]))
for t in sem["tests"]:
    ct = (SEM / t["ciphertext"]).read_bytes()
    key = base64.b64decode(t["data_key"]) if t.get("data_key") else b""
    put("esdk_header", bytes([0, 1, 7, 64, 0]) + ct[:1200])
    if len(ct) < 3000:
        put("esdk_stream", bytes([0, len(key)]) + key + bytes([1, 5, 16, 3, 200, 0, 7, 64]) + ct)
# header rewrites of callseal's own messages, every suite: (kind, pos, val) ops of common.rs
# variant(): 0 stored pairs made authenticated-only; 1 key byte xor; 2 point format
# (04 + 64 / 96 bytes: uncompressed P-256 / P-384; 02 + 32 / 48); 3 base64 text edits
OPS = [(0, 0, 0), (1, 0, 1), (1, 7, 0x40), (2, 64, 4), (2, 96, 4), (2, 32, 2), (2, 48, 3),
       (2, 10, 2), (3, 0, ord("!")), (3, 3, 0), (3, 5, ord("A"))]
for s in range(SUITES):
    for kind, pos, val in OPS:
        put("esdk_stream", bytes([0x21, s, 4, 0, 50, 9, 1, 33, 0, 4, 4, 100, 2, 1, kind, pos, val]))
        put("esdk_random_access", bytes([s, 4, 0, 50, 0x08, kind, pos, val, 0b1, 0, 0,
                                        0, 0, 0, 40, 0x00, 0, 45, 0, 9, 0x20]))
    # required-EC made from callseal's message, expected context = the moved pair (mask bit 0)
    put("esdk_stream", bytes([0x31, s, 3, 0, 40, 9, 1, 33, 0, 4, 4, 100, 2, 1, 0, 0, 0, 0b1, 0]))
    put("esdk_stream", bytes([0x31, s, 3, 0, 40, 9, 1, 33, 0, 4, 4, 100, 2, 1, 0, 0, 0, 0b100001, 0]))
