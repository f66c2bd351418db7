"""Honours, star tiers, Party-member Star eligibility and shortlists (issue 12 items 1, 2, 3, 6):
a table of member cases with their explanations, revocation through a reversing entry, rule versions,
the barred secretary, and two townships."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction

from audit.models import AuditEvent
from common import clock
from common.errors import Conflict, DomainError, PermissionDenied
from scoring.ledger.models import Entry, LedgerEntry
from scoring.rewards import selectors, services
from scoring.rewards.choices import Tier
from scoring.rewards.county.models import StarRuleVersion, SubmittedCandidate, SubmittedShortlist
from scoring.rewards.county.services import star_rule_version_create
from scoring.rewards.models import Honour, MemberTier, Shortlist, StarResult
from tests.scoring.rewards_world import (
    acc,
    bar_secretary,
    certificate,
    honour,
    make_world,
    member,
    rate,
    this_year,
    veto,
)

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def world(township_a, in_township, make_user, scoring_setup):
    return make_world(township=township_a, in_township=in_township, make_user=make_user, scoring_setup=scoring_setup,
                      year=this_year())


def ledger_sum(member_id, source_entry_ids):
    return sum((r.points for r in LedgerEntry.objects.filter(member_id=member_id, entry_id__in=source_entry_ids)),
               Decimal("0"))


# --- honours --------------------------------------------------------------------------------------------
def test_an_honour_counts_only_after_the_office_verifies_it_and_its_points_go_through_review(world, in_township):
    with in_township(world.township):
        who = member(world, "李一")
        item = honour(world, who, level="county", verify=False)
        assert (item.status, item.year, item.entry_id) == (Honour.Status.PENDING, world.year, None)
        assert item.certificates.count() == 1
        assert services.tier_recompute(year=world.year, member_ids=[who.pk]) == 1
        assert MemberTier.objects.get(member=who, year=world.year).tier == Tier.NONE
        # The clerk who entered it cannot verify; nor can anyone but the office.
        with pytest.raises(PermissionDenied):
            services.honour_verify(actor=world.users.clerk, access=acc(world.users.clerk, world.township),
                                   honour_id=item.pk)
        rows = LedgerEntry.objects.count()
        office = world.users.office
        item = services.honour_verify(actor=office, access=acc(office, world.township), honour_id=item.pk)
        entry = item.entry
        assert (item.status, item.points, entry.status, entry.points, entry.source, entry.rule.code) == (
            Honour.Status.VERIFIED, Decimal("4.00"), Entry.Status.IN_REVIEW, Decimal("4.00"), f"honour:{item.pk}", "H01")
        assert entry.evidence.get().sha256 == item.certificates.get().sha256
        assert LedgerEntry.objects.count() == rows  # nothing posted before review
        tier = MemberTier.objects.get(member=who, year=world.year)
        assert (tier.tier, tier.honour_points) == (Tier.TWO, Decimal("4.00"))
        with pytest.raises(Conflict):
            services.honour_verify(actor=office, access=acc(office, world.township), honour_id=item.pk)


def test_bad_honour_input_is_refused_and_nothing_is_written(world, in_township):
    with in_township(world.township):
        who = member(world, "李二")
        from tests.factories import BranchFactory

        outsider = member(world, "外人", branch=BranchFactory())
        clerk, access = world.users.clerk, acc(world.users.clerk, world.township)
        base = {"member_id": who.pk, "kind_code": "BZ", "level": "county", "issuer": "县委",
                "awarded_on": clock.today(), "title": "优秀党员"}
        before = (Honour.objects.count(), AuditEvent.objects.count())
        cases = [({"certificates": []}, "evidence"), ({"kind_code": "XX", "certificates": [certificate()]}, "kind"),
                 ({"level": "galaxy", "certificates": [certificate()]}, "level"),
                 ({"member_id": outsider.pk, "certificates": [certificate()]}, "member"),
                 ({"issuer": " ", "certificates": [certificate()]}, "issuer"),
                 ({"title": "a\x01b", "certificates": [certificate()]}, "title"),
                 ({"awarded_on": clock.today().replace(year=clock.today().year + 1), "certificates": [certificate()]},
                  "awarded_on")]
        for change, field in cases:
            with pytest.raises(DomainError) as exc:
                services.honour_create(actor=clerk, access=access, **{**base, **change})
            assert field in exc.value.field_errors, (change, exc.value.field_errors)
        from django.core.files.uploadedfile import SimpleUploadedFile

        fake = SimpleUploadedFile("cert.jpg", b"\xff\xd8\xff<script>", content_type="image/jpeg")
        with pytest.raises(DomainError) as exc:
            services.honour_create(actor=clerk, access=access, **base, certificates=[fake])
        assert "evidence" in exc.value.field_errors
        assert (Honour.objects.count(), AuditEvent.objects.count()) == before
        member_user = world.users.county
        with pytest.raises(PermissionDenied):
            services.honour_create(actor=member_user, access=acc(world.users.discipline, world.township), **base,
                                   certificates=[certificate()])
        item = services.honour_create(actor=clerk, access=access, **base, certificates=[certificate()])
        office = acc(world.users.office, world.township)
        with pytest.raises(DomainError) as exc:
            services.honour_reject(actor=world.users.office, access=office, honour_id=item.pk, reason=" ")
        assert "reason" in exc.value.field_errors
        item = services.honour_reject(actor=world.users.office, access=office, honour_id=item.pk, reason="证书不清")
        assert (item.status, item.reject_reason, item.entry_id) == (Honour.Status.REJECTED, "证书不清", None)


# --- tiers: a table of member cases -----------------------------------------------------------------------
TIER_CASES = [
    # name, honours (level, verified), veto, expected tier, words in the reason
    ("无荣誉", [], False, Tier.NONE, ["本年度没有已核实的荣誉"]),
    ("村级一项", [("village", True)], False, Tier.ONE, ["1项已核实荣誉", "1.00", "一星"]),
    ("乡镇加县", [("township", True), ("county", True)], False, Tier.THREE, ["2项已核实荣誉", "6.00", "三星"]),
    ("省市县", [("province", True), ("city", True), ("county", True)], False, Tier.OUTSTANDING,
     ["3项已核实荣誉", "20.00", "优秀"]),
    ("未核实", [("county", False)], False, Tier.NONE, ["本年度没有已核实的荣誉"]),
    ("省级被否决", [("province", True)], True, Tier.ONE, ["10.00", "一票否决", "一星"]),
]


def test_tiers_for_a_table_of_members_with_their_reasons(world, in_township):
    with in_township(world.township):
        made = {}
        for seed, (name, items, vetoed, _tier, _words) in enumerate(TIER_CASES):
            who = member(world, name)
            for level, verified in items:
                honour(world, who, level=level, verify=verified, seed=seed)
            if vetoed:
                veto(world, who)
            made[name] = who
        # Every member with a verified honour or a tier row: not the one without honours nor the unverified one.
        assert services.tier_recompute(year=world.year) == 4
        for name, _items, vetoed, expected, words in TIER_CASES:
            who = made[name]
            services.tier_recompute(year=world.year, member_ids=[who.pk])
            tier = MemberTier.objects.get(member=who, year=world.year)
            assert (tier.tier, tier.vetoed) == (expected, vetoed), name
            for word in words:
                assert word in tier.reason, (name, tier.reason)
        capped = MemberTier.objects.get(member=made["省级被否决"], year=world.year)
        assert capped.uncapped_tier == Tier.FOUR
        distribution = {row["tier"]: row["members"] for row in selectors.tier_distribution(year=world.year)}
        assert distribution[Tier.NONE] == 2
        assert distribution[Tier.ONE] == 2
        assert (distribution[Tier.THREE], distribution[Tier.OUTSTANDING]) == (1, 1)


def test_a_revoked_honour_lowers_the_tier_through_a_reversing_entry(world, in_township):
    with in_township(world.township):
        who = member(world, "张撤")
        keep = honour(world, who, level="township", seed=1)
        gone = honour(world, who, level="county", seed=2)
        assert MemberTier.objects.get(member=who, year=world.year).tier == Tier.THREE
        assert ledger_sum(who.pk, [keep.entry_id, gone.entry_id]) == Decimal("6.00")
        office = acc(world.users.office, world.township)
        with pytest.raises(DomainError):
            services.honour_revoke(actor=world.users.office, access=office, honour_id=gone.pk, reason="")
        gone = services.honour_revoke(actor=world.users.office, access=office, honour_id=gone.pk,
                                      reason="证书系伪造，县委已撤销")
        reversal = gone.reversal
        assert (gone.status, reversal.corrects_id, reversal.points, reversal.source, reversal.status) == (
            Honour.Status.REVOKED, gone.entry_id, Decimal("-4.00"), f"honour:{gone.pk}", Entry.Status.IN_REVIEW)
        tier = MemberTier.objects.get(member=who, year=world.year)
        assert (tier.tier, tier.honour_points) == (Tier.ONE, Decimal("2.00"))
        from tests.scoring.rewards_world import review_all

        review_all(world, reversal)
        row = LedgerEntry.objects.get(entry=reversal)
        assert (row.kind, row.points) == (LedgerEntry.Kind.CORRECTION, Decimal("-4.00"))
        assert ledger_sum(who.pk, [keep.entry_id, gone.entry_id, reversal.pk]) == Decimal("2.00")
        with pytest.raises(Conflict):
            services.honour_revoke(actor=world.users.office, access=office, honour_id=gone.pk, reason="再次")
        # An honour whose entry is still in review cannot be revoked yet (nothing to reverse).
        waiting = honour(world, who, level="city", post=False, seed=3)
        with pytest.raises(Conflict):
            services.honour_revoke(actor=world.users.office, access=office, honour_id=waiting.pk, reason="撤销")


# --- Party-member Star: a table of member cases ------------------------------------------------------------
RULE_V1 = [{"code": "rating_excellent"}, {"code": "honours", "min_count": 1, "min_level": "township"},
           {"code": "no_veto"}, {"code": "not_barred"}]

STAR_CASES = [
    # name, rating, honours, veto, barred, eligible, failed codes, words in the explanation
    ("全部符合", "excellent", ["township"], False, False, True, [], ["年度评定：优秀", "1项符合条件的荣誉"]),
    ("只有村级荣誉", "excellent", ["village"], False, False, False, ["honours"], ["0项符合条件的荣誉"]),
    ("评定合格", "qualified", ["county"], False, False, False, ["rating_excellent"], ["年度评定：合格"]),
    ("未评定", None, ["county"], False, False, False, ["rating_excellent"], ["尚未进行年度评定"]),
    ("被否决", "excellent", ["county"], True, False, False, ["no_veto"], ["一票否决"]),
    ("被取消资格的书记", "excellent", ["province"], False, True, False, ["not_barred"], ["取消资格"]),
    ("什么都没有", "basic", [], False, False, False, ["rating_excellent", "honours"], ["基本合格"]),
]


def _star_world(world):
    made = {}
    for seed, (name, rating, levels, vetoed, barred, *_rest) in enumerate(STAR_CASES):
        who = member(world, name)
        for level in levels:
            honour(world, who, level=level, seed=seed)
        if vetoed:
            veto(world, who)
        if barred:
            bar_secretary(world, who)
        if rating:
            rate(who, world.year, rating)
        made[name] = who
    return made


def test_star_eligibility_for_a_table_of_members_with_explanations_and_the_funnel(world, in_township):
    star_rule_version_create(actor=world.users.county, year=world.year, conditions=RULE_V1, note="县委2026年规则")
    with in_township(world.township):
        made = _star_world(world)
        evaluation = services.star_evaluate(actor=world.users.office, year=world.year)
        assert (evaluation.rule_version, evaluation.members, evaluation.eligible) == (1, len(STAR_CASES), 1)
        for name, _r, _h, _v, _b, eligible, failed, words in STAR_CASES:
            result = StarResult.objects.get(member=made[name], year=world.year)
            assert (result.eligible, result.failed, result.rule_version) == (eligible, failed, 1), name
            text = " ".join(item["detail"] for item in result.explanation)
            for word in words:
                assert word in text, (name, text)
            assert [item["code"] for item in result.explanation] == [c["code"] for c in RULE_V1]
        total, steps = selectors.star_funnel(year=world.year)
        assert total == len(STAR_CASES)
        assert [(s.code, s.holds, s.remaining) for s in steps] == [
            ("rating_excellent", 4, 4), ("honours", 5, 3), ("no_veto", 6, 2), ("not_barred", 6, 1)]


def test_rule_versions_are_immutable_and_a_years_result_uses_that_years_version(world, in_township):
    from scoring.rewards.county.selectors import star_rule_for

    v1 = star_rule_version_create(actor=world.users.county, year=world.year, conditions=RULE_V1, note="初版")
    star_rule_version_create(actor=world.users.county, year=world.year + 1, conditions=[{"code": "no_veto"}],
                             note="明年")
    with in_township(world.township):
        made = _star_world(world)
        services.star_evaluate(actor=world.users.office, year=world.year)
        assert StarResult.objects.get(member=made["全部符合"]).eligible is True
    # Version 2 of this year adds "tier at least two-star": the one township honour (2 points) is one-star.
    v2 = star_rule_version_create(actor=world.users.county, year=world.year,
                                  conditions=[*RULE_V1, {"code": "tier", "min_tier": 2}], note="增加星级条件")
    assert (v1.version, v2.version, star_rule_for(year=world.year).pk) == (1, 2, v2.pk)
    with transaction.atomic(), pytest.raises(DatabaseError):
        StarRuleVersion.objects.filter(pk=v1.pk).update(note="改过")
    with transaction.atomic(), pytest.raises(DatabaseError):
        v1.conditions.all().delete()
    with in_township(world.township):
        evaluation = services.star_evaluate(actor=world.users.office, year=world.year)
        result = StarResult.objects.get(member=made["全部符合"])
        assert (evaluation.rule_version, evaluation.rule_version_id, result.eligible, result.failed) == (
            2, v2.pk, False, ["tier"])
        # The next year's rule (no veto only) is not used for this year.
        assert StarResult.objects.filter(year=world.year, eligible=True).count() == 0
    # A bad condition is refused and no version is made.
    count = StarRuleVersion.objects.count()
    for conditions in ([], [{"code": "moon"}], [{"code": "tier"}], [{"code": "rank_top", "top_percent": "0"}]):
        with pytest.raises(DomainError):
            star_rule_version_create(actor=world.users.county, year=world.year, conditions=conditions, note="x")
    with pytest.raises(DomainError):
        star_rule_version_create(actor=world.users.county, year=world.year, conditions=RULE_V1, note=" ")
    assert StarRuleVersion.objects.count() == count


def test_a_barred_secretary_is_never_eligible_even_when_the_rule_forgets_the_bar(world, in_township):
    star_rule_version_create(actor=world.users.county, year=world.year, conditions=[{"code": "tier", "min_tier": 1}],
                             note="只看星级")
    with in_township(world.township):
        secretary = member(world, "王书记")
        plain = member(world, "普通党员")
        for who in (secretary, plain):
            honour(world, who, level="province", seed=who.pk)
        bar_secretary(world, secretary)
        services.star_evaluate(actor=world.users.office, year=world.year)
        barred = StarResult.objects.get(member=secretary)
        assert (barred.eligible, barred.failed) == (False, ["not_barred"])
        assert StarResult.objects.get(member=plain).eligible is True
        # The funnel shows the county's rule: the bar applied outside it is not a step.
        total, steps = selectors.star_funnel(year=world.year)
        assert (total, [(s.code, s.holds, s.remaining) for s in steps]) == (2, [("tier", 2, 2)])


def test_rank_condition_uses_the_branch_top_share(world, in_township):
    star_rule_version_create(actor=world.users.county, year=world.year,
                             conditions=[{"code": "rank_top", "top_percent": "50"}], note="前50%")
    with in_township(world.township):
        people = [member(world, f"排名{i}", branch=world.other_branch) for i in range(4)]
        for i, who in enumerate(people[:3]):
            for _ in range(i + 1):
                honour(world, who, level="village", seed=10 + i)
        services.star_evaluate(actor=world.users.office, year=world.year)
        results = {r.member_id: r for r in StarResult.objects.filter(member__in=people)}
        assert [results[p.pk].eligible for p in people] == [False, True, True, False]
        assert "第3名" in results[people[0].pk].explanation[0]["detail"]


# --- shortlists ------------------------------------------------------------------------------------------
def test_shortlist_ranks_candidates_with_their_trail_office_edits_and_submission_locks(world, in_township):
    star_rule_version_create(actor=world.users.county, year=world.year, conditions=RULE_V1, note="规则")
    with in_township(world.township):
        made = _star_world(world)
        extra = member(world, "三星党员")
        honour(world, extra, level="township", seed=41)
        honour(world, extra, level="county", seed=42)
        services.star_evaluate(actor=world.users.office, year=world.year)
        office = acc(world.users.office, world.township)
        shortlist = services.shortlist_generate(actor=world.users.office, access=office, kind="july1", year=world.year)
        rows = list(selectors.shortlist_candidates(shortlist=shortlist))
        names = [(c.member.name, c.included) for c in rows]
        # Eligible first, then by tier; three on the list (county template), the rest reserves.
        assert names[:3] == [("全部符合", True), ("三星党员", True), ("评定合格", True)]
        assert "被取消资格的书记" not in [n for n, _ in names]
        assert "被否决" not in [n for n, _ in names]
        top = rows[0]
        assert top.eligible
        assert top.tier == Tier.ONE
        assert len(top.honour_ids) == 1
        assert top.rating == "excellent"
        assert "党员之星" in top.reason
        barred = made["被取消资格的书记"]
        with pytest.raises(DomainError) as exc:
            services.shortlist_edit(actor=world.users.office, access=office, shortlist_id=shortlist.pk,
                                    member_id=barred.pk, action="add", reason="群众推荐")
        assert "member" in exc.value.field_errors
        with pytest.raises(DomainError):
            services.shortlist_edit(actor=world.users.office, access=office, shortlist_id=shortlist.pk,
                                    member_id=made["评定合格"].pk, action="remove", reason="")
        services.shortlist_edit(actor=world.users.office, access=office, shortlist_id=shortlist.pk,
                                member_id=made["评定合格"].pk, action="remove", reason="本人谦让")
        added = services.shortlist_edit(actor=world.users.office, access=office, shortlist_id=shortlist.pk,
                                        member_id=made["什么都没有"].pk, action="add", reason="抗洪表现突出")
        assert (added.by_office, added.included, added.edits.get().reason) == (True, True, "抗洪表现突出")
        with pytest.raises(PermissionDenied):
            services.shortlist_submit(actor=world.users.clerk, access=acc(world.users.clerk, world.township),
                                      shortlist_id=shortlist.pk)
        shortlist = services.shortlist_submit(actor=world.users.office, access=office, shortlist_id=shortlist.pk)
        assert shortlist.status == Shortlist.Status.SUBMITTED
        copy = SubmittedShortlist.objects.get(pk=shortlist.county_copy_id)
        assert (copy.township_id, copy.kind, copy.year) == (world.township.pk, "july1", world.year)
        assert [c.member_name for c in copy.candidates.order_by("position")] == ["全部符合", "三星党员", "什么都没有"]
        with pytest.raises(Conflict):
            services.shortlist_edit(actor=world.users.office, access=office, shortlist_id=shortlist.pk,
                                    member_id=made["评定合格"].pk, action="add", reason="x")
        with pytest.raises(Conflict):
            services.shortlist_generate(actor=world.users.office, access=office, kind="july1", year=world.year)
        with transaction.atomic(), pytest.raises(DatabaseError):
            SubmittedCandidate.objects.filter(shortlist=copy).update(member_name="改名")


def test_a_secretary_barred_after_the_list_was_made_is_dropped_at_submission(world, in_township):
    star_rule_version_create(actor=world.users.county, year=world.year, conditions=[{"code": "tier", "min_tier": 1}],
                             note="只看星级")
    with in_township(world.township):
        secretary = member(world, "后查出的书记")
        other = member(world, "另一人")
        honour(world, secretary, level="province", seed=51)
        honour(world, other, level="village", seed=52)
        office = acc(world.users.office, world.township)
        shortlist = services.shortlist_generate(actor=world.users.office, access=office, kind="year_end",
                                                year=world.year)
        assert shortlist.candidates.filter(member=secretary, included=True).exists()
        bar_secretary(world, secretary)
        services.shortlist_submit(actor=world.users.office, access=office, shortlist_id=shortlist.pk)
        copy = SubmittedShortlist.objects.get(local_id=shortlist.pk, township=world.township)
        assert [c.member_id for c in copy.candidates.all()] == [other.pk]
        assert shortlist.candidates.get(member=secretary).edits.get().action == "remove"


def test_another_township_sees_none_of_the_honours_tiers_or_shortlists(world, township_b, in_township, make_user,
                                                                       scoring_setup):
    star_rule_version_create(actor=world.users.county, year=world.year, conditions=[{"code": "tier", "min_tier": 1}],
                             note="只看星级")
    with in_township(world.township):
        who = member(world, "阿尔法党员")
        honour(world, who, level="county")
        services.star_evaluate(actor=world.users.office, year=world.year)
        services.shortlist_generate(actor=world.users.office, access=acc(world.users.office, world.township),
                                    kind="july1", year=world.year)
    other = make_world(township=township_b, in_township=in_township, make_user=make_user,
                       scoring_setup=scoring_setup, year=world.year, name="贝塔村")
    with in_township(township_b):
        access = acc(other.users.office, township_b)
        assert (selectors.honour_scope(access).count(), MemberTier.objects.count(), Shortlist.objects.count(),
                StarResult.objects.count()) == (0, 0, 0, 0)
        # The office of beta cannot act on alpha's honour ids either: they do not exist in its schema.
        alpha_honour = None
    with in_township(world.township):
        alpha_honour = Honour.objects.get(member=who)
    with in_township(township_b), pytest.raises(DomainError):
        services.honour_revoke(actor=other.users.office, access=access, honour_id=alpha_honour.pk, reason="越权")
