#!/usr/bin/env python3
"""Recompute a published spot-check draw from the JSON its page offers (standard library only).

    python3 tools/verify_draw.py draw.json

Prints the drawn village codes, one a line, and exits 0 when everything agrees with what was
published (the commitment is the SHA-256 of the revealed seed, the public value follows from the
seal lines or the county's override, and the village list is the one the product drew); exits 1
and says what differs otherwise. The functions below mirror scoring/oversight/sampler.py exactly
(algorithm "rivest-sha256-v1"); a test proves they agree on stored draws.
"""
from __future__ import annotations

import hashlib
import json
import math
import sys
from fractions import Fraction

ALGORITHM_VERSION = "rivest-sha256-v1"


def sha256_hex(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def ticket(seed, item_id):
    return int(hashlib.sha256(f"{seed},{item_id}".encode()).hexdigest(), 16)


def sample_size(n, share):
    if n <= 0:
        return 0
    share = max(Fraction(share), Fraction(1, 3))
    return min(n, max(math.ceil(n * share), 1))


def villages_draw(seed, codes, share, forced):
    codes = sorted(set(codes))
    drawn = sorted(codes, key=lambda c: (ticket(seed, c), c))[:sample_size(len(codes), share)]
    chosen = set(drawn)
    return drawn + [c for c in sorted(set(forced)) if c in set(codes) and c not in chosen]


def verify(data):
    problems = []
    if data.get("algorithm") != ALGORITHM_VERSION:
        problems.append(f"unknown algorithm {data.get('algorithm')!r}")
    seed = data["seed"]
    if sha256_hex(seed) != data["commitment"]:
        problems.append("the revealed seed does not match the commitment")
    if data.get("public_value_source") == "override":
        public_value = sha256_hex("override:" + data["override"])
    else:
        public_value = sha256_hex("\n".join(sorted(data["seal_lines"])))
    if public_value != data["public_value"]:
        problems.append("the public value does not follow from the published inputs")
    combined = sha256_hex(f"{seed}|{public_value}|{data['township']}|{data['year']:04d}-{data['month']:02d}")
    drawn = villages_draw(combined, data["village_codes"], data["share"], data.get("forced_codes", []))
    if "drawn_codes" in data and drawn != data["drawn_codes"]:
        problems.append("the village list differs from the published one")
    return drawn, problems


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as handle:
        data = json.load(handle)
    drawn, problems = verify(data)
    for code in drawn:
        print(code)
    for problem in problems:
        print("MISMATCH: " + problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
