"""The tips' notifications, registered from `TipsConfig.ready()`.

- `tip.assigned`: a handler was given a tip (sent by `services.tip_assign`).
- `tip.due`: reminder, daily, for open tips due within `NOTIFY_TIP_DUE_DAYS` days (default 3) or
  overdue: to the assigned handler, else to every supervision office and discipline commission
  user of the township; once a township-local day per person. The message names no reporter.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from celery.schedules import crontab
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from common import clock
from notifications import services
from notifications.events import EMAIL, IN_APP, EventType, event_register
from notifications.reminders import ReminderRule, reminder_rule_register, setting_days

EVENTS = (
    EventType("tip.assigned", _("A tip was assigned to you"), (IN_APP, EMAIL), link="tips/{tip_id}/"),
    EventType("tip.due", _("Reminder: tips due"), (IN_APP, EMAIL), reminder=True, link="tips/"),
)


def tip_due_days() -> int:
    return setting_days("NOTIFY_TIP_DUE_DAYS", 3)


@transaction.atomic
def remind_tips_due(*, township, now: dt.datetime | None = None) -> list:
    """Remind handlers of open tips due within `tip_due_days()` days (or overdue). Returns the
    notifications written (one per group of people with the same counts)."""
    from scoring.tips.selectors import tip_handlers, tips_due

    now = now or clock.now()
    today = clock.today(township, at=now)
    tips = list(tips_due(until=today + dt.timedelta(days=tip_due_days())))
    if not tips:
        return []
    handlers = {user.pk: user for user in tip_handlers()}
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for tip in tips:
        people = [tip.assigned_to_id] if tip.assigned_to_id in handlers else list(handlers)
        for user_id in people:
            counts[user_id][0] += 1
            counts[user_id][1] += int(tip.due_on < today)
    groups: dict[tuple[int, int], list] = defaultdict(list)
    for user_id in sorted(counts):
        groups[tuple(counts[user_id])].append(handlers[user_id])
    sent = []
    for (count, overdue), recipients in sorted(groups.items()):
        notification = services.reminder_send(
            kind="tip.due", township=township, period_key=today.isoformat(), recipients=recipients,
            context={"count": count, "overdue": overdue, "days": tip_due_days()})
        if notification is not None:
            sent.append(notification)
    return sent


def register() -> None:
    event_register(*EVENTS)
    reminder_rule_register(ReminderRule("tip.due", lambda **kw: len(remind_tips_due(**kw)), crontab(hour=8, minute=35)))
