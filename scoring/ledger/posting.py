"""Posting to the ledger: the only code that inserts LedgerEntry rows.

`ledger_post` takes the chain head's row lock, so postings in a township are chained strictly
one after another; it inserts a batch with one bulk INSERT and moves the head once.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction

from common import clock
from scoring.ledger.chain import chained_content, index_month, link_hash, month_index
from scoring.ledger.models import LedgerEntry, LedgerHead, MemberYearTotal
from scoring.ledger.years import ledger_years_note_posting


@dataclass(frozen=True)
class Posting:
    kind: str
    member_id: int
    points: Decimal
    occurred_on: dt.date
    scoring_year: int
    rule_id: int | None = None
    entry_id: int | None = None
    reverses_id: int | None = None
    note: str = ""
    evidence_hashes: tuple[str, ...] = field(default_factory=tuple)


def ledger_head_lock() -> LedgerHead:
    """The chain head, locked for the rest of the transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("the ledger head may only be locked inside a transaction")
    LedgerHead.objects.get_or_create(pk=1)
    return LedgerHead.objects.select_for_update().get(pk=1)


def ledger_post(*, postings: Sequence[Posting], actor_id: int | None, now: dt.datetime | None = None) -> list[LedgerEntry]:
    """Append `postings` to the chain, in order. Must run inside the caller's transaction.

    A posting whose event falls in a sealed month is booked in the first open month, so a
    sealed month's totals and head hash never change.
    """
    if not postings:
        return []
    head = ledger_head_lock()
    now = now or clock.now()
    rows = []
    seq, prev_hash = head.last_seq, head.last_hash
    for posting in postings:
        seq += 1
        booked_year, booked_month = index_month(
            max(month_index(posting.occurred_on.year, posting.occurred_on.month), head.sealed_through + 1)
        )
        points = Decimal(posting.points).quantize(Decimal("0.01"))
        content = chained_content(
            seq=seq, kind=posting.kind, member_id=posting.member_id, rule_id=posting.rule_id,
            entry_id=posting.entry_id, reverses_id=posting.reverses_id, points=points,
            occurred_on=posting.occurred_on, scoring_year=posting.scoring_year, booked_year=booked_year,
            booked_month=booked_month, note=posting.note, evidence_hashes=list(posting.evidence_hashes),
            posted_at=now, posted_by_id=actor_id,
        )
        digest = link_hash(prev_hash, content)
        rows.append(LedgerEntry(
            seq=seq, kind=posting.kind, member_id=posting.member_id, rule_id=posting.rule_id,
            entry_id=posting.entry_id, reverses_id=posting.reverses_id, points=points,
            occurred_on=posting.occurred_on, scoring_year=posting.scoring_year, booked_year=booked_year,
            booked_month=booked_month, note=posting.note, evidence_hashes=sorted(posting.evidence_hashes),
            posted_at=now, posted_by_id=actor_id, prev_hash=prev_hash, hash=digest,
        ))
        prev_hash = digest
    created = LedgerEntry.objects.bulk_create(rows)
    LedgerHead.objects.filter(pk=head.pk).update(last_seq=seq, last_hash=prev_hash)
    _totals_add(rows)
    ledger_years_note_posting(posting.scoring_year for posting in postings)
    return created


_TOTALS_UPSERT = f"""
    INSERT INTO {MemberYearTotal._meta.db_table} (member_id, scoring_year, total, rows)
    SELECT * FROM unnest(%s::bigint[], %s::smallint[], %s::numeric[], %s::integer[])
    ON CONFLICT (member_id, scoring_year) DO UPDATE
    SET total = {MemberYearTotal._meta.db_table}.total + EXCLUDED.total,
        rows = {MemberYearTotal._meta.db_table}.rows + EXCLUDED.rows
"""  # noqa: S608 - the table name comes from the model


def _totals_add(rows: list[LedgerEntry]) -> None:
    """Add a batch's points to the members' yearly totals with one atomic upsert."""
    deltas: dict[tuple[int, int], list] = defaultdict(lambda: [Decimal("0"), 0])
    for row in rows:
        delta = deltas[(row.member_id, row.scoring_year)]
        delta[0] += row.points
        delta[1] += 1
    keys = sorted(deltas)
    with connection.cursor() as cursor:
        cursor.execute(_TOTALS_UPSERT, [
            [member_id for member_id, _year in keys], [year for _member, year in keys],
            [deltas[key][0] for key in keys], [deltas[key][1] for key in keys],
        ])
