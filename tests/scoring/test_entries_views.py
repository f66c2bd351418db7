"""Entry pages and API: the phone form, queues, evidence behind an access check, the points card,
member-only users and tenancy."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from scoring.ledger.models import Entry, LedgerEntry, Review
from scoring.ledger.selectors import township_today
from tests.factories import BranchFactory, MemberFactory, VillageFactory
from tests.scoring import test_entries_services as support
from tests.scoring.test_entries_services import JPEG, create, jpeg, review

# The fixtures of the service tests, shared (the autouse one keeps files in a temporary MEDIA_ROOT).
world = support.world
_media = support._media

pytestmark = pytest.mark.django_db


def approve_all(world, entry, scores=(None, None, None)):
    for user, score in zip((world.users.secretary, world.users.work_team, world.users.liaison), scores, strict=True):
        review(world, user, entry, score=score)


# --- the clerk's form ---------------------------------------------------------------------------------
def test_clerk_records_an_entry_with_a_photo_on_the_form(client, world, in_township):
    client.force_login(world.users.clerk)
    page = client.get("/t/alpha/scoring/entries/new/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "录入积分" in html
    assert 'accept="image/*,application/pdf" capture="environment" multiple' in html
    assert 'hx-get="/t/alpha/scoring/entries/new/members/"' in html
    response = client.post("/t/alpha/scoring/entries/new/", {
        "member": world.member.pk, "rule": "B01", "occurred_on": township_today().isoformat(), "points": "3",
        "note": "主题党日", "evidence": [jpeg("a.jpg"), jpeg("b.jpg", JPEG + b"2")],
    })
    with in_township(world.township):
        entry = Entry.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/t/alpha/scoring/entries/{entry.pk}/"
        assert entry.evidence.count() == 2
        assert (entry.member_id, entry.rule.code, entry.points, entry.entered_by_id) == (
            world.member.pk, "B01", Decimal("3.00"), world.users.clerk.pk)


def test_form_shows_service_errors_and_writes_nothing(client, world, in_township):
    client.force_login(world.users.clerk)
    response = client.post("/t/alpha/scoring/entries/new/", {
        "member": world.member.pk, "rule": "B01", "occurred_on": township_today().isoformat(), "points": "3",
        "evidence": [SimpleUploadedFile("fake.jpg", b"not an image at all")],
    })
    assert response.status_code == 200
    assert "佐证材料必须是照片（JPEG、PNG、WebP 或 HEIC）或 PDF 文件：fake.jpg" in response.content.decode()
    with in_township(world.township):
        assert Entry.objects.count() == 0


def test_member_search_and_items_are_limited_to_scope(client, world, in_township):
    with in_township(world.township):
        MemberFactory(name="张三丰", branch=BranchFactory(village=VillageFactory()))  # another village
        migrant = MemberFactory(name="张流动", branch=world.branch, is_migrant=True, migrant_location="上海")
    client.force_login(world.users.clerk)
    html = client.get("/t/alpha/scoring/entries/new/members/", {"member_q": "张"}).content.decode()
    assert f'value="{world.member.pk}"' in html
    assert f'value="{migrant.pk}"' in html
    assert "张三丰" not in html
    items = client.get("/t/alpha/scoring/entries/new/items/", {
        "member": world.member.pk, "occurred_on": township_today().isoformat()}).content.decode()
    assert 'value="B01"' in items
    assert 'value="R01"' not in items
    items = client.get("/t/alpha/scoring/entries/new/items/", {
        "member": migrant.pk, "occurred_on": township_today().isoformat()}).content.decode()
    assert 'value="R01"' in items


# --- queues, detail, evidence ----------------------------------------------------------------------------
def test_review_queue_and_review_on_the_page(client, world, in_township):
    with in_township(world.township):
        entry = create(world)
    client.force_login(world.users.secretary)
    queue = client.get("/t/alpha/scoring/reviews/").content.decode()
    assert f"/t/alpha/scoring/entries/{entry.pk}/" in queue
    detail = client.get(f"/t/alpha/scoring/entries/{entry.pk}/").content.decode()
    assert "您的审核" in detail
    response = client.post(f"/t/alpha/scoring/entries/{entry.pk}/review/",
                           {"level": "branch", "decision": "reject", "reason": ""})
    assert response.status_code == 400
    assert "请填写退回原因。" in response.content.decode()
    response = client.post(f"/t/alpha/scoring/entries/{entry.pk}/review/",
                           {"level": "branch", "decision": "approve", "score": "2"})
    assert response.status_code == 302
    # Same level again: refused, nothing more written.
    response = client.post(f"/t/alpha/scoring/entries/{entry.pk}/review/",
                           {"level": "branch", "decision": "approve"})
    assert response.status_code == 400
    assert "该审核层级已作出决定。" in response.content.decode()
    with in_township(world.township):
        assert list(Review.objects.values_list("level", "score")) == [("branch", Decimal("2.00"))]
    # The clerk who entered it has no review form.
    client.force_login(world.users.clerk)
    assert "您的审核" not in client.get(f"/t/alpha/scoring/entries/{entry.pk}/").content.decode()


def test_late_queue_for_the_township_office(client, world, in_township):
    from scoring.ledger.chain import month_index
    from scoring.ledger.models import LedgerHead

    today = township_today()
    with in_township(world.township):
        LedgerHead.objects.get_or_create(pk=1)
        LedgerHead.objects.filter(pk=1).update(sealed_through=month_index(today.year, today.month))
        entry = create(world, late_reason="漏录")
    client.force_login(world.users.office)
    assert f"/t/alpha/scoring/entries/{entry.pk}/" in client.get("/t/alpha/scoring/late/").content.decode()
    response = client.post(f"/t/alpha/scoring/entries/{entry.pk}/late/", {"decision": "approve", "note": "属实"})
    assert response.status_code == 302
    with in_township(world.township):
        entry.refresh_from_db()
        assert (entry.status, entry.current_level) == ("in_review", "branch")
    client.force_login(world.users.clerk)
    assert client.get("/t/alpha/scoring/late/").status_code == 403


def test_evidence_is_served_only_through_the_access_check(client, world, in_township, make_user):
    with in_township(world.township):
        entry = create(world)
        evidence = entry.evidence.get()
        far_village = VillageFactory()
    url = f"/t/alpha/scoring/entries/{entry.pk}/evidence/{evidence.pk}/"
    client.force_login(world.users.clerk)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == JPEG
    detail = client.get(f"/t/alpha/scoring/entries/{entry.pk}/").content.decode()
    assert url in detail
    assert "/media/" not in detail
    far_clerk = make_user("clerk", world.township, village_ids=[far_village.pk])
    client.force_login(far_clerk)
    assert client.get(url).status_code == 404
    assert client.get(f"/t/alpha/scoring/entries/{entry.pk}/").status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


# --- the points card -------------------------------------------------------------------------------------------
def test_points_card_rows_running_total_rank_and_trail(client, world, in_township):
    from scoring.catalogue.services import base_scores_grant

    with in_township(world.township):
        base_scores_grant(scoring_year=world.setup.year.year, today=township_today())
        first = create(world, points="4")
        approve_all(world, first)
        second = create(world, rule_code="D01", points="-2", evidence_files=[])
        approve_all(world, second)
        other = create(world, member_id=world.other.pk, points="5")
        approve_all(world, other)
        rows = list(LedgerEntry.objects.filter(member=world.member).order_by("seq").values_list("kind", "points"))
        base = world.setup.year.base_score
    assert rows == [("base", base), ("adjustment", Decimal("4.00")), ("adjustment", Decimal("-2.00"))]
    client.force_login(world.users.office)
    html = client.get(f"/t/alpha/scoring/members/{world.member.pk}/card/").content.decode()
    total = base + 2
    assert f'<div class="stat" id="card-total">{total:.2f}</div>' in html
    assert '<div class="stat" id="card-rank">2 / 2</div>' in html  # 李四 has base + 5
    assert f"{base + 4:.2f}" in html  # running total after the first entry
    assert "年度基础分" in html  # the base row is named in the reader's language, not by its stored note
    assert f"/t/alpha/scoring/entries/{first.pk}/evidence/" in html
    assert "支部自评" in html or "Branch self-assessment" not in html

    response = client.get(f"/t/alpha/api/v1/scoring/members/{world.member.pk}/card/")
    assert response.status_code == 200
    data = response.json()
    assert (data["total"], data["rank"], data["ranked"], data["vetoed"]) == (f"{total:.2f}", 2, 2, False)
    assert [r["running_total"] for r in data["rows"]] == [f"{base:.2f}", f"{base + 4:.2f}", f"{total:.2f}"]
    assert [len(r["reviews"]) for r in data["rows"]] == [0, 3, 3]
    assert data["rows"][1]["evidence"][0]["url"].startswith(f"/t/alpha/api/v1/scoring/entries/{first.pk}/evidence/")


def test_member_only_user_sees_only_their_own_card(client, world, in_township, make_user):
    with in_township(world.township):
        entry = create(world, member_id=world.other.pk)
    me = make_user("member", world.township, member_id=world.member.pk)
    client.force_login(me)
    response = client.get("/t/alpha/scoring/card/")
    assert response.status_code == 302
    assert response["Location"] == f"/t/alpha/scoring/members/{world.member.pk}/card/"
    assert client.get(f"/t/alpha/scoring/members/{world.member.pk}/card/").status_code == 200
    assert client.get(f"/t/alpha/scoring/members/{world.other.pk}/card/").status_code == 404
    assert client.get(f"/t/alpha/scoring/entries/{entry.pk}/").status_code == 404
    assert client.get("/t/alpha/scoring/entries/new/").status_code == 403
    assert client.get("/t/alpha/scoring/reviews/").status_code == 403
    assert client.get(f"/t/alpha/api/v1/scoring/members/{world.other.pk}/card/").status_code == 404
    assert client.get(f"/t/alpha/api/v1/scoring/members/{world.member.pk}/card/").status_code == 200
    assert client.get("/t/alpha/api/v1/scoring/entries/").json()["count"] == 0


# --- API ---------------------------------------------------------------------------------------------------------
def test_api_create_review_and_list(client, world, in_township):
    client.force_login(world.users.clerk)
    response = client.post("/t/alpha/api/v1/scoring/entries/", {
        "member": world.member.pk, "rule": "B01", "occurred_on": township_today().isoformat(), "points": "3",
        "note": "接口录入", "evidence": [jpeg()],
    })
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["status"], data["current_level"], len(data["evidence"])) == ("in_review", "branch", 1)
    entry_id = data["id"]
    bad = client.post("/t/alpha/api/v1/scoring/entries/", {
        "member": world.member.pk, "rule": "B01", "occurred_on": township_today().isoformat(), "points": "3",
        "evidence": [SimpleUploadedFile("x.jpg", b"hello")]})
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"]["evidence"] == ["佐证材料必须是照片（JPEG、PNG、WebP 或 HEIC）或 PDF 文件：x.jpg"]
    # The clerk cannot review; the secretary's queue has it.
    assert client.post(f"/t/alpha/api/v1/scoring/entries/{entry_id}/review/",
                       {"decision": "approve"}).status_code == 403
    for user, level in ((world.users.secretary, "branch"), (world.users.work_team, "work_team"),
                        (world.users.liaison, "liaison")):
        client.force_login(user)
        queue = client.get("/t/alpha/api/v1/scoring/entries/review-queue/").json()
        assert [e["id"] for e in queue["results"]] == [entry_id]
        response = client.post(f"/t/alpha/api/v1/scoring/entries/{entry_id}/review/",
                               {"decision": "approve", "level": level}, content_type="application/json")
        assert response.status_code == 200, response.json()
    again = client.post(f"/t/alpha/api/v1/scoring/entries/{entry_id}/review/",
                        {"decision": "approve", "level": "liaison"}, content_type="application/json")
    assert again.status_code == 409
    data = client.get(f"/t/alpha/api/v1/scoring/entries/{entry_id}/").json()
    assert (data["status"], data["final_points"]) == ("posted", "3.00")
    assert [r["level"] for r in data["reviews"]] == ["branch", "work_team", "liaison"]
    listed = client.get("/t/alpha/api/v1/scoring/entries/", {"status": "posted"}).json()
    assert [e["id"] for e in listed["results"]] == [entry_id]
    with in_township(world.township):
        assert LedgerEntry.objects.filter(entry_id=entry_id).count() == 1


def test_beta_users_cannot_see_or_act_on_alpha_entries(client, world, in_township, township_b, make_user):
    with in_township(world.township):
        entry = create(world)
        evidence = entry.evidence.get()
    with in_township(township_b):
        beta_village = VillageFactory()
        beta_branch = BranchFactory(village=beta_village)
    beta_office = make_user("township_office", township_b)
    beta_secretary = make_user("branch_secretary", township_b, branch_id=beta_branch.pk)
    for user in (beta_office, beta_secretary):
        client.force_login(user)
        for url in (f"/t/alpha/scoring/entries/{entry.pk}/", "/t/alpha/scoring/entries/",
                    f"/t/alpha/scoring/entries/{entry.pk}/evidence/{evidence.pk}/", "/t/alpha/scoring/reviews/",
                    f"/t/alpha/scoring/members/{world.member.pk}/card/", "/t/alpha/api/v1/scoring/entries/",
                    f"/t/alpha/api/v1/scoring/entries/{entry.pk}/"):
            assert client.get(url).status_code == 403, url
        assert client.post(f"/t/alpha/scoring/entries/{entry.pk}/review/",
                           {"level": "branch", "decision": "approve"}).status_code == 403
        assert client.post(f"/t/alpha/api/v1/scoring/entries/{entry.pk}/review/",
                           {"decision": "approve"}).status_code == 403
        # In their own township the alpha entry id means nothing.
        assert client.get(f"/t/beta/scoring/entries/{entry.pk}/").status_code == 404
        assert client.get(f"/t/beta/api/v1/scoring/entries/{entry.pk}/").status_code == 404
    with in_township(world.township):
        assert Review.objects.count() == 0
        assert Entry.objects.get().status == "in_review"


def test_evidence_is_never_served_as_something_a_browser_runs(client, world, in_township):
    from tests.scoring.test_entries_services import PDF

    with in_township(world.township):
        entry = create(world, evidence_files=[jpeg(), SimpleUploadedFile("会议.pdf", PDF)])
        photo, pdf = entry.evidence.order_by("id")
    client.force_login(world.users.clerk)
    for base in ("/t/alpha/scoring", "/t/alpha/api/v1/scoring"):
        image = client.get(f"{base}/entries/{entry.pk}/evidence/{photo.pk}/")
        document = client.get(f"{base}/entries/{entry.pk}/evidence/{pdf.pk}/")
        assert (image["Content-Type"], image["Content-Disposition"].split(";")[0]) == ("image/jpeg", "inline")
        assert (document["Content-Type"], document["Content-Disposition"].split(";")[0]) == (
            "application/pdf", "attachment")
        for response in (image, document):
            assert response["X-Content-Type-Options"] == "nosniff"
            assert "sandbox" in response["Content-Security-Policy"]
