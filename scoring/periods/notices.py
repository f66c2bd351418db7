"""The scoring periods' notifications: month close, quarterly publication and objections, and
their reminders. Registered with the notifications app from `PeriodsConfig.ready()`.

- `month.closing`: the month ends in `NOTIFY_MONTH_CLOSING_DAYS` days or fewer (township-local
  dates); once per month and person, to the township office.
- `publication.opening`: the quarter's last month is closed but the quarter is still not
  published `NOTIFY_PUBLICATION_OPENING_DAYS` days after it ended; once per quarter, to the
  township office.
- `publication.closing`: an open publication's objection period ends within
  `NOTIFY_PUBLICATION_CLOSING_DAYS` township-local days; once per publication version, to the
  township's branch secretaries and members.
"""
from __future__ import annotations

import calendar as std_calendar
import datetime as dt

from celery.schedules import crontab
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from common import clock
from notifications import services
from notifications.events import EMAIL, IN_APP, SMS, EventType, event_register
from notifications.reminders import ReminderRule, reminder_rule_register, setting_days
from notifications.selectors import township_office_users, township_users
from scoring.periods.selectors import publications_closing, quarter_closed_unpublished

EVENTS = (
    EventType("month.closed", _("Month closed"), (IN_APP, EMAIL), link="scoring/periods/"),
    EventType("publication.opened", _("Publication opened"), (IN_APP, SMS), link="scoring/periods/publications/"),
    EventType("objection.raised", _("Objection raised"), (IN_APP, SMS), link="scoring/periods/objections/{objection_id}/answer/"),
    EventType("objection.answered", _("Objection answered"), (IN_APP, SMS), link="scoring/periods/publications/"),
    EventType("month.closing", _("Reminder: the month is closing"), (IN_APP, EMAIL, SMS), reminder=True, link="scoring/periods/"),
    EventType("publication.opening", _("Reminder: publication opens soon"), (IN_APP,), reminder=True, link="scoring/periods/"),
    EventType("publication.closing", _("Reminder: publication closes soon"), (IN_APP, SMS), reminder=True, link="scoring/periods/publications/"),
)


def month_closing_days() -> int:
    return setting_days("NOTIFY_MONTH_CLOSING_DAYS", 3)


def publication_opening_days() -> int:
    return setting_days("NOTIFY_PUBLICATION_OPENING_DAYS", 3)


def publication_closing_days() -> int:
    return setting_days("NOTIFY_PUBLICATION_CLOSING_DAYS", 1)


def _quarter_name(year: int, quarter: int) -> str:
    # The same label as the publication's own notification ("2026年第三季度").
    from scoring.periods.services import quarter_name

    return quarter_name(year, quarter)


def remind_month_closing(*, township, now: dt.datetime | None = None):
    """Remind the township office that the month ends in `month_closing_days()` days or fewer
    (township-local dates), once per month and person."""
    today = clock.today(township, at=now)
    month_end = today.replace(day=std_calendar.monthrange(today.year, today.month)[1])
    days_left = (month_end - today).days
    if days_left > month_closing_days():
        return None
    return services.reminder_send(
        kind="month.closing", township=township, period_key=f"{today:%Y-%m}",
        recipients=list(township_office_users(township=township)),
        context={"month": f"{today:%Y-%m}", "month_end": month_end.isoformat(), "days_left": days_left},
    )


def remind_publication_opening(*, township, now: dt.datetime | None = None):
    """Remind the township office when the quarter that ended last has its last month closed but
    no publication `publication_opening_days()` or more days after it ended (township-local
    dates); once per quarter (period key "YYYY-Qn")."""
    today = clock.today(township, at=now)
    quarter_start_month = 3 * ((today.month - 1) // 3) + 1
    quarter_end = dt.date(today.year, quarter_start_month, 1) - dt.timedelta(days=1)
    year, quarter = quarter_end.year, (quarter_end.month - 1) // 3 + 1
    days_since = (today - quarter_end).days
    if days_since < publication_opening_days():
        return None
    close = quarter_closed_unpublished(year=year, quarter=quarter)
    if close is None:
        return None
    return services.reminder_send(
        kind="publication.opening", township=township, period_key=f"{year}-Q{quarter}",
        recipients=list(township_office_users(township=township)),
        context={"month": _quarter_name(year, quarter), "last_month": f"{close.year}-{close.month:02d}",
                 "quarter_end": quarter_end.isoformat(), "days": days_since},
    )


@transaction.atomic
def remind_publication_closing(*, township, now: dt.datetime | None = None) -> list:
    """Remind the township's branch secretaries and members when an open publication's objection
    period ends today or within `publication_closing_days()` township-local days; once per
    publication version (period key "pub-<id>"). Returns the notifications written."""
    now = now or clock.now()
    zone = clock.zone_of(township)
    last_day = clock.today(township, at=now) + dt.timedelta(days=publication_closing_days())
    before = clock.start_of_day(last_day + dt.timedelta(days=1), zone=zone)
    recipients = list(township_users(township=township, roles=(Role.BRANCH_SECRETARY, Role.MEMBER)))
    sent = []
    for publication in publications_closing(after=now, before=before):
        notification = services.reminder_send(
            kind="publication.closing", township=township, period_key=f"pub-{publication.pk}",
            recipients=recipients,
            context={"month": _quarter_name(publication.year, publication.quarter),
                     "closes_on": clock.today(at=publication.objections_close_at, zone=zone).isoformat(),
                     "publication_id": publication.pk, "version": publication.version},
        )
        if notification is not None:
            sent.append(notification)
    return sent


def _count(result) -> int:
    if result is None:
        return 0
    return len(result) if isinstance(result, list) else 1


def register() -> None:
    event_register(*EVENTS)
    for kind, run, schedule in (
        ("month.closing", remind_month_closing, crontab(hour=9, minute=0)),
        ("publication.opening", remind_publication_opening, crontab(hour=9, minute=10)),
        ("publication.closing", remind_publication_closing, crontab(hour=9, minute=15)),
    ):
        reminder_rule_register(ReminderRule(kind, lambda run=run, **kw: _count(run(**kw)), schedule))
