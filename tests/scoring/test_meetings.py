"""Meeting records: filing proposes entries once through review, corrections reverse the right ones,
filed records are locked (also against SQL), remote attendance, required frequencies, scope."""
from __future__ import annotations

import datetime as dt
import types
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.access import access_for
from accounts.models import Role
from audit.models import AuditEvent
from common.errors import Conflict, DomainError, NotFound
from scoring.county.models import MeetingFrequency
from scoring.ledger import services as ledger
from scoring.ledger.models import Entry, Evidence, LedgerEntry
from scoring.meetings import selectors, services
from scoring.meetings.models import (
    Attendance,
    AttendanceRow,
    Meeting,
    MeetingEntry,
    MeetingVersion,
    RemoteConfirmation,
)
from tests.factories import BranchFactory, MemberFactory, VillageFactory
from tests.files import photo_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]


def jpeg(name="photo.jpg", seed=1):
    return SimpleUploadedFile(name, photo_bytes(seed), content_type="image/jpeg")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def world(township_a, township_b, in_township, make_user, scoring_setup, clock):
    """Alpha: a village with a branch of four members (one a migrant with a member login), a
    second village's branch; the people who record and review; the points rules."""
    setup = scoring_setup(township_a)
    scoring_setup(township_b)
    with in_township(township_a):
        village, other_village = VillageFactory(name="阿尔法村"), VillageFactory(name="贝塔村")
        branch = BranchFactory(name="阿尔法村党支部", village=village)
        other_branch = BranchFactory(name="贝塔村党支部", village=other_village)
        a, b, c = (MemberFactory(name=n, branch=branch) for n in ("张一", "王二", "李三"))
        away = MemberFactory(name="赵四", branch=branch, is_migrant=True, migrant_location="宁波")
        stranger = MemberFactory(name="钱五", branch=other_branch)
    users = types.SimpleNamespace(
        clerk=make_user(Role.CLERK, township_a, village_ids=[village.pk]),
        other_clerk=make_user(Role.CLERK, township_a, village_ids=[other_village.pk]),
        secretary=make_user(Role.BRANCH_SECRETARY, township_a, branch_id=branch.pk),
        work_team=make_user(Role.WORK_TEAM, township_a, village_ids=[village.pk]),
        liaison=make_user(Role.LIAISON_LEADER, township_a, village_ids=[village.pk]),
        office=make_user(Role.TOWNSHIP_OFFICE, township_a),
        away=make_user(Role.MEMBER, township_a, member_id=away.pk),
        stranger=make_user(Role.MEMBER, township_a, member_id=stranger.pk),
        beta_office=make_user(Role.TOWNSHIP_OFFICE, township_b),
    )
    with in_township(township_a):
        office = access_for(users.office, township_a)
        services.points_rule_set(actor=users.office, access=office, kind="members", attendance="present",
                                 rule_code="B01", points="2")
        services.points_rule_set(actor=users.office, access=office, kind="members", attendance="absent",
                                 rule_code="D01", points="-1")
        services.points_rule_set(actor=users.office, access=office, kind="members", attendance="remote",
                                 rule_code="R01", points="1")
    return types.SimpleNamespace(township=township_a, beta=township_b, rules=setup.rules, village=village,
                                 branch=branch, other_branch=other_branch, a=a, b=b, c=c, away=away,
                                 stranger=stranger, users=users, today=clock.today())


def acc(world, user):
    return access_for(user, world.township)


def draft(world, attendance=None, user=None, **kwargs):
    user = user or world.users.clerk
    params = {"branch_id": world.branch.pk, "kind": "members", "held_on": world.today, "place": "村党群服务中心",
              "topic": "学习贯彻全会精神", "host": "支部书记", "minutes": "会议传达了全会精神。",
              "photos": [jpeg()], "sign_in": [jpeg("sign-in.jpg", seed=2)]}
    params.update(kwargs)
    if attendance is None:
        attendance = {world.a.pk: "present", world.b.pk: "absent", world.c.pk: ("excused", "外出就医"),
                      world.away.pk: ("excused", "在外务工")}
    return services.meeting_create(actor=user, access=acc(world, user), attendance=attendance, **params)


