"""Entries: recording with evidence, late entries, caps, the review path and posting."""
from __future__ import annotations

import datetime as dt
import hashlib
import types
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accounts.access import access_for
from audit.models import AuditEvent
from common.errors import Conflict, DomainError, NotFound, PermissionDenied
from notifications.models import Notification
from scoring.ledger import services
from scoring.ledger.chain import month_index
from scoring.ledger.evidence import EVIDENCE_BAD_TYPE, EVIDENCE_TOO_LARGE, MAX_EVIDENCE_BYTES
from scoring.ledger.models import Entry, Evidence, LedgerEntry, LedgerHead, Review
from scoring.ledger.selectors import member_vetoed, review_queue, township_today
from tests.factories import BranchFactory, MemberFactory, VillageFactory
from tests.files import pdf_bytes, photo_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]

JPEG = photo_bytes(1)
PDF = pdf_bytes()


def jpeg(name="photo.jpg", data=JPEG):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def world(township_a, in_township, make_user, scoring_setup):
    """Alpha: one village, one branch, members; a clerk, branch secretary, work team, liaison leader
    and the township office, each scoped to that village or branch."""
    setup = scoring_setup(township_a, late_window_days=7)
    with in_township(township_a):
        village = VillageFactory(name="阿尔法村")
        branch = BranchFactory(name="阿尔法村党支部", village=village)
        member = MemberFactory(name="张三", branch=branch)
        other = MemberFactory(name="李四", branch=branch)
    users = types.SimpleNamespace(
        clerk=make_user("clerk", township_a, village_ids=[village.pk]),
        secretary=make_user("branch_secretary", township_a, branch_id=branch.pk),
        work_team=make_user("work_team", township_a, village_ids=[village.pk]),
        liaison=make_user("liaison_leader", township_a, village_ids=[village.pk]),
        office=make_user("township_office", township_a),
    )
    return types.SimpleNamespace(township=township_a, setup=setup, rules=setup.rules, village=village, branch=branch,
                                 member=member, other=other, users=users)


def acc(user, township):
    return access_for(user, township)


def create(world, user=None, **kwargs):
    user = user or world.users.clerk
    params = {"member_id": world.member.pk, "rule_code": "B01", "occurred_on": township_today(), "points": "3",
                  "note": "参加主题党日", "evidence_files": [jpeg()]}
    params.update(kwargs)
    return services.entry_create(actor=user, access=acc(user, world.township), **params)


def review(world, user, entry, decision="approve", **kwargs):
    return services.entry_review(actor=user, access=acc(user, world.township), entry_id=entry.pk,
                                 decision=decision, **kwargs)


def counts():
    return (Entry.objects.count(), Evidence.objects.count(), Review.objects.count(), LedgerEntry.objects.count(),
            AuditEvent.objects.count())


# --- recording --------------------------------------------------------------------------------------
def test_entry_is_recorded_with_evidence_hash_lag_and_review_path(world, in_township):
    with in_township(world.township):
        entry = create(world)
        entry.refresh_from_db()
        assert entry.status == Entry.Status.IN_REVIEW
        assert entry.current_level == "branch"
        assert entry.review_levels == ["branch", "work_team", "liaison"]
        assert entry.review_weights == {"branch": "0.3", "work_team": "0.3", "liaison": "0.4"}
        assert entry.points == Decimal("3.00")
        assert entry.lag_days == 0
        assert entry.entered_by_id == world.users.clerk.pk
        assert entry.is_late is False
        [evidence] = entry.evidence.all()
        assert evidence.sha256 == hashlib.sha256(JPEG).hexdigest()
        assert evidence.content_type == "image/jpeg"
        assert evidence.size == len(JPEG)
        assert evidence.original_name == "photo.jpg"
        # Stored per township (tenant storage puts files under the schema's folder).
        assert evidence.file.path.startswith(str(world.township.schema_name) + "/") or \
            f"/{world.township.schema_name}/" in evidence.file.path
        assert evidence.file.read() == JPEG
        assert AuditEvent.objects.filter(action="entry.create", object_id=str(entry.pk)).count() == 1
        notification = Notification.objects.get(event="entry.awaiting_review")
        assert set(notification.deliveries.values_list("recipient_id", flat=True)) == {world.users.secretary.pk}


