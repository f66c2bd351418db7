"""Test fixtures: a real PostgreSQL with two townships (schemas) made once per session.

Each test runs in a transaction that is rolled back (pytest-django's `db`), so rows made in a
test vanish; the township schemas made here stay for the session.
"""
from __future__ import annotations

import contextlib

import pytest
from django.db import connection
from django_tenants.utils import schema_exists, tenant_context

from config.celery import app as celery_app

# Register every app's tasks (a worker does this at start-up) so dispatching by name works.
celery_app.loader.import_default_modules()

TOWNSHIP_CODES = ("alpha", "beta")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from tenants.townships.models import Domain, Township
    from tenants.townships.services import county_ensure, schema_name_for

    with django_db_blocker.unblock():
        county_ensure()
        for code in TOWNSHIP_CODES:
            township, _ = Township.objects.get_or_create(
                code=code,
                defaults={"name": f"{code.title()} 镇", "schema_name": schema_name_for(code),
                          "status": Township.Status.READY},
            )
            Domain.objects.get_or_create(domain=code, defaults={"tenant": township, "is_primary": True})
            if not schema_exists(township.schema_name):
                township.create_schema(check_if_exists=True, sync_schema=True, verbosity=0)
        connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing costs ~1 s per user on this machine; tests don't need its strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _eager_celery_and_public_schema():
    """Tasks run in-process unless a test starts a real worker; every test starts in public."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    connection.set_schema_to_public()
    yield
    celery_app.conf.task_always_eager = False
    connection.set_schema_to_public()


@pytest.fixture
def township_a(db):
    from tenants.townships.models import Township

    return Township.objects.get(code="alpha")


@pytest.fixture
def township_b(db):
    from tenants.townships.models import Township

    return Township.objects.get(code="beta")


@pytest.fixture
def in_township():
    """`with in_township(t): ...` runs the block in t's schema, then returns to public."""

    @contextlib.contextmanager
    def _enter(township):
        with tenant_context(township):
            yield township
        connection.set_schema_to_public()

    return _enter


@pytest.fixture
def make_user(db):
    """make_user(role, township=None, **scope) -> a user holding that role."""
    from accounts.models import Role
    from tests.factories import RoleFactory, UserFactory

    def _make(role=None, township=None, username=None, **scope):
        user = UserFactory(**({"username": username} if username else {}))
        if role is not None:
            RoleFactory(user=user, role=role, township=None if role == Role.COUNTY_ADMIN else township, **scope)
        return user

    return _make
