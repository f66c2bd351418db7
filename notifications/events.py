"""The registry of notification event types: code -> label, default channels, reminder or not.

Subject and body of each event live in Django templates
`notifications/events/<code>.<language>.txt` (first line = subject, the rest = body), one per
language in settings.LANGUAGES; `render_message` picks the recipient's language.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import translation
from django.utils.translation import gettext_lazy as _

IN_APP = "in_app"
EMAIL = "email"
SMS = "sms"
CHANNELS = (IN_APP, EMAIL, SMS)
CHANNEL_LABELS = {IN_APP: _("In the app"), EMAIL: _("E-mail"), SMS: _("SMS")}


@dataclass(frozen=True)
class EventType:
    code: str
    label: str
    channels: tuple[str, ...]
    reminder: bool = False


_EVENTS = [
    EventType("township.provisioned", _("Township ready"), (IN_APP, EMAIL)),
    EventType("township.provisioning_failed", _("Township provisioning failed"), (IN_APP, EMAIL, SMS)),
    EventType("account.created", _("Account created"), (IN_APP, EMAIL)),
    EventType("roster.import_finished", _("Roster import finished"), (IN_APP, EMAIL)),
    EventType("roster.import_failed", _("Roster import failed"), (IN_APP, EMAIL)),
    EventType("entry.awaiting_review", _("Points entry awaiting review"), (IN_APP,)),
    EventType("entry.approved", _("Points entry approved"), (IN_APP,)),
    EventType("entry.rejected", _("Points entry rejected"), (IN_APP, SMS)),
    EventType("month.closed", _("Month closed"), (IN_APP, EMAIL)),
    EventType("publication.opened", _("Publication opened"), (IN_APP, SMS)),
    EventType("objection.answered", _("Objection answered"), (IN_APP, SMS)),
    EventType("review.waiting", _("Reminder: entries waiting for review"), (IN_APP, EMAIL), reminder=True),
    EventType("month.closing", _("Reminder: the month is closing"), (IN_APP, EMAIL, SMS), reminder=True),
    EventType("publication.opening", _("Reminder: publication opens soon"), (IN_APP,), reminder=True),
    EventType("publication.closing", _("Reminder: publication closes soon"), (IN_APP, SMS), reminder=True),
]
EVENTS: dict[str, EventType] = {event.code: event for event in _EVENTS}
EVENT_CHOICES = [(event.code, event.label) for event in _EVENTS]


class UnknownEvent(LookupError):
    pass


def event_get(code: str) -> EventType:
    try:
        return EVENTS[code]
    except KeyError:
        raise UnknownEvent(code) from None


def _language_for(language: str | None) -> str:
    supported = [code for code, _label in settings.LANGUAGES]
    return language if language in supported else settings.LANGUAGE_CODE


def render_message(*, event: str, language: str | None, context: dict) -> tuple[str, str]:
    """(subject, body) of `event` in `language` (falls back to the default language)."""
    language = _language_for(language)
    try:
        template = get_template(f"notifications/events/{event}.{language}.txt")
    except TemplateDoesNotExist:
        template = get_template(f"notifications/events/{event}.{settings.LANGUAGE_CODE}.txt")
    with translation.override(language):
        text = template.render(context).strip()
    subject, _sep, body = text.partition("\n")
    return subject.strip(), body.strip()
