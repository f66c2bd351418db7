"""Meeting pages and API: a clerk records, files and corrects on the phone pages; the archive's Excel
and record book; a member away confirms on the page and over the API; overdue reminders once."""
from __future__ import annotations

import io
import types

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accounts.models import Role
from notifications.models import Reminder
from scoring.county.models import MeetingFrequency
from scoring.ledger.models import Entry
from scoring.meetings import notices
from scoring.meetings.models import Attendance, Meeting, MeetingFile, PointsRule, RemoteConfirmation
from tests.factories import BranchFactory, MemberFactory, VillageFactory
from tests.files import photo_bytes

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def world(township_a, township_b, in_township, make_user, scoring_setup, clock):
    scoring_setup(township_a)
    with in_township(township_a):
        village = VillageFactory(name="阿尔法村")
        branch = BranchFactory(name="阿尔法村党支部", village=village)
        a, b = MemberFactory(name="张一", branch=branch), MemberFactory(name="王二", branch=branch)
        away = MemberFactory(name="赵四", branch=branch, is_migrant=True)
        PointsRule.objects.create(kind="theme_day", attendance="present", rule_code="B01", points=2)
        PointsRule.objects.create(kind="theme_day", attendance="remote", rule_code="R01", points=1)
    return types.SimpleNamespace(
        township=township_a, branch=branch, a=a, b=b, away=away, today=clock.today(),
        clerk=make_user(Role.CLERK, township_a, village_ids=[village.pk]),
        office=make_user(Role.TOWNSHIP_OFFICE, township_a),
        member=make_user(Role.MEMBER, township_a, member_id=away.pk),
        beta_office=make_user(Role.TOWNSHIP_OFFICE, township_b))


def call(client, method, path, *args, **kwargs):
    try:
        return getattr(client, method)(path, *args, **kwargs)
    finally:
        connection.set_schema_to_public()


def test_a_clerk_records_files_and_corrects_a_meeting_on_the_pages(client, world, in_township):
    client.force_login(world.clerk)
    assert call(client, "get", "/t/alpha/meetings/").status_code == 200
    assert call(client, "get", "/t/alpha/meetings/new/").status_code == 200
    response = call(client, "post", "/t/alpha/meetings/new/", {
        "branch": world.branch.pk, "kind": "theme_day", "held_on": world.today.isoformat(), "place": "村部",
        "topic": "重温入党誓词", "host": "书记", "minutes": "全体党员重温入党誓词。",
        "photos": [SimpleUploadedFile("p.jpg", photo_bytes(3), content_type="image/jpeg")],
        "sign_in": [SimpleUploadedFile("s.jpg", photo_bytes(4), content_type="image/jpeg")]})
    assert response.status_code == 302
    with in_township(world.township):
        meeting = Meeting.objects.get()
    detail = f"/t/alpha/meetings/{meeting.pk}/"
    assert call(client, "get", detail).status_code == 200
    fields = {"kind": "theme_day", "held_on": world.today.isoformat(), "place": "村部", "topic": "重温入党誓词",
              "host": "书记", "minutes": "全体党员重温入党誓词。"}
    attendance = {f"att_{world.a.pk}": "present", f"att_{world.b.pk}": "excused", f"why_{world.b.pk}": "住院",
                  f"att_{world.away.pk}": "absent"}
    assert call(client, "post", detail, {**fields, **attendance}).status_code == 302
    assert call(client, "post", f"{detail}file/", {"late_reason": ""}).status_code == 302
    with in_township(world.township):
        meeting.refresh_from_db()
        assert meeting.status == Meeting.Status.FILED
        entry = Entry.objects.get(source=meeting.source)
        assert (entry.member_id, entry.rule.code, entry.evidence.count()) == (world.a.pk, "B01", 2)
        photo = MeetingFile.objects.filter(version__meeting=meeting).first()
    page = call(client, "get", detail)
    assert "重温入党誓词" in page.content.decode()
    assert f"#{entry.pk}" in page.content.decode()
    image = call(client, "get", f"{detail}files/{photo.pk}/")
    assert image.status_code == 200
    assert image["X-Content-Type-Options"] == "nosniff"
    # The entry's page links back to the meeting.
    entry_page = call(client, "get", f"/t/alpha/scoring/entries/{entry.pk}/").content.decode()
    assert f"/t/alpha/meetings/{meeting.pk}/" in entry_page
    # Correct: B was present after all.
    assert call(client, "get", f"{detail}correct/").status_code == 200
    response = call(client, "post", f"{detail}correct/", {
        **fields, **attendance, f"att_{world.b.pk}": "present", f"why_{world.b.pk}": "",
        "reason": "王二会后补签到", "late_reason": ""})
    assert response.status_code == 302
    with in_township(world.township):
        assert {e.member_id for e in Entry.objects.filter(source=meeting.source)} == {world.a.pk, world.b.pk}
    assert "王二会后补签到" in call(client, "get", detail).content.decode()
    assert "住院" in call(client, "get", f"{detail}?version=1").content.decode()


