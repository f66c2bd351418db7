"""The ranking page does the work of the page it shows (issue 13 item 7): it ranks in the
database and fetches only its 50 rows, counts without ranking, and reads the list of years from
the township's cache instead of scanning the ledger on every view."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from scoring.ledger.posting import Posting, ledger_post
from scoring.ledger.years import ledger_years
from scoring.periods.selectors import RankingPageSource, ranking_for
from tests.factories import BranchFactory, MemberFactory, VillageFactory

pytestmark = pytest.mark.django_db


def view(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    connection.set_schema_to_public()
    assert response.status_code == 200, path
    return response.content.decode(), [q["sql"] for q in captured if not q["sql"].startswith("SET search_path")]


def post_points(members, year: int, points=lambda i: Decimal(i % 7), kind="base"):
    with transaction.atomic():
        ledger_post(actor_id=None, postings=[
            Posting(kind=kind, member_id=m.pk, points=points(i), occurred_on=dt.date(year, 3, 1), scoring_year=year)
            for i, m in enumerate(members)])


@pytest.fixture
def township(township_a, in_township):
    """Two villages of alpha with 60 and 20 members, points in 2025."""
    with in_township(township_a):
        east, west = VillageFactory(name="东村"), VillageFactory(name="西村")
        members = ([MemberFactory(branch=BranchFactory(village=east), name=f"东村员{i:02d}") for i in range(3)]
                   + MemberFactory.create_batch(57, branch=BranchFactory(village=east))
                   + MemberFactory.create_batch(20, branch=BranchFactory(village=west)))
        post_points(members, 2025)
    return type("T", (), {"township": township_a, "east": east, "west": west, "members": members})


def test_the_page_fetches_only_its_rows_and_its_cost_does_not_grow(client, make_user, township, in_township,
                                                                  django_capture_on_commit_callbacks):
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township.township))
    view(client, "/t/alpha/scoring/periods/ranking/?year=2025")  # warms the years' cache
    html, few = view(client, "/t/alpha/scoring/periods/ranking/?year=2025&page=2")
    assert html.count("/card/?year=2025") == 30  # 80 members, 50 a page
    ranking_sql = [sql for sql in few if "RANK() OVER" in sql]
    assert len(ranking_sql) == 1
    assert ranking_sql[0].rstrip().endswith("LIMIT 30 OFFSET 50")  # rows 51 to 80
    # No scan of the ledger or of the yearly totals for the list of years: it comes from the cache.
    assert [sql for sql in few if "ledger_ledgerentry" in sql or ("memberyeartotal" in sql and "RANK()" not in sql)] == []

    with in_township(township.township), django_capture_on_commit_callbacks(execute=True):
        more = MemberFactory.create_batch(120, branch=BranchFactory(village=township.west))
        post_points(more, 2025)  # a year the cached list holds: the list is not recomputed
    _html, many = view(client, "/t/alpha/scoring/periods/ranking/?year=2025&page=2")
    assert len(many) == len(few)


def test_ranks_stay_township_wide_under_scope_search_and_paging(client, make_user, township, in_township):
    with in_township(township.township):
        office_rows = RankingPageSource(access=_access(make_user(Role.TOWNSHIP_OFFICE, township.township),
                                                       township.township), scoring_year=2025)
        everyone = office_rows[:]
        assert len(office_rows) == 80
        assert office_rows[50:100] == everyone[50:]
        assert office_rows[3] == everyone[3]
        clerk = make_user(Role.CLERK, township.township, village_ids=[township.west.pk])
        clerk_rows = RankingPageSource(access=_access(clerk, township.township), scoring_year=2025)
        assert clerk_rows[:] == ranking_for(access=_access(clerk, township.township), scoring_year=2025)
        assert len(clerk_rows) == 20
        assert {row.rank for row in clerk_rows[:]} <= {row.rank for row in everyone}
        searched = RankingPageSource(access=_access(clerk, township.township), scoring_year=2025, name="东村员")
        assert searched[:] == []  # the east village's members are outside the clerk's scope
        east = RankingPageSource(access=_access(make_user(Role.TOWNSHIP_OFFICE, township.township),
                                                township.township), scoring_year=2025, name="东村员0")
        assert east[:] == [row for row in everyone if "东村员0" in row.name]
        assert len(east) == 3


def _access(user, township):
    from accounts.access import access_for

    return access_for(user, township)


def test_the_years_come_from_the_cache_until_a_new_year_is_posted(township, in_township,
                                                                  django_capture_on_commit_callbacks):
    with in_township(township.township):
        with CaptureQueriesContext(connection) as first:
            assert ledger_years() == [2025]
        with CaptureQueriesContext(connection) as second:
            assert ledger_years() == [2025]
        assert len([q for q in first if "memberyeartotal" in q["sql"]]) == 1
        assert len(second) == 0

        with django_capture_on_commit_callbacks(execute=True):
            post_points(MemberFactory.create_batch(2, branch=township.members[0].branch), 2025)
        assert ledger_years() == [2025]
        with django_capture_on_commit_callbacks(execute=False) as pending:
            post_points(township.members[:2], 2026)
        assert ledger_years() == [2025]  # not committed yet: readers keep the old list
        for callback in pending:
            callback()
        assert ledger_years() == [2026, 2025]


def test_each_township_has_its_own_years(township, township_b, in_township):
    with in_township(township.township):
        assert ledger_years() == [2025]
    with in_township(township_b):
        assert ledger_years() == []


def test_a_posting_that_adds_to_existing_totals_never_reaches_the_cache(township, in_township,
                                                                          django_capture_on_commit_callbacks):
    """Only a posting that starts a member's yearly total (as a year new to the township must) can
    change the list; the others, nearly every approval, do not even read the cache."""
    from django.core.cache import cache

    with in_township(township.township):
        assert ledger_years() == [2025]
        calls = []
        with mock.patch.object(cache, "get", side_effect=lambda *a, **k: calls.append(a)), \
                django_capture_on_commit_callbacks(execute=True) as adding:
            post_points(township.members[:3], 2025, kind="adjustment")
        assert (calls, adding) == ([], [])
        with django_capture_on_commit_callbacks(execute=True) as starting:
            post_points(township.members[:1], 2027)
        assert len(starting) == 1
        assert ledger_years() == [2027, 2025]
