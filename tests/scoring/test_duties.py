"""Light duties for the bottom: proposals after a monthly close pick exactly the bottom three per
branch (ties stated: everyone sharing the boundary points), situations get the alternative or an
exemption with the reason, the run is idempotent, the secretary confirms/adjusts and records
completion, the member is notified, and another township sees nothing."""
import datetime as dt
import types
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.access import access_for
from accounts.models import Role
from audit.models import AuditEvent
from common import clock as product_clock
from common.errors import Conflict, DomainError, NotFound, PermissionDenied
from notifications.models import Notification
from scoring.duties import selectors, services
from scoring.duties.models import Duty, DutyAssignment, DutyRun
from scoring.duties.situation import fit_for
from scoring.ledger.posting import Posting, ledger_post
from scoring.periods import calendar
from scoring.periods.services import month_close
from tests.factories import BranchFactory, MemberFactory

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]

# Branch → members as (name, month points, situation); expected: the picked names with their variant.
# Monthly duty: remote alternative, no care alternative (so elderly and ill members are exempted).
CASES = {
    "plain": ([("甲1", 10, ""), ("甲2", 8, ""), ("甲3", 6, ""), ("甲4", 4, ""), ("甲5", 2, ""), ("甲6", 0, "")],
              {"甲4": "standard", "甲5": "standard", "甲6": "standard"}),
    # Two share the third-lowest points: both are picked (four in all), nobody else.
    "tie_at_boundary": ([("乙1", 10, ""), ("乙2", 8, ""), ("乙3", 3, ""), ("乙4", 3, ""), ("乙5", 1, ""),
                         ("乙6", 0, "")],
                        {"乙3": "standard", "乙4": "standard", "乙5": "standard", "乙6": "standard"}),
    # Four share the lowest points: all four, and the next one up (place 5) is not picked.
    "tie_at_bottom": ([("丙1", 9, ""), ("丙2", 9, ""), ("丙3", 5, ""), ("丙4", 1, ""), ("丙5", 1, ""),
                       ("丙6", 1, ""), ("丙7", 1, "")],
                      {"丙4": "standard", "丙5": "standard", "丙6": "standard", "丙7": "standard"}),
    # Everyone tied: nobody is at the bottom.
    "all_tied": ([("丁1", 5, ""), ("丁2", 5, ""), ("丁3", 5, ""), ("丁4", 5, ""), ("丁5", 5, "")], {}),
    # Three members or fewer: none.
    "small": ([("戊1", 3, ""), ("戊2", 2, ""), ("戊3", 1, "")], {}),
    "situations": ([("己1", 10, ""), ("己2", 9, ""), ("己3", 8, ""), ("己4", 7, ""), ("己5", 1, "migrant"),
                    ("己6", 2, "seafarer"), ("己7", 3, "ill")],
                   {"己5": "alternative", "己6": "alternative", "己7": "exempt"}),
    "elderly": ([("庚1", 10, ""), ("庚2", 9, ""), ("庚3", 8, ""), ("庚4", 7, ""), ("庚5", 0, "elderly"),
                 ("庚6", 1, ""), ("庚7", 2, "")],
                {"庚5": "exempt", "庚6": "standard", "庚7": "standard"}),
}
MONTHLY = {"name": "打扫党员活动室一周", "period": "monthly", "description": "每天开门通风、打扫卫生",
           "remote_alternative": "远程志愿服务一次", "care_alternative": ""}


def _member(branch, name, situation):
    extra = {}
    if situation == "migrant":
        extra = {"is_migrant": True, "migrant_location": "广州"}
    elif situation == "seafarer":
        extra = {"is_special_occupation": True, "special_occupation": "海员"}
    elif situation == "elderly":
        extra = {"is_elderly": True}
    return MemberFactory(branch=branch, name=name, **extra)


@pytest.fixture
def closed_month(township_a, in_township, make_user):
    """Every CASES branch in township A with its points in the last ended month, which is closed;
    the office and a monthly duty exist, nothing is proposed yet."""
    year, month = calendar.last_ended_month(product_clock.today())
    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    with in_township(township_a):
        scoring_year = calendar.scoring_year_label(dt.date(year, month, 1))
        branches, members = {}, {}
        postings = []
        for key, (rows, _expected) in CASES.items():
            branches[key] = BranchFactory(name=f"{key}支部")
            for name, points, situation in rows:
                member = members[name] = _member(branches[key], name, situation)
                if points:
                    postings.append(Posting(kind="adjustment", member_id=member.pk, points=Decimal(points),
                                            occurred_on=dt.date(year, month, 10), scoring_year=scoring_year))
        with transaction.atomic():
            ledger_post(postings=postings, actor_id=None)
        access = access_for(office, township_a)
        services.illness_mark(actor=office, access=access, member_id=members["己7"].pk, reason="住院治疗")
        close = month_close(year=year, month=month)
    connection.set_schema_to_public()
    return types.SimpleNamespace(year=year, month=month, close=close, office=office, access=access,
                                 branches=branches, members=members)


