"""Reads of the county's scoring policy and template catalogues (public schema)."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django_tenants.utils import tenant_context

from common.errors import NotFound
from scoring.county.models import CountyPolicy, TemplateCatalogue, TemplateItem


def county_policy_get() -> CountyPolicy:
    """The county's scoring policy (pk=1), created with the defaults when missing."""
    policy, _ = CountyPolicy.objects.get_or_create(pk=1)
    return policy


def template_catalogue_list() -> QuerySet[TemplateCatalogue]:
    return TemplateCatalogue.objects.annotate(item_count=Count("items")).order_by("-year")


def template_catalogue_get(*, catalogue_id: int) -> TemplateCatalogue:
    try:
        return TemplateCatalogue.objects.get(pk=catalogue_id)
    except (TemplateCatalogue.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def template_catalogue_published_for(*, year: int) -> TemplateCatalogue | None:
    return TemplateCatalogue.objects.filter(year=year, is_published=True).first()


def template_item_list(*, catalogue: TemplateCatalogue) -> QuerySet[TemplateItem]:
    return TemplateItem.objects.filter(catalogue=catalogue).order_by("sort_order", "code")


def template_item_get(*, catalogue: TemplateCatalogue, item_id: int) -> TemplateItem:
    try:
        return TemplateItem.objects.get(catalogue=catalogue, pk=item_id)
    except (TemplateItem.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


@dataclass
class TownshipLocalisation:
    """One township's use of a template: its scoring year (if adopted) and its differences."""

    township: object
    scoring_year: object | None = None
    diffs: list = field(default_factory=list)

    @property
    def adopted(self) -> bool:
        return self.scoring_year is not None


def template_localisations(*, catalogue: TemplateCatalogue) -> list[TownshipLocalisation]:
    """For each ready township: whether it adopted `catalogue` and how it localised it.

    Enters each township's schema in turn (tenant_context), so it must be called from the
    public schema (a county page or API view); the diff itself is `catalogue_diff`.
    """
    from scoring.catalogue.models import ScoringYear
    from scoring.catalogue.selectors import catalogue_diff
    from tenants.townships.selectors import township_list_ready

    result = []
    for township in township_list_ready():
        with tenant_context(township):
            year = ScoringYear.objects.filter(template_id=catalogue.pk).first()
            diffs = catalogue_diff(scoring_year=year) if year else []
        result.append(TownshipLocalisation(township=township, scoring_year=year, diffs=diffs))
    return result


def oversight_policy_get(*, year: int):
    """The county's spot-check policy for `year`: the stored row, or the defaults (unsaved)."""
    from scoring.county.models import OversightPolicy

    return OversightPolicy.objects.filter(year=year).first() or OversightPolicy(year=year)
