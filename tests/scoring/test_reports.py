"""Reports from members away: submission, review into a points entry (posted only after review),
returns and resubmission, who sees what, tenancy, reminders, pages and API."""
from __future__ import annotations

import datetime as dt
import types
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from accounts.access import access_for
from audit.models import AuditEvent
from common.errors import Conflict, DomainError, PermissionDenied
from scoring.ledger import services as ledger
from scoring.ledger.models import Entry, LedgerEntry
from scoring.reports import services
from scoring.reports.models import Report, ReportPhoto
from scoring.reports.notices import remind_reports_due
from scoring.reports.selectors import member_due, quarter_end, quarter_of
from tests.factories import BranchFactory, MemberFactory, VillageFactory
from tests.scoring.test_entries_services import jpeg

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]


def call(client, method, path, data=None, **extra):
    try:
        return getattr(client, method)(path, data or {}, **extra)
    finally:
        connection.set_schema_to_public()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def world(township_a, township_b, in_township, make_user, scoring_setup):
    scoring_setup(township_a)
    with in_township(township_a):
        village = VillageFactory(name="海港村")
        branch = BranchFactory(name="海港村党支部", village=village)
        seafarer = MemberFactory(name="海员老李", branch=branch, is_special_occupation=True, special_occupation="海员")
        migrant = MemberFactory(name="务工小王", branch=branch, is_migrant=True, migrant_location="广东东莞")
        resident = MemberFactory(name="在村老张", branch=branch)
        other_village = VillageFactory(name="别村")
        outsider = MemberFactory(name="别村务工", branch=BranchFactory(village=other_village), is_migrant=True,
                                 migrant_location="上海")
    users = types.SimpleNamespace(
        office=make_user("township_office", township_a),
        clerk=make_user("clerk", township_a, village_ids=[village.pk]),
        secretary=make_user("branch_secretary", township_a, branch_id=branch.pk),
        work_team=make_user("work_team", township_a, village_ids=[village.pk]),
        liaison=make_user("liaison_leader", township_a, village_ids=[village.pk]),
        seafarer=make_user("member", township_a, member_id=seafarer.pk),
        migrant=make_user("member", township_a, member_id=migrant.pk),
        resident=make_user("member", township_a, member_id=resident.pk),
        outsider_clerk=make_user("clerk", township_a, village_ids=[other_village.pk]),
        office_b=make_user("township_office", township_b),
    )
    with in_township(township_a):
        services.report_rule_set(actor=users.office, access=access_for(users.office, township_a), kind="thought",
                                 rule_code="R01", points="2")
        services.report_rule_set(actor=users.office, access=access_for(users.office, township_a), kind="study",
                                 rule_code="R01", points="1")
    return types.SimpleNamespace(township=township_a, other=township_b, branch=branch, seafarer=seafarer,
                                 migrant=migrant, resident=resident, outsider=outsider, users=users)


def acc(world, user):
    return access_for(user, world.township)


def submit(world, user, kind="thought", photos=None):
    return services.report_submit(actor=user, access=acc(world, user), kind=kind, title="第四季度思想汇报",
                                  body="远洋航行中坚持学习党的理论。", photos=[jpeg()] if photos is None else photos)


