"""`organisation.refresh_elderly_flags` (eager): the daily job that flags members aged 70 or more.

"Today" is the township's date: alpha is moved to UTC-12 (Etc/GMT+12) for these tests, so its date
is a day behind Asia/Shanghai for 20 hours of every day, and the members on the boundary show
which date the job used.
"""
from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import AuditEvent
from common.tasks import TenantContextMissing
from tenants.organisation.models import Member
from tenants.organisation.tasks import refresh_elderly_flags
from tenants.townships.models import Township
from tests.factories import MemberFactory

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]

ALPHA_TIME_ZONE = "Etc/GMT+12"  # POSIX sign: UTC-12


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@pytest.fixture
def alpha(township_a):
    Township.objects.filter(pk=township_a.pk).update(time_zone=ALPHA_TIME_ZONE)
    township_a.refresh_from_db()
    return township_a


@pytest.fixture
def alpha_members(alpha, in_township):
    """Alpha's members by role in the test; birth dates relative to alpha's own date."""
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(ALPHA_TIME_ZONE))
    turns_70_today = _years_before(today, 70)
    with in_township(alpha):
        members = {
            "70 today": MemberFactory(birth_date=turns_70_today),
            "70 tomorrow": MemberFactory(birth_date=turns_70_today + dt.timedelta(days=1)),
            "85": MemberFactory(birth_date=_years_before(today, 85)),
            "69": MemberFactory(birth_date=_years_before(today, 69)),
            "already flagged": MemberFactory(birth_date=_years_before(today, 90), is_elderly=True),
            "deceased 80": MemberFactory(birth_date=_years_before(today, 80), status=Member.Status.DECEASED),
            "transferred out 75": MemberFactory(
                birth_date=_years_before(today, 75), status=Member.Status.TRANSFERRED_OUT,
            ),
        }
    return {label: member.pk for label, member in members.items()}


@pytest.fixture
def beta_members(township_b, in_township):
    """Beta's members: two who would qualify, untouched by a run in alpha."""
    with in_township(township_b):
        return [MemberFactory(birth_date=dt.date(1940, 1, 2)).pk, MemberFactory(birth_date=dt.date(1950, 6, 7)).pk]


def _state(township, in_township):
    """(elderly flags by member pk, elderly audit events as (object id, before, after, actor label))."""
    with in_township(township):
        flags = dict(Member.objects.values_list("pk", "is_elderly"))
        events = sorted(
            AuditEvent.objects.filter(action="member.flag_elderly")
            .values_list("object_id", "before", "after", "actor_label")
        )
    return flags, events


def _run_in(township, in_township) -> int:
    with in_township(township):
        return refresh_elderly_flags.delay().get()


def test_flags_exactly_active_members_aged_70_in_the_townships_date(alpha, alpha_members, in_township):
    flagged = [alpha_members["70 today"], alpha_members["85"]]

    assert _run_in(alpha, in_township) == 2

    flags, events = _state(alpha, in_township)
    assert flags == {
        alpha_members["70 today"]: True,
        alpha_members["70 tomorrow"]: False,
        alpha_members["85"]: True,
        alpha_members["69"]: False,
        alpha_members["already flagged"]: True,
        alpha_members["deceased 80"]: False,
        alpha_members["transferred out 75"]: False,
    }
    assert events == sorted(
        (str(pk), {"is_elderly": False}, {"is_elderly": True}, "system") for pk in flagged
    )


def test_running_twice_changes_nothing_more(alpha, alpha_members, in_township):
    assert _run_in(alpha, in_township) == 2
    after_first = _state(alpha, in_township)
    audit_total = _audit_total(alpha, in_township)

    assert _run_in(alpha, in_township) == 0

    assert _state(alpha, in_township) == after_first
    assert _audit_total(alpha, in_township) == audit_total


def test_run_in_alpha_leaves_beta_untouched(alpha, alpha_members, beta_members, township_b, in_township):
    beta_before = _state(township_b, in_township)
    assert beta_before == (dict.fromkeys(beta_members, False), [])
    public_events = AuditEvent.objects.filter(action="member.flag_elderly").count()

    assert _run_in(alpha, in_township) == 2

    assert _state(township_b, in_township) == beta_before
    assert AuditEvent.objects.filter(action="member.flag_elderly").count() == public_events == 0

    assert _run_in(township_b, in_township) == 2  # beta's own run flags beta's own members
    assert _state(township_b, in_township)[0] == dict.fromkeys(beta_members, True)


def test_job_in_the_public_schema_fails_and_changes_nothing(alpha, alpha_members, in_township):
    before = _state(alpha, in_township)
    assert connection.schema_name == "public"

    with pytest.raises(TenantContextMissing):
        refresh_elderly_flags.delay()

    assert _state(alpha, in_township) == before
    assert AuditEvent.objects.filter(action="member.flag_elderly").count() == 0


def _audit_total(township, in_township) -> int:
    with in_township(township):
        return AuditEvent.objects.count()


def test_statements_do_not_grow_with_the_members_flagged(alpha, alpha_members, in_township):
    from django.test.utils import CaptureQueriesContext

    from tenants.organisation.services import members_refresh_elderly

    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(ALPHA_TIME_ZONE))
    with in_township(alpha):
        with CaptureQueriesContext(connection) as two:
            assert members_refresh_elderly(today=today) == 2
        more = [MemberFactory(birth_date=_years_before(today, 71 + i)).pk for i in range(6)]
        with CaptureQueriesContext(connection) as six:
            assert members_refresh_elderly(today=today) == 6
        with CaptureQueriesContext(connection) as none:
            assert members_refresh_elderly(today=today) == 0
    def statements(captured):  # the search path is set once per connection, whichever run comes first
        return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith("SET search_path")]

    # the select, the events, the township change for the county rollups, the flags
    assert len(statements(six)) == len(statements(two)) == 6
    assert len(statements(none)) == 3  # nothing to flag: no writes at all
    flags, events = _state(alpha, in_township)
    assert all(flags[pk] for pk in more)
    assert [e[0] for e in events] == sorted(str(pk) for pk in [alpha_members["70 today"], alpha_members["85"], *more])
