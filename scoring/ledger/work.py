"""Scoring's part of the home work queues: recording points, reviews, late entries."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db.models import Count, Min
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common import clock
from common.workqueue import Action, Task
from scoring.ledger.models import Entry
from scoring.ledger.selectors import entry_scope, late_queue, review_queue

# Entries waiting this long at one review level are "stuck" for the office.
STUCK_AFTER = dt.timedelta(days=3)
RETURNED_WITHIN = dt.timedelta(days=60)


def _waiting_note(oldest: dt.datetime | None, now: dt.datetime) -> str:
    if oldest is None:
        return ""
    days = (now - oldest).days
    if days < 1:
        return _("oldest waiting less than a day")
    return ngettext("oldest waiting %(days)d day", "oldest waiting %(days)d days", days) % {"days": days}


def _entries_url(**filters) -> str:
    return f"{reverse('scoring_ledger:entry_list')}?{urlencode(filters)}"


def ledger_work(request):
    access = getattr(request, "access", None)
    user = request.user
    if access is None or not user.is_authenticated:
        return []
    now = clock.now()
    items = []
    if access.can_enter_points:
        items.append(Action(_("Record points"), reverse("scoring_ledger:entry_create"), primary=True, order=10))
        items.append(Action(_("My entries"), _entries_url(mine="true"), order=20))
        returned = Entry.objects.filter(entered_by_id=user.pk, status=Entry.Status.REJECTED,
                                        decided_at__gte=now - RETURNED_WITHIN).count()
        items.append(Task(_("Entries returned to you"), returned, _entries_url(mine="true", status="rejected"),
                          tone="warn", order=20))
    if access.review_levels:
        waiting = review_queue(access=access, user_id=user.pk).aggregate(n=Count("id"), oldest=Min("entered_at"))
        tone = "warn" if waiting["oldest"] and now - waiting["oldest"] > STUCK_AFTER else ""
        items.append(Task(_("Entries waiting for your review"), waiting["n"], reverse("scoring_ledger:review_queue"),
                          tone=tone, note=_waiting_note(waiting["oldest"], now), order=10))
    if access.runs_scoring:
        late = late_queue(access=access).aggregate(n=Count("id"), oldest=Min("entered_at"))
        items.append(Task(_("Late entries to approve"), late["n"], reverse("scoring_ledger:late_queue"),
                          tone="warn" if late["n"] else "", note=_waiting_note(late["oldest"], now), order=10))
        stuck = (entry_scope(access).filter(status=Entry.Status.IN_REVIEW, entered_at__lt=now - STUCK_AFTER)
                 .aggregate(n=Count("id"), oldest=Min("entered_at")))
        items.append(Task(_("Entries stuck in review for more than 3 days"), stuck["n"],
                          _entries_url(status="in_review"), tone="warn", note=_waiting_note(stuck["oldest"], now),
                          order=30))
    return items
