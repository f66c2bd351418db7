"""Writes of tips and sanctions. Each runs in one transaction with its audit event; a refused
write leaves nothing behind. Audit events never carry the reporter's identity or contact (the
township office reads the audit trail).
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import schema_context

from accounts.access import Access
from accounts.models import Role, RoleAssignment
from audit.services import audit_record
from common import clock
from common.errors import Conflict, DomainError, NotFound, PermissionDenied, full_clean_or_raise
from notifications.services import notify
from scoring.ledger.evidence import evidence_check
from scoring.ledger.models import Entry
from scoring.ledger.services import entry_correction_propose
from scoring.tips.base import TRANSITIONS, Channel, TipStatus
from scoring.tips.models import AwardIneligibility, Sanction, Tip, TipEvidence, TipMessage, TipNote
from scoring.tips.receipts import receipt_new, receipt_normalise, receipt_secure
from scoring.tips.selectors import can_handle, tip_handlers
from tenants.organisation.models import Branch, Member, Village

CANNOT_HANDLE = _("Only the supervision office and the discipline commission handle tips.")
REPORTER_NAME_REQUIRED = _("Give your name, or choose to report anonymously.")
BAD_TRANSITION = _("A tip cannot go from %(old)s to %(new)s.")
OUTCOME_REQUIRED = _("State the outcome of the investigation.")
NOT_A_HANDLER = _("Assign the tip to someone in the supervision office or the discipline commission.")
DUE_IN_PAST = _("The due date cannot be in the past.")
TIP_CLOSED = _("This tip is closed.")
NOT_SUBSTANTIATED = _("Only a substantiated tip can propose corrections.")
ENTRY_NOT_CONCERNED = _("Choose a posted entry of a member of the village the tip is about.")
BAD_SOURCE = _("The source must be tip:<number> or check:<number>.")
SOURCE_CHECK_MISSING = _("There is no such spot check in this township.")
SOURCE_TIP_MISSING = _("There is no such tip in this township.")
FAKING_NEEDS_VILLAGE = _("Name the village where faking was established.")
VILLAGE_MISSING = _("Choose a village of this township.")
EMPTY_MESSAGE = _("Write a message.")

DEFAULT_DUE_DAYS = 30
SOURCE_RE = re.compile(r"^(tip|check):([1-9][0-9]{0,12})$")


def _require_handler(access: Access) -> None:
    if not can_handle(access):
        raise PermissionDenied(CANNOT_HANDLE)


def _safe(tip) -> dict:
    """What the audit may know of a tip: never the reporter's identity."""
    return {"status": tip.status, "channel": tip.channel, "anonymous": tip.anonymous,
            "assigned_to": tip.assigned_to_id, "due_on": tip.due_on.isoformat() if tip.due_on else None}


def _fill(tip, *, subject, body, anonymous, reporter_name, reporter_contact, channel, recorded_by_id):
    tip.subject = (subject or "").strip()
    tip.body = (body or "").strip()
    tip.anonymous = bool(anonymous)
    tip.reporter_name = "" if anonymous else (reporter_name or "").strip()
    tip.reporter_contact = "" if anonymous else (reporter_contact or "").strip()
    tip.channel = channel
    tip.recorded_by_id = recorded_by_id
    if not tip.anonymous and not tip.reporter_name:
        raise DomainError(REPORTER_NAME_REQUIRED, field_errors={"reporter_name": [REPORTER_NAME_REQUIRED]})


