"""The tips' demo step: tips in every state, a receipt answered, a faking sanction that removes
secretary1's award eligibility, a tip routed to the county; idempotent. Run at each pinned month and year end."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from accounts.models import User
from scoring.tips.base import TipStatus
from scoring.tips.county.models import CountyTip
from scoring.tips.demo import DEMO_COUNTY_RECEIPT, DEMO_RECEIPT
from scoring.tips.models import AwardIneligibility, Sanction, Tip
from scoring.tips.selectors import award_ineligible_users
from tenants.townships.models import Township
from tests.tenants.test_seed_demo import _seed

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]


def test_demo_has_tips_in_every_state_an_answered_receipt_and_a_lost_eligibility(in_township, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _seed()
    township = Township.objects.get(code="qingshi")
    secretary = User.objects.get(username="secretary1")
    with in_township(township):
        assert set(Tip.objects.values_list("status", flat=True)) == set(TipStatus.values)
        assert Sanction.objects.filter(faking_established=True).count() == 1
        [row] = AwardIneligibility.objects.all()
        assert row.user_id == secretary.pk
        assert award_ineligible_users(year=row.scoring_year) == {secretary.pk: row.reason}
        counts = (Tip.objects.count(), Sanction.objects.count())
    assert CountyTip.objects.filter(township=township).count() == 1
    client = Client(REMOTE_ADDR="10.250.250.1")
    try:
        html = client.post("/t/qingshi/tips/receipt/", {"code": DEMO_RECEIPT}).content.decode()
        assert "九月份的公示。" in html
        assert "经核对，九月公示积分与台账一致" in html
        assert "核对九月台账" not in html  # the internal note
        county = client.post("/t/qingshi/tips/receipt/", {"code": DEMO_COUNTY_RECEIPT})
        assert county.status_code == 200
    finally:
        connection.set_schema_to_public()
    _seed()
    with in_township(township):
        assert (Tip.objects.count(), Sanction.objects.count()) == counts