@pytest.mark.parametrize(("kwargs", "field", "message"), [
    ({"points": "6"}, "points", "该项分值应在 1.00 到 5.00 之间。"),
    ({"points": "0"}, "points", "加分项的分值必须为正数。"),
    ({"rule_code": "D01", "points": "3", "evidence_files": []}, "points", "扣分项的分值必须为负数。"),
    ({"evidence_files": []}, "evidence", "该项目至少需要一张照片或一个 PDF 文件作为佐证。"),
    ({"rule_code": "R01"}, "rule", "该项目在该日期未生效，或不适用于该党员。"),
    ({"rule_code": "NOPE"}, "rule", None),
])
def test_bad_entries_are_refused_and_nothing_is_written(world, in_township, kwargs, field, message):
    with in_township(world.township):
        before = counts()
        with pytest.raises(DomainError) as exc:
            create(world, **kwargs)
        assert field in exc.value.field_errors
        if message:
            assert exc.value.field_errors[field] == [message]
        assert counts() == before


def test_future_date_and_inactive_or_out_of_scope_member_are_refused(world, in_township, make_user):
    with in_township(world.township):
        outsider = MemberFactory(name="王五")  # another village: outside the clerk's scope
        before = counts()
        with pytest.raises(DomainError) as exc:
            create(world, occurred_on=township_today() + dt.timedelta(days=1))
        assert exc.value.field_errors == {"occurred_on": ["发生日期不能晚于今天。"]}
        with pytest.raises(DomainError) as exc:
            create(world, member_id=outsider.pk)
        assert exc.value.field_errors == {"member": ["请选择您管辖范围内的党员。"]}
        world.other.status = "deceased"
        world.other.save()
        with pytest.raises(DomainError) as exc:
            create(world, member_id=world.other.pk)
        assert exc.value.field_errors == {"member": ["只能为在册（正常）党员记录积分。"]}
        member_user = make_user("member", world.township, member_id=world.member.pk)
        with pytest.raises(PermissionDenied):
            create(world, user=member_user)
        assert counts() == before


def test_evidence_is_checked_by_content_and_size(world, in_township):
    with in_township(world.township):
        before = counts()
        with pytest.raises(DomainError) as exc:
            create(world, evidence_files=[SimpleUploadedFile("fake.jpg", b"just some text, not a photo",
                                                             content_type="image/jpeg")])
        assert exc.value.field_errors == {"evidence": [str(EVIDENCE_BAD_TYPE % {"name": "fake.jpg"})]}
        assert exc.value.field_errors["evidence"][0].startswith("佐证材料必须是照片")
        big = JPEG + b"\0" * (MAX_EVIDENCE_BYTES - len(JPEG) + 1)
        with pytest.raises(DomainError) as exc:
            create(world, evidence_files=[jpeg("big.jpg", big)])
        assert exc.value.field_errors == {"evidence": [str(EVIDENCE_TOO_LARGE % {"name": "big.jpg"})]}
        assert counts() == before
        # PDF, PNG, WebP and HEIC are accepted, whatever their names say.
        png, webp, heic = photo_bytes(7, "PNG"), photo_bytes(8, "WEBP"), photo_bytes(9, "HEIF")
        entry = create(world, rule_code="V01", points="4", evidence_files=[
            SimpleUploadedFile("a.bin", PDF), SimpleUploadedFile("b", png), SimpleUploadedFile("c", webp),
            SimpleUploadedFile("d.txt", heic)])
        assert list(entry.evidence.values_list("content_type", flat=True)) == [
            "application/pdf", "image/png", "image/webp", "image/heic"]


