"""Tamper evidence between monthly seals: append-only tables refuse TRUNCATE, and the county's
chained hourly anchors of every township's head catch a rewritten unsealed tail."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from accounts.models import Role
from audit.models import AuditEvent
from audit.services import audit_record
from common.schedule import BEAT
from scoring.county.models import LedgerAnchor, LedgerSeal
from scoring.ledger.anchors import ledger_anchor
from scoring.ledger.chain import link_hash, row_content
from scoring.ledger.models import GENESIS_HASH, LedgerEntry, LedgerHead, MemberYearTotal
from scoring.ledger.posting import Posting, ledger_post
from scoring.ledger.tasks import anchor_heads
from scoring.ledger.verify import ledger_verify
from scoring.periods import services as periods
from tests.db import triggers_off
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
YEAR = 2026


def _post(member, *points, month=3):
    with transaction.atomic():
        return ledger_post(postings=[
            Posting(kind="adjustment", member_id=member.pk, points=Decimal(p), occurred_on=dt.date(YEAR, month, 1 + i),
                    scoring_year=YEAR, note=f"第{i + 1}条")
            for i, p in enumerate(points)
        ], actor_id=None)


def _refused(sql: str) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)


def _rewrite_from(seq: int, points: str) -> None:
    """What a database administrator could do: change row `seq`, recompute its hash and every hash
    after it, the head and the member's cached total, with every trigger off."""
    with triggers_off(), transaction.atomic():
        row = LedgerEntry.objects.get(seq=seq)
        delta = Decimal(points) - row.points
        LedgerEntry.objects.filter(seq=seq).update(points=Decimal(points))
        prev = LedgerEntry.objects.get(seq=seq - 1).hash if seq > 1 else GENESIS_HASH
        for later in LedgerEntry.objects.filter(seq__gte=seq).order_by("seq"):
            digest = link_hash(prev, row_content(later))
            LedgerEntry.objects.filter(pk=later.pk).update(prev_hash=prev, hash=digest)
            prev = digest
        LedgerHead.objects.filter(pk=1).update(last_hash=prev)
        total = MemberYearTotal.objects.get(member_id=row.member_id, scoring_year=row.scoring_year)
        MemberYearTotal.objects.filter(pk=total.pk).update(total=total.total + delta)


def test_truncate_is_refused_on_every_append_only_table(township_a, in_township):
    # TRUNCATE first, before this test writes a row: a table with rows written earlier in the same
    # transaction has pending foreign-key checks, and on a Citus worker TRUNCATE then fails with
    # "pending trigger events" before the trigger is asked (SET CONSTRAINTS does not reach it).
    with in_township(township_a):
        for table in ("ledger_ledgerentry", "periods_monthclose", "audit_auditevent"):
            _refused(f"TRUNCATE {table} CASCADE")
    for table in ("scoring_county_ledgerseal", "scoring_county_ledgeranchor", "audit_auditevent"):
        _refused(f"TRUNCATE {table} CASCADE")
    with in_township(township_a):
        member = MemberFactory()
        _post(member, "2")
        audit_record(actor=None, action="test.event", instance=member)
        ledger_anchor(reason="hourly")
        _refused("UPDATE audit_auditevent SET action = 'x'")
        _refused("DELETE FROM audit_auditevent")
        _refused("UPDATE ledger_ledgerentry SET points = 9")
        assert LedgerEntry.objects.count() == 1
        assert AuditEvent.objects.filter(action="test.event").count() == 1
    _refused("UPDATE scoring_county_ledgeranchor SET head_seq = 0")
    _refused("DELETE FROM scoring_county_ledgeranchor")
    assert LedgerAnchor.objects.filter(township=township_a).count() == 1


def test_hourly_anchor_is_chained_and_skipped_when_the_head_has_not_moved(township_a, township_b, in_township):
    assert BEAT["ledger-anchor-heads"]["args"] == ("ledger.anchor_heads",)
    with in_township(township_a):
        member = MemberFactory()
        rows = _post(member, "2", "3")
        assert anchor_heads.apply().get() == 1
        assert anchor_heads.apply().get() is None  # nothing new: a redelivery adds nothing
        _post(member, "4")
        assert anchor_heads.apply().get() == 2
    with in_township(township_b):
        assert anchor_heads.apply().get() == 1  # beta's anchors are its own chain
    first, second = LedgerAnchor.objects.filter(township=township_a).order_by("number")
    assert (first.head_seq, first.head_hash, first.prev_hash) == (2, rows[-1].hash, GENESIS_HASH)
    assert (second.head_seq, second.prev_hash) == (3, first.hash)
    assert LedgerAnchor.objects.get(township=township_b).head_seq == 0


