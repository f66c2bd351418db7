"""Notifications of the light duties, registered from `DutiesConfig.ready()`.

- `duty.proposed`: a proposal round was made; to the secretaries of the branches concerned and
  the township office, with the period and the number of proposals (they confirm on /duties/).
- `duty.assigned`: the secretary confirmed a member's duty (or exemption); to the member.
"""
from django.utils.translation import gettext_lazy as _

from notifications.events import EMAIL, IN_APP, SMS, EventType, event_register

EVENTS = (
    EventType("duty.proposed", _("Light duties proposed"), (IN_APP, EMAIL)),
    EventType("duty.assigned", _("A light duty was confirmed for you"), (IN_APP, SMS)),
)


def register() -> None:
    event_register(*EVENTS)