@transaction.atomic
def tip_submit(*, subject: str, body: str, anonymous: bool = True, reporter_name: str = "",
               reporter_contact: str = "", about_office: bool = False, village_id: int | None = None,
               channel: str = Channel.WEB, actor=None, access: Access | None = None,
               receipt_code: str | None = None):
    """File a tip in the current township; returns `(tip, receipt_code)`. The code is shown once
    and never stored. Without `actor` it came through the public form (channel web); with one, a
    handler records a tip that came by phone, box or visit.

    A tip about the township's own office or leaders (`about_office`) is stored for the county
    (`scoring.tips.county.models.CountyTip`, public schema) and the township never sees it.

    `receipt_code` is for the demo data only (a known code printed in the README); the product
    always draws a fresh random one."""
    if actor is not None:
        _require_handler(access)
    else:
        channel = Channel.WEB
    township = connection.tenant
    code = receipt_code if receipt_code and receipt_normalise(receipt_code) else receipt_new()
    fields = {"subject": subject, "body": body, "anonymous": anonymous, "reporter_name": reporter_name,
              "reporter_contact": reporter_contact, "channel": channel,
              "recorded_by_id": actor.pk if actor is not None else None}
    if about_office:
        from scoring.tips.county.models import CountyTip

        tip = CountyTip(township_id=township.pk, **receipt_secure(code))
        _fill(tip, **fields)
        full_clean_or_raise(tip)
        with schema_context("public"):
            tip.save()
            audit_record(actor=actor, action="county_tip.receive", instance=tip, object_repr=f"#{tip.pk}",
                         after={**_safe(tip), "township": township.pk})
        return tip, code
    tip = Tip(**receipt_secure(code))
    if village_id:
        tip.village = Village.objects.filter(pk=village_id).first()
        if tip.village is None:
            raise DomainError(VILLAGE_MISSING, field_errors={"village": [VILLAGE_MISSING]})
    _fill(tip, **fields)
    full_clean_or_raise(tip)
    tip.save()
    audit_record(actor=actor, action="tip.receive", instance=tip, object_repr=f"#{tip.pk}", after=_safe(tip))
    return tip, code


def _message_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise DomainError(EMPTY_MESSAGE, field_errors={"body": [EMPTY_MESSAGE]})
    return body


@transaction.atomic
def tip_reporter_message(*, tip, body: str):
    """The reporter writes through their receipt (the caller has checked the code)."""
    message = tip.messages.model(tip=tip, from_reporter=True, body=_message_body(body))
    full_clean_or_raise(message)
    message.save()
    schema = "public" if tip._meta.app_label == "tips_county" else connection.schema_name
    with schema_context(schema):
        audit_record(actor=None, action=f"{tip._meta.model_name}.reporter_message", instance=tip,
                     object_repr=f"#{tip.pk}", after={"message": message.pk})
    return message


def _locked(tip_id: int) -> Tip:
    tip = Tip.objects.select_for_update().filter(pk=tip_id).first()
    if tip is None:
        raise NotFound()
    return tip


@transaction.atomic
def tip_message(*, actor, access: Access, tip_id: int, body: str) -> TipMessage:
    """A handler's message to the reporter (shown on the receipt page, without the handler's name)."""
    _require_handler(access)
    tip = _locked(tip_id)
    message = TipMessage(tip=tip, author_id=actor.pk, body=_message_body(body))
    full_clean_or_raise(message)
    message.save()
    audit_record(actor=actor, action="tip.message", instance=tip, object_repr=f"#{tip.pk}",
                 after={"message": message.pk})
    return message


@transaction.atomic
def tip_note_add(*, actor, access: Access, tip_id: int, body: str) -> TipNote:
    _require_handler(access)
    tip = _locked(tip_id)
    note = TipNote(tip=tip, author_id=actor.pk, body=_message_body(body))
    full_clean_or_raise(note)
    note.save()
    audit_record(actor=actor, action="tip.note", instance=tip, object_repr=f"#{tip.pk}", after={"note": note.pk})
    return note


def status_check(tip, status: str, outcome: str) -> None:
    if status not in TRANSITIONS.get(tip.status, set()):
        message = BAD_TRANSITION % {"old": TipStatus(tip.status).label, "new": TipStatus(status).label} \
            if status in TipStatus.values else BAD_TRANSITION % {"old": tip.status, "new": status}
        raise Conflict(message)
    if status in (TipStatus.SUBSTANTIATED, TipStatus.UNSUBSTANTIATED) and not (outcome or "").strip():
        raise DomainError(OUTCOME_REQUIRED, field_errors={"outcome": [OUTCOME_REQUIRED]})