def test_archive_excel_and_record_book(client, world, in_township):
    from accounts.access import access_for
    from scoring.meetings import services

    with in_township(world.township):
        access = access_for(world.clerk, world.township)
        meeting = services.meeting_create(
            actor=world.clerk, access=access, branch_id=world.branch.pk, kind="members", held_on=world.today,
            place="村部", topic="=HYPERLINK(\"x\")", host="书记",
            attendance={world.a.pk: "present", world.b.pk: ("excused", "外出"), world.away.pk: "absent"})
        services.meeting_file(actor=world.clerk, access=access, meeting_id=meeting.pk)
    client.force_login(world.office)
    query = f"?branch={world.branch.pk}&year={world.today.year}"
    page = call(client, "get", f"/t/alpha/meetings/archive/{query}")
    assert page.status_code == 200
    assert "HYPERLINK" in page.content.decode()
    book = call(client, "get", f"/t/alpha/meetings/archive/{query}&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(book.content)).worksheets[0]
    row = [c.value for c in sheet[2]]
    assert row[2] == "=HYPERLINK(\"x\")"
    assert sheet.cell(2, 3).data_type == "s"
    assert row[5:9] == [1, 0, 1, 1]
    printed = call(client, "get", f"/t/alpha/meetings/archive/print/{query}").content.decode()
    assert "record_book.css" in printed
    assert "外出" in printed
    assert "<script" not in printed
    # Another township's office sees nothing of it.
    client.force_login(world.beta_office)
    assert call(client, "get", f"/t/beta/meetings/archive/print/{query}").status_code == 404


def test_a_member_away_confirms_on_the_phone_and_over_the_api(client, world, in_township):
    client.force_login(world.clerk)
    api = "/t/alpha/api/v1/meetings/"
    created = call(client, "post", api, {
        "branch": world.branch.pk, "kind": "theme_day", "held_on": world.today.isoformat(), "place": "村部",
        "topic": "主题党日", "host": "书记",
        "attendance": [{"member": world.a.pk, "status": "present"}, {"member": world.b.pk, "status": "absent"},
                       {"member": world.away.pk, "status": "excused", "reason": "在外务工"}]},
        content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["meeting"]
    # No photos: the item needs evidence, so filing is refused and nothing is written.
    refused = call(client, "post", f"{api}{pk}/file/", {}, content_type="application/json")
    assert refused.status_code == 400
    assert "files" in refused.json()["error"]["fields"]
    with in_township(world.township):
        assert (Meeting.objects.get(pk=pk).status, Entry.objects.count()) == (Meeting.Status.DRAFT, 0)
        PointsRule.objects.filter(attendance="present").update(rule_code="D01", attendance="absent", points=-1)
    filed = call(client, "post", f"{api}{pk}/file/", {}, content_type="application/json")
    assert filed.json()["created"] == 1
    client.force_login(world.member)
    assert call(client, "get", "/t/alpha/meetings/").status_code == 200
    assert call(client, "get", f"/t/alpha/meetings/{pk}/").status_code == 403
    response = call(client, "post", f"/t/alpha/meetings/{pk}/remote/", {
        "how": "recording", "note": "看了录像", "photo": SimpleUploadedFile("r.jpg", photo_bytes(9))})
    assert response.status_code == 302
    mine = call(client, "get", "/t/alpha/api/v1/meetings/remote/").json()
    assert [(r["meeting"], r["status"]) for r in mine] == [(pk, "pending")]
    client.force_login(world.clerk)
    [pending] = call(client, "get", "/t/alpha/api/v1/meetings/remote/").json()
    decided = call(client, "post", f"/t/alpha/api/v1/meetings/remote/{pending['id']}/decide/",
                   {"decision": "accept"}, content_type="application/json")
    assert decided.json()["status"] == "accepted"
    detail = call(client, "get", f"{api}{pk}/").json()
    assert detail["number"] == 2
    assert detail["versions"] == [1, 2]
    assert {r["member"]: r["status"] for r in detail["attendance"]}[world.away.pk] == Attendance.REMOTE
    assert call(client, "get", f"{api}{pk}/versions/1/").json()["number"] == 1
    with in_township(world.township):
        assert RemoteConfirmation.objects.get().status == RemoteConfirmation.Status.ACCEPTED
        assert Entry.objects.filter(source=f"meeting:{pk}", member=world.away, rule__code="R01").count() == 1
    client.force_login(world.beta_office)
    assert call(client, "get", f"/t/beta/api/v1/meetings/{pk}/").status_code == 404


def test_overdue_reminders_go_out_once_per_branch_kind_and_period(world, in_township, make_user, clock):
    MeetingFrequency.objects.bulk_create([MeetingFrequency(kind=k, months=1 if k == "committee" else 0)
                                          for k in ("members", "committee", "group", "lesson", "theme_day")])
    secretary = make_user(Role.BRANCH_SECRETARY, world.township, branch_id=world.branch.pk)
    with in_township(world.township):
        assert notices.remind_overdue(township=world.township) == 1
        assert notices.remind_overdue(township=world.township) == 0
        recipients = set(Reminder.objects.filter(kind="meeting.overdue").values_list("recipient_id", flat=True))
        assert recipients == {world.clerk.pk, world.office.pk, secretary.pk}
        # A month later the next missed period is reminded again.
        clock.advance(days=31)
        assert notices.remind_overdue(township=world.township) == 1


def test_the_county_sets_the_required_frequencies(client, make_user, world):
    from scoring.county.models import meeting_frequencies

    client.force_login(world.office)
    assert call(client, "get", "/scoring/meeting-frequencies/").status_code == 403
    client.force_login(make_user(Role.COUNTY_ADMIN))
    assert call(client, "get", "/scoring/meeting-frequencies/").status_code == 200
    data = {"members": 3, "committee": 1, "group": 3, "lesson": 3, "theme_day": 1, "volunteer": 6, "other": 0}
    assert call(client, "post", "/scoring/meeting-frequencies/", data).status_code == 302
    assert meeting_frequencies() == data
    assert call(client, "post", "/scoring/meeting-frequencies/", {**data, "group": 5}).status_code == 200
    assert meeting_frequencies()["group"] == 3


def test_overdue_reminders_take_the_same_statements_for_one_branch_or_many(world, in_township, make_user):
    """The first run in a township without meetings reminds every branch: one batch, not a round of
    lookups, locks, notifications and deliveries per branch."""
    from django.test.utils import CaptureQueriesContext

    from notifications.models import Delivery, Notification

    MeetingFrequency.objects.bulk_create([MeetingFrequency(kind=k, months=1 if k == "committee" else 0)
                                          for k in ("members", "committee", "group", "lesson", "theme_day")])
    with in_township(world.township):
        with CaptureQueriesContext(connection) as one:
            assert notices.remind_overdue(township=world.township) == 1
        villages = [VillageFactory(name=f"第{i}村") for i in range(3)]
        branches = [BranchFactory(name=f"第{i}村党支部", village=v) for i, v in enumerate(villages)]
    secretaries = [make_user(Role.BRANCH_SECRETARY, world.township, branch_id=b.pk) for b in branches]
    clerk = make_user(Role.CLERK, world.township, village_ids=[v.pk for v in villages[:2]])
    with in_township(world.township):
        with CaptureQueriesContext(connection) as many:
            assert notices.remind_overdue(township=world.township) == 3  # the first branch had its reminder
        statements = [[q["sql"] for q in captured.captured_queries if not q["sql"].startswith("SET search_path")]
                      for captured in (one, many)]
        assert len(statements[1]) == len(statements[0])
        reminded = {(key.split("-")[1], user) for key, user in
                    Reminder.objects.filter(kind="meeting.overdue").values_list("period_key", "recipient_id")}
    expected = {(str(world.branch.pk), user.pk) for user in (world.clerk, world.office)}
    for branch, secretary in zip(branches, secretaries, strict=True):
        expected |= {(str(branch.pk), secretary.pk), (str(branch.pk), world.office.pk)}
    expected |= {(str(branch.pk), clerk.pk) for branch in branches[:2]}
    assert reminded == expected
    assert Notification.objects.filter(event="meeting.overdue").count() == 4
    assert Delivery.objects.filter(notification__event="meeting.overdue").count() == 2 * len(expected)
