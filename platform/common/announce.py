"""How the shell announces something to people without knowing how it is delivered.

The shell (accounts, audit, common) may not import notifications (one-way dependencies, see
README "Layout"). It calls `announce(...)`; the notifications app installs the implementation
(its transactional outbox, `notifications.services.notify`) from its AppConfig.ready().
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured


class Announcer(Protocol):
    def __call__(self, *, event: str, recipients: Iterable, context: dict, township=None, actor=None): ...


_announcer: Announcer | None = None


def announcer_install(announcer: Announcer) -> None:
    global _announcer
    _announcer = announcer


def announce(*, event: str, recipients: Iterable, context: dict, township=None, actor=None):
    """Send `event` to `recipients` in the caller's transaction (see the installed announcer)."""
    if _announcer is None:
        raise ImproperlyConfigured("No announcer installed: is the notifications app in INSTALLED_APPS?")
    return _announcer(event=event, recipients=recipients, context=context, township=township, actor=actor)


# --- secrets made at delivery time ------------------------------------------------------------------
class SecretContext(Protocol):
    def __call__(self, *, recipient, channel: str, context: dict) -> dict: ...


_secret_context: dict[str, SecretContext] = {}


def secret_context_register(event: str, provider: SecretContext) -> None:
    """Let `provider` add context to `event`'s messages when each one is sent (e-mail, SMS).

    For secrets (a password-reset link or code): they are made by the delivery itself, so they are
    never stored in the outbox (the notification's context) nor shown in the in-app inbox.
    """
    _secret_context[event] = provider


def secret_context(*, event: str, recipient, channel: str, context: dict) -> dict:
    provider = _secret_context.get(event)
    return provider(recipient=recipient, channel=channel, context=context) if provider else {}