@transaction.atomic
def tip_status_set(*, actor, access: Access, tip_id: int, status: str, outcome: str = "") -> Tip:
    """Move the case one step: received → triaged → investigating → substantiated or
    unsubstantiated (with the outcome) → closed. Triage sets a default due date."""
    _require_handler(access)
    tip = _locked(tip_id)
    before = _safe(tip)
    status_check(tip, status, outcome)
    tip.status = status
    tip.status_changed_at = clock.now()
    if outcome:
        tip.outcome = outcome.strip()
    if status == TipStatus.TRIAGED and tip.due_on is None:
        tip.due_on = clock.today() + dt.timedelta(days=DEFAULT_DUE_DAYS)
    full_clean_or_raise(tip)
    tip.save()
    audit_record(actor=actor, action="tip.status", instance=tip, object_repr=f"#{tip.pk}", before=before,
                 after=_safe(tip))
    return tip


@transaction.atomic
def tip_assign(*, actor, access: Access, tip_id: int, assignee_id: int, due_on: dt.date | None = None) -> Tip:
    """Give the tip to a handler (supervision office or discipline commission), with a due date."""
    _require_handler(access)
    tip = _locked(tip_id)
    if tip.status == TipStatus.CLOSED:
        raise Conflict(TIP_CLOSED)
    handlers = {user.pk: user for user in tip_handlers()}
    if assignee_id not in handlers:
        raise DomainError(NOT_A_HANDLER, field_errors={"assignee": [NOT_A_HANDLER]})
    if due_on is not None and due_on < clock.today():
        raise DomainError(DUE_IN_PAST, field_errors={"due_on": [DUE_IN_PAST]})
    before = _safe(tip)
    tip.assigned_to_id = assignee_id
    if due_on is not None:
        tip.due_on = due_on
    full_clean_or_raise(tip)
    tip.save()
    audit_record(actor=actor, action="tip.assign", instance=tip, object_repr=f"#{tip.pk}", before=before,
                 after=_safe(tip))
    if assignee_id != actor.pk:
        notify(event="tip.assigned", recipients=[handlers[assignee_id]], township=connection.tenant, actor=actor,
               context={"tip_id": tip.pk, "subject": tip.subject[:60],
                        "due_on": tip.due_on.isoformat() if tip.due_on else ""})
    return tip


@transaction.atomic
def tip_evidence_add(*, actor, access: Access, tip_id: int, files) -> list[TipEvidence]:
    _require_handler(access)
    tip = _locked(tip_id)
    rows = []
    for checked in evidence_check(files):
        row = TipEvidence(tip=tip, original_name=checked.original_name, content_type=checked.content_type,
                          size=checked.size, sha256=checked.sha256, uploaded_by_id=actor.pk)
        row.file.save(checked.stored_name, checked.upload, save=False)
        row.save()
        rows.append(row)
    audit_record(actor=actor, action="tip.evidence", instance=tip, object_repr=f"#{tip.pk}",
                 after={"evidence": [r.sha256 for r in rows]})
    return rows


@transaction.atomic
def tip_correction_propose(*, actor, access: Access, tip_id: int, entry_id: int, points, reason: str) -> Entry:
    """A substantiated tip proposes a correcting entry against a posted entry of a member of the
    tip's village (any member when the tip names no village). It goes through the review path
    (`entry_correction_propose`); the original entry and ledger row stay untouched."""
    _require_handler(access)
    tip = _locked(tip_id)
    if tip.status != TipStatus.SUBSTANTIATED:
        raise Conflict(NOT_SUBSTANTIATED)
    entry = Entry.objects.select_related("member__branch").filter(pk=entry_id).first()
    if entry is None or (tip.village_id and entry.member.branch.village_id != tip.village_id):
        raise DomainError(ENTRY_NOT_CONCERNED, field_errors={"entry": [ENTRY_NOT_CONCERNED]})
    correction = entry_correction_propose(actor=actor, access=access, entry_id=entry.pk, points=points,
                                          reason=reason, source=f"tip:{tip.pk}", authorised=True)
    audit_record(actor=actor, action="tip.correction", instance=tip, object_repr=f"#{tip.pk}",
                 after={"entry": entry.pk, "correction": correction.pk, "points": str(Decimal(str(points)))})
    return correction


