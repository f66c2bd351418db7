"""Anchors: the county's frequent copies of a township's chain head (scoring.county.LedgerAnchor).

A monthly seal protects a month only once it is closed. Between seals, someone with database
access could rewrite the latest rows and recompute every hash after them. So the head (last
entry number and hash) is copied to the public schema at least every hour (beat job
`ledger.anchor_heads`), at every monthly close and at every publication. Each township's anchors
form their own chain (each anchor's hash covers the previous anchor's hash and its content), and
the table is append-only in the database. `ledger_verify` then checks the township's chain
against every anchor: a row older than the latest anchor cannot be changed unnoticed, and the
change is located between two anchors. Members and the county hold further copies: the latest
anchor is shown on every points card and printed on every publication.
"""
from __future__ import annotations

import datetime as dt
import json

from django.db import connection, transaction

from common import clock
from scoring.ledger.chain import canonical_time, link_hash
from scoring.ledger.models import GENESIS_HASH, LedgerHead


def anchor_content(*, township_code: str, number: int, head_seq: int, head_hash: str, reason: str,
                   anchored_at: dt.datetime) -> str:
    return json.dumps({"township": township_code, "number": number, "head_seq": head_seq, "head_hash": head_hash,
                       "reason": reason, "anchored_at": canonical_time(anchored_at)},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def anchor_expected_hash(anchor, township_code: str, prev_hash: str) -> str:
    return link_hash(prev_hash, anchor_content(
        township_code=township_code, number=anchor.number, head_seq=anchor.head_seq, head_hash=anchor.head_hash,
        reason=anchor.reason, anchored_at=anchor.anchored_at))


def _head_for_share() -> tuple[int, str]:
    """The chain head, share-locked: no posting can move it until the transaction ends."""
    table = LedgerHead._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_seq, last_hash FROM {table} WHERE id = 1 FOR SHARE")  # noqa: S608
        row = cursor.fetchone()
    return (row[0], row[1]) if row else (0, GENESIS_HASH)


def ledger_anchor(*, reason: str = "hourly", at: dt.datetime | None = None):
    """Copy the current township's head to the county as the next anchor and return it. An hourly
    anchor is skipped (None) when the head has not moved since the last anchor; a close or a
    publication always anchors, so it can print its own anchor."""
    from scoring.county.models import LedgerAnchor

    township = connection.tenant
    if getattr(township, "schema_name", "public") == "public":
        raise RuntimeError("anchors are taken in a township's schema")
    if reason not in LedgerAnchor.Reason.values:
        raise ValueError(reason)
    with transaction.atomic():
        # One anchor chain per township: serialise writers (two beat deliveries, a close).
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('ledger-anchor'), %s)", [township.pk])
        head_seq, head_hash = _head_for_share()
        last = LedgerAnchor.objects.filter(township=township).order_by("-number").first()
        if reason == LedgerAnchor.Reason.HOURLY and last is not None and (last.head_seq, last.head_hash) == (
                head_seq, head_hash):
            return None
        anchor = LedgerAnchor(township=township, number=(last.number + 1) if last else 1, head_seq=head_seq,
                              head_hash=head_hash, reason=reason, anchored_at=at or clock.now(),
                              prev_hash=last.hash if last else GENESIS_HASH)
        anchor.hash = anchor_expected_hash(anchor, township.code, anchor.prev_hash)
        anchor.save()
    return anchor


def latest_anchor(*, township, at: dt.datetime | None = None):
    """The township's latest anchor (taken at or before `at` when given), or None."""
    from scoring.county.models import LedgerAnchor

    anchors = LedgerAnchor.objects.filter(township=township)
    if at is not None:
        anchors = anchors.filter(anchored_at__lte=at)
    return anchors.order_by("-number").first()


def anchor_summary(anchor) -> dict | None:
    """What a points card or a printed notice shows of an anchor (JSON-safe)."""
    if anchor is None:
        return None
    return {"number": anchor.number, "head_seq": anchor.head_seq, "head_hash": anchor.head_hash,
            "hash": anchor.hash, "anchored_at": anchor.anchored_at.isoformat()}
