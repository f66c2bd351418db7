"""Spot-check draw benchmark (issue 8): the pure algorithm of scoring.oversight.sampler.

1,000 townships of 30 villages with 60 members each: per township the draw seed, the village
draw (at least one third, plus one forced village) and the member list of every drawn village
(3 key members first, then random others up to 5), exactly as `draw_run` computes them.
Target: all 1,000 draws with their member lists in under 10 s. No database is needed.

Printed as `name: value unit`.
"""
from __future__ import annotations

import hashlib
import os
import sys
import time

from _common import out  # puts platform/ on the path; this bench needs no database

from scoring.oversight import sampler

TOWNSHIPS = int(os.environ.get("BENCH_TOWNSHIPS", "1000"))
VILLAGES = int(os.environ.get("BENCH_VILLAGES", "30"))
MEMBERS = int(os.environ.get("BENCH_VILLAGE_MEMBERS", "60"))
TARGET_S = 10.0


def main() -> int:
    public_value = sampler.public_value_from_seals(
        [sampler.seal_line(f"t{t:04d}", 2026, 10, 1000 + t, hashlib.sha256(str(t).encode()).hexdigest())
         for t in range(TOWNSHIPS)])
    townships = []
    for t in range(TOWNSHIPS):
        codes = [f"t{t:04d}-v{v:02d}" for v in range(VILLAGES)]
        members = {code: [str(t * 10_000 + v * 100 + m) for m in range(MEMBERS)] for v, code in enumerate(codes)}
        townships.append((f"t{t:04d}", codes, members))
    started = time.perf_counter()
    drawn_villages = listed_members = 0
    for code, codes, members in townships:
        seed = sampler.draw_seed(hashlib.sha256(code.encode()).hexdigest(), public_value, code, 2026, 11)
        drawn = sampler.villages_draw(seed=seed, codes=codes, share="1/3", forced=[codes[-1]])
        assert len(drawn) >= (VILLAGES + 2) // 3
        drawn_villages += len(drawn)
        for village in drawn:
            ids = members[village]
            listed_members += len(sampler.members_choose(seed=seed, village_code=village, member_ids=ids,
                                                         key_ids=ids[:3], count=5))
    elapsed = time.perf_counter() - started
    out("oversight_draws_townships", TOWNSHIPS)
    out("oversight_draws_villages_drawn", drawn_villages)
    out("oversight_draws_members_listed", listed_members)
    out("oversight_draws_total", f"{elapsed:.3f}", "s")
    out("oversight_draws_per_township", f"{elapsed / TOWNSHIPS * 1000:.3f}", "ms")
    out("oversight_draws_vs_target", f"{elapsed / TARGET_S:.3f}", f"(target < {TARGET_S:.0f} s; below 1 meets it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