# --- late entries -------------------------------------------------------------------------------------
def test_late_entry_needs_reason_and_cannot_take_effect_without_approval(world, in_township, scoring_setup):
    late_day = township_today() - dt.timedelta(days=8)
    if late_day < world.setup.year.starts_on:
        # Early in a scoring year an 8-day-old event belongs to the previous one: adopt that too.
        scoring_setup(world.township, year=world.setup.year.year - 1)
    with in_township(world.township):
        before = counts()
        with pytest.raises(DomainError) as exc:
            create(world, occurred_on=late_day)
        assert exc.value.field_errors == {"late_reason": ["这是补录（超过 7 天或所在月份已封账），请填写补录原因。"]}
        assert counts() == before

        entry = create(world, occurred_on=late_day, late_reason="当时外出开会")
        assert (entry.status, entry.is_late, entry.lag_days, entry.current_level) == (
            Entry.Status.AWAITING_LATE_APPROVAL, True, 8, "")
        # No reviewer can act on it before the township office approves.
        for user in (world.users.secretary, world.users.work_team, world.users.liaison):
            with pytest.raises((Conflict, PermissionDenied)):
                review(world, user, entry)
            assert not review_queue(access=acc(user, world.township), user_id=user.pk).exists()
        assert Review.objects.count() == 0
        assert LedgerEntry.objects.count() == 0
        # Only the office decides.
        with pytest.raises(PermissionDenied):
            services.entry_late_decide(actor=world.users.secretary, access=acc(world.users.secretary, world.township),
                                       entry_id=entry.pk, decision="approve")
        office = world.users.office
        services.entry_late_decide(actor=office, access=acc(office, world.township), entry_id=entry.pk,
                                   decision="approve", note="情况属实")
        entry.refresh_from_db()
        assert (entry.status, entry.current_level, entry.late_decided_by_id, entry.late_decision_note) == (
            Entry.Status.IN_REVIEW, "branch", office.pk, "情况属实")
        with pytest.raises(Conflict):
            services.entry_late_decide(actor=office, access=acc(office, world.township), entry_id=entry.pk,
                                       decision="approve")
        for user in (world.users.secretary, world.users.work_team, world.users.liaison):
            review(world, user, entry)
        assert LedgerEntry.objects.get().entry_id == entry.pk


def test_entry_in_a_sealed_month_is_late_and_refused_late_entries_post_nothing(world, in_township):
    today = township_today()
    with in_township(world.township):
        head, _ = LedgerHead.objects.get_or_create(pk=1)
        LedgerHead.objects.filter(pk=1).update(sealed_through=month_index(today.year, today.month))
        entry = create(world, late_reason="月底漏录")
        assert entry.status == Entry.Status.AWAITING_LATE_APPROVAL
        assert entry.is_late
        office = world.users.office
        before = AuditEvent.objects.count()
        with pytest.raises(DomainError) as exc:
            services.entry_late_decide(actor=office, access=acc(office, world.township), entry_id=entry.pk,
                                       decision="reject")
        assert exc.value.field_errors == {"note": ["请填写不同意补录的原因。"]}
        assert AuditEvent.objects.count() == before
        services.entry_late_decide(actor=office, access=acc(office, world.township), entry_id=entry.pk,
                                   decision="reject", note="证据不足")
        entry.refresh_from_db()
        assert entry.status == Entry.Status.REJECTED
        assert LedgerEntry.objects.count() == 0
        assert Notification.objects.filter(event="entry.rejected").count() == 1


# --- caps ------------------------------------------------------------------------------------------------
def test_monthly_cap_counts_pending_entries(world, in_township):
    with in_township(world.township):
        create(world, points="5")
        create(world, points="4")  # 9 of 10 pending
        before = counts()
        with pytest.raises(DomainError) as exc:
            create(world, points="2")
        assert exc.value.field_errors == {"points": [
            "超过该项目对该党员每月 10.00 分的上限（已计 9.00 分，含审核中的记录）。"]}
        assert counts() == before
        create(world, points="1")  # exactly at the cap
        with pytest.raises(DomainError):
            create(world, points="1")
        # Another member has their own cap.
        create(world, member_id=world.other.pk, points="5")


