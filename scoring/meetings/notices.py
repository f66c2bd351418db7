"""Meeting notifications: `meeting.remote_submitted` (the branch's clerks and secretary, when a member
away confirms remote attendance) and the reminder `meeting.overdue` (the branch's clerks and
secretary and the township office, once per branch, kind and missed period)."""
from __future__ import annotations

import datetime as dt

from celery.schedules import crontab
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from notifications import services
from notifications.events import IN_APP, SMS, EventType, event_register
from notifications.reminders import ReminderRule, reminder_rule_register

EVENTS = (
    EventType("meeting.remote_submitted", _("A member confirmed remote attendance"), (IN_APP,)),
    EventType("meeting.overdue", _("Reminder: a branch meeting is overdue"), (IN_APP, SMS), reminder=True),
)


def branch_recorders(branch, *, township, office: bool = False) -> list:
    """Active users who record meetings for `branch` in `township`: clerks of its village (or its
    parent's), its secretary, and (with `office`) the township office."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from accounts.models import Role, RoleAssignment

    village_ids = {v for v in (branch.village_id, getattr(branch.parent, "village_id", None)) if v}
    condition = Q(role=Role.BRANCH_SECRETARY, branch_id__in={branch.pk, branch.parent_id} - {None})
    if village_ids:
        condition |= Q(role=Role.CLERK, village_ids__overlap=list(village_ids))
    if office:
        condition |= Q(role=Role.TOWNSHIP_OFFICE)
    user_ids = RoleAssignment.objects.filter(condition, township=township).values_list("user_id", flat=True)
    return list(get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))


@transaction.atomic
def remind_overdue(*, township, now: dt.datetime | None = None) -> int:
    """One reminder per branch, kind and missed period (idempotent through the reminder registry)."""
    from scoring.meetings.selectors import overdue

    sent = 0
    for row in overdue(today=None, township=township, now=now):
        users = branch_recorders(row.branch, township=township, office=True)
        key = f"meeting-{row.branch.pk}-{row.kind}-{row.period_start.isoformat()}"
        if users and services.reminder_send(kind="meeting.overdue", township=township, period_key=key,
                                            recipients=users, context={
                                                "branch": row.branch.name, "kind": str(row.kind_label),
                                                "period_start": row.period_start.isoformat(),
                                                "period_end": row.period_end.isoformat()}):
            sent += 1
    return sent


def register() -> None:
    event_register(*EVENTS)
    reminder_rule_register(ReminderRule("meeting.overdue", lambda **kw: remind_overdue(**kw),
                                        crontab(hour=9, minute=40)))
