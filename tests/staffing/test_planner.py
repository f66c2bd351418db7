"""The rotation planner as pure functions (no database)."""
import datetime as dt
import random

from staffing.clerks.planner import ClerkState, plan_rotation

TODAY = dt.date(2026, 11, 20)
LIMIT = 1096


def test_planner_never_home_or_relatives_and_keeps_required_counts():
    rng = random.Random(7)
    villages = {v: rng.randint(1, 3) for v in range(1, 31)}
    clerks, cid = [], 0
    for v, required in villages.items():
        for _ in range(required):
            cid += 1
            served = {w: rng.randint(0, 900) for w in rng.sample(range(1, 31), 3) if w != v}
            since = TODAY - dt.timedelta(days=rng.randint(0, 1090))
            clerks.append(ClerkState(cid, v, since, served, home_village_id=rng.randint(1, 30),
                                     relatives_village_ids=frozenset(rng.sample(range(1, 31), 2))))
    plan = plan_rotation(villages=villages, clerks=clerks, today=TODAY, limit_days=LIMIT)
    assert plan.moves, "some clerks are due"
    by_id = {c.clerk_id: c for c in clerks}
    for move in plan.moves:
        clerk = by_id[move.clerk_id]
        assert move.to_village_id != clerk.home_village_id
        assert move.to_village_id not in clerk.relatives_village_ids
        assert move.to_village_id != clerk.village_id
        assert clerk.served_days.get(move.to_village_id, 0) < LIMIT
        assert move.moves_on <= TODAY + dt.timedelta(days=183)
    after = dict.fromkeys(villages, 0)
    before = {v: sum(c.village_id == v for c in clerks) for v in villages}
    moved = {m.clerk_id: m.to_village_id for m in plan.moves}
    for c in clerks:
        after[moved.get(c.clerk_id, c.village_id)] += 1
    for v, required in villages.items():
        assert after[v] <= 3
        assert after[v] >= min(required, before[v]) or v in plan.unfilled


def test_planner_swaps_to_keep_counts():
    # Two villages needing one clerk each; both clerks are due: they swap rather than leave gaps.
    a = ClerkState(1, 1, TODAY - dt.timedelta(days=1090), {}, home_village_id=3)
    b = ClerkState(2, 2, TODAY - dt.timedelta(days=1000), {})
    plan = plan_rotation(villages={1: 1, 2: 1, 3: 1}, clerks=[a, b], today=TODAY, limit_days=LIMIT)
    assert {(m.clerk_id, m.to_village_id) for m in plan.moves} == {(1, 2), (2, 1)}
    assert plan.unfilled == []
    # Nobody due: no moves at all.
    fresh = ClerkState(3, 3, TODAY, {})
    assert plan_rotation(villages={3: 1}, clerks=[fresh], today=TODAY, limit_days=LIMIT).moves == []