def test_yearly_cap_counts_posted_rows_and_pending_entries(world, in_township):
    rule = world.rules["B01"]
    with in_township(world.township):
        rule.monthly_cap = None
        rule.yearly_cap = Decimal("8")
        rule.save()
        first = create(world, points="5")
        for user in (world.users.secretary, world.users.work_team, world.users.liaison):
            review(world, user, first)
        assert LedgerEntry.objects.get().points == Decimal("5.00")
        create(world, points="2")  # 5 posted + 2 pending
        before = counts()
        with pytest.raises(DomainError) as exc:
            create(world, points="2")
        assert exc.value.field_errors == {"points": [
            "超过该项目对该党员每年 8.00 分的上限（已计 7.00 分，含审核中的记录）。"]}
        assert counts() == before


def test_rejected_entries_free_the_cap(world, in_township):
    with in_township(world.township):
        entry = create(world, points="5")
        create(world, points="5")
        with pytest.raises(DomainError):
            create(world, points="1")
        review(world, world.users.secretary, entry, decision="reject", reason="照片不清楚")
        create(world, points="5")


# --- review path ----------------------------------------------------------------------------------------------
def test_full_path_posts_one_weighted_row_with_evidence_hashes(world, in_township):
    with in_township(world.township):
        entry = create(world, points="4", evidence_files=[jpeg(), SimpleUploadedFile("scan.pdf", PDF)])
        review(world, world.users.secretary, entry, score="4", level="branch")
        review(world, world.users.work_team, entry, score="3", level="work_team")
        assert LedgerEntry.objects.count() == 0
        review(world, world.users.liaison, entry, score="5", level="liaison", reason="表现突出")
        entry.refresh_from_db()
        # 0.3*4 + 0.3*3 + 0.4*5 = 4.10
        assert entry.final_points == Decimal("4.10")
        assert entry.status == Entry.Status.POSTED
        assert entry.current_level == ""
        row = LedgerEntry.objects.get()
        assert (row.kind, row.member_id, row.rule_id, row.entry_id, row.points) == (
            "adjustment", world.member.pk, world.rules["B01"].pk, entry.pk, Decimal("4.10"))
        assert row.evidence_hashes == sorted([hashlib.sha256(JPEG).hexdigest(), hashlib.sha256(PDF).hexdigest()])
        assert row.posted_by_id == world.users.liaison.pk
        trail = list(entry.reviews.values_list("level", "reviewer_id", "decision", "score", "reason"))
        assert trail == [
            ("branch", world.users.secretary.pk, "approve", Decimal("4.00"), ""),
            ("work_team", world.users.work_team.pk, "approve", Decimal("3.00"), ""),
            ("liaison", world.users.liaison.pk, "approve", Decimal("5.00"), "表现突出"),
        ]
        assert AuditEvent.objects.filter(action="entry.post", object_id=str(entry.pk)).count() == 1
        approved = Notification.objects.get(event="entry.approved")
        assert list(approved.deliveries.values_list("recipient_id", flat=True)) == [world.users.clerk.pk]
        # Posting again is impossible: the entry is no longer in review.
        with pytest.raises(Conflict):
            review(world, world.users.liaison, entry)
        assert LedgerEntry.objects.count() == 1


def test_score_defaults_to_entered_points_and_is_checked(world, in_township):
    with in_township(world.township):
        entry = create(world, points="2")
        before = counts()
        with pytest.raises(DomainError) as exc:
            review(world, world.users.secretary, entry, score="9")
        assert exc.value.field_errors == {"score": ["给分应在 1.00 到 5.00 之间。"]}
        assert counts() == before
        for user in (world.users.secretary, world.users.work_team, world.users.liaison):
            review(world, user, entry)
        assert LedgerEntry.objects.get().points == Decimal("2.00")


