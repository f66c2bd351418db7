"""Reminder rules, registered by the apps that own them, and the one job that runs them.

A domain app describes each reminder as a `ReminderRule` (the reminder's event code, a function
that decides who is reminded today and sends through `services.reminder_send`, and when it
runs) and registers it from its AppConfig.ready() with `reminder_rule_register`, next to its
event types (`events.event_register`). Registering a rule adds its beat entry: the task
`notifications.run_reminder` with the rule's code, once per ready township through
`common.dispatch_to_townships`. Notifications knows nothing of the domains: it keeps the outbox,
the per-person idempotency (`services.reminder_send`) and this registry.
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from common import clock
from common.errors import DomainError
from common.schedule import periodic
from notifications.events import event_get

UNKNOWN_REMINDER = "unknown reminder rule"


@dataclass(frozen=True)
class ReminderRule:
    """`run(township=..., now=...)` sends the reminders due at `now` and returns how many
    notifications it wrote; it must be idempotent (send through `services.reminder_send`)."""

    kind: str
    run: Callable[..., int]
    schedule: object  # a celery schedule (crontab or seconds)


RULES: dict[str, ReminderRule] = {}


def reminder_rule_register(rule: ReminderRule) -> None:
    if not event_get(rule.kind).reminder:
        raise ValueError(f"{rule.kind} is not a registered reminder event")
    RULES[rule.kind] = rule
    periodic(f"remind-{rule.kind}", "notifications.run_reminder", rule.schedule, rule.kind)


def reminder_run(*, kind: str, township, now: dt.datetime | None = None) -> int:
    """Run the registered rule `kind` in `township` (the connection's schema)."""
    try:
        rule = RULES[kind]
    except KeyError:
        raise DomainError(UNKNOWN_REMINDER) from None
    return rule.run(township=township, now=now or clock.now())


def setting_days(name: str, default: int) -> int:
    """A reminder's day count: Django setting `name`, else the environment, else `default`."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return int(value)
