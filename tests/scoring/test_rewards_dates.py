"""Honours and the scoring year, at month and year ends: an honour counts for the scoring year of its
award date; one awarded before the running year needs that year's county template; the points entry is
booked on the day of verification, never in a sealed month."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from common import clock
from common.errors import DomainError
from scoring.rewards import services
from scoring.rewards.choices import Tier
from scoring.rewards.models import Honour, MemberTier
from tests.scoring.rewards_world import acc, certificate, county_ensure, honour, make_world, member, this_year

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def test_an_honour_counts_for_the_year_of_its_award_date(township_a, in_township, make_user, scoring_setup):
    year = this_year()
    world = make_world(township=township_a, in_township=in_township, make_user=make_user,
                       scoring_setup=scoring_setup, year=year)
    with in_township(township_a):
        who = member(world, "跨年党员")
        item = honour(world, who, level="city")
        item.entry.refresh_from_db()
        assert (item.year, item.entry.occurred_on, item.entry.status) == (year, clock.today(), "posted")
        assert MemberTier.objects.get(member=who, year=year).tier == Tier.THREE
        start = item.entry.rule.scoring_year.starts_on
        last_year_day = start - dt.timedelta(days=1)
        base = {"member_id": who.pk, "kind_code": "BZ", "level": "county", "issuer": "县委", "title": "往年表彰",
                "awarded_on": last_year_day}
        clerk, access = world.users.clerk, acc(world.users.clerk, township_a)
        count = Honour.objects.count()
        with pytest.raises(DomainError) as exc:
            services.honour_create(actor=clerk, access=access, certificates=[certificate(5)], **base)
        assert str(year - 1) in str(exc.value.message)
        assert Honour.objects.count() == count
    county_ensure(year=year - 1)
    with in_township(township_a):
        old = services.honour_create(actor=clerk, access=access, certificates=[certificate(6)], **base)
        assert old.year == year - 1
        services.tier_recompute(year=year - 1, member_ids=[who.pk])
        assert MemberTier.objects.get(member=who, year=year - 1).honour_points == Decimal("0")
        assert MemberTier.objects.get(member=who, year=year).honour_points == Decimal("6.00")
