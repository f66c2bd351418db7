"""Posting to the ledger: the only code that inserts LedgerEntry rows.

`ledger_post` takes the chain head's row lock, so postings in a township are chained strictly
one after another; it inserts a batch with one bulk INSERT and moves the head once.

A posting is on the path of every approval, one row per transaction, so it costs two statements:
the head's row lock (one SELECT ... FOR UPDATE; the head row is created only the first time) and
one statement that inserts the rows, moves the head and adds the members' yearly totals (a
batch of more than `_ONE_STATEMENT_ROWS` rows is inserted on its own first, in Django's batches).
"""
from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models.sql import InsertQuery

from common import clock
from scoring.ledger.chain import chained_content, index_month, link_hash, month_index
from scoring.ledger.models import GENESIS_HASH, LedgerEntry, LedgerHead, MemberYearTotal
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


_HEAD_TABLE = LedgerHead._meta.db_table
_TOTALS_TABLE = MemberYearTotal._meta.db_table
_HEAD_CREATE = f"""
    INSERT INTO {_HEAD_TABLE} (id, last_seq, last_hash, sealed_through) VALUES (1, 0, %s, -1)
    ON CONFLICT (id) DO NOTHING
"""  # noqa: S608 - the table name comes from the model


def ledger_head_lock() -> LedgerHead:
    """The chain head, locked for the rest of the transaction (one statement once the head exists;
    the first posting of a township creates it, a concurrent first posting waits on the insert)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("the ledger head may only be locked inside a transaction")
    # Hand-written rather than through the ORM: on every approval, and compiling the ORM's SELECT
    # cost as much as sending it.
    with connection.cursor() as cursor:
        cursor.execute(_HEAD_LOCK)
        row = cursor.fetchone()
        if row is None:
            cursor.execute(_HEAD_CREATE, [GENESIS_HASH])
            cursor.execute(_HEAD_LOCK)
            row = cursor.fetchone()
    return LedgerHead.from_db(connection.alias, _HEAD_FIELDS, row)


_HEAD_FIELDS = ["id", "last_seq", "last_hash", "sealed_through"]
_HEAD_LOCK = f"SELECT {', '.join(_HEAD_FIELDS)} FROM {_HEAD_TABLE} WHERE id = 1 FOR UPDATE"  # noqa: S608


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
    if len(rows) > _ONE_STATEMENT_ROWS:
        LedgerEntry.objects.bulk_create(rows)
        new_totals = _head_move_and_totals_add(rows, last_seq=seq, last_hash=prev_hash)
    else:
        new_totals = _insert_move_and_add(rows, last_seq=seq, last_hash=prev_hash)
    if new_totals:
        # A year new to the township always starts a yearly-total row, so only a posting that
        # started one can change the cached list of years (no cache round trip otherwise).
        ledger_years_note_posting(posting.scoring_year for posting in postings)
    return rows


# Up to this many rows (18 parameters each) go in the one combined statement; larger batches
# (base scores for a whole township) are inserted by bulk_create in Django's batches first.
_ONE_STATEMENT_ROWS = 1000


# Both writes in one statement (one round trip): the head moves to the batch's last row and each
# member's yearly total gets the batch's points, atomically, under the head's row lock.
_HEAD_MOVE = f"UPDATE {_HEAD_TABLE} SET last_seq = %s, last_hash = %s WHERE id = 1"  # noqa: S608
_TOTALS_ADD = f"""
    INSERT INTO {_TOTALS_TABLE} (member_id, scoring_year, total, rows)
    SELECT * FROM unnest(%s::bigint[], %s::smallint[], %s::numeric[], %s::integer[])
    ON CONFLICT (member_id, scoring_year) DO UPDATE
    SET total = {_TOTALS_TABLE}.total + EXCLUDED.total,
        rows = {_TOTALS_TABLE}.rows + EXCLUDED.rows
