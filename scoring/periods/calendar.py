"""Months, quarters and scoring years of a township, in the township's time zone."""
from __future__ import annotations

import datetime as dt

from django.db import connection

from common import clock
from scoring.catalogue.models import ScoringYear
from scoring.ledger.chain import index_month, month_index

__all__ = ["index_month", "month_index"]


def township_zone():
    return connection.tenant.time_zone_info()


def local_today(now: dt.datetime | None = None) -> dt.date:
    return clock.today(at=now)


def end_of_local_day(day: dt.date) -> dt.datetime:
    """The last second of `day` in the township's time zone (stored as an aware datetime)."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=township_zone())


def last_ended_month(today: dt.date) -> tuple[int, int]:
    return index_month(month_index(today.year, today.month) - 1)


def quarter_months(quarter: int) -> tuple[int, int]:
    return 3 * quarter - 2, 3 * quarter


def quarter_of(month: int) -> int:
    return (month - 1) // 3 + 1


def _policy():
    try:
        from scoring.county.selectors import county_policy_get
    except ImportError:  # the catalogue helper's selector; fall back to the singleton row
        from scoring.county.models import CountyPolicy

        return CountyPolicy.objects.get_or_create(pk=1)[0]
    return county_policy_get()


def county_policy():
    return _policy()


def scoring_year_label(day: dt.date) -> int:
    """The scoring year containing `day`: the township's adopted year, else the county's start month."""
    adopted = ScoringYear.objects.filter(starts_on__lte=day, ends_on__gte=day).values_list("year", flat=True).first()
    if adopted is not None:
        return adopted
    start_month = _policy().year_start_month
    return day.year if day.month >= start_month else day.year - 1
