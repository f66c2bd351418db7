"""Reads of a township's rewards: honours in scope, tiers, Party-member Star results and funnel, shortlists.

Who sees what: the township office, supervision office and discipline commission (township-wide)
see every member's honours; clerks and secretaries those of the members in their scope; a member
their own. Tiers, eligibility and shortlists are the office's (and the county admin's) pages.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from accounts.access import Access
from scoring.rewards.choices import Tier
from scoring.rewards.models import (
    Honour,
    MemberTier,
    Shortlist,
    ShortlistCandidate,
    StarEvaluation,
    StarResult,
)
from tenants.organisation.selectors import member_scope


def sees_all(access: Access) -> bool:
    return access.is_township_wide


def honour_scope(access: Access) -> QuerySet[Honour]:
    return (Honour.objects.filter(member__in=member_scope(access))
            .select_related("member", "member__branch").prefetch_related("certificates"))


def honour_get(*, access: Access, pk: int) -> Honour | None:
    return honour_scope(access).filter(pk=pk).first()


def member_tier(*, member_id: int, year: int) -> MemberTier | None:
    return MemberTier.objects.filter(member_id=member_id, year=year).first()


def tiers(*, year: int) -> QuerySet[MemberTier]:
    return MemberTier.objects.filter(year=year).select_related("member", "member__branch")


def tier_distribution(*, year: int) -> list[dict]:
    """[{"tier", "label", "members"}] for every tier, lowest first; members without a tier row count
    as no star (every active member is counted)."""
    from tenants.organisation.models import Member

    counts = dict(MemberTier.objects.filter(year=year, member__status=Member.Status.ACTIVE)
                  .values_list("tier").annotate(n=Count("id")).values_list("tier", "n"))
    active = Member.objects.filter(status=Member.Status.ACTIVE).count()
    counts[Tier.NONE] = active - sum(n for tier, n in counts.items() if tier != Tier.NONE)
    return [{"tier": int(tier), "label": str(tier.label), "members": counts.get(tier, 0)} for tier in Tier]


def evaluation(*, year: int) -> StarEvaluation | None:
    return StarEvaluation.objects.filter(year=year).first()


def star_results(*, year: int, eligible: bool | None = None) -> QuerySet[StarResult]:
    qs = StarResult.objects.filter(year=year).select_related("member", "member__branch")
    return qs if eligible is None else qs.filter(eligible=eligible)


@dataclass
class FunnelStep:
    group: int
    code: str
    condition: str
    holds: int        # members for whom this condition holds
    remaining: int    # members for whom it and every earlier condition of the group hold


def star_funnel(*, year: int) -> tuple[int, list[FunnelStep]]:
    """(members evaluated, steps): for each condition of the rule used, in order, how many members
    meet it and how many are left after it and the conditions before it in its group. Shows where
    members drop out when nobody qualifies."""
    results = list(StarResult.objects.filter(year=year).values_list("explanation", flat=True))
    steps: OrderedDict[tuple[int, str], FunnelStep] = OrderedDict()
    for explanation in results:
        alive: dict[int, bool] = {}
        for item in explanation:
            if not item["group"]:  # the faking bar applied outside the rule: not a step of the rule
                continue
            key = (item["group"], item["code"])
            step = steps.get(key)
            if step is None:
                step = steps[key] = FunnelStep(group=item["group"], code=item["code"], condition=item["condition"],
                                               holds=0, remaining=0)
            alive[item["group"]] = alive.get(item["group"], True) and item["holds"]
            step.holds += int(item["holds"])
            step.remaining += int(alive[item["group"]])
    return len(results), list(steps.values())


def shortlists() -> QuerySet[Shortlist]:
    return Shortlist.objects.annotate(on_list=Count("candidates", filter=Q(candidates__included=True)))


def shortlist_get(*, pk: int) -> Shortlist | None:
    return Shortlist.objects.filter(pk=pk).first()


def shortlist_candidates(*, shortlist: Shortlist) -> QuerySet[ShortlistCandidate]:
    return (shortlist.candidates.select_related("member", "member__branch").prefetch_related("edits")
            .order_by("-included", "position", "member_id"))


def honours_by_id(ids) -> dict[int, Honour]:
    return {h.pk: h for h in Honour.objects.filter(pk__in=list(ids))}
