import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from scoring.ledger.models import GENESIS_HASH, LedgerEntry, LedgerHead
from scoring.ledger.posting import Posting, ledger_post
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_postings_are_chained_and_raw_sql_cannot_change_them(township_a, in_township):
    with in_township(township_a):
        member = MemberFactory()
        with transaction.atomic():
            rows = ledger_post(postings=[
                Posting(kind="base", member_id=member.pk, points=Decimal("60"), occurred_on=dt.date(2026, 1, 1),
                        scoring_year=2026),
                Posting(kind="adjustment", member_id=member.pk, points=Decimal("2.5"),
                        occurred_on=dt.date(2026, 3, 4), scoring_year=2026),
            ], actor_id=None)
        assert [r.seq for r in rows] == [1, 2]
        assert rows[0].prev_hash == GENESIS_HASH
        assert rows[1].prev_hash == rows[0].hash
        assert LedgerHead.objects.get().last_hash == rows[1].hash
        for sql in ("UPDATE ledger_ledgerentry SET points = 99", "DELETE FROM ledger_ledgerentry"):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as c:
                c.execute(sql)
        assert list(LedgerEntry.objects.values_list("points", flat=True)) == [Decimal("60.00"), Decimal("2.50")]


def test_yearly_totals_follow_every_posting_and_verify_catches_a_doctored_total(township_a, in_township):
    from scoring.ledger.models import MemberYearTotal
    from scoring.ledger.verify import ledger_verify
    from scoring.periods.selectors import township_ranking

    with in_township(township_a):
        first, second = MemberFactory(), MemberFactory()
        with transaction.atomic():
            ledger_post(postings=[
                Posting(kind="base", member_id=first.pk, points=Decimal("60"), occurred_on=dt.date(2026, 1, 1),
                        scoring_year=2026),
                Posting(kind="base", member_id=second.pk, points=Decimal("60"), occurred_on=dt.date(2026, 1, 1),
                        scoring_year=2026),
                Posting(kind="adjustment", member_id=second.pk, points=Decimal("3.5"),
                        occurred_on=dt.date(2026, 2, 1), scoring_year=2026),
            ], actor_id=None)
        with transaction.atomic():
            ledger_post(postings=[
                Posting(kind="adjustment", member_id=first.pk, points=Decimal("-2"),
                        occurred_on=dt.date(2026, 2, 3), scoring_year=2026),
            ], actor_id=None)
        totals = dict(MemberYearTotal.objects.filter(scoring_year=2026).values_list("member_id", "total"))
        assert totals == {first.pk: Decimal("58.00"), second.pk: Decimal("63.50")}
        ranking = [(row.member_id, row.total, row.rank) for row in township_ranking(scoring_year=2026)
                   if row.member_id in (first.pk, second.pk)]
        assert ranking == [(second.pk, Decimal("63.50"), 1), (first.pk, Decimal("58.00"), 2)]
        assert ledger_verify().ok

        MemberYearTotal.objects.filter(member_id=first.pk).update(total=Decimal("99"))
        result = ledger_verify()
        assert not result.ok
        assert result.member_id == first.pk
        assert "58.00" in result.reason
        assert "台账合计" in result.reason  # reported in Chinese
