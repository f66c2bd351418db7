"""Stored county figures (`tenants.townships.rollups`): exact at read time, recounted only where a
township changed, in a bounded number of statements."""
from __future__ import annotations

import datetime as dt

import factory
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from audit.services import audit_record
from tenants.organisation.models import Member
from tenants.organisation.services import member_create
from tenants.townships import crossschema, rollups
from tenants.townships.models import TownshipChange, TownshipRollup
from tests.factories import BranchFactory, MemberFactory

pytestmark = pytest.mark.django_db

MEMBERS = rollups.register(
    "tests.members", "SELECT count(*) AS members, max(name) AS last_name FROM {schema}.organisation_member "
                     "WHERE status = %s")


@pytest.fixture(autouse=True)
def _no_earlier_changes(db):
    """Start from no change rows and no stored figures (inside the test's transaction): tests that
    committed audited changes before this module left theirs, whose real transaction ids the
    hand-made snapshots below would count as unseen."""
    TownshipChange.objects.all().delete()
    TownshipRollup.objects.all().delete()


def _members(township_a, township_b, status="active") -> dict[int, dict]:
    return rollups.rollup_rows(name=MEMBERS.name, townships=[township_a, township_b], params=[status])


def _recount(township, in_township, status="active") -> int:
    with in_township(township):
        return Member.objects.filter(status=status).count()


def _statements(queries) -> int:
    # SET search_path aside, and the savepoint a recount takes only because a test runs inside a
    # transaction (pages run in autocommit)
    return sum(not q["sql"].startswith(("SET search_path", "SAVEPOINT", "RELEASE SAVEPOINT")) for q in queries)


def _reads_schemas(queries, *townships) -> bool:
    return any(f'"{t.schema_name}"' in q["sql"] for q in queries for t in townships)


def test_an_audit_event_in_a_township_records_one_change_per_transaction(township_a, in_township):
    with in_township(township_a), transaction.atomic():
        member = MemberFactory()
        audit_record(actor=None, action="test.one", instance=member)
        audit_record(actor=None, action="test.two", instance=member)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()::text::bigint")
            xid = cursor.fetchone()[0]
    assert list(TownshipChange.objects.values_list("township_id", "xid")) == [(township_a.pk, xid)]
    # The county's own events (public schema) are not township changes.
    with transaction.atomic():
        audit_record(actor=None, action="test.county", object_type="x", object_id=1)
    assert TownshipChange.objects.count() == 1


def test_fresh_rows_are_read_without_touching_the_schemas(township_a, township_b, in_township):
    with in_township(township_a):
        MemberFactory.create_batch(3)
    with CaptureQueriesContext(connection) as cold:
        rows = _members(township_a, township_b)
    assert rows[township_a.pk]["members"] == _recount(township_a, in_township)
    assert rows[township_b.pk]["members"] == _recount(township_b, in_township)
    assert _statements(cold) == 2
    assert _reads_schemas(cold, township_a, township_b)
    with CaptureQueriesContext(connection) as warm:
        assert _members(township_a, township_b) == rows
    assert _statements(warm) == 1
    assert not _reads_schemas(warm, township_a, township_b)
    # Each set of parameters is stored apart.
    assert _members(township_a, township_b, status="transferred_out")[township_a.pk]["members"] == \
        _recount(township_a, in_township, status="transferred_out")
    assert TownshipRollup.objects.filter(name=MEMBERS.name).count() == 4


def test_a_change_through_a_service_is_in_the_next_read(township_a, township_b, in_township, make_user):
    before = _members(township_a, township_b)
    with in_township(township_a):
        branch = BranchFactory()
        member_create(actor=make_user("township_office", township_a),
                      **factory.build(dict, FACTORY_CLASS=MemberFactory, branch=branch))
    with CaptureQueriesContext(connection) as after_change:
        rows = _members(township_a, township_b)
    assert rows[township_a.pk]["members"] == before[township_a.pk]["members"] + 1 == \
        _recount(township_a, in_township)
    assert rows[township_b.pk] == before[township_b.pk]
    # Only alpha was recounted: beta's schema was not read.
    assert _reads_schemas(after_change, township_a)
    assert not _reads_schemas(after_change, township_b)


def _row(township, snapshot: str) -> TownshipRollup:
    return TownshipRollup.objects.create(township=township, name=MEMBERS.name, params='["active"]',
                                         payload={"members": -1, "last_name": None}, snapshot=snapshot,
                                         computed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))


@pytest.mark.parametrize(("snapshot", "xid", "fresh"), [
    ("1000:1000:", 999, True),          # committed before the snapshot
    ("1000:1000:", 1000, False),        # began after it
    ("1000:1200:1100", 1100, False),    # running when the snapshot was taken
    ("1000:1200:1100", 1150, True),     # committed before it, among running ones
    ("1000:1200:1100", 1000, True),     # the snapshot's xmin itself, not in the running list
])
def test_a_stored_row_is_fresh_exactly_when_its_snapshot_saw_every_change(
        township_a, township_b, snapshot, xid, fresh):
    _row(township_a, snapshot)
    TownshipChange.objects.create(township=township_a, xid=xid)
    rows = _members(township_a, township_b)
    assert (rows[township_a.pk]["members"] == -1) is fresh


def test_the_beat_job_recounts_stale_rows_and_prune_keeps_what_they_need(
        township_a, township_b, in_township, set_clock, clock):
    _members(township_a, township_b)
    stale = TownshipRollup.objects.get(township=township_a, name=MEMBERS.name)
    stale.snapshot = "1000:1000:"
    stale.save()
    unseen = TownshipChange.objects.create(township=township_a, xid=1500)
    seen = TownshipChange.objects.create(township=township_a, xid=10)
    set_clock(clock.now() + dt.timedelta(hours=2))
    assert rollups.rollups_prune() == (0, 1)  # `seen` goes; `unseen` is needed by the stale row
    assert list(TownshipChange.objects.values_list("pk", flat=True)) == [unseen.pk]
    assert not TownshipChange.objects.filter(pk=seen.pk).exists()
    assert rollups.rollups_refresh() == 1
    stale.refresh_from_db()
    assert stale.payload["members"] == _recount(township_a, in_township)
    set_clock(clock.now() + rollups.UNUSED_AFTER + dt.timedelta(days=1))
    assert rollups.rollups_prune() == (2, 1)
    assert not TownshipRollup.objects.exists()
    assert not TownshipChange.objects.exists()


def test_union_all_bounds_each_statement_to_a_chunk(township_a, township_b, monkeypatch):
    sql = "SELECT count(*) AS n FROM {schema}.organisation_member"
    whole = crossschema.union_all(townships=[township_a, township_b], sql=sql)
    monkeypatch.setattr(crossschema, "CHUNK", 1)
    with CaptureQueriesContext(connection) as one_each:
        assert crossschema.union_all(townships=[township_a, township_b], sql=sql) == whole
    assert _statements(one_each) == 2
    assert not any("UNION ALL" in q["sql"] for q in one_each)


def test_many_events_in_one_statement_also_mark_the_change(township_a, in_township):
    from audit.services import audit_record_many

    with in_township(township_a), transaction.atomic():
        members = MemberFactory.create_batch(2)
        audit_record_many(actor=None, action="member.flag_elderly",
                          changes=[(m, {"is_elderly": False}, {"is_elderly": True}) for m in members])
    assert list(TownshipChange.objects.values_list("township_id", flat=True)) == [township_a.pk]
