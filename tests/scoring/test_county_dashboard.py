"""The county's scoring dashboard: exact figures per township in a fixed number of statements."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from common import clock
from scoring.county.dashboard import county_dashboard
from scoring.ledger.models import Entry, LedgerEntry, MemberYearTotal
from scoring.ledger.posting import Posting, ledger_post
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _post(township, in_township, totals: list[str], year: int):
    with in_township(township):
        members = [MemberFactory(name=f"成员{i}") for i in range(len(totals))]
        with transaction.atomic():
            ledger_post(postings=[Posting(kind="base", member_id=m.pk, points=Decimal(t),
                                          occurred_on=dt.date(year, 1, 1), scoring_year=year)
                                  for m, t in zip(members, totals, strict=True)], actor_id=None)
    connection.set_schema_to_public()


def test_figures_match_a_recount_in_each_township(township_a, township_b, in_township):
    year = clock.today().year
    _post(township_a, in_township, ["60", "70", "80"], year)
    _post(township_b, in_township, ["50"], year)
    board = county_dashboard(year=year)
    by_code = {f.code: f for f in board.townships}
    for township in (township_a, township_b):
        with in_township(township):
            totals = sorted(MemberYearTotal.objects.filter(scoring_year=year).values_list("total", flat=True))
            in_review = Entry.objects.filter(status=Entry.Status.IN_REVIEW).count()
            rows = LedgerEntry.objects.count()
        connection.set_schema_to_public()
        figure = by_code[township.code]
        assert figure.scored == len(totals)
        assert figure.min_points == totals[0]
        assert figure.max_points == totals[-1]
        assert figure.avg_points == sum(totals) / len(totals)
        assert figure.in_review == in_review
        assert rows >= len(totals)
    assert by_code["alpha"].median == 70
    assert board.totals["scored"] == 4


def test_statements_do_not_grow_with_townships(township_a, township_b):
    from tenants.townships.models import Township

    with CaptureQueriesContext(connection) as two:
        county_dashboard()
    # The same count with one township fewer in the ready set.
    Township.objects.filter(pk=township_b.pk).update(status=Township.Status.ARCHIVED)
    with CaptureQueriesContext(connection) as one:
        county_dashboard()
    assert len(two) == len(one) <= 8  # township list, seals, two UNION ALLs, search_path resets


def test_page_charts_table_and_excel(client, make_user, township_a, in_township):
    year = clock.today().year
    _post(township_a, in_township, ["61", "62"], year)
    client.force_login(make_user("county_admin"))
    html = client.get("/scoring/dashboard/").content.decode()
    assert 'data-chart-source="chart-points"' in html
    assert "vendor/chartjs/chart.umd.min.js" in html
    assert "<script>" not in html  # CSP: figures travel as JSON, drawn by a static script
    assert "Alpha 镇" in html
    response = client.get("/scoring/dashboard/?format=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    alpha = next(r for r in rows if r[0] == "Alpha 镇")
    assert alpha[2] == 2
    assert alpha[5] == 61


def test_only_the_county_reads_it(client, make_user, township_a):
    client.force_login(make_user("township_office", township_a))
    assert client.get("/scoring/dashboard/").status_code == 403
