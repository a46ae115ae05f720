#!/usr/bin/env python3
"""Writes flag-buckets.json: test vectors of Cx's flag bucketing, from an implementation
independent of the C# one (docs/experiments.md, "Buckets").

bucket = murmur3_x86_32(utf8(flag_key + ":" + unit_id), seed=0) mod 10000

Run from this folder: python3 flag-buckets.py > flag-buckets.json
"""
import json


def murmur3_x86_32(data: bytes, seed: int = 0) -> int:
    c1, c2 = 0xCC9E2D51, 0x1B873593
    h = seed & 0xFFFFFFFF
    rotl = lambda x, r: ((x << r) | (x >> (32 - r))) & 0xFFFFFFFF
    n = len(data) // 4
    for i in range(n):
        k = int.from_bytes(data[4 * i : 4 * i + 4], "little")
        k = rotl((k * c1) & 0xFFFFFFFF, 15)
        h ^= (k * c2) & 0xFFFFFFFF
        h = (rotl(h, 13) * 5 + 0xE6546B64) & 0xFFFFFFFF
    tail = data[4 * n :]
    k = 0
    for i, b in enumerate(tail):
        k |= b << (8 * i)
    if tail:
        k = rotl((k * c1) & 0xFFFFFFFF, 15)
        h ^= (k * c2) & 0xFFFFFFFF
    h ^= len(data)
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    h ^= h >> 16
    return h


# Known answers of the reference implementation (SMHasher's murmur3 x86_32).
assert murmur3_x86_32(b"", 0) == 0
assert murmur3_x86_32(b"", 1) == 0x514E28B7
assert murmur3_x86_32(b"The quick brown fox jumps over the lazy dog", 0) == 0x2E4FF723

flags = ["new-checkout", "hero-banner", "a", "pricing-test-2026"]
units = ["c1", "customer-000042", "anon_7f3a9c", "0", "x" * 64, "01JDQ3ZT5G6V7W8X9Y0A1B2C3D", "user-\u00e9", ""]
vectors = []
for flag in flags:
    for unit in units:
        key = (flag + ":" + unit).encode("utf-8")
        h = murmur3_x86_32(key, 0)
        vectors.append({"flag": flag, "unit": unit, "hash": h, "bucket": h % 10000})
print(json.dumps({
    "algorithm": "bucket = murmur3_x86_32(utf8(flagKey + ':' + unitId), seed 0) mod 10000",
    "murmur3": [
        {"input": "", "seed": 0, "hash": 0},
        {"input": "", "seed": 1, "hash": 0x514E28B7},
        {"input": "The quick brown fox jumps over the lazy dog", "seed": 0, "hash": 0x2E4FF723},
    ],
    "vectors": vectors,
}, indent=1, ensure_ascii=False))