def test_an_accepted_report_becomes_one_reviewed_entry_and_posts_only_after_review(world, in_township, clock):
    users = world.users
    with in_township(world.township):
        report = submit(world, users.seafarer)
        year, quarter = quarter_of(clock.today())
        assert (report.status, report.year, report.quarter, report.submitted_on) == (
            Report.Status.SUBMITTED, year, quarter, clock.today())
        assert ReportPhoto.objects.filter(report=report).count() == 1
        ledger_rows = LedgerEntry.objects.count()
        services.report_accept(actor=users.clerk, access=acc(world, users.clerk), report_id=report.pk)
        report.refresh_from_db()
        entry = report.entry
        assert (report.status, entry.source, entry.member_id, entry.rule.code, entry.points, entry.status) == (
            Report.Status.ACCEPTED, f"report:{report.pk}", world.seafarer.pk, "R01", Decimal("2.00"),
            Entry.Status.IN_REVIEW)
        assert entry.evidence.count() == 1
        assert entry.evidence.get().sha256 == report.photos.get().sha256
        assert entry.evidence.get().original_name == report.photos.get().original_name == "photo.jpg"
        assert LedgerEntry.objects.count() == ledger_rows  # nothing posted before review
        # Accepting again proposes nothing more.
        with pytest.raises(Conflict):
            services.report_accept(actor=users.office, access=acc(world, users.office), report_id=report.pk)
        assert Entry.objects.filter(source=f"report:{report.pk}").count() == 1
        for reviewer in (users.secretary, users.work_team):
            ledger.entry_review(actor=reviewer, access=acc(world, reviewer), entry_id=entry.pk, decision="approve")
            assert LedgerEntry.objects.count() == ledger_rows
        ledger.entry_review(actor=users.liaison, access=acc(world, users.liaison), entry_id=entry.pk,
                            decision="approve")
        row = LedgerEntry.objects.get(entry=entry)
        assert (row.member_id, row.points, row.kind) == (world.seafarer.pk, Decimal("2.00"), "adjustment")
        assert AuditEvent.objects.filter(action="report.accept", object_id=str(report.pk)).count() == 1


def test_a_returned_report_can_be_submitted_again_and_a_live_one_cannot(world, in_township):
    users = world.users
    with in_township(world.township):
        first = submit(world, users.migrant)
        with pytest.raises(Conflict):
            submit(world, users.migrant)
        with pytest.raises(DomainError) as exc:
            services.report_return(actor=users.secretary, access=acc(world, users.secretary), report_id=first.pk,
                                   reason=" ")
        assert "reason" in exc.value.field_errors
        services.report_return(actor=users.secretary, access=acc(world, users.secretary), report_id=first.pk,
                               reason="内容过于简单，请结合本人工作实际补充。")
        first.refresh_from_db()
        assert (first.status, first.entry_id) == (Report.Status.RETURNED, None)
        with pytest.raises(Conflict):  # a returned report is not accepted afterwards
            services.report_accept(actor=users.clerk, access=acc(world, users.clerk), report_id=first.pk)
        assert not Entry.objects.filter(source=f"report:{first.pk}").exists()
        second = submit(world, users.migrant)
        assert second.pk != first.pk
        assert second.status == Report.Status.SUBMITTED
        due = {d.kind: d for d in member_due(member=world.migrant, today=second.submitted_on)}
        assert (due["thought"].report, due["study"].report) == (second, None)


def test_who_may_submit_and_review(world, in_township):
    users = world.users
    with in_township(world.township):
        reports = Report.objects.count()
        with pytest.raises(PermissionDenied):
            submit(world, users.resident)  # not away
        with pytest.raises(PermissionDenied):
            submit(world, users.clerk)  # no member record
        with pytest.raises(DomainError) as exc:
            submit(world, users.seafarer, photos=[])
        assert "photos" in exc.value.field_errors
        assert Report.objects.count() == reports
        report = submit(world, users.seafarer)
        with pytest.raises(PermissionDenied):
            services.report_accept(actor=users.migrant, access=acc(world, users.migrant), report_id=report.pk)
        with pytest.raises(DomainError) as exc:  # a clerk of another village does not see it
            services.report_accept(actor=users.outsider_clerk, access=acc(world, users.outsider_clerk),
                                   report_id=report.pk)
        assert exc.value.status_code == 404
        assert Report.objects.get(pk=report.pk).status == Report.Status.SUBMITTED


def test_a_member_sees_only_their_own_reports(world, in_township):
    users = world.users
    with in_township(world.township):
        own = submit(world, users.seafarer)
        theirs = submit(world, users.migrant)
    member = client_for(users.seafarer)
    assert call(member, "get", f"/t/alpha/reports/{own.pk}/").status_code == 200
    assert call(member, "get", f"/t/alpha/reports/{theirs.pk}/").status_code == 404
    assert call(member, "get", f"/t/alpha/api/v1/reports/{theirs.pk}/").status_code == 404
    listed = call(member, "get", "/t/alpha/api/v1/reports/").json()
    assert [r["id"] for r in listed["results"]] == [own.pk]
    with in_township(world.township):
        photo = theirs.photos.get()
    assert call(member, "get", f"/t/alpha/reports/{theirs.pk}/photos/{photo.pk}/").status_code == 404
    home = call(member, "get", "/t/alpha/reports/").content.decode()
    assert "流动党员线上学习" in home  # R01: an item in force for a member away
    assert own.title in home
    assert "务工小王" not in home


