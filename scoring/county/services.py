"""Writes to the county's scoring policy and template catalogues (public schema).

A template is edited while unpublished; once published it is frozen (townships copy it when
they adopt it, and the county compares their localisations against it). A new year starts by
copying the previous year's template.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record, snapshot
from common.errors import Conflict, DomainError, full_clean_or_raise
from scoring.choices import Category, MeetingKind
from scoring.county.models import (
    CountyPolicy,
    MeetingFrequency,
    TemplateCatalogue,
    TemplateItem,
    meeting_frequencies,
)
from scoring.county.selectors import county_policy_get

POLICY_FIELDS = ["year_start_month", "default_base_score", "late_window_days", "objection_days",
                 "objection_answer_days"]
ITEM_FIELDS = ["code", "name", "description", "category", "points_min", "points_max", "monthly_cap", "yearly_cap",
               "evidence_required", "applies_to", "veto_rating", "bound_min", "bound_max", "may_disable",
               "sort_order"]

TEMPLATE_YEAR_TAKEN = _("A template catalogue for scoring year %(year)s already exists.")
TEMPLATE_PUBLISHED = _("This template has been published to the townships and can no longer be changed.")
TEMPLATE_ALREADY_PUBLISHED = _("This template has already been published.")
TEMPLATE_EMPTY = _("Add at least one item before publishing.")
ITEM_CODE_TAKEN = _("An item with this code already exists in this template.")
ADDITION_NEGATIVE = _("Points of an addition item may not be negative.")
DEDUCTION_POSITIVE = _("Points of a deduction item may not be positive.")
VETO_NEEDS_RATING = _("A one-vote veto item must say which annual rating it sets.")
RANGE_INVALID = _("The minimum points may not be above the maximum points.")
BOUNDS_INVALID = _("The township bounds must contain the points range.")
CAP_INVALID = _("A cap must be more than zero.")
UNKNOWN_FIELDS = _("Unknown fields: %(fields)s")


def _num(value):
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value  # full_clean reports it on the field


@transaction.atomic
def county_policy_update(*, actor, **data) -> CountyPolicy:
    unknown = set(data) - set(POLICY_FIELDS)
    if unknown:
        raise DomainError(UNKNOWN_FIELDS % {"fields": ", ".join(sorted(unknown))})
    county_policy_get()
    policy = CountyPolicy.objects.select_for_update().get(pk=1)
    before = snapshot(policy)
    for key, value in data.items():
        setattr(policy, key, value)
    full_clean_or_raise(policy)
    policy.save()
    audit_record(actor=actor, action="county_policy.update", instance=policy, before=before, after=snapshot(policy))
    return policy


@transaction.atomic
def template_catalogue_create(*, actor, year: int, title: str, document: str = "") -> TemplateCatalogue:
    if TemplateCatalogue.objects.filter(year=year).exists():
        raise Conflict(TEMPLATE_YEAR_TAKEN % {"year": year}, field_errors={"year": [TEMPLATE_YEAR_TAKEN % {"year": year}]})
    catalogue = TemplateCatalogue(year=year, title=title.strip(), document=document.strip())
    full_clean_or_raise(catalogue)
    catalogue.save()
    audit_record(actor=actor, action="template_catalogue.create", instance=catalogue, after=snapshot(catalogue))
    return catalogue


def _require_unpublished(catalogue: TemplateCatalogue) -> None:
    if catalogue.is_published:
        raise Conflict(TEMPLATE_PUBLISHED)


def _check_item(item: TemplateItem) -> None:
    errors: dict[str, list] = {}
    values = (item.points_min, item.points_max, item.bound_min, item.bound_max)
    if all(isinstance(v, Decimal) for v in values):
        if item.points_min > item.points_max:
            errors.setdefault("points_min", []).append(RANGE_INVALID)
        if item.bound_min > item.points_min or item.bound_max < item.points_max:
            errors.setdefault("bound_min", []).append(BOUNDS_INVALID)
        if item.category in (Category.BASIC, Category.VANGUARD) and item.bound_min < 0:
            errors.setdefault("points_min", []).append(ADDITION_NEGATIVE)
        if item.category == Category.DISCIPLINE and item.bound_max > 0:
            errors.setdefault("points_max", []).append(DEDUCTION_POSITIVE)
    for cap in ("monthly_cap", "yearly_cap"):
        value = getattr(item, cap)
        if isinstance(value, Decimal) and value <= 0:
            errors.setdefault(cap, []).append(CAP_INVALID)
    if item.category == Category.VETO and not item.veto_rating:
        errors.setdefault("veto_rating", []).append(VETO_NEEDS_RATING)
    if errors:
        raise DomainError(next(iter(errors.values()))[0], field_errors=errors)


def _apply_item(item: TemplateItem, data: dict, *, creating: bool) -> None:
    unknown = set(data) - set(ITEM_FIELDS)
    if unknown:
        raise DomainError(UNKNOWN_FIELDS % {"fields": ", ".join(sorted(unknown))})
    for key, value in data.items():
        if key in ("bound_min", "bound_max") and value in (None, ""):
            continue  # defaults below (create) or keep the current bound (update)
        if key in ("points_min", "points_max", "monthly_cap", "yearly_cap", "bound_min", "bound_max"):
            value = _num(value)
        if key in ("code", "name") and isinstance(value, str):
            value = value.strip()
        setattr(item, key, value)
    if creating:
        # Bounds default to the points range (no room to localise) when not given.
        if data.get("bound_min") in (None, ""):
            item.bound_min = item.points_min
        if data.get("bound_max") in (None, ""):
            item.bound_max = item.points_max


@transaction.atomic
def template_item_create(*, actor, catalogue: TemplateCatalogue, evidence_required: bool | None = None,
                         **data) -> TemplateItem:
    """Add an item. Evidence is required by default for additions (points above zero)."""
    catalogue = TemplateCatalogue.objects.select_for_update().get(pk=catalogue.pk)
    _require_unpublished(catalogue)
    item = TemplateItem(catalogue=catalogue)
    _apply_item(item, data, creating=True)
    if evidence_required is None:
        evidence_required = isinstance(item.points_max, Decimal) and item.points_max > 0
    item.evidence_required = evidence_required
    if TemplateItem.objects.filter(catalogue=catalogue, code=item.code).exists():
        raise Conflict(ITEM_CODE_TAKEN, field_errors={"code": [ITEM_CODE_TAKEN]})
    full_clean_or_raise(item, validate_constraints=False)
    _check_item(item)
    item.save()
    audit_record(actor=actor, action="template_item.create", instance=item, after=snapshot(item))
    return item


@transaction.atomic
def template_item_update(*, actor, item: TemplateItem, **data) -> TemplateItem:
    catalogue = TemplateCatalogue.objects.select_for_update().get(pk=item.catalogue_id)
    _require_unpublished(catalogue)
    item = TemplateItem.objects.select_for_update().get(pk=item.pk)
    before = snapshot(item)
    _apply_item(item, data, creating=False)
    if TemplateItem.objects.filter(catalogue=catalogue, code=item.code).exclude(pk=item.pk).exists():
        raise Conflict(ITEM_CODE_TAKEN, field_errors={"code": [ITEM_CODE_TAKEN]})
    full_clean_or_raise(item, validate_constraints=False)
    _check_item(item)
    item.save()
    audit_record(actor=actor, action="template_item.update", instance=item, before=before, after=snapshot(item))
    return item


@transaction.atomic
def template_item_delete(*, actor, item: TemplateItem) -> None:
    catalogue = TemplateCatalogue.objects.select_for_update().get(pk=item.catalogue_id)
    _require_unpublished(catalogue)
    before = snapshot(item)
    audit_record(actor=actor, action="template_item.delete", instance=item, before=before)
    item.delete()


@transaction.atomic
def template_catalogue_copy(*, actor, source: TemplateCatalogue, year: int, title: str = "") -> TemplateCatalogue:
    """A new, unpublished template for `year` with copies of `source`'s items."""
    title = title.strip() or source.title.replace(str(source.year), str(year))
    catalogue = template_catalogue_create(actor=actor, year=year, title=title, document="")
    copies = [
        TemplateItem(catalogue=catalogue, **{name: getattr(item, name) for name in ITEM_FIELDS})
        for item in TemplateItem.objects.filter(catalogue=source).order_by("sort_order", "code")
    ]
    TemplateItem.objects.bulk_create(copies)
    audit_record(actor=actor, action="template_catalogue.copy", instance=catalogue,
                 after={"from": source.pk, "from_year": source.year, "items": len(copies)})
    return catalogue


