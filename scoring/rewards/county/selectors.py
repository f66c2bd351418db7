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