def file(world, meeting, user=None):
    user = user or world.users.clerk
    return services.meeting_file(actor=user, access=acc(world, user), meeting_id=meeting.pk)


def review_all(world, entry):
    for level, user in (("branch", world.users.secretary), ("work_team", world.users.work_team),
                        ("liaison", world.users.liaison)):
        entry = ledger.entry_review(actor=user, access=acc(world, user), entry_id=entry.pk, decision="approve",
                                    level=level)
    return entry


def proposed(meeting):
    return {(e.member_id, e.rule.code): e for e in Entry.objects.filter(source=meeting.source, corrects=None)
            .select_related("rule")}


def test_filing_proposes_one_entry_per_attendee_and_rule_with_the_photos_never_twice(world, in_township):
    with in_township(world.township):
        meeting = draft(world)
        assert not Entry.objects.exists()
        result = file(world, meeting)
        entries = proposed(meeting)
        assert (result.created, result.skipped) == (2, 0)
        assert set(entries) == {(world.a.pk, "B01"), (world.b.pk, "D01")}
        assert entries[(world.a.pk, "B01")].points == Decimal("2.00")
        assert entries[(world.b.pk, "D01")].points == Decimal("-1.00")
        assert {e.status for e in entries.values()} == {Entry.Status.IN_REVIEW}
        # The record's photo and sign-in sheet are each entry's evidence (same hashes).
        version = meeting.versions.get()
        hashes = sorted(version.files.values_list("sha256", flat=True))
        for entry in entries.values():
            assert sorted(Evidence.objects.filter(entry=entry).values_list("sha256", flat=True)) == hashes
        assert MeetingEntry.objects.filter(meeting=meeting, entry__isnull=False).count() == 2
        # Filing again is refused and proposes nothing more.
        with pytest.raises(Conflict):
            file(world, meeting)
        assert Entry.objects.filter(source=meeting.source).count() == 2
        # The link table refuses a second proposal of the same record, member and item.
        with pytest.raises(IntegrityError), transaction.atomic():
            MeetingEntry.objects.create(meeting=meeting, member=world.a, rule_code="B01", version=1)
        assert not LedgerEntry.objects.filter(entry__source=meeting.source).exists()


def test_entries_post_only_after_the_whole_review_path(world, in_township):
    with in_township(world.township):
        meeting = draft(world)
        file(world, meeting)
        entry = proposed(meeting)[(world.a.pk, "B01")]
        entry = ledger.entry_review(actor=world.users.secretary, access=acc(world, world.users.secretary),
                                    entry_id=entry.pk, decision="approve", level="branch")
        assert entry.status == Entry.Status.IN_REVIEW
        assert not LedgerEntry.objects.filter(entry=entry).exists()
        entry = review_all_from(world, entry, "work_team")
        assert entry.status == Entry.Status.POSTED
        assert LedgerEntry.objects.get(entry=entry).points == Decimal("2.00")


def review_all_from(world, entry, first):
    levels = [("branch", world.users.secretary), ("work_team", world.users.work_team),
              ("liaison", world.users.liaison)]
    start = [name for name, _user in levels].index(first)
    for level, user in levels[start:]:
        entry = ledger.entry_review(actor=user, access=acc(world, user), entry_id=entry.pk, decision="approve",
                                    level=level)
    return entry


