"""A new township's home shows a set-up checklist (branches, roster, catalogue, roles) with links,
each step ticked from real data, until all are done (issue 14, item 6)."""
from __future__ import annotations

import re

import pytest
from django.db import connection

from accounts.models import Role
from tests.factories import BranchFactory, MemberFactory, VillageFactory
from tests.scoring.conftest import scoring_setup  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _home(client):
    try:
        return client.get("/t/alpha/").content.decode()
    finally:
        connection.set_schema_to_public()


def _todo_links(html: str) -> list[str]:
    return re.findall(r'<li class="todo">.*?<a href="([^"]+)">', html)


def test_checklist_ticks_each_step_from_real_data_until_done(client, make_user, township_a, in_township,  # noqa: PLR0913
                                                             scoring_setup):  # noqa: F811
    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    client.force_login(office)
    html = _home(client)
    assert "开始使用" in html
    assert _todo_links(html) == ["/t/alpha/branches/new/", "/t/alpha/roster/", "/t/alpha/scoring/catalogue/adopt/",
                                 "/t/alpha/people/"]
    with in_township(township_a):
        branch = BranchFactory(village=VillageFactory())
    assert _todo_links(_home(client)) == ["/t/alpha/roster/", "/t/alpha/scoring/catalogue/adopt/", "/t/alpha/people/"]
    assert '<li class="done">' in _home(client)
    with in_township(township_a):
        MemberFactory(branch=branch)
    scoring_setup(township_a)
    make_user(Role.MEMBER, township_a)  # a member's own login is not a working role
    assert _todo_links(_home(client)) == ["/t/alpha/people/"]
    make_user(Role.CLERK, township_a, village_ids=[branch.village_id])
    html = _home(client)
    assert "开始使用" not in html  # all done: the checklist is gone
    assert 'id="onboarding"' not in html


def test_checklist_is_for_the_office_and_the_county_only(client, make_user, township_a, township_b):
    client.force_login(make_user(Role.COUNTY_ADMIN))
    make_user(Role.CLERK, township_b, village_ids=[1])  # another township's roles do not tick alpha's step
    assert "/t/alpha/people/" in _todo_links(_home(client))
    client.force_login(make_user(Role.WORK_TEAM, township_a, village_ids=[1]))
    assert 'id="onboarding"' not in _home(client)
