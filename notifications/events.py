"""The registry of notification event types: code -> label, default channels, reminder or not.

Each app that sends notifications registers its event types here (`event_register`, from its
AppConfig.ready()); the registry is complete once Django has set up the apps.

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
    """`link`: where the notification leads, a path under its township's prefix (or under the
    county's root when it has no township), formatted with the notification's context, e.g.
    "scoring/entries/{entry_id}/"; empty when there is nothing to open."""

    code: str
    label: str
    channels: tuple[str, ...]
    reminder: bool = False
    link: str = ""
    # Urgent (a password reset): sent at once, never held for quiet hours or a digest; only on
    # the event's own channels, and only where the recipient has an address for the channel.
    urgent: bool = False


# The foundation's own events (townships, accounts, roster imports). A domain app registers its
# events from its AppConfig.ready() with `event_register`; notifications never imports a domain.
EVENTS: dict[str, EventType] = {}


class DuplicateEvent(ValueError):
    pass


def event_register(*events: EventType) -> None:
    """Add event types to the registry (idempotent for the same definition)."""
    for event in events:
        if event.code in EVENTS and EVENTS[event.code] != event:
            raise DuplicateEvent(event.code)
        EVENTS[event.code] = event


def event_choices() -> list[tuple[str, str]]:
    """(code, label) of every registered event, for model, form and filter choices."""
    return [(event.code, event.label) for event in EVENTS.values()]


event_register(
    EventType("township.provisioned", _("Township ready"), (IN_APP, EMAIL)),
    EventType("township.provisioning_failed", _("Township provisioning failed"), (IN_APP, EMAIL, SMS)),
    EventType("account.created", _("Account created"), (IN_APP, EMAIL)),
    EventType("account.password_reset", _("Password reset"), (EMAIL, SMS), urgent=True),
    EventType("roster.import_finished", _("Roster import finished"), (IN_APP, EMAIL)),
    EventType("roster.import_failed", _("Roster import failed"), (IN_APP, EMAIL)),
)


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


def event_link(notification) -> str:
    """The page a notification is about (see `EventType.link`), or "" when there is none or the
    context lacks what the link needs."""
    event = EVENTS.get(notification.event)
    if event is None or not event.link:
        return ""
    try:
        path = event.link.format(**(notification.context or {}))
    except (KeyError, IndexError, ValueError):
        return ""
    township = notification.township
    prefix = township.url_prefix() if township is not None and not township.is_county else "/"
    return prefix + path
