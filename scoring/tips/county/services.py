"""County handling of tips routed to it: status, messages to the reporter, internal notes."""
from __future__ import annotations

from django.db import transaction

from accounts.access import Access
from audit.services import audit_record
from common import clock
from common.errors import NotFound, PermissionDenied, full_clean_or_raise
from scoring.tips.county.models import CountyTip, CountyTipMessage, CountyTipNote
from scoring.tips.county.selectors import can_handle_county_tips
from scoring.tips.services import _message_body, _safe, status_check


def _locked(access: Access, tip_id: int) -> CountyTip:
    if not can_handle_county_tips(access):
        raise PermissionDenied()
    tip = CountyTip.objects.select_for_update().filter(pk=tip_id).first()
    if tip is None:
        raise NotFound()
    return tip


@transaction.atomic
def county_tip_status_set(*, actor, access: Access, tip_id: int, status: str, outcome: str = "") -> CountyTip:
    tip = _locked(access, tip_id)
    before = _safe(tip)
    status_check(tip, status, outcome)
    tip.status = status
    tip.status_changed_at = clock.now()
    if outcome:
        tip.outcome = outcome.strip()
    full_clean_or_raise(tip)
    tip.save()
    audit_record(actor=actor, action="county_tip.status", instance=tip, object_repr=f"#{tip.pk}", before=before,
                 after=_safe(tip))
    return tip


@transaction.atomic
def county_tip_message(*, actor, access: Access, tip_id: int, body: str) -> CountyTipMessage:
    tip = _locked(access, tip_id)
    message = CountyTipMessage(tip=tip, author_id=actor.pk, body=_message_body(body))
    full_clean_or_raise(message)
    message.save()
    audit_record(actor=actor, action="county_tip.message", instance=tip, object_repr=f"#{tip.pk}",
                 after={"message": message.pk})
    return message


@transaction.atomic
def county_tip_note_add(*, actor, access: Access, tip_id: int, body: str) -> CountyTipNote:
    tip = _locked(access, tip_id)
    note = CountyTipNote(tip=tip, author_id=actor.pk, body=_message_body(body))
    full_clean_or_raise(note)
    note.save()
    audit_record(actor=actor, action="county_tip.note", instance=tip, object_repr=f"#{tip.pk}", after={"note": note.pk})
    return note
