"""Dues reminders, registered from `DuesConfig.ready()`: once a month (the 5th, 09:15), for the
months of the year that have ended,

- `dues.arrears`: each member in arrears who signs in (member role) is told the amount;
- `dues.branch_arrears`: the clerks of the village and the branch's secretaries get the branch's
  count and total.

Both are idempotent per month and person (`services.reminder_send` with the month as key).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from celery.schedules import crontab
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common import clock
from notifications import services
from notifications.events import IN_APP, SMS, EventType, event_register
from notifications.reminders import ReminderRule, reminder_rule_register

EVENTS = (
    EventType("dues.arrears", _("Reminder: Party dues in arrears"), (IN_APP, SMS), reminder=True),
    EventType("dues.branch_arrears", _("Reminder: members in arrears with their dues"), (IN_APP,), reminder=True),
)


def _last_ended_month(today: dt.date) -> tuple[int, int]:
    previous = today.replace(day=1) - dt.timedelta(days=1)
    return previous.year, previous.month


def _arrears(today: dt.date):
    from scoring.dues.selectors import member_dues
    from tenants.organisation.models import Branch

    year, month = _last_ended_month(today)
    rows = [r for r in member_dues(branch_ids=list(Branch.objects.values_list("pk", flat=True)), year=year,
                                   through=month) if r.arrears > 0]
    return year, month, rows


@transaction.atomic
def remind_member_arrears(*, township, now: dt.datetime | None = None) -> int:
    from accounts.models import Role, RoleAssignment, User

    year, month, rows = _arrears(clock.today(township, at=now))
    owing = {r.member_id: r for r in rows}
    holders = (RoleAssignment.objects.filter(township=township, role=Role.MEMBER, member_id__in=list(owing))
               .values_list("user_id", "member_id").order_by("member_id", "user_id"))
    users = {u.pk: u for u in User.objects.filter(is_active=True, pk__in=[u for u, _m in holders])}
    sent = 0
    for user_id, member_id in holders:
        if user_id in users and services.reminder_send(
                kind="dues.arrears", township=township, period_key=f"{year}-{month:02d}", recipients=[users[user_id]],
                context={"member_name": owing[member_id].name, "arrears": str(owing[member_id].arrears),
                         "through": f"{year}-{month:02d}"}):
            sent += 1
    return sent


@transaction.atomic
def remind_branch_arrears(*, township, now: dt.datetime | None = None) -> int:
    from accounts.models import Role, RoleAssignment, User
    from tenants.organisation.models import Branch

    year, month, rows = _arrears(clock.today(township, at=now))
    per_branch: dict[int, list] = defaultdict(list)
    for row in rows:
        per_branch[row.branch_id].append(row)
    sent = 0
    for branch in Branch.objects.filter(pk__in=list(per_branch)).select_related("parent").order_by("pk"):
        village_id = branch.village_id or (branch.parent.village_id if branch.parent_id else None)
        condition = Q(role=Role.BRANCH_SECRETARY, branch_id__in=[branch.pk, branch.parent_id or 0])
        if village_id:
            condition |= Q(role=Role.CLERK, village_ids__contains=[village_id])
        ids = RoleAssignment.objects.filter(condition, township=township).values("user_id")
        users = list(User.objects.filter(is_active=True, pk__in=ids).order_by("pk"))
        owing = per_branch[branch.pk]
        if users and services.reminder_send(
                kind="dues.branch_arrears", township=township, period_key=f"{year}-{month:02d}-b{branch.pk}",
                recipients=users, context={"branch": branch.name, "count": len(owing),
                                           "total": str(sum((r.arrears for r in owing), Decimal("0"))),
                                           "through": f"{year}-{month:02d}"}):
            sent += 1
    return sent


def register() -> None:
    event_register(*EVENTS)
    reminder_rule_register(ReminderRule("dues.arrears", lambda **kw: remind_member_arrears(**kw),
                                        crontab(day_of_month=5, hour=9, minute=15)))
    reminder_rule_register(ReminderRule("dues.branch_arrears", lambda **kw: remind_branch_arrears(**kw),
                                        crontab(day_of_month=5, hour=9, minute=20)))
