"""Reads of the county's scoring policy and template catalogues (public schema)."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

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
    """One township's use of a template: the scoring year that adopted it (if any) and its differences."""

    township: object
    year: int | None = None
    diffs: list = field(default_factory=list)

    @property
    def adopted(self) -> bool:
        return self.year is not None


# The latest version of every rule of the (latest) scoring year that adopted the template, as one
# SELECT per schema for `crossschema.union_all`; a township that adopted it with no rule yet gives
# one row with a NULL code, one that did not adopt it gives no row.
LOCALISATION_SQL = """
SELECT y.year, row_number() OVER (ORDER BY r.code) AS position, r.code, r.version, r.name, r.template_item_id,
       r.effective_from, r.points_min, r.points_max, r.monthly_cap, r.yearly_cap, r.evidence_required, r.is_active
  FROM (SELECT id, year FROM {schema}.catalogue_scoringyear WHERE template_id = %s ORDER BY year DESC LIMIT 1) y
  LEFT JOIN LATERAL (SELECT DISTINCT ON (code) * FROM {schema}.catalogue_rule
                      WHERE scoring_year_id = y.id ORDER BY code, version DESC) r ON true
"""
LOCALISATION_RULE_FIELDS = ("code", "version", "name", "template_item_id", "effective_from", "points_min",
                            "points_max", "monthly_cap", "yearly_cap", "evidence_required", "is_active")


def template_localisations(*, catalogue: TemplateCatalogue) -> list[TownshipLocalisation]:
    """For each ready township: whether it adopted `catalogue` and how it localised it (what
    `catalogue_diff` finds in its schema). Three statements whatever the number of townships: the
    township list, ONE over every ready township's schema (`crossschema.union_all`) and the
    template items. Called in the public schema (a county page or API view)."""
    from scoring.catalogue.models import Rule
    from scoring.catalogue.selectors import rule_diffs
    from tenants.townships.crossschema import union_all
    from tenants.townships.selectors import township_list_ready

    townships = list(township_list_ready())
    years: dict[int, int] = {}
    latest: dict[int, list[Rule]] = {}
    # In code order as the database sorts (as `catalogue_diff` reads them), whatever order UNION ALL gives.
    rows = sorted(union_all(townships=townships, sql=LOCALISATION_SQL, params=[catalogue.pk]),
                  key=lambda row: row["position"])
    for row in rows:
        years[row["township_id"]] = row["year"]
        if row["code"] is not None:
            latest.setdefault(row["township_id"], []).append(Rule(**{f: row[f] for f in LOCALISATION_RULE_FIELDS}))
    item_ids = {r.template_item_id for rules in latest.values() for r in rules if r.template_item_id}
    items = {i.pk: i for i in TemplateItem.objects.filter(pk__in=item_ids)} if item_ids else {}
    return [TownshipLocalisation(township=t, year=years.get(t.pk),
                                 diffs=rule_diffs(latest=latest.get(t.pk, []), items=items))
            for t in townships]


def oversight_policy_get(*, year: int):
    """The county's spot-check policy for `year`: the stored row, or the defaults (unsaved)."""
    from scoring.county.models import OversightPolicy

    return OversightPolicy.objects.filter(year=year).first() or OversightPolicy(year=year)
