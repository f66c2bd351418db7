"""The township dashboard and a member's standing and trend: exact figures, grouped in SQL in a fixed
number of statements, months in the township's time zone, one township's rows only."""
from __future__ import annotations

import datetime as dt
import io
import types
import zoneinfo
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from scoring.ledger.models import Entry
from scoring.ledger.posting import Posting, ledger_post
from scoring.periods import calendar
from scoring.periods import services as periods
from scoring.periods.dashboard import last_months, member_standing, member_trend, township_dashboard
from tenants.organisation.models import Branch
from tests.factories import BranchFactory, MemberFactory, VillageFactory

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
D = Decimal


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def post(*postings: Posting):
    with transaction.atomic():
        return ledger_post(postings=list(postings), actor_id=None)


def adjustment(member, rule, points: str, day: dt.date, year: int | None = None) -> Posting:
    return Posting(kind="adjustment", member_id=member.pk, rule_id=rule.pk if rule else None, points=D(points),
                   occurred_on=day, scoring_year=year or day.year)


def base(member, year: int, points: str = "60") -> Posting:
    return Posting(kind="base", member_id=member.pk, points=D(points), occurred_on=dt.date(year, 1, 1),
                   scoring_year=year)


def entry(member, rule, *, entered_at: dt.datetime, status=Entry.Status.IN_REVIEW,
          decided_at: dt.datetime | None = None) -> Entry:
    """An entry recorded at `entered_at` (and decided at `decided_at`): the dashboard counts them by
    those moments, which the product stamps from the clock."""
    made = Entry.objects.create(member=member, rule=rule, occurred_on=entered_at.date(), points=D("1"),
                                entered_by_id=1, lag_days=0, status=status, decided_at=decided_at)
    Entry.objects.filter(pk=made.pk).update(entered_at=entered_at)
    return made


@pytest.fixture
def town(township_a, in_township, scoring_setup):
    """Alpha in scoring year 2026 (the default clock: 2026-11-20): two village branches, an organ
    branch without members, and the ledger rows and entries whose figures the tests assert."""
    setup = scoring_setup(township_a)
    rules = setup.rules
    with in_township(township_a):
        jia = BranchFactory(name="甲村党支部", village=VillageFactory(name="甲村"))
        yi = BranchFactory(name="乙村党支部", village=VillageFactory(name="乙村"))
        organ = BranchFactory(name="镇机关支部", kind=Branch.Kind.ORGAN, village=None)
        m1, m2 = MemberFactory(name="张一", branch=jia), MemberFactory(name="张二", branch=jia)
        m3 = MemberFactory(name="李三", branch=yi)
        post(base(m1, 2026), base(m2, 2026), base(m3, 2026),
             adjustment(m1, rules["B01"], "3", dt.date(2026, 3, 5)),
             adjustment(m1, rules["V01"], "5", dt.date(2026, 11, 2)),
             adjustment(m2, rules["D01"], "-2", dt.date(2026, 11, 10)),
             adjustment(m3, rules["B01"], "4", dt.date(2026, 6, 15)),
             # The previous scoring year: in the last twelve months only from December 2025 on.
             adjustment(m3, None, "2", dt.date(2025, 12, 10)),
             adjustment(m3, None, "1", dt.date(2025, 11, 10)))
        b01 = rules["B01"]
        # Recorded 2026-11-01 00:30 in Shanghai: still October in UTC.
        entry(m1, b01, entered_at=at(2026, 11, 1, 0, 30))
        entry(m1, b01, entered_at=at(2026, 10, 5, 10), status=Entry.Status.POSTED, decided_at=at(2026, 11, 3, 9))
        entry(m2, b01, entered_at=at(2026, 10, 6, 10), status=Entry.Status.REJECTED, decided_at=at(2026, 10, 7, 9))
        # Recorded before the window; approved 2025-12-01 00:30 in Shanghai (November in UTC).
        entry(m3, b01, entered_at=at(2025, 11, 30, 23), status=Entry.Status.POSTED, decided_at=at(2025, 12, 1, 0, 30))
    return types.SimpleNamespace(township=township_a, setup=setup, branches=(jia, yi, organ), members=(m1, m2, m3))


