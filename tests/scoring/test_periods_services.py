"""Monthly close and seal, quarterly publication with objections, appraisal and annual rating."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.access import access_for
from accounts.models import Role
from audit.models import AuditEvent
from common import clock as product_clock
from common.errors import Conflict, DomainError, PermissionDenied
from notifications.models import Notification
from scoring.county.models import LedgerSeal
from scoring.ledger.models import LedgerEntry, LedgerHead
from scoring.ledger.posting import Posting, ledger_post
from scoring.periods import services
from scoring.periods.calendar import month_index
from scoring.periods.models import (
    AnnualRating,
    Appraisal,
    BranchMonthTotal,
    MemberMonthScore,
    MonthClose,
    Objection,
    Publication,
)
from scoring.periods.selectors import township_ranking
from tests.factories import BranchFactory, MemberFactory

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]
D = Decimal
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def post(member, points, on, kind="adjustment", rule=None, year=2026):
    with transaction.atomic():
        return ledger_post(postings=[Posting(kind=kind, member_id=member.pk, points=D(points), occurred_on=on,
                                             scoring_year=year, rule_id=rule.pk if rule else None)],
                           actor_id=None)[0]


@pytest.fixture
def ledger(township_a, in_township):
    """Branch A: m1, m2, m3; branch B: m4. Base 60 in January, then adjustments."""
    with in_township(township_a):
        branch_a, branch_b = BranchFactory(name="甲支部"), BranchFactory(name="乙支部")
        m1, m2, m3 = (MemberFactory(branch=branch_a, name=n) for n in ("张一", "李二", "王三"))
        m4 = MemberFactory(branch=branch_b, name="赵四")
        for m in (m1, m2, m3, m4):
            post(m, "60", dt.date(2026, 1, 1), kind="base")
        post(m1, "5", dt.date(2026, 1, 10))
        post(m2, "5", dt.date(2026, 1, 12))
        post(m3, "-3", dt.date(2026, 1, 20))
        post(m4, "2", dt.date(2026, 2, 3))
        yield type("L", (), {"a": branch_a, "b": branch_b, "m1": m1, "m2": m2, "m3": m3, "m4": m4})


def _scores(close):
    return sorted(MemberMonthScore.objects.filter(close=close).values_list("member_id", "points", "year_to_date",
                                                                           "rank_in_branch"))


def test_month_closes_once_with_exact_scores_and_seal(township_a, in_township, ledger, make_user,
                                                      django_capture_on_commit_callbacks):
    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    L = ledger
    with in_township(township_a):
        head = LedgerHead.objects.get()
        close = services.month_close(year=2026, month=1, actor=office)
        assert _scores(close) == sorted([
            (L.m1.pk, D("65.00"), D("65.00"), 1), (L.m2.pk, D("65.00"), D("65.00"), 1),
            (L.m3.pk, D("57.00"), D("57.00"), 3), (L.m4.pk, D("60.00"), D("60.00"), 1),
        ])
        assert sorted(BranchMonthTotal.objects.filter(close=close).values_list("branch_id", "points", "members")) == \
            sorted([(L.a.pk, D("187.00"), 3), (L.b.pk, D("60.00"), 1)])
        assert (close.head_seq, close.head_hash, close.entry_count) == (head.last_seq, head.last_hash, 7)
        assert LedgerHead.objects.get().sealed_through == 2026 * 12 + 0
        seal = LedgerSeal.objects.get(township=township_a, year=2026, month=1)
        assert (seal.head_seq, seal.head_hash, seal.entry_count) == (close.head_seq, close.head_hash, 7)
        assert AuditEvent.objects.filter(action="month.close").count() == 1
        assert Notification.objects.filter(event="month.closed", township=township_a).count() == 1

        counts = (MonthClose.objects.count(), MemberMonthScore.objects.count(), AuditEvent.objects.count(),
                  LedgerSeal.objects.count(), Notification.objects.count())
        again = services.month_close(year=2026, month=1, actor=office)
        assert again.pk == close.pk
        assert (MonthClose.objects.count(), MemberMonthScore.objects.count(), AuditEvent.objects.count(),
                LedgerSeal.objects.count(), Notification.objects.count()) == counts

        feb = services.month_close(year=2026, month=2, actor=office)
        assert _scores(feb) == sorted([
            (L.m1.pk, D("0.00"), D("65.00"), 1), (L.m2.pk, D("0.00"), D("65.00"), 1),
            (L.m3.pk, D("0.00"), D("57.00"), 1), (L.m4.pk, D("2.00"), D("62.00"), 1),
        ])


def test_posting_for_sealed_month_is_booked_in_next_month(township_a, in_township, ledger):
    with in_township(township_a):
        close = services.month_close(year=2026, month=1)
        snapshot = (close.head_seq, close.head_hash, close.entry_count, _scores(close))
        row = post(ledger.m3, "4", dt.date(2026, 1, 25))
        assert (row.booked_year, row.booked_month) == (2026, 2)
        close.refresh_from_db()
        assert (close.head_seq, close.head_hash, close.entry_count, _scores(close)) == snapshot
        seal = LedgerSeal.objects.get(township=township_a, year=2026, month=1)
        assert (seal.head_seq, seal.head_hash) == snapshot[:2]
        feb = services.month_close(year=2026, month=2)
        assert MemberMonthScore.objects.get(close=feb, member=ledger.m3).points == D("4.00")
        assert MemberMonthScore.objects.get(close=feb, member=ledger.m3).year_to_date == D("61.00")


def test_months_close_in_order_and_only_after_they_end(township_a, in_township, ledger, clock):
    with in_township(township_a):
        services.month_close(year=2026, month=1)
        post(ledger.m1, "1", dt.date(2026, 3, 5))
        before = (MonthClose.objects.count(), LedgerSeal.objects.count(), AuditEvent.objects.count())
        with pytest.raises(DomainError) as error:
            services.month_close(year=2026, month=4)
        assert str(error.value) == "月份须按顺序结账：请先结账 2026-02。"
        today = clock.today()
        with pytest.raises(DomainError, match="尚未结束"):
            services.month_close(year=today.year, month=today.month)  # the running month
        # The month has not ended in Shanghai yet although it has in UTC.
        with pytest.raises(DomainError, match="尚未结束"):
            services.month_close(year=2026, month=2, now=dt.datetime(2026, 2, 28, 15, 59, tzinfo=dt.UTC))
        assert (MonthClose.objects.count(), LedgerSeal.objects.count(), AuditEvent.objects.count()) == before
        assert services.month_close(year=2026, month=2, now=dt.datetime(2026, 2, 28, 16, 0, tzinfo=dt.UTC))
        with pytest.raises(DomainError, match="按顺序"):
            services.month_close(year=2025, month=12)


def test_first_close_may_be_any_month_and_beat_job_catches_up(township_a, township_b, in_township, ledger):
    from common.tasks import dispatch_to_townships

    with in_township(township_a):
        services.month_close(year=2026, month=9)
    dispatch_to_townships("periods.close_months")
    dispatch_to_townships("periods.close_months")  # idempotent
    today = timezone.localdate(timezone=township_a.time_zone_info())
    last = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    with in_township(township_a):
        closed = list(MonthClose.objects.order_by("year", "month").values_list("year", "month"))
        assert closed[0] == (2026, 9)
        assert closed[-1] == last
        assert len(closed) == len(set(closed))
    with in_township(township_b):
        assert list(MonthClose.objects.values_list("year", "month")) == [last]
        assert LedgerSeal.objects.filter(township=township_b).count() == 1


# --- rankings -------------------------------------------------------------------------------------
def test_township_ranking_one_query(township_a, in_township, ledger):
    L = ledger
    with in_township(township_a):
        with CaptureQueriesContext(connection) as captured:
            rows = township_ranking(scoring_year=2026)
        # django-tenants sets the search_path on each cursor; that aside, one query
        assert len([q for q in captured.captured_queries if not q["sql"].startswith("SET search_path")]) == 1
        assert [(r.member_id, r.total, r.rank, r.branch_rank) for r in rows] == [
            (L.m1.pk, D("65.00"), 1, 1), (L.m2.pk, D("65.00"), 1, 1), (L.m4.pk, D("62.00"), 3, 1),
            (L.m3.pk, D("57.00"), 4, 3),
        ]
        rows = township_ranking(scoring_year=2026, branch_id=L.b.pk)
        assert [(r.member_id, r.rank, r.branch_rank) for r in rows] == [(L.m4.pk, 3, 1)]
        # after a close the frozen year-to-date plus the open months' rows give the same totals
        services.month_close(year=2026, month=1)
        post(L.m3, "10", dt.date(2026, 1, 30))  # booked in February
        post(L.m4, "1", dt.date(2025, 12, 30), year=2025)  # another scoring year: not counted
        rows = township_ranking(scoring_year=2026)
        assert [(r.member_id, r.total, r.rank) for r in rows] == [
            (L.m3.pk, D("67.00"), 1), (L.m1.pk, D("65.00"), 2), (L.m2.pk, D("65.00"), 2), (L.m4.pk, D("62.00"), 4),
        ]


# --- publication and objections -------------------------------------------------------------------
def _close_q1():
    for month in (1, 2, 3):
        services.month_close(year=2026, month=month)


def test_publication_objection_upheld_makes_correction_and_new_version(township_a, in_township, ledger, make_user,
                                                                       scoring_setup):
    scoring_setup(township_a, year=2026)
    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    L = ledger
    member_user = make_user(Role.MEMBER, township_a, member_id=L.m3.pk)
    now = dt.datetime(2026, 4, 2, 9, 0, tzinfo=SHANGHAI)
    with in_township(township_a):
        _close_q1()
        v1 = services.publication_open(actor=office, year=2026, quarter=1, now=now)
        assert services.publication_open(actor=office, year=2026, quarter=1, now=now).pk == v1.pk
        assert (v1.version, v1.status) == (1, Publication.Status.OPEN)
        assert timezone.localtime(v1.objections_close_at, township_a.time_zone_info()) == \
            dt.datetime(2026, 4, 9, 23, 59, 59, tzinfo=township_a.time_zone_info())
        branch_a = next(b for b in v1.data["branches"] if b["id"] == L.a.pk)
        assert [(m["id"], m["quarter_points"], m["year_to_date"], m["rank"]) for m in branch_a["members"]] == [
            (L.m1.pk, "65.00", "65.00", 1), (L.m2.pk, "65.00", "65.00", 1), (L.m3.pk, "57.00", "57.00", 3),
        ]
        assert Notification.objects.filter(event="publication.opened").count() == 1

        objection = services.objection_raise(
            actor=member_user, access=access_for(member_user, township_a), publication_id=v1.pk,
            member_id=L.m3.pk, reason="一月份参加了主题党日，未计分", now=now + dt.timedelta(days=1))
        assert timezone.localtime(objection.answer_due_at, township_a.time_zone_info()).date() == dt.date(2026, 4, 8)
        # The office hears of it at once, and finds it listed with its deadline where it works.
        raised = Notification.objects.get(event="objection.raised")
        assert set(raised.deliveries.values_list("recipient_id", flat=True)) == {office.pk}
        assert raised.context["answer_due_on"] == "2026-04-08"
        from scoring.periods.selectors import objections_open

        assert list(objections_open(access=access_for(office, township_a))) == [objection]
        ledger_rows = LedgerEntry.objects.count()
        services.objection_answer(
            actor=office, access=access_for(office, township_a), objection_id=objection.pk, uphold=True,
            answer="经核实，补记 3 分", correction_points=D("3"), now=now + dt.timedelta(days=2))

        objection.refresh_from_db()
        assert objection.status == Objection.Status.UPHELD
        correction = objection.correction
        assert (correction.kind, correction.points, correction.member_id) == ("correction", D("3.00"), L.m3.pk)
        assert (correction.booked_year, correction.booked_month) == (2026, 4)  # March is sealed
        assert LedgerEntry.objects.count() == ledger_rows + 1

        v1.refresh_from_db()
        v2 = Publication.objects.get(year=2026, quarter=1, version=2)
        assert v1.status == Publication.Status.SUPERSEDED
        assert (v2.status, v2.supersedes_id, v2.objections_close_at) == (Publication.Status.OPEN, v1.pk,
                                                                         v1.objections_close_at)
        old_a = next(b for b in v1.data["branches"] if b["id"] == L.a.pk)
        new_a = next(b for b in v2.data["branches"] if b["id"] == L.a.pk)
        assert [(m["id"], m["year_to_date"], m["rank"]) for m in old_a["members"]] == [
            (L.m1.pk, "65.00", 1), (L.m2.pk, "65.00", 1), (L.m3.pk, "57.00", 3)]
        assert [(m["id"], m["quarter_points"], m["year_to_date"], m["rank"]) for m in new_a["members"]] == [
            (L.m1.pk, "65.00", "65.00", 1), (L.m2.pk, "65.00", "65.00", 1), (L.m3.pk, "60.00", "60.00", 3)]
        assert Notification.objects.filter(event="objection.answered").count() == 1
        assert Notification.objects.filter(event="publication.opened").count() == 2

        # the superseded version takes no more objections
        with pytest.raises(DomainError, match="不接受异议"):
            services.objection_raise(actor=member_user, access=access_for(member_user, township_a),
                                     publication_id=v1.pk, member_id=L.m3.pk, reason="再议",
                                     now=now + dt.timedelta(days=3))


def test_objections_outside_window_or_by_others_are_refused(township_a, in_township, ledger, make_user):
    L = ledger
    member_user = make_user(Role.MEMBER, township_a, member_id=L.m3.pk)
    secretary_b = make_user(Role.BRANCH_SECRETARY, township_a, branch_id=L.b.pk)
    secretary_a = make_user(Role.BRANCH_SECRETARY, township_a, branch_id=L.a.pk)
    now = dt.datetime(2026, 4, 2, 9, 0, tzinfo=SHANGHAI)
    with in_township(township_a):
        _close_q1()
        v1 = services.publication_open(actor=None, year=2026, quarter=1, now=now)
        before = (Objection.objects.count(), AuditEvent.objects.count())
        late = dt.datetime(2026, 4, 10, 0, 0, 1, tzinfo=SHANGHAI)
        with pytest.raises(DomainError) as error:
            services.objection_raise(actor=member_user, access=access_for(member_user, township_a),
                                     publication_id=v1.pk, member_id=L.m3.pk, reason="迟到的异议", now=late)
        assert str(error.value) == "本公示的异议期已结束。"
        with pytest.raises(DomainError):  # another member's row: outside a member's scope
            services.objection_raise(actor=member_user, access=access_for(member_user, township_a),
                                     publication_id=v1.pk, member_id=L.m1.pk, reason="x", now=now)
        with pytest.raises(DomainError):  # branch B's secretary about a branch A member
            services.objection_raise(actor=secretary_b, access=access_for(secretary_b, township_a),
                                     publication_id=v1.pk, member_id=L.m1.pk, reason="x", now=now)
        assert (Objection.objects.count(), AuditEvent.objects.count()) == before
        # the branch's own secretary may object within the window
        objection = services.objection_raise(actor=secretary_a, access=access_for(secretary_a, township_a),
                                             publication_id=v1.pk, member_id=L.m1.pk, reason="分数有误", now=now)
        office = make_user(Role.TOWNSHIP_OFFICE, township_a)
        with pytest.raises(DomainError, match="答复期限"):
            services.objection_answer(actor=office, access=access_for(office, township_a),
                                      objection_id=objection.pk, uphold=False, answer="晚了",
                                      now=now + dt.timedelta(days=30))
        with pytest.raises(PermissionDenied):
            services.objection_answer(actor=secretary_a, access=access_for(secretary_a, township_a),
                                      objection_id=objection.pk, uphold=False, answer="x", now=now)
        services.objection_answer(actor=office, access=access_for(office, township_a), objection_id=objection.pk,
                                  uphold=False, answer="经核实无误", now=now)
        assert Publication.objects.count() == 1  # dismissed: no new version
        with pytest.raises(Conflict):
            services.objection_answer(actor=office, access=access_for(office, township_a),
                                      objection_id=objection.pk, uphold=False, answer="again", now=now)


def test_publication_needs_quarter_closed_and_beat_opens_v1_once(township_a, in_township, ledger, clock):
    from scoring.periods.tasks import open_publication

    with in_township(township_a):
        services.month_close(year=2026, month=1)
        with pytest.raises(DomainError) as error:
            services.publication_open(actor=None, year=2026, quarter=1)
        assert str(error.value) == "须先结账本季度最后一个月（2026-03）才能公示。"
        assert Publication.objects.count() == 0
        # The beat job publishes the quarter that ended last, once its last month is closed.
        today = clock.today()
        last_ended = month_index(today.year, 3 * ((today.month - 1) // 3) + 1) - 1
        for index in range(month_index(2026, 2), last_ended):
            services.month_close(year=index // 12, month=index % 12 + 1)
        open_publication.apply()
        assert Publication.objects.count() == 0
        services.month_close(year=last_ended // 12, month=last_ended % 12 + 1)
        open_publication.apply()
        open_publication.apply()
        assert list(Publication.objects.values_list("year", "quarter", "version")) == [
            (last_ended // 12, (last_ended % 12) // 3 + 1, 1)]


def test_beta_cannot_see_alpha_publications(township_a, township_b, in_township, ledger, make_user, client):
    with in_township(township_a):
        _close_q1()
        pub = services.publication_open(actor=None, year=2026, quarter=1)
    with in_township(township_b):
        assert Publication.objects.count() == 0
        assert not Publication.objects.filter(pk=pub.pk).exists()
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_b))
    assert client.get(f"/t/beta/scoring/periods/publications/{pub.pk}/").status_code == 404
    assert client.get(f"/t/alpha/scoring/periods/publications/{pub.pk}/").status_code == 403
    assert client.get(f"/t/alpha/api/v1/scoring/periods/publications/{pub.pk}/").status_code == 403


# --- appraisal and annual rating --------------------------------------------------------------------
def test_appraisal_recorded_once_and_corrected_by_office(township_a, in_township, ledger, make_user):
    L = ledger
    secretary = make_user(Role.BRANCH_SECRETARY, township_a, branch_id=L.a.pk)
    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    with in_township(township_a):
        access = access_for(secretary, township_a)
        appraisal = services.appraisal_record(actor=secretary, access=access, year=2026, half=2, member_id=L.m1.pk,
                                              result="excellent", votes_excellent=20, votes_qualified=3)
        before = (Appraisal.objects.count(), AuditEvent.objects.count())
        with pytest.raises(Conflict):
            services.appraisal_record(actor=secretary, access=access, year=2026, half=2, member_id=L.m1.pk,
                                      result="qualified")
        with pytest.raises(DomainError, match="不能为负数"):
            services.appraisal_record(actor=secretary, access=access, year=2026, half=2, member_id=L.m2.pk,
                                      result="qualified", votes_basic=-1)
        with pytest.raises(DomainError):  # branch B is outside this secretary's scope
            services.appraisal_record(actor=secretary, access=access, year=2026, half=2, member_id=L.m4.pk,
                                      result="qualified")
        with pytest.raises(PermissionDenied):
            services.appraisal_correct(actor=secretary, access=access, appraisal_id=appraisal.pk, result="basic")
        assert (Appraisal.objects.count(), AuditEvent.objects.count()) == before
        services.appraisal_correct(actor=office, access=access_for(office, township_a), appraisal_id=appraisal.pk,
                                   result="qualified", votes_excellent=10, votes_qualified=13)
        appraisal.refresh_from_db()
        assert (appraisal.result, appraisal.votes_excellent, appraisal.votes_qualified) == ("qualified", 10, 13)
        event = AuditEvent.objects.get(action="appraisal.correct")
        assert (event.before["result"], event.after["result"]) == ("excellent", "qualified")


def test_annual_rating_with_veto_points_and_appraisal(township_a, in_township, ledger, make_user, scoring_setup,
                                                       set_clock):
    # The rating runs only once the year is over and closed: close 2026 and, when the pinned
    # moment is still inside 2026, move the clock to the first minutes after the year's end.
    setup = scoring_setup(township_a, year=2026)
    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    L = ledger
    with in_township(township_a):
        year = setup.year
        if product_clock.today() <= year.ends_on:
            set_clock(dt.datetime.combine(year.ends_on + dt.timedelta(days=1), dt.time(0, 10), tzinfo=SHANGHAI))
        year.excellent_line, year.pass_line, year.basic_line = D("64"), D("60"), D("58")
        year.save()
        post(L.m4, "0", dt.date(2026, 5, 6), rule=setup.rules["X01"])
        access = access_for(office, township_a)
        services.appraisal_record(actor=office, access=access, year=2026, half=2, member_id=L.m2.pk,
                                  result="basic", votes_basic=12)
        for month in range(1, 13):
            services.month_close(year=2026, month=month)
        assert services.annual_rating_run(actor=office, scoring_year=2026,
                                          override_reason="三名党员外出务工，未参加下半年评议") == 4
        ratings = dict(AnnualRating.objects.values_list("member_id", "rating"))
        assert ratings == {L.m1.pk: "excellent", L.m2.pk: "basic", L.m3.pk: "unqualified",
                           L.m4.pk: "unqualified"}
        vetoed = AnnualRating.objects.get(member=L.m4)
        assert vetoed.vetoed is True
        assert vetoed.total_points == D("62.00")
        assert vetoed.reasons[-1] == "一票否决：严重违纪违法（2026-05-06），评定为不合格。"
        assert AnnualRating.objects.get(member=L.m2).reasons[1] == "下半年民主评议：基本合格。"
        # re-run (not finalised yet) replaces, never duplicates
        services.annual_rating_run(actor=office, scoring_year=2026, override_reason="同上")
        assert AnnualRating.objects.count() == 4
        assert AuditEvent.objects.filter(action="annual_rating.run").count() == 2