@transaction.atomic
def template_catalogue_publish(*, actor, catalogue: TemplateCatalogue) -> TemplateCatalogue:
    """Publish to the townships: from now on it can be adopted and no longer be edited."""
    catalogue = TemplateCatalogue.objects.select_for_update().get(pk=catalogue.pk)
    if catalogue.is_published:
        raise Conflict(TEMPLATE_ALREADY_PUBLISHED)
    if not catalogue.items.exists():
        raise DomainError(TEMPLATE_EMPTY)
    catalogue.is_published = True
    catalogue.save(update_fields=["is_published", "updated_at"])
    audit_record(actor=actor, action="template_catalogue.publish", instance=catalogue,
                 after={"is_published": True, "items": catalogue.items.count()})
    return catalogue


# --- spot-check policy and draw public values (issue 8) ------------------------------------------
OVERSIGHT_FIELDS = ("min_share", "members_per_village", "key_largest_additions", "key_late_entries",
                    "key_discrepancy_scorers", "key_remote_members", "key_near_pass_line", "near_pass_margin",
                    "max_unchecked_months", "draw_day", "check_due_days")
PUBLIC_VALUE_TOO_LATE = _("Enter the public value before the month's draws (before day %(day)s of %(month)s).")
PUBLIC_VALUE_EXISTS = _("A public value for %(month)s is already entered; it cannot be changed.")


