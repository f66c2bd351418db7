"""Spot-check notifications: `check.assigned` (the team, when a check is drawn or opened) and the
reminder `check.due` (the team of an open check due within `NOTIFY_CHECK_DUE_DAYS` township-local
days, once per check)."""
from __future__ import annotations

import datetime as dt

from celery.schedules import crontab
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from common import clock
from notifications import services
from notifications.events import IN_APP, SMS, EventType, event_register
from notifications.reminders import ReminderRule, reminder_rule_register, setting_days

EVENTS = (
    EventType("check.assigned", _("Spot check assigned"), (IN_APP, SMS), link="oversight/checks/{check_id}/"),
    EventType("check.due", _("Reminder: a spot check is due"), (IN_APP, SMS), reminder=True, link="oversight/checks/{check_id}/"),
)


def check_due_days() -> int:
    return setting_days("NOTIFY_CHECK_DUE_DAYS", 3)


@transaction.atomic
def remind_check_due(*, township, now: dt.datetime | None = None) -> int:
    from scoring.oversight.models import Check

    today = clock.today(township, at=now)
    sent = 0
    for check in Check.objects.filter(status=Check.Status.OPEN, due_on__lte=today + dt.timedelta(
            days=check_due_days())).select_related("village"):
        users = list(get_user_model().objects.filter(pk__in=check.team.values_list("user_id", flat=True),
                                                     is_active=True))
        if users and services.reminder_send(kind="check.due", township=township, period_key=f"check-{check.pk}",
                                            recipients=users, context={"check_id": check.pk,
                                                                       "village": check.village.name,
                                                                       "due_on": check.due_on.isoformat()}):
            sent += 1
    return sent


def register() -> None:
    event_register(*EVENTS)
    reminder_rule_register(ReminderRule("check.due", lambda **kw: remind_check_due(**kw), crontab(hour=9, minute=20)))
