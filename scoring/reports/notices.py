"""Notifications of reports from members away, registered from `ReportsConfig.ready()`.

- `report.submitted`: to the clerks of the member's village and the branch's secretaries.
- `report.returned`: to the member, with the branch's reason.
- `report.due` (reminder, daily at 09:05): members away with no thought report for the quarter
  are reminded in the last `NOTIFY_REPORT_DUE_DAYS` days (default 14) before the quarter ends,
  once per quarter and person (`services.reminder_send` keys it by the quarter).
"""
from __future__ import annotations

import datetime as dt

from celery.schedules import crontab
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from common import clock
from notifications import services
from notifications.events import IN_APP, SMS, EventType, event_register
from notifications.reminders import ReminderRule, reminder_rule_register, setting_days

EVENTS = (
    EventType("report.submitted", _("A member away submitted a report"), (IN_APP,)),
    EventType("report.returned", _("Your report was returned"), (IN_APP, SMS)),
    EventType("report.due", _("Reminder: this quarter's thought report"), (IN_APP, SMS), reminder=True),
)


def report_due_days() -> int:
    return setting_days("NOTIFY_REPORT_DUE_DAYS", 14)


@transaction.atomic
def remind_reports_due(*, township, now: dt.datetime | None = None) -> int:
    """Remind members away who owe this quarter's thought report, when the quarter ends within
    `report_due_days()` days. Returns the number of people reminded now."""
    from accounts.models import Role, RoleAssignment, User
    from scoring.reports.selectors import members_owing_thought_report, quarter_end, quarter_of

    today = clock.today(township, at=now)
    year, quarter = quarter_of(today)
    deadline = quarter_end(year, quarter)
    if (deadline - today).days >= report_due_days():
        return 0
    owing = {m.pk: m for m in members_owing_thought_report(year=year, quarter=quarter)}
    if not owing:
        return 0
    sent = 0
    holders = (RoleAssignment.objects.filter(township=township, role=Role.MEMBER, member_id__in=list(owing))
               .values_list("user_id", "member_id").order_by("member_id", "user_id"))
    users = {u.pk: u for u in User.objects.filter(is_active=True, pk__in=[user_id for user_id, _m in holders])}
    for user_id, member_id in holders:
        user = users.get(user_id)
        if user is None:
            continue
        notification = services.reminder_send(
            kind="report.due", township=township, period_key=f"{year}Q{quarter}", recipients=[user],
            context={"member_name": owing[member_id].name, "period": f"{year}Q{quarter}",
                     "deadline": deadline.isoformat()})
        sent += notification is not None
    return sent


def register() -> None:
    event_register(*EVENTS)
    reminder_rule_register(ReminderRule("report.due", lambda **kw: remind_reports_due(**kw),
                                        crontab(hour=9, minute=5)))