def board_of(township, in_township, **kwargs):
    with in_township(township):
        return township_dashboard(**kwargs)


def test_points_by_branch_and_category_are_exact(town, in_township):
    board = board_of(town.township, in_township)
    assert board.scoring_year == 2026
    by_name = {b.name: b for b in board.branches}
    assert set(by_name) == {"甲村党支部", "乙村党支部", "镇机关支部"}
    jia, yi, organ = by_name["甲村党支部"], by_name["乙村党支部"], by_name["镇机关支部"]
    assert (jia.village, jia.members, jia.scored, jia.total, jia.added, jia.deducted, jia.average) == (
        "甲村", 2, 2, D("126.00"), D("8.00"), D("-2.00"), D("63.00"))
    assert (yi.members, yi.scored, yi.total, yi.added, yi.deducted, yi.average) == (
        1, 1, D("64.00"), D("4.00"), D("0"), D("64.00"))
    assert (organ.village, organ.members, organ.scored, organ.total, organ.average) == ("", 0, 0, 0, None)
    assert [(c.category, c.rows, c.total, c.added, c.deducted) for c in board.categories] == [
        ("basic", 2, D("7.00"), D("7.00"), D("0")),
        ("vanguard", 1, D("5.00"), D("5.00"), D("0")),
        ("discipline", 1, D("-2.00"), D("0"), D("-2.00")),
        ("veto", 0, D("0"), D("0"), D("0")),
        ("base", 3, D("180.00"), D("0"), D("0")),
    ]
    assert board.totals == {"members": 3, "scored": 3, "total": D("190.00"), "added": D("12.00"),
                            "deducted": D("-2.00")}
    # The earlier year has its own figures: the two rows without an item are "other".
    earlier = board_of(town.township, in_township, scoring_year=2025)
    assert [(c.category, c.rows, c.total) for c in earlier.categories if c.rows] == [("other", 2, D("3.00"))]


def test_last_twelve_months_in_the_townships_time_zone(town, in_township):
    months = board_of(town.township, in_township).months
    assert [m.month for m in months] == ["2025-12", *(f"2026-{m:02d}" for m in range(1, 12))]
    table = {m.month: (m.recorded, m.approved, m.returned, m.added, m.deducted) for m in months}
    assert table["2025-12"] == (0, 1, 0, D("2.00"), D("0"))
    assert table["2026-03"] == (0, 0, 0, D("3.00"), D("0"))
    assert table["2026-06"] == (0, 0, 0, D("4.00"), D("0"))
    assert table["2026-10"] == (2, 0, 1, D("0"), D("0"))
    assert table["2026-11"] == (1, 1, 0, D("5.00"), D("-2.00"))
    assert sum(m.recorded for m in months) == 3  # the entry recorded in November 2025 is outside


def test_another_townships_rows_never_count(town, township_b, in_township, scoring_setup):
    before = board_of(town.township, in_township)
    rules = scoring_setup(township_b).rules
    with in_township(township_b):
        stranger = MemberFactory(name="王外", branch=BranchFactory(name="贝塔村党支部"))
        post(base(stranger, 2026, "70"), adjustment(stranger, rules["B01"], "5", dt.date(2026, 11, 3)))
        entry(stranger, rules["B01"], entered_at=at(2026, 11, 3, 9))
    after = board_of(town.township, in_township)
    assert after == before
    beta = board_of(township_b, in_township)
    assert [(b.name, b.total) for b in beta.branches] == [("贝塔村党支部", D("75.00"))]
    assert beta.totals["members"] == 1


def _statements(township, in_township) -> tuple[int, int]:
    """(every statement, those that read rows: not django-tenants' search_path or a savepoint)."""
    with in_township(township), CaptureQueriesContext(connection) as captured:
        township_dashboard()
    reads = [q for q in captured.captured_queries if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))]
    return len(captured), len(reads)


