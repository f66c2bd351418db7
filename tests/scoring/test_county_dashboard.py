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

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_stored_rollups")]


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


def _statements(queries) -> int:
    # SET search_path aside, and the savepoint a recount takes only because a test runs inside a
    # transaction (pages run in autocommit)
    return sum(not q["sql"].startswith(("SET search_path", "SAVEPOINT", "RELEASE SAVEPOINT")) for q in queries)


def test_statements_do_not_grow_with_townships(township_a, township_b):
    from tenants.townships.models import Township

    with CaptureQueriesContext(connection) as cold:
        board = county_dashboard()
    # Nothing changed since: the stored rows are read, no township schema is.
    with CaptureQueriesContext(connection) as two:
        assert county_dashboard() == board
    assert not any(t.schema_name in q["sql"] for q in two.captured_queries for t in (township_a, township_b))
    # township list, stored rows, seals; the first view also recounted both townships in one statement
    assert _statements(two) == 3 == _statements(cold) - 1
    # The same count with one township fewer in the ready set.
    Township.objects.filter(pk=township_b.pk).update(status=Township.Status.ARCHIVED)
    with CaptureQueriesContext(connection) as one:
        county_dashboard()
    assert _statements(one) == _statements(two)


def test_an_audited_change_shows_at_once(township_a, township_b, in_township, make_user):
    """Stored rows are never served stale: an audited change makes its township's row be recounted."""
    from audit.services import audit_record

    before = {f.code: f for f in county_dashboard().townships}
    with in_township(township_a), transaction.atomic():
        member = MemberFactory()
        audit_record(actor=None, action="member.create", instance=member)
    after = {f.code: f for f in county_dashboard().townships}
    assert after["alpha"].members == before["alpha"].members + 1
    assert after["beta"] == before["beta"]


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


def _township_copy(code: str, source) -> object:
    """A ready township whose schema holds empty copies of `source`'s tables (no migrations run:
    the copies are made and dropped inside the test's transaction)."""
    from tenants.townships.models import Township
    from tenants.townships.services import schema_name_for

    township = Township.objects.create(code=code, name=f"{code.title()} 镇", schema_name=schema_name_for(code),
                                       status=Township.Status.READY)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {quote(township.schema_name)}")
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                       "AND table_type = 'BASE TABLE'", [source.schema_name])
        for (table,) in cursor.fetchall():
            cursor.execute(f"CREATE TABLE {quote(township.schema_name)}.{quote(table)} "
                           f"(LIKE {quote(source.schema_name)}.{quote(table)} INCLUDING DEFAULTS)")
    return township


def test_statements_are_the_same_for_two_and_four_townships(township_a, township_b):
    year = clock.today().year
    with CaptureQueriesContext(connection) as two:
        board = county_dashboard()
    assert len(board.townships) == 2
    gamma, _delta = _township_copy("gamma", township_a), _township_copy("delta", township_a)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {connection.ops.quote_name(gamma.schema_name)}.ledger_memberyeartotal "  # noqa: S608
                       "(id, member_id, scoring_year, total, rows) VALUES (1, 1, %s, 55, 1)", [year])
    with CaptureQueriesContext(connection) as four:
        board = county_dashboard()
    assert [f.code for f in board.townships] == ["alpha", "beta", "delta", "gamma"]
    figure = next(f for f in board.townships if f.code == "gamma")
    assert (figure.scored, figure.max_points) == (1, 55)
    # alpha and beta are read from their stored rows, gamma and delta recounted: one statement more
    # than a view with nothing to recount, whatever the number of townships.
    assert _statements(four) == _statements(two) == 4


def test_one_broken_township_costs_only_its_own_row(client, make_user, township_a, township_b, in_township):
    """A ready township whose schema cannot be read (here: it has no tables) is shown as
    unavailable; every other township keeps its figures, read in the same view."""
    from tenants.townships.models import Township
    from tenants.townships.services import schema_name_for

    _post(township_a, in_township, ["61", "62"], clock.today().year)
    broken = Township.objects.create(code="broken", name="Broken 镇", schema_name=schema_name_for("broken"),
                                     status=Township.Status.READY)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {connection.ops.quote_name(broken.schema_name)}")
    board = {f.code: f for f in county_dashboard().townships}
    assert board["broken"].unavailable
    assert not board["alpha"].unavailable
    assert board["alpha"].scored == 2
    client.force_login(make_user("county_admin"))
    html = client.get("/scoring/dashboard/").content.decode()
    assert "无法读取该乡镇的数据" in html
    assert "Alpha 镇" in html


def test_the_township_table_is_paged_and_searched(client, make_user, township_a, township_b):
    """Hundreds of townships: the table shows a page at a time and finds one by name or code;
    the cards and charts still cover every township."""
    client.force_login(make_user("county_admin"))
    html = client.get("/scoring/dashboard/?page_size=1").content.decode()
    assert "Alpha 镇</td>" in html
    assert "Beta 镇</td>" not in html
    assert "第 1 页，共 2 页" in html
    assert '"Beta \\u9547"' in html or '"Beta 镇"' in html  # the chart's labels keep every township
    found = client.get("/scoring/dashboard/?q=beta").content.decode()
    assert "Beta 镇</td>" in found
    assert "Alpha 镇</td>" not in found
    assert "没有匹配的乡镇" in client.get("/scoring/dashboard/?q=nowhere").content.decode()