"""  # noqa: S608 - the table names come from the models
_HEAD_MOVE_TOTALS_ADD = f"WITH head AS ({_HEAD_MOVE}) {_TOTALS_ADD}"


def _totals_params(rows: list[LedgerEntry]) -> list[list]:
    """The member, year, points and row-count arrays of a batch's yearly-total deltas."""
    deltas: dict[tuple[int, int], list] = defaultdict(lambda: [Decimal("0"), 0])
    for row in rows:
        delta = deltas[(row.member_id, row.scoring_year)]
        delta[0] += row.points
        delta[1] += 1
    keys = sorted(deltas)
    return [[member_id for member_id, _year in keys], [year for _member, year in keys],
            [deltas[key][0] for key in keys], [deltas[key][1] for key in keys]]


def _head_move_and_totals_add(rows: list[LedgerEntry], *, last_seq: int, last_hash: str) -> bool:
    """Move the head and add a batch's points to the members' yearly totals in one statement.
    True when a yearly-total row was started (a member's first posting of a year)."""
    with connection.cursor() as cursor:
        cursor.execute(f"{_HEAD_MOVE_TOTALS_ADD} RETURNING (xmax = 0)", [last_seq, last_hash, *_totals_params(rows)])
        return any(started for (started,) in cursor.fetchall())


_INSERT_FIELDS = [f for f in LedgerEntry._meta.concrete_fields if not f.primary_key]


def _insert_compiled(rows: list[LedgerEntry]) -> tuple[str, list]:
    """Django's own INSERT ... RETURNING id for `rows`, and its parameters."""
    query = InsertQuery(LedgerEntry)
    query.insert_values(_INSERT_FIELDS, rows)
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [LedgerEntry._meta.pk]
    [(insert_sql, insert_params)] = compiler.as_sql()
    return insert_sql, list(insert_params)


@functools.cache
def _one_row_insert_sql(vendor: str) -> str:
    """The compiled one-row INSERT (its text only: the values of a model with every field set)."""
    sample = LedgerEntry(seq=0, kind="base", member_id=0, points=Decimal("0"), occurred_on=dt.date(2000, 1, 1),
                         scoring_year=2000, booked_year=2000, booked_month=1, posted_at=clock.now(),
                         prev_hash=GENESIS_HASH, hash=GENESIS_HASH, evidence_hashes=[])
    return _insert_compiled([sample])[0]


def _insert_move_and_add(rows: list[LedgerEntry], *, last_seq: int, last_hash: str) -> bool:
    """INSERT the rows (SQL and parameters from Django's own insert compiler, so every value is
    adapted exactly as bulk_create would), move the head and add the totals: one statement, one
    round trip. The rows get their ids as bulk_create would give them. True when a yearly-total
    row was started (`xmax = 0`: inserted, not updated by ON CONFLICT)."""
    if len(rows) == 1:
        # One row, as every approval posts: the INSERT's text never changes, so it is compiled
        # once per connection vendor and only the values are prepared, as the compiler would.
        insert_sql = _one_row_insert_sql(connection.vendor)
        insert_params = [field.get_db_prep_save(field.pre_save(rows[0], True), connection=connection)
                         for field in _INSERT_FIELDS]
    else:
        insert_sql, insert_params = _insert_compiled(rows)
    # Django's compiled INSERT and the model's table names; every value is a parameter.
    sql = (f"WITH ins AS ({insert_sql}), head AS ({_HEAD_MOVE}), "  # noqa: S608
           f"totals AS ({_TOTALS_ADD} RETURNING (xmax = 0) AS started) "
           f"SELECT id, (SELECT bool_or(started) FROM totals) FROM ins ORDER BY id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*insert_params, last_seq, last_hash, *_totals_params(rows)])
        fetched = cursor.fetchall()
    ids = [row[0] for row in fetched]
    for row, pk in zip(rows, ids, strict=True):
        row.pk = pk
        row._state.adding = False
        row._state.db = connection.alias
    return bool(fetched and fetched[0][1])
