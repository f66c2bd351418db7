"""The hash chain of a township's ledger.

Each posted row's hash is SHA-256 over the previous row's hash and a canonical JSON of the
row's content (evidence hashes included). Changing, inserting or removing any row breaks every
hash after it; the county keeps the head hash of every sealed month (scoring.county.LedgerSeal).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal


def month_index(year: int, month: int) -> int:
    return year * 12 + (month - 1)


def index_month(index: int) -> tuple[int, int]:
    return index // 12, index % 12 + 1


def canonical_points(points: Decimal) -> str:
    return f"{Decimal(points).quantize(Decimal('0.01'))}"


def canonical_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def chained_content(
    *, seq: int, kind: str, member_id: int, rule_id: int | None, entry_id: int | None, reverses_id: int | None,
    points: Decimal, occurred_on: dt.date, scoring_year: int, booked_year: int, booked_month: int, note: str,
    evidence_hashes: list[str], posted_at: dt.datetime, posted_by_id: int | None,
) -> str:
    return json.dumps(
        {
            "seq": seq, "kind": kind, "member": member_id, "rule": rule_id, "entry": entry_id,
            "reverses": reverses_id, "points": canonical_points(points), "occurred_on": occurred_on.isoformat(),
            "scoring_year": scoring_year, "booked": f"{booked_year:04d}-{booked_month:02d}", "note": note,
            "evidence": sorted(evidence_hashes), "posted_at": canonical_time(posted_at), "posted_by": posted_by_id,
        },
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )


def link_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()


def row_content(row) -> str:
    """Canonical content of a LedgerEntry instance (or any object with the same attributes)."""
    return chained_content(
        seq=row.seq, kind=row.kind, member_id=row.member_id, rule_id=row.rule_id, entry_id=row.entry_id,
        reverses_id=row.reverses_id, points=row.points, occurred_on=row.occurred_on,
        scoring_year=row.scoring_year, booked_year=row.booked_year, booked_month=row.booked_month,
        note=row.note, evidence_hashes=list(row.evidence_hashes), posted_at=row.posted_at,
        posted_by_id=row.posted_by_id,
    )
