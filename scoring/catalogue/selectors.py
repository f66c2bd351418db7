"""Reads of a township's scoring years and versioned rules. Callers are in the township's schema."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError, NotFound
from scoring.catalogue.models import Rule, ScoringYear
from scoring.choices import AppliesTo

NO_SCORING_YEAR = _("This township has not adopted a catalogue for the scoring year of %(date)s.")
NO_RULE = _("No item %(code)s is in force on %(date)s.")

# Fields a township may localise, compared with the county template item.
LOCALISED_FIELDS = ("points_min", "points_max", "monthly_cap", "yearly_cap", "evidence_required", "is_active")


def scoring_year_list() -> QuerySet[ScoringYear]:
    return ScoringYear.objects.order_by("-year")


def scoring_year_get(*, year: int) -> ScoringYear:
    try:
        return ScoringYear.objects.get(year=year)
    except (ScoringYear.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def scoring_year_for(*, on: dt.date) -> ScoringYear:
    """The scoring year containing `on`; DomainError when the township has not adopted one."""
    year = ScoringYear.objects.filter(starts_on__lte=on, ends_on__gte=on).first()
    if year is None:
        raise DomainError(NO_SCORING_YEAR % {"date": on.isoformat()}, code="no_scoring_year")
    return year


def _in_force(on: dt.date) -> Q:
    return (Q(scoring_year__starts_on__lte=on, scoring_year__ends_on__gte=on, effective_from__lte=on)
            & (Q(effective_to__isnull=True) | Q(effective_to__gte=on)))


def rule_in_force(*, code: str, on: dt.date) -> Rule:
    """The version of item `code` in force on `on` (active or not: callers check `is_active`)."""
    rule = Rule.objects.select_related("scoring_year").filter(_in_force(on), code=code).first()
    if rule is None:
        raise NotFound(NO_RULE % {"code": code, "date": on.isoformat()})
    return rule


def applies_to_values(member) -> list[str]:
    """The `applies_to` values whose items may be recorded for `member`."""
    values = [AppliesTo.ALL.value]
    remote = member.is_migrant or member.is_special_occupation
    if not remote:
        values.append(AppliesTo.RESIDENT.value)
    if member.is_migrant:
        values.append(AppliesTo.MIGRANT.value)
    if member.is_special_occupation:
        values.append(AppliesTo.SPECIAL_OCCUPATION.value)
    if remote:
        values.append(AppliesTo.REMOTE.value)
    if member.is_elderly:
        values.append(AppliesTo.ELDERLY.value)
    return values


def rules_in_force(*, on: dt.date, member=None) -> QuerySet[Rule]:
    """Active rule versions in force on `on`; with `member`, only those that apply to them.

    resident = neither migrant nor special occupation; remote = migrant or special occupation;
    elderly = flagged elderly; all = everyone.
    """
    qs = Rule.objects.select_related("scoring_year").filter(_in_force(on), is_active=True)
    if member is not None:
        qs = qs.filter(applies_to__in=applies_to_values(member))
    return qs.order_by("category", "code")


def rule_versions(*, scoring_year: ScoringYear) -> QuerySet[Rule]:
    return Rule.objects.filter(scoring_year=scoring_year).order_by("code", "version")


def rule_latest(*, scoring_year: ScoringYear, code: str) -> Rule:
    rule = Rule.objects.filter(scoring_year=scoring_year, code=code).order_by("-version").first()
    if rule is None:
        raise NotFound()
    return rule


@dataclass(frozen=True)
class FieldDiff:
    field: str
    label: str
    template: object
    township: object


@dataclass(frozen=True)
class RuleDiff:
    """How an item of the township's catalogue differs from the county template."""

    code: str
    name: str
    version: int
    effective_from: dt.date
    fields: tuple[FieldDiff, ...]
    missing_in_template: bool = False


def catalogue_diff(*, scoring_year: ScoringYear) -> list[RuleDiff]:
    """Each item whose latest version differs from its template item (empty if none differ).

    Runs in the township's schema; the template items are read from the public schema
    (on the search path). Latest version = the township's current intent, including a change
    scheduled for a later date.
    """
    from scoring.county.models import TemplateItem

    latest: dict[str, Rule] = {}
    for rule in Rule.objects.filter(scoring_year=scoring_year).order_by("code", "version"):
        latest[rule.code] = rule
    items = {i.pk: i for i in TemplateItem.objects.filter(pk__in=[r.template_item_id for r in latest.values()
                                                                    if r.template_item_id])}
    return rule_diffs(latest=list(latest.values()), items=items)


def rule_diffs(*, latest: list[Rule], items: dict) -> list[RuleDiff]:
    """How the latest versions `latest` (one per code, in code order) differ from their template
    items (`items`: TemplateItem by id); no database access."""
    diffs = []
    for rule in latest:
        item = items.get(rule.template_item_id)
        if item is None:
            diffs.append(RuleDiff(code=rule.code, name=rule.name, version=rule.version,
                                  effective_from=rule.effective_from, fields=(), missing_in_template=True))
            continue
        changed = []
        for name in LOCALISED_FIELDS:
            template_value = True if name == "is_active" else getattr(item, name)
            township_value = getattr(rule, name)
            if template_value != township_value:
                changed.append(FieldDiff(field=name, label=str(Rule._meta.get_field(name).verbose_name),
                                         template=template_value, township=township_value))
        if changed:
            diffs.append(RuleDiff(code=rule.code, name=rule.name, version=rule.version,
                                  effective_from=rule.effective_from, fields=tuple(changed)))
    return diffs
