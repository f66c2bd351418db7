"""Appraisal of clerks: signals computed from real entries and spot-check findings, the office's
scores, nobody appraising themselves, a clerk seeing only their own appraisal (two townships)."""
from __future__ import annotations

import datetime as dt
import types
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accounts.access import access_for
from accounts.models import Role
from common.errors import Conflict, DomainError, PermissionDenied
from scoring.ledger import services as ledger
from scoring.ledger.selectors import township_today
from scoring.oversight import services as oversight
from staffing.appraisal import calc, selectors, services
from staffing.appraisal.models import Appraisal, AppraisalPeriod
from staffing.clerks import services as clerks
from tests.factories import BranchFactory, MemberFactory, VillageFactory
from tests.files import photo_bytes

# Fixed dates (the clock is set in each test), so not date_sensitive: the scoring year must hold them.
pytestmark = [pytest.mark.django_db]

D = dt.date
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
OFFICE = {"village_observation": 90, "township_push": "80", "branch_material": "70.5", "unannounced_check": 100}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def acc(user, township):
    return access_for(user, township)


def make_world(township, make_user, scoring_setup, in_township, tag):
    setup = scoring_setup(township, late_window_days=7)
    with in_township(township):
        village = VillageFactory(name=f"{tag}村")
        branch = BranchFactory(name=f"{tag}村党支部", village=village)
        members = [MemberFactory(name=f"{tag}{i}", branch=branch) for i in range(2)]
    users = types.SimpleNamespace(
        clerk=make_user(Role.CLERK, township, village_ids=[village.pk]),
        other_clerk=make_user(Role.CLERK, township, village_ids=[village.pk]),
        secretary=make_user(Role.BRANCH_SECRETARY, township, branch_id=branch.pk),
        team=make_user(Role.WORK_TEAM, township, village_ids=[village.pk]),
        liaison=make_user(Role.LIAISON_LEADER, township, village_ids=[village.pk]),
        office=make_user(Role.TOWNSHIP_OFFICE, township),
        supervisor=make_user(Role.SUPERVISION_OFFICE, township),
    )
    with in_township(township):
        # The office user is also a clerk record (to prove nobody appraises themselves).
        office_clerk_user = make_user(Role.TOWNSHIP_OFFICE, township)
        clerk_rows = types.SimpleNamespace(
            clerk=clerks.clerk_create(actor=None, name=f"{tag}专职甲", gender="f", birth_date=D(1995, 1, 1),
                                      contract_start=D(2024, 1, 1), user_id=users.clerk.pk),
            other=clerks.clerk_create(actor=None, name=f"{tag}专职乙", gender="m", birth_date=D(1994, 1, 1),
                                      contract_start=D(2024, 1, 1), user_id=users.other_clerk.pk),
            office_self=clerks.clerk_create(actor=None, name=f"{tag}兼任", gender="m", birth_date=D(1990, 1, 1),
                                            contract_start=D(2024, 1, 1), user_id=office_clerk_user.pk),
        )
    return types.SimpleNamespace(township=township, setup=setup, village=village, members=members, users=users,
                                 clerks=clerk_rows, office_clerk_user=office_clerk_user)


@pytest.fixture
def alpha(township_a, make_user, scoring_setup, in_township):
    return make_world(township_a, make_user, scoring_setup, in_township, "阿")


@pytest.fixture
def beta(township_b, make_user, scoring_setup, in_township):
    return make_world(township_b, make_user, scoring_setup, in_township, "贝")


def _enter(world, user, *, rule="D01", points="-2", days_before=0, member=0, files=()):
    return ledger.entry_create(actor=user, access=acc(user, world.township), member_id=world.members[member].pk,
                               rule_code=rule, occurred_on=township_today() - dt.timedelta(days=days_before),
                               points=points, note="记录", evidence_files=list(files))


def _post(world, entry):
    for user in (world.users.secretary, world.users.team, world.users.liaison):
        ledger.entry_review(actor=user, access=acc(user, world.township), entry_id=entry.pk, decision="approve")


def test_pure_arithmetic_of_scores_and_grades():
    counts = calc.Counts(entries=3, timely=2, needing_evidence=1, with_evidence=1, decided=3, rejected=1,
                         findings=2, discrepancies=1)
    s = calc.signals(counts)
    assert s == {"timeliness": "66.67", "evidence": "100.00", "accuracy": "50.00", "acceptance": "66.67"}
    assert calc.signals(calc.Counts())["timeliness"] == "0.00"  # nothing entered: no timeliness
    components = {**s, "village_observation": "90", "township_push": "80", "branch_material": "70.5",
                  "unannounced_check": "100"}
    # 66.67*15 + 100*15 + 50*20 + 66.67*10 + 90*10 + 80*10 + 70.5*10 + 100*10 = 7571.75 -> 75.7175 -> 75.72
    assert calc.total_score(components, calc.DEFAULT_WEIGHTS) == Decimal("75.72")
    assert [calc.grade_for(Decimal(x)) for x in ("90", "89.99", "75", "60", "59.99")] == ["A", "B", "B", "C", "D"]
    assert calc.period_bounds(D(2026, 11, 20), "quarterly") == (D(2026, 10, 1), D(2026, 12, 31))
    assert calc.period_bounds(D(2026, 12, 31), "monthly") == (D(2026, 12, 1), D(2026, 12, 31))
    assert calc.period_bounds(D(2026, 2, 3), "quarterly") == (D(2026, 1, 1), D(2026, 3, 31))