def test_rejection_needs_a_reason_and_posts_nothing(world, in_township):
    with in_township(world.township):
        entry = create(world)
        review(world, world.users.secretary, entry)
        before = counts()
        with pytest.raises(DomainError) as exc:
            review(world, world.users.work_team, entry, decision="reject")
        assert exc.value.field_errors == {"reason": ["请填写退回原因。"]}
        assert counts() == before
        review(world, world.users.work_team, entry, decision="reject", reason="与事实不符")
        entry.refresh_from_db()
        assert entry.status == Entry.Status.REJECTED
        assert LedgerEntry.objects.count() == 0
        with pytest.raises(Conflict):
            review(world, world.users.liaison, entry)
        assert LedgerEntry.objects.count() == 0
        rejected = Notification.objects.get(event="entry.rejected")
        assert rejected.context["reason"] == "与事实不符"


def test_double_approval_at_the_same_level_is_refused(world, in_township, make_user):
    with in_township(world.township):
        entry = create(world)
        second_secretary = make_user("branch_secretary", world.township, branch_id=world.branch.pk)
        review(world, world.users.secretary, entry, level="branch")
        before = counts()
        with pytest.raises(Conflict) as exc:
            review(world, second_secretary, entry, level="branch")
        assert str(exc.value.message) == "该审核层级已作出决定。"
        with pytest.raises(PermissionDenied):  # the branch level is over; the secretary does not decide work_team
            review(world, world.users.secretary, entry)
        assert counts() == before
        assert entry.reviews.count() == 1


def test_nobody_reviews_their_own_entry_or_one_about_themselves(world, in_township, make_user):
    with in_township(world.township):
        # The secretary records an entry: they cannot review it at the branch level.
        secretary = world.users.secretary
        entry = create(world, user=secretary)
        before = counts()
        with pytest.raises(PermissionDenied) as exc:
            review(world, secretary, entry)
        assert str(exc.value.message) == "您不能审核自己录入的记录。"
        assert not review_queue(access=acc(secretary, world.township), user_id=secretary.pk).exists()
        # A branch secretary who is the member themselves (linked member record).
        about_me = make_user("branch_secretary", world.township, branch_id=world.branch.pk)
        from accounts.models import RoleAssignment
        RoleAssignment.objects.create(user=about_me, township=world.township, role="member",
                                      member_id=world.member.pk)
        with pytest.raises(PermissionDenied) as exc:
            review(world, about_me, entry)
        assert str(exc.value.message) == "您不能审核关于自己的记录。"
        assert not review_queue(access=acc(about_me, world.township), user_id=about_me.pk).exists()
        assert counts() == before
        # A third secretary may.
        third = make_user("branch_secretary", world.township, branch_id=world.branch.pk)
        assert list(review_queue(access=acc(third, world.township), user_id=third.pk)) == [entry]
        review(world, third, entry)
        # One person decides only one level of an entry.
        both = make_user("work_team", world.township, village_ids=[world.village.pk])
        from accounts.models import RoleAssignment as RA
        RA.objects.create(user=both, township=world.township, role="liaison_leader", village_ids=[world.village.pk])
        review(world, both, entry)
        with pytest.raises(PermissionDenied) as exc:
            review(world, both, entry)
        assert str(exc.value.message) == "您已审核过该记录的上一层级。"


def test_reviewer_scope_and_levels(world, in_township, make_user):
    with in_township(world.township):
        entry = create(world)
        village2 = VillageFactory()
        far_work_team = make_user("work_team", world.township, village_ids=[village2.pk])
        review(world, world.users.secretary, entry)
        with pytest.raises(NotFound):
            review(world, far_work_team, entry)
        with pytest.raises(PermissionDenied):
            review(world, world.users.liaison, entry)  # not the liaison's level yet
        assert entry.reviews.count() == 1


