"""The light duties' demo step: the township's duties, proposals for the latest closed month with a
situation adjusted (an ill member), one confirmed and completed, one confirmed, the rest proposed;
idempotent. Run at each pinned month and year end."""
from __future__ import annotations

import pytest

from accounts.models import RoleAssignment, User
from scoring.duties.models import Duty, DutyAssignment, DutyRun, MemberIllness
from tenants.townships.models import Township
from tests.tenants.test_seed_demo import _seed

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]


def test_demo_has_proposed_confirmed_and_completed_duties(in_township, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _seed()
    township = Township.objects.get(code="qingshi")
    secretary = User.objects.get(username="secretary1")
    branch_id = RoleAssignment.objects.get(user=secretary, township=township, role="branch_secretary").branch_id
    with in_township(township):
        assert set(Duty.objects.values_list("period", flat=True)) == {"monthly", "year_end"}
        completed = DutyAssignment.objects.get(branch_id=branch_id, status="completed")
        mine = DutyAssignment.objects.filter(branch_id=branch_id, run=completed.run)
        statuses = sorted(mine.values_list("status", flat=True))
        assert statuses.count("completed") == 1
        assert statuses.count("confirmed") == 1
        assert "proposed" in statuses
        # Ties at the boundary can add members, never leave one out; at least the bottom three.
        assert mine.count() >= 3
        ill = MemberIllness.objects.get()
        ill_duty = mine.get(member_id=ill.member_id)
        assert ill_duty.variant == "alternative"
        assert ill.reason in ill_duty.situation
        assert ill_duty.task == "在家完成一次学习笔记，由支部委员上门收取。"
        assert DutyRun.objects.filter(year=completed.run.year, month=completed.run.month).count() == 1
        counts = (Duty.objects.count(), DutyRun.objects.count(), DutyAssignment.objects.count())
    _seed()
    with in_township(township):
        assert (Duty.objects.count(), DutyRun.objects.count(), DutyAssignment.objects.count()) == counts