def test_a_correction_reverses_what_changed_and_proposes_for_newly_present_members(world, in_township):
    with in_township(world.township):
        meeting = draft(world, attendance={world.a.pk: "present", world.b.pk: "present", world.c.pk: "absent",
                                           world.away.pk: ("excused", "在外务工")})
        file(world, meeting)
        before = proposed(meeting)
        for entry in before.values():
            review_all(world, entry)
        clerk = world.users.clerk
        result = services.meeting_correct(actor=clerk, access=acc(world, clerk), meeting_id=meeting.pk,
                                          reason="签到表核对：王二实际未到，李三到会",
                                          attendance={world.b.pk: "absent", world.c.pk: "present"})
        assert (result.reversals, result.reversals_waiting, result.created) == (2, 0, 2)
        reversals = Entry.objects.filter(source=meeting.source, corrects__isnull=False)
        assert {(r.corrects_id, r.points) for r in reversals} == {
            (before[(world.b.pk, "B01")].pk, Decimal("-2.00")), (before[(world.c.pk, "D01")].pk, Decimal("1.00"))}
        assert {r.status for r in reversals} == {Entry.Status.IN_REVIEW}
        after = proposed(meeting)
        assert set(after) - set(before) == {(world.b.pk, "D01"), (world.c.pk, "B01")}
        # A's entry is untouched; nothing was proposed twice.
        assert not Entry.objects.filter(corrects=before[(world.a.pk, "B01")]).exists()
        assert Entry.objects.filter(source=meeting.source, corrects=None).count() == 5
        # The old version stays readable as it was filed.
        meeting.refresh_from_db()
        assert meeting.version == 2
        old = selectors.version_get(meeting, 1)
        assert {r.member_id: r.status for r in old.attendance.all()}[world.b.pk] == Attendance.PRESENT
        new = selectors.version_get(meeting)
        assert new.reason == "签到表核对：王二实际未到，李三到会"
        assert {r.member_id: r.status for r in new.attendance.all()}[world.b.pk] == Attendance.ABSENT
        assert new.files.count() == old.files.count() == 2


def test_a_correction_of_an_entry_still_in_review_waits_until_it_posts(world, in_township):
    with in_township(world.township):
        meeting = draft(world)
        file(world, meeting)
        entry = proposed(meeting)[(world.a.pk, "B01")]
        clerk = world.users.clerk
        result = services.meeting_correct(actor=clerk, access=acc(world, clerk), meeting_id=meeting.pk,
                                          reason="张一请假", attendance={world.a.pk: ("excused", "生病")})
        assert (result.reversals, result.reversals_waiting) == (0, 1)
        assert services.reversals_due() == 0  # still in review: nothing to reverse yet
        review_all(world, entry)
        assert services.reversals_due() == 1
        reversal = Entry.objects.get(corrects=entry)
        assert (reversal.points, reversal.source, reversal.status) == (Decimal("-2.00"), meeting.source,
                                                                       Entry.Status.IN_REVIEW)
        assert services.reversals_due() == 0  # idempotent
        assert Entry.objects.filter(corrects=entry).count() == 1


def test_a_filed_record_cannot_be_changed_in_place_not_even_by_sql(world, in_township):
    with in_township(world.township):
        meeting = draft(world)
        file(world, meeting)
        clerk = world.users.clerk
        with pytest.raises(Conflict):
            services.meeting_update(actor=clerk, access=acc(world, clerk), meeting_id=meeting.pk, topic="改过的主题")
        with pytest.raises(Conflict):
            services.meeting_delete(actor=clerk, access=acc(world, clerk), meeting_id=meeting.pk)
        version = meeting.versions.get()
        statements = [
            ("UPDATE meetings_meetingversion SET topic = 'x' WHERE id = %s", [version.pk]),
            ("DELETE FROM meetings_meetingversion WHERE id = %s", [version.pk]),
            ("UPDATE meetings_attendancerow SET status = 'present' WHERE version_id = %s", [version.pk]),
            ("DELETE FROM meetings_attendancerow WHERE version_id = %s", [version.pk]),
            ("INSERT INTO meetings_attendancerow (version_id, member_id, status, reason) VALUES (%s, %s, 'present', '')",
             [version.pk, world.stranger.pk]),
            ("DELETE FROM meetings_meetingfile WHERE version_id = %s", [version.pk]),
            ("UPDATE meetings_meeting SET status = 'draft' WHERE id = %s", [meeting.pk]),
            ("DELETE FROM meetings_meeting WHERE id = %s", [meeting.pk]),
        ]
        for sql, params in statements:
            with pytest.raises(DatabaseError, match="filed"), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, params)
        version.refresh_from_db()
        assert version.topic == "学习贯彻全会精神"
        assert AttendanceRow.objects.filter(version=version).count() == 4