def test_statements_do_not_grow_with_branches_or_entries(town, in_township):
    few = _statements(town.township, in_township)
    rules = town.setup.rules
    with in_township(town.township):
        for n in range(6):
            branch = BranchFactory(name=f"新{n}村党支部")
            for k in range(4):
                member = MemberFactory(branch=branch)
                post(base(member, 2026), adjustment(member, rules["B01"], "2", dt.date(2026, 1 + n + k, 3)))
                entry(member, rules["B01"], entered_at=at(2026, 1 + n + k, 4, 9), status=Entry.Status.POSTED,
                      decided_at=at(2026, 2 + n + k, 1, 9))
    many = _statements(town.township, in_township)
    assert few == many
    assert many[1] == 6  # scoring year, branches, categories, recorded, decided, points by month
    assert len(board_of(town.township, in_township).branches) == 9


@pytest.mark.parametrize("moment", [at(2026, 12, 31, 23, 30), at(2026, 1, 31, 12, 0)], ids=["year-end", "jan-31"])
def test_months_at_the_year_end_and_the_end_of_january(moment, set_clock, township_a, in_township, scoring_setup):
    set_clock(moment)
    rules = scoring_setup(township_a).rules
    today = moment.date()
    window = last_months(today, 12)
    first = dt.date(*window[0], 1)
    with in_township(township_a):
        member = MemberFactory(branch=BranchFactory(name="边界村党支部"))
        # Just inside the window's first month, and just before it (the same UTC day).
        entry(member, rules["B01"], entered_at=dt.datetime.combine(first, dt.time(0, 10), tzinfo=SHANGHAI))
        entry(member, rules["B01"], entered_at=dt.datetime.combine(first, dt.time(0, 10), tzinfo=SHANGHAI)
              - dt.timedelta(minutes=20))
        entry(member, rules["B01"], entered_at=moment - dt.timedelta(minutes=20))
        post(adjustment(member, rules["B01"], "3", today, year=2026),
             adjustment(member, rules["B01"], "2", first, year=2026),
             adjustment(member, None, "9", first - dt.timedelta(days=1), year=2026))
        board = township_dashboard()
        trend = member_trend(member_id=member.pk, months=window)
    labels = [m.month for m in board.months]
    assert labels[-1] == today.strftime("%Y-%m")
    assert len(labels) == 12
    assert labels[0] == first.strftime("%Y-%m")
    assert board.scoring_year == 2026
    assert board.months[0].recorded == 1
    assert board.months[-1].recorded == 1
    assert sum(m.recorded for m in board.months) == 2
    assert [(m.month, m.added) for m in trend if m.added] == [(labels[0], D("2.00")), (labels[-1], D("3.00"))]


def test_member_standing_ranks_like_the_ranking_page(town, in_township):
    m1, m2, m3 = town.members
    with in_township(town.township):
        standings = {m.name: member_standing(member_id=m.pk, scoring_year=2026) for m in town.members}
        from scoring.periods.selectors import township_ranking

        ranking = {row.name: (row.total, row.rank, row.branch_rank) for row in township_ranking(scoring_year=2026)}
    for name, standing in standings.items():
        assert (standing.total, standing.rank, standing.branch_rank) == ranking[name]
        assert standing.ranked == 3
    assert (standings["张一"].total, standings["张一"].rank, standings["张一"].branch_ranked) == (D("68.00"), 1, 2)
    assert (standings["李三"].rank, standings["李三"].branch_rank, standings["李三"].branch_ranked) == (2, 1, 1)
    assert (standings["张二"].rank, standings["张二"].branch_rank) == (3, 2)