def test_a_rewritten_tail_is_caught_once_an_anchor_covers_it(township_a, in_township):
    with in_township(township_a):
        member = MemberFactory(name="张三")
        rows = _post(member, "2", "3", "-1")
        ledger_anchor(reason="hourly")  # covers #1..#3
        _post(member, "4", "5")  # #4, #5: after the latest anchor
        assert ledger_verify().ok

        # The most recent row, not yet anchored: +50 with every hash recomputed goes unnoticed.
        # This is the window the hourly anchor bounds to at most an hour.
        _rewrite_from(5, "55")
        assert ledger_verify().ok

        # A row the county's anchor covers: the same rewrite is caught and located.
        _rewrite_from(3, "49")
        result = ledger_verify()
        assert not result.ok
        assert result.first_broken_seq == 1
        assert result.reason == ("县里保存的第 1 号锚点（2026-11-20 10:00）中第 3 号记录的哈希值与现在不同："
                                 "第 1 号至第 3 号之间有记录被改写。")
        assert LedgerEntry.objects.get(seq=3).hash != rows[2].hash


def test_rewrite_is_located_between_two_anchors(township_a, in_township):
    with in_township(township_a):
        member = MemberFactory()
        _post(member, "2", "3")
        ledger_anchor(reason="hourly")
        _post(member, "4", "5")
        ledger_anchor(reason="hourly")
        _rewrite_from(4, "9")
        result = ledger_verify()
        assert (result.ok, result.first_broken_seq) == (False, 3)


def test_removed_or_changed_anchors_are_caught(township_a, in_township):
    with in_township(township_a):
        member = MemberFactory()
        _post(member, "2", "3")
        ledger_anchor(reason="hourly")
        _post(member, "4")
        ledger_anchor(reason="hourly")
        assert ledger_verify().ok
        with triggers_off():
            LedgerAnchor.objects.filter(township=township_a, number=1).update(head_hash="f" * 64)
        result = ledger_verify()
        assert not result.ok
        assert "锚" in result.reason
        with triggers_off():
            LedgerAnchor.objects.filter(township=township_a, number=1).delete()
        assert not ledger_verify().ok


def test_a_deleted_anchored_tail_is_caught(township_a, in_township):
    with in_township(township_a):
        member = MemberFactory()
        _post(member, "2", "3", "4")
        ledger_anchor(reason="hourly")
        with triggers_off(), transaction.atomic():
            row = LedgerEntry.objects.get(seq=3)
            LedgerEntry.objects.filter(seq=3).delete()
            LedgerHead.objects.filter(pk=1).update(last_seq=2, last_hash=LedgerEntry.objects.get(seq=2).hash)
            MemberYearTotal.objects.filter(member_id=member.pk).update(total=Decimal("5"), rows=2)
        result = ledger_verify()
        assert (result.ok, result.first_broken_seq) == (False, 3)
        assert row.points == Decimal("4.00")


def test_close_and_publication_anchor_and_the_notice_and_card_show_it(township_a, in_township, make_user, client):
    with in_township(township_a):
        member = MemberFactory(name="王五")
        for month in (1, 2, 3):
            _post(member, "2", month=month)
            periods.month_close(year=YEAR, month=month)
        publication = periods.publication_open(actor=None, year=YEAR, quarter=1)
    anchors = list(LedgerAnchor.objects.filter(township=township_a).order_by("number")
                   .values_list("reason", "head_seq"))
    assert anchors == [("close", 1), ("close", 2), ("close", 3), ("publication", 3)]
    assert LedgerSeal.objects.filter(township=township_a).count() == 3
    printed = publication.data["anchor"]
    assert (printed["number"], printed["head_seq"]) == (4, 3)

    office = make_user(Role.TOWNSHIP_OFFICE, township_a)
    client.force_login(office)
    html = client.get(f"/t/alpha/scoring/periods/publications/{publication.pk}/print/").content.decode()
    assert printed["head_hash"] in html
    card = client.get(f"/t/alpha/scoring/members/{member.pk}/card/").content.decode()
    assert 'id="card-anchor"' in card
    assert printed["head_hash"][:16] in card
    api = client.get(f"/t/alpha/api/v1/scoring/members/{member.pk}/card/").json()
    assert (api["anchor"]["number"], api["anchor"]["head_seq"]) == (4, 3)
