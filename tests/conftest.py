"""Test fixtures: a real PostgreSQL with two townships (schemas) made once per session.

Each test runs in a transaction that is rolled back (pytest-django's `db`), so rows made in a
test vanish; the township schemas made here stay for the session.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import uuid
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django_tenants.utils import schema_exists, tenant_context

from config.celery import app as celery_app

# Register every app's tasks (a worker does this at start-up) so dispatching by name works.
celery_app.loader.import_default_modules()

TOWNSHIP_CODES = ("alpha", "beta")

# --- the clock -----------------------------------------------------------------------------------
# The product reads one clock (common.clock); every test runs with it pinned, so no outcome
# depends on the real date or time of day. time-machine moves Python's clock as a whole (so also
# `auto_now_add` fields and Celery's eager tasks); it stands still until a test moves it.
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DEFAULT_MOMENT = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
# A module marked `pytestmark = pytest.mark.date_sensitive` runs every test once at each of these
# moments: month and year boundaries in the township's time zone, where date bugs live.
PINNED_MOMENTS = {
    "first-of-month": dt.datetime(2027, 3, 1, 0, 20, tzinfo=SHANGHAI),
    "last-of-month": dt.datetime(2027, 4, 30, 21, 30, tzinfo=SHANGHAI),
    "new-years-eve": dt.datetime(2026, 12, 31, 23, 40, tzinfo=SHANGHAI),
    "new-years-day": dt.datetime(2027, 1, 1, 0, 10, tzinfo=SHANGHAI),
}


def pytest_configure(config):
    config.addinivalue_line("markers", "date_sensitive: run every test of the module at each PINNED_MOMENTS moment")


def pytest_generate_tests(metafunc):
    if metafunc.definition.get_closest_marker("date_sensitive"):
        metafunc.fixturenames.append("pinned_moment")
        metafunc.parametrize("pinned_moment", list(PINNED_MOMENTS.values()), ids=list(PINNED_MOMENTS), indirect=True)


@pytest.fixture
def pinned_moment(request):
    return getattr(request, "param", DEFAULT_MOMENT)


class Clock:
    """The tests' handle on the product's clock: `clock.set(moment)` moves it (it stands still
    there), `clock.now()` / `clock.today()` read it (today in Asia/Shanghai)."""

    def __init__(self, traveller):
        self._traveller = traveller

    def set(self, moment: dt.datetime) -> dt.datetime:
        assert moment.tzinfo is not None, "pin the clock to an aware moment"
        self._traveller.move_to(moment)
        return moment

    def advance(self, **delta) -> dt.datetime:
        self._traveller.shift(dt.timedelta(**delta))
        return self.now()

    @staticmethod
    def now() -> dt.datetime:
        from common import clock

        return clock.now()

    def today(self) -> dt.date:
        return self.now().astimezone(SHANGHAI).date()


@pytest.fixture(autouse=True)
def clock(pinned_moment):
    """Every test runs with the clock pinned (DEFAULT_MOMENT, or each PINNED_MOMENTS moment in a
    date-sensitive module); a test moves it with `clock.set(...)`."""
    with time_machine.travel(pinned_moment, tick=False) as traveller:
        yield Clock(traveller)


@pytest.fixture
def set_clock(clock):
    """set_clock(aware datetime): move the product's clock there."""
    return clock.set


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
def _own_cache_keys():
    """Every test sees a cache of its own (a fresh key prefix on the shared Redis), so login
    throttles and counters never carry over from another test or run."""
    from django.core.cache import cache

    previous = cache.key_prefix
    cache.key_prefix = f"test-{uuid.uuid4().hex[:12]}"
    yield
    cache.key_prefix = previous


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
def no_stored_rollups(db):
    """No stored county figures at the start (inside the test's transaction): a test that committed
    some (a browser test, a real worker) must not serve them to a later test whose factory rows
    changed a township without an audit event (`tenants.townships.rollups`)."""
    from tenants.townships.models import TownshipRollup

    TownshipRollup.objects.all().delete()


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