def test_a_draft_can_be_edited_and_filing_needs_every_members_attendance(world, in_township):
    with in_township(world.township):
        clerk = world.users.clerk
        meeting = draft(world, attendance={world.a.pk: "present"})
        services.meeting_update(actor=clerk, access=acc(world, clerk), meeting_id=meeting.pk, topic="重温入党誓词",
                                attendance={world.b.pk: "present"})
        assert meeting.versions.get().topic == "重温入党誓词"
        events = AuditEvent.objects.count()
        with pytest.raises(DomainError) as exc:
            file(world, meeting)
        assert "attendance" in exc.value.field_errors
        assert (Meeting.objects.get(pk=meeting.pk).status, Entry.objects.count(), AuditEvent.objects.count()) == (
            Meeting.Status.DRAFT, 0, events)
        with pytest.raises(DomainError) as exc:
            services.meeting_update(actor=clerk, access=acc(world, clerk), meeting_id=meeting.pk,
                                    attendance={world.c.pk: "excused"})
        assert "attendance" in exc.value.field_errors


def test_remote_attendance_confirmed_by_a_member_away_and_accepted_by_the_clerk(world, in_township):
    with in_township(world.township):
        meeting = draft(world)
        file(world, meeting)
        away = world.users.away
        with pytest.raises(NotFound):  # another branch's member does not see the meeting
            services.remote_confirm(actor=world.users.stranger, access=acc(world, world.users.stranger),
                                    meeting_id=meeting.pk, how="recording")
        confirmation = services.remote_confirm(actor=away, access=acc(world, away), meeting_id=meeting.pk,
                                               how="recording", note="在宁波看了会议录像", photo=jpeg(seed=5))
        assert confirmation.photo_sha256
        with pytest.raises(Conflict):
            services.remote_confirm(actor=away, access=acc(world, away), meeting_id=meeting.pk, how="call")
        assert [c.pk for c in selectors.remote_pending(access=acc(world, world.users.clerk))] == [confirmation.pk]
        with pytest.raises(NotFound):  # the other village's clerk cannot decide it
            services.remote_decide(actor=world.users.other_clerk, access=acc(world, world.users.other_clerk),
                                   confirmation_id=confirmation.pk, decision="accept")
        services.remote_decide(actor=world.users.clerk, access=acc(world, world.users.clerk),
                               confirmation_id=confirmation.pk, decision="accept")
        meeting.refresh_from_db()
        assert meeting.version == 2
        row = selectors.version_get(meeting).attendance.get(member=world.away)
        assert row.status == Attendance.REMOTE
        entry = proposed(meeting)[(world.away.pk, "R01")]
        assert (entry.points, entry.status) == (Decimal("1.00"), Entry.Status.IN_REVIEW)
        assert RemoteConfirmation.objects.get().status == RemoteConfirmation.Status.ACCEPTED


def test_other_township_and_out_of_scope_clerk_get_not_found(world, in_township, client):
    with in_township(world.township):
        meeting = draft(world)
        other = world.users.other_clerk
        with pytest.raises(NotFound):
            services.meeting_file(actor=other, access=acc(world, other), meeting_id=meeting.pk)
        with pytest.raises(DomainError):
            services.meeting_create(actor=other, access=acc(world, other), branch_id=world.branch.pk, kind="members",
                                    held_on=world.today, place="p", topic="t", host="h")
        assert Meeting.objects.count() == 1
    for user, code in ((other, "alpha"), (world.users.beta_office, "beta")):
        client.force_login(user)
        try:
            assert client.get(f"/t/{code}/meetings/{meeting.pk}/").status_code == 404
            assert client.get(f"/t/{code}/api/v1/meetings/{meeting.pk}/").status_code == 404
        finally:
            connection.set_schema_to_public()
    client.force_login(world.users.clerk)
    try:
        assert client.get(f"/t/alpha/meetings/{meeting.pk}/").status_code == 200
    finally:
        connection.set_schema_to_public()