def test_skipped_levels_normalise_weights(township_a, in_township, make_user, scoring_setup):
    setup = scoring_setup(township_a, review_levels=["work_team", "liaison"],
                          review_weights={"work_team": "0.5", "liaison": "0.5"})
    with in_township(township_a):
        village = VillageFactory()
        member = MemberFactory(branch=BranchFactory(village=village))
        clerk = make_user("clerk", township_a, village_ids=[village.pk])
        work_team = make_user("work_team", township_a, village_ids=[village.pk])
        liaison = make_user("liaison_leader", township_a, village_ids=[village.pk])
        entry = services.entry_create(actor=clerk, access=acc(clerk, township_a), member_id=member.pk,
                                      rule_code="V01", occurred_on=township_today(), points="5", note="",
                                      evidence_files=[jpeg()])
        assert entry.current_level == "work_team"
        services.entry_review(actor=work_team, access=acc(work_team, township_a), entry_id=entry.pk,
                              decision="approve", score="4")
        services.entry_review(actor=liaison, access=acc(liaison, township_a), entry_id=entry.pk,
                              decision="approve", score="7")
        assert LedgerEntry.objects.get().points == Decimal("5.50")
        assert setup.year.review_levels == ["work_team", "liaison"]


def test_veto_marks_the_member_for_the_year(world, in_township):
    with in_township(world.township):
        year = world.setup.year.year
        assert member_vetoed(world.member.pk, year) is False
        entry = create(world, rule_code="X01", points="0", evidence_files=[])
        for user in (world.users.secretary, world.users.work_team, world.users.liaison):
            review(world, user, entry)
        assert member_vetoed(world.member.pk, year) is True
        assert member_vetoed(world.other.pk, year) is False


# --- tenancy -----------------------------------------------------------------------------------------------------
def test_beta_users_cannot_see_or_act_on_alpha_entries(world, in_township, township_b, make_user, scoring_setup):
    scoring_setup(township_b)
    with in_township(world.township):
        entry = create(world)
    beta_secretary = make_user("branch_secretary", township_b, branch_id=world.branch.pk)
    beta_office = make_user("township_office", township_b)
    with in_township(township_b):
        # Same ids do not exist in beta's schema; the alpha entry is unreachable.
        assert not Entry.objects.filter(pk=entry.pk).exists()
        with pytest.raises(NotFound):
            services.entry_review(actor=beta_secretary, access=acc(beta_secretary, township_b), entry_id=entry.pk,
                                  decision="approve")
        with pytest.raises(NotFound):
            services.entry_late_decide(actor=beta_office, access=acc(beta_office, township_b), entry_id=entry.pk,
                                       decision="approve")
    # Alpha access computed for beta users is empty.
    with in_township(world.township):
        assert acc(beta_secretary, world.township).review_levels == frozenset()
        with pytest.raises(NotFound):
            services.entry_review(actor=beta_secretary, access=acc(beta_secretary, world.township),
                                  entry_id=entry.pk, decision="approve")
        assert Review.objects.count() == 0
        assert connection.schema_name == world.township.schema_name


def _posted(world, points="4"):
    entry = create(world, points=points)
    review(world, world.users.secretary, entry)
    review(world, world.users.work_team, entry)
    review(world, world.users.liaison, entry)
    entry.refresh_from_db()
    assert entry.status == Entry.Status.POSTED
    return entry


