"""Period pages (issue 14 defects): ranking and month names link to the points card; the month's
long head hash wraps and can be copied instead of widening the page on a phone."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import Role
from tests.scoring.test_periods_views import _get, notice  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_ranking_and_month_names_link_to_the_points_card(client, make_user, township_a, notice):  # noqa: F811
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))
    ranking = _get(client, "/t/alpha/scoring/periods/ranking/?year=2026").content.decode()
    assert f'<a href="/t/alpha/scoring/members/{notice.m1.pk}/card/?year=2026">张一</a>' in ranking
    assert f'<a href="/t/alpha/scoring/members/{notice.m3.pk}/card/?year=2026">赵三</a>' in ranking
    month = _get(client, "/t/alpha/scoring/periods/months/2026/2/").content.decode()
    assert f'<a href="/t/alpha/scoring/members/{notice.m1.pk}/card/">张一</a>' in month
    # The linked card opens for the office.
    assert _get(client, f"/t/alpha/scoring/members/{notice.m1.pk}/card/?year=2026").status_code == 200


def test_month_hash_wraps_and_has_a_copy_button(client, make_user, township_a, notice):  # noqa: F811
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))
    month = _get(client, "/t/alpha/scoring/periods/months/2026/2/").content.decode()
    assert re.search(r'<code class="hash" id="month-head-hash">[0-9a-f]{64}</code>', month)
    assert 'data-copy="month-head-hash"' in month
    static = Path(settings.BASE_DIR) / "platform" / "common" / "static" / "common"
    css = (static / "app.css").read_text()
    assert re.search(r"code, \.hash \{[^}]*overflow-wrap: anywhere", css)
    assert "[data-copy]" in (static / "app.js").read_text()


def test_english_print_page_has_no_chinese_dates(client, make_user, township_a, notice):  # noqa: F811
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))
    client.cookies["django_language"] = "en"
    printed = _get(client, f"/t/alpha/scoring/periods/publications/{notice.publication.pk}/print/").content.decode()
    assert "Objection period:" in printed
    assert not re.search(r"\d+年\d+月\d+日", printed)
    client.cookies["django_language"] = "zh-hans"
    printed = _get(client, f"/t/alpha/scoring/periods/publications/{notice.publication.pk}/print/").content.decode()
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", printed)