def test_signals_are_computed_from_the_clerks_real_entries_and_findings(alpha, in_township, clock):
    u = alpha.users
    clock.set(dt.datetime(2026, 11, 10, 10, 0, tzinfo=SHANGHAI))
    with in_township(alpha.township):
        period = services.period_open()
        assert services.period_open().pk == period.pk  # idempotent
        timely = _enter(alpha, u.clerk, days_before=1)
        late = _enter(alpha, u.clerk, days_before=5, member=1)
        with_photo = _enter(alpha, u.clerk, rule="B01", points="3",
                            files=[SimpleUploadedFile("p.jpg", photo_bytes(1), content_type="image/jpeg")])
        rejected = _enter(alpha, u.clerk, member=1)
        _enter(alpha, u.other_clerk)  # another clerk's entry: not counted
        _post(alpha, timely)
        _post(alpha, late)
        _post(alpha, with_photo)
        ledger.entry_review(actor=u.secretary, access=acc(u.secretary, alpha.township), entry_id=rejected.pk,
                            decision="reject", reason="不符合实际")
        clock.set(dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI))
        sup = acc(u.supervisor, alpha.township)
        check = oversight.check_unannounced_open(actor=u.supervisor, access=sup, village_id=alpha.village.pk)
        oversight.finding_record(actor=u.supervisor, access=sup, check_id=check.pk, entry_id=timely.pk,
                                 result="discrepancy", reason="not_happened", note="未发生")
        oversight.finding_record(actor=u.supervisor, access=sup, check_id=check.pk, entry_id=late.pk,
                                 result="confirmed")
        appraisal = services.appraisal_record(actor=u.office, access=acc(u.office, alpha.township),
                                              period_id=period.pk, clerk_id=alpha.clerks.clerk.pk,
                                              office_scores=OFFICE)
        assert appraisal.signals["counts"] == {"entries": 4, "timely": 3, "needing_evidence": 1, "with_evidence": 1,
                                               "decided": 4, "rejected": 1, "findings": 2, "discrepancies": 1}
        assert {k: appraisal.signals[k] for k in calc.SIGNAL_KEYS} == {
            "timeliness": "75.00", "evidence": "100.00", "accuracy": "50.00", "acceptance": "75.00"}
        # 75*15 + 100*15 + 50*20 + 75*10 + 90*10 + 80*10 + 70.5*10 + 100*10 = 7780 -> 77.80, grade B
        assert (appraisal.score, appraisal.grade, appraisal.coefficient) == (Decimal("77.80"), "B", Decimal("1.00"))
        assert appraisal.components["accuracy"] == {"score": "50.00", "weight": 20}
        # The other clerk's appraisal counts only their own entry.
        other = services.appraisal_record(actor=u.office, access=acc(u.office, alpha.township), period_id=period.pk,
                                          clerk_id=alpha.clerks.other.pk, office_scores=OFFICE)
        assert other.signals["counts"]["entries"] == 1
        # Office scores are checked.
        with pytest.raises(DomainError):
            services.appraisal_record(actor=u.office, access=acc(u.office, alpha.township), period_id=period.pk,
                                      clerk_id=alpha.clerks.clerk.pk, office_scores={**OFFICE, "township_push": 101})
        # Closing: only after the period ended, once; a closed period refuses appraisals.
        assert services.periods_close_due() == 0
        clock.set(dt.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI))
        assert services.periods_close_due() == 1
        assert services.periods_close_due() == 0
        with pytest.raises(Conflict):
            services.appraisal_record(actor=u.office, access=acc(u.office, alpha.township), period_id=period.pk,
                                      clerk_id=alpha.clerks.clerk.pk, office_scores=OFFICE)


def test_nobody_appraises_themselves_and_only_the_office_appraises(alpha, in_township):
    with in_township(alpha.township):
        period = services.period_open()
        me = alpha.office_clerk_user
        with pytest.raises(PermissionDenied) as err:
            services.appraisal_record(actor=me, access=acc(me, alpha.township), period_id=period.pk,
                                      clerk_id=alpha.clerks.office_self.pk, office_scores=OFFICE)
        assert err.value.message == services.SELF_APPRAISAL
        clerk = alpha.users.clerk
        with pytest.raises(PermissionDenied):
            services.appraisal_record(actor=clerk, access=acc(clerk, alpha.township), period_id=period.pk,
                                      clerk_id=alpha.clerks.other.pk, office_scores=OFFICE)
        # Another office member may.
        done = services.appraisal_record(actor=alpha.users.office, access=acc(alpha.users.office, alpha.township),
                                         period_id=period.pk, clerk_id=alpha.clerks.office_self.pk,
                                         office_scores=OFFICE)
        assert done.appraised_by_id == alpha.users.office.pk
        assert not Appraisal.objects.filter(appraised_by_id=me.pk).exists()


