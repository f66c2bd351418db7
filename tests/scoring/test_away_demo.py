"""The demo steps of reports from members away and of dues: reports accepted with posted points
and one returned, dues for the year with arrears, an exemption and a correction; idempotent.
Run at each pinned month and year end."""
from __future__ import annotations

import pytest

from scoring.dues.models import DuesBase, DuesExemption, DuesPayment
from scoring.dues.selectors import member_dues
from scoring.ledger.models import Entry, LedgerEntry
from scoring.reports.models import Report
from tenants.townships.models import Township
from tests.tenants.test_seed_demo import _seed

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]


def test_demo_has_reports_with_posted_points_a_return_and_dues_with_arrears(in_township, settings, tmp_path, clock):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _seed()
    township = Township.objects.get(code="qingshi")
    with in_township(township):
        accepted = Report.objects.filter(status=Report.Status.ACCEPTED)
        assert accepted.count() >= 1
        for report in accepted:
            assert report.entry.source == f"report:{report.pk}"
            assert report.entry.status == Entry.Status.POSTED
            assert LedgerEntry.objects.filter(entry=report.entry).count() == 1
        assert Report.objects.filter(status=Report.Status.RETURNED).exclude(return_reason="").count() == 1
        branch_ids = set(DuesBase.objects.values_list("member__branch_id", flat=True))
        assert len(branch_ids) == 1
        today = clock.today()
        rows = member_dues(branch_ids=list(branch_ids), year=today.year, through=today.month)
        assert DuesExemption.objects.count() == 1
        assert DuesPayment.objects.filter(kind="correction").count() == 1
        if today.month > 1:
            assert any(r.arrears > 0 for r in rows)
        counts = (Report.objects.count(), Entry.objects.count(), DuesBase.objects.count(),
                  DuesPayment.objects.count(), DuesExemption.objects.count())
    _seed()
    with in_township(township):
        assert (Report.objects.count(), Entry.objects.count(), DuesBase.objects.count(),
                DuesPayment.objects.count(), DuesExemption.objects.count()) == counts
