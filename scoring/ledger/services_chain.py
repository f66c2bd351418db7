"""Corrections of the posted ledger: reversing rows and correcting rows.

Posted rows are never changed (a trigger rejects UPDATE and DELETE). A mistake is undone by a
reversal: a new row with the negated points that points at the original through `reverses`
(one-to-one, so a row can be reversed once). A correction is a new row of kind `correction`:
either the reversal of a wrong row (`ledger_reverse(kind="correction")`) or a free-standing
adjustment (`ledger_correct`, used for upheld objections). Both go through `ledger_post`, so they
are chained like every other row, and both are audited in the same transaction.

Permission: the services trust their caller; views and API endpoints allow only the township
office (`access.runs_scoring`).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from common.errors import Conflict, DomainError, NotFound
from scoring.ledger.models import LedgerEntry
from scoring.ledger.posting import Posting, ledger_head_lock, ledger_post
from tenants.organisation.models import Member

ALREADY_REVERSED = _("This ledger entry has already been reversed; it cannot be reversed twice.")
REVERSAL_OF_REVERSAL = _("A reversing entry cannot itself be reversed; post a correction instead.")
REASON_REQUIRED = _("Please give a reason.")
LEDGER_ENTRY_NOT_FOUND = _("No such ledger entry.")
MEMBER_NOT_FOUND = _("No such member.")
POINTS_INVALID = _("Enter a non-zero number of points with at most two decimal places.")
KIND_INVALID = _("A reversing entry must be of kind reversal or correction.")

REVERSING_KINDS = (LedgerEntry.Kind.REVERSAL, LedgerEntry.Kind.CORRECTION)
MAX_POINTS = Decimal("99999.99")


def _actor_id(actor) -> int | None:
    return actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(REASON_REQUIRED, field_errors={"reason": [REASON_REQUIRED]})
    return reason


def _row_after(row: LedgerEntry) -> dict:
    return {
        "seq": row.seq, "kind": row.kind, "member": row.member_id, "points": str(row.points),
        "reverses": row.reverses_id, "occurred_on": row.occurred_on.isoformat(),
        "scoring_year": row.scoring_year, "booked": f"{row.booked_year}-{row.booked_month:02d}",
        "note": row.note, "hash": row.hash,
    }


@transaction.atomic
def ledger_reverse(*, actor, ledger_entry_id: int, reason: str, kind: str = LedgerEntry.Kind.REVERSAL) -> LedgerEntry:
    """Post a row that cancels ledger row `ledger_entry_id` (negated points, `reverses` set).

    The row keeps the original's member, item, date and scoring year; if that month is sealed
    it is booked in the first open month. A row already reversed, or itself a reversal, is
    refused with a Conflict and nothing is written.
    """
    if kind not in REVERSING_KINDS:
        raise DomainError(KIND_INVALID)
    reason = _reason(reason)
    # The head lock serialises postings, so the "already reversed?" check cannot race; the
    # one-to-one column is the database's backstop.
    ledger_head_lock()
    original = LedgerEntry.objects.filter(pk=ledger_entry_id).first()
    if original is None:
        raise NotFound(LEDGER_ENTRY_NOT_FOUND)
    if LedgerEntry.objects.filter(reverses_id=original.pk).exists():
        raise Conflict(ALREADY_REVERSED, code="already_reversed")
    if original.reverses_id is not None:
        raise Conflict(REVERSAL_OF_REVERSAL, code="reversal_of_reversal")
    [row] = ledger_post(postings=[Posting(
        kind=kind, member_id=original.member_id, points=-original.points, occurred_on=original.occurred_on,
        scoring_year=original.scoring_year, rule_id=original.rule_id, reverses_id=original.pk, note=reason,
    )], actor_id=_actor_id(actor))
    audit_record(actor=actor, action=f"ledger.{kind}", instance=row, object_repr=f"#{row.seq} ↩ #{original.seq}",
                 before={"seq": original.seq, "points": str(original.points), "hash": original.hash},
                 after=_row_after(row))
    return row


def _points(points) -> Decimal:
    try:
        value = Decimal(str(points))
    except (InvalidOperation, ValueError, TypeError):
        value = None
    if value is None or not value.is_finite() or value == 0 or value.as_tuple().exponent < -2 or abs(value) > MAX_POINTS:
        raise DomainError(POINTS_INVALID, field_errors={"points": [POINTS_INVALID]})
    return value


@transaction.atomic
def ledger_correct(
    *, actor, member_id: int, points: Decimal, reason: str, occurred_on: dt.date, scoring_year: int,
) -> LedgerEntry:
    """Post a correcting row of `points` (positive or negative) for a member, e.g. for an upheld
    objection. It points at no original; to cancel a specific row use `ledger_reverse`."""
    points = _points(points)
    reason = _reason(reason)
    if not Member.objects.filter(pk=member_id).exists():
        raise NotFound(MEMBER_NOT_FOUND)
    [row] = ledger_post(postings=[Posting(
        kind=LedgerEntry.Kind.CORRECTION, member_id=member_id, points=points, occurred_on=occurred_on,
        scoring_year=scoring_year, note=reason,
    )], actor_id=_actor_id(actor))
    audit_record(actor=actor, action="ledger.correction", instance=row, after=_row_after(row))
    return row