def test_clerk_sees_and_comments_only_their_own_appraisal_and_other_township_sees_none(alpha, beta, in_township):
    u = alpha.users
    with in_township(alpha.township):
        period = services.period_open()
        mine = services.appraisal_record(actor=u.office, access=acc(u.office, alpha.township), period_id=period.pk,
                                         clerk_id=alpha.clerks.clerk.pk, office_scores=OFFICE)
        theirs = services.appraisal_record(actor=u.office, access=acc(u.office, alpha.township), period_id=period.pk,
                                           clerk_id=alpha.clerks.other.pk, office_scores=OFFICE)
        assert list(selectors.appraisal_scope(acc(u.clerk, alpha.township))) == [mine]
        assert set(selectors.appraisal_scope(acc(u.office, alpha.township))) == {mine, theirs}
        assert not selectors.appraisal_scope(acc(u.secretary, alpha.township)).exists()
        commented = services.appraisal_comment(actor=u.clerk, appraisal_id=mine.pk, comment="观摩分偏低，请复核")
        assert commented.clerk_comment == "观摩分偏低，请复核"
        with pytest.raises(PermissionDenied):
            services.appraisal_comment(actor=u.clerk, appraisal_id=theirs.pk, comment="x")
        with pytest.raises(DomainError):
            services.appraisal_comment(actor=u.clerk, appraisal_id=mine.pk, comment="bad\x00text")
    with in_township(beta.township):
        assert not AppraisalPeriod.objects.exists()
        assert not selectors.appraisal_scope(acc(beta.users.office, beta.township)).exists()
        # Alpha's office user has no access in beta.
        assert not selectors.appraisal_scope(acc(u.office, beta.township)).exists()
    assert connection.schema_name == "public"


def test_meetings_filed_on_time_is_a_signal_where_meeting_records_exist(alpha, in_township, clock):
    """A clerk who filed meetings gets the "meetings" signal (share filed within three days of the
    meeting); the default weights leave it out of the total, a county template may weight it."""
    from scoring.meetings import services as meetings
    from staffing.county.models import AppraisalTemplate

    u = alpha.users
    clock.set(dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI))
    with in_township(alpha.township):
        period = services.period_open()
        access = acc(u.clerk, alpha.township)
        branch_id = alpha.members[0].branch_id
        members = {m.pk: "present" for m in alpha.members}
        for held_on in (D(2026, 11, 18), D(2026, 11, 2)):  # filed 2 days after, then 18 days after
            clock.set(dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI))
            meeting = meetings.meeting_create(actor=u.clerk, access=access, branch_id=branch_id,
                                              kind="committee", held_on=held_on, place="村部", topic="例会",
                                              host="书记", attendance=members)
            meetings.meeting_file(actor=u.clerk, access=access, meeting_id=meeting.pk)
        appraisal = services.appraisal_record(actor=u.office, access=acc(u.office, alpha.township),
                                              period_id=period.pk, clerk_id=alpha.clerks.clerk.pk,
                                              office_scores=OFFICE)
        assert appraisal.signals["counts"]["meetings"] == 2
        assert appraisal.signals["counts"]["meetings_on_time"] == 1
        assert appraisal.signals["meetings"] == "50.00"
        assert "meetings" not in appraisal.components  # the default template does not weight it
        other = services.appraisal_record(actor=u.office, access=acc(u.office, alpha.township), period_id=period.pk,
                                          clerk_id=alpha.clerks.other.pk, office_scores=OFFICE)
        assert "meetings" not in other.signals
        assert "meetings" not in other.signals["counts"]
    weights = {**calc.DEFAULT_WEIGHTS, "timeliness": 5, "meetings": 10}
    assert calc.weights_valid(weights)
    assert not calc.weights_valid({**calc.DEFAULT_WEIGHTS, "meetings": 10})  # sum 110
    AppraisalTemplate.objects.update_or_create(pk=1, defaults={"period_kind": "monthly", "weights": weights})
    with in_township(alpha.township):
        appraisal = services.appraisal_record(actor=u.office, access=acc(u.office, alpha.township),
                                              period_id=period.pk, clerk_id=alpha.clerks.clerk.pk,
                                              office_scores=OFFICE)
        assert appraisal.components["meetings"] == {"score": "50.00", "weight": 10}
        other = services.appraisal_record(actor=u.office, access=acc(u.office, alpha.township), period_id=period.pk,
                                          clerk_id=alpha.clerks.other.pk, office_scores=OFFICE)
        assert other.components["meetings"] == {"score": "100.00", "weight": 10}
