"""Pure ranking and eligibility rules (no database): tested directly."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def weighted_total(written: Decimal, interview: Decimal, written_weight: Decimal, interview_weight: Decimal) -> Decimal:
    """(w1*written + w2*interview) / (w1 + w2), rounded half up to 0.01."""
    weight = written_weight + interview_weight
    if weight <= 0:
        raise ValueError("weights must not both be zero")
    return ((written * written_weight + interview * interview_weight) / weight).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Scored:
    key: int
    written: Decimal
    interview: Decimal


def rank(candidates: list[Scored], written_weight: Decimal, interview_weight: Decimal) -> list[tuple[int, Decimal, int]]:
    """(key, total, rank) best first; ties on the total are broken by the written score, then share a rank
    (competition ranking: 1, 2, 2, 4)."""
    rows = sorted(((c, weighted_total(c.written, c.interview, written_weight, interview_weight)) for c in candidates),
                  key=lambda item: (-item[1], -item[0].written, item[0].key))
    out, previous, position = [], None, 0
    for index, (c, total) in enumerate(rows, start=1):
        if (total, c.written) != previous:
            position, previous = index, (total, c.written)
        out.append((c.key, total, position))
    return out
