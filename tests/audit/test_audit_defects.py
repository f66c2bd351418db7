"""Audit browser (issue 14 defects): an event that records only what changed (a review decision)
shows only those fields, never every other field as wiped; times are in the township's zone."""
import datetime as dt
import re

import pytest
from django.db import transaction

from accounts.models import Role
from audit.models import AuditEvent
from audit.services import audit_record

pytestmark = pytest.mark.django_db


def _review_event():
    with transaction.atomic():
        return audit_record(actor=None, action="entry.review_approve", object_type="ledger.entry", object_id=7,
                            object_repr="7", before={"status": "in_review", "points": "3.00", "note": "主题党日",
                                                     "current_level": "branch"},
                            after={"level": "branch", "decision": "approve", "score": None, "reason": "",
                                   "decided_at": "2026-11-20T02:00:00Z"})


def test_review_event_shows_only_what_it_recorded(client, make_user, township_a, in_township):
    with in_township(township_a):
        event = _review_event()
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))
    detail = client.get(f"/t/alpha/audit/{event.pk}/").content.decode()
    assert "<code>decision</code>" in detail
    assert "approve" in detail
    for untouched in ("points", "note", "status", "current_level"):
        assert f"<code>{untouched}</code>" not in detail
    listing = client.get("/t/alpha/audit/").content.decode()
    assert "<code>points</code>" not in listing


def test_a_deletion_still_shows_what_was_there(client, make_user, township_a, in_township):
    with in_township(township_a), transaction.atomic():
        event = audit_record(actor=None, action="village.delete", object_type="organisation.village", object_id=3,
                             object_repr="甲村", before={"name": "甲村", "code": "A1"}, after=None)
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))
    detail = client.get(f"/t/alpha/audit/{event.pk}/").content.decode()
    assert "<code>name</code>" in detail
    assert "<code>code</code>" in detail


def test_audit_times_are_shown_in_the_township_zone(client, make_user, township_a, in_township):
    with in_township(township_a):
        event = _review_event()
        AuditEvent.objects.filter(pk=event.pk)  # occurred_at is the pinned clock: 2026-11-20 10:00 Shanghai
        occurred = AuditEvent.objects.get(pk=event.pk).occurred_at
    local = occurred.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")
    utc = occurred.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
    assert local != utc
    client.force_login(make_user(Role.TOWNSHIP_OFFICE, township_a))
    for path in ("/t/alpha/audit/", f"/t/alpha/audit/{event.pk}/"):
        html = client.get(path).content.decode()
        assert "Asia/Shanghai" in html
        assert local in html, path
        assert not re.search(re.escape(utc) + r":\d\d", html), path
        assert "2026-11-20 10:00:00" in html  # the recorded decision time (stored in UTC), in Shanghai time
        assert "2026-11-20T02:00:00Z" not in html
