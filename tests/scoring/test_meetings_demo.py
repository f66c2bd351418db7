"""The meetings' demo step: a year of filed meetings with attendance for every branch, the live
theme Party day whose entries were proposed and mostly posted, a remote confirmation accepted;
a second run writes nothing. (The seed is slow, so this runs at the default moment only; the step's
dates are relative to today and the first-of-month moment was checked by hand.)"""
from __future__ import annotations

import pytest

from scoring.ledger.models import Entry
from scoring.meetings.demo import RULES
from scoring.meetings.models import AttendanceRow, Meeting, MeetingVersion, PointsRule, RemoteConfirmation
from scoring.meetings.selectors import frequency_board
from tenants.organisation.models import Branch, Member
from tenants.townships.models import Township
from tests.tenants.test_seed_demo import _seed

pytestmark = [pytest.mark.django_db]


def test_demo_has_a_year_of_meetings_and_a_filed_one_with_reviewed_entries(in_township, settings, tmp_path, clock):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    output = _seed()
    assert "meetings" in output
    township = Township.objects.get(code="qingshi")
    with in_township(township):
        today = clock.today()
        with_members = set(Member.objects.filter(status=Member.Status.ACTIVE).values_list("branch_id", flat=True))
        assert set(Meeting.objects.values_list("branch_id", flat=True)) == with_members
        assert not Meeting.objects.exclude(status=Meeting.Status.FILED).exists()
        assert not MeetingVersion.objects.filter(is_filed=False).exists()
        assert MeetingVersion.objects.filter(held_on__gt=today).count() == 0
        assert PointsRule.objects.count() == len(RULES)
        assert AttendanceRow.objects.count() > Meeting.objects.count()
        assert not Entry.objects.filter(source__startswith="meeting:").exists()  # the small demo: history only
    # The full demo's live meeting, on top of the small one.
    from accounts.models import User
    from common import clock as product_clock
    from common.demo import DemoContext
    from scoring.meetings.demo import _live

    ctx = DemoContext()
    with product_clock.History() as history, in_township(township):
        _live(township=township, office=User.objects.get(username="office1"), today=today, history=history, ctx=ctx)
    with in_township(township):
        live = Meeting.objects.filter(entry_links__isnull=False).distinct().get()
        entries = Entry.objects.filter(source=live.source, corrects=None)
        assert entries.exists()
        assert entries.filter(status=Entry.Status.POSTED).count() >= entries.count() - 3 - int(
            RemoteConfirmation.objects.exists())
        board = frequency_board(branches=Branch.objects.all(), today=today)
        assert {row.state for row in board} <= {"done", "due", "overdue"}
        assert any(row.state != "overdue" for row in board)
        counts = (Meeting.objects.count(), MeetingVersion.objects.count(), AttendanceRow.objects.count(),
                  Entry.objects.count(), RemoteConfirmation.objects.count())
    _seed()
    with in_township(township):
        assert (Meeting.objects.count(), MeetingVersion.objects.count(), AttendanceRow.objects.count(),
                Entry.objects.count(), RemoteConfirmation.objects.count()) == counts
