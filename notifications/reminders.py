"""Reminders about the scoring year's work (issue 3 §5), one daily beat job per ready township.

Each function runs inside the township's schema (`notifications.tasks`, dispatched by
`common.dispatch_to_townships`), reads scoring data only through the scoring selectors and sends
through `services.reminder_send`, so it is idempotent per reminder, period and person: running
it twice, or on two workers at once, reminds nobody twice.

- `review.waiting`: entries whose current review level (or the township office's late-entry
  approval) has waited more than `NOTIFY_REVIEW_WAITING_DAYS` days; once a township-local day
  per person, with that person's counts.
- `publication.opening`: the quarter's last month is closed but the quarter is still not
  published `NOTIFY_PUBLICATION_OPENING_DAYS` days after it ended; once per quarter, to the
  township office.
- `publication.closing`: an open publication's objection period ends within
  `NOTIFY_PUBLICATION_CLOSING_DAYS` township-local days; once per publication version, to the
  township's branch secretaries and members.

The day counts come from Django settings, else from the environment, else the defaults.
"""
from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from notifications import services
from notifications.models import Notification
from notifications.selectors import township_office_users, township_users
from scoring.ledger.selectors import (
    entries_waiting_at_level,
    entry_level_deciders,
    late_entries_waiting,
    late_entry_deciders,
)
from scoring.periods.selectors import publications_closing, quarter_closed_unpublished


def _days(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return int(value)


def review_waiting_days() -> int:
    return _days("NOTIFY_REVIEW_WAITING_DAYS", 3)


def publication_opening_days() -> int:
    return _days("NOTIFY_PUBLICATION_OPENING_DAYS", 3)


def publication_closing_days() -> int:
    return _days("NOTIFY_PUBLICATION_CLOSING_DAYS", 1)


def _local_today(township, now: dt.datetime) -> dt.date:
    return timezone.localdate(now, timezone=township.time_zone_info())


def _quarter_name(year: int, quarter: int) -> str:
    # The same label as the publication's own notification ("2026年第三季度").
    from scoring.periods.services import quarter_name

    return quarter_name(year, quarter)


# --- review.waiting ------------------------------------------------------------------------------
@transaction.atomic
def remind_review_waiting(*, township, now: dt.datetime | None = None) -> list[Notification]:
    """Remind each person who may decide entries that have waited at their level (or, for the
    township office, for late-entry approval) more than `review_waiting_days()` days.

    One reminder per person and township-local day (period key "YYYY-MM-DD"); people with the
    same counts share one notification. Context: `count` (all waiting entries of that person),
    `review_count`, `late_count` and `days`. Returns the notifications written.
    """
    now = now or services.clock()
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
    period_key = _local_today(township, now).isoformat()
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


# --- publication.opening -------------------------------------------------------------------------
def remind_publication_opening(*, township, now: dt.datetime | None = None) -> Notification | None:
    """Remind the township office when the quarter that ended last has its last month closed but
    no publication `publication_opening_days()` or more days after it ended (township-local
    dates); once per quarter (period key "YYYY-Qn")."""
    now = now or services.clock()
    today = _local_today(township, now)
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


# --- publication.closing -------------------------------------------------------------------------
@transaction.atomic
def remind_publication_closing(*, township, now: dt.datetime | None = None) -> list[Notification]:
    """Remind the township's branch secretaries and members when an open publication's objection
    period ends today or within `publication_closing_days()` township-local days; once per
    publication version (period key "pub-<id>"). Returns the notifications written."""
    now = now or services.clock()
    zone = township.time_zone_info()
    last_day = _local_today(township, now) + dt.timedelta(days=publication_closing_days())
    before = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    recipients = list(township_users(township=township, roles=(Role.BRANCH_SECRETARY, Role.MEMBER)))
    sent = []
    for publication in publications_closing(after=now, before=before):
        notification = services.reminder_send(
            kind="publication.closing", township=township, period_key=f"pub-{publication.pk}",
            recipients=recipients,
            context={"month": _quarter_name(publication.year, publication.quarter),
                     "closes_on": timezone.localtime(publication.objections_close_at, zone).date().isoformat(),
                     "publication_id": publication.pk, "version": publication.version},
        )
        if notification is not None:
            sent.append(notification)
    return sent

