"""Reads of the county's rewards part (public schema; readable from every township's schema)."""
from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from scoring.rewards.county.models import (
    HonourTemplate,
    StarCondition,
    StarRuleVersion,
    SubmittedCandidate,
    SubmittedShortlist,
)


def honour_template_get(*, year: int) -> HonourTemplate | None:
    return HonourTemplate.objects.filter(year=year).prefetch_related("kinds").first()


def honour_templates() -> QuerySet[HonourTemplate]:
    return HonourTemplate.objects.prefetch_related("kinds")


def star_rule_for(*, year: int) -> StarRuleVersion | None:
    """The rule of `year`: its latest version (with its conditions), or None."""
    return (StarRuleVersion.objects.filter(year=year).order_by("-version")
            .prefetch_related(Prefetch("conditions", queryset=StarCondition.objects.order_by("group", "sort_order", "id")))
            .first())


def star_rule_versions(*, year: int | None = None) -> QuerySet[StarRuleVersion]:
    qs = StarRuleVersion.objects.prefetch_related(
        Prefetch("conditions", queryset=StarCondition.objects.order_by("group", "sort_order", "id")))
    return qs.filter(year=year) if year else qs


def submitted_shortlists(*, year: int | None = None) -> QuerySet[SubmittedShortlist]:
    qs = SubmittedShortlist.objects.select_related("township").prefetch_related(
        Prefetch("candidates", queryset=SubmittedCandidate.objects.order_by("position")))
    return qs.filter(year=year) if year else qs


# --- County reward rollups ---------------------------------------------------------------------------

def reward_policy_get(*, year: int):
    from scoring.rewards.county.models import RewardPolicy

    return RewardPolicy.objects.filter(year=year).first()


def rollup_runs(*, year: int | None = None):
    from scoring.rewards.county.models import RollupRun

    qs = RollupRun.objects.all()
    return qs.filter(year=year) if year else qs


def rollup_get(*, pk: int):
    from scoring.rewards.county.models import RollupRun

    return RollupRun.objects.filter(pk=pk).first()


def rollup_townships(*, run):
    """The townships of a run, ranked first (failed ones last, with their errors)."""
    from django.db.models import F

    return run.townships.select_related("township").order_by(F("rank").asc(nulls_last=True), "township__code")


def rollup_candidates(*, run):
    return run.candidates.select_related("township").order_by("-eligible", "-tier", "township__code", "member_name")


def township_allocations(*, township_id: int):
    """A township's rows in the county's rollups (newest first): its rank and shares, and whether the
    county approved them. Read from the public schema in the township's request."""
    from scoring.rewards.county.models import RollupTownship

    return (RollupTownship.objects.filter(township_id=township_id).select_related("run")
            .order_by("-run__year", "run__kind"))