def _held(world, branch, kind, day):
    clerk = world.users.office
    meeting = services.meeting_create(actor=clerk, access=acc(world, clerk), branch_id=branch.pk, kind=kind,
                                      held_on=day, place="会议室", topic="例会", host="书记",
                                      attendance={m.pk: "present" for m in branch.members.all()})
    services.meeting_file(actor=clerk, access=acc(world, clerk), meeting_id=meeting.pk, late_reason="补记")
    return meeting


def test_overdue_lists_exactly_the_branches_that_missed_their_frequency(world, in_township):
    MeetingFrequency.objects.bulk_create([MeetingFrequency(kind=k, months=0) for k in
                                          ("members", "group", "theme_day", "volunteer", "other")])
    MeetingFrequency.objects.bulk_create([MeetingFrequency(kind="committee", months=1),
                                          MeetingFrequency(kind="lesson", months=3)])
    today = world.today
    month_start = today.replace(day=1)
    last_month = (month_start - dt.timedelta(days=1)).replace(day=1)
    quarter_start, _end = selectors.period_of(today, 3)
    last_quarter_start, last_quarter_end = selectors.previous_period(today, 3)
    with in_township(world.township):
        on_time = BranchFactory(name="按时支部")
        this_month = BranchFactory(name="本月支部")
        missed = BranchFactory(name="漏开支部")
        for b in (on_time, this_month, missed):
            MemberFactory(branch=b)
        _held(world, on_time, "committee", last_month)        # last month held, this month still due
        _held(world, on_time, "lesson", last_quarter_end)
        _held(world, this_month, "committee", today)          # missed last month, but held this month
        _held(world, this_month, "lesson", quarter_start)
        _held(world, missed, "committee", last_month - dt.timedelta(days=1))  # two months ago only
        _held(world, missed, "lesson", last_quarter_start - dt.timedelta(days=1))
        branches = [on_time, this_month, missed]
        rows = selectors.overdue(today=today, branches=branches)
        assert sorted((r.branch.name, r.kind) for r in rows) == [("漏开支部", "committee"), ("漏开支部", "lesson")]
        assert {(r.kind, r.period_start) for r in rows} == {("committee", last_month),
                                                            ("lesson", last_quarter_start)}
        # The same few queries (the county's frequencies, the meetings held) whatever the number of branches.
        with CaptureQueriesContext(connection) as one:
            selectors.frequency_board(branches=branches[:1], today=today)
        with CaptureQueriesContext(connection) as three:
            rows_board = selectors.frequency_board(branches=branches, today=today)
        assert len(three) == len(one) <= 4
        board = {(r.branch.name, r.kind): r.state for r in rows_board}
        assert board == {("按时支部", "committee"): "due", ("按时支部", "lesson"): "due",
                         ("本月支部", "committee"): "done", ("本月支部", "lesson"): "done",
                         ("漏开支部", "committee"): "overdue", ("漏开支部", "lesson"): "overdue"}


def test_a_draft_does_not_count_and_a_corrected_date_moves_the_meeting(world, in_township):
    MeetingFrequency.objects.bulk_create([MeetingFrequency(kind=k, months=0) for k in
                                          ("members", "group", "theme_day", "lesson", "volunteer", "other")])
    with in_township(world.township):
        branch = BranchFactory(name="单独支部")
        MemberFactory(branch=branch)
        office = world.users.office
        services.meeting_create(actor=office, access=acc(world, office), branch_id=branch.pk, kind="committee",
                                held_on=world.today, place="p", topic="t", host="h",
                                attendance={m.pk: "present" for m in branch.members.all()})
        assert [r.branch.name for r in selectors.overdue(today=world.today, branches=[branch])] == ["单独支部"]
        meeting = _held(world, branch, "committee", world.today)
        assert selectors.overdue(today=world.today, branches=[branch]) == []
        services.meeting_correct(actor=office, access=acc(world, office), meeting_id=meeting.pk, reason="日期写错",
                                 held_on=world.today - dt.timedelta(days=70))
        assert [r.branch.name for r in selectors.overdue(today=world.today, branches=[branch])] == ["单独支部"]
        assert MeetingVersion.objects.filter(meeting=meeting).count() == 2
