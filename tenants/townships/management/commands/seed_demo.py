"""`manage.py seed_demo [--small]`: the demo county, safe to run again.

Runs each app's demo step in the order of `settings.DEMO_STEPS` (the composition root's list):
the organisation first (`tenants.townships.demo`: county, townships, villages, branches, members,
a user per role), then each domain's (e.g. `scoring.demo`: a scoring year in progress relative
to the clock). Every step goes through the services and is idempotent. Tasks the services enqueue
run in this process, so no worker or broker is needed.
"""
from __future__ import annotations

import contextlib
import time

from celery import current_app
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management.base import BaseCommand
from django.test.utils import override_settings
from django.utils import translation
from django.utils.module_loading import import_string

from common.demo import DemoContext
from tenants.townships.demo import DEMO_PASSWORD


@contextlib.contextmanager
def _tasks_in_process():
    """Run tasks enqueued by the services (after commit) in this process, so no broker is needed.

    `township_create` enqueues provisioning; the organisation step has already provisioned by
    then, so the task finds the township ready and does nothing.
    """
    before = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    try:
        yield
    finally:
        current_app.conf.task_always_eager = before


class DemoPasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 with the iterations of generated passwords, for the demo accounts only.

    Their password is printed in the README, so key stretching protects nothing, and at full
    strength (~0.5 s each on a small machine) the demo's ~40 accounts cost half a minute of
    `make run`. Same algorithm name: Django checks these hashes and rehashes them at full
    strength on the first login (`must_update`)."""

    iterations = 50_000


@contextlib.contextmanager
def _quick_demo_passwords():
    default = PBKDF2PasswordHasher.__module__ + "." + PBKDF2PasswordHasher.__qualname__
    if settings.PASSWORD_HASHERS and settings.PASSWORD_HASHERS[0] == default:
        with override_settings(PASSWORD_HASHERS=[f"{__name__}.DemoPasswordHasher", *settings.PASSWORD_HASHERS]):
            yield
    else:  # e.g. the tests' fast hasher: leave it
        yield


def _townships_changed() -> None:
    """The seed bulk-writes rows (and their audit events) past the services, so it tells the
    county rollups itself that every township changed (`tenants.townships.rollups`)."""
    from django.db import transaction

    from tenants.townships.models import Township
    from tenants.townships.rollups import township_changed

    with transaction.atomic():
        for schema_name in Township.objects.exclude(schema_name="public").values_list("schema_name", flat=True):
            township_changed(schema_name=schema_name)


class Command(BaseCommand):
    help = "Create (or complete) the demo county: every app's demo data, in the order of settings.DEMO_STEPS."

    def add_arguments(self, parser):
        parser.add_argument("--small", action="store_true",
                            help="One township, 2 villages, 6 branches, 20 members (for tests).")

    def handle(self, *args, small: bool = False, verbosity: int = 1, **options):
        def say(text: str) -> None:
            if verbosity > 1:
                self.stdout.write(text)

        ctx = DemoContext(small=small, say=say)
        started = time.monotonic()
        with _tasks_in_process(), _quick_demo_passwords():
            for path in settings.DEMO_STEPS:
                t0 = time.monotonic()
                import_string(path)(ctx)
                say(f"{path}: {time.monotonic() - t0:.1f} s")
            _townships_changed()
        total = time.monotonic() - started
        made = ", ".join(f"{k} {v}" for k, v in ctx.created.items() if v) or "nothing (already complete)"
        self.stdout.write(f"seed_demo: created {made} in {total:.1f} s")
        self.stdout.write(f"\nDemo logins (password: {DEMO_PASSWORD})")
        with translation.override(settings.LANGUAGE_CODE):
            for username, role, where in ctx.logins:
                self.stdout.write(f"  {username:<13} {role!s:<12}  {where}")
