"""Big tables: the ranking is paged, searchable and exportable (issue 14, item 4)."""
from __future__ import annotations

import io

import openpyxl
import pytest
from django.db import connection

from accounts.models import Role
from tests.factories import BranchFactory, MemberFactory

pytestmark = pytest.mark.django_db


def _get(client, path):
    try:
        return client.get(path)
    finally:
        connection.set_schema_to_public()


def test_ranking_pages_search_and_excel(client, make_user, township_a, in_township, scoring_setup):
    scoring_setup(township_a)
    with in_township(township_a):
        branch = BranchFactory(name="大支部")
        for i in range(55):
            MemberFactory(branch=branch, name=f"党员{i:02d}")
        MemberFactory(branch=branch, name="=HYPERLINK(1)")
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))
    first = _get(client, "/t/alpha/scoring/periods/ranking/").content.decode()
    assert first.count("/card/?year=") == 50
    assert "page=2" in first
    second = _get(client, "/t/alpha/scoring/periods/ranking/?page=2").content.decode()
    assert second.count("/card/?year=") == 6
    found = _get(client, "/t/alpha/scoring/periods/ranking/?q=党员07").content.decode()
    assert found.count("/card/?year=") == 1
    response = _get(client, "/t/alpha/scoring/periods/ranking/?format=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.getvalue())).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 1 + 56  # every row, not a page
    cell = next(c for r in rows for c in r if c == "=HYPERLINK(1)")
    assert cell == "=HYPERLINK(1)"  # kept as text
