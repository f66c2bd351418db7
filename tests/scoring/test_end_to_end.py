"""Issue 4's "done when", through HTTP as the real users would, in township alpha:

the clerk records a month of entries with photos on the phone form, they pass the three review
levels on the reviewers' pages, the township office closes and seals the month and publishes the
quarter, the member objects on the notice, the office upholds it with correction points (a new
notice version; the old one stays readable), and the clerk hears of it all in the inbox and by
e-mail (issue 3). The chain verifies at the end and township beta saw none of it.

Dates: the month is the last month of the last quarter that has ended (in alpha's time zone), so it
can be closed and its quarter published today; the scoring year is the one containing it. Its
late window is set wide enough (200 days) that entries dated in that month are ordinary entries,
not late ones, whatever today's date is.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from notifications.events import EVENTS
from notifications.models import Delivery
from scoring.catalogue.services import scoring_year_label_for
from scoring.county.models import LedgerSeal
from scoring.demo import demo_photo
from scoring.ledger.chain import index_month, month_index
from scoring.ledger.models import Entry, Evidence, LedgerEntry, LedgerHead, Review
from scoring.ledger.verify import ledger_verify
from scoring.periods.models import MonthClose, Objection, Publication
from tests.factories import BranchFactory, MemberFactory, VillageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]

T = "/t/alpha"


@pytest.fixture(autouse=True)
def _media_and_mail(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []


def _last_ended_quarter(township) -> tuple[int, int, int]:
    """(year, quarter, last month) of the last quarter that has ended in the township's zone."""
    today = timezone.localdate(timezone=township.time_zone_info())
    first_of_quarter = 3 * ((today.month - 1) // 3) + 1
    year, month = index_month(month_index(today.year, first_of_quarter) - 1)
    return year, (month - 1) // 3 + 1, month


class As:
    """The test client logged in as one user; every request runs what it left for after commit
    (notification deliveries, eager in tests) and returns the connection to the public schema."""

    def __init__(self, client, user, capture):
        self.client, self.user, self.capture = client, user, capture

    def get(self, path, **params):
        self.client.force_login(self.user)
        try:
            return self.client.get(path, params)
        finally:
            connection.set_schema_to_public()

    def post(self, path, data):
        self.client.force_login(self.user)
        try:
            with self.capture(execute=True):
                return self.client.post(path, data)
        finally:
            connection.set_schema_to_public()


def test_a_month_from_the_phone_form_to_a_corrected_notice(
    client, township_a, township_b, in_township, make_user, scoring_setup, django_capture_on_commit_callbacks,
):
    q_year, quarter, month = _last_ended_quarter(township_a)
    label = scoring_year_label_for(on=dt.date(q_year, month, 1), start_month=1)
    setup = scoring_setup(township_a, year=label, late_window_days=200)
    with in_township(township_a):
        village = VillageFactory(name="东河村")
        branch = BranchFactory(name="东河村党支部", village=village)
        zhang = MemberFactory(name="张三", branch=branch)
        li = MemberFactory(name="李四", branch=branch)
    clerk_user = make_user(Role.CLERK, township_a, village_ids=[village.pk])
    clerk_user.email = "clerk@example.com"
    clerk_user.save(update_fields=["email"])
    clerk = As(client, clerk_user, django_capture_on_commit_callbacks)
    secretary = As(client, make_user(Role.BRANCH_SECRETARY, township_a, branch_id=branch.pk),
                   django_capture_on_commit_callbacks)
    work_team = As(client, make_user(Role.WORK_TEAM, township_a, village_ids=[village.pk]),
                   django_capture_on_commit_callbacks)
    liaison = As(client, make_user(Role.LIAISON_LEADER, township_a, village_ids=[village.pk]),
                 django_capture_on_commit_callbacks)
    office = As(client, make_user(Role.TOWNSHIP_OFFICE, township_a), django_capture_on_commit_callbacks)
    member = As(client, make_user(Role.MEMBER, township_a, member_id=zhang.pk), django_capture_on_commit_callbacks)
    outsider = As(client, make_user(Role.CLERK, township_b, village_ids=[]), django_capture_on_commit_callbacks)

    # The clerk asks for approvals by e-mail too (every other event keeps its default channels).
    prefs = {"quiet_start": "22:00", "quiet_end": "07:00"}
    for code, event in EVENTS.items():
        prefs["event__" + code.replace(".", "__")] = [*event.channels, "email"] if code == "entry.approved" \
            else list(event.channels)
    assert clerk.post("/notifications/preferences/", prefs).status_code == 302

    # 1. The phone form: viewport meta, camera capture on the file input.
    form = clerk.get(f"{T}/scoring/entries/new/")
    html = form.content.decode()
    assert form.status_code == 200
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert 'accept="image/*,application/pdf" capture="environment" multiple' in html

    photos = {key: demo_photo(seed=key, label="e2e") for key in (1, 2)}
    day = dt.date(q_year, month, 1)
    recorded = []
    for key, (who, code, on, points, note) in enumerate([
        (zhang, "B01", day.replace(day=10), "3", "参加主题党日：重温入党誓词"),
        (zhang, "V01", day.replace(day=20), "5", "带头参与村道硬化义务劳动"),
        (li, "D01", day.replace(day=15), "-2", "无故缺席主题党日"),
    ], start=1):
        data = {"member": who.pk, "rule": code, "occurred_on": on.isoformat(), "points": points, "note": note}
        if key in photos:
            data["evidence"] = [_png(f"IMG_{key}.png", photos[key])]
        response = clerk.post(f"{T}/scoring/entries/new/", data)
        assert response.status_code == 302
        with in_township(township_a):
            entry = Entry.objects.latest("pk")
        assert response["Location"] == f"{T}/scoring/entries/{entry.pk}/"
        recorded.append(entry)
    b01, v01, d01 = recorded
    with in_township(township_a):
        assert [(e.status, e.current_level, e.is_late, e.entered_by_id) for e in Entry.objects.order_by("pk")] == [
            ("in_review", "branch", False, clerk_user.pk)] * 3
        assert list(Evidence.objects.order_by("pk").values_list("entry_id", "sha256", "content_type")) == [
            (b01.pk, _sha(photos[1]), "image/png"), (v01.pk, _sha(photos[2]), "image/png")]

    # 2. Review, level by level, from each reviewer's queue page.
    def decide(reviewer, entry, level, **data):
        queue = reviewer.get(f"{T}/scoring/reviews/").content.decode()
        assert f"{T}/scoring/entries/{entry.pk}/" in queue
        response = reviewer.post(f"{T}/scoring/entries/{entry.pk}/review/",
                                 {"level": level, "decision": "approve", "score": "", "reason": "", **data})
        assert (response.status_code, response["Location"]) == (302, f"{T}/scoring/reviews/")

    decide(secretary, d01, "branch", decision="reject", reason="该党员当天请假，已向支部报备")
    for entry in (b01, v01):
        decide(secretary, entry, "branch")
        decide(work_team, entry, "work_team")
    decide(liaison, b01, "liaison", score="4")
    decide(liaison, v01, "liaison")
    with in_township(township_a):
        assert [(e.status, e.final_points) for e in Entry.objects.order_by("pk")] == [
            ("posted", Decimal("3.40")), ("posted", Decimal("5.00")), ("rejected", None)]  # 0.3·3 + 0.3·3 + 0.4·4
        assert Review.objects.count() == 7
        rows = list(LedgerEntry.objects.order_by("seq").values_list(
            "seq", "kind", "member_id", "entry_id", "points", "booked_year", "booked_month", "evidence_hashes"))
        assert rows == [
            (1, "adjustment", zhang.pk, b01.pk, Decimal("3.40"), q_year, month, [_sha(photos[1])]),
            (2, "adjustment", zhang.pk, v01.pk, Decimal("5.00"), q_year, month, [_sha(photos[2])]),
        ]

    # 3. The township office closes and seals the month.
    response = office.post(f"{T}/scoring/periods/months/close/", {"year": q_year, "month": month})
    assert (response.status_code, response["Location"]) == (302, f"{T}/scoring/periods/months/{q_year}/{month}/")
    with in_township(township_a):
        close = MonthClose.objects.get()
        head = LedgerHead.objects.get()
        assert (close.year, close.month, close.scoring_year, close.head_seq, close.entry_count) == (
            q_year, month, label, 2, 2)
        assert close.head_hash == head.last_hash
        assert head.sealed_through == month_index(q_year, month)
        month_page = office.get(f"{T}/scoring/periods/months/{q_year}/{month}/").content.decode()
        assert "张三" in month_page
        assert "8.40" in month_page
    seal = LedgerSeal.objects.get()
    assert (seal.township_id, seal.year, seal.month, seal.head_seq, seal.head_hash, seal.entry_count) == (
        township_a.pk, q_year, month, 2, close.head_hash, 2)

    # 4. The quarter's notice, then the member's objection and the office's answer.
    response = office.post(f"{T}/scoring/periods/publications/open/", {"year": q_year, "quarter": quarter})
    with in_township(township_a):
        first = Publication.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"{T}/scoring/periods/publications/{first.pk}/")
    assert (first.year, first.quarter, first.version, first.status) == (q_year, quarter, 1, "open")
    assert first.data["branches"] == [{
        "id": branch.pk, "name": "东河村党支部", "quarter_total": "8.40", "members": [
            {"id": zhang.pk, "name": "张三", "quarter_points": "8.40", "year_to_date": "8.40", "rank": 1},
            {"id": li.pk, "name": "李四", "quarter_points": "0.00", "year_to_date": "0.00", "rank": 2},
        ]}]

    notice = f"{T}/scoring/periods/publications/{first.pk}/"
    page = member.get(notice).content.decode()
    assert ("张三" in page, "李四" in page) == (True, False)  # a member sees only their own row
    response = member.post(notice, {"member": zhang.pk, "reason": "9月参加志愿服务一次未计分"})
    assert (response.status_code, response["Location"]) == (302, notice)
    with in_township(township_a):
        objection = Objection.objects.get()
    assert (objection.member_id, objection.status, objection.reason) == (zhang.pk, "open", "9月参加志愿服务一次未计分")
    assert office.get(f"{T}/scoring/periods/objections/{objection.pk}/answer/").status_code == 200
    response = office.post(f"{T}/scoring/periods/objections/{objection.pk}/answer/",
                           {"uphold": "1", "answer": "经核实，志愿服务属实，补记2分", "correction_points": "2"})
    assert (response.status_code, response["Location"]) == (302, notice)
    with in_township(township_a):
        objection.refresh_from_db()
        first.refresh_from_db()
        second = Publication.objects.get(version=2)
        correction = LedgerEntry.objects.get(kind="correction")
        today = timezone.localdate(timezone=township_a.time_zone_info())
        assert (objection.status, objection.correction_id) == ("upheld", correction.pk)
        assert (correction.seq, correction.member_id, correction.points, correction.scoring_year,
                correction.occurred_on, correction.booked_year, correction.booked_month) == (
            3, zhang.pk, Decimal("2.00"), label, today, *index_month(
                max(month_index(today.year, today.month), month_index(q_year, month) + 1)))
        assert (first.status, second.status, second.supersedes_id, second.objections_close_at) == (
            "superseded", "open", first.pk, first.objections_close_at)
        assert [m["quarter_points"] for m in first.data["branches"][0]["members"]] == ["8.40", "0.00"]
        assert [(m["name"], m["quarter_points"], m["year_to_date"], m["rank"])
                for m in second.data["branches"][0]["members"]] == [("张三", "10.40", "10.40", 1),
                                                                   ("李四", "0.00", "0.00", 2)]
    old_page = office.get(notice).content.decode()  # the old version stays readable, as it was
    assert "8.40" in old_page
    assert "10.40" not in old_page
    assert "10.40" in office.get(f"{T}/scoring/periods/publications/{second.pk}/").content.decode()

    # 5. The clerk heard of every decision in the inbox, and of approvals by e-mail.
    inbox = clerk.get("/notifications/").content.decode()
    assert inbox.count(f"{township_a.name}：积分记录已通过") == 2
    assert inbox.count(f"{township_a.name}：积分记录被退回") == 1
    assert "李四 的积分记录“无故不参加组织生活”被退回，原因：该党员当天请假，已向支部报备" in inbox
    assert sorted(Delivery.objects.filter(recipient=clerk_user).values_list(
        "notification__event", "channel", "state")) == [
        ("entry.approved", "email", "sent"), ("entry.approved", "email", "sent"),
        ("entry.approved", "in_app", "sent"), ("entry.approved", "in_app", "sent"),
        ("entry.rejected", "in_app", "sent"), ("entry.rejected", "sms", "failed"),  # the clerk has no phone
        # the notice, version 1 and the corrected version 2, goes to everyone in the township
        ("publication.opened", "in_app", "sent"), ("publication.opened", "in_app", "sent"),
        ("publication.opened", "sms", "failed"), ("publication.opened", "sms", "failed"),
    ]
    assert sorted((m.to, m.subject, m.body) for m in mail.outbox) == [
        (["clerk@example.com"], f"{township_a.name}：积分记录已通过", "张三 的积分记录“参加支部主题党日”（3.40 分）已审核通过。"),
        (["clerk@example.com"], f"{township_a.name}：积分记录已通过", "张三 的积分记录“带头参与乡村振兴”（5.00 分）已审核通过。"),
    ]
    assert Delivery.objects.filter(recipient=member.user, notification__event="objection.answered",
                                   channel="in_app").count() == 1

    # 6. The chain verifies; township beta saw nothing and its users cannot look in.
    with in_township(township_a):
        result = ledger_verify(check_files=True)
        assert (result.ok, result.checked, result.head_matches) == (True, 3, True)
    with in_township(township_b):
        assert (Entry.objects.count(), LedgerEntry.objects.count(), MonthClose.objects.count(),
                Publication.objects.count()) == (0, 0, 0, 0)
    assert LedgerSeal.objects.exclude(township=township_a).count() == 0
    assert outsider.get(f"{T}/scoring/entries/new/").status_code == 403
    assert outsider.get(notice).status_code == 403
    assert setup.year.year == label


def _png(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/png")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