def test_another_township_never_sees_the_reports(world, in_township):
    users = world.users
    with in_township(world.township):
        report = submit(world, users.seafarer)
    with in_township(world.other):
        assert Report.objects.count() == 0
    office_b = client_for(users.office_b)
    assert call(office_b, "get", f"/t/beta/reports/{report.pk}/").status_code == 404
    assert call(office_b, "get", f"/t/beta/api/v1/reports/{report.pk}/").status_code == 404
    assert call(office_b, "post", f"/t/beta/api/v1/reports/{report.pk}/accept/", {}).status_code == 404
    assert call(office_b, "get", f"/t/alpha/reports/{report.pk}/").status_code == 403


def test_phone_pages_submit_and_accept(world, in_township):
    users = world.users
    member = client_for(users.seafarer)
    response = call(member, "post", "/t/alpha/reports/new/", {"kind": "study", "title": "学习笔记", "body": "学习体会",
                                                             "photos": [jpeg()]})
    assert response.status_code == 302
    with in_township(world.township):
        report = Report.objects.get(member=world.seafarer, kind="study")
    clerk = client_for(users.clerk)
    page = call(clerk, "get", "/t/alpha/reports/").content.decode()
    assert "学习笔记" in page
    assert call(clerk, "post", f"/t/alpha/reports/{report.pk}/accept/", {"points": "1"}).status_code == 302
    with in_township(world.township):
        report.refresh_from_db()
        assert (report.status, report.entry.points) == (Report.Status.ACCEPTED, Decimal("1.00"))
    bad = call(member, "post", "/t/alpha/reports/new/", {"kind": "study", "title": "again", "body": "x",
                                                        "photos": [jpeg()]})
    assert bad.status_code == 400


def test_api_submit_and_return(world, in_township):
    users = world.users
    member = client_for(users.migrant)
    created = call(member, "post", "/t/alpha/api/v1/reports/", {"kind": "thought", "title": "汇报", "body": "正文",
                                                               "photos": [jpeg()]})
    assert created.status_code == 201, created.content
    report_id = created.json()["id"]
    assert call(member, "post", f"/t/alpha/api/v1/reports/{report_id}/return/", {"reason": "x"},
                content_type="application/json").status_code == 403
    secretary = client_for(users.secretary)
    returned = call(secretary, "post", f"/t/alpha/api/v1/reports/{report_id}/return/", {"reason": "请补充"},
                    content_type="application/json")
    assert (returned.status_code, returned.json()["status"], returned.json()["return_reason"]) == (
        200, "returned", "请补充")


def test_reminders_reach_members_away_before_the_quarter_ends_once(world, in_township, clock):
    from notifications.models import Reminder

    users = world.users
    today = clock.today()
    year, quarter = quarter_of(today)
    deadline = quarter_end(year, quarter)
    start = deadline.replace(day=1) - dt.timedelta(days=60)
    early = dt.datetime.combine(start.replace(day=1), dt.time(10, 0), tzinfo=clock.now().tzinfo)
    clock.set(early)
    with in_township(world.township):
        assert remind_reports_due(township=world.township) == 0
    clock.set(dt.datetime.combine(deadline - dt.timedelta(days=3), dt.time(10, 0), tzinfo=early.tzinfo))
    with in_township(world.township):
        submit(world, users.migrant)  # the migrant has reported; the seafarer has not
        assert remind_reports_due(township=world.township) == 1
        assert remind_reports_due(township=world.township) == 0
    reminders = Reminder.objects.filter(kind="report.due", township=world.township)
    assert [(r.recipient_id, r.period_key) for r in reminders] == [(users.seafarer.pk, f"{year}Q{quarter}")]
