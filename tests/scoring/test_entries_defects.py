"""Entry pages, issue 14 defects: namesakes told apart in the member choice, the entries list's
default by role, batch approval (each its own decision), correcting and resubmitting a returned
entry, and "1 day" in English."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from audit.models import AuditEvent
from common.errors import Conflict, PermissionDenied
from scoring.ledger import services
from scoring.ledger.models import Entry, Evidence, Review
from scoring.ledger.selectors import township_today
from tests.factories import BranchFactory, MemberFactory, VillageFactory
from tests.scoring import test_entries_services as support
from tests.scoring.test_entries_services import acc, create, jpeg, review

world = support.world
_media = support._media

pytestmark = pytest.mark.django_db


# --- namesakes --------------------------------------------------------------------------------------
def test_member_choice_tells_namesakes_apart(client, world, in_township, make_user):
    with in_township(world.township):
        other_branch = BranchFactory(name="阿尔法村第二支部", village=world.village)
        twin = MemberFactory(name="张三", branch=other_branch, birth_date=dt.date(1971, 5, 6))
        world.member.birth_date = dt.date(1960, 1, 2)
        world.member.save()
        world.member.refresh_from_db()
    client.force_login(world.users.clerk)
    html = client.get("/t/alpha/scoring/entries/new/members/", {"member_q": "张三"}).content.decode()
    first = f"张三（阿尔法村党支部 · 1960年生 · 身份证尾号{world.member.id_number[-4:]}）"
    second = f"张三（阿尔法村第二支部 · 1971年生 · 身份证尾号{twin.id_number[-4:]}）"
    assert first in html
    assert second in html
    assert world.member.id_number not in html  # the number itself stays masked
    # The chosen member keeps the same label on the bound form.
    form = client.get("/t/alpha/scoring/entries/new/", {"member": twin.pk}).content.decode()
    assert second in form


def test_member_label_names_the_village_when_the_branch_does_not(world, in_township):
    from scoring.ledger.forms import member_label

    with in_township(world.township):
        branch = BranchFactory(name="第一党支部", village=VillageFactory(name="贝塔村"))
        member = MemberFactory(name="王五", branch=branch, birth_date=dt.date(1980, 3, 3))
        member = type(member).objects.select_related("branch__village").get(pk=member.pk)
        assert member_label(member) == f"王五（第一党支部 · 贝塔村 · 1980年生 · 身份证尾号{member.id_number[-4:]}）"


# --- entries list default ------------------------------------------------------------------------------
def test_entries_list_default_by_role(client, world, in_township):
    with in_township(world.township):
        by_clerk = create(world)
        by_office = create(world, user=world.users.office, member_id=world.other.pk)
    client.force_login(world.users.office)
    html = client.get("/t/alpha/scoring/entries/").content.decode()
    assert f"/t/alpha/scoring/entries/{by_clerk.pk}/" in html  # the office sees everything in scope
    assert f"/t/alpha/scoring/entries/{by_office.pk}/" in html
    client.force_login(world.users.clerk)
    html = client.get("/t/alpha/scoring/entries/").content.decode()
    assert f"/t/alpha/scoring/entries/{by_clerk.pk}/" in html  # a clerk starts on their own entries
    assert f"/t/alpha/scoring/entries/{by_office.pk}/" not in html
    html = client.get("/t/alpha/scoring/entries/", {"mine": ""}).content.decode()
    assert f"/t/alpha/scoring/entries/{by_office.pk}/" in html


# --- batch approval -------------------------------------------------------------------------------------
def test_batch_approval_records_one_decision_per_entry_and_reports_refusals(client, world, in_township):
    with in_township(world.township):
        first = create(world)
        second = create(world, member_id=world.other.pk)
        own = create(world, user=world.users.secretary)  # the secretary may not review their own entry
    client.force_login(world.users.secretary)
    queue = client.get("/t/alpha/scoring/reviews/").content.decode()
    assert f'name="entry" value="{first.pk}:branch" form="batch-form"' in queue
    assert 'id="batch-form" data-confirm="' in queue
    response = client.post("/t/alpha/scoring/reviews/approve/", {
        "entry": [f"{first.pk}:branch", f"{second.pk}:branch", f"{own.pk}:branch"]}, follow=True)
    html = response.content.decode()
    assert "已通过：2 条。" in html
    assert "未通过：" in html
    assert "您不能审核自己录入的记录。" in html
    with in_township(world.township):
        assert sorted(Review.objects.values_list("entry_id", "reviewer_id", "decision")) == [
            (first.pk, world.users.secretary.pk, "approve"), (second.pk, world.users.secretary.pk, "approve")]
        assert AuditEvent.objects.filter(action="entry.review_approve").count() == 2
        assert set(Entry.objects.filter(pk__in=[first.pk, second.pk]).values_list("current_level", flat=True)) == {
            "work_team"}
        assert Entry.objects.get(pk=own.pk).current_level == "branch"


def test_batch_approval_of_a_level_decided_meanwhile_is_refused(client, world, in_township):
    with in_township(world.township):
        entry = create(world)
    client.force_login(world.users.work_team)
    response = client.post("/t/alpha/scoring/reviews/approve/", {"entry": [f"{entry.pk}:branch"]}, follow=True)
    assert "未通过：" in response.content.decode()
    with in_township(world.township):
        assert Review.objects.count() == 0
    client.force_login(world.users.clerk)  # no review level: 403
    assert client.post("/t/alpha/scoring/reviews/approve/", {"entry": [f"{entry.pk}:branch"]}).status_code == 403


# --- returned entry: correct and resubmit ----------------------------------------------------------------
def _returned(world):
    entry = create(world, points="5")
    review(world, world.users.secretary, entry, "reject", reason="分值偏高")
    entry.refresh_from_db()
    assert entry.status == Entry.Status.REJECTED
    return entry


def test_enterer_corrects_and_resubmits_a_returned_entry(client, world, in_township):
    with in_township(world.township):
        returned = _returned(world)
    client.force_login(world.users.clerk)
    detail = client.get(f"/t/alpha/scoring/entries/{returned.pk}/").content.decode()
    assert f'href="/t/alpha/scoring/entries/{returned.pk}/resubmit/"' in detail
    page = client.get(f"/t/alpha/scoring/entries/{returned.pk}/resubmit/")
    assert page.status_code == 200
    assert "分值偏高" in page.content.decode()  # the reviewer's reason is shown
    response = client.post(f"/t/alpha/scoring/entries/{returned.pk}/resubmit/", {
        "points": "3", "note": "按实际改为3分", "keep_evidence": "on", "evidence": [jpeg("new.jpg", support.JPEG + b"x")]})
    with in_township(world.township):
        new = Entry.objects.get(source=f"resubmit:{returned.pk}")
        assert response.status_code == 302
        assert response["Location"] == f"/t/alpha/scoring/entries/{new.pk}/"
        assert (new.member_id, new.rule_id, new.occurred_on, new.points, new.note, new.status, new.current_level) == (
            returned.member_id, returned.rule_id, returned.occurred_on, Decimal("3.00"), "按实际改为3分",
            Entry.Status.IN_REVIEW, "branch")
        assert new.evidence.count() == 2
        assert Evidence.objects.filter(entry=new, sha256=returned.evidence.get().sha256).exists()
        returned.refresh_from_db()
        assert returned.status == Entry.Status.REJECTED  # the returned entry and its review stay on record
        assert returned.reviews.get().decision == "reject"
        event = AuditEvent.objects.get(action="entry.resubmit", object_id=str(returned.pk))
        assert event.after["resubmitted_as"] == new.pk
        assert AuditEvent.objects.filter(action="entry.create", object_id=str(new.pk)).count() == 1
    # The secretary decides the corrected entry afresh.
    client.force_login(world.users.secretary)
    assert f"/t/alpha/scoring/entries/{new.pk}/" in client.get("/t/alpha/scoring/reviews/").content.decode()
    client.force_login(world.users.clerk)
    assert client.get(f"/t/alpha/scoring/entries/{returned.pk}/resubmit/").status_code == 403  # only once


def test_resubmission_refusals_write_nothing(world, in_township):
    with in_township(world.township):
        returned = _returned(world)
        in_review = create(world, member_id=world.other.pk)
        before = (Entry.objects.count(), AuditEvent.objects.count())
        clerk_access = acc(world.users.clerk, world.township)
        with pytest.raises(PermissionDenied):
            services.entry_resubmit(actor=world.users.office, access=acc(world.users.office, world.township),
                                    entry_id=returned.pk, points="3")
        with pytest.raises(Conflict):
            services.entry_resubmit(actor=world.users.clerk, access=clerk_access, entry_id=in_review.pk, points="3")
        with pytest.raises(services.DomainError) as exc:
            services.entry_resubmit(actor=world.users.clerk, access=clerk_access, entry_id=returned.pk, points="9")
        assert exc.value.field_errors == {"points": ["该项分值应在 1.00 到 5.00 之间。"]}
        with pytest.raises(services.DomainError) as exc:
            services.entry_resubmit(actor=world.users.clerk, access=clerk_access, entry_id=returned.pk, points="3",
                                    keep_evidence=False)
        assert "evidence" in exc.value.field_errors
        assert (Entry.objects.count(), AuditEvent.objects.count()) == before
        services.entry_resubmit(actor=world.users.clerk, access=clerk_access, entry_id=returned.pk, points="3")
        with pytest.raises(Conflict):
            services.entry_resubmit(actor=world.users.clerk, access=clerk_access, entry_id=returned.pk, points="3")


# --- "1 day" ----------------------------------------------------------------------------------------------
def test_one_day_is_singular_in_english(client, world, in_township):
    with in_township(world.township):
        entry = create(world, occurred_on=township_today() - dt.timedelta(days=1))
    client.force_login(world.users.office)
    client.cookies["django_language"] = "en"
    html = client.get(f"/t/alpha/scoring/entries/{entry.pk}/").content.decode()
    assert "1 day after the event" in html
    assert "1 days" not in html


def test_item_choices_in_english_use_english_punctuation(world, in_township):
    from django.utils import translation

    from scoring.ledger.forms import rule_choices

    with in_township(world.township), translation.override("en"):
        labels = [str(label) for _code, label in rule_choices(member=world.member, on=township_today())[1:]]
    assert labels
    assert all("（" not in label and "，" not in label for label in labels)
    assert any(label.startswith("B01 ") and "(Basic requirements, 1.00～5.00)" in label for label in labels)


# --- evidence: a text file that starts like a PDF -----------------------------------------------------------
def test_text_file_starting_with_the_pdf_magic_is_refused_on_the_form(client, world, in_township):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = b"%PDF-1.4\n" + b"Meeting notes typed into a text file.\n" * 200 + b"%%EOF\n"
    client.force_login(world.users.clerk)
    response = client.post("/t/alpha/scoring/entries/new/", {
        "member": world.member.pk, "rule": "B01", "occurred_on": township_today().isoformat(), "points": "3",
        "evidence": [SimpleUploadedFile("notes.pdf", text, content_type="application/pdf")]})
    assert response.status_code == 200
    assert "不是可读取的 PDF" in response.content.decode()
    with in_township(world.township):
        assert (Entry.objects.count(), Evidence.objects.count()) == (0, 0)
