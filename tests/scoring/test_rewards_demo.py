"""The rewards' demo step: honours at every level, members in several tiers, at least one Party-member
Star with the others explained, the 七一 shortlist submitted to the county; idempotent. Run at each
pinned month and year end."""
from __future__ import annotations

from decimal import Decimal

import pytest

from scoring.rewards.choices import Level, Tier
from scoring.rewards.county.models import (
    HonourTemplate,
    RollupCandidate,
    RollupRun,
    RollupTownship,
    StarRuleVersion,
    SubmittedShortlist,
)
from scoring.rewards.models import Honour, MemberTier, Shortlist, StarEvaluation, StarResult
from scoring.tips.selectors import award_ineligible
from tenants.townships.models import Township
from tenants.townships.selectors import township_list_ready
from tests.tenants.test_seed_demo import _seed

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]


def test_demo_has_honours_tiers_a_party_member_star_and_a_submitted_shortlist(in_township, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _seed()
    township = Township.objects.get(code="qingshi")
    with in_township(township):
        [evaluation] = StarEvaluation.objects.all()
        year = evaluation.year
        verified = Honour.objects.filter(status=Honour.Status.VERIFIED)
        assert set(verified.values_list("level", flat=True)) == set(Level.values)
        assert set(Honour.objects.values_list("status", flat=True)) == {"verified", "rejected", "pending"}
        assert all(h.entry.status == "posted" and h.entry.source == f"honour:{h.pk}" for h in verified)
        tiers = set(MemberTier.objects.filter(year=year).values_list("tier", flat=True))
        assert len(tiers - {Tier.NONE}) >= 3, tiers
        assert evaluation.rule_version == 2
        assert evaluation.eligible >= 1
        ineligible = StarResult.objects.filter(year=year, eligible=False).first()
        assert ineligible.failed
        assert all(item["detail"] for item in ineligible.explanation)
        barred = set(award_ineligible(year=year))
        assert not StarResult.objects.filter(member_id__in=barred, eligible=True).exists()
        shortlist = Shortlist.objects.get(kind="july1", year=year)
        assert shortlist.status == Shortlist.Status.SUBMITTED
        counts = (Honour.objects.count(), MemberTier.objects.count(), StarResult.objects.count(),
                  Shortlist.objects.count())
    copy = SubmittedShortlist.objects.get(township=township, kind="july1", year=year)
    assert copy.candidates.exists()
    assert not copy.candidates.filter(member_id__in=barred).exists()
    assert StarRuleVersion.objects.filter(year=year).count() == 2
    assert HonourTemplate.objects.filter(year=year).count() == 1
    # The county rollup of the 七一 awards: every ready township, the whole budget allocated.
    run = RollupRun.objects.get(year=year, kind="july1")
    assert run.state == RollupRun.State.COLLECTED
    rows = list(RollupTownship.objects.filter(run=run))
    assert len(rows) == township_list_ready().count()
    assert all(row.ok for row in rows)
    assert sum(row.share for row in rows) == run.budget == Decimal("200000.00")
    assert RollupCandidate.objects.filter(run=run, eligible=True).exists()
    assert not RollupCandidate.objects.filter(run=run, member_id__in=barred).exists()
    _seed()
    assert RollupRun.objects.filter(year=year).count() == 1
    assert RollupTownship.objects.filter(run=run).count() == len(rows)
    with in_township(township):
        assert (Honour.objects.count(), MemberTier.objects.count(), StarResult.objects.count(),
                Shortlist.objects.count()) == counts
    assert StarRuleVersion.objects.filter(year=year).count() == 2
    assert SubmittedShortlist.objects.count() == 1