@transaction.atomic
def oversight_policy_update(*, actor, year: int, **data):
    """Set the county's spot-check policy for `year` (share at least one third)."""
    from scoring.county.models import OversightPolicy

    policy = OversightPolicy.objects.select_for_update().filter(year=year).first() or OversightPolicy(year=year)
    before = snapshot(policy) if policy.pk else None
    for field in OVERSIGHT_FIELDS:
        if field in data:
            setattr(policy, field, data[field])
    full_clean_or_raise(policy)
    policy.save()
    audit_record(actor=actor, action="oversight_policy.update", instance=policy, before=before,
                 after=snapshot(policy))
    return policy


@transaction.atomic
def draw_public_value_enter(*, actor, year: int, month: int, value: str, source: str):
    """Enter the public value for `month`'s draws (e.g. a lottery result), before the draw day;
    once entered it cannot be changed."""
    import datetime as dt

    from common import clock
    from scoring.county.models import DrawPublicValue
    from scoring.county.selectors import oversight_policy_get

    label = f"{year:04d}-{month:02d}"
    if DrawPublicValue.objects.filter(year=year, month=month).exists():
        raise Conflict(PUBLIC_VALUE_EXISTS % {"month": label})
    day = oversight_policy_get(year=year).draw_day
    try:
        draw_date = dt.date(year, month, day)
    except ValueError:
        raise DomainError(PUBLIC_VALUE_TOO_LATE % {"day": day, "month": label}) from None
    if clock.today() >= draw_date:
        raise DomainError(PUBLIC_VALUE_TOO_LATE % {"day": day, "month": label})
    row = DrawPublicValue(year=year, month=month, value=(value or "").strip(), source=(source or "").strip(),
                          entered_by_id=getattr(actor, "pk", None))
    full_clean_or_raise(row)
    row.save()
    audit_record(actor=actor, action="draw_public_value.enter", instance=row, after=snapshot(row))
    return row


MEETING_MONTHS_INVALID = _("Choose how often: every 0 (not required), 1, 3, 6 or 12 months.")


@transaction.atomic
def meeting_frequencies_set(*, actor, frequencies: dict[str, int]) -> dict[str, int]:
    """The county's required frequency per kind of branch meeting (months; 0 = not required)."""
    before = meeting_frequencies()
    for kind, months in frequencies.items():
        if kind not in MeetingKind.values or months not in (0, 1, 3, 6, 12):
            raise DomainError(MEETING_MONTHS_INVALID, field_errors={kind: [MEETING_MONTHS_INVALID]})
        MeetingFrequency.objects.update_or_create(kind=kind, defaults={"months": months,
                                                                       "updated_by_id": getattr(actor, "pk", None)})
    after = meeting_frequencies()
    audit_record(actor=actor, action="meeting_frequencies.set", object_type="meeting_frequencies", object_id="county",
                 before=before, after=after)
    return after