def test_a_correction_is_its_own_reviewed_row_and_the_original_is_untouched(world, in_township, make_user):
    supervisor = make_user("supervision_office", world.township)
    with in_township(world.township):
        original = _posted(world)
        row = LedgerEntry.objects.get(entry=original)
        original_row = (row.pk, row.points, row.hash)
        correction = services.entry_correction_propose(
            actor=supervisor, access=acc(supervisor, world.township), entry_id=original.pk, points="-4",
            reason="抽查：未参加主题党日", source="check:1")
        assert (correction.status, correction.current_level, correction.corrects_id) == (
            Entry.Status.IN_REVIEW, "branch", original.pk)
        assert LedgerEntry.objects.count() == 1  # nothing posted before review
        with pytest.raises(DomainError) as exc:
            review(world, world.users.secretary, correction, score="-2")
        assert "score" in exc.value.field_errors
        for user in (world.users.secretary, world.users.work_team, world.users.liaison):
            review(world, user, correction)
        posted = LedgerEntry.objects.get(entry=correction)
        assert (posted.kind, posted.points, posted.rule_id) == ("correction", Decimal("-4.00"), original.rule_id)
        row = LedgerEntry.objects.get(entry=original)
        assert (row.pk, row.points, row.hash) == original_row
        original.refresh_from_db()
        assert (original.status, original.final_points) == (Entry.Status.POSTED, Decimal("4.00"))
        assert AuditEvent.objects.filter(action="entry.correction_propose", object_id=str(correction.pk)).exists()


def test_corrections_stay_within_the_item_and_need_authority_and_a_reason(world, in_township):
    office = world.users.office
    with in_township(world.township):
        original = _posted(world)

        def propose(user=office, **kwargs):
            params = {"entry_id": original.pk, "points": "-1", "reason": "分值有误"}
            params.update(kwargs)
            return services.entry_correction_propose(actor=user, access=acc(user, world.township), **params)

        before = counts()
        with pytest.raises(PermissionDenied):
            propose(user=world.users.clerk)
        for kwargs, field in (({"reason": " "}, "reason"), ({"points": "0"}, "points"), ({"points": "-5"}, "points"),
                              ({"points": "5"}, "points")):
            with pytest.raises(DomainError) as exc:
                propose(**kwargs)
            assert field in exc.value.field_errors
        assert counts() == before
        first = propose(points="-3")
        with pytest.raises(DomainError):  # the pending -3 counts: -2 more would go below zero
            propose(points="-2")
        with pytest.raises(Conflict):
            propose(entry_id=first.pk)
        assert propose(points="-1", authorised=True, user=world.users.clerk).corrects_id == original.pk


@pytest.mark.parametrize(("name", "data", "fragment"), [
    ("shell.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00<?php system($_GET['c']); ?>", "不是可读取的 JPEG"),
    ("page.jpg", b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>", "不是可读取的 JPEG"),
    ("truncated.png", photo_bytes(3, "PNG")[:40], "不是可读取的 PNG"),
    ("fake.pdf", b"%PDF-1.7\nthis is only text pretending to be a PDF\n", "不是可读取的 PDF"),
    ("script.pdf", pdf_bytes(javascript="app.alert('x')"), "含有脚本"),
])
def test_evidence_must_decode_as_what_it_claims_and_pdfs_carry_no_scripts(world, in_township, name, data, fragment):
    with in_township(world.township):
        before = counts()
        with pytest.raises(DomainError) as exc:
            create(world, evidence_files=[SimpleUploadedFile(name, data)])
        assert fragment in str(exc.value)
        assert name in str(exc.value)
        assert counts() == before


def test_real_photos_of_every_kind_and_plain_pdfs_are_accepted_with_their_exact_hash(world, in_township):
    files = [("a.png", photo_bytes(4, "PNG")), ("b.webp", photo_bytes(5, "WEBP")), ("c.heic", photo_bytes(6, "HEIF")),
             ("d.pdf", PDF)]
    with in_township(world.township):
        entry = create(world, evidence_files=[SimpleUploadedFile(n, d) for n, d in files])
        assert sorted(entry.evidence.values_list("content_type", "sha256")) == sorted([
            ("image/png", hashlib.sha256(files[0][1]).hexdigest()),
            ("image/webp", hashlib.sha256(files[1][1]).hexdigest()),
            ("image/heic", hashlib.sha256(files[2][1]).hexdigest()),
            ("application/pdf", hashlib.sha256(PDF).hexdigest()),
        ])
