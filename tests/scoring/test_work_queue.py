"""Home pages as work queues: each role lands on what it must do today, with counts and links."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from common import clock
from common.workqueue import Action, Task, work_for, work_source_register, work_sources
from scoring.ledger.posting import Posting, ledger_post
from scoring.periods import calendar
from scoring.periods import services as periods
from tests.scoring.test_entries_services import create, review, world  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _queued(html: str, path: str) -> bool:
    """Whether the work queue (not the menu) links to `path`."""
    return re.search(rf'class="queue-item[^"]*"><a href="{re.escape(path)}', html) is not None


def _home(client, user) -> str:
    client.force_login(user)
    try:
        response = client.get("/t/alpha/")
        assert response.status_code == 200
        return response.content.decode()
    finally:
        connection.set_schema_to_public()


def test_clerk_home_offers_recording_and_lists_returned_entries(client, world, in_township):  # noqa: F811
    with in_township(world.township):
        entry = create(world)
        review(world, world.users.secretary, entry, decision="reject", reason="照片不清楚")
    html = _home(client, world.users.clerk)
    assert 'class="button primary big" href="/t/alpha/scoring/entries/new/"' in html
    assert "/t/alpha/scoring/entries/?mine=true&amp;status=rejected" in html
    assert '<span class="queue-count">1</span>' in html


def test_reviewer_home_counts_their_queue(client, world, in_township):  # noqa: F811
    with in_township(world.township):
        create(world)
        create(world, member_id=world.other.pk)
    html = _home(client, world.users.secretary)
    assert '<span class="queue-count">2</span>' in html
    assert _queued(html, "/t/alpha/scoring/reviews/")
    # The work team has nothing yet: the entries wait at the branch level.
    assert not _queued(_home(client, world.users.work_team), "/t/alpha/scoring/reviews/")


def test_office_home_shows_the_month_to_close_and_open_objections(client, world, in_township):  # noqa: F811
    today = clock.today(world.township)
    last_year, last_month = calendar.last_ended_month(today)
    html = _home(client, world.users.office)
    assert f"{last_year}-{last_month:02d}" in html
    assert _queued(html, "/t/alpha/scoring/periods/")
    with in_township(world.township):
        periods.month_close(year=last_year, month=last_month)
    assert f"{last_year}-{last_month:02d}" not in _home(client, world.users.office)


def test_member_home_points_to_the_open_notice(client, world, in_township, make_user):  # noqa: F811
    today = clock.today(world.township)
    # The last ended quarter, closed month by month and published now.
    start = calendar.month_index(today.year, calendar.quarter_months(calendar.quarter_of(today.month))[0])
    year, last_month = calendar.index_month(start - 1)
    with in_township(world.township):
        with transaction.atomic():
            ledger_post(postings=[Posting(kind="base", member_id=world.member.pk, points=Decimal("60"),
                                          occurred_on=dt.date(year, last_month, 1), scoring_year=year)], actor_id=None)
        periods.month_close(year=year, month=last_month)
        notice = periods.publication_open(actor=None, year=year, quarter=calendar.quarter_of(last_month))
    member_user = make_user("member", world.township, member_id=world.member.pk)
    html = _home(client, member_user)
    assert _queued(html, f"/t/alpha/scoring/periods/publications/{notice.pk}/")
    assert 'href="/t/alpha/scoring/card/"' in html


def test_home_queries_do_not_grow_with_the_entries(client, world, in_township):  # noqa: F811
    def queries() -> int:
        client.force_login(world.users.office)
        with CaptureQueriesContext(connection) as captured:
            client.get("/t/alpha/")
        connection.set_schema_to_public()
        return len(captured)

    with in_township(world.township):
        create(world)
    few = queries()
    with in_township(world.township):
        for _ in range(6):
            create(world, member_id=world.other.pk, points="1")
    assert queries() == few


def test_sources_are_registered_by_the_domains_and_sorted_by_urgency():
    assert {"scoring.ledger", "scoring.periods"} <= set(work_sources())
    work_source_register("test.sorting", lambda request: [
        Task("later", 1, "/a"), Task("overdue", 2, "/b", tone="danger"), Task("nothing", 0, "/c"),
        Action("start", "/d", primary=True)])
    try:
        request = type("R", (), {"access": None, "user": type("U", (), {"is_authenticated": False})()})()
        work = work_for(request)
    finally:
        from common import workqueue

        workqueue._sources["township"].pop("test.sorting")
    assert [t.label for t in work.tasks] == ["overdue", "later"]
    assert [a.label for a in work.actions] == ["start"]
    assert work.total == 3


def test_other_areas_add_their_work_to_the_office_home(client, world, in_township):  # noqa: F811
    """Spot checks, tips and staffing register their own sources; a village without a clerk is a gap
    on the office's home."""
    assert {"scoring.oversight", "scoring.tips", "staffing.clerks"} <= set(work_sources())
    html = _home(client, world.users.office)
    assert _queued(html, "/t/alpha/staffing/")  # the fixture's village has no clerk
