"""Rotation-limit reminders to the township office, 6 months and 1 month ahead of every clerk's limit
in their current village; once per clerk, village, limit date and lead (period key), so the daily
beat run is idempotent. Registered from `ClerksConfig.ready()`."""
from __future__ import annotations

import datetime as dt

from celery.schedules import crontab
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from common import clock
from notifications import services
from notifications.events import IN_APP, EventType, event_register
from notifications.reminders import ReminderRule, reminder_rule_register
from notifications.selectors import township_office_users

EVENTS = (EventType("clerk.rotation_due", _("Reminder: a clerk reaches the rotation limit"), (IN_APP,),
                    reminder=True, link="staffing/"),)
LEADS = (("6m", 183), ("1m", 31))


@transaction.atomic
def remind_rotation_due(*, township, now: dt.datetime | None = None) -> list:
    from staffing.clerks.selectors import limits_coming
    from staffing.clerks.services import township_limit_days

    today = clock.today(township, at=now)
    limit = township_limit_days()
    recipients = list(township_office_users(township=township))
    sent = []
    for lead, days in LEADS:
        for row in limits_coming(today=today, within_days=days, limit=limit):
            notification = services.reminder_send(
                kind="clerk.rotation_due", township=township,
                period_key=f"c{row.clerk_id}v{row.village_id}-{row.limit_on:%Y%m%d}-{lead}",
                recipients=recipients,
                context={"clerk": row.clerk_name, "clerk_id": row.clerk_id, "village_id": row.village_id,
                         "limit_on": row.limit_on.isoformat(), "lead": lead},
            )
            if notification is not None:
                sent.append(notification)
    return sent


def register() -> None:
    event_register(*EVENTS)
    reminder_rule_register(ReminderRule("clerk.rotation_due", lambda **kw: len(remind_rotation_due(**kw)),
                                        crontab(hour=9, minute=20)))
