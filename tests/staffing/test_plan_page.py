"""The rotation plan page names what the planner could not satisfy (villages and clerks by name)."""
import datetime as dt

import pytest

from accounts.models import Role
from tests.staffing.test_clerks_views import _req, corps  # noqa: F401 - the shared fixture

pytestmark = pytest.mark.django_db


def test_the_plan_page_names_unplaced_clerks_and_short_villages(client, make_user, township_a, in_township,
                                                                corps, clock):  # noqa: F811
    clock.set(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    with in_township(township_a):
        # 王小明 reaches the limit in 东村 within six months, and 西村 is his home: nowhere to go.
        corps.mine.home_village = corps.v2
        corps.mine.save(update_fields=["home_village"])
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))
    proposed = _req(client, "post", "/t/alpha/staffing/plans/propose/")
    assert proposed.status_code == 302
    page = _req(client, "get", proposed["Location"]).content.decode()
    unplaced = page.split("没有合适去处的专职：")[1].split("</p>")[0]
    assert "王小明" in unplaced
    assert str(corps.mine.pk) not in unplaced.replace("王小明", "")  # a name, not an id
