"""Pure arithmetic of the signals (no database): shares, concentration, medians and the decision
whether a number is a flag. The services feed it aggregates computed in SQL."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

FOUR = Decimal("0.0001")


def share(part: int | Decimal, whole: int | Decimal) -> Decimal:
    """part / whole rounded to 4 places; 0 when whole is 0."""
    if not whole:
        return Decimal("0")
    return (Decimal(part) / Decimal(whole)).quantize(FOUR, rounding=ROUND_HALF_UP)


def top_share(amounts: Iterable[Decimal], k: int = 3) -> Decimal:
    """Share of the total that goes to the k largest (positive) amounts."""
    values = sorted((Decimal(a) for a in amounts if a > 0), reverse=True)
    return share(sum(values[:k], Decimal("0")), sum(values, Decimal("0")))


def herfindahl(amounts: Iterable[Decimal]) -> Decimal:
    """Herfindahl-Hirschman index of the positive amounts (1 = all on one member)."""
    values = [Decimal(a) for a in amounts if a > 0]
    total = sum(values, Decimal("0"))
    if not total:
        return Decimal("0")
    return sum(((v / total) ** 2 for v in values), Decimal("0")).quantize(FOUR, rounding=ROUND_HALF_UP)


def median(values: Sequence[Decimal]) -> Decimal | None:
    """The median, or None for no values."""
    ordered = sorted(Decimal(v) for v in values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle].quantize(FOUR)
    return ((ordered[middle - 1] + ordered[middle]) / 2).quantize(FOUR, rounding=ROUND_HALF_UP)


@dataclass
class Figures:
    """One subject's month, as counted in SQL."""

    key: int
    total: int = 0            # posted entries booked in the month
    late: int = 0             # of which late entries (补录)
    additions: int = 0        # entries adding points
    added_points: Decimal = Decimal("0")
    no_evidence: int = 0      # additions without evidence
    rush: int = 0             # additions entered in the last days before a close or publication
    divergent: int = 0        # entries whose review changed the points
    member_points: dict[int, Decimal] = field(default_factory=dict)  # additions per member
    members: int = 0          # branch: active members (for additions per member)
    checked_points: Decimal | None = None
    confirmed_points: Decimal | None = None


@dataclass(frozen=True)
class Flag:
    key: int
    kind: str
    value: Decimal
    threshold: Decimal
    count: int
    total: int
    peer_value: Decimal | None = None
    params: dict = field(default_factory=dict)


def metrics(fig: Figures, thresholds) -> dict[str, tuple[Decimal, int, int] | None]:
    """kind -> (value, count, total), or None when the subject has too few entries to assess."""
    minimum = thresholds.min_entries
    out: dict[str, tuple[Decimal, int, int] | None] = {}
    out["late"] = (share(fig.late, fig.total), fig.late, fig.total) if fig.total >= minimum else None
    enough = fig.additions >= minimum
    out["no_evidence"] = (share(fig.no_evidence, fig.additions), fig.no_evidence, fig.additions) if enough else None
    out["rush"] = (share(fig.rush, fig.additions), fig.rush, fig.additions) if enough else None
    out["divergence"] = (share(fig.divergent, fig.total), fig.divergent, fig.total) if fig.total >= minimum else None
    receivers = sum(1 for v in fig.member_points.values() if v > 0)
    if enough and receivers >= thresholds.concentration_min_members:
        out["concentration"] = (top_share(fig.member_points.values()), min(3, receivers), receivers)
    else:
        out["concentration"] = None
    if fig.checked_points:
        gap = share(fig.checked_points - (fig.confirmed_points or 0), fig.checked_points)
        out["check_gap"] = (gap, 0, 0)
    else:
        out["check_gap"] = None
    return out


THRESHOLD_FIELD = {"late": "late_share", "no_evidence": "no_evidence_share", "rush": "rush_share",
                   "divergence": "divergence_share", "concentration": "top3_share", "check_gap": "check_gap"}


def flags_for(figures: Sequence[Figures], thresholds, *, peers_of=None) -> list[Flag]:
    """The flags of a set of subjects (scorers, or branches).

    Each share signal is a flag when the value is above the township's threshold; its peer value
    is the median of the same metric among the subject's peers (`peers_of(key)` -> keys; all other
    subjects when not given). For branches (`peers_of` given) a further `peer` flag is raised when
    the added points per member are at least `peer_ratio` times the peers' median.
    """
    by_key = {fig.key: fig for fig in figures}
    computed = {fig.key: metrics(fig, thresholds) for fig in figures}
    result: list[Flag] = []
    for fig in figures:
        peers = [k for k in (peers_of(fig.key) if peers_of else by_key) if k != fig.key and k in by_key]
        for kind, measured in computed[fig.key].items():
            if measured is None:
                continue
            value, count, total = measured
            threshold = Decimal(getattr(thresholds, THRESHOLD_FIELD[kind]))
            if value <= threshold:
                continue
            peer_value = median([computed[k][kind][0] for k in peers if computed[k][kind] is not None])
            result.append(Flag(fig.key, kind, value, threshold, count, total, peer_value))
        if peers_of is not None and fig.members and fig.additions >= thresholds.min_entries:
            per_member = (fig.added_points / fig.members).quantize(FOUR)
            peer_values = [(by_key[k].added_points / by_key[k].members).quantize(FOUR)
                           for k in peers if by_key[k].members]
            peer_median = median(peer_values)
            ratio = Decimal(thresholds.peer_ratio)
            if len(peer_values) >= 2 and peer_median and per_member >= peer_median * ratio:
                result.append(Flag(fig.key, "peer", per_member, (peer_median * ratio).quantize(FOUR),
                                   fig.additions, fig.members, peer_median,
                                   {"ratio": str((per_member / peer_median).quantize(Decimal("0.1"))),
                                    "peers": len(peer_values)}))
    return result
