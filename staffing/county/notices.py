"""Notifications of the county's staffing decisions, registered from `StaffingCountyConfig.ready()`.

- `career.proposed`: a township office proposed a clerk for an established post or removal (county
  admins; sent by `services.career_propose`).
- `career.decided`: the county decided a career proposal (the township office, in the township; the clerk,
  as a county-level notification so that a removed clerk still reads it; `services.career_decide`).
- `pay.exception_decided`: the county approved or refused a pay floor exception (the township office;
  `services.pay_exception_decide`).
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from notifications.events import EMAIL, IN_APP, EventType, event_register

EVENTS = (
    EventType("career.proposed", _("A clerk was proposed for an established post or removal"), (IN_APP, EMAIL)),
    EventType("career.decided", _("The county decided a clerk career proposal"), (IN_APP, EMAIL)),
    EventType("pay.exception_decided", _("The county decided a pay floor exception"), (IN_APP,)),
)


def register() -> None:
    event_register(*EVENTS)
