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
    return branches_recorders([branch], township=township, office=office)[branch.pk]


def branches_recorders(branches, *, township, office: bool = False) -> dict[int, list]:
    """`branch_recorders` of each of `branches` (with their `parent` loaded), by branch id, in one
    query whatever the number of branches: the township's secretaries, clerks and (with `office`)
    office, matched to each branch here."""
    from accounts.models import Role, RoleAssignment

    roles = [Role.BRANCH_SECRETARY, Role.CLERK] + ([Role.TOWNSHIP_OFFICE] if office else [])
    assignments = list(RoleAssignment.objects.filter(township=township, role__in=roles, user__is_active=True)
                       .select_related("user").order_by("user_id"))
    result = {}
    for branch in branches:
        parent = branch.parent if branch.parent_id else None
        village_ids = {v for v in (branch.village_id, getattr(parent, "village_id", None)) if v}
        branch_ids = {branch.pk, branch.parent_id} - {None}
        users = {}
        for assignment in assignments:
            if ((assignment.role == Role.BRANCH_SECRETARY and assignment.branch_id in branch_ids)
                    or (assignment.role == Role.CLERK and village_ids.intersection(assignment.village_ids or ()))
                    or assignment.role == Role.TOWNSHIP_OFFICE):
                users.setdefault(assignment.user_id, assignment.user)
        result[branch.pk] = list(users.values())
    return result


@transaction.atomic
def remind_overdue(*, township, now: dt.datetime | None = None) -> int:
    """One reminder per branch, kind and missed period (idempotent through the reminder registry).
    A fixed number of statements whatever the number of branches: the board, the recipients, and
    one batch of reminders (`services.reminders_send`)."""
    from scoring.meetings.selectors import overdue

    rows = overdue(today=None, township=township, now=now)
    if not rows:
        return 0
    recorders = branches_recorders({row.branch.pk: row.branch for row in rows}.values(), township=township,
                                   office=True)
    items = [
        services.ReminderItem(
            period_key=f"meeting-{row.branch.pk}-{row.kind}-{row.period_start.isoformat()}",
            recipients=recorders[row.branch.pk],
            context={"branch": row.branch.name, "kind": str(row.kind_label),
                     "period_start": row.period_start.isoformat(), "period_end": row.period_end.isoformat()})
        for row in rows if recorders[row.branch.pk]
    ]
    return sum(1 for notification in services.reminders_send(kind="meeting.overdue", township=township, items=items)
               if notification is not None)


def register() -> None:
    event_register(*EVENTS)
    reminder_rule_register(ReminderRule("meeting.overdue", lambda **kw: remind_overdue(**kw),
                                        crontab(hour=9, minute=40)))
