"""The draw's pure algorithm and the stand-alone verifier (no database)."""
from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

from scoring.oversight import sampler

VERIFIER = Path(__file__).resolve().parents[2] / "tools" / "verify_draw.py"


def _verifier():
    spec = importlib.util.spec_from_file_location("verify_draw", VERIFIER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("share", ["1/3", "0.3333", "0.5", "0.75"])
def test_every_village_count_from_1_to_60_covers_at_least_the_share(share):
    verifier = _verifier()
    floor = max(float(sampler.Fraction(share)), 1 / 3)
    for n in range(1, 61):
        codes = [f"V{i:03d}" for i in range(n)]
        drawn = sampler.villages_draw(seed=f"seed-{n}", codes=codes, share=share)
        assert len(drawn) >= math.ceil(n / 3)
        assert len(drawn) >= math.ceil(round(n * floor, 9))
        assert len(set(drawn)) == len(drawn)
        assert set(drawn) <= set(codes)
        assert drawn == verifier.villages_draw(f"seed-{n}", codes, share, [])


def test_forced_villages_are_added_on_top():
    codes = [f"V{i:02d}" for i in range(30)]
    plain = sampler.villages_draw(seed="s", codes=codes, share="1/3")
    outside = [c for c in codes if c not in plain][:3]
    drawn = sampler.villages_draw(seed="s", codes=codes, share="1/3", forced=[*outside, plain[0], "NOPE"])
    assert drawn == plain + sorted(outside)
    assert len(drawn) == 13


def test_same_inputs_same_draw_and_consistency():
    codes = [f"V{i:02d}" for i in range(30)]
    assert sampler.villages_draw(seed="x", codes=codes, share="1/3") == sampler.villages_draw(
        seed="x", codes=list(reversed(codes)), share="1/3")
    assert sampler.villages_draw(seed="x", codes=codes, share="1/3") != sampler.villages_draw(
        seed="y", codes=codes, share="1/3")
    # Consistent sampling: removing a village never reshuffles the others' order.
    full = sampler.order_by_ticket("x", codes)
    assert sampler.order_by_ticket("x", codes[1:]) == [c for c in full if c != codes[0]]


def test_ticket_is_sha256_of_seed_comma_id():
    import hashlib

    assert sampler.ticket("abc", "V1") == int(hashlib.sha256(b"abc,V1").hexdigest(), 16)
    assert sampler.sample_size(0, "1/3") == 0
    assert [sampler.sample_size(n, "1/3") for n in (1, 2, 3, 4, 6, 7)] == [1, 1, 1, 2, 2, 3]


def test_members_key_first_then_random_from_the_stream():
    ids = [str(i) for i in range(1, 61)]
    chosen = sampler.members_choose(seed="s", village_code="V1", member_ids=ids, key_ids=["40", "7", "99"], count=5)
    assert chosen[:2] == ["40", "7"]
    others = sampler.order_by_ticket("s|members|V1", [i for i in ids if i not in ("40", "7")])
    assert chosen[2:] == others[:3]
    assert sampler.members_choose(seed="s", village_code="V1", member_ids=ids, key_ids=ids[:8], count=5) == ids[:8]
