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


def _writes(captured) -> list[str]:
    """The statements of a posting other than django-tenants' search_path and the transaction's own."""
    return [q["sql"].split()[0].upper() for q in captured.captured_queries
            if not q["sql"].startswith(("SET search_path", "BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"))]


def test_one_posting_costs_the_head_lock_and_one_write_and_big_batches_stay_exact(township_a, in_township):
    """The approval path posts one row per transaction: the head's row lock, then ONE statement
    (insert, head, yearly total). Rows get the ids the database gave them; a batch larger than one
    statement takes (base scores of a big township) is inserted in Django's batches, same chain."""
    from django.test.utils import CaptureQueriesContext

    from scoring.ledger import posting
    from scoring.ledger.models import MemberYearTotal
    from scoring.ledger.verify import ledger_verify

    with in_township(township_a):
        members = [MemberFactory() for _ in range(3)]
        with transaction.atomic():  # the first posting creates the head row
            ledger_post(postings=[Posting(kind="base", member_id=members[0].pk, points=Decimal("60"),
                                          occurred_on=dt.date(2026, 1, 1), scoring_year=2026)], actor_id=None)
        with CaptureQueriesContext(connection) as captured, transaction.atomic():
            [row] = ledger_post(postings=[Posting(kind="adjustment", member_id=members[0].pk, points=Decimal("2"),
                                                  occurred_on=dt.date(2026, 2, 1), scoring_year=2026)], actor_id=7)
        assert _writes(captured) == ["SELECT", "WITH"]
        assert "FOR UPDATE" in [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")][0]
        assert LedgerEntry.objects.get(pk=row.pk).hash == row.hash == LedgerHead.objects.get().last_hash
        assert (row.seq, row.posted_by_id, row._state.adding) == (2, 7, False)

        many = [Posting(kind="adjustment", member_id=members[i % 3].pk, points=Decimal("1"),
                        occurred_on=dt.date(2026, 3, 1), scoring_year=2026) for i in range(posting._ONE_STATEMENT_ROWS + 2)]
        with CaptureQueriesContext(connection) as captured, transaction.atomic():
            rows = ledger_post(postings=many, actor_id=None)
        assert _writes(captured) == ["SELECT", "INSERT", "WITH"]
        assert [r.seq for r in rows] == list(range(3, 3 + len(many)))
        assert [r.pk for r in rows] == list(LedgerEntry.objects.filter(seq__gte=3).order_by("seq")
                                            .values_list("pk", flat=True))
        head = LedgerHead.objects.get()
        assert (head.last_seq, head.last_hash) == (rows[-1].seq, rows[-1].hash)
        totals = dict(MemberYearTotal.objects.filter(scoring_year=2026).values_list("member_id", "total"))
        # 1,002 postings of 1 point, a third each: 334 points per member, plus 62 for the first.
        assert totals == {members[0].pk: Decimal("396.00"), members[1].pk: Decimal("334.00"),
                          members[2].pk: Decimal("334.00")}
        assert ledger_verify().ok


def test_a_single_posting_stores_what_the_compiled_insert_would(township_a, in_township):
    """One row goes through an INSERT compiled once (values prepared field by field); every value,
    lists and texts and empty references included, lands as a two-row batch (Django's compiler)
    stores it, and the chain verifies."""
    from scoring.ledger.verify import ledger_verify

    fields = ["kind", "member_id", "rule_id", "entry_id", "reverses_id", "points", "occurred_on", "scoring_year",
              "booked_year", "booked_month", "note", "evidence_hashes", "posted_by_id"]
    with in_township(township_a):
        member = MemberFactory()
        posting = Posting(kind="adjustment", member_id=member.pk, points=Decimal("-1.5"),
                          occurred_on=dt.date(2026, 5, 31), scoring_year=2026, note="=HYPERLINK(\"x\") 备注'\"",
                          evidence_hashes=("b" * 64, "a" * 64))
        with transaction.atomic():
            [one] = ledger_post(postings=[posting], actor_id=7)
        with transaction.atomic():
            pair = ledger_post(postings=[posting, posting], actor_id=7)
        stored = {r["seq"]: r for r in LedgerEntry.objects.values("seq", *fields)}
        assert {k: v for k, v in stored[one.seq].items() if k != "seq"} == \
            {k: v for k, v in stored[pair[0].seq].items() if k != "seq"}
        assert stored[one.seq]["evidence_hashes"] == ["a" * 64, "b" * 64]
        assert stored[one.seq]["note"] == "=HYPERLINK(\"x\") 备注'\""
        assert ledger_verify().ok
