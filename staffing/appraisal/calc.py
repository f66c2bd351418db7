"""Pure arithmetic of appraisal and pay (no database): component scores, grade, coefficient, pay.

All amounts are `Decimal`; every rounding is ROUND_HALF_UP to 0.01 (分), done once per stored amount.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
TIMELY_DAYS = 3  # an entry made within 3 days of the event counts as timely

# Computed (objective) components and the office's (scored 0-100 by the township office).
SIGNAL_KEYS = ("timeliness", "evidence", "accuracy", "acceptance")
# Signals from the clerk's branch records, computed only where such records exist (meetings filed in
# the period). A county template may weight them; the default template does not (weight absent = 0), so
# existing totals do not change. Weighted but without records in the period: full marks, like the
# other components with nothing to judge.
RECORD_SIGNAL_KEYS = ("meetings",)
MEETING_ON_TIME_DAYS = 3  # a meeting filed within 3 days of being held counts as filed on time
OFFICE_KEYS = ("village_observation", "township_push", "branch_material", "unannounced_check")
COMPONENT_LABELS = {
    "timeliness": _("Entry timeliness"),
    "evidence": _("Evidence completeness"),
    "accuracy": _("Spot-check accuracy"),
    "acceptance": _("Entries not returned"),
    "meetings": _("Meetings filed on time"),
    "village_observation": _("Village observation (逐村观摩)"),
    "township_push": _("Township-wide pushes"),
    "branch_material": _("Outstanding-branch material"),
    "unannounced_check": _("Unannounced checks"),
}
DEFAULT_WEIGHTS = {"timeliness": 15, "evidence": 15, "accuracy": 20, "acceptance": 10,
                   "village_observation": 10, "township_push": 10, "branch_material": 10, "unannounced_check": 10}
GRADE_THRESHOLDS = (("A", Decimal(90)), ("B", Decimal(75)), ("C", Decimal(60)), ("D", Decimal(0)))
COEFFICIENTS = {"A": Decimal("1.20"), "B": Decimal("1.00"), "C": Decimal("0.80"), "D": Decimal("0.50")}
NO_APPRAISAL_GRADE = "B"  # a month with no appraisal yet is paid at the standard grade
GRADES = tuple(g for g, _t in GRADE_THRESHOLDS)
DEFAULT_GRADES = {g: {"min": str(t), "coefficient": str(COEFFICIENTS[g])} for g, t in GRADE_THRESHOLDS}
MAX_COEFFICIENT = Decimal(3)


def money(value) -> Decimal:
    """`value` as yuan, ROUND_HALF_UP to 0.01."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def share(part: int, whole: int, *, empty: Decimal) -> Decimal:
    """part/whole as a 0-100 score (0.01, HALF_UP); `empty` when whole is 0."""
    if whole == 0:
        return money(empty)
    return money(HUNDRED * part / whole)


@dataclass(frozen=True)
class Counts:
    """What the ledger and oversight data say about one clerk's entries in a period."""

    entries: int = 0
    timely: int = 0
    needing_evidence: int = 0
    with_evidence: int = 0
    decided: int = 0
    rejected: int = 0
    findings: int = 0
    discrepancies: int = 0
    meetings: int = 0  # meeting records the clerk filed in the period
    meetings_on_time: int = 0  # of which filed within MEETING_ON_TIME_DAYS of being held

    def as_dict(self) -> dict[str, int]:
        """The counts as stored with an appraisal; the meeting counts only where meetings were filed."""
        data = dict(self.__dict__)
        if not self.meetings:
            data.pop("meetings")
            data.pop("meetings_on_time")
        return data


def signals(c: Counts) -> dict[str, str]:
    """Component scores 0-100 from the counts. No entries at all: timeliness 0 (nothing was entered);
    nothing needing evidence / nothing checked / nothing decided: full marks for that component.
    "meetings" (share filed on time) only when the clerk filed meetings in the period."""
    result = {
        "timeliness": str(share(c.timely, c.entries, empty=Decimal(0))),
        "evidence": str(share(c.with_evidence, c.needing_evidence, empty=HUNDRED)),
        "accuracy": str(share(c.findings - c.discrepancies, c.findings, empty=HUNDRED)),
        "acceptance": str(share(c.decided - c.rejected, c.decided, empty=HUNDRED)),
    }
    if c.meetings:
        result["meetings"] = str(share(c.meetings_on_time, c.meetings, empty=HUNDRED))
    return result