def test_member_standing_is_rank_with_ties_absent_totals_and_a_member_no_longer_active(township_a, in_township):
    """Counting the members with a greater total gives what RANK() gives: ties share a rank, a
    member without ledger rows stands at 0, a member no longer active is ranked among the active."""
    totals = ["70", "65", "65", "0", None, "-3", "65", "80", "70"]
    with in_township(township_a):
        branches = [BranchFactory(), BranchFactory()]
        members = [MemberFactory(branch=branches[i % 2]) for i in range(len(totals))]
        gone = MemberFactory(branch=branches[0], status="transferred_out")
        post(*(base(m, 2026, points) for m, points in zip(members, totals, strict=True) if points is not None),
             base(gone, 2026, "66"), base(members[0], 2025, "99"))
        standings = {m.pk: member_standing(member_id=m.pk, scoring_year=2026) for m in [*members, gone]}
        from scoring.periods.selectors import township_ranking

        ranking = {row.member_id: (row.rank, row.branch_rank) for row in township_ranking(scoring_year=2026)}
    # The ranking page ranks with RANK() windows: the same ranks.
    assert {pk: (s.rank, s.branch_rank) for pk, s in standings.items() if pk != gone.pk} == ranking
    total = {m.pk: D(p or "0") for m, p in zip(members, totals, strict=True)} | {gone.pk: D("66")}
    branch = {m.pk: m.branch_id for m in [*members, gone]}
    for pk, standing in standings.items():
        pool = [m.pk for m in members] + ([pk] if pk == gone.pk else [])
        same = [other for other in pool if branch[other] == branch[pk]]
        assert (standing.total, standing.rank, standing.ranked, standing.branch_rank, standing.branch_ranked) == (
            total[pk], 1 + sum(total[o] > total[pk] for o in pool), len(pool),
            1 + sum(total[o] > total[pk] for o in same), len(same)), pk
    assert [standings[m.pk].rank for m in members] == [2, 4, 4, 7, 7, 9, 4, 1, 2]
    assert (standings[gone.pk].rank, standings[gone.pk].ranked) == (4, 10)
    with in_township(township_a):
        assert member_standing(member_id=gone.pk + 1000, scoring_year=2026).rank is None


# --- pages ------------------------------------------------------------------------------------------
def _get(client, user, path):
    client.force_login(user)
    try:
        return client.get(path)
    finally:
        connection.set_schema_to_public()


