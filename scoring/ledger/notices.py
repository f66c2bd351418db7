"""The ledger's notifications: its event types and the "reviews waiting too long" reminder.

Registered with the notifications app from `LedgerConfig.ready()` (`register()`).

- `review.waiting`: entries whose current review level (or the township office's late-entry
  approval) has waited more than `NOTIFY_REVIEW_WAITING_DAYS` days; once a township-local day
  per person, with that person's counts.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from celery.schedules import crontab
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from common import clock
from notifications import services
from notifications.events import EMAIL, IN_APP, SMS, EventType, event_register
from notifications.reminders import ReminderRule, reminder_rule_register, setting_days
from scoring.ledger.selectors import (
    entries_waiting_at_level,
    entry_level_deciders,
    late_entries_waiting,
    late_entry_deciders,
)

EVENTS = (
    EventType("entry.awaiting_review", _("Points entry awaiting review"), (IN_APP,), link="scoring/entries/{entry_id}/"),
    EventType("entry.approved", _("Points entry approved"), (IN_APP,), link="scoring/entries/{entry_id}/"),
    EventType("entry.rejected", _("Points entry rejected"), (IN_APP, SMS), link="scoring/entries/{entry_id}/"),
    EventType("review.waiting", _("Reminder: entries waiting for review"), (IN_APP, EMAIL), reminder=True, link="scoring/reviews/"),
)


def review_waiting_days() -> int:
    return setting_days("NOTIFY_REVIEW_WAITING_DAYS", 3)


@transaction.atomic
def remind_review_waiting(*, township, now: dt.datetime | None = None) -> list:
    """Remind each person who may decide entries that have waited at their level (or, for the
    township office, for late-entry approval) more than `review_waiting_days()` days.

    One reminder per person and township-local day (period key "YYYY-MM-DD"); people with the
    same counts share one notification. Context: `count` (all waiting entries of that person),
    `review_count`, `late_count` and `days`. Returns the notifications written.
    """
    now = now or clock.now()
    days = review_waiting_days()
    since = now - dt.timedelta(days=days)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    people: dict[int, object] = {}
    for column, deciders in (
        (0, entry_level_deciders(entries_waiting_at_level(since=since))),
        (1, late_entry_deciders(late_entries_waiting(since=since))),
    ):
        for users in deciders.values():
            for user in users:
                people[user.pk] = user
                counts[user.pk][column] += 1
    groups: dict[tuple[int, int], list] = defaultdict(list)
    for user_id in sorted(counts):
        groups[tuple(counts[user_id])].append(people[user_id])
    period_key = clock.today(township, at=now).isoformat()
    sent = []
    for (review_count, late_count), recipients in sorted(groups.items()):
        notification = services.reminder_send(
            kind="review.waiting", township=township, period_key=period_key, recipients=recipients,
            context={"count": review_count + late_count, "review_count": review_count, "late_count": late_count,
                     "days": days},
        )
        if notification is not None:
            sent.append(notification)
    return sent


def register() -> None:
    event_register(*EVENTS)
    reminder_rule_register(ReminderRule(
        "review.waiting", lambda **kw: len(remind_review_waiting(**kw)), crontab(hour=9, minute=5)))
