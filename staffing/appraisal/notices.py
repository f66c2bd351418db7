"""Notifications of appraisal and pay, registered from `AppraisalConfig.ready()`; sent by
`services.py` inside the change's transaction (deliveries go out after commit).

- `appraisal.period_opened`: a new appraisal period was opened (township office).
- `appraisal.result_ready`: a clerk's appraisal was recorded or recomputed (the clerk, who may comment).
- `appraisal.commented`: the clerk commented on their appraisal (township office).
- `pay.sheet_approved`: a month's pay sheet was approved (each clerk on it: their own slip only).
"""
from __future__ import annotations

from django.db import connection
from django.utils.translation import gettext_lazy as _

from notifications.events import EMAIL, IN_APP, EventType, event_register
from notifications.selectors import recipients_in_township, township_office_users
from notifications.services import notify

EVENTS = (
    EventType("appraisal.period_opened", _("An appraisal period was opened"), (IN_APP,)),
    EventType("appraisal.result_ready", _("Your appraisal result is ready"), (IN_APP, EMAIL)),
    EventType("appraisal.commented", _("A clerk commented on their appraisal"), (IN_APP,)),
    EventType("pay.sheet_approved", _("Your pay slip is ready"), (IN_APP, EMAIL)),
)


def register() -> None:
    event_register(*EVENTS)


def _township():
    township = connection.tenant
    return None if township is None or getattr(township, "is_county", True) else township


def _user(user_id: int | None):
    from accounts.models import User

    return User.objects.filter(pk=user_id, is_active=True).first() if user_id else None


def period_opened(period, *, actor=None) -> None:
    township = _township()
    office = list(township_office_users(township=township)) if township else []
    if office:
        notify(event="appraisal.period_opened", recipients=office, township=township, actor=actor,
               context={"starts_on": period.starts_on.isoformat(), "ends_on": period.ends_on.isoformat(),
                        "kind": period.kind, "period_id": period.pk})


def result_ready(appraisal, *, actor=None) -> None:
    township = _township()
    user = _user(appraisal.clerk.user_id)
    people = recipients_in_township(township=township, users=[user]) if township and user else []
    if people:
        notify(event="appraisal.result_ready", recipients=people, township=township, actor=actor,
               context={"clerk": appraisal.clerk.name, "starts_on": appraisal.period.starts_on.isoformat(),
                        "ends_on": appraisal.period.ends_on.isoformat(), "grade": appraisal.grade,
                        "score": str(appraisal.score), "coefficient": str(appraisal.coefficient),
                        "appraisal_id": appraisal.pk})


def commented(appraisal, *, actor=None) -> None:
    township = _township()
    office = [u for u in township_office_users(township=township) if u.pk != appraisal.clerk.user_id] \
        if township else []
    if office:
        notify(event="appraisal.commented", recipients=office, township=township, actor=actor,
               context={"clerk": appraisal.clerk.name, "starts_on": appraisal.period.starts_on.isoformat(),
                        "ends_on": appraisal.period.ends_on.isoformat(), "comment": appraisal.clerk_comment,
                        "appraisal_id": appraisal.pk})


def sheet_approved(sheet, *, actor=None) -> int:
    """One notification per clerk with an account on the sheet, naming only their own total."""
    from collections import defaultdict
    from decimal import Decimal

    township = _township()
    if township is None:
        return 0
    totals: dict[int, Decimal] = defaultdict(Decimal)
    names: dict[int, str] = {}
    for line in sheet.lines.select_related("clerk").exclude(clerk__user_id=None):
        totals[line.clerk.user_id] += line.total
        names[line.clerk.user_id] = line.clerk.name
    from accounts.models import User

    users = list(User.objects.filter(pk__in=list(totals), is_active=True))
    sent = 0
    for user in recipients_in_township(township=township, users=users):
        notify(event="pay.sheet_approved", recipients=[user], township=township, actor=actor,
               context={"clerk": names[user.pk], "month": f"{sheet.year}-{sheet.month:02d}",
                        "total": str(totals[user.pk]), "sheet_id": sheet.pk})
        sent += 1
    return sent