def components_for(signal_scores: dict, office_scores: dict, weights: dict) -> dict[str, str]:
    """The scored components: the signals, the office's scores, and full marks for a weighted record
    signal that has no records in the period."""
    components = {k: signal_scores[k] for k in (*SIGNAL_KEYS, *RECORD_SIGNAL_KEYS) if k in signal_scores}
    components |= office_scores
    for key in RECORD_SIGNAL_KEYS:
        if key in weights and key not in components:
            components[key] = str(money(HUNDRED))
    return components


def weights_valid(weights: dict) -> bool:
    """Every signal and office key weighted (record signals optional), integers 0-100 summing to 100."""
    keys = set(SIGNAL_KEYS) | set(OFFICE_KEYS)
    return (keys <= set(weights) <= keys | set(RECORD_SIGNAL_KEYS) and all(isinstance(v, int) and 0 <= v <= 100 for v in weights.values())
            and sum(weights.values()) == 100)


def total_score(components: dict, weights: dict) -> Decimal:
    """Sum of component x weight / 100, ROUND_HALF_UP to 0.01."""
    raw = sum((Decimal(str(components[k])) * Decimal(weights[k]) for k in weights), Decimal(0))
    return money(raw / HUNDRED)


def grades_valid(grades: dict) -> bool:
    """Grades A-D each with a lowest score (0-100, A > B > C > D = 0, so every score has a grade) and a
    coefficient (0-3, A >= B >= C >= D)."""
    if not isinstance(grades, dict) or set(grades) != set(GRADES):
        return False
    try:
        mins = [Decimal(str(grades[g]["min"])) for g in GRADES]
        coefs = [Decimal(str(grades[g]["coefficient"])) for g in GRADES]
    except Exception:  # missing key, not a mapping, not a number
        return False
    if not all(v.is_finite() for v in mins + coefs):
        return False
    return (mins[-1] == 0 and all(0 <= m <= HUNDRED for m in mins) and all(a > b for a, b in zip(mins, mins[1:], strict=False))
            and all(0 <= c <= MAX_COEFFICIENT for c in coefs) and all(a >= b for a, b in zip(coefs, coefs[1:], strict=False)))


def grade_for(score: Decimal, grades: dict | None = None) -> str:
    """The grade of `score` under the county's grades (the default thresholds when none are set)."""
    grades = grades or DEFAULT_GRADES
    for grade in GRADES:
        if score >= Decimal(str(grades[grade]["min"])):
            return grade
    return GRADES[-1]


def coefficient_for(grade: str, grades: dict | None = None) -> Decimal:
    return money(Decimal(str((grades or DEFAULT_GRADES)[grade]["coefficient"])))


@dataclass(frozen=True)
class Pay:
    base: Decimal
    allowance: Decimal
    performance: Decimal
    total: Decimal
    social_insurance: Decimal


def pay_for(*, base_pay, allowance, performance_base, coefficient, insurance_rate) -> Pay:
    """Monthly pay = base + allowance + performance, performance = performance_base x coefficient.

    Each part is rounded ROUND_HALF_UP to 0.01 before summing, so the total equals the sum of the shown
    parts. The employee's social insurance (total x the sum of the rates, HALF_UP 0.01) is shown, not
    deducted from `total` (the gross that the floor is compared with)."""
    base, allow = money(base_pay), money(allowance)
    performance = money(Decimal(performance_base) * Decimal(coefficient))
    total = base + allow + performance
    return Pay(base=base, allowance=allow, performance=performance, total=total,
               social_insurance=money(total * Decimal(insurance_rate)))


def period_bounds(day: dt.date, kind: str) -> tuple[dt.date, dt.date]:
    """The monthly or quarterly period containing `day`."""
    first_month = day.month if kind == "monthly" else 3 * ((day.month - 1) // 3) + 1
    start = dt.date(day.year, first_month, 1)
    last_month = first_month + (0 if kind == "monthly" else 2)
    nxt = dt.date(day.year + 1, 1, 1) if last_month == 12 else dt.date(day.year, last_month + 1, 1)
    return start, nxt - dt.timedelta(days=1)