# --- sanctions ------------------------------------------------------------------------------------------
def branch_secretaries(village: Village) -> list[tuple[object, int | None]]:
    """(user, member id or None) of every branch secretary of the village's branches in this township.

    The member record is the one linked to the user's member role here, else the only member of
    that branch with the user's full name (or its last word)."""
    branches = list(Branch.objects.filter(village=village).values_list("pk", flat=True))
    roles = RoleAssignment.objects.filter(township_id=connection.tenant.pk, role=Role.BRANCH_SECRETARY,
                                          branch_id__in=branches)
    result = []
    for role in roles.select_related("user").order_by("user_id"):
        user = role.user
        member_id = RoleAssignment.objects.filter(
            township_id=connection.tenant.pk, role=Role.MEMBER, user=user, member_id__isnull=False,
        ).values_list("member_id", flat=True).first()
        if member_id is None and user.full_name:
            names = {user.full_name, user.full_name.split()[-1]}
            matches = list(Member.objects.filter(branch_id=role.branch_id, name__in=names).values_list("pk", flat=True))
            member_id = matches[0] if len(matches) == 1 else None
        result.append((user, member_id))
    return result


def scoring_year_of(day: dt.date) -> int:
    from scoring.catalogue.services import scoring_year_label_for
    from scoring.county.selectors import county_policy_get

    with schema_context("public"):
        start_month = county_policy_get().year_start_month
    return scoring_year_label_for(on=day, start_month=start_month)


@transaction.atomic
def sanction_create(*, actor, access: Access, kind: str, person_name: str, decided_on: dt.date,
                    decision_maker: str, document_number: str, source: str, village_id: int | None = None,
                    faking_established: bool = False, scoring_year: int | None = None, note: str = "") -> Sanction:
    """Record a sanction (通报, 诫勉谈话, 问责) linked to its source (`tip:<id>` or `check:<id>`).

    With `faking_established`, every branch secretary of the village loses the award eligibility of
    the scoring year (that of the decision date unless given): one `AwardIneligibility` each, kept
    once per secretary and year."""
    _require_handler(access)
    source = (source or "").strip()
    match = SOURCE_RE.match(source)
    if not match:
        raise DomainError(BAD_SOURCE, field_errors={"source": [BAD_SOURCE]})
    if match.group(1) == "tip" and not Tip.objects.filter(pk=int(match.group(2))).exists():
        raise DomainError(SOURCE_TIP_MISSING, field_errors={"source": [SOURCE_TIP_MISSING]})
    if match.group(1) == "check":
        from scoring.oversight.models import Check

        if not Check.objects.filter(pk=int(match.group(2))).exists():
            raise DomainError(SOURCE_CHECK_MISSING, field_errors={"source": [SOURCE_CHECK_MISSING]})
    village = None
    if village_id:
        village = Village.objects.filter(pk=village_id).first()
        if village is None:
            raise DomainError(VILLAGE_MISSING, field_errors={"village": [VILLAGE_MISSING]})
    if faking_established and village is None:
        raise DomainError(FAKING_NEEDS_VILLAGE, field_errors={"village": [FAKING_NEEDS_VILLAGE]})
    sanction = Sanction(
        kind=kind, person_name=(person_name or "").strip(), village=village, decided_on=decided_on,
        decision_maker=(decision_maker or "").strip(), document_number=(document_number or "").strip(),
        source=source, faking_established=faking_established,
        scoring_year=scoring_year or (scoring_year_of(decided_on) if decided_on else 0), note=(note or "").strip(),
        created_by_id=actor.pk,
    )
    full_clean_or_raise(sanction)
    sanction.save()
    audit_record(actor=actor, action="sanction.create", instance=sanction,
                 after={"kind": kind, "person_name": sanction.person_name, "village": village_id,
                        "decided_on": decided_on.isoformat(), "document_number": sanction.document_number,
                        "source": source, "faking_established": faking_established,
                        "scoring_year": sanction.scoring_year})
    if faking_established:
        reason = str(_("Faking of points established in %(village)s (%(document)s, %(source)s)")) % {
            "village": village.name, "document": sanction.document_number, "source": source}
        for user, member_id in branch_secretaries(village):
            row, created = AwardIneligibility.objects.get_or_create(
                user_id=user.pk, scoring_year=sanction.scoring_year,
                defaults={"member_id": member_id, "reason": reason, "sanction": sanction})
            if created:
                audit_record(actor=actor, action="award.ineligible", instance=row,
                             after={"user": user.pk, "member": member_id, "scoring_year": row.scoring_year,
                                    "sanction": sanction.pk, "reason": reason})
    return sanction


def user_get(pk):
    return get_user_model().objects.filter(pk=pk).first()
