"""Writes to a township's scoring year and catalogue. Callers are in the township's schema.

- `scoring_year_adopt` copies a published county template into the township: a ScoringYear and
  version 1 of one Rule per template item.
- `rule_localise` changes a rule within the county's bounds from a date, as a new version; the
  previous version ends the day before, so entries made under it keep pointing at it.
- `base_scores_grant` posts the year's base score to every active member who has none yet.

Base score and members who join mid-year: a member gets the FULL base score of a scoring year
once, if they are an active member of the township at some run of the job during that year. A
member added to the roster after the year started (moved in, newly admitted) is granted it by
the next daily run (or the office's "grant now" button); it is not pro-rated. Its date
(`occurred_on`) is the day the member was added to the roster, or the year's first day for
members on the roster before the year began. A member who leaves keeps what was posted (the
ledger is append-only); a member who is not active when the job runs gets nothing.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record, snapshot
from common import clock
from common.errors import Conflict, DomainError, NotFound, full_clean_or_raise
from scoring.catalogue.models import Rule, ScoringYear
from scoring.catalogue.selectors import LOCALISED_FIELDS
from scoring.choices import REVIEW_LEVEL_ORDER
from scoring.county.models import TemplateCatalogue, TemplateItem
from scoring.county.selectors import county_policy_get

YEAR_ALREADY_ADOPTED = _("This township has already adopted a catalogue for scoring year %(year)s.")
NO_PUBLISHED_TEMPLATE = _("The county has not published a template catalogue for scoring year %(year)s.")
TEMPLATE_WRONG_YEAR = _("That template is for scoring year %(template_year)s, not %(year)s.")
TEMPLATE_EMPTY = _("The template catalogue has no items.")
LEVELS_INVALID = _("Choose one or more review levels among branch, work team and liaison leader.")
WEIGHTS_INVALID = _("Each chosen review level needs a weight between 0 and 1, and the weights must add up to 1.")
LINES_INVALID = _("The rating lines must satisfy: basically qualified ≤ pass ≤ excellent.")
BASE_SCORE_INVALID = _("The base score must be zero or more.")
OUT_OF_BOUNDS = _("Points must stay within the county's bounds %(min)s to %(max)s.")
RANGE_INVALID = _("The minimum points may not be above the maximum points.")
CAP_INVALID = _("A cap must be more than zero.")
CAP_ABOVE_TEMPLATE = _("A cap may not be higher than the county's cap of %(cap)s.")
EVIDENCE_REQUIRED_BY_COUNTY = _("The county requires evidence for this item; it cannot be dropped.")
MAY_NOT_DISABLE = _("The county does not allow leaving this item out.")
EFFECTIVE_OUTSIDE_YEAR = _("The effective date must fall within the scoring year (%(start)s to %(end)s).")
EFFECTIVE_IN_PAST = _("A change cannot take effect before today (%(today)s): past entries never change.")
EFFECTIVE_NOT_AFTER_LATEST = _("A change must take effect after the latest version's start date (%(date)s).")
NOTHING_CHANGED = _("Nothing changed.")

_UNSET = object()


def township_today() -> dt.date:
    """Today in the current township's time zone (the county's zone in the public schema)."""
    tenant = getattr(connection, "tenant", None)
    tz = tenant.time_zone_info() if tenant is not None and hasattr(tenant, "time_zone_info") else None
    return clock.today(zone=tz)


def scoring_year_dates(*, year: int, start_month: int) -> tuple[dt.date, dt.date]:
    """Scoring year `year` runs from the 1st of `start_month` in `year` to the day before that date in year+1."""
    starts_on = dt.date(year, start_month, 1)
    return starts_on, dt.date(year + 1, start_month, 1) - dt.timedelta(days=1)


def scoring_year_label_for(*, on: dt.date, start_month: int) -> int:
    """The label of the scoring year containing `on` (the calendar year in which it starts)."""
    return on.year if on.month >= start_month else on.year - 1


def _decimal(value, *, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter a number."), field_errors={field: [_("Enter a number.")]}) from None


def _check_review(levels: list[str], weights: dict) -> tuple[list[str], dict[str, str]]:
    order = [lvl.value for lvl in REVIEW_LEVEL_ORDER]
    levels = [str(lvl) for lvl in levels]
    if not levels or len(set(levels)) != len(levels) or any(lvl not in order for lvl in levels):
        raise DomainError(LEVELS_INVALID, field_errors={"review_levels": [LEVELS_INVALID]})
    levels = [lvl for lvl in order if lvl in levels]  # always in path order
    try:
        clean = {lvl: Decimal(str(weights[lvl])) for lvl in levels}
    except (KeyError, InvalidOperation, ValueError, TypeError):
        raise DomainError(WEIGHTS_INVALID, field_errors={"review_weights": [WEIGHTS_INVALID]}) from None
    if any(w < 0 or w > 1 for w in clean.values()) or sum(clean.values()) != Decimal(1):
        raise DomainError(WEIGHTS_INVALID, field_errors={"review_weights": [WEIGHTS_INVALID]})
    return levels, {lvl: str(w) for lvl, w in clean.items()}


@transaction.atomic
def scoring_year_adopt(
    *,
    actor,
    year: int,
    template_id: int | None = None,
    base_score: Decimal | None = None,
    late_window_days: int | None = None,
    review_levels: list[str] | None = None,
    review_weights: dict | None = None,
    pass_line: Decimal | None = None,
    excellent_line: Decimal | None = None,
    basic_line: Decimal | None = None,
) -> ScoringYear:
    """Adopt the county's published template for scoring `year`: the year and version 1 of each rule.

    Dates follow the county's `year_start_month`; base score and late window default to the
    county policy; review levels default to all three with weights 0.3/0.3/0.4.
    """
    policy = county_policy_get()
    if ScoringYear.objects.filter(year=year).exists():
        raise Conflict(YEAR_ALREADY_ADOPTED % {"year": year})
    if template_id is None:
        template = TemplateCatalogue.objects.filter(year=year, is_published=True).first()
    else:
        template = TemplateCatalogue.objects.filter(pk=template_id, is_published=True).first()
    if template is None:
        raise DomainError(NO_PUBLISHED_TEMPLATE % {"year": year}, field_errors={"template_id": [
            NO_PUBLISHED_TEMPLATE % {"year": year}]})
    if template.year != year:
        raise DomainError(TEMPLATE_WRONG_YEAR % {"template_year": template.year, "year": year})
    items = list(TemplateItem.objects.filter(catalogue=template).order_by("sort_order", "code"))
    if not items:
        raise DomainError(TEMPLATE_EMPTY)

    defaults = ScoringYear()
    levels, weights = _check_review(
        review_levels if review_levels is not None else defaults.review_levels,
        review_weights if review_weights is not None else defaults.review_weights,
    )
    base = _decimal(base_score, field="base_score")
    base = policy.default_base_score if base is None else base
    if base < 0:
        raise DomainError(BASE_SCORE_INVALID, field_errors={"base_score": [BASE_SCORE_INVALID]})
    lines = {
        "pass_line": _decimal(pass_line, field="pass_line"),
        "excellent_line": _decimal(excellent_line, field="excellent_line"),
        "basic_line": _decimal(basic_line, field="basic_line"),
    }
    lines = {k: (getattr(defaults, k) if v is None else v) for k, v in lines.items()}
    if not lines["basic_line"] <= lines["pass_line"] <= lines["excellent_line"]:
        raise DomainError(LINES_INVALID)
    starts_on, ends_on = scoring_year_dates(year=year, start_month=policy.year_start_month)
    scoring_year = ScoringYear(
        year=year, starts_on=starts_on, ends_on=ends_on, base_score=base, template_id=template.pk,
        late_window_days=policy.late_window_days if late_window_days is None else late_window_days,
        review_levels=levels, review_weights=weights, adopted_by_id=getattr(actor, "pk", None), **lines,
    )
    full_clean_or_raise(scoring_year)
    scoring_year.save()
    rules = [
        Rule(
            scoring_year=scoring_year, code=item.code, version=1, template_item_id=item.pk, name=item.name,
            description=item.description, category=item.category, points_min=item.points_min,
            points_max=item.points_max, monthly_cap=item.monthly_cap, yearly_cap=item.yearly_cap,
            evidence_required=item.evidence_required, applies_to=item.applies_to, veto_rating=item.veto_rating,
            is_active=True, effective_from=starts_on, effective_to=None, created_by_id=getattr(actor, "pk", None),
        )
        for item in items
    ]
    Rule.objects.bulk_create(rules)
    audit_record(actor=actor, action="scoring_year.adopt", instance=scoring_year,
                 after={**snapshot(scoring_year), "template": str(template), "rules": [r.code for r in rules]})
    return scoring_year


@transaction.atomic
def rule_localise(
    *,
    actor,
    scoring_year: ScoringYear,
    code: str,
    effective_from: dt.date,
    points_min=_UNSET,
    points_max=_UNSET,
    monthly_cap=_UNSET,
    yearly_cap=_UNSET,
    evidence_required=_UNSET,
    is_active=_UNSET,
    today: dt.date | None = None,
) -> Rule:
    """Change item `code` from `effective_from` (today or later) as a new rule version.

    Values must stay within the county template: points inside [bound_min, bound_max], caps no
    higher than the county's, evidence kept where the county requires it, leaving an item out
    only where `may_disable`. The previous version ends the day before; nothing else changes.
    """
    today = today or township_today()
    latest = Rule.objects.select_for_update().filter(scoring_year=scoring_year, code=code).order_by("-version").first()
    if latest is None:
        raise NotFound()
    item = TemplateItem.objects.filter(pk=latest.template_item_id).first() if latest.template_item_id else None
    errors: dict[str, list] = {}

    if not scoring_year.starts_on <= effective_from <= scoring_year.ends_on:
        msg = EFFECTIVE_OUTSIDE_YEAR % {"start": scoring_year.starts_on, "end": scoring_year.ends_on}
        raise DomainError(msg, field_errors={"effective_from": [msg]})
    if effective_from < today:
        msg = EFFECTIVE_IN_PAST % {"today": today}
        raise DomainError(msg, field_errors={"effective_from": [msg]})
    if effective_from <= latest.effective_from:
        msg = EFFECTIVE_NOT_AFTER_LATEST % {"date": latest.effective_from}
        raise DomainError(msg, field_errors={"effective_from": [msg]})

    new = {name: getattr(latest, name) for name in LOCALISED_FIELDS}
    given = {"points_min": points_min, "points_max": points_max, "monthly_cap": monthly_cap,
             "yearly_cap": yearly_cap, "evidence_required": evidence_required, "is_active": is_active}
    for name, value in given.items():
        if value is _UNSET:
            continue
        if name in ("evidence_required", "is_active"):
            new[name] = bool(value)
        else:
            new[name] = _decimal(value, field=name)
    if new["points_min"] is None or new["points_max"] is None:
        errors.setdefault("points_min", []).append(_("Enter a number."))
    elif new["points_min"] > new["points_max"]:
        errors.setdefault("points_min", []).append(RANGE_INVALID)
    elif item is not None and (new["points_min"] < item.bound_min or new["points_max"] > item.bound_max):
        msg = OUT_OF_BOUNDS % {"min": item.bound_min, "max": item.bound_max}
        field = "points_min" if new["points_min"] < item.bound_min else "points_max"
        errors.setdefault(field, []).append(msg)
    for cap in ("monthly_cap", "yearly_cap"):
        if new[cap] is None:
            if item is not None and getattr(item, cap) is not None:
                errors.setdefault(cap, []).append(CAP_ABOVE_TEMPLATE % {"cap": getattr(item, cap)})
            continue
        if new[cap] <= 0:
            errors.setdefault(cap, []).append(CAP_INVALID)
        elif item is not None and getattr(item, cap) is not None and new[cap] > getattr(item, cap):
            errors.setdefault(cap, []).append(CAP_ABOVE_TEMPLATE % {"cap": getattr(item, cap)})
    if item is not None and item.evidence_required and not new["evidence_required"]:
        errors.setdefault("evidence_required", []).append(EVIDENCE_REQUIRED_BY_COUNTY)
    if not new["is_active"] and latest.is_active and not (item is None or item.may_disable):
        errors.setdefault("is_active", []).append(MAY_NOT_DISABLE)
    if errors:
        first = next(iter(errors.values()))[0]
        raise DomainError(first, field_errors=errors)
    if all(new[name] == getattr(latest, name) for name in LOCALISED_FIELDS):
        raise DomainError(NOTHING_CHANGED)

    before = snapshot(latest)
    Rule.objects.filter(pk=latest.pk).update(effective_to=effective_from - dt.timedelta(days=1))
    rule = Rule(
        scoring_year=scoring_year, code=latest.code, version=latest.version + 1,
        template_item_id=latest.template_item_id, name=latest.name, description=latest.description,
        category=latest.category, applies_to=latest.applies_to, veto_rating=latest.veto_rating,
        effective_from=effective_from, effective_to=None, created_by_id=getattr(actor, "pk", None), **new,
    )
    full_clean_or_raise(rule)
    rule.save()
    audit_record(actor=actor, action="rule.localise", instance=rule, before=before, after=snapshot(rule))
    return rule


def base_scores_grant(*, scoring_year: int, today: dt.date, actor=None) -> int:
    """Post the base score of `scoring_year` to every active member without one. Returns rows posted.

    Idempotent: under the ledger head lock, an anti-join finds members with no `base` row for
    the year, and the partial unique constraint (one base row per member and year) backs it up,
    so running it any number of times (or twice at once) posts each member's base score once.
    Members added to the roster after the year ended are left out; see the module docstring for
    mid-year joiners. Nothing happens before the year starts.
    """
    from scoring.ledger.models import LedgerEntry
    from scoring.ledger.posting import Posting, ledger_head_lock, ledger_post
    from tenants.organisation.models import Member

    with transaction.atomic():
        year = ScoringYear.objects.filter(year=scoring_year).first()
        if year is None:
            raise DomainError(_("This township has not adopted a catalogue for scoring year %(year)s.")
                              % {"year": scoring_year}, code="no_scoring_year")
        if today < year.starts_on:
            return 0
        ledger_head_lock()  # serialise concurrent runs before reading who still lacks one
        tz = getattr(connection, "tenant", None)
        tz = tz.time_zone_info() if tz is not None and hasattr(tz, "time_zone_info") else timezone.get_current_timezone()
        year_end = dt.datetime.combine(year.ends_on + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        has_base = LedgerEntry.objects.filter(member=OuterRef("pk"), scoring_year=year.year,
                                              kind=LedgerEntry.Kind.BASE)
        members = (Member.objects.filter(status=Member.Status.ACTIVE, created_at__lt=year_end)
                   .exclude(Exists(has_base)).order_by("pk").values_list("pk", "created_at"))
        last_day = min(today, year.ends_on)
        postings = [
            Posting(kind=LedgerEntry.Kind.BASE, member_id=pk,
                    points=year.base_score,
                    occurred_on=min(max(clock.today(at=created, zone=tz), year.starts_on), last_day),
                    scoring_year=year.year, note=f"base score {year.year}")
            for pk, created in members
        ]
        if not postings:
            return 0
        ledger_post(postings=postings, actor_id=getattr(actor, "pk", None))
        audit_record(actor=actor, action="base_score.grant", object_type="catalogue.scoringyear",
                     object_id=year.pk, object_repr=str(year),
                     after={"scoring_year": year.year, "members": len(postings), "points": str(year.base_score)})
        return len(postings)