def test_situation_table():
    duty = types.SimpleNamespace(name="打扫", description="", remote_alternative="远程任务", care_alternative="居家学习")
    bare = types.SimpleNamespace(name="表演", description="", remote_alternative="", care_alternative="")

    def member(**flags):
        base = {"is_migrant": False, "migrant_location": "", "is_special_occupation": False, "special_occupation": "",
                "is_elderly": False}
        return types.SimpleNamespace(**{**base, **flags})

    table = [
        (member(), duty, None, ("standard", "打扫")),
        (member(is_migrant=True, migrant_location="宁波"), duty, None, ("alternative", "远程任务")),
        (member(is_special_occupation=True, special_occupation="海员"), duty, None, ("alternative", "远程任务")),
        (member(is_elderly=True), duty, None, ("alternative", "居家学习")),
        (member(), duty, "骨折", ("alternative", "居家学习")),
        (member(is_elderly=True, is_migrant=True, migrant_location="宁波"), duty, None, ("alternative", "居家学习")),
        (member(is_migrant=True, migrant_location="宁波"), bare, None, ("exempt", "")),
        (member(is_elderly=True), bare, None, ("exempt", "")),
        (member(), bare, None, ("standard", "表演")),
    ]
    for who, what, ill, expected in table:
        fit = fit_for(member=who, duty=what, ill_reason=ill)
        assert (fit.variant, fit.task) == expected
        assert bool(fit.situation) == (expected[0] != "standard")
    assert "宁波" in fit_for(member=member(is_migrant=True, migrant_location="宁波"), duty=bare, ill_reason=None).situation
    assert "骨折" in fit_for(member=member(), duty=duty, ill_reason="骨折").situation


def test_proposals_pick_the_bottom_three_per_branch_with_situations_once(township_a, in_township, closed_month):
    p = closed_month
    with in_township(township_a):
        # No duty in use yet: nothing is proposed and nothing written; the next night retries.
        assert services.duties_propose_due() == []
        assert (DutyRun.objects.count(), DutyAssignment.objects.count()) == (0, 0)
        services.duty_create(actor=p.office, access=p.access, **MONTHLY)
        [run] = services.duties_propose_due()
        assert (run.year, run.month) == (p.year, p.month)
        picked = {a.member.name: a for a in DutyAssignment.objects.select_related("member")}
        expected = {name: variant for _rows, exp in CASES.values() for name, variant in exp.items()}
        assert {name: a.variant for name, a in picked.items()} == expected
        assert run.proposals == len(expected)
        # Places from the bottom and the stated reasons.
        assert [(picked[n].bottom_rank, picked[n].branch_members) for n in ("乙6", "乙5", "乙3", "乙4")] == [
            (1, 6), (2, 6), (3, 6), (3, 6)]
        assert picked["甲6"].task == "打扫党员活动室一周：每天开门通风、打扫卫生"
        assert picked["己5"].task == "远程志愿服务一次"
        assert "广州" in picked["己5"].situation
        assert "海员" in picked["己6"].situation
        assert picked["己7"].task == ""
        assert "住院治疗" in picked["己7"].situation
        assert picked["甲5"].points == Decimal("2.00")
        with CaptureQueriesContext(connection) as queries:  # the whole township's bottom in one window query
            rows = selectors.bottom_of_close(close_id=p.close.pk, size=services.MONTHLY_SIZE)
        assert len([q for q in queries.captured_queries if "search_path" not in q["sql"]]) == 1
        assert len(rows) == len(expected)
        # Idempotent: run twice (and directly) = one set.
        assert services.duties_propose_due() == []
        assert services.duties_propose(year=p.year, month=p.month).pk == run.pk
        assert (DutyRun.objects.count(), DutyAssignment.objects.count()) == (1, len(expected))
        assert AuditEvent.objects.filter(action="duty.propose").count() == 1
        # The office is told there is something to confirm.
        assert Notification.objects.filter(event="duty.proposed").count() == 1


