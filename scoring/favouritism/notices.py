"""Notifications of the favouritism signals, registered from `FavouritismConfig.ready()`.

- `signals.flagged`: a closed month's computation raised flags; to the township office, with the
  month and the number of flags (the list is on /t/<code>/oversight/signals/).
"""
from django.utils.translation import gettext_lazy as _

from notifications.events import EMAIL, IN_APP, EventType, event_register

EVENTS = (EventType("signals.flagged", _("Favouritism signals flagged"), (IN_APP, EMAIL), link="oversight/signals/"),)


def register() -> None:
    event_register(*EVENTS)
