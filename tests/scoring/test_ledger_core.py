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
