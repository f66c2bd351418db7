"""The rotation planner: pure functions, no database (the service `rotation_plan_propose` feeds it).

Given a township's villages (required clerks) and clerks (current village, home village, villages
with declared relatives, days already served per village), it proposes a move for every clerk whose
limit in the current village falls within the horizon:

- only those clerks move (fewest moves), each on the day their limit would be passed;
- never into their home village, a village with declared relatives, their current village, or a
  village where the days they already served leave no room before the limit;
- every village keeps its required count: a vacated place that would leave its village short must be
  filled by another moving clerk (a maximum bipartite matching, Kuhn's augmenting paths, candidates
  tried least-served village first, so the moves spread); a moving clerk who is not needed to fill a
  place goes to the village with the most room (fewest clerks against its required count, never a
  fourth clerk);
- what cannot be satisfied is reported (`unplaced`, `unfilled`) for the office to adjust by hand.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

MAX_PER_VILLAGE = 3


@dataclass(frozen=True)
class ClerkState:
    clerk_id: int
    village_id: int  # current (open placement)
    since: dt.date  # the open placement's start
    served_days: dict[int, int]  # village -> days served in closed placements
    home_village_id: int | None = None
    relatives_village_ids: frozenset[int] = frozenset()

    def limit_date(self, limit_days: int) -> dt.date:
        """The first day on which staying would pass the limit in the current village."""
        left = limit_days - self.served_days.get(self.village_id, 0)
        return self.since + dt.timedelta(days=max(left, 0))


@dataclass(frozen=True)
class Move:
    clerk_id: int
    from_village_id: int
    to_village_id: int
    moves_on: dt.date


@dataclass
class Plan:
    moves: list[Move] = field(default_factory=list)
    unplaced: list[int] = field(default_factory=list)  # due clerks with no acceptable target
    unfilled: list[int] = field(default_factory=list)  # villages left below their required count


def allowed(clerk: ClerkState, village_id: int, limit_days: int) -> bool:
    return (village_id != clerk.village_id and village_id != clerk.home_village_id
            and village_id not in clerk.relatives_village_ids
            and clerk.served_days.get(village_id, 0) < limit_days)


def due_clerks(clerks: list[ClerkState], *, today: dt.date, horizon_days: int, limit_days: int) -> list[ClerkState]:
    until = today + dt.timedelta(days=horizon_days)
    return sorted((c for c in clerks if c.limit_date(limit_days) <= until),
                  key=lambda c: (c.limit_date(limit_days), c.clerk_id))


def plan_rotation(*, villages: dict[int, int], clerks: list[ClerkState], today: dt.date, limit_days: int,
                  horizon_days: int = 183) -> Plan:
    """`villages`: village id -> required clerks; `clerks`: every clerk with an open placement."""
    due = due_clerks(clerks, today=today, horizon_days=horizon_days, limit_days=limit_days)
    count = dict.fromkeys(villages, 0)
    for c in clerks:
        count[c.village_id] = count.get(c.village_id, 0) + 1
    outgoing: dict[int, int] = {}
    for c in due:
        outgoing[c.village_id] = outgoing.get(c.village_id, 0) + 1
    # Places that must be filled: a village that the moves out would take below its required count
    # (or below what it has, if it was short already: a move never deepens a gap).
    slots: list[int] = []
    for v, required in sorted(villages.items()):
        slots.extend([v] * max(0, min(required, count.get(v, 0)) - (count.get(v, 0) - outgoing.get(v, 0))))

    def prefer(c: ClerkState, v: int) -> tuple:
        return (c.served_days.get(v, 0), count.get(v, 0), v)

    candidates = {c.clerk_id: sorted(range(len(slots)), key=lambda i, c=c: prefer(c, slots[i])) for c in due}
    by_id = {c.clerk_id: c for c in due}
    slot_owner: dict[int, int] = {}

    def augment(cid: int, seen: set[int]) -> bool:
        for i in candidates[cid]:
            if i in seen or not allowed(by_id[cid], slots[i], limit_days):
                continue
            seen.add(i)
            if i not in slot_owner or augment(slot_owner[i], seen):
                slot_owner[i] = cid
                return True
        return False

    for c in due:
        augment(c.clerk_id, set())
    target = {cid: slots[i] for i, cid in slot_owner.items()}
    after = {v: count.get(v, 0) - outgoing.get(v, 0) for v in set(villages) | set(count)}
    for v in target.values():
        after[v] = after.get(v, 0) + 1
    plan = Plan()
    for c in due:
        if c.clerk_id not in target:
            options = [v for v in villages if allowed(c, v, limit_days) and after.get(v, 0) < MAX_PER_VILLAGE]
            if not options:
                plan.unplaced.append(c.clerk_id)
                continue
            best = min(options, key=lambda v: (after.get(v, 0) - villages[v], c.served_days.get(v, 0), v))
            target[c.clerk_id] = best
            after[best] = after.get(best, 0) + 1
        plan.moves.append(Move(c.clerk_id, c.village_id, target[c.clerk_id], max(today, c.limit_date(limit_days))))
    plan.unfilled = sorted(v for v, required in villages.items() if after.get(v, 0) < min(required, count.get(v, 0)))
    return plan