def test_office_page_charts_tables_and_excel(client, make_user, town):
    office = make_user("township_office", town.township)
    html = _get(client, office, "/t/alpha/scoring/periods/dashboard/").content.decode()
    for source in ("chart-branches", "chart-categories", "chart-entries", "chart-month-points"):
        assert f'data-chart-source="{source}"' in html
    assert "vendor/chartjs/chart.umd.min.js" in html
    assert "<script>" not in html  # figures travel as JSON, drawn by the static script
    assert '<td data-label="总积分">126.00</td>' in html
    assert '<td data-label="平均分">63.00</td>' in html
    assert 'id="dash-added">12.00<' in html
    response = _get(client, office, "/t/alpha/scoring/periods/dashboard/?format=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [s.title for s in book.worksheets] == ["按支部", "按类别", "按月"]
    branches = {r[1]: r for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert branches["甲村党支部"][2:] == (2, 2, 126, 63, 8, -2)
    categories = list(book.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert categories[0] == ("基本要求", 2, 7, 7, 0)
    months = {r[0]: r for r in book.worksheets[2].iter_rows(min_row=2, values_only=True)}
    assert months["2026-11"] == ("2026-11", 1, 1, 0, 5, -2)
    # The office finds it from its home and in the menu.
    home = _get(client, office, "/t/alpha/").content.decode()
    assert home.count('href="/t/alpha/scoring/periods/dashboard/"') == 2


@pytest.mark.parametrize(("role", "status"), [
    ("supervision_office", 200), ("discipline_commission", 200), ("clerk", 403), ("branch_secretary", 403),
    ("work_team", 403), ("member", 403)])
def test_who_reads_the_dashboard(client, make_user, town, role, status):
    jia = town.branches[0]
    scope = {"village_ids": [jia.village_id]} if role in ("clerk", "work_team") else (
        {"branch_id": jia.pk} if role == "branch_secretary" else
        ({"member_id": town.members[0].pk} if role == "member" else {}))
    user = make_user(role, town.township, **scope)
    assert _get(client, user, "/t/alpha/scoring/periods/dashboard/").status_code == status
    if status == 403:
        home = _get(client, user, "/t/alpha/").content.decode()
        assert "/t/alpha/scoring/periods/dashboard/" not in home


def test_another_townships_office_is_refused(client, make_user, town, township_b):
    user = make_user("township_office", township_b)
    assert _get(client, user, "/t/alpha/scoring/periods/dashboard/").status_code == 403


def _open_notice(township, in_township, today):
    start = calendar.month_index(today.year, calendar.quarter_months(calendar.quarter_of(today.month))[0])
    year, last_month = calendar.index_month(start - 1)
    with in_township(township):
        for month in calendar.quarter_months(calendar.quarter_of(last_month)):
            periods.month_close(year=year, month=month)
        return periods.publication_open(actor=None, year=year, quarter=calendar.quarter_of(last_month))


def test_member_home_shows_total_rank_trend_and_how_to_object(client, make_user, town, in_township, clock):
    m1 = town.members[0]
    notice = _open_notice(town.township, in_township, clock.today())
    member = make_user("member", town.township, member_id=m1.pk)
    html = _get(client, member, "/t/alpha/").content.decode()
    assert 'id="member-total">68.00<' in html
    assert 'id="member-rank">1 / 3<' in html
    assert 'id="member-branch-rank">1 / 2<' in html
    assert 'data-chart-source="chart-member-trend"' in html
    assert "vendor/chartjs/chart.umd.min.js" in html
    assert "<script>" not in html
    assert f'href="/t/alpha/scoring/periods/publications/{notice.pk}/"' in html
    assert "在“提出异议”处写明理由，镇党建办在 5 天内答复" in html
    # Only their own months: 张一's +5 in November, +3 in March; 张二's deduction is not theirs.
    assert "<td data-label=\"月份\">2026-11</td>\n    <td data-label=\"加分\">5.00</td>" in html
    assert "-2.00" not in html


def test_member_home_statements_do_not_grow(client, make_user, town, in_township):
    member = make_user("member", town.township, member_id=town.members[0].pk)

    def statements() -> int:
        client.force_login(member)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/t/alpha/").status_code == 200
        connection.set_schema_to_public()
        return len(captured)

    few = statements()
    with in_township(town.township):
        for n in range(5):
            other = MemberFactory(branch=town.branches[0])
            post(base(other, 2026), adjustment(town.members[0], town.setup.rules["B01"], "1",
                                               dt.date(2026, 1 + n, 2)))
    assert statements() == few


def test_points_card_shows_township_rank_and_trend_to_the_office(client, make_user, town):
    m3 = town.members[2]
    office = make_user("township_office", town.township)
    html = _get(client, office, f"/t/alpha/scoring/members/{m3.pk}/card/").content.decode()
    assert 'id="card-township-rank">2 / 3<' in html
    assert 'data-chart-source="chart-member-trend"' in html
    assert "<td data-label=\"月份\">2026-06</td>\n    <td data-label=\"加分\">4.00</td>" in html
    # An earlier year's card shows that year's months.
    html = _get(client, office, f"/t/alpha/scoring/members/{m3.pk}/card/?year=2025").content.decode()
    assert "<td data-label=\"月份\">2025-01</td>" in html
    assert "<td data-label=\"月份\">2025-12</td>\n    <td data-label=\"加分\">2.00</td>" in html


@pytest.mark.parametrize(("moment", "first", "last"), [
    (at(2026, 12, 31, 23, 30), "2026-01", "2026-12"), (at(2026, 1, 31, 12, 0), "2025-02", "2026-01")],
    ids=["year-end", "jan-31"])
def test_member_home_at_the_year_end_and_the_end_of_january(moment, first, last, set_clock, client, make_user,
                                                              township_a, in_township, scoring_setup):
    set_clock(moment)
    rules = scoring_setup(township_a).rules
    with in_township(township_a):
        branch = BranchFactory(name="边界村党支部")
        me, other = MemberFactory(name="我", branch=branch), MemberFactory(name="他", branch=branch)
        post(base(me, 2026), base(other, 2026), adjustment(me, rules["B01"], "3", moment.date(), year=2026),
             adjustment(other, rules["B01"], "1", moment.date(), year=2026))
    html = _get(client, make_user("member", township_a, member_id=me.pk), "/t/alpha/").content.decode()
    assert "2026 积分年度" in html
    assert 'id="member-total">63.00<' in html
    assert 'id="member-rank">1 / 2<' in html
    assert f'<td data-label="月份">{first}</td>' in html
    assert f'<td data-label="月份">{last}</td>\n    <td data-label="加分">3.00</td>' in html
    assert html.count('<td data-label="月份">') == 12