def test_secretary_confirms_adjusts_and_records_completion(township_a, township_b, in_township, closed_month,
                                                           make_user, client):
    p = closed_month
    secretary = make_user(Role.BRANCH_SECRETARY, township_a, branch_id=p.branches["plain"].pk)
    other_secretary = make_user(Role.BRANCH_SECRETARY, township_a, branch_id=p.branches["small"].pk)
    member_user = make_user(Role.MEMBER, township_a, member_id=p.members["甲6"].pk)
    with in_township(township_a):
        services.duty_create(actor=p.office, access=p.access, **MONTHLY)
        services.duties_propose_due()
        by_name = {a.member.name: a for a in DutyAssignment.objects.select_related("member")}
        access = access_for(secretary, township_a)
        # Out of scope: another branch's secretary does not see it; a member cannot handle it.
        with pytest.raises(NotFound):
            services.assignment_confirm(actor=other_secretary, access=access_for(other_secretary, township_a),
                                        assignment_id=by_name["甲6"].pk)
        with pytest.raises(NotFound):
            services.assignment_confirm(actor=secretary, access=access, assignment_id=by_name["乙6"].pk)
        with pytest.raises(PermissionDenied):
            services.assignment_confirm(actor=member_user, access=access_for(member_user, township_a),
                                        assignment_id=by_name["甲6"].pk)
        with pytest.raises(Conflict):  # not confirmed yet
            services.assignment_complete(actor=secretary, access=access, assignment_id=by_name["甲6"].pk)
        confirmed = services.assignment_confirm(actor=secretary, access=access, assignment_id=by_name["甲6"].pk)
        assert confirmed.status == "confirmed"
        assert confirmed.due_on == product_clock.today() + dt.timedelta(days=services.DEFAULT_DUE_DAYS)
        notification = Notification.objects.get(event="duty.assigned")
        assert set(notification.deliveries.values_list("recipient_id", flat=True)) == {member_user.pk}
        # Adjusting without a note is refused, with nothing written; with a note it is excused.
        before = AuditEvent.objects.count()
        with pytest.raises(DomainError):
            services.assignment_confirm(actor=secretary, access=access, assignment_id=by_name["甲5"].pk,
                                        variant="exempt")
        assert AuditEvent.objects.count() == before
        excused = services.assignment_confirm(actor=secretary, access=access, assignment_id=by_name["甲5"].pk,
                                              variant="exempt", note="本月在县医院陪护家人")
        assert (excused.status, excused.outcome_note) == ("excused", "本月在县医院陪护家人")
        completed = services.assignment_complete(actor=secretary, access=access, assignment_id=by_name["甲6"].pk,
                                                 note="活动室已打扫一周")
        assert (completed.status, completed.outcome_note) == ("completed", "活动室已打扫一周")
        with pytest.raises(Conflict):
            services.assignment_excuse(actor=secretary, access=access, assignment_id=completed.pk, reason="x")
        assert AuditEvent.objects.filter(action__in=["duty.confirm", "duty.complete"]).count() == 3
        assignment_id = by_name["甲4"].pk
    connection.set_schema_to_public()
    # The secretary's phone page and the API; the member sees only their own duty.
    client.force_login(secretary)
    page = client.get("/t/alpha/duties/").content.decode()
    connection.set_schema_to_public()
    assert "甲4" in page
    assert "乙6" not in page
    response = client.post(f"/t/alpha/api/v1/duties/assignments/{assignment_id}/confirm/",
                           {"variant": "alternative", "note": "本月在外地打工"}, content_type="application/json")
    connection.set_schema_to_public()
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["task"]) == ("confirmed", "远程志愿服务一次")
    client.force_login(member_user)
    rows = client.get("/t/alpha/api/v1/duties/assignments/").json()
    connection.set_schema_to_public()
    assert [(r["member_name"], r["status"]) for r in rows] == [("甲6", "completed")]
    # Another township: nothing listed, the assignment unknown.
    other_office = make_user(Role.TOWNSHIP_OFFICE, township_b)
    client.force_login(other_office)
    assert client.get("/t/beta/api/v1/duties/assignments/").json() == []
    connection.set_schema_to_public()
    response = client.post(f"/t/beta/api/v1/duties/assignments/{assignment_id}/complete/", {},
                           content_type="application/json")
    connection.set_schema_to_public()
    assert response.status_code == 404
    assert client.get(f"/t/beta/duties/{assignment_id}/").status_code == 404
    connection.set_schema_to_public()


def test_year_end_picks_the_bottom_ten_once_the_year_is_closed(township_a, in_township, scoring_setup, make_user):
    year = product_clock.today().year - 1
    setup = scoring_setup(township_a, year=year)
    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    with in_township(township_a):
        access = access_for(office, township_a)
        services.duty_create(actor=office, access=access, name="在年终村级活动上表演节目", period=Duty.Period.YEAR_END,
                             remote_alternative="录制视频在活动上播放")
        branch = BranchFactory(name="年终支部")
        members = [_member(branch, f"员{i:02d}", "elderly" if i == 3 else "") for i in range(1, 13)]
        with transaction.atomic():
            ledger_post(postings=[Posting(kind="adjustment", member_id=m.pk, points=Decimal(i),
                                          occurred_on=dt.date(year, 5, 1), scoring_year=setup.year.year)
                                  for i, m in enumerate(members, start=1)], actor_id=None)
        assert services.duties_propose_year_end(scoring_year=year) is None  # the year's last month is open
        month_close(year=setup.year.ends_on.year, month=setup.year.ends_on.month)
        run = services.duties_propose_year_end(scoring_year=year)
        assert run.is_year_end
        picked = dict(DutyAssignment.objects.filter(run=run).values_list("member__name", "variant"))
        assert picked == {f"员{i:02d}": ("exempt" if i == 3 else "standard") for i in range(1, 11)}
        assert services.duties_propose_year_end(scoring_year=year).pk == run.pk
        assert DutyAssignment.objects.filter(run=run).count() == 10
