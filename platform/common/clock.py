"""The product's one clock: "now", and "today" in a township's time zone.

Every service, selector, task, view and template of the product reads the time through this
module and nothing else (`ruff`'s banned-API rule TID251 in pyproject.toml refuses
`timezone.now()`, `timezone.localdate()`, `date.today()`, `datetime.now()` and `time.time()`
anywhere else; `tests/test_architecture.py` runs it). Underneath it is Django's
`timezone.now()`, so the model fields Django stamps itself (`auto_now_add`) agree with it, and a
test pins all of it at once with time-machine (`tests/conftest.py`).

"Today", month ends and deadlines belong to a township: they are computed in its time zone
(the current township's when none is given, else the county's `TIME_ZONE`).
"""
from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db import connection
from django.utils import timezone


def now() -> dt.datetime:
    """The current moment, aware (UTC)."""
    return timezone.now()


def county_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def zone_of(township=None) -> zoneinfo.ZoneInfo:
    """The time zone of `township`, else of the township the connection is in, else the county's."""
    township = township if township is not None else getattr(connection, "tenant", None)
    info = getattr(township, "time_zone_info", None)
    return info() if callable(info) else county_zone()


def localtime(value: dt.datetime | None = None, township=None, *, zone=None) -> dt.datetime:
    """`value` (default: now) as a local datetime in the township's (or the given) zone."""
    return timezone.localtime(value if value is not None else now(), zone or zone_of(township))


def today(township=None, *, zone=None, at: dt.datetime | None = None) -> dt.date:
    """The local date now (or at the moment `at`) in the township's (or the given) zone."""
    return localtime(at, township, zone=zone).date()


def start_of_day(day: dt.date, township=None, *, zone=None) -> dt.datetime:
    """The first moment of `day` in the township's (or the given) zone."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone or zone_of(township))


def end_of_day(day: dt.date, township=None, *, zone=None) -> dt.datetime:
    """The last second of `day` in the township's (or the given) zone."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=zone or zone_of(township))


class History:
    """Replays past actions at the moments they would have happened (the demo data's history).

    Inside `with History() as history:` the clock (and so every service, `auto_now_add` field,
    audit event and notification) reads `history.now()`, the moment last `set()`, never later
    than the real time when the history was opened. Outside it nothing changes.
    """

    def __init__(self):
        self.real_now = now()
        self.moment = self.real_now
        self._saved = None

    def now(self) -> dt.datetime:
        return self.moment

    def set(self, moment: dt.datetime) -> dt.datetime:
        self.moment = min(moment, self.real_now)
        return self.moment

    def __enter__(self):
        self._saved = timezone.now
        timezone.now = self.now
        return self

    def __exit__(self, *exc):
        timezone.now = self._saved
        self.moment = self.real_now
        return False
